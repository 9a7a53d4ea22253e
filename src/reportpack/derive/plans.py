"""Targets the teller plans (篇六), lobby plans (篇三) and accounting plans (篇四) print, from
``templates/targets.yaml`` (``teller_plan``, ``lobby_plan``, ``accounting_plan``): figures like any other, so a plan's text and its table quote the
same number and the template computes nothing. Not stored in ``plan_target`` (no summary measures
completion against them)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from reportpack.derive.service import SIX_S
from reportpack.owner.targets import AccountingPlanTargets, LobbyPlanTargets, TellerPlanTargets
from reportpack.rounding import printed_units


def _ceil(values: pd.Series) -> pd.Series:
    """Rounded up to a whole number, ignoring float noise (10 × 1.1 is 11, not 11.000000000000002 → 12)."""
    return np.ceil(values.round(9))


def teller_targets(tellers: pd.DataFrame, plan: TellerPlanTargets) -> pd.DataFrame:
    """``target_per_day`` (日均 rounded up, at least the floor), ``target_errors`` (a share of this
    period's, rounded down), ``target_praise``, ``target_score``; and the standards the plan names
    (``per_day_standard`` 200笔, ``score_standard`` 90分) for the verdicts that compare with them."""
    t = tellers.copy()
    t["per_day_standard"] = float(plan.transactions_per_day_at_least)
    t["score_standard"] = float(plan.appraisal_score_at_least)
    t["target_per_day"] = _ceil(t["transactions_per_day"].clip(lower=plan.transactions_per_day_at_least))
    t["target_errors"] = np.floor((t["errors"] * plan.errors_share_kept).round(9)).astype("int64")
    t["target_praise"] = t["praise"].clip(lower=plan.praise_at_least)
    t["target_score"] = t["appraisal_score"].clip(lower=plan.appraisal_score_at_least)
    # what a compilation's condensed 篇六 says of each outlet's tellers in post (those with a plan)
    in_post = t[t["in_post_at_period_end"].astype(bool)]
    sums = in_post.assign(with_errors=in_post["errors"] > 0, tellers=1).groupby("unit_id")
    totals = sums[["tellers", "errors", "target_errors", "with_errors"]].sum().add_prefix("in_post_")
    totals["in_post_average_per_day"] = sums["transactions_per_day"].mean()
    return t.join(totals, on="unit_id")


def lobby_targets(lobby: pd.DataFrame, plan: LobbyPlanTargets, months_next: int = 6) -> pd.DataFrame:
    """``target_service_score`` (this period's plus a step, at least the standard),
    ``target_first_contact_rate``, ``target_referrals`` (the monthly average of the months reported,
    over the ``months_next`` of the next period, grown by a share, rounded up: a new outlet's four
    months are not the base of a six-month target),
    ``six_s_standard``, ``service_score_standard`` and ``first_contact_standard``."""
    out = lobby.copy()
    out["service_score_standard"] = float(plan.service_score_at_least)
    out["first_contact_standard"] = float(plan.first_contact_rate_at_least)
    out["six_s_standard"] = float(plan.six_s_at_least)
    out["target_service_score"] = (out["service_score"] + plan.service_score_step).clip(lower=plan.service_score_at_least)
    out["target_first_contact_rate"] = out["first_contact_rate"].fillna(0).clip(lower=plan.first_contact_rate_at_least)
    months = out["months_reported"].where(out["months_reported"] > 0)
    out["target_referrals"] = _ceil(out["referrals"] * months_next / months * (1 + plan.referrals_growth))
    six = out[[c for c in out.columns if c.startswith("six_s_") and c[6:] in SIX_S]]
    out["six_s_weakest_score"], out["six_s_strongest_score"] = six.min(axis=1), six.max(axis=1)  # NaN without inspections
    return out


def accounting_targets(subs: pd.DataFrame, outlets: pd.DataFrame, plan: AccountingPlanTargets, months: int) -> pd.DataFrame:
    """What a sub-branch's accounting plan says besides its figures: ``findings_open`` (问题未整改),
    ``sessions_missed`` (培训未办), ``months_in_period`` (每月召开 means at least this many meetings),
    ``target_error_rate_per_10k`` and ``target_zero_error_share``; and the outlets with the lowest and
    the highest teller error rate among those still open (``lowest_error_outlet`` / ``_rate``,
    ``highest_error_outlet`` / ``_rate``, first and last in the outlets' own order on ties), with ``highest_error_multiple``, the
    highest's multiple of the sub-branch's rate as printed (每万笔1.20笔 against 0.60笔: 2倍; missing
    when the sub-branch's rate prints 0.00 — no multiple of it can be printed, verdicts.yaml
    ``highest_error_vs_sub`` is then missing too)."""
    out = subs.copy()
    out["findings_open"] = (out["findings"] - out["findings_rectified"]).clip(lower=0)
    out["sessions_missed"] = (out["sessions_planned"] - out["sessions_held"]).clip(lower=0)
    out["months_in_period"] = months
    out["target_error_rate_per_10k"] = out["error_rate_per_10k"] * plan.error_rate_share_kept
    steps = np.ceil(((out["zero_error_share"] + plan.zero_error_share_step) / plan.zero_error_share_round_to).round(9))
    raised = (steps * plan.zero_error_share_round_to).clip(upper=plan.zero_error_share_cap)
    out["target_zero_error_share"] = np.maximum(raised, out["zero_error_share"])
    # the plan asks the one to teach and helps the other in the next half: an outlet closed in the
    # period is neither (issue #34: the closed 胜利路's staff were invited to lecture)
    still_open = outlets[outlets["closed_in_period"].isna()]
    rated = still_open.dropna(subset=["teller_error_rate_per_10k"]).sort_values("teller_error_rate_per_10k", kind="stable")
    by_sub = rated.groupby("sub_branch_id")
    ends = {
        "lowest": by_sub.head(1).set_index("sub_branch_id"),
        "highest": by_sub.tail(1).set_index("sub_branch_id"),
    }
    for end, rows in ends.items():
        out[f"{end}_error_outlet"] = out["sub_branch_id"].map(rows["outlet_name"])
        out[f"{end}_error_rate"] = out["sub_branch_id"].map(rows["teller_error_rate_per_10k"])
    sub_printed = printed_units(out["error_rate_per_10k"], 2)
    multiple = printed_units(out["highest_error_rate"], 2) / np.where(sub_printed > 0, sub_printed, np.nan)
    out["highest_error_multiple"] = multiple
    return out
