"""Shared fixtures. Airflow runs against the checkout's own home (``.airflow/``), never ~/airflow."""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Set before anything imports Airflow: the same environment `make` exports.
os.environ.setdefault("REPORTPACK_HOME", str(ROOT))
from reportpack import settings as _settings  # noqa: E402

for _key, _value in _settings.airflow_env(_settings.load()).items():
    os.environ.setdefault(_key, _value)
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")


# `make test` runs the suite on two xdist workers; this is how the tests are shared out. A test
# module is one unit of work (its module fixtures built once), except the modules of SPLIT, whose
# slow tests stand alone; the tests that run Airflow on the checkout's own home (.airflow/: one
# SQLite metadata database, which two `airflow dags test` at once break) are one unit, AIRFLOW_HOME.
# Units start in collection order (`--no-loadscope-reorder`): the long end-to-end ones first.
# (By node id, in the controller: xdist's own `xdist_group` marks do nothing under pytest 9, whose
# node ids xdist can no longer rename.)
SPLIT = ("tests/unit/test_pipeline.py", "tests/e2e/test_crashes.py", "tests/e2e/test_other_warehouses.py")
AIRFLOW_HOME = (
    "tests/e2e/test_airflow_pack.py",
    "tests/e2e/test_oracle_plans.py",  # reads the same Airflow run (airflow_pack)
    "tests/e2e/test_crashes.py::test_sigterm_stops_the_command_and_its_children_publishes_nothing_and_a_rerun_starts_afresh[airflow-run]",
)


def unit_of_work(nodeid: str) -> str:
    if nodeid.startswith(AIRFLOW_HOME):
        return "airflow-home"
    module = nodeid.split("::")[0]
    return nodeid if module in SPLIT else module


@pytest.hookimpl(tryfirst=True)  # before -k or -m deselect any
def pytest_collection_modifyitems(items):
    """An entry of AIRFLOW_HOME that names no test (a test renamed) would let its test run beside
    the others on the same Airflow home: refused."""
    ids = [item.nodeid for item in items]
    collected = {i.split("::")[0] for i in ids}
    for entry in AIRFLOW_HOME:
        if entry.split("::")[0] in collected and not any(i.startswith(entry) for i in ids):
            raise pytest.UsageError(f"tests/conftest.py AIRFLOW_HOME: {entry} names no test")


def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class Units(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return unit_of_work(nodeid)

    return Units(config, log)


def require_tool(*names: str) -> None:
    """Skip when a tool is missing on a developer machine; fail under CI (where it must exist)."""
    missing = [n for n in names if shutil.which(n) is None]
    if missing:
        message = f"required tool(s) not installed: {', '.join(missing)}"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI is set: .ci/run installs them)")
        pytest.skip(message)


@pytest.fixture(scope="session")
def sample_url(tmp_path_factory) -> str:
    """A freshly seeded sample warehouse (default spec) in a private SQLite file."""
    from reportpack.warehouse.load import write
    from reportpack.warehouse.sample import SampleSpec, generate

    url = f"sqlite:///{tmp_path_factory.mktemp('warehouse') / 'sample.sqlite'}"
    write(generate(SampleSpec()), url, progress=False)
    return url


@pytest.fixture
def warehouse(sample_url, tmp_path):
    """A private copy of the sample warehouse that a test may corrupt."""
    dst = tmp_path / "wh.sqlite"
    shutil.copyfile(sample_url.removeprefix("sqlite:///"), dst)
    return f"sqlite:///{dst}"


@pytest.fixture
def make_settings(tmp_path):
    """Settings for one test: the checkout's templates, private output and owner-input folders."""

    def make(url: str, output: Path | None = None, inputs: Path | None = None) -> _settings.Settings:
        return _settings.load(
            {
                "REPORTPACK_HOME": str(ROOT),
                "REPORTPACK_WAREHOUSE_URL": url,
                "REPORTPACK_OUTPUT_DIR": str(output or tmp_path / "output"),
                "REPORTPACK_INPUT_DIR": str(inputs or tmp_path / "inputs"),
            }
        )

    return make


@contextlib.contextmanager
def private_pg_database(prefix: str = "reportpack_test"):
    """A new database on the PostgreSQL server (REPORTPACK_TEST_PG_URL, default the local one),
    dropped afterwards. Skips on a developer machine without the server; fails under CI, where it
    must be running."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    server = os.environ.get("REPORTPACK_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("select 1"))
    except OperationalError as exc:
        admin.dispose()
        message = f"PostgreSQL not reachable at {server}: {exc.orig}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'create database "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'drop database if exists "{name}" with (force)'))
        admin.dispose()


@pytest.fixture(scope="session")
def pg_url():
    """A private database on the PostgreSQL server for the warehouse tests."""
    with private_pg_database() as url:
        yield url


@pytest.fixture(scope="session")
def sample_figures(sample_url) -> dict:
    """The 2023H1 derived figures of the sample warehouse (what the render phase reads)."""
    return figures_of(sample_url, "2023H1")


def figures_of(url: str, period: str) -> dict:
    """The derived figures of warehouse ``url`` for ``period``."""
    from sqlalchemy import create_engine

    from reportpack.derive import figures
    from reportpack.extract import extract
    from reportpack.periods import Period

    engine = create_engine(url)
    with engine.connect() as conn:
        frames = extract(conn, Period.parse(period), ROOT / "templates" / "sql")
    engine.dispose()

    return figures.derive(frames, Period.parse(period), ROOT / "templates")
