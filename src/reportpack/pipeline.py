"""The pack run in phases — extract → validate → derive → render → publish.

Each phase reads and writes files in the run's private folder (``<output>/.runs/<period>-<run id>``)
and returns small JSON-able references, so Airflow tasks pass paths, never frames, through XCom.
The CLI (``reportpack pack``) and the DAG call the same functions.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import yaml
from sqlalchemy import create_engine

from reportpack import __version__
from reportpack.render import commentary, document, templating
from reportpack.derive import figures, subjects, targets
from reportpack.owner import inputs, packdef
from reportpack.publish import pack
from reportpack.extract import extract as extract_frames
from reportpack.extract import load_frames, save_frames
from reportpack.periods import Period
from reportpack.render.word import to_docx
from reportpack.render.styles import load_base
from reportpack.settings import Settings, redact
from reportpack.validate import ValidationFailed, quarantine, validate as run_suites, write_report

log = logging.getLogger(__name__)

DEFAULT_PACK = "half_year"  # templates/packs/half_year.yaml


@dataclass(frozen=True)
class Run:
    """Where one run keeps its files. ``folder`` is private to the run until publication."""

    folder: Path
    period: Period
    warehouse_url: str

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def pack(self) -> Path:
        return self.folder / "pack"

    @property
    def figures(self) -> Path:
        return self.folder / "figures"

    @property
    def quarantine(self) -> Path:
        return self.folder / "quarantine"

    @property
    def state(self) -> Path:
        return self.folder / "run.json"

    def ref(self) -> dict:
        return {"folder": str(self.folder), "period": self.period.label, "warehouse_url": self.warehouse_url}

    @classmethod
    def from_ref(cls, ref: dict) -> "Run":
        return cls(Path(ref["folder"]), Period.parse(ref["period"]), ref["warehouse_url"])


def start(
    settings: Settings, period_label: str, run_id: str, warehouse_url: str | None = None, pack_name: str = DEFAULT_PACK
) -> Run:
    """Create the run's private folder under the output root (same filesystem → atomic publish).

    The pack definition, the commentary and target rules and the owner input are read and checked
    here, before any data is extracted, and the input files are copied into the run: what a run
    renders is what it received."""
    period = Period.parse(period_label)
    definition = packdef.load(packdef.path_of(settings.templates_dir, pack_name), settings.templates_dir)
    commentary.load(settings.templates_dir / "commentary.yaml", settings.templates_dir, packdef.all_kinds(settings.templates_dir))
    targets.load(settings.templates_dir / "targets.yaml", settings.templates_dir)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", run_id)[:80]
    folder = settings.output_dir / ".runs" / f"{period.label}-{safe}"
    pack.discard(folder)  # a retried run starts clean
    folder.mkdir(parents=True)
    run = Run(folder, period, warehouse_url or settings.warehouse_url)
    received = inputs.files(settings.input_dir / period.label)
    inputs.load(settings.input_dir / period.label, definition)  # units are checked at render, once known
    overrides = sorted((settings.input_dir / period.label / "targets").glob("*.yaml"))
    for path in received:
        (run.pack / "inputs").mkdir(parents=True, exist_ok=True)
        (run.pack / "inputs" / path.name).write_bytes(path.read_bytes())
    for path in overrides:
        (run.pack / "inputs" / "targets").mkdir(parents=True, exist_ok=True)
        (run.pack / "inputs" / "targets" / path.name).write_bytes(path.read_bytes())
    received += overrides
    _save_state(run, {"run_id": run_id, "started_at": _now(), "pack": definition.name,
                      "inputs": [p.relative_to(settings.input_dir / period.label).as_posix() for p in received]})
    return run


def extract(settings: Settings, run: Run) -> dict[str, int]:
    engine = create_engine(run.warehouse_url)
    try:
        with engine.connect() as conn:
            frames = extract_frames(conn, run.period, settings.templates_dir / "sql")
    finally:
        engine.dispose()
    rows = save_frames(frames, run.data)
    _save_state(run, {"rows": rows, "data_sha256": pack.frames_sha256(frames)})
    log.info("extracted %s from %s", rows, redact(run.warehouse_url))
    return rows


def validate(settings: Settings, run: Run) -> str:
    """Run every suite; a critical failure quarantines rows and raises ``ValidationFailed``."""
    frames = load_frames(run.data)
    outcome = run_suites(frames, settings.expectations_dir)
    write_report(outcome, run.pack / "validation")
    quarantined = quarantine(outcome, run.quarantine)
    _save_state(
        run,
        {
            "validation": {
                "status": outcome.status,
                "expectations": outcome.expectation_counts,
                "warnings": [
                    {
                        "suite": f.suite,
                        "expectation": f.expectation,
                        "columns": list(f.columns),
                        "unexpected_count": f.unexpected_count,
                        "element_count": f.element_count,
                        "message": f.describe(),
                        # the units whose rows broke the rule; empty = the whole table (every document)
                        "units": sorted(set(f.rows["unit_id"].dropna())) if "unit_id" in f.rows else [],
                        "rule": {k: v for k, v in f.kwargs.items() if k in ("min_value", "max_value")},
                        "unit_values": _offending_values(f),
                    }
                    for f in outcome.warnings
                ],
                "critical": [f.describe() for f in outcome.critical],
                "quarantine": str(quarantined) if quarantined else None,
            }
        },
    )
    if outcome.critical:
        raise ValidationFailed(outcome, quarantined)
    return outcome.status


def _offending_values(f) -> dict[str, dict[str, float | str]]:
    """The broken columns' values per unit, for the review comment on the figure they affect."""
    if "unit_id" not in f.rows or not f.columns:
        return {}
    out = {}
    for row in f.rows[["unit_id", *f.columns]].dropna(subset=["unit_id"]).to_dict("records"):
        out[str(row.pop("unit_id"))] = {k: (v if isinstance(v, (int, float, str)) else str(v)) for k, v in row.items()}
    return out


