"""Targets the teller plans (篇六) and lobby plans (篇三) print, from ``templates/targets.yaml``
(``teller_plan``, ``lobby_plan``): figures like any other, so a plan's text and its table quote the
same number and the template computes nothing. Not stored in ``plan_target`` (no summary measures
completion against them)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from reportpack.derive.service import SIX_S
from reportpack.owner.targets import LobbyPlanTargets, TellerPlanTargets


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


def lobby_targets(lobby: pd.DataFrame, plan: LobbyPlanTargets) -> pd.DataFrame:
    """``target_service_score`` (this period's plus a step, at least the standard),
    ``target_first_contact_rate``, ``target_referrals`` (grown by a share, rounded up),
    ``six_s_standard`` and ``service_score_standard``."""
    out = lobby.copy()
    out["service_score_standard"] = float(plan.service_score_at_least)
    out["six_s_standard"] = float(plan.six_s_at_least)
    out["target_service_score"] = (out["service_score"] + plan.service_score_step).clip(lower=plan.service_score_at_least)
    out["target_first_contact_rate"] = out["first_contact_rate"].fillna(0).clip(lower=plan.first_contact_rate_at_least)
    out["target_referrals"] = _ceil(out["referrals"] * (1 + plan.referrals_growth))
    six = out[[c for c in out.columns if c.startswith("six_s_") and c[6:] in SIX_S]]
    out["six_s_weakest_score"], out["six_s_strongest_score"] = six.min(axis=1), six.max(axis=1)  # NaN without inspections
    return out
