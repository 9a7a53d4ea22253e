"""Validation at the source grain, in the warehouse (``expectations/source/``): each kind of bad row
a warehouse can hold is caught by the rule meant for it, before anything is aggregated, with the
row itself in the failure. Each case corrupts one row (or removes some) of a copy of the sample
warehouse and runs the one table's suite in the database (GX SQL engine)."""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from reportpack import gx_sql
from reportpack.periods import Period
from reportpack.validate import SuiteError, Window, quarantine, source_suites, validate_source
from reportpack.warehouse.schema import metadata
from tests.conftest import ROOT

SOURCE = ROOT / "expectations" / "source"
H1 = Period.parse("2023H1")
OUTLET = "BR01-S001-O00001"  # 城东支行; operations managers E0000101 (to 31 March) and E0000201
CLOSED = "BR01-S003-O00006"  # 胜利路网点, closed 2023-05-31


def _without_constraints(table: str) -> list[str]:
    """The statements that rebuild ``table`` as a warehouse without NOT NULL constraints has it."""
    return [f"create table loose as select * from {table}", f"drop table {table}", f"alter table loose rename to {table}"]


# (case, table, statements, the rule's words, text that must appear in the failing rows, severity)
# fmt: off
CASES = [
    ("number stored as text", "daily_balance",
     [f"update daily_balance set savings_deposit = '4亿' where unit_id = '{OUTLET}' and biz_date = '2023-03-01'"],
     "are whole numbers", f"{OUTLET} 2023-03-01", "critical"),
    ("fraction in a count", "teller_month",
     ["update teller_month set transactions = 1234.5 where staff_id = 'E0000105' and month = '2023-02'"],
     "are whole numbers", "E0000105", "critical"),
    ("negative balance", "daily_balance",
     [f"update daily_balance set loans = -5 where unit_id = '{OUTLET}' and biz_date = '2023-03-01'"],
     "loans between 0 and", f"{OUTLET} 2023-03-01", "critical"),
    ("impossible magnitude", "daily_balance",
     [f"update daily_balance set corporate_deposit = 5000000000000 where unit_id = '{OUTLET}' and biz_date = '2023-03-01'"],
     "corporate_deposit between 0 and", f"{OUTLET} 2023-03-01", "critical"),
    ("NPL above loans", "daily_balance",
     [f"update daily_balance set npl_loss = loans + 1 where unit_id = '{OUTLET}' and biz_date = '2023-02-01'"],
     "do not exceed loans", f"{OUTLET} 2023-02-01", "critical"),
    ("duplicated day", "daily_balance",
     [f"insert into daily_balance select * from daily_balance where unit_id = '{OUTLET}' and biz_date = '2023-01-10'"],
     "one row per unit_id, biz_date", f"{OUTLET} 2023-01-10", "critical"),
    ("missing day", "daily_balance",
     [f"delete from daily_balance where unit_id = '{OUTLET}' and biz_date = '2023-06-30'"],
     "every day a unit is open in the window has a row", f"{OUTLET}   2023-06-30", "critical"),
    # the completeness rule looks day by day only at units whose row count is off; a duplicate that
    # makes the count right again breaks the key rule instead: the pack still stops, naming the row
    ("missing day masked by a duplicated one", "daily_balance",
     [f"delete from daily_balance where unit_id = '{OUTLET}' and biz_date = '2023-06-30'",
      f"insert into daily_balance select * from daily_balance where unit_id = '{OUTLET}' and biz_date = '2023-01-10'"],
     "one row per unit_id, biz_date", f"{OUTLET} 2023-01-10", "critical"),
    ("balance after closing", "daily_balance",
     [f"insert into daily_balance select unit_id, '2023-06-05', corporate_deposit, savings_deposit, loans, npl_substandard, "
      f"npl_doubtful, npl_loss from daily_balance where unit_id = '{CLOSED}' and biz_date = '2023-05-31'"],
     "falls within the unit's opening and closing dates", f"{CLOSED} 2023-06-05", "critical"),
    ("decimal point shifted", "daily_balance",
     [f"update daily_balance set savings_deposit = savings_deposit * 100 where unit_id = '{OUTLET}' and biz_date = '2023-04-12'"],
     "tenfold", f"{OUTLET} 2023-04-12", "critical"),
    ("implausible jump", "daily_balance",
     [f"update daily_balance set corporate_deposit = corporate_deposit * 2 where unit_id = '{OUTLET}' and biz_date = '2023-04-12'"],
     "more than 30%", f"{OUTLET} 2023-04-12", "warning"),
    ("garbled date", "risk_event",
     ["update risk_event set occurred_on = '2023/03/25' where event_id = 'RE00001000399'"],
     "is a day of the calendar table", "RE00001000399", "critical"),
    ("orphan unit", "monthly_business",
     [f"update monthly_business set unit_id = 'BR01-S001-O99999' where unit_id = '{OUTLET}' and month = '2023-03'"],
     "unit_id is an org_unit of level outlet", "BR01-S001-O99999", "critical"),
    ("channels do not add up", "monthly_business",
     [f"update monthly_business set counter_transactions = counter_transactions + 7 where unit_id = '{OUTLET}' and month = '2023-05'"],
     "electronic + counter transactions = total", f"{OUTLET} 2023-05", "critical"),
    ("missing month", "monthly_business",
     [f"delete from monthly_business where unit_id = '{OUTLET}' and month = '2023-02'"],
     "every month an outlet is open", f"{OUTLET}       2023-02", "critical"),
    ("reply before the event", "risk_event",
     ["update risk_event set replied_on = '2023-03-01' where event_id = 'RE00001000399'"],
     "a reply is not dated before the event", "RE00001000399", "critical"),
    ("error stamped on someone not a teller there", "teller_error",
     ["update teller_error set staff_id = 'E0000100' where error_id = 'TE00001000325'"],
     "held a teller post at that outlet that day", "TE00001000325", "critical"),
    ("two operations managers at once", "staff_assignment",
     ["update staff_assignment set end_date = '2023-04-15' where staff_id = 'E0000101' and role = 'operations_manager'"],
     "one outlet_head, operations_manager and lobby_manager per outlet at a time", "E0000101", "critical"),
    ("two posts at once", "staff_assignment",
     ["insert into staff_assignment values ('E0000105', 'BR01-S002-O00002', 'teller', '2023-02-01', NULL)"],
     "nobody holds two posts at once", "E0000105", "critical"),
    ("a post after the outlet closed", "staff_assignment",
     [f"update staff_assignment set end_date = NULL where unit_id = '{CLOSED}' and role = 'teller' and end_date = '2023-05-31'"],
     "a spell lies within the unit's opening and closing dates", CLOSED, "critical"),
    ("outlet under an outlet", "org_unit",
     [f"update org_unit set parent_id = 'BR01-S001-O00004' where unit_id = '{OUTLET}'"],
     "the hierarchy holds", OUTLET, "critical"),
    ("two outlets of one name", "org_unit",
     ["update org_unit set name = (select name from org_unit where unit_id = 'BR01-S001-O00004') "
      f"where unit_id = '{OUTLET}'"],
     "share a name", OUTLET, "critical"),
    ("blank name", "staff", ["update staff set name = '  ' where staff_id = 'E0000105'"], "name is not blank", "E0000105", "critical"),
    ("working days beyond the month", "teller_month",
     ["update teller_month set working_days = 30 where staff_id = 'E0000105' and month = '2023-02'"],
     "working_days do not exceed the days of the month", "E0000105", "critical"),
    ("teller month at another outlet", "teller_month",
     ["update teller_month set unit_id = 'BR01-S002-O00002' where staff_id = 'E0000105' and month = '2023-02'"],
     "held a teller post at that outlet in that month", "E0000105", "critical"),
    ("score out of scale", "lobby_month",
     [f"update lobby_month set service_score = 120 where unit_id = '{OUTLET}' and month = '2023-03'"],
     "service_score between 0 and 100", OUTLET, "critical"),
    ("customer month at another outlet", "customer_month",
     ["update customer_month set unit_id = 'BR01-S002-O00002' where customer_id = 'C00001000' and month = '2023-03'"],
     "unit_id is the customer's outlet", "C00001000", "critical"),
    ("6S inspection missing a dimension", "six_s_inspection",
     [f"delete from six_s_inspection where unit_id = '{OUTLET}' and dimension = '安全' "
      f"and inspected_on = (select min(inspected_on) from six_s_inspection where unit_id = '{OUTLET}' and inspected_on >= '2023-01-01')"],
     "scores all six dimensions", OUTLET, "critical"),
    ("attendance at a session never held", "training_attendance",
     ["insert into training_attendance values ('TD0000001', 'E0000105')"],
     "attendance only at sessions that were held", "TD0000001", "critical"),
    ("budget booked at an outlet", "budget_month",
     [f"update budget_month set unit_id = '{OUTLET}' where rowid = (select min(rowid) from budget_month where month = '2023-03')"],
     "unit_id is an org_unit of level sub_branch", OUTLET, "critical"),
    ("written off before acquired", "fixed_asset",
     ["update fixed_asset set written_off_on = '1999-01-01' where asset_id = 'FA00001000'"],
     "written_off_on is on or after acquired_on", "FA00001000", "critical"),
    ("more risks fixed than found", "confidentiality_inspection",
     ["update confidentiality_inspection set risks_fixed = risks_found + 1 where inspection_id = 'CS0000014'"],
     "risks_fixed do not exceed risks_found", "CS0000014", "critical"),
    ("pledge by nobody", "confidentiality_pledge",
     ["insert into confidentiality_pledge values ('E9999999', '2023-03-01')"],
     "every staff_id exists in staff", "E9999999", "critical"),
    ("unknown meeting kind", "meeting",
     ["update meeting set kind = 'party' where meeting_id = 'MT00001013'"],
     "kind is one of", "party", "critical"),
    ("zero target", "plan_target",
     [f"update plan_target set target = 0 where unit_id = '{OUTLET}' and period = '2023H1' and indicator = 'corporate_growth'"],
     "a target is positive", OUTLET, "critical"),
    ("calendar gap", "calendar", ["delete from calendar where cal_date = '2023-03-15'"],
     "no gap", "2023-03-16", "critical"),
    # issue #16: characters a Word document cannot hold stop the pack naming table, column and row
    ("control character in a name", "org_unit", [f"update org_unit set name = name || char(1) where unit_id = '{OUTLET}'"],
     "name holds no control character", OUTLET, "critical"),
    ("vertical tab in a name", "staff", ["update staff set name = char(11) || name where staff_id = 'E0000105'"],
     "name holds no control character", "E0000105", "critical"),
    # issue #16, finding 8: infinity and 1e300, written to an outlet and its sub-branch alike (so the
    # sub-branch still reconciles), are not balances any outlet can hold
    ("infinite balance", "daily_balance",
     ["update daily_balance set savings_deposit = 9e999 where unit_id in ('BR01-S001', 'BR01-S001-O00001') and biz_date = '2023-03-01'"],
     "savings_deposit between 0 and", f"{OUTLET} 2023-03-01", "critical"),
    ("1e300 balance", "daily_balance",
     ["update daily_balance set loans = 1e300 where unit_id in ('BR01-S001', 'BR01-S001-O00001') and biz_date = '2023-03-01'"],
     "loans between 0 and", f"{OUTLET} 2023-03-01", "critical"),
    ("amount written with a thousands separator", "teller_error",  # a table with its own "severity" column
     ["update teller_error set penalty = '1,234' where error_id = 'TE00001000325'"],
     "are whole numbers", "TE00001000325", "critical"),
    ("yes/no written as text", "complaint", ["update complaint set valid = 'yes' where rowid = 5"],
     "valid is a yes/no value", "yes", "critical"),
    ("impossible date", "customer", ["update customer set opened_on = '2023-02-30' where rowid = 5"],
     "opened_on is a real date", "2023-02-30", "critical"),
    ("dated after today", "staff", ["update staff set hired_on = '2999-01-01' where staff_id = 'E0000105'"],
     "hired_on is not after today", "E0000105", "critical"),
    # issue #33, case 5: a warehouse whose tables allow NULL (here: rebuilt without the sample's NOT
    # NULL constraints); a NULL figure was summed as 0 and printed, a NULL balance crashed the pack
    ("NULL card spending", "monthly_business",
     [*_without_constraints("monthly_business"),
      f"update monthly_business set card_spending = NULL where unit_id = '{OUTLET}' and month = '2023-03'"],
     "card_spending, merchants_added", f"{OUTLET} 2023-03", "critical"),
    ("NULL balance at period end", "daily_balance",
     [*_without_constraints("daily_balance"),
      f"update daily_balance set savings_deposit = NULL where unit_id = '{OUTLET}' and biz_date = '2023-06-30'"],
     "savings_deposit, loans", f"{OUTLET} 2023-06-30", "critical"),
    ("infinite target", "plan_target",
     ["update plan_target set target = 9e999 where rowid = (select min(rowid) from plan_target where period = '2023')"],
     "target is a finite number", "inf", "critical"),
    # issue #34: a closed outlet's documents say where its accounts went; the warehouse must say it
    ("closed outlet with no record of its accounts' moves", "org_unit",
     ["delete from account_transfer where from_unit_id = 'BR01-S003-O00006'"],
     "has the moves of its accounts recorded", "BR01-S003-O00006", "critical"),
    ("closure moving more than the outlet held", "account_transfer",
     ["update account_transfer set savings_deposit = savings_deposit * 2 where from_unit_id = 'BR01-S003-O00006'"],
     "moves no more deposits than it held", "BR01-S003-O00006", "critical"),
    ("closure booked on the closing day itself", "account_transfer",
     ["update account_transfer set moved_on = '2023-05-31' where from_unit_id = 'BR01-S003-O00006'"],
     "arrive the day after the giving outlet's closed_on", "BR01-S003-O00006", "critical"),
    ("retained figure without its date", "account_transfer",
     ["update account_transfer set retained_on = NULL where from_unit_id = 'BR01-S003-O00006'"],
     "all present or all absent", "BR01-S003-O00006", "critical"),
    # the 对公非现金柜员 an outlet summary counts are tellers in post there, one window each
    ("a window staffed by someone who is no teller there", "counter_window",
     ["update counter_window set staff_id = 'E0000100' where unit_id = 'BR01-S003-O00003' and window_no = 1"],
     "holds a teller post at that outlet", "BR01-S003-O00003", "critical"),
    ("one window with two tellers at once", "counter_window",
     ["insert into counter_window select unit_id, window_no, staff_id, service, date(opened_on, '+1 day'), closed_on "
      "from counter_window where unit_id = 'BR01-S003-O00003' and window_no = 1"],
     "one teller and one service at a time", "BR01-S003-O00003", "critical"),
    # the closing duties a closed outlet's manager summary words (印章、重空凭证、档案移交)
    ("seals surrendered to another sub-branch", "closing_handover",
     ["update closing_handover set handed_to_unit_id = 'BR01-S001-D01' where unit_id = 'BR01-S003-O00006' and item = 'seal'"],
     "outlet's sub-branch, a department of it", "BR01-S003-O00006", "critical"),
    ("a hand-over dated before the closing", "closing_handover",
     ["update closing_handover set handed_on = '2023-05-01' where unit_id = 'BR01-S003-O00006' and item = 'archive'"],
     "from the closing day to 30 days after it", "BR01-S003-O00006", "critical"),
    ("a closed outlet with no record of its archives", "org_unit",
     ["delete from closing_handover where unit_id = 'BR01-S003-O00006' and item = 'archive'"],
     "recorded the hand-over of its seals", "BR01-S003-O00006", "critical"),
    ("noncharacter in an expense line", "budget_month",
     ["update budget_month set expense_line = expense_line || char(65534) where rowid = (select min(rowid) from budget_month)"],
     "expense_line holds no control character", "BR01-S001", "critical"),
]
# fmt: on


