"""Outlet and sub-branch figures (篇二): deposits, loans, business — 口径 as pure functions over DataFrames.

Units: every amount stays in 元 here; conversion to 亿元 / 万元 and rounding happen only when
rendering. Rates are fractions (0.1234 = 12.34%).

- 月末余额 (period-end balance): the balance on the period's last day (for an outlet closed during
  the period, on its closing day); a day without a row keeps the previous day's balance.
- 年初: the balance on the previous year's 31 December; an outlet opened after it counts from its
  opening day's balance (较开业), never from zero.
- 较年初新增 = 月末余额 − 年初; 增幅 = 较年初新增 ÷ 年初.
- 同比: against the same period one year earlier (余额 at its end, 日均 over it); missing where the
  warehouse does not reach back that far or the outlet did not exist.
- 日均 = Σ daily balance over every day of the period ÷ days in the period (carry forward); an
  outlet that opened or closed during the period is averaged over the days it was open, and its
  documents say so. The day-weighted sums are computed in the database
  (``templates/sql/outlet_balances.sql``).
- 日均较上年日均 (``*_avg_increase``) = 日均 − 上年全年日均: 日均 is compared with 日均, never with the
  31 December balance (year-end balances are window-dressed). Missing for an outlet without a last
  year; 同比 (``*_daily_avg_yoy_rate``) compares with the same period of last year, only where both
  periods are whole (the outlet open throughout both).
- 排名 among the outlets of the same sub-branch open the whole period: largest first, ties share the
  best rank (1, 1, 3); on the figure the sentence names.
- 不良贷款率 = (次级 + 可疑 + 损失) ÷ 各项贷款, at period end.
- 电子银行柜面替代率 = electronic transactions ÷ (electronic + counter) over the period; ATM
  transactions count as electronic.
"""

from __future__ import annotations

import pandas as pd

from reportpack.derive import moves
from reportpack.periods import Period

BALANCES = ("corporate_deposit", "savings_deposit")
FLOW_SUMS = (
    "new_corporate_accounts",
    "personal_loans_recovered",
    "npl_recovered",
    "payroll_customers_added",
    "card_spending",
    "merchants_added",
    "online_banking_customers_added",
)


def time_progress(opened_on: pd.Series, period: Period, closed_on: pd.Series | None = None) -> pd.Series:
    """时序进度 of each outlet: the share of its year elapsed at period end — from 1 January, or from
    its opening day for an outlet opened during the year (its annual plan covers the days it is open);
    for an outlet closed in the period, at its closing day, where its figures stop (issue #34: the
    closed 胜利路 was measured against 30 June, 49.59 %, its data stopping at 41.37 %)."""
    year_end = pd.Timestamp(period.end.year, 12, 31)
    first = pd.to_datetime(opened_on).clip(lower=pd.Timestamp(period.end.year, 1, 1))
    last = pd.Series(pd.Timestamp(period.end), index=first.index)
    if closed_on is not None:
        last = pd.to_datetime(closed_on).clip(upper=pd.Timestamp(period.end)).fillna(last)
    elapsed = (last - first).dt.days + 1
    return (elapsed / ((year_end - first).dt.days + 1)).astype(float)


def daily_average(day_sums: pd.Series, covered_days: pd.Series) -> pd.Series:
    """日均 from the database's day-weighted sums: Σ balance × days it stood ÷ days covered.

    For an outlet open the whole period the days covered are the period's days; an outlet that
    opened or closed during the period is averaged over the days it was open.
    """
    return day_sums / covered_days.where(covered_days > 0)


def rank_within(values: pd.Series, groups: pd.Series) -> pd.Series:
    """Rank of each value among its group, largest = 1, ties share the best rank."""
    return values.groupby(groups).rank(method="min", ascending=False).astype("Int64")


def growth_rate(growth: pd.Series, base: pd.Series) -> pd.Series:
    """增幅: growth ÷ base; NaN where the base is zero (no meaningful rate)."""
    return growth / base.where(base != 0)


def substitution_rate(electronic: pd.Series, counter: pd.Series) -> pd.Series:
    total = electronic + counter
    return electronic / total.where(total != 0)


