"""Golden text renditions: one document of each kind of the default pack (and of the monthly brief),
as its reviewer reads it in Word (paragraph styles, numbering, tables, charts), from the sample
warehouse (2023H1; the brief June 2023).

    make golden        rewrite tests/golden/<kind>.txt; review the change with `git diff tests/golden`

``tests/unit/test_golden.py`` fails when a rendition differs from its file, so any change to what
a document says or how it is laid out shows up as a diff a reviewer reads and commits.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from docx import Document
from docx.table import Table

FOLDER = Path(__file__).resolve().parent
ROOT = FOLDER.parents[1]
PERIOD = "2023H1"
PACKS = {"half_year": PERIOD, "monthly_brief": "2023-06"}  # pack → the period its renditions show


def renditions(derived: dict, pack: str = "half_year") -> dict[str, str]:
    """The text of the first subject's document (by key) of each kind of ``pack``, from figures
    derived for its period (``PACKS``)."""
    from reportpack.derive import subjects
    from reportpack.owner import packdef
    from reportpack.periods import Period
    from reportpack.render import commentary, document, templating
    from reportpack.render.context import base_context, document_context
    from reportpack.render.ooxml import to_docx
    from reportpack.render.styles import load_base

    templates = ROOT / "templates"
    definition = packdef.load(packdef.path_of(templates, pack), templates)
    rules = commentary.load(templates / "commentary.yaml", templates)
    period = Period.parse(PACKS[pack])
    base = base_context(templates, period, [], definition.dated(period.end))  # dated as the pack is
    style = load_base(definition.style_base)
    by_subject = subjects.build(derived)
    out = {}
    for part in definition.parts:
        subject = min(by_subject[part.subject], key=lambda s: s.key)
        context, _ = document_context(base, part, subject, rules)
        blocks = document.number(
            document.parse(templating.render(templates, part.template, context), part.template), definition.level3
        )
        title = next(b.plain for b in blocks if b.kind == "title")
        out[part.kind] = as_text(to_docx(blocks, title=title, author=subject.name, base=style), f"{part.kind}: {subject.key}")
    return out


def as_text(docx: bytes, header: str) -> str:
    """A Word document as lines: ``[style] text`` per paragraph, ``| a | b |`` per table row,
    ``[chart]`` where a picture or chart is."""
    lines = [f"# {header}"]
    for item in Document(io.BytesIO(docx)).iter_inner_content():
        if isinstance(item, Table):
            lines += ["| " + " | ".join(cell.text for cell in row.cells) + " |" for row in item.rows]
            continue
        if item._p.xpath(".//w:drawing"):
            lines.append("[chart]")
        if item.text or not item._p.xpath(".//w:drawing"):
            lines.append(f"[{item.style.name}] {item.text}")
    return "\n".join(lines) + "\n"


def sample_figures(period: str = PERIOD) -> dict:
    """The derived figures of a freshly seeded sample warehouse (no network, no Airflow)."""
    from sqlalchemy import create_engine

    from reportpack.derive import figures
    from reportpack.extract import extract
    from reportpack.periods import Period
    from reportpack.warehouse.load import write
    from reportpack.warehouse.sample import SampleSpec, generate

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'sample.sqlite'}"
        write(generate(SampleSpec()), url, progress=False)
        engine = create_engine(url)
        with engine.connect() as conn:
            frames = extract(conn, Period.parse(period), ROOT / "templates" / "sql")
        engine.dispose()
    return figures.derive(frames, Period.parse(period), ROOT / "templates")


def main() -> int:
    written = {kind: text for pack, period in PACKS.items() for kind, text in renditions(sample_figures(period), pack).items()}
    for kind, text in written.items():
        (FOLDER / f"{kind}.txt").write_text(text, "utf-8")
    stale = [p for p in FOLDER.glob("*.txt") if p.stem not in written]
    for path in stale:
        path.unlink()
    print(f"wrote {len(written)} renditions to {FOLDER} (removed {len(stale)}); review: git diff {FOLDER.relative_to(ROOT)}")
    return 0