def _copy(sample_url: str, tmp_path: Path, statements: list[str]) -> str:
    db = tmp_path / "w.sqlite"
    shutil.copyfile(sample_url.removeprefix("sqlite:///"), db)
    engine = create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        for statement in statements:
            assert conn.execute(text(statement)).rowcount != 0, statement  # the corruption touched a row
    engine.dispose()
    return f"sqlite:///{db}"


@pytest.mark.parametrize(("case", "table", "statements", "rule", "row", "severity"), CASES, ids=[c[0] for c in CASES])
def test_each_kind_of_bad_row_is_caught_at_its_own_grain(sample_url, tmp_path, case, table, statements, rule, row, severity):
    url = _copy(sample_url, tmp_path, statements)
    outcome = validate_source(url, H1, SOURCE, only=[table])
    hits = [f for f in outcome.failures if rule in f.rule]
    assert hits, f"{case}: no failure of a rule like {rule!r}; got {[f.rule for f in outcome.failures]}"
    f = hits[0]
    assert f.severity == severity and f.suite == table
    message = f.describe()
    assert row in message, message  # the row itself, identified by its key
    assert f.rule_zh and f.unexpected_count >= 1
    written = quarantine(outcome, tmp_path / "q")  # the rows are kept beside the run, whatever the table's columns
    assert row.split()[0] in (written / f"{table}.csv").read_text("utf-8-sig")


