"""Render a pack's documents: every part of the pack definition for each of its subjects, then one
compilation per sub-branch gathering the already-rendered texts (each document is rendered once)."""

from __future__ import annotations

import json
import logging
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from reportpack.derive import subjects
from reportpack.owner import inputs
from reportpack.owner.packdef import PackDefinition, Part
from reportpack.periods import Period
from reportpack.render import commentary, document, templating, toc
from reportpack.render.context import base_context, document_context
from reportpack.render.ooxml import to_docx
from reportpack.render.styles import load_base

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rendered:
    part: Part
    subject: subjects.Subject
    text: str
    context: dict | None = None  # what its template saw: kept only for a kind condensed in compilations


def part_subjects(part: Part, by_subject: dict[str, list[subjects.Subject]]) -> list[subjects.Subject]:
    """The subjects that get a document of ``part``: with ``at_period_end`` (plans for the next
    period), only those still there at period end — no plan for a closed outlet or a teller who left."""
    return [s for s in by_subject[part.subject] if s.active or not part.at_period_end]


def render_pack(
    pack_dir: Path,
    templates_dir: Path,
    definition: PackDefinition,
    rules: commentary.RuleSet,
    by_subject: dict[str, list[subjects.Subject]],
    owner_entries: list[inputs.Entry],
    period: Period,
    warnings: list[dict],
    timings: dict[str, float] | None = None,
) -> dict[str, str]:
    """Write every document and compilation under ``pack_dir`` and ``findings.json`` (why each
    drafted sentence is there); returns path in the pack → kind. ``timings`` gets the seconds spent
    on the documents (``render``) and on the compilations (``assemble``)."""
    timings = {} if timings is None else timings
    began = time.perf_counter()
    base = base_context(templates_dir, period, warnings)
    style = load_base(definition.style_base)
    kinds: dict[str, str] = {}
    explained: dict[str, list[dict]] = {}
    rendered: list[Rendered] = []
    for part in definition.parts:
        started, done = time.perf_counter(), 0
        for subject in part_subjects(part, by_subject):
            owner = inputs.for_document(owner_entries, part.kind, subject.key, part.slots)
            context, found = document_context(base, part, subject, rules, owner)
            text = templating.render(templates_dir, part.template, context)
            rel = subject.path(part.folder)
            explained[rel] = [f.as_json() for items in found.values() for f in items]
            write_document(pack_dir / rel, text, part.template, subject.name, definition, style)
            kinds[rel] = part.kind
            rendered.append(Rendered(part, subject, text, context if part.condensed else None))
            done += 1
        log.info("rendered %s (%s): %d documents in %.1f s", part.name, part.kind, done, time.perf_counter() - started)
    timings["render"] = time.perf_counter() - began
    started = time.perf_counter()
    compilations: list[Compilation] = []
    grouped: dict[tuple[str, str | None], list[Rendered]] = {}  # (kind, sub-branch): one pass, not one per sub-branch
    for r in rendered:
        grouped.setdefault((r.part.kind, r.subject.sub_branch_id), []).append(r)
    for sub in by_subject["sub_branch"] if definition.compilation_template else ():
        parts = _parts(templates_dir, definition, grouped, {**base, **sub.context}, sub.key)
        context = {**base, **sub.context, "pack": {"title": definition.title}, "parts": parts}
        text = templating.render(templates_dir, definition.compilation_template, context)
        blocks = _blocks(text, definition.compilation_template, definition)
        title = blocks[0].plain
        compilations.append(Compilation(pack_dir / f"{title}.docx", blocks, title, sub.name))
        kinds[f"{title}.docx"] = "compilation"
    for c in compilations:
        c.write(style)
    if compilations:
        kinds.update(_fill_contents_pages(compilations, templates_dir / "fonts" / "fonts.conf", style, pack_dir))
    timings["assemble"] = time.perf_counter() - started
    log.info("assembled %d compilations (one per sub-branch) in %.1f s", len(compilations), timings["assemble"])
    (pack_dir / "findings.json").write_text(json.dumps(explained, ensure_ascii=False, indent=1, default=str), "utf-8")
    kinds["findings.json"] = "findings"
    return kinds


