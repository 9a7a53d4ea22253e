"""Hand-made records as derive leaves them: with the verdicts of ``templates/verdicts.yaml``."""

from pathlib import Path

import numpy as np
import pandas as pd

from reportpack.derive import plans
from reportpack.derive import verdicts as derived_verdicts
from reportpack.owner import targets as owner_targets
from reportpack.owner import verdicts as owner_verdicts
from reportpack.rounding import printed_change, printed_difference

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
VERDICTS = owner_verdicts.load(TEMPLATES / "verdicts.yaml")
ACCOUNTING_PLAN = owner_targets.plan_targets(TEMPLATES / "targets.yaml")[2]


def judged(table: str, rows: pd.DataFrame | dict) -> list[dict] | dict:
    """``rows`` (a frame, or one record) with the verdicts derive computes for ``table`` on the
    figures they hold, as records (one record back for one record given)."""
    frame = pd.DataFrame([rows]) if isinstance(rows, dict) else rows.copy()
    for v in VERDICTS.verdicts:
        needs = [c for c in (v.value, v.reference) if isinstance(c, str)]
        if v.table == table and all(c in frame.columns for c in needs):
            frame[v.id] = derived_verdicts.verdict(frame, v)
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return records[0] if isinstance(rows, dict) else records


def outlet(record: dict, given: dict | None = None) -> dict:
    """A hand-made outlet record with the figures derive computes from its others
    (derive/metrics.py, derive/figures.py): 增幅, 超/落后序时进度 as printed, 500万元以上 customers,
    months without last year's 日均 — except those ``given`` sets itself."""
    given = record if given is None else given
    out = dict(record)
    for name in ("corporate", "savings"):
        if f"{name}_growth_rate" not in given and f"{name}_year_start" in out:
            start = out[f"{name}_year_start"]
            out[f"{name}_growth_rate"] = out[f"{name}_growth"] / start if start else None
        completion = out.get(f"completion_{name}_growth")
        if f"progress_gap_{name}_growth" not in given and completion is not None:
            out[f"progress_gap_{name}_growth"] = float(printed_difference([completion], [out["time_progress"]], 4)[0])
    if "tier_5m_plus" not in given and "tier_5m_10m" in out:
        out["tier_5m_plus"] = out["tier_5m_10m"] + out["tier_10m_plus"]
    out.setdefault("months_without_last_year", 0)
    previous = out.get("teller_error_rate_per_10k_previous")
    if "teller_error_rise" not in given and previous is not None:
        rise = printed_change([out["teller_error_rate_per_10k"]], [previous], 2)[0]
        out["teller_error_rise"] = None if np.isnan(rise) else float(rise)
    if "peers" in out:  # every outlet of its sub-branch ranked, unless the test says otherwise
        out.setdefault("outlets_in_sub", out["peers"])
    # no accounts moved onto or off its books unless the test says so (derive/moves.py)
    out.setdefault("moves_in", 0)
    out.setdefault("moves_out", 0)
    for name in ("corporate", "savings"):
        out.setdefault(f"{name}_moved_in", 0.0)
        out.setdefault(f"{name}_moved_out", 0.0)
        if f"{name}_growth" in out and f"{name}_growth_comparable" not in given:
            out[f"{name}_growth_comparable"] = out[f"{name}_growth"] - out[f"{name}_moved_in"] + out[f"{name}_moved_out"]
        out.setdefault(f"{name}_avg_moved_in", 0.0)
        out.setdefault(f"{name}_avg_moved_out", 0.0)
        if f"{name}_avg_increase" in out and f"{name}_avg_increase_comparable" not in given:
            increase = out[f"{name}_avg_increase"]
            out[f"{name}_avg_increase_comparable"] = (
                None if increase is None else increase - out[f"{name}_avg_moved_in"] + out[f"{name}_avg_moved_out"]
            )
    for prefix in ("handed", "taken"):
        for column in (
            "accounts",
            "customers",
            "corporate_deposit",
            "savings_deposit",
            "loans",
            "deposit",
            "retained",
            "retained_rate",
        ):
            out.setdefault(f"{prefix}_{column}", None)
    for column in (
        "handed_share",
        "handed_to",
        "taken_from",
        "handover_discrepancies",
        "opening_day_corporate_added",
        "opening_day_savings_added",
    ):
        out.setdefault(column, None)
    # the composite is compared among the outlets open the whole year only (derive/figures.py)
    if "composite" in out and "composite_ranked" not in given:
        out["composite_ranked"] = out["composite"] if out.get("ranked", True) else None
    # the months a partial period's title names (a hand-made record is of a first half year)
    opened, closed = out.get("opened_in_period"), out.get("closed_in_period")
    out.setdefault("first_month", opened.month if opened else 1)
    out.setdefault("last_month", closed.month if closed else 6)
    out.setdefault("major_errors", 0)  # 重大业务差错: none unless the test says so
    out.setdefault("opened_in_year", out.get("opened_in_period"))  # opened this half year, if at all
    # counter staffing (counter_window): none unless the test says so
    out.setdefault("corporate_non_cash_tellers", 0)
    out.setdefault("corporate_priority_windows", 0)
    return out


def lobby(record: dict) -> dict:
    """A hand-made lobby record with what derive adds (derive/service.py
    ``referrals_against_peers``): open the whole half year unless it says otherwise, its referrals
    compared on its total (or, open part of it, on its monthly average) — the medians as given."""
    out = {"months_reported": 6, "partial_period": False, **record}
    out["referrals_per_month"] = out["referrals"] / out["months_reported"] if out["months_reported"] else None
    partial = out["partial_period"]
    out.setdefault("referrals_compared", out["referrals_per_month"] if partial else out["referrals"])
    out.setdefault(
        "referrals_reference", out.get("referrals_per_month_sub_median") if partial else out.get("referrals_sub_median")
    )
    return out


def sub_branch(record: dict, outlets: list[dict], months: int = 6) -> dict:
    """A hand-made (or changed) sub-branch record with what derive adds for its accounting plan
    (derive/plans.py ``accounting_targets``: targets, problems still open, training missed, the
    outlets with the lowest and highest error rates) and its verdicts."""
    sub_id = record.get("sub_branch_id", "s1")
    frame = pd.DataFrame([{**record, "sub_branch_id": sub_id}])
    members = pd.DataFrame(
        [{"closed_in_period": None, **o, "sub_branch_id": sub_id} for o in outlets],
        columns=["sub_branch_id", "outlet_name", "teller_error_rate_per_10k", "closed_in_period"],
    )
    frame = plans.accounting_targets(frame, members, ACCOUNTING_PLAN, months)
    return judged("sub_branches", frame)[0]
