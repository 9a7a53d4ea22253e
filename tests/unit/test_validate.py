"""The suites in expectations/ catch a corrupted warehouse and explain it (suite, rule, column, rows)."""

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import create_engine, text

from reportpack.extract import extract
from reportpack.periods import Period
from reportpack.validate import SuiteError, ValidationFailed, quarantine, validate

ROOT = Path(__file__).resolve().parents[2]
EXPECTATIONS = ROOT / "expectations"
OUTLET = "BR01-S002-O00002"
H1 = Period.parse("2023H1")


def _extract(url):
    engine = create_engine(url)
    with engine.connect() as conn:
        got = extract(conn, H1, ROOT / "templates" / "sql")
    engine.dispose()
    return got


@pytest.fixture(scope="module")
def frames(sample_url):
    return _extract(sample_url)


RELEDGER = [  # rewrite the sub-branches' ledger rows as the sum of their outlets (keeps them reconciled)
    "delete from daily_balance where unit_id in (select unit_id from org_unit where level = 'sub_branch')",
    "insert into daily_balance select o.parent_id, d.biz_date, sum(d.corporate_deposit), sum(d.savings_deposit), "
    "sum(d.loans), sum(d.npl_substandard), sum(d.npl_doubtful), sum(d.npl_loss) from daily_balance d "
    "join org_unit o on o.unit_id = d.unit_id and o.level = 'outlet' group by o.parent_id, d.biz_date",
]


def _corrupted(sample_url, tmp_path, statements):
    db = tmp_path / "w.sqlite"
    shutil.copyfile(sample_url.removeprefix("sqlite:///"), db)
    engine = create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))
    engine.dispose()
    return _extract(f"sqlite:///{db}")


def test_the_sample_warehouse_passes_every_expectation(frames):
    outcome = validate(frames, EXPECTATIONS)
    assert outcome.failures == ()
    assert outcome.status == "passed"
    assert set(outcome.expectation_counts) == {p.stem for p in EXPECTATIONS.glob("*.json")}


DAILY_ROW = f"from daily_balance where unit_id = '{OUTLET}' and biz_date = '2023-03-01'"
MONTH_ROW = f"from monthly_business where unit_id = '{OUTLET}' and month = '2023-03'"


@pytest.mark.parametrize(
    "statements,suite,expectation,column",
    [
        (
            [f"update daily_balance set corporate_deposit = -5 where unit_id = '{OUTLET}' and biz_date = '2023-03-01'"],
            "outlet_balances",
            "expect_column_values_to_be_between",
            "negative_rows",
        ),
        (
            [f"insert into daily_balance select * {DAILY_ROW}"],
            "outlet_balances",
            "expect_column_pair_values_to_be_equal",
            "rows_in_period",
        ),
        (
            [f"delete from daily_balance where unit_id = '{OUTLET}' and biz_date between '2023-04-01' and '2023-04-30'"],
            "outlet_balances",
            "expect_column_pair_values_to_be_equal",
            "open_days",
        ),
        (
            [f"delete from daily_balance where unit_id = '{OUTLET}' and biz_date = '2022-12-31'"],
            "outlet_balances",
            "expect_column_values_to_be_between",
            "year_start_missing",
        ),
        (
            [f"update daily_balance set npl_loss = loans + 1 where unit_id = '{OUTLET}' and biz_date = '2023-03-01'"],
            "outlet_balances",
            "expect_column_values_to_be_between",
            "npl_over_loans_rows",
        ),
        (
            [f"insert into monthly_business select * {MONTH_ROW}"],
            "outlet_business",
            "expect_column_pair_values_to_be_equal",
            "months_reported",
        ),
        (
            [
                f"update monthly_business set total_transactions = total_transactions + 1 where unit_id = '{OUTLET}' and month = '2023-03'"
            ],
            "outlet_business",
            "expect_column_values_to_be_between",
            "channel_mismatch_rows",
        ),
        (
            [f"update monthly_business set merchants_added = -1 where unit_id = '{OUTLET}' and month = '2023-03'"],
            "outlet_business",
            "expect_column_values_to_be_between",
            "negative_rows",
        ),
        (
            [
                "update daily_balance set savings_deposit = savings_deposit + 1 where unit_id = 'BR01-S002' and biz_date = '2023-05-10'"
            ],
            "sub_branch_reconciliation",
            "expect_column_values_to_be_between",
            "mismatched_days",
        ),
        (
            [f"update lobby_month set service_score = 130 where unit_id = '{OUTLET}' and month = '2023-03'"],
            "lobby",
            "expect_column_values_to_be_between",
            "max_service_score",
        ),
        (
            [f"update org_unit set parent_id = null where unit_id = '{OUTLET}'"],
            "outlets",
            "expect_column_values_to_not_be_null",
            "sub_branch_id",
        ),
    ],
    ids=[
        "negative balance",
        "duplicated outlet-day",
        "missing month",
        "missing 年初",
        "NPL above loans",
        "duplicated outlet-month",
        "channels do not add up",
        "negative count",
        "sub-branch total does not reconcile",
        "score above its scale (100%)",
        "null key: outlet without sub-branch",
    ],
)
def test_each_corruption_is_caught_with_rule_column_and_rows(sample_url, tmp_path, statements, suite, expectation, column):
    outcome = validate(_corrupted(sample_url, tmp_path, statements), EXPECTATIONS)
    hits = [f for f in outcome.critical if f.suite == suite and f.expectation == expectation and column in f.columns]
    assert hits, [f.describe() for f in outcome.failures]
    key = "sub_branch_id" if suite == "sub_branch_reconciliation" else "unit_id"
    unit = "BR01-S002" if suite == "sub_branch_reconciliation" else OUTLET
    assert unit in hits[0].rows[key].tolist()
    message = str(ValidationFailed(outcome, quarantine(outcome, tmp_path / "q")))
    assert suite in message and expectation in message and column in message and unit in message
    written = pd.read_csv(tmp_path / "q" / f"{suite}.csv")
    assert unit in written[key].tolist() and expectation in " ".join(written["rule"])


