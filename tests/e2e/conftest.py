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
def secret_warehouse():
    """The sample warehouse in PostgreSQL, reached as a role with a password: (URL, password). The
    Airflow run reads it — the same rows as ``sample_url`` (the sample is generated the same way) —
    and issue #16's test looks for the password everywhere that run leaves something."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from reportpack.warehouse.load import write
    from reportpack.warehouse.sample import SampleSpec, generate
    from tests.conftest import private_pg_database

    role, password = f"reportpack_e2e_{uuid.uuid4().hex[:8]}", f"S3cr3t-{uuid.uuid4().hex[:12]}"
    with private_pg_database("reportpack_e2e") as admin_url:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"create role {role} login password '{password}'"))
            conn.execute(text(f"grant all on schema public to {role}"))
        url = make_url(admin_url).set(username=role, password=password).render_as_string(hide_password=False)
        write(generate(SampleSpec()), url, progress=False)
        try:
            yield url, password
        finally:
            admin.dispose()
    server = create_engine(make_url(admin_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f"drop role if exists {role}"))
    server.dispose()


@pytest.fixture(scope="session")
def airflow_pack(secret_warehouse, tmp_path_factory):
    """Run the DAG through Airflow once, on the sample warehouse in PostgreSQL reached with a
    password; returns (pack folder, CLI output)."""
    out = tmp_path_factory.mktemp("output")
    migrated = Path(os.environ["AIRFLOW_HOME"]) / ".migrated"
    airflow = str(Path(sys.executable).with_name("airflow"))
    if not migrated.exists():
        subprocess.run([airflow, "db", "migrate"], check=True, capture_output=True)
        migrated.touch()
    cli = str(Path(sys.executable).with_name("reportpack"))
    proc = subprocess.run(
        [cli, "airflow-run", "--period", "2023H1", "--url", secret_warehouse[0], "--output", str(out)],
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