def test_every_column_the_schema_requires_has_a_presence_rule_in_its_suite():
    """A warehouse need not enforce NOT NULL; a NULL figure summed as 0 prints a wrong number. Each
    column our schema declares NOT NULL is checked at the source for NULL, as a critical rule."""
    for name, suite in source_suites(SOURCE).items():
        columns = [c.name for c in metadata.tables[name].columns if not c.nullable]
        critical = [e for e in suite["expectations"] if e.get("severity") == "critical"]
        single = {e["kwargs"]["column"] for e in critical if e["type"] == "expect_column_values_to_not_be_null"}
        queries = " ".join(e["kwargs"].get("unexpected_rows_query", "") for e in critical)
        missing = [c for c in columns if c not in single and f"{c} IS NULL" not in queries]
        assert not missing, f"expectations/source/{name}.json: no presence rule for {missing}"


def test_the_sample_warehouse_breaks_no_rule(sample_url):
    outcome = validate_source(sample_url, H1, SOURCE, tables=list(metadata.tables))
    assert outcome.status == "passed", [f.describe() for f in outcome.failures]
    assert sum(outcome.expectation_counts.values()) >= 200  # the rule list of the note


def test_rows_outside_the_window_are_not_read_but_a_garbled_date_always_is(sample_url, tmp_path):
    url = _copy(
        sample_url,
        tmp_path,
        [
            f"update daily_balance set loans = -5 where unit_id = '{OUTLET}' and biz_date = '2023-10-10'",  # after 2023H1
            "update risk_event set occurred_on = '2023-13-40' where event_id = 'RE00001000399'",
        ],
    )
    assert validate_source(url, H1, SOURCE, only=["daily_balance"]).status == "passed"
    assert validate_source(url, Period.parse("2023H2"), SOURCE, only=["daily_balance"]).status == "failed"
    outcome = validate_source(url, Period.parse("2022H1"), SOURCE, only=["risk_event"])
    assert any("calendar" in f.rule and "2023-13-40" in f.describe() for f in outcome.failures)


