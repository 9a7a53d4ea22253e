"""Validation with Great Expectations, in two layers.

1. **At the source grain, in the database** (``validate_source``): every warehouse table the pack
   reads has a suite ``expectations/source/<table>.json``, run by GX's SQL execution engine against
   the warehouse itself (SQLite or PostgreSQL) before anything is aggregated — a 20,000-outlet
   warehouse is never pulled into pandas. A suite's ``meta.window`` limits it to the rows the pack
   reads (``{"date": col}``, ``{"month": col}``, ``{"from": col, "to": col}`` for spells; none = the
   whole table); rows whose date is not a calendar day are always included, so a garbled date
   cannot hide outside the window. Cross-table rules are ``unexpected_rows_expectation`` SQL over
   ``{batch}`` (the table's rows in the window) and the other tables; ``{window_start}``,
   ``{window_end}``, ``{first_month}``, ``{last_month}`` are filled in from the period.
2. **On the extracted frames** (``validate``): each extracted table ``<name>`` has a suite
   ``expectations/<name>.json`` for what only the aggregates show (reconciliations, totals).

Both are GX 1.x suite JSON. Every
expectation carries a ``severity``: ``critical`` stops the run before rendering, ``warning`` is
reported in the documents, ``info`` is only logged. GX is called directly (the GX Airflow provider
cannot be installed beside Airflow 3.3 and runs its data callable at parse time), in an ephemeral
context private to the call, so parallel runs never share one.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from reportpack import gx_sql
from reportpack.errors import DataFailedValidation, OwnerFileError
from reportpack.periods import Period, bank_today
from reportpack.run import QualityWarning
from reportpack.textdata import UNPRINTABLE

log = logging.getLogger(__name__)
# GX logs its internals at INFO — about 1,600 lines a run ("_get_default_value called with key
# 'row_condition'…", "Skipping registering function…") that bury the run's own progress in the task
# log. Its warnings and errors still show.
logging.getLogger("great_expectations").setLevel(logging.WARNING)

SAMPLE_ROWS = 5
# Columns that identify a row, shown before the failing columns in a message.
KEY_COLUMNS = ("unit_id", "sub_branch_id", "staff_id", "customer_id", "dimension", "expense_line", "indicator")
SEVERITIES = ("critical", "warning", "info")


class SuiteError(OwnerFileError):
    """A suite file that cannot be loaded: names the file, the expectation and the reason."""

    topic_zh = "数据校验规则文件（expectations/）有误"


@dataclass(frozen=True)
class Failure:
    """One failed expectation, with the rows that broke it (empty for table-level rules)."""

    suite: str
    expectation: str
    severity: str
    columns: tuple[str, ...]
    kwargs: dict
    unexpected_count: int
    element_count: int
    observed: object = None
    rows: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    show: tuple[str, ...] = ()  # extra columns that locate the problem (the suite's meta.show)
    rule: str = ""  # the rule in words (meta.rule; source suites)
    rule_zh: str = ""  # the same in Chinese, for report owners (meta.rule_zh)
    keys: tuple[str, ...] = ()  # the columns that identify a row of the table (source suites: meta.key)

    def describe(self) -> str:
        cols = ", ".join(self.columns) if self.columns else "(table)"
        if self.rule:
            head = f'[{self.severity}] table {self.suite}: rule "{self.rule}" ({self.rule_zh}) [{self.expectation}]'
            if self.rows.empty:
                return f"{head} failed; observed {self.observed!r}"
            shown = list(dict.fromkeys(c for c in (*self.keys, *self.columns, *self.rows.columns) if c in self.rows.columns))
            sample = self.rows[shown].head(SAMPLE_ROWS).to_string(index=False)
            of = f" of {self.element_count}" if self.element_count else ""
            return f"{head}: {self.unexpected_count}{of} rows break it; first rows:\n{sample}"
        rule = {k: v for k, v in self.kwargs.items() if k not in ("column", "column_A", "column_B", "column_list", "batch_id")}
        head = f"[{self.severity}] suite {self.suite}: {self.expectation} on {cols}"
        if rule:
            head += f" {json.dumps(rule, ensure_ascii=False, default=str)}"
        if self.rows.empty:
            return f"{head} failed; observed {self.observed!r}"
        keys = [c for c in KEY_COLUMNS if c in self.rows.columns and c not in self.columns]
        extra = [c for c in self.show if c in self.rows.columns and c not in self.columns]
        sample = self.rows[keys + list(self.columns) + extra].head(SAMPLE_ROWS).to_string(index=False)
        return f"{head}: {self.unexpected_count} of {self.element_count} rows fail; sample:\n{sample}"


@dataclass(frozen=True)
class Outcome:
    """The validation of every suite for one run."""

    failures: tuple[Failure, ...]
    results: dict[str, dict]  # suite name → GX result as JSON
    expectation_counts: dict[str, int]

    @property
    def critical(self) -> tuple[Failure, ...]:
        return tuple(f for f in self.failures if f.severity == "critical")

    @property
    def warnings(self) -> tuple[Failure, ...]:
        return tuple(f for f in self.failures if f.severity == "warning")

    @property
    def status(self) -> str:
        if self.critical:
            return "failed"
        return "passed with warnings" if self.warnings else "passed"


class ValidationFailed(DataFailedValidation):
    """Critical expectations failed: nothing may be rendered or published."""

    def __init__(self, outcome: Outcome, quarantine_dir: Path | None):
        self.outcome = outcome
        lines = [f"{len(outcome.critical)} critical expectation(s) failed:"]
        lines += [f.describe() for f in outcome.critical]
        if quarantine_dir is not None:
            lines.append(f"offending rows quarantined in {quarantine_dir}")
        super().__init__("\n".join(lines))


def load_suite_json(path: Path) -> dict:
    """Read and check a suite file; every problem names the file and the expectation."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise SuiteError(f"{path}: suite file missing (every extracted table needs one)") from None
    except json.JSONDecodeError as exc:
        raise SuiteError(f"{path}: not valid JSON: {exc}") from None
    if data.get("name") != path.stem:
        raise SuiteError(f"{path}: suite name {data.get('name')!r} must equal the file stem {path.stem!r}")
    for i, exp in enumerate(data.get("expectations") or []):
        if "severity" in exp.get("kwargs", {}):
            raise SuiteError(f"{path}: expectation #{i} ({exp.get('type')}): 'severity' belongs beside 'kwargs', not inside")
        severity = exp.get("severity", "critical")
        if severity not in SEVERITIES:
            raise SuiteError(f"{path}: expectation #{i} ({exp.get('type')}): severity {severity!r} is not one of {SEVERITIES}")
    if not data.get("expectations"):
        raise SuiteError(f"{path}: suite has no expectations")
    return data


