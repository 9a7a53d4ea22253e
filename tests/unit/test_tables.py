"""One table, one place: each SQL file's header declares what it extracts and its grain; each
table has the suite of its name; every column a suite checks or a template names as a source
exists in the extraction."""

import json
import re
from pathlib import Path

import pytest
import yaml
from sqlalchemy import create_engine

from reportpack.errors import InputError
from reportpack.extract import extract, tables
from reportpack.periods import Period
from tests.conftest import ROOT

SQL = ROOT / "templates" / "sql"
SUITES = ROOT / "expectations"
TABLES = tables(SQL)
_COLUMN_KWARGS = ("column", "column_A", "column_B")
_COLUMN_LIST_KWARGS = ("column_list", "column_set")


@pytest.fixture(scope="module")
def frames(sample_url):
    engine = create_engine(sample_url)
    with engine.connect() as conn:
        out = extract(conn, Period.parse("2023H1"), SQL)
    engine.dispose()
    return out


def _suite(name: str) -> dict:
    return json.loads((SUITES / f"{name}.json").read_text("utf-8"))


def _suite_columns(suite: dict) -> set[str]:
    columns: set[str] = set()
    for exp in suite["expectations"]:
        kwargs = exp.get("kwargs", {})
        columns |= {kwargs[k] for k in _COLUMN_KWARGS if k in kwargs}
        for k in _COLUMN_LIST_KWARGS:
            columns |= set(kwargs.get(k, ()))
        columns |= set((exp.get("meta") or {}).get("show", ()))
    return columns


def test_every_table_has_its_suite_and_every_suite_its_table():
    assert sorted(t.name for t in TABLES) == sorted(p.stem for p in SUITES.glob("*.json"))


def test_the_grain_is_stated_once_in_the_sql_header():
    for table in TABLES:
        assert table.grain.startswith("one row"), table.name
        assert "grain" not in (_suite(table.name).get("meta") or {}), f"{table.name}: grain belongs in {table.sql.name} only"


def test_one_sql_file_serves_the_same_table_for_other_periods():
    by_name = {t.name: t for t in TABLES}
    assert by_name["outlet_balances_last_year"].sql == by_name["outlet_balances"].sql
    assert by_name["outlet_balances_last_year"].params(Period.parse("2023H1"))["period_start"].isoformat() == "2022-01-01"
    assert by_name["tellers_previous"].params(Period.parse("2023H1"))["period_label"] == "2022H2"


def test_the_extraction_returns_exactly_the_declared_tables(frames):
    assert sorted(frames) == sorted(t.name for t in TABLES)


@pytest.mark.parametrize("table", [t.name for t in TABLES])
def test_every_column_a_suite_checks_exists_in_its_extraction(frames, table):
    missing = _suite_columns(_suite(table)) - set(frames[table].columns)
    assert not missing, f"expectations/{table}.json checks columns its SQL does not return: {sorted(missing)}"


def test_every_source_a_template_names_exists_in_its_extraction(frames):
    # flag(figure, unit, ["suite.column", …], …): the review comment reads those warnings.
    named = set()
    for path in (ROOT / "templates" / "documents").glob("*.j2"):
        named |= {(m.group(1), m.group(2), path.name) for m in re.finditer(r'"([a-z_]+)\.([a-z_0-9]+)"', path.read_text("utf-8"))}
    assert named, "no template names a source any more: drop this test or the pattern changed"
    for table, column, template in sorted(named):
        assert table in frames, f"{template}: source {table}.{column}: no table {table}"
        assert column in frames[table].columns, f"{template}: source {table}.{column}: {table} has no column {column}"


def test_every_table_and_every_column_a_warning_reports_has_a_chinese_label():
    # A warning is rendered into the documents' 数据质量说明 with these names (a critical failure
    # stops the run before anything is rendered).
    labels = yaml.safe_load((ROOT / "templates" / "labels.yaml").read_text("utf-8"))
    for table in TABLES:
        assert table.name in labels["tables"], f"labels.yaml tables: {table.name}"
        for exp in _suite(table.name)["expectations"]:
            if exp.get("severity", "critical") == "critical":
                continue
            kwargs = exp.get("kwargs", {})
            for column in [kwargs[k] for k in _COLUMN_KWARGS if k in kwargs]:
                assert column in labels["columns"], f"labels.yaml columns: {column} (checked by {table.name})"


@pytest.mark.parametrize(
    ("header", "says"),
    [
        ("-- Tables: x\nselect 1", "must state '-- Grain:'"),
        ("-- Grain: one row\n-- Tables: x (next year)\nselect 1", "'-- Tables:' item 'x (next year)'"),
    ],
)
def test_a_sql_file_without_its_declaration_is_refused(tmp_path: Path, header, says):
    (tmp_path / "x.sql").write_text(header, "utf-8")
    with pytest.raises(InputError, match=re.escape(says)):
        tables(tmp_path)
