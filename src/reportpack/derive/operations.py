"""Operations figures: operations managers (篇一), tellers (篇六), the accounting department (篇四).

Rates are fractions; error rates are per 10,000 transactions; amounts (penalties) in 元.
"""

from __future__ import annotations

import pandas as pd

from reportpack.derive.ratios import per_10k, ratio
from reportpack.periods import Period
from reportpack.rounding import printed_units


def ops_manager_figures(frames: dict[str, pd.DataFrame], period: Period) -> pd.DataFrame:
    """One row per operations manager per outlet served in the period (篇一).

    回复准确率 = accurate replies ÷ replies; 差错整改率 = errors corrected ÷ errors found; months_served =
    calendar months of the spell;
    ``moved`` when they served another outlet before this one; ``errors_open`` = found − corrected;
    ``whole_period`` when the spell is the whole period, ``left_before_end`` when it ended before it,
    ``whole_outlet_period`` when it is all the outlet was open of the period (the whole period, or
    from its opening, or to its closing): the outlet's figures of the period are the spell's.
    """
    om = frames["ops_managers"].copy()
    names = frames["outlets"].set_index("unit_id")[["outlet_name", "sub_branch_name"]]
    om = om.join(names, on="unit_id")
    om["reply_accuracy"] = ratio(om["accurate_replies"], om["replies"])
    om["inaccurate_replies"] = om["replies"] - om["accurate_replies"]
    om["correction_rate"] = ratio(om["errors_corrected"], om["errors_found"])
    # calendar months served (案防会议 are held monthly): Jan 1 – Mar 31 → 3
    om["months_served"] = (
        om["last_day"].dt.year * 12 + om["last_day"].dt.month - om["first_day"].dt.year * 12 - om["first_day"].dt.month + 1
    ).astype("int64")
    # 月均 as the summary prints them (审核授权 N笔, 履职检查 N次 a month of service)
    om["authorisations_per_month"] = om["authorisations_reviewed"] / om["months_served"]
    om["inspections_per_month"] = om["inspections_done"] / om["months_served"]
    om["first_month"] = om["first_day"].dt.month.astype("int64")  # the months a partial spell's title names
    om["last_month"] = om["last_day"].dt.month.astype("int64")
    om["moved"] = om["previous_unit_name"].notna()
    om["no_major_error"] = om["major_errors"] == 0
    om["errors_open"] = om["errors_found"] - om["errors_corrected"]
    # the outlet's teller errors in the spell the manager did not find (事后监督 and others): the
    # teller plans count every error, so the summary says how many there were beside its own
    om["errors_found_by_others"] = (om["teller_errors"] - om["errors_found"]).clip(lower=0)
    om["left_before_end"] = om["last_day"].dt.date < period.end
    om["whole_period"] = (om["first_day"].dt.date <= period.start) & ~om["left_before_end"]
    outlets = frames["outlets"].set_index("unit_id")
    first = pd.to_datetime(om["unit_id"].map(outlets["opened_on"])).clip(lower=pd.Timestamp(period.start))
    last = pd.to_datetime(om["unit_id"].map(outlets["closed_on"])).clip(upper=pd.Timestamp(period.end))
    om["whole_outlet_period"] = (om["first_day"] <= first) & (om["last_day"] >= last.fillna(pd.Timestamp(period.end)))
    return _with_hand_overs(om)


def _with_hand_overs(om: pd.DataFrame) -> pd.DataFrame:
    """Who a manager took the outlet over from (``predecessor_name``: the manager whose spell there
    ended the day before this one began) and handed it to (``successor_name``: whose began the day
    after this one ended); none where nobody did, in the period."""
    spells = om[["unit_id", "staff_id", "staff_name", "first_day", "last_day", "errors_open"]]
    day = pd.Timedelta(days=1)
    pairs = spells.merge(spells, on="unit_id", suffixes=("", "_next"))
    pairs = pairs[(pairs["staff_id"] != pairs["staff_id_next"]) & (pairs["last_day"] + day == pairs["first_day_next"])]
    successor = pairs.drop_duplicates(["unit_id", "staff_id", "last_day"]).set_index(["unit_id", "staff_id", "last_day"])
    predecessor = pairs.drop_duplicates(["unit_id", "staff_id_next", "first_day_next"]).set_index(
        ["unit_id", "staff_id_next", "first_day_next"]
    )
    om["successor_name"] = (
        successor["staff_name_next"].reindex(pd.MultiIndex.from_frame(om[["unit_id", "staff_id", "last_day"]])).to_numpy()
    )
    om["predecessor_name"] = (
        predecessor["staff_name"].reindex(pd.MultiIndex.from_frame(om[["unit_id", "staff_id", "first_day"]])).to_numpy()
    )
    # the errors the predecessor handed over still open ("交由高敏杰跟进整改"): the incoming one says
    # what they took over, so the two summaries account for the same errors
    handed = predecessor["errors_open"].reindex(pd.MultiIndex.from_frame(om[["unit_id", "staff_id", "first_day"]]))
    om["inherited_errors_open"] = handed.fillna(0).astype("int64").to_numpy()
    return om