def outlet_figures(frames: dict[str, pd.DataFrame], period: Period) -> pd.DataFrame:
    """One row per outlet of ``frames['outlets']`` with every figure of the half-year summary."""
    outlets = frames["outlets"].set_index("unit_id")
    bal = frames["outlet_balances"].set_index("unit_id").reindex(outlets.index)
    biz = frames["outlet_business"].set_index("unit_id").reindex(outlets.index)
    year_before = frames["outlet_balances_previous_year"].set_index("unit_id").reindex(outlets.index)
    out = outlets[["outlet_name", "sub_branch_id", "sub_branch_name", "branch_name"]].copy()
    opened, closed = pd.to_datetime(outlets["opened_on"]), pd.to_datetime(outlets["closed_on"])
    out["opened_in_period"] = opened.where(opened > pd.Timestamp(period.start)).dt.date
    out["opened_in_year"] = opened.where(opened > pd.Timestamp(period.year_start_balance_date)).dt.date
    out["closed_in_period"] = closed.where(closed < pd.Timestamp(period.end)).dt.date
    # Only outlets open the whole year to date are ranked: a closed one has no period-end figures, a
    # new one no 年初 (its growth counts from its opening day); comparing them with the others would
    # push every other outlet down a place.
    out["ranked"] = out["opened_in_year"].isna() & out["closed_in_period"].isna()
    out["time_progress"] = time_progress(outlets["opened_on"], period, outlets["closed_on"])
    out["peers"] = out.groupby("sub_branch_id")["ranked"].transform("sum").astype("int64")
    # its sub-branch's outlets in the period, closed and new ones included: where there are more than
    # are ranked, a rank is "among the N ranked" (参与排名的5个网点), not "among its N outlets"
    out["outlets_in_sub"] = out.groupby("sub_branch_id")["ranked"].transform("size").astype("int64")
    out["open_days"] = bal["open_days"]
    out["covered_days"] = bal["covered_days"]
    out["partial_period"] = bal["open_days"] < period.days
    # the months a partial period's title names (胜利路网点2023年1至5月工作总结: it closed on 31 May)
    out["first_month"] = opened.clip(lower=pd.Timestamp(period.start)).dt.month.astype("int64")
    out["last_month"] = closed.clip(upper=pd.Timestamp(period.end)).fillna(pd.Timestamp(period.end)).dt.month.astype("int64")
    for column in BALANCES:
        p = column.removesuffix("_deposit")
        end = bal[f"{p}_end"]
        base = bal[f"{p}_year_start"]  # 年初, or the opening day's balance of a later opening
        avg = daily_average(bal[f"{p}_day_sum"], bal["covered_days"])
        out[f"{p}_end"] = end
        out[f"{p}_year_start"] = base
        out[f"{p}_growth"] = end - base
        out[f"{p}_growth_rate"] = growth_rate(end - base, base)
        out[f"{p}_daily_avg"] = avg
        out[f"{p}_daily_avg_last_year"] = daily_average(year_before[f"{p}_day_sum"], year_before["covered_days"])
        out[f"{p}_avg_increase"] = avg - out[f"{p}_daily_avg_last_year"]
    out = moves.with_moves(
        out.reset_index(), frames["transfers"], period.start, period.end, period.year_start_balance_date
    ).set_index("unit_id")
    for column in BALANCES:
        p = column.removesuffix("_deposit")
        # ranked on what the outlet grew by itself: not first because a neighbour closed (derive/moves.py)
        out[f"{p}_growth_rank"] = rank_within(out[f"{p}_growth_comparable"].where(out["ranked"]), out["sub_branch_id"])
        out[f"{p}_avg_increase_rank"] = rank_within(
            out[f"{p}_avg_increase_comparable"].where(out["ranked"]), out["sub_branch_id"]
        )
    last = frames["outlet_balances_last_year"].set_index("unit_id").reindex(outlets.index)
    # 同比 only between whole periods: a closed outlet's January–May is not compared with last year's
    # January–June, nor a new outlet's months with days it did not exist.
    comparable = out["ranked"] & (last["covered_days"] == period.same_last_year().days)
    for column in BALANCES:
        p = column.removesuffix("_deposit")
        ly_end = last[f"{p}_end"].where(comparable)
        ly_avg = daily_average(last[f"{p}_day_sum"], last["covered_days"]).where(comparable)
        out[f"{p}_end_last_year"] = ly_end
        out[f"{p}_yoy_growth"] = out[f"{p}_end"] - ly_end
        out[f"{p}_yoy_rate"] = growth_rate(out[f"{p}_end"] - ly_end, ly_end)
        out[f"{p}_daily_avg_yoy_rate"] = growth_rate(out[f"{p}_daily_avg"] - ly_avg, ly_avg)
    out["loans_end"] = bal["loans_end"]
    out["npl_end"] = bal["npl_end"]
    out["npl_ratio"] = npl_ratio(bal["npl_end"], bal["loans_end"])
    for column in FLOW_SUMS:
        out[column] = biz[column]
    out["ebank_substitution_rate"] = substitution_rate(biz["ebank_transactions"], biz["counter_transactions"])
    out["months_reported"] = biz["months_reported"]
    # counter staffing on the period's last day (a closed outlet's: its closing day): 篇二's
    # "x名对公非现金柜员、x个现金对公优先窗口"
    out["corporate_non_cash_tellers"] = biz["corporate_non_cash_tellers"]
    out["corporate_priority_windows"] = biz["corporate_priority_windows"]
    return out.reset_index().sort_values(["sub_branch_id", "unit_id"], ignore_index=True)


