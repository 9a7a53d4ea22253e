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

from reportpack import __version__, document, figures, pack, templating
from reportpack.extract import extract as extract_frames
from reportpack.extract import load_frames, save_frames
from reportpack.periods import Period
from reportpack.render.docx import to_docx
from reportpack.settings import Settings, redact
from reportpack.validate import ValidationFailed, quarantine, validate as run_suites, write_report

log = logging.getLogger(__name__)

OUTLET_TEMPLATE = "documents/outlet_half_year_summary.md.j2"
COMPILATION_TEMPLATE = "documents/sub_branch_compilation.md.j2"
LEVEL3_FORMAT = "{n}."  # GB/T 9704; many bank documents write "{n}、"


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


def start(settings: Settings, period_label: str, run_id: str, warehouse_url: str | None = None) -> Run:
    """Create the run's private folder under the output root (same filesystem → atomic publish)."""
    period = Period.parse(period_label)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", run_id)[:80]
    folder = settings.output_dir / ".runs" / f"{period.label}-{safe}"
    pack.discard(folder)  # a retried run starts clean
    folder.mkdir(parents=True)
    run = Run(folder, period, warehouse_url or settings.warehouse_url)
    _save_state(run, {"run_id": run_id, "started_at": _now()})
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


def derive(settings: Settings, run: Run) -> dict[str, int]:
    """Every figure of the period, one parquet file per document subject under ``figures/``."""
    derived = figures.derive(load_frames(run.data), run.period, settings.templates_dir / "indicators.yaml")
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
    }


def base_context(templates_dir: Path, period: Period, warnings: list[dict]) -> dict:
    """What every document template sees besides its subject: period, validation warnings, labels."""
    labels = yaml.safe_load((templates_dir / "labels.yaml").read_text("utf-8"))
    return {"p": period_context(period), "quality_warnings": warnings, "labels": labels}


def _records(frame: pd.DataFrame) -> list[dict]:
    # NaN → None, so a missing figure fails loudly in the template instead of printing "nan".
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def render(settings: Settings, run: Run, pdf: bool = False) -> dict[str, str]:
    """Write the outlet documents and one compilation per sub-branch; returns path → kind.

    With ``pdf``, LibreOffice also writes a PDF of every document under ``pdf/`` (same layout),
    using the repository's fontconfig aliases so the four Chinese faces stay distinct."""
    outlet_figures = pd.read_parquet(run.figures / "outlets.parquet")
    subs = pd.read_parquet(run.figures / "sub_branches.parquet")
    state = _load_state(run)
    base = base_context(settings.templates_dir, run.period, state["validation"]["warnings"])
    kinds: dict[str, str] = {}
    outlets = _records(outlet_figures)
    for o in outlets:
        text = templating.render(settings.templates_dir, OUTLET_TEMPLATE, {**base, "o": o})
        rel = f"outlets/{o['sub_branch_name']}/{o['unit_id']}_{o['outlet_name']}.docx"
        _write_document(run.pack / rel, text, OUTLET_TEMPLATE, o["outlet_name"])
        kinds[rel] = "outlet_half_year_summary"
    for sub in _records(subs):
        members = [o for o in outlets if o["sub_branch_id"] == sub["sub_branch_id"]]
        text = templating.render(
            settings.templates_dir, COMPILATION_TEMPLATE, {**base, "sub": sub, "outlets": members}
        )
        title = document.parse(text, COMPILATION_TEMPLATE)[0].text
        rel = f"{title}.docx"
        _write_document(run.pack / rel, text, COMPILATION_TEMPLATE, sub["sub_branch_name"])
        kinds[rel] = "compilation"
    if pdf:
        kinds.update(_pdf_renditions(settings, run, kinds))
    _save_state(run, {"documents": kinds})
    return kinds


def _pdf_renditions(settings: Settings, run: Run, kinds: dict[str, str]) -> dict[str, str]:
    from reportpack.render.pdf import to_pdf

    by_folder: dict[Path, list[Path]] = {}
    for rel in kinds:
        by_folder.setdefault(Path(rel).parent, []).append(run.pack / rel)
    out = {}
    for folder, docs in sorted(by_folder.items()):
        for made in to_pdf(docs, run.pack / "pdf" / folder, settings.templates_dir / "fonts" / "fonts.conf"):
            if not made.exists():
                raise RuntimeError(f"LibreOffice did not convert {made.with_suffix('.docx').name}")
            out[made.relative_to(run.pack).as_posix()] = "pdf"
    return out


def _write_document(path: Path, text: str, source: str, author: str) -> None:
    blocks = document.number(document.parse(text, source), level3=LEVEL3_FORMAT)
    title = next((b.text for b in blocks if b.kind == "title"), path.stem)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(to_docx(blocks, title=title, author=author))


def publish(settings: Settings, run: Run) -> Path:
    """Write the manifest and move the pack into ``<output>/<period>``."""
    state = _load_state(run)
    meta = {
        "pack": "half_year_summary",
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
    pack.write_manifest(run.pack, meta, state["documents"])
    target = pack.publish(run.pack, settings.output_dir, run.period.label)
    pack.discard(run.folder)
    log.info("pack published: %s", target)
    return target


def run_all(settings: Settings, period_label: str, run_id: str | None = None, pdf: bool = False) -> Path:
    """The whole flow in one process (the CLI's ``reportpack pack``)."""
    run = start(settings, period_label, run_id or f"manual-{_now()}")
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