def _build_suite(path: Path, data: dict):
    # GX's ExpectationSuite(...) logs and *drops* an invalid expectation; build each one ourselves
    # so a typo in a suite file stops the run instead of silently weakening validation.
    from great_expectations.core.expectation_suite import ExpectationSuite
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    expectations = []
    for i, exp in enumerate(data["expectations"]):
        try:
            config = ExpectationConfiguration(
                type=gx_sql.suite_type(exp["type"]),
                kwargs=exp.get("kwargs", {}),
                meta=exp.get("meta"),
                severity=exp.get("severity", "critical"),
            )
            expectations.append(config.to_domain_obj())
        except Exception as exc:  # GX raises many types here; all mean "this entry is invalid"
            raise SuiteError(f"{path}: expectation #{i} ({exp.get('type')}): {exc}") from exc
    return ExpectationSuite(name=data["name"], expectations=expectations)


def _context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        progress_bars=ProgressBarsConfig(globally=False),
        analytics_enabled=False,
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def validate(frames: dict[str, pd.DataFrame], expectations_dir: Path) -> Outcome:
    """Validate each frame against ``expectations_dir/<name>.json``."""
    suites = {name: load_suite_json(expectations_dir / f"{name}.json") for name in frames}
    context = _context()
    source = context.data_sources.add_pandas("warehouse")
    failures: list[Failure] = []
    results: dict[str, dict] = {}
    for name, frame in frames.items():
        frame = frame.reset_index(drop=True)
        suite = _build_suite(expectations_dir / f"{name}.json", suites[name])
        batch_def = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe(name)
        batch = batch_def.get_batch(batch_parameters={"dataframe": frame})
        result = batch.validate(suite, result_format={"result_format": "COMPLETE"})
        results[name] = result.to_json_dict()
        for item in result.results:
            if not item.success:
                failures.append(_failure(name, item, frame))
    for f in failures:
        (log.info if f.severity == "info" else log.warning)("%s", f.describe())
    counts = {name: len(data["expectations"]) for name, data in suites.items()}
    return Outcome(tuple(failures), results, counts)


