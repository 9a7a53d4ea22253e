"""Targets written back to the warehouse at publication: ``plan_target`` for the next period, and
``targets.csv`` beside the documents."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
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


def store_in_warehouse(targets: pd.DataFrame, period_label: str, set_on: date, warehouse_url: str) -> int:
    """Store ``targets`` as ``period_label``'s targets (``plan_target``). One transaction; a rerun
    replaces the rows an earlier ReportPack run wrote."""
    with storing(targets, period_label, set_on, warehouse_url) as written:
        pass
    return written


@contextmanager
def storing(targets: pd.DataFrame, period_label: str, set_on: date, warehouse_url: str) -> Iterator[int]:
    """``targets`` written as ``period_label``'s in one transaction, committed when the ``with`` block
    ends without an error (the publication it belongs to is done) and rolled back otherwise."""
    with connect(warehouse_url, transaction=True) as conn:
        written = write(conn, targets, period_label, set_on)
        yield written
    log.info("stored %d targets for %s in %s", written, period_label, redact(warehouse_url))


PENDING = ".targets-pending.json"  # in the period's folder while a version's targets are not yet committed


@contextmanager
def journal(period_dir: Path, version: str, store: bool) -> Iterator[None]:
    """While the ``with`` block publishes ``version`` and commits its targets, a note in the period's
    folder says so; it is removed once both are done, or when the block failed before publishing.
    A process killed, or a commit failed, after publishing leaves it for ``recover``."""
    if not store:
        yield
        return
    note = period_dir / PENDING
    note.write_text(json.dumps({"version": version}), "utf-8")
    try:
        yield
    except BaseException:
        if not (period_dir / version / "manifest.json").is_file():  # not published: nothing to finish
            note.unlink(missing_ok=True)
        raise  # published but not committed (the commit failed): the note stays for ``recover``
    note.unlink(missing_ok=True)  # (not reached when the process is killed)


def recover(period_dir: Path, warehouse_url: str) -> bool:
    """Finish a publication killed between publishing a version and committing its targets: when
    the note ``journal`` leaves names a version that was published saying its targets are stored,
    store them (from its ``targets.csv``); a version that was not published committed nothing.
    Returns whether it stored them. Targets edited in the warehouse by hand are never touched."""
    from reportpack.publish.pack import MANIFEST, read_manifest

    note = period_dir / PENDING
    if not note.is_file():
        return False
    folder = period_dir / json.loads(note.read_text("utf-8"))["version"]
    stored = False
    if (folder / MANIFEST).is_file():
        manifest = read_manifest(folder)
        entry = manifest.get("targets") or {}
        if entry.get("stored"):
            published = pd.read_csv(folder / entry.get("file", FILE), encoding="utf-8-sig", dtype={"unit_id": str})
            log.warning(
                "%s was published but its %d targets for %s were not committed (the run was killed in between): storing them now",
                folder.name,
                len(published),
                entry["period"],
            )
            store_in_warehouse(published, entry["period"], date.fromisoformat(manifest["period_end"]), warehouse_url)
            stored = True
    note.unlink()
    return stored


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