def derive(settings: Settings, run: Run) -> dict[str, int]:
    """Every figure of the period, one parquet file per document subject under ``figures/``."""
    derived = figures.derive(
        load_frames(run.data), run.period, settings.templates_dir, period_context(run.period),
        overrides=run.pack / "inputs" / "targets", overrides_shown_as=settings.input_dir / run.period.label / "targets",
    )
    run.figures.mkdir(exist_ok=True)
    for name, frame in derived.items():
        frame.to_parquet(run.figures / f"{name}.parquet", index=False)
    return {name: len(frame) for name, frame in derived.items()}


def period_context(period: Period) -> dict:
    half = "上半年" if period.start.month == 1 else "下半年"
    return {
        "label": period.label,
        "year": period.start.year,
        "start": period.start,
        "end": period.end,
        "time_progress": period.time_progress,
        "half_name": half,
        "next_half_name": "下半年" if half == "上半年" else f"{period.start.year + 1}年上半年",
        "next_half_title": f"{period.start.year}年下半年" if half == "上半年" else f"{period.start.year + 1}年上半年",
    }


def base_context(templates_dir: Path, period: Period, warnings: list[dict]) -> dict:
    """What every document template sees besides its subject: period, validation warnings, labels."""
    labels = yaml.safe_load((templates_dir / "labels.yaml").read_text("utf-8"))
    return {"p": period_context(period), "quality_warnings": warnings, "labels": labels}


def document_context(
    base: dict, part: packdef.Part, subject: subjects.Subject, rules: commentary.RuleSet, owner: dict | None = None
) -> tuple[dict, dict[str, list[commentary.Finding]]]:
    """What one document's template sees — period, labels, warnings, the subject's records, the
    owner's text and the drafted findings — and the findings themselves (for findings.json)."""
    context = {**base, **subject.context, "owner": owner or {slot: [] for slot in part.slots}}
    found = commentary.evaluate(rules, part.kind, context)
    context["findings"] = {category: [f.text for f in items] for category, items in found.items()}
    return context, found


def render(settings: Settings, run: Run, pdf: bool = False) -> dict[str, str]:
    """Every document of the pack definition, then one compilation per sub-branch; returns path → kind.

    Each document is rendered once; a compilation gathers the rendered texts of its sub-branch's
    documents (and the bank's) in the order of the pack definition's parts. With ``pdf``, LibreOffice
    also writes a PDF of every document under ``pdf/``, using the repository's fontconfig aliases so
    the four Chinese faces stay distinct."""
    state = _load_state(run)
    definition = packdef.load(packdef.path_of(settings.templates_dir, state["pack"]), settings.templates_dir)
    derived = {p.stem: pd.read_parquet(p) for p in sorted(run.figures.glob("*.parquet"))}
    by_subject = subjects.build(derived)
    keys = {part.kind: {s.key for s in by_subject[part.subject]} for part in definition.parts}
    owner_entries = inputs.load(run.pack / "inputs", definition, keys, shown_as=settings.input_dir / run.period.label)
    base = base_context(settings.templates_dir, run.period, state["validation"]["warnings"])
    style = load_base(definition.style_base)
    rules = commentary.load(
        settings.templates_dir / "commentary.yaml", settings.templates_dir, packdef.all_kinds(settings.templates_dir)
    )
    kinds: dict[str, str] = {}
    explained: dict[str, list[dict]] = {}
    rendered: list[tuple[packdef.Part, subjects.Subject, str]] = []
    for part in definition.parts:
        for subject in by_subject[part.subject]:
            context, found = document_context(base, part, subject, rules, inputs.for_document(owner_entries, part.kind, subject.key, part.slots))
            text = templating.render(settings.templates_dir, part.template, context)
            rel = subject.path(part.folder)
            explained[rel] = [f.as_json() for items in found.values() for f in items]
            _write_document(run.pack / rel, text, part.template, subject.name, definition, style)
            kinds[rel] = part.kind
            rendered.append((part, subject, text))
    for sub in by_subject["sub_branch"]:
        parts = [
            {"name": part.name, "kind": part.kind, "text": text}
            for part, subject, text in rendered
            if part.in_compilation and subject.sub_branch_id in (None, sub.key)
        ]
        context = {**base, **sub.context, "pack": {"title": definition.title}, "parts": parts}
        text = templating.render(settings.templates_dir, definition.compilation_template, context)
        title = document.parse(text, definition.compilation_template)[0].plain
        rel = f"{title}.docx"
        _write_document(run.pack / rel, text, definition.compilation_template, sub.name, definition, style)
        kinds[rel] = "compilation"
    # Why each drafted sentence is there: rule id and the figures it read, per document.
    (run.pack / "findings.json").write_text(json.dumps(explained, ensure_ascii=False, indent=1, default=str), "utf-8")
    kinds["findings.json"] = "findings"
    if pdf:
        kinds.update(_pdf_renditions(settings, run, kinds))
    _save_state(run, {"documents": kinds})
    return kinds