#: Rows kept per failed rule, for the message and quarantine (the count is always the full count).
SOURCE_ROWS_KEPT = 1000
END_OF_TIME = "9999-12-31"


@dataclass(frozen=True)
class Window:
    """The rows of the warehouse a pack reads: from the 年初 of the comparison year (the last day of
    the year before it) to the period's end; months likewise; ``year_last_month`` for what is read
    for the whole year the period ends in (the budget)."""

    start: date
    end: date
    first_month: str
    last_month: str
    year_last_month: str
    today: date  # on the bank's calendar: nothing the warehouse holds happened after it

    @classmethod
    def of(cls, period: Period, today: date | None = None) -> Window:
        return cls(
            start=date(period.year - 2, 12, 31),
            end=period.end,
            first_month=f"{period.year - 1}-01",
            last_month=period.end.strftime("%Y-%m"),
            year_last_month=f"{period.year}-12",
            today=today or bank_today(),
        )

    def fill(self, text: str) -> str:
        for name, value in (
            ("window_start", self.start.isoformat()),
            ("window_end", self.end.isoformat()),
            ("first_month", self.first_month),
            ("last_month", self.last_month),
            ("today", self.today.isoformat()),
        ):
            text = text.replace("{" + name + "}", value)
        return text

    def query(self, table: str, spec: dict | None) -> str:
        """The rows of ``table`` a suite checks (see the module docstring for ``spec``)."""
        if not spec:
            return f"SELECT * FROM {table}"
        if "date" in spec:
            c = spec["date"]
            inside = f"{c} BETWEEN '{self.start.isoformat()}' AND '{self.end.isoformat()}'"
            return f"SELECT * FROM {table} WHERE {inside} OR {c} IS NULL OR {c} NOT IN (SELECT cal_date FROM calendar)"
        if "month" in spec:
            c = spec["month"]
            last = self.year_last_month if spec.get("through") == "year_end" else self.last_month
            inside = f"{c} BETWEEN '{self.first_month}' AND '{last}'"
            return f"SELECT * FROM {table} WHERE {inside} OR {c} IS NULL OR {c} NOT IN (SELECT month FROM calendar)"
        if "from" in spec:
            a, b = spec["from"], spec["to"]
            return (
                f"SELECT * FROM {table} WHERE {a} IS NULL OR "
                f"({a} <= '{self.end.isoformat()}' AND COALESCE({b}, '{END_OF_TIME}') >= '{self.start.isoformat()}')"
            )
        raise SuiteError(f"table {table}: meta.window {spec!r} is not one of date / month / from+to")


