"""The Airflow run the end-to-end tests read: one per test session, shared by every module."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from docx import Document


@pytest.fixture(scope="session")
def airflow_pack(sample_url, tmp_path_factory):
    """Run the DAG through Airflow once; returns (pack folder, CLI output)."""
    out = tmp_path_factory.mktemp("output")
    migrated = Path(os.environ["AIRFLOW_HOME"]) / ".migrated"
    airflow = str(Path(sys.executable).with_name("airflow"))
    if not migrated.exists():
        subprocess.run([airflow, "db", "migrate"], check=True, capture_output=True)
        migrated.touch()
    cli = str(Path(sys.executable).with_name("reportpack"))
    proc = subprocess.run(
        [cli, "airflow-run", "--period", "2023H1", "--url", sample_url, "--output", str(out)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return out / "2023H1" / "latest", proc.stdout + proc.stderr


def texts(path: Path) -> list[tuple[str, str]]:
    return [(p.style.name, p.text) for p in Document(str(path)).paragraphs]


def cells(path: Path) -> list[list[str]]:
    """Every table row of a document, as the text of its cells."""
    return [[c.text for c in row.cells] for table in Document(str(path)).tables for row in table.rows]


@pytest.fixture(scope="session")
def raw(sample_url):
    """Read a warehouse table (or any query) into pandas, date columns parsed: the oracles' input."""
    from sqlalchemy import create_engine, text

    engine = create_engine(sample_url)
    cache: dict[str, pd.DataFrame] = {}

    def read(sql: str, dates: tuple[str, ...] = ()) -> pd.DataFrame:
        if sql not in cache:
            with engine.connect() as conn:
                frame = pd.read_sql(text(sql if " " in sql else f"select * from {sql}"), conn)
            for column in dates:
                frame[column] = pd.to_datetime(frame[column]).dt.date
            cache[sql] = frame
        return cache[sql].copy()

    yield read
    engine.dispose()
