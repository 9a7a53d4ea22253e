"""Targets written back to the warehouse at publication: ``plan_target`` for the next period, and
``targets.csv`` beside the documents."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


def read_csv(path: Path) -> pd.DataFrame:
    """A version's ``targets.csv`` as written at publication (ids kept as text)."""
    return pd.read_csv(path, encoding="utf-8-sig", dtype={"unit_id": str, "indicator": str, "source": str, "name": str})


def store_in_warehouse(targets: pd.DataFrame, period_label: str, set_on: date, warehouse_url: str) -> int:
    """Store ``targets`` as ``period_label``'s targets (``plan_target``). One transaction; a rerun
    replaces the rows an earlier ReportPack run wrote."""
    with storing(targets, period_label, set_on, warehouse_url) as commit:
        commit()
    return len(targets)


@contextmanager
def storing(targets: pd.DataFrame, period_label: str, set_on: date, warehouse_url: str) -> Iterator[Callable[[], None]]:
    """``targets`` written as ``period_label``'s in one transaction, which the ``with`` block commits
    by calling what it is given (once the publication it belongs to is done); rolled back if the
    block ends without calling it."""
    with connect(warehouse_url) as conn:
        transaction = conn.begin()
        try:
            written = write(conn, targets, period_label, set_on)

            def commit() -> None:
                transaction.commit()
                log.info("stored %d targets for %s in %s", written, period_label, redact(warehouse_url))

            yield commit
        finally:
            if transaction.is_active:
                transaction.rollback()


def store_published(version: Path, warehouse_url: str, entry: dict | None = None) -> int:
    """Store a published version's ``targets.csv`` as the targets its manifest's ``targets`` entry
    names (or ``entry``, the one an owner's answer is writing): finishing a publication or an answer
    interrupted before its targets were committed, or recording an approval."""
    from reportpack.publish.pack import read_manifest

    manifest = read_manifest(version)
    entry = entry or manifest["targets"]
    published = read_csv(version / entry.get("file", FILE))
    return store_in_warehouse(published, entry["period"], date.fromisoformat(manifest["period_end"]), warehouse_url)


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