def source_suites(folder: Path) -> dict[str, dict]:
    """Every ``<table>.json`` under ``folder``, checked; the table comes from ``meta.table``."""
    suites = {}
    for path in sorted(folder.glob("*.json")):
        data = load_suite_json(path)
        meta = data.get("meta") or {}
        if meta.get("table") != path.stem or not meta.get("key"):
            raise SuiteError(f"{path}: a source suite needs meta.table (= {path.stem!r}) and meta.key (the columns naming a row)")
        suites[path.stem] = data
    if not suites:
        raise SuiteError(f"{folder}: no source suites (expectations/source/<table>.json)")
    return suites


def rules_markdown(suites: dict[str, dict]) -> str:
    """The rules of the source suites by table: severity, the rule in English and in Chinese."""
    out = []
    for table, data in suites.items():
        meta = data["meta"]
        window = meta.get("window") or {}
        scope = "whole table" if not window else "rows in the window (" + ", ".join(f"{k}: {v}" for k, v in window.items()) + ")"
        out.append(f"### {table}\n\n{meta.get('notes', '')} Key: {', '.join(meta['key'])}; checks {scope}.\n")
        for exp in data["expectations"]:
            m = exp.get("meta") or {}
            out.append(f"- [{exp.get('severity', 'critical')}] {m.get('rule', exp['type'])} — {m.get('rule_zh', '')}")
        out.append("")
    return "\n".join(out) + "\n"


def validate_source(
    url: str,
    period: Period,
    folder: Path,
    tables: list[str] | None = None,
    only: list[str] | None = None,
    lower_is_better: tuple[str, ...] = (),
) -> Outcome:
    """Run the source-grain suites of ``folder`` in the warehouse at ``url`` (GX SQL engine).

    ``tables`` are the warehouse's tables: a table the pack reads without a suite is an error (a
    suite for a table the warehouse lacks fails its rules: the query cannot run). ``only`` runs the
    suites of those tables alone (tests of one rule). ``lower_is_better``: the indicators whose
    target may be 0 (templates/targets.yaml: 零差错), ``{lower_is_better}`` in a rule's SQL."""
    suites = source_suites(folder)
    if tables is not None:
        missing = sorted(set(tables) - set(suites))
        if missing:
            raise SuiteError(
                f"{folder}: no source suite for table(s) {', '.join(missing)} (every table the pack reads needs one)"
            )
    if only is not None:
        suites = {t: suites[t] for t in only}
    window = Window.of(period)
    context = _context()
    source = _sql_source(context, url)
    dialect = source.get_execution_engine().engine.dialect.name
    queries = {window.query(t, data["meta"].get("window")) for t, data in suites.items()}
    gx_sql.learn_columns_cheaply(source.get_execution_engine().engine, queries)
    failures: list[Failure] = []
    results: dict[str, dict] = {}
    for table, data in suites.items():
        meta = data["meta"]
        for exp in data["expectations"]:
            if "unexpected_rows_query" in exp.get("kwargs", {}):
                query = dialect_tests(window.fill(exp["kwargs"]["unexpected_rows_query"]), dialect, table)
                query = query.replace("{lower_is_better}", _sql_list(lower_is_better))
                exp["kwargs"]["unexpected_rows_query"] = _alias_batch(query)
            exp["meta"] = {**(exp.get("meta") or {}), "rule_zh": window.fill((exp.get("meta") or {}).get("rule_zh", ""))}
        started = time.perf_counter()
        suite = _build_suite(folder / f"{table}.json", data)
        asset = source.add_query_asset(table, query=window.query(table, meta.get("window")))
        batch = asset.add_batch_definition_whole_table(table).get_batch()
        # Two passes: every rule as a yes/no first (one count query each); then only the rules that
        # failed again, with their rows — fetching rows costs a second scan per rule, and on a
        # 20,000-outlet warehouse those scans are most of the time.
        result = batch.validate(suite, result_format={"result_format": "BOOLEAN_ONLY"})
        failed = [r.expectation_config for r in result.results if not r.success]
        if failed:
            from great_expectations.core.expectation_suite import ExpectationSuite

            again = ExpectationSuite(name=f"{table}-failed", expectations=[c.to_domain_obj() for c in failed])
            detailed = batch.validate(
                again,
                result_format={
                    # COMPLETE: the only format in which unexpected_rows_expectation returns its rows
                    # (up to GX's MAX_RESULT_RECORDS); the count is always the full count
                    "result_format": "COMPLETE",
                    "partial_unexpected_count": 20,
                    "unexpected_index_column_names": list(meta["key"]),
                },
            )
            failures += [_source_failure(table, meta, item) for item in detailed.results if not item.success]
            result = detailed if len(failed) == len(result.results) else _merged(result, detailed)
        results[table] = _as_written(result.to_json_dict())  # (no Data Docs page: 0.25 s a table, for pages nobody opens)
        log.info("source rules of %s: %d checked in %.1f s", table, len(data["expectations"]), time.perf_counter() - started)
    # close the warehouse connections now, not when collected (GX opens one engine to test the
    # connection and another to run the rules)
    source.get_execution_engine().engine.dispose()
    source.get_engine().dispose()
    for f in failures:
        (log.info if f.severity == "info" else log.warning)("%s", f.describe())
    counts = {name: len(data["expectations"]) for name, data in suites.items()}
    return Outcome(tuple(failures), results, counts)


