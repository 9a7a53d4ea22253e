"""``reportpack bench``: render throughput against a baseline measured in the same run.

The baseline is the least any Word writer must do for the same text: python-docx on its default
template, one plain paragraph per block, saved to memory. The ratio (ours ÷ baseline) is what we
track; absolute times depend on the machine.
"""

from __future__ import annotations

import io
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd
from docx import Document

from reportpack.derive import subjects
from reportpack.owner import packdef
from reportpack.periods import Period
from reportpack.pipeline import DEFAULT_PACK
from reportpack.render import commentary, document, templating
from reportpack.render.context import base_context, document_context
from reportpack.render.ooxml import to_docx
from reportpack.render.styles import load_base


def _best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def derived_figures(templates_dir: Path, outlets: int) -> dict[str, pd.DataFrame]:
    """The 2023H1 figures of a generated warehouse of ``outlets`` outlets (SQLite, temporary)."""
    from sqlalchemy import create_engine

    from reportpack.derive import figures
    from reportpack.extract import extract
    from reportpack.warehouse.load import write
    from reportpack.warehouse.sample import SampleSpec, generate

    period = Period.parse("2023H1")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite"
        write(generate(SampleSpec(outlets=outlets)), url, progress=False)
        engine = create_engine(url)
        with engine.connect() as conn:
            frames = extract(conn, period, templates_dir / "sql")
        engine.dispose()

    return figures.derive(frames, period, templates_dir)


def run(templates_dir: Path, outlets: int = 60, repeat: int = 3) -> dict[str, float]:
    """Every document of the default pack (all kinds, charts included), without the compilations."""
    base = base_context(templates_dir, Period.parse("2023H1"), [])
    definition = packdef.load(packdef.path_of(templates_dir, DEFAULT_PACK), templates_dir)
    style = load_base(definition.style_base)
    by_subject = subjects.build(derived_figures(templates_dir, outlets))
    rules = commentary.load(templates_dir / "commentary.yaml", templates_dir)
    jobs = [(part, document_context(base, part, s, rules)[0]) for part in definition.parts for s in by_subject[part.subject]]
    texts = [templating.render(templates_dir, part.template, ctx) for part, ctx in jobs]
    blocks = [document.number(document.parse(t)) for t in texts]

    def ours() -> None:
        for part, ctx in jobs:
            text = templating.render(templates_dir, part.template, ctx)
            to_docx(document.number(document.parse(text), definition.level3), title="t", author="a", base=style)

    def baseline() -> None:
        for bs in blocks:
            doc = Document()
            for b in bs:
                doc.add_paragraph(b.full_text)
            doc.save(io.BytesIO())

    ours_s, base_s = _best_of(ours, repeat), _best_of(baseline, repeat)
    n = len(jobs)
    return {
        "documents": n,
        "ours_ms_per_doc": 1000 * ours_s / n,
        "baseline_ms_per_doc": 1000 * base_s / n,
        "ratio": ours_s / base_s,
        "median_blocks": statistics.median(len(b) for b in blocks),
    }