def test_the_warehouse_itself_refuses_a_null_daily_key(sample_url, tmp_path):
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        _corrupted(sample_url, tmp_path, [f"update daily_balance set unit_id = null {DAILY_ROW[DAILY_ROW.index('where') :]}"])


def test_a_missing_column_fails_the_schema_rule(frames):
    broken = {**frames, "outlets": frames["outlets"].drop(columns=["branch_name"])}
    outcome = validate(broken, EXPECTATIONS)
    assert "expect_table_columns_to_match_set" in [f.expectation for f in outcome.critical]


def _copy_suites(tmp_path, edit=None):
    for suite in EXPECTATIONS.glob("*.json"):
        data = json.loads(suite.read_text("utf-8"))
        if edit:
            edit(suite.stem, data)
        (tmp_path / suite.name).write_text(json.dumps(data), "utf-8")
    return tmp_path


def test_a_warning_does_not_stop_the_run(sample_url, tmp_path):
    def soften(stem, data):
        for exp in data["expectations"]:
            if stem == "outlet_balances" and exp["kwargs"].get("column") == "negative_rows":
                exp["severity"] = "warning"

    bad = _corrupted(
        sample_url,
        tmp_path,
        [f"update daily_balance set savings_deposit = -1 where unit_id = '{OUTLET}' and biz_date = '2023-03-01'", *RELEDGER],
    )
    (tmp_path / "suites").mkdir()
    outcome = validate(bad, _copy_suites(tmp_path / "suites", soften))
    assert outcome.critical == ()
    assert "negative_rows" in [c for f in outcome.warnings for c in f.columns]  # and the jump to −1
    assert outcome.status == "passed with warnings"


def test_a_misspelt_expectation_fails_loudly_naming_the_file(frames, tmp_path):
    def typo(stem, data):
        if stem == "outlets":
            data["expectations"].append({"type": "expect_column_values_to_be_nonsense", "kwargs": {"column": "unit_id"}})

    with pytest.raises(SuiteError, match=r"outlets\.json: expectation #\d+ \(expect_column_values_to_be_nonsense\)"):
        validate(frames, _copy_suites(tmp_path, typo))


def test_a_bad_severity_is_rejected(frames, tmp_path):
    def fatal(stem, data):
        if stem == "outlets":
            data["expectations"][0]["severity"] = "fatal"

    with pytest.raises(SuiteError, match="severity 'fatal'"):
        validate(frames, _copy_suites(tmp_path, fatal))


@pytest.mark.parametrize(
    "statement,column",
    [
        (
            f"update daily_balance set corporate_deposit = corporate_deposit * 3 where unit_id = '{OUTLET}' and biz_date = '2023-03-01'",
            "corporate_max_day_change",
        ),
        (
            f"update daily_balance set savings_deposit = savings_deposit * 5 where unit_id = '{OUTLET}' and biz_date >= '2023-06-01'",
            "savings_end_to_year_start",
        ),
    ],
    ids=["day-on-day jump", "far outside its own 年初"],
)
def test_implausible_balances_are_warnings_naming_the_outlet(sample_url, tmp_path, statement, column):
    outcome = validate(_corrupted(sample_url, tmp_path, [statement, *RELEDGER]), EXPECTATIONS)
    assert outcome.critical == ()
    hits = [f for f in outcome.warnings if column in f.columns]
    assert hits and hits[0].rows["unit_id"].tolist() == [OUTLET]