def _merged(summary, detailed):
    """The yes/no result of a suite with the failed rules' detailed results in their place."""

    def key(r) -> str:
        return json.dumps(r.expectation_config.to_json_dict(), sort_keys=True, default=str)

    details = {key(r): r for r in detailed.results}
    summary.results = [details.get(key(r), r) for r in summary.results]
    return summary


def _as_written(result: dict) -> dict:
    """A suite's results with each expectation's type as its suite file writes it."""
    for item in result.get("results", []):
        config = item.get("expectation_config") or {}
        config["type"] = gx_sql.public_type(config.get("type", ""))
    return result


# What a Word document cannot hold (reportpack.textdata.UNPRINTABLE), found by the source rules.
# ``{test:column}`` in a source rule's query: a test SQL dialects write differently. SQLite keeps
# any value in any column, so it needs the tests; PostgreSQL's column types refuse an impossible date
# or a boolean that is not one when the row is written, so there the test is FALSE. SQLite's REGEXP
# is Python's ``re``, registered on each connection by SQLAlchemy.
_DIALECT_TESTS = {
    "unprintable": {
        "sqlite": f"{{c}} REGEXP '{UNPRINTABLE}'",
        "postgresql": f"{{c}} ~ '{UNPRINTABLE}'",
        "mysql": f"{{c}} REGEXP '{UNPRINTABLE}'",
    },
    # SQLite's date(…, '+0 days') turns 2023-02-30 into 2023-03-02 and garbage into NULL: not the value
    "not_a_date": {
        "sqlite": "({c} IS NOT NULL AND (date({c}, '+0 days') IS NULL OR date({c}, '+0 days') <> {c}))",
        "postgresql": "FALSE",
        "mysql": "FALSE",
    },
    "not_boolean": {
        "sqlite": "({c} IS NOT NULL AND {c} NOT IN (0, 1))",
        "postgresql": "FALSE",
        "mysql": "({c} IS NOT NULL AND {c} NOT IN (0, 1))",
    },
}
_DIALECT_PLACEHOLDER = re.compile(r"\{(" + "|".join(_DIALECT_TESTS) + r"):([A-Za-z_][A-Za-z0-9_]*)\}")


def _sql_list(values: tuple[str, ...]) -> str:
    """``'a', 'b'`` for an SQL ``IN (…)`` (``''`` for none: ``IN ()`` is not SQL)."""
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values) or "''"


