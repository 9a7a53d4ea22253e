"""Targets written back to the warehouse at publication: ``plan_target`` for the next period, and
``targets.csv`` beside the documents."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import pandas as pd
from sqlalchemy import text

from reportpack.periods import Period
from reportpack.settings import redact
from reportpack.warehouse.connect import connect

log = logging.getLogger(__name__)

OURS = ("rule:", "owner:")  # provenance prefixes of the rows ReportPack writes and may replace


def store(targets: pd.DataFrame, pack_dir: Path, period: Period, warehouse_url: str) -> dict:
    """Write the targets a run's plans set into the warehouse (``plan_target``, next period) and
    beside the documents (``targets.csv``). One transaction; a rerun replaces the same rows."""
    following = period.next()
    # with a BOM: Excel and WPS read a CSV without one in the machine's ANSI code page (garbled Chinese)
    targets.assign(period=following.label).to_csv(pack_dir / "targets.csv", index=False, encoding="utf-8-sig")
    with connect(warehouse_url, transaction=True) as conn:
        written = write(conn, targets, following.label, period.end)
    log.info("stored %d targets for %s in %s", written, following.label, redact(warehouse_url))
    return {
        "period": following.label,
        "rows": written,
        "file": "targets.csv",
        "sources": dict(sorted(targets["source"].str.split(":").str[0].value_counts().items())),
    }


def write(conn, targets: pd.DataFrame, period_label: str, set_on: date) -> int:
    """Replace, in one transaction, the rows an earlier ReportPack run wrote for ``period_label``."""
    ours = " or ".join(f"source like :ours{i}" for i in range(len(OURS)))
    conn.execute(
        text(f"delete from plan_target where period = :period and ({ours})"),
        {"period": period_label, **{f"ours{i}": f"{prefix}%" for i, prefix in enumerate(OURS)}},
    )
    rows = [
        {
            "unit_id": r.unit_id,
            "period": period_label,
            "indicator": r.indicator,
            "target": float(r.target),
            "source": r.source,
            "set_on": set_on,
        }
        for r in targets.itertuples()
    ]
    if rows:
        conn.execute(
            text(
                "insert into plan_target (unit_id, period, indicator, target, source, set_on) "
                "values (:unit_id, :period, :indicator, :target, :source, :set_on)"
            ),
            rows,
        )
    return len(rows)
