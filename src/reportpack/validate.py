"""Validation: run the Great Expectations suites in ``expectations/`` on the extracted frames.

Each extracted table ``<name>`` has a suite ``expectations/<name>.json`` (GX 1.x suite JSON). Every
expectation carries a ``severity``: ``critical`` stops the run before rendering, ``warning`` is
reported in the documents, ``info`` is only logged. GX is called directly (the GX Airflow provider
cannot be installed beside Airflow 3.3 and runs its data callable at parse time), in an ephemeral
context private to the call, so parallel runs never share one.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from html import escape as html_escape
from pathlib import Path

import pandas as pd

from reportpack.errors import DataFailedValidation, OwnerFileError
from reportpack.run import QualityWarning

log = logging.getLogger(__name__)

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

    def describe(self) -> str:
        cols = ", ".join(self.columns) if self.columns else "(table)"
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
    html: dict[str, str] = field(default_factory=dict)  # suite name → GX Data Docs page

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
                type=exp["type"],
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
    html: dict[str, str] = {}
    for name, frame in frames.items():
        frame = frame.reset_index(drop=True)
        suite = _build_suite(expectations_dir / f"{name}.json", suites[name])
        batch_def = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe(name)
        batch = batch_def.get_batch(batch_parameters={"dataframe": frame})
        result = batch.validate(suite, result_format={"result_format": "COMPLETE"})
        results[name] = result.to_json_dict()
        html[name] = _data_docs_page(result)
        for item in result.results:
            if not item.success:
                failures.append(_failure(name, item, frame))
    for f in failures:
        (log.info if f.severity == "info" else log.warning)("%s", f.describe())
    counts = {name: len(data["expectations"]) for name, data in suites.items()}
    return Outcome(tuple(failures), results, counts, html)


def _data_docs_page(result) -> str:
    """GX's own Data Docs page for one validation result, rendered without a Data Docs site (the
    context is ephemeral and private to the run)."""
    from great_expectations.render.renderer import ValidationResultsPageRenderer
    from great_expectations.render.view import DefaultJinjaPageView

    return DefaultJinjaPageView().render(ValidationResultsPageRenderer().render(result))


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
    if outcome.html:
        docs = folder / "data-docs"
        docs.mkdir(exist_ok=True)
        for name, page in outcome.html.items():
            (docs / f"{name}.html").write_text(page, "utf-8")
        (docs / "index.html").write_text(_index_page(outcome), "utf-8")


def _index_page(outcome: Outcome) -> str:
    """A plain index of the suites with their outcome, linking GX's pages."""
    failed = {f.suite: f.severity for f in outcome.failures}
    rows = "".join(
        f'<tr><td><a href="{html_escape(n)}.html">{html_escape(n)}</a></td><td>{outcome.expectation_counts[n]}</td>'
        f"<td>{html_escape(failed.get(n, 'passed'))}</td></tr>"
        for n in outcome.results
    )
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Validation</title></head><body>'
        f"<h1>Validation: {html_escape(outcome.status)}</h1>"
        f"<table><tr><th>suite</th><th>expectations</th><th>outcome</th></tr>{rows}</table></body></html>"
    )


def quarantine(outcome: Outcome, folder: Path) -> Path | None:
    """Write the rows of every failed expectation to ``folder/<suite>.csv`` with the rule that caught them."""
    parts: dict[str, list[pd.DataFrame]] = {}
    for f in outcome.failures:
        if f.rows.empty or f.severity == "info":
            continue
        rows = f.rows.copy()
        rows.insert(0, "rule", f"{f.expectation}({', '.join(f.columns)})")
        rows.insert(0, "severity", f.severity)
        parts.setdefault(f.suite, []).append(rows)
    if not parts:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    for suite, frames in parts.items():
        pd.concat(frames).to_csv(folder / f"{suite}.csv", index_label="row", encoding="utf-8")
    return folder


def quality_warning(f: Failure) -> QualityWarning:
    """A warning as the documents use it: the units whose rows broke the rule (empty = the whole
    table), the rule's bounds and each unit's offending values (for the review comment)."""
    return QualityWarning(
        suite=f.suite,
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