def dialect_tests(query: str, dialect: str, table: str) -> str:
    """``{unprintable:c}``, ``{not_a_date:c}``, ``{not_boolean:c}`` in a source rule's query → the
    dialect's test that column ``c`` holds such a value."""

    def test(m: re.Match) -> str:
        written = _DIALECT_TESTS[m.group(1)].get(dialect)
        if written is None:
            raise SuiteError(
                f"table {table}: {{{m.group(1)}:…}} has no test on {dialect} (known: {', '.join(_DIALECT_TESTS[m.group(1)])})"
            )
        return written.replace("{c}", m.group(2))

    return _DIALECT_PLACEHOLDER.sub(test, query) if "{" in query else query


def _alias_batch(query: str) -> str:
    """Suites write ``(SELECT * FROM {batch}) b``. GX substitutes ``{batch}`` as ``(…) AS subselect``,
    except in a query with a JOIN, where it leaves the derived table unaliased — which SQLite
    accepts and PostgreSQL refuses. Give it an alias there, by GX's own test for a JOIN."""
    from great_expectations.expectations.metrics.query_metric_provider import _query_has_join_clause

    return query.replace("{batch}", "{batch} AS batch_rows") if _query_has_join_clause(query) else query


def _sql_source(context, url: str):
    """GX's datasource for the warehouse's dialect (the generic one warns on SQLite and PostgreSQL)."""
    backend = url.split(":", 1)[0].split("+", 1)[0]
    if backend == "sqlite":
        return context.data_sources.add_sqlite("warehouse", connection_string=url)
    if backend in ("postgresql", "postgres"):
        return context.data_sources.add_postgres("warehouse", connection_string=url)
    return context.data_sources.add_sql("warehouse", connection_string=url)


def _source_failure(table: str, meta: dict, item) -> Failure:
    config = item.expectation_config
    kwargs = dict(config.kwargs)
    columns = tuple(kwargs.get("column_list") or [kwargs[k] for k in ("column",) if k in kwargs])
    result = item.result or {}
    if gx_sql.public_type(config.type) == gx_sql.GX_TYPE:
        records = (result.get("details") or {}).get("unexpected_rows") or []
        count = result.get("observed_value")
    else:
        # column rules give the rows' keys (unexpected_index_list); compound-unique rules give only
        # the offending values, a single column's uniqueness only the values of that column
        records = result.get("unexpected_index_list") or result.get("unexpected_list") or []
        if records and not isinstance(records[0], dict):
            records = [{columns[0] if columns else "value": v} for v in records]
        count = result.get("unexpected_count")
    observed = _exception_message(item.exception_info)  # e.g. a rule's SQL the database refuses
    rows = pd.DataFrame.from_records(records[:SOURCE_ROWS_KEPT]) if records else pd.DataFrame()
    rule_meta = config.meta or {}
    return Failure(
        suite=table,
        expectation=gx_sql.public_type(config.type),
        # a rule that could not run checked nothing: that stops the pack whatever its severity
        severity="critical" if observed else str(getattr(config.severity, "value", config.severity)),
        columns=columns,
        kwargs=kwargs,
        unexpected_count=int(count or len(rows)),
        element_count=int(result.get("element_count") or 0),
        observed=observed,
        rows=rows,
        rule=rule_meta.get("rule", gx_sql.public_type(config.type)),
        rule_zh=rule_meta.get("rule_zh", ""),
        keys=tuple(meta["key"]),
    )


def _exception_message(info: dict | None) -> str | None:
    """GX reports an error either as one dict or as a dict of them keyed by metric: the first message."""
    if not info:
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message"))
    for value in info.values():
        if isinstance(value, dict) and value.get("raised_exception"):
            return str(value.get("exception_message"))
    return None