def test_a_rule_the_database_cannot_run_stops_the_pack(sample_url, tmp_path):
    suites = tmp_path / "source"
    shutil.copytree(SOURCE, suites)
    path = suites / "meeting.json"
    path.write_text(
        path.read_text("utf-8").replace("NOT EXISTS (SELECT 1 FROM org_unit", "NOT EXISTS (SELECT 1 FROM org_units"), "utf-8"
    )
    outcome = validate_source(sample_url, H1, suites, only=["meeting"])
    (f,) = outcome.failures
    assert f.severity == "critical" and "org_units" in str(f.observed)


def test_every_warehouse_table_needs_a_suite_and_a_key(tmp_path):
    suites = tmp_path / "source"
    shutil.copytree(SOURCE, suites)
    (suites / "meeting.json").unlink()
    with pytest.raises(SuiteError, match="no source suite for table"):
        validate_source("sqlite:///unused.sqlite", H1, suites, tables=list(metadata.tables))
    path = suites / "complaint.json"
    path.write_text(path.read_text("utf-8").replace('"key"', '"keys"'), "utf-8")
    with pytest.raises(SuiteError, match="meta.key"):
        source_suites(suites)


def test_the_window_is_what_the_pack_reads():
    w = Window.of(H1)
    assert (w.start.isoformat(), w.end.isoformat(), w.first_month, w.last_month) == (
        "2021-12-31",
        "2023-06-30",
        "2022-01",
        "2023-06",
    )
    assert "BETWEEN '2022-01' AND '2023-12'" in w.query("budget_month", {"month": "month", "through": "year_end"})


