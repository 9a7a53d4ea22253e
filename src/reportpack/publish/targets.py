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


FILE = "targets.csv"


def write_csv(targets: pd.DataFrame, pack_dir: Path, period: Period) -> dict:
    """Write the targets a run's plans set for the next period beside the documents (``targets.csv``);
    returns the manifest's ``targets`` entry (not yet stored in the warehouse)."""
    following = period.next()
    # with a BOM: Excel and WPS read a CSV without one in the machine's ANSI code page (garbled Chinese)
    targets.assign(period=following.label).to_csv(pack_dir / FILE, index=False, encoding="utf-8-sig")
    return {
        "period": following.label,
        "rows": len(targets),
        "file": FILE,
        "sources": dict(sorted(targets["source"].str.split(":").str[0].value_counts().items())),
    }


def store_in_warehouse(targets: pd.DataFrame, period_label: str, set_on: date, warehouse_url: str) -> int:
    """Store ``targets`` as ``period_label``'s targets (``plan_target``). One transaction; a rerun
    replaces the rows an earlier ReportPack run wrote."""
    with connect(warehouse_url, transaction=True) as conn:
        written = write(conn, targets, period_label, set_on)
    log.info("stored %d targets for %s in %s", written, period_label, redact(warehouse_url))
    return written


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