def _pdf_renditions(settings: Settings, run: Run, kinds: dict[str, str]) -> dict[str, str]:
    from reportpack.render.pdf import to_pdf

    by_folder: dict[Path, list[Path]] = {}
    for rel in kinds:
        if rel.endswith(".docx"):
            by_folder.setdefault(Path(rel).parent, []).append(run.pack / rel)
    out = {}
    for folder, docs in sorted(by_folder.items()):
        for made in to_pdf(docs, run.pack / "pdf" / folder, settings.templates_dir / "fonts" / "fonts.conf"):
            if not made.exists():
                raise RuntimeError(f"LibreOffice did not convert {made.with_suffix('.docx').name}")
            out[made.relative_to(run.pack).as_posix()] = "pdf"
    return out


def _write_document(
    path: Path, text: str, source: str, author: str, definition: packdef.PackDefinition, style: bytes
) -> None:
    blocks = document.number(document.parse(text, source), level3=definition.level3)
    title = next((b.plain for b in blocks if b.kind == "title"), path.stem)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(to_docx(blocks, title=title, author=author, base=style))


def publish(settings: Settings, run: Run) -> Path:
    """Write the manifest and move the pack into ``<output>/<period>``."""
    state = _load_state(run)
    meta = {
        "pack": state["pack"],
        "inputs": state.get("inputs", []),
        "period": run.period.label,
        "period_start": run.period.start.isoformat(),
        "period_end": run.period.end.isoformat(),
        "run_id": state["run_id"],
        "generated_at": _now(),
        "source": {
            "url": redact(run.warehouse_url),
            "rows": state["rows"],
            "data_sha256": state["data_sha256"],
        },
        "versions": {
            "reportpack": __version__,
            "templates_sha256": pack.tree_sha256(settings.templates_dir),
            "expectations_sha256": pack.tree_sha256(settings.expectations_dir),
        },
        "validation": state["validation"],
        "approval": {"status": "pending"},
    }
    meta["targets"] = _store_targets(run)
    pack.write_manifest(run.pack, meta, {**state["documents"], "targets.csv": "targets"})
    target = pack.publish(run.pack, settings.output_dir, run.period.label)
    pack.discard(run.folder)
    log.info("pack published: %s", target)
    return target


def _store_targets(run: Run) -> dict:
    """Write the targets this run's plans set into the warehouse (``plan_target``, next period) and
    beside the documents (``targets.csv``). One transaction; a rerun replaces the same rows."""
    frame = pd.read_parquet(run.figures / "next_targets.parquet")
    following = run.period.next()
    frame.assign(period=following.label).to_csv(run.pack / "targets.csv", index=False)
    engine = create_engine(run.warehouse_url)
    try:
        with engine.begin() as conn:
            written = targets.write(conn, frame, following.label, run.period.end)
    finally:
        engine.dispose()
    log.info("stored %d targets for %s in %s", written, following.label, redact(run.warehouse_url))
    return {"period": following.label, "rows": written, "file": "targets.csv",
            "sources": dict(sorted(frame["source"].str.split(":").str[0].value_counts().items()))}


def run_all(
    settings: Settings, period_label: str, run_id: str | None = None, pdf: bool = False, pack_name: str = DEFAULT_PACK
) -> Path:
    """The whole flow in one process (the CLI's ``reportpack pack``)."""
    run = start(settings, period_label, run_id or f"manual-{_now()}", pack_name=pack_name)
    extract(settings, run)
    validate(settings, run)
    derive(settings, run)
    render(settings, run, pdf=pdf)
    return publish(settings, run)


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _load_state(run: Run) -> dict:
    return json.loads(run.state.read_text("utf-8")) if run.state.exists() else {}


def _save_state(run: Run, update: dict) -> None:
    state = {**_load_state(run), **update}
    run.state.write_text(json.dumps(state, ensure_ascii=False, indent=1), "utf-8")
