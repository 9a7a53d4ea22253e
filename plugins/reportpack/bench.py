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

from reportpack import document, templating
from reportpack.periods import Period
from reportpack.pipeline import OUTLET_TEMPLATE, _records, base_context
from reportpack.render.docx import to_docx


def _best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def outlet_figures(templates_dir: Path, outlets: int) -> pd.DataFrame:
    """The 2023H1 outlet figures of a generated warehouse of ``outlets`` outlets (SQLite, temporary)."""
    from sqlalchemy import create_engine

    from reportpack import figures
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
    return figures.derive(frames, period, templates_dir / "indicators.yaml")["outlets"]


def run(templates_dir: Path, outlets: int = 60, repeat: int = 3) -> dict[str, float]:
    base = base_context(templates_dir, Period.parse("2023H1"), [])
    outlets = _records(outlet_figures(templates_dir, outlets))
    texts = [templating.render(templates_dir, OUTLET_TEMPLATE, {**base, "o": o}) for o in outlets]
    blocks = [document.number(document.parse(t)) for t in texts]

    def ours() -> None:
        for o in outlets:
            text = templating.render(templates_dir, OUTLET_TEMPLATE, {**base, "o": o})
            to_docx(document.number(document.parse(text)), title="t", author="a")

    def baseline() -> None:
        for bs in blocks:
            doc = Document()
            for b in bs:
                doc.add_paragraph(b.full_text)
            doc.save(io.BytesIO())

    ours_s, base_s = _best_of(ours, repeat), _best_of(baseline, repeat)
    n = len(outlets)
    return {
        "documents": n,
        "ours_ms_per_doc": 1000 * ours_s / n,
        "baseline_ms_per_doc": 1000 * base_s / n,
        "ratio": ours_s / base_s,
        "median_blocks": statistics.median(len(b) for b in blocks),
    }