def test_the_rules_run_on_postgresql_too(pg_url):
    """The rules' SQL is portable: the sample in PostgreSQL passes every rule, and a bad row there
    is caught the same way (PostgreSQL refuses text in a number column itself)."""
    from reportpack.warehouse.load import write
    from reportpack.warehouse.sample import SampleSpec, generate

    write(generate(SampleSpec()), pg_url, progress=False)
    outcome = validate_source(pg_url, H1, SOURCE, tables=list(metadata.tables))
    assert outcome.status == "passed", [f.describe() for f in outcome.failures]
    engine = create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(text(f"delete from daily_balance where unit_id = '{OUTLET}' and biz_date = '2023-06-30'"))
        conn.execute(text("update teller_error set staff_id = 'E0000100' where error_id = 'TE00001000325'"))
        conn.execute(text(f"update org_unit set name = name || chr(11) where unit_id = '{OUTLET}'"))
    engine.dispose()
    with sql_statements() as statements:
        outcome = validate_source(pg_url, H1, SOURCE, only=["daily_balance", "teller_error", "org_unit"])
    # GX learns a query asset's columns by running its query: here limited to no rows (gx_sql.py)
    asset = " ".join(Window.of(H1).query("daily_balance", {"date": "biz_date"}).split())
    assert asset not in statements and f"SELECT * FROM ({asset}) AS columns_only LIMIT 0" in statements
    assert {f.rule.split(" (")[0] for f in outcome.critical} == {
        "every day a unit is open in the window has a row",
        "the error's teller held a teller post at that outlet that day",
        "name holds no control character or noncharacter",
    }