def teller_figures(frames: dict[str, pd.DataFrame], min_days_share: float = 0.8) -> pd.DataFrame:
    """One row per teller per outlet (篇六): 日均业务笔数, 差错率 (per 10,000), the outlet's averages
    the plan compares with, and the rank by 日均 as printed (one decimal; equal-looking figures
    share a place) among the outlet's tellers who worked at least ``min_days_share`` of its most
    days (``per_day_rank`` of ``ranked_tellers``; none for a teller who worked fewer: a month's
    日均 is not ranked against a half year's)."""
    t = frames["tellers"].copy()
    t["transactions_per_day"] = ratio(t["transactions"], t["working_days"])
    t["customers_per_day"] = ratio(t["customers_served"], t["working_days"])
    t["error_rate_per_10k"] = per_10k(t["errors"], t["transactions"])
    by_outlet = t.groupby("unit_id")
    t["tellers_in_outlet"] = by_outlet["staff_id"].transform("size")
    t["outlet_average_per_day"] = by_outlet["transactions_per_day"].transform("mean")
    t["outlet_max_per_day"] = by_outlet["transactions_per_day"].transform("max")
    t["outlet_average_score"] = by_outlet["appraisal_score"].transform("mean")
    t["outlet_average_remittances"] = by_outlet["remittances"].transform("mean")
    comparable = t["working_days"] >= min_days_share * by_outlet["working_days"].transform("max")
    shown = pd.Series(printed_units(t["transactions_per_day"], 1), index=t.index).where(comparable)
    t["per_day_rank"] = shown.groupby(t["unit_id"]).rank(method="min", ascending=False).astype("Int64")
    t["ranked_tellers"] = comparable.groupby(t["unit_id"]).transform("sum").astype("int64")
    return t


def accounting_figures(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per sub-branch (篇四): 整改率, 无差错柜员占比, 培训完成率, 差错率 (per 10,000), 考核平均得分,
    and the same five for the whole branch (``branch_<figure>``, from the branch's sums: what a
    sub-branch is compared with, "高于全分行平均")."""
    a = frames["accounting"].copy()
    outlet_sub = frames["outlets"].set_index("unit_id")["sub_branch_id"]
    volume = frames["tellers"].assign(sub=lambda t: t["unit_id"].map(outlet_sub)).groupby("sub")["transactions"].sum()
    a["teller_transactions"] = a["sub_branch_id"].map(volume).fillna(0).astype("int64")
    a["rectification_rate"] = ratio(a["findings_rectified"], a["findings"])
    a["zero_error_share"] = ratio(a["tellers_without_error"], a["tellers"])
    a["training_completion"] = ratio(a["sessions_held"], a["sessions_planned"])
    a["error_rate_per_10k"] = per_10k(a["teller_errors"], a["teller_transactions"])
    branch_of = frames["outlets"].drop_duplicates("sub_branch_id").set_index("sub_branch_id")["branch_name"]
    a["branch_name"] = a["sub_branch_id"].map(branch_of)
    a["score_points"] = a["appraisal_score"] * a["tellers"]  # the branch's mean score weighs each teller once
    sums = ["findings_rectified", "findings", "tellers_without_error", "tellers", "sessions_held", "sessions_planned"]
    sums += ["teller_errors", "teller_transactions", "score_points"]
    branch = a.groupby("branch_name")[sums].transform("sum")  # a sub-branch without outlets: no branch, NaN
    a["branch_rectification_rate"] = ratio(branch["findings_rectified"], branch["findings"])
    a["branch_zero_error_share"] = ratio(branch["tellers_without_error"], branch["tellers"])
    a["branch_training_completion"] = ratio(branch["sessions_held"], branch["sessions_planned"])
    a["branch_error_rate_per_10k"] = per_10k(branch["teller_errors"], branch["teller_transactions"])
    a["branch_appraisal_score"] = ratio(branch["score_points"], branch["tellers"])
    return a.drop(columns=["score_points", "branch_name"])  # the sub-branch totals carry the branch name