def npl_ratio(npl: pd.Series, loans: pd.Series) -> pd.Series:
    """不良贷款率 = (次级 + 可疑 + 损失) ÷ 各项贷款."""
    return npl / loans.where(loans != 0)


def sub_branch_totals(figures: pd.DataFrame) -> pd.DataFrame:
    """One row per sub-branch: period-end totals (元) over the outlets still open at period end.

    An outlet closed during the period (``closed_in_period``) has no period-end balance — its last
    one is its closing day's — so it is left out of the period-end totals and named instead
    (``closed_outlets``, ``closed_outlet_names`` joined with 、). 较年初 is the sub-branch's: its
    period-end total minus its 年初 total, which still holds the closed outlet's 年初 balance (its
    deposits left that outlet during the year, whether they moved to a sibling or left the bank);
    an outlet opened during the year had no 年初 in the sub-branch's books, so it adds nothing to the
    年初 total (its own growth counts from its opening day, the sub-branch's from 年初)."""
    closed = figures["closed_in_period"].notna()
    opened = figures["opened_in_year"].notna() if "opened_in_year" in figures else pd.Series(False, index=figures.index)
    ranked = figures["ranked"].astype(bool) if "ranked" in figures else ~closed & ~opened
    frame = figures.assign(
        still_open=~closed,
        is_ranked=ranked,
        corporate_end=figures["corporate_end"].where(~closed, 0.0),
        savings_end=figures["savings_end"].where(~closed, 0.0),
        corporate_year_start=figures["corporate_year_start"].where(~opened, 0.0),
        savings_year_start=figures["savings_year_start"].where(~opened, 0.0),
        closed_name=figures["outlet_name"].where(closed),
    )
    totals = frame.groupby(["sub_branch_id", "sub_branch_name", "branch_name"], sort=True).agg(
        outlets=("still_open", "sum"),
        ranked_outlets=("is_ranked", "sum"),  # the outlets its rankings are among (open the whole year)
        corporate_end=("corporate_end", "sum"),
        corporate_year_start=("corporate_year_start", "sum"),
        savings_end=("savings_end", "sum"),
        savings_year_start=("savings_year_start", "sum"),
        closed_outlets=("closed_name", "count"),
        closed_outlet_names=("closed_name", lambda names: "、".join(names.dropna())),
    )
    for p in ("corporate", "savings"):
        totals[f"{p}_growth"] = totals[f"{p}_end"] - totals.pop(f"{p}_year_start")
    return totals.astype({"outlets": "int64", "ranked_outlets": "int64", "closed_outlets": "int64"}).reset_index()


def monthly_daily_averages(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per outlet per month of the period: 月日均 of 对公存款 and 储蓄存款 (元), with the same
    month a year earlier (``*_last_year``; NaN where the warehouse has no balances then)."""
    this = frames["outlet_monthly"].copy()
    last = frames["outlet_monthly_last_year"].copy()
    for frame in (this, last):
        frame["month_no"] = frame["month"].str[5:7].astype("int64")
    last = last[["unit_id", "month_no", "corporate_avg", "savings_avg"]].rename(
        columns={"corporate_avg": "corporate_avg_last_year", "savings_avg": "savings_avg_last_year"}
    )
    out = this.merge(last, on=["unit_id", "month_no"], how="left")
    return out.sort_values(["unit_id", "month"], ignore_index=True)


def with_peer_medians(outlets: pd.DataFrame, columns: tuple[str, ...], among: pd.Series | None = None) -> pd.DataFrame:
    """``outlets`` with ``<column>_sub_median``: the median of the column among the outlets of the
    same sub-branch (NaN values left out), for rules such as "above the sub-branch median" — with
    ``among``, among those outlets only (the outlets open the whole period: a closed outlet's five
    months or a new one's four do not move the median the others are held to)."""
    out = outlets.copy()
    for column in columns:
        values = out[column] if among is None else out[column].where(among.astype(bool))
        out[f"{column}_sub_median"] = values.groupby(out["sub_branch_id"]).transform("median")
    return out
