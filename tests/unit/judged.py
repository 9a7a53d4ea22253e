"""Hand-made records as derive leaves them: with the verdicts of ``templates/verdicts.yaml``."""

from pathlib import Path

import pandas as pd

from reportpack.derive import verdicts as derived_verdicts
from reportpack.owner import verdicts as owner_verdicts

VERDICTS = owner_verdicts.load(Path(__file__).resolve().parents[2] / "templates" / "verdicts.yaml")


def judged(table: str, rows: pd.DataFrame | dict) -> list[dict] | dict:
    """``rows`` (a frame, or one record) with the verdicts derive computes for ``table``, as records
    (one record back for one record given)."""
    frame = pd.DataFrame([rows]) if isinstance(rows, dict) else rows.copy()
    for v in VERDICTS.verdicts:
        if v.table == table:
            frame[v.id] = derived_verdicts.verdict(frame, v)
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return records[0] if isinstance(rows, dict) else records
