"""The suites in expectations/ catch corrupted data and explain it."""

import json
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import create_engine

from reportpack.extract import extract
from reportpack.periods import Period
from reportpack.validate import SuiteError, ValidationFailed, quarantine, validate

ROOT = Path(__file__).resolve().parents[2]
EXPECTATIONS = ROOT / "expectations"


@pytest.fixture(scope="module")
def frames(sample_url):
    engine = create_engine(sample_url)
    with engine.connect() as conn:
        got = extract(conn, Period.parse("2023H1"), ROOT / "templates" / "sql")
    engine.dispose()
    return got


def corrupt(frames, table, fn):
    copy = {k: v.copy() for k, v in frames.items()}
    copy[table] = fn(copy[table])
    return copy


def test_the_sample_warehouse_passes_every_expectation(frames):
    outcome = validate(frames, EXPECTATIONS)
    assert outcome.failures == ()
    assert outcome.status == "passed"
    assert set(outcome.expectation_counts) == {"outlets", "daily_deposits", "monthly_business"}


def _negative(df):
    df.loc[10, "corporate_deposit"] = -1
    return df


def _duplicate(df):
    return pd.concat([df, df.iloc[[3]]], ignore_index=True)


def _null_key(df):
    df.loc[4, "unit_id"] = None
    return df


def _negative_count(df):
    df.loc[2, "merchants_added"] = -5
    return df


def _bad_month(df):
    df.loc[1, "month"] = "2023-13"
    return df


def _no_sub_branch(df):
    df.loc[0, "sub_branch_id"] = None
    return df


@pytest.mark.parametrize(
    "table,fn,expectation,column",
    [
        ("daily_deposits", _negative, "expect_column_values_to_be_between", "corporate_deposit"),
        ("daily_deposits", _duplicate, "expect_compound_columns_to_be_unique", "unit_id"),
        ("daily_deposits", _null_key, "expect_column_values_to_not_be_null", "unit_id"),
        ("monthly_business", _negative_count, "expect_column_values_to_be_between", "merchants_added"),
        ("monthly_business", _bad_month, "expect_column_values_to_match_regex", "month"),
        ("outlets", _no_sub_branch, "expect_column_values_to_not_be_null", "sub_branch_id"),
        ("outlets", lambda df: df.drop(columns=["branch_name"]), "expect_table_columns_to_match_set", None),
    ],
)
def test_each_corruption_is_caught_with_rule_column_and_rows(frames, tmp_path, table, fn, expectation, column):
    outcome = validate(corrupt(frames, table, fn), EXPECTATIONS)
    critical = [f for f in outcome.critical if f.expectation == expectation]
    assert critical, outcome.failures
    failure = critical[0]
    assert failure.suite == table
    message = str(ValidationFailed(outcome, quarantine(outcome, tmp_path / "q")))
    assert table in message and expectation in message
    if column:
        assert column in failure.columns
        assert len(failure.rows) >= 1
        assert "rows fail" in message
        written = pd.read_csv(tmp_path / "q" / f"{table}.csv")
        assert expectation in written["rule"].iloc[0]


def test_a_warning_does_not_stop_the_run(frames, tmp_path):
    suite = json.loads((EXPECTATIONS / "daily_deposits.json").read_text("utf-8"))
    for exp in suite["expectations"]:
        if exp["type"] == "expect_column_values_to_be_between":
            exp["severity"] = "warning"
    (tmp_path / "daily_deposits.json").write_text(json.dumps(suite), "utf-8")
    for name in ("outlets", "monthly_business"):
        (tmp_path / f"{name}.json").write_text((EXPECTATIONS / f"{name}.json").read_text("utf-8"), "utf-8")
    outcome = validate(corrupt(frames, "daily_deposits", _negative), tmp_path)
    assert outcome.critical == () and len(outcome.warnings) == 1
    assert outcome.status == "passed with warnings"


def test_a_misspelt_expectation_fails_loudly_naming_the_file(frames, tmp_path):
    for name in ("outlets", "daily_deposits", "monthly_business"):
        (tmp_path / f"{name}.json").write_text((EXPECTATIONS / f"{name}.json").read_text("utf-8"), "utf-8")
    suite = json.loads((tmp_path / "outlets.json").read_text("utf-8"))
    suite["expectations"].append({"type": "expect_column_values_to_be_nonsense", "kwargs": {"column": "unit_id"}})
    (tmp_path / "outlets.json").write_text(json.dumps(suite), "utf-8")
    with pytest.raises(SuiteError, match=r"outlets\.json: expectation #\d+ \(expect_column_values_to_be_nonsense\)"):
        validate(frames, tmp_path)


def test_a_bad_severity_is_rejected(frames, tmp_path):
    for name in ("outlets", "daily_deposits", "monthly_business"):
        data = json.loads((EXPECTATIONS / f"{name}.json").read_text("utf-8"))
        if name == "outlets":
            data["expectations"][0]["severity"] = "fatal"
        (tmp_path / f"{name}.json").write_text(json.dumps(data), "utf-8")
    with pytest.raises(SuiteError, match="severity 'fatal'"):
        validate(frames, tmp_path)