def _failure(suite: str, item, frame: pd.DataFrame) -> Failure:
    config = item.expectation_config
    kwargs = dict(config.kwargs)
    columns = tuple(kwargs.get("column_list") or [kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs])
    result = item.result or {}
    index = result.get("unexpected_index_list") or []
    rows = frame.iloc[[i for i in index if isinstance(i, int)]] if index else pd.DataFrame()
    if item.exception_info and item.exception_info.get("raised_exception"):
        observed = item.exception_info.get("exception_message")
    else:
        observed = result.get("observed_value")
    return Failure(
        suite=suite,
        expectation=config.type,
        severity=str(getattr(config.severity, "value", config.severity)),
        columns=columns,
        kwargs=kwargs,
        unexpected_count=int(result.get("unexpected_count") or len(rows)),
        element_count=int(result.get("element_count") or len(frame)),
        observed=observed,
        rows=rows,
        show=tuple((config.meta or {}).get("show", ())),
    )


def write_report(outcome: Outcome, folder: Path) -> None:
    """GX results (JSON) and a summary under ``folder``; failing rows go to ``quarantine/``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, result in outcome.results.items():
        (folder / f"{name}.json").write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str), "utf-8")
    summary = {
        "status": outcome.status,
        "expectations": outcome.expectation_counts,
        "failures": [
            {
                "suite": f.suite,
                "expectation": f.expectation,
                "severity": f.severity,
                "columns": list(f.columns),
                "unexpected_count": f.unexpected_count,
                "element_count": f.element_count,
                "message": f.describe(),
            }
            for f in outcome.failures
        ],
    }
    (folder / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1, default=str), "utf-8")


def _free_name(rows: pd.DataFrame, name: str) -> str:
    """``name`` for a column of ours, or ``_name`` … when the table has a column of that name (a
    table may have "severity", as teller_error does, or "rule")."""
    while name in rows.columns:
        name = "_" + name
    return name


def quarantine(outcome: Outcome, folder: Path) -> Path | None:
    """Write the rows of every failed expectation to ``folder/<suite>.csv`` with the rule that caught them."""
    parts: dict[str, list[pd.DataFrame]] = {}
    for f in outcome.failures:
        if f.rows.empty or f.severity == "info":
            continue
        rows = f.rows.copy()
        ours = functools.partial(_free_name, rows)
        if f.rule:  # a source-grain rule: its words, and the table's own rows (no frame index)
            rows.insert(0, ours("rule_zh"), f.rule_zh)
            rows.insert(0, ours("rule"), f.rule)
            rows = rows.reset_index(drop=True)
        else:
            rows.insert(0, ours("rule"), f"{f.expectation}({', '.join(f.columns)})")
        rows.insert(0, ours("severity"), f.severity)
        parts.setdefault(f.suite, []).append(rows)
    if not parts:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    for suite, frames in parts.items():
        source = any(f.rule for f in outcome.failures if f.suite == suite)
        # with a BOM, so Excel and WPS show the Chinese names and rules (see targets.csv)
        pd.concat(frames).to_csv(folder / f"{suite}.csv", index=not source, index_label="row", encoding="utf-8-sig")
    return folder


def quality_warning(f: Failure, prefix: str = "") -> QualityWarning:
    """A warning as the documents use it: the units whose rows broke the rule (empty = the whole
    table), the rule's bounds and each unit's offending values (for the review comment)."""
    return QualityWarning(
        suite=prefix + f.suite,
        rule_zh=f.rule_zh,
        expectation=f.expectation,
        columns=list(f.columns),
        unexpected_count=f.unexpected_count,
        element_count=f.element_count,
        message=f.describe(),
        units=sorted(set(f.rows["unit_id"].dropna())) if "unit_id" in f.rows else [],
        rule={k: v for k, v in f.kwargs.items() if k in ("min_value", "max_value")},
        unit_values=_offending_values(f),
    )


def _offending_values(f: Failure) -> dict[str, dict[str, float | str]]:
    """The broken columns' values per unit, for the review comment on the figure they affect."""
    if "unit_id" not in f.rows or not f.columns:
        return {}
    out = {}
    for row in f.rows[["unit_id", *f.columns]].dropna(subset=["unit_id"]).to_dict("records"):
        out[str(row.pop("unit_id"))] = {k: (v if isinstance(v, (int, float, str)) else str(v)) for k, v in row.items()}
    return out