def test_the_rule_list_in_docs_is_current():
    """docs/source-rules.md is what `reportpack rules` prints (regenerate: make docs, or
    `reportpack rules > docs/source-rules.md`, and review the diff)."""
    from reportpack.validate import rules_markdown

    assert (ROOT / "docs" / "source-rules.md").read_text("utf-8") == rules_markdown(source_suites(SOURCE))


@contextmanager
def sql_statements():
    """Every statement sent to a database meanwhile, whitespace collapsed."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    statements: list[str] = []

    def seen(conn, cursor, statement, *args):
        statements.append(" ".join(statement.split()))

    event.listen(Engine, "after_cursor_execute", seen)  # after: as the database received it
    try:
        yield statements
    finally:
        event.remove(Engine, "after_cursor_execute", seen)


def test_a_yes_no_pass_runs_each_row_rule_once_and_fetches_rows_only_for_broken_ones(sample_url, tmp_path):
    """GX would run an unexpected-rows rule's query twice on the yes/no pass (rows and count) and
    fetch every broken row before keeping 200 (gx_sql.py says why that matters at 20,000 outlets)."""
    url = _copy(sample_url, tmp_path, [f"update daily_balance set loans = -5 where unit_id = '{OUTLET}'"])
    with sql_statements() as statements:
        outcome = validate_source(url, H1, SOURCE, only=["daily_balance"])
    npl = [s for s in statements if "npl_substandard + npl_doubtful + npl_loss > loans" in s]
    # the NPL rule breaks on every row of the outlet (NPL > -5): counted on the yes/no pass, then
    # counted and its first rows fetched, bounded by a LIMIT, on the second
    assert len(npl) == 3, npl
    (rows,) = [s for s in npl if not s.startswith("SELECT COUNT(*)")]
    assert rows.endswith(f"LIMIT {gx_sql.ROWS_KEPT}"), rows
    (f,) = [f for f in outcome.failures if "do not exceed loans" in f.rule]
    assert f.unexpected_count > gx_sql.ROWS_KEPT and len(f.rows) == gx_sql.ROWS_KEPT
    assert f.expectation == "unexpected_rows_expectation"  # as the suite file names it
    # a rule that holds is counted once, its rows never asked for
    calendar = [s for s in statements if "NOT EXISTS (SELECT 1 FROM calendar c WHERE c.cal_date = b.biz_date)" in s]
    assert len(calendar) == 1 and calendar[0].startswith("SELECT COUNT(*)"), calendar


def test_a_target_of_zero_is_refused_unless_lower_is_better(sample_url, tmp_path):
    """零差错 is a target (teller errors: lower is better); a deposit target of 0 measures nothing."""
    url = _copy(
        sample_url,
        tmp_path,
        [
            "update plan_target set target = 0 where rowid = (select min(rowid) from plan_target where indicator = 'teller_error_rate_per_10k')"
        ],
    )
    assert (
        validate_source(url, H1, SOURCE, only=["plan_target"], lower_is_better=("teller_error_rate_per_10k",)).status == "passed"
    )
    refused = validate_source(url, H1, SOURCE, only=["plan_target"], lower_is_better=("corporate_growth",))
    assert [f.rule.split(" (")[0] for f in refused.critical] == ["a target is positive"]