def _parts(
    templates_dir: Path,
    definition: PackDefinition,
    grouped: dict[tuple[str, str | None], list[Rendered]],
    sub: dict,
    sub_key: str,
) -> list[dict]:
    """A compilation's parts: one per document kind of the definition (in its order) that has
    documents for the sub-branch, holding them; the bank's own documents go into every compilation.
    A kind with a ``condensed`` template is one document instead, rendered from what each of its
    documents' templates saw (``documents``), e.g. every teller's targets in one table per outlet."""
    parts = []
    for part in definition.parts:
        mine = grouped.get((part.kind, None), []) + grouped.get((part.kind, sub_key), [])
        if not (part.in_compilation and mine):
            continue
        if part.condensed:
            texts = [templating.render(templates_dir, part.condensed, {**sub, "documents": [r.context for r in mine]})]
        else:
            texts = [r.text for r in mine]
        parts.append(
            {"name": part.name, "kind": part.kind, "documents": texts, "originals": len(mine), "condensed": bool(part.condensed)}
        )
    return parts


@dataclass(frozen=True)
class Compilation:
    path: Path
    blocks: list[document.Block]
    title: str
    author: str

    def write(self, style: bytes, pages: dict[str, int] | None = None) -> None:
        self.path.write_bytes(to_docx(self.blocks, title=self.title, author=self.author, base=style, pages=pages))


def _fill_contents_pages(compilations: list[Compilation], fonts_conf: Path, style: bytes, pack_dir: Path) -> dict[str, str]:
    """Write each compilation again with its 目录's page numbers, read from LibreOffice's layout of
    it (one LibreOffice call for all); that layout's first page (the cover, which the numbers do not
    change) becomes the compilation's thumbnail on the index page. Returns the thumbnails (path in
    the pack → "thumbnail"). Without LibreOffice the 目录 lists the parts and documents without page
    numbers (Word fills them when the field is updated), there is no thumbnail, and the log says so."""
    from reportpack.render import pdf

    try:
        pdf.soffice()
    except pdf.LibreOfficeMissing:
        log.warning("目录页码未填：本机未安装LibreOffice，汇编的目录只列篇目和文稿（在Word中更新目录即得页码）")
        return {}
    thumbs = {}
    with tempfile.TemporaryDirectory() as tmp:
        laid_out = pdf.to_pdf([c.path for c in compilations], Path(tmp), fonts_conf)
        for c, made in zip(compilations, laid_out, strict=True):
            c.write(style, toc.page_numbers(toc.entries(c.blocks), pdf.outline(made)))
            thumb = pdf.thumbnail(made, pack_dir / "thumbnails" / f"{c.path.stem}.png")
            thumbs[thumb.relative_to(pack_dir).as_posix()] = "thumbnail"
    return thumbs


def _blocks(text: str, source: str, definition: PackDefinition) -> list[document.Block]:
    return document.number(document.parse(text, source), level3=definition.level3)


def write_document(path: Path, text: str, source: str, author: str, definition: PackDefinition, style: bytes) -> None:
    blocks = _blocks(text, source, definition)
    title = next((b.plain for b in blocks if b.kind == "title"), path.stem)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(to_docx(blocks, title=title, author=author, base=style))


def pdf_renditions(pack_dir: Path, fonts_conf: Path, kinds: dict[str, str]) -> dict[str, str]:
    """A PDF of every document under ``pdf/`` (LibreOffice, with the repository's font aliases so
    the four Chinese faces stay distinct) and a thumbnail of its first page under ``thumbnails/``
    (for the index page); returns path in the pack → "pdf" or "thumbnail"."""
    from reportpack.render.pdf import thumbnail, to_pdf

    by_folder: dict[Path, list[Path]] = {}
    for rel in kinds:
        if rel.endswith(".docx"):
            by_folder.setdefault(Path(rel).parent, []).append(pack_dir / rel)
    out = {}
    for folder, docs in sorted(by_folder.items()):
        for made in to_pdf(docs, pack_dir / "pdf" / folder, fonts_conf):
            if not made.exists():
                raise RuntimeError(f"LibreOffice did not convert {made.with_suffix('.docx').name}")
            out[made.relative_to(pack_dir).as_posix()] = "pdf"
            thumb = thumbnail(made, pack_dir / "thumbnails" / folder / (made.stem + ".png"))
            out[thumb.relative_to(pack_dir).as_posix()] = "thumbnail"
    return out
