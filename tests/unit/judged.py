"""Hand-made records as derive leaves them: with the verdicts of ``templates/verdicts.yaml``."""

from pathlib import Path

import pandas as pd

from reportpack.derive import verdicts as derived_verdicts
from reportpack.owner import verdicts as owner_verdicts
from reportpack.rounding import printed_units

VERDICTS = owner_verdicts.load(Path(__file__).resolve().parents[2] / "templates" / "verdicts.yaml")


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
            gap = printed_units([completion], 4) - printed_units([out["time_progress"]], 4)
            out[f"progress_gap_{name}_growth"] = float(gap[0]) / 1e4
    if "tier_5m_plus" not in given and "tier_5m_10m" in out:
        out["tier_5m_plus"] = out["tier_5m_10m"] + out["tier_10m_plus"]
    out.setdefault("months_without_last_year", 0)
    return out
