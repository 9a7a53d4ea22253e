"""Render a pack's documents: every part of the pack definition for each of its subjects, then one
compilation per sub-branch gathering the already-rendered texts (each document is rendered once)."""

from __future__ import annotations

import json
import logging
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, replace
from functools import cached_property
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


@dataclass(frozen=True)
class _Job:
    """What every batch of one render needs; a worker process inherits it (fork), never pickles it."""

    pack_dir: Path
    templates_dir: Path
    definition: PackDefinition
    rules: commentary.RuleSet
    by_subject: dict[str, list[subjects.Subject]]
    owner_entries: list[inputs.Entry]
    base: dict
    style: bytes
    texts_dir: Path  # the compilations' texts, for writing them again with their 目录's page numbers
    bank: list[Rendered]  # the bank's own documents: in every compilation
    layout: bool = False  # LibreOffice numbers the 目录: write each compilation's layout copy, not the compilation

    @cached_property
    def sub_branches(self) -> dict[str, subjects.Subject]:
        return {s.key: s for s in self.by_subject["sub_branch"]}


_JOB: _Job | None = None  # set in the parent before the worker processes start


@dataclass(frozen=True)
class _BatchResult:
    findings: dict[str, list[dict]]
    compilation: Compilation | None
    documents: int
    seconds: float


COMPILATIONS = "compilations.json"  # in the work folder: the compilations rendered, waiting for ``assemble``


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
    workers: int = 1,
) -> dict[str, str]:
    """Write every document and compilation under ``pack_dir`` and ``findings.json`` (why each
    drafted sentence is there): ``render_documents`` then ``assemble``, in one go; returns path in the
    pack → kind. ``timings`` gets the seconds of each."""
    with tempfile.TemporaryDirectory() as work:
        kinds = render_documents(
            pack_dir, Path(work), templates_dir, definition, rules, by_subject, owner_entries, period, warnings, timings, workers
        )
        kinds.update(assemble(pack_dir, Path(work), definition, templates_dir, timings, workers))
    return kinds


def render_documents(
    pack_dir: Path,
    work_dir: Path,
    templates_dir: Path,
    definition: PackDefinition,
    rules: commentary.RuleSet,
    by_subject: dict[str, list[subjects.Subject]],
    owner_entries: list[inputs.Entry],
    period: Period,
    warnings: list[dict],
    timings: dict[str, float] | None = None,
    workers: int = 1,
) -> dict[str, str]:
    """Write every document under ``pack_dir`` and ``findings.json`` (why each drafted sentence is
    there), and each compilation's text and layout copy under ``work_dir`` with a list of them
    (``COMPILATIONS``) for ``assemble``, which writes the compilations once their 目录 is numbered
    (without LibreOffice they are written here, their 目录 without page numbers). Returns path in the
    pack → kind, the compilations included. ``timings`` gets the seconds spent (``render``).

    The work is cut into batches, one per sub-branch (its documents, then its compilation from their
    texts — nothing is rendered twice), spread over ``workers`` processes; each writes its files
    as it goes and returns only what the pack's findings need, so memory does not grow with the pack.
    The bank's own documents are rendered first: they go into every compilation."""
    global _JOB
    timings = {} if timings is None else timings
    began = time.perf_counter()
    kinds: dict[str, str] = {}
    batches: dict[str | None, list[tuple[Part, subjects.Subject]]] = {None: []}
    for part in definition.parts:
        for subject in part_subjects(part, by_subject):
            kinds[subject.path(part.folder)] = part.kind
            batches.setdefault(subject.sub_branch_id, []).append((part, subject))
    spread = {
        part.kind: sum(1 for jobs in batches.values() if any(p.kind == part.kind for p, _ in jobs)) for part in definition.parts
    }
    for sub in by_subject["sub_branch"] if definition.compilation_template else ():
        batches.setdefault(sub.key, [])  # a sub-branch gets its compilation even with no document of its own
    layout = bool(definition.compilation_template) and _libreoffice()
    (work_dir / "frames").mkdir(parents=True, exist_ok=True)  # with the compilations' texts: read again by ``assemble``
    _JOB = _Job(
        pack_dir,
        templates_dir,
        definition,
        rules,
        by_subject,
        owner_entries,
        base_context(templates_dir, period, warnings),
        load_base(definition.style_base),
        work_dir,
        [],
        layout,
    )
    try:
        bank_findings: dict[str, list[dict]] = {}
        bank = [_render(part, subject, bank_findings) for part, subject in batches.pop(None)]
        _JOB = replace(_JOB, bank=bank)
        compilations, documents = [], len(bank)
        items = [(n, key, jobs) for n, (key, jobs) in enumerate(batches.items())]
        step = max(1, len(items) // 10)
        with _Findings(pack_dir / "findings.json") as findings:  # written as batches end: never all in memory
            findings.add(bank_findings)
            for n, result in enumerate(_map(_batch, items, workers), start=1):
                findings.add(result.findings)
                documents += result.documents
                if result.compilation is not None:
                    compilations.append(result.compilation)
                if n % step == 0 or n == len(items):
                    log.info("rendered %d of %d batches (%.0f s so far)", n, len(items), time.perf_counter() - began)
    finally:
        _JOB = None
    for c in compilations:
        kinds[c.path.name] = "compilation"
    done = Counter(kinds.values())
    for part in definition.parts:
        batched = spread[part.kind]
        log.info(
            "rendered %s (%s): %d documents in %d batch%s",
            part.name,
            part.kind,
            done[part.kind],
            batched,
            "es" * (batched != 1),
        )
    log.info(
        "rendered %d documents and %d compilations in %d batches on %d worker%s in %.1f s",
        documents,
        len(compilations),
        len(items) + 1,
        workers,
        "s" if workers > 1 else "",
        time.perf_counter() - began,
    )
    timings["render"] = time.perf_counter() - began
    records = [c.record(pack_dir, work_dir) for c in compilations]
    _write_atomically(work_dir / COMPILATIONS, json.dumps({"layout": layout, "compilations": records}, ensure_ascii=False))
    kinds["findings.json"] = "findings"
    return kinds


def assemble(
    pack_dir: Path,
    work_dir: Path,
    definition: PackDefinition,
    templates_dir: Path,
    timings: dict[str, float] | None = None,
    workers: int = 1,
) -> dict[str, str]:
    """Write the compilations ``render_documents`` left in ``work_dir``, each with its 目录's page
    numbers from LibreOffice's layout of its layout copy, and their thumbnails; returns the thumbnails
    (path in the pack → kind). Done once: called again, it finds nothing left to do."""
    timings = {} if timings is None else timings
    started = time.perf_counter()
    listed = work_dir / COMPILATIONS
    if not waiting(work_dir):
        log.info("no compilations waiting to be assembled in %s", work_dir)
        return {}
    data = json.loads(listed.read_text("utf-8"))
    compilations = [Compilation.of_record(r, pack_dir, work_dir, definition) for r in data["compilations"]]
    kinds = {}
    if compilations and data["layout"]:
        kinds = _fill_contents_pages(compilations, templates_dir / "fonts" / "fonts.conf", pack_dir, workers)
    listed.unlink()
    timings["assemble"] = time.perf_counter() - started
    log.info("assembled %d compilations (one per sub-branch) in %.1f s", len(compilations), timings["assemble"])
    return kinds


def waiting(work_dir: Path) -> bool:
    """Whether compilations rendered in ``work_dir`` still wait for ``assemble``."""
    return (work_dir / COMPILATIONS).exists()


def _write_atomically(path: Path, text: str) -> None:
    part = path.with_name(path.name + ".part")
    part.write_text(text, "utf-8")
    part.replace(path)


def _map(fn, items: list, workers: int):
    """``fn`` over ``items`` in order: here, or in ``workers`` forked processes."""
    if workers <= 1 or len(items) <= 1:
        yield from map(fn, items)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # fork: the workers inherit _JOB (figures, rules, compiled templates, the prepared style base)
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
        yield from pool.map(fn, items, chunksize=max(1, len(items) // (workers * 8)))


def _render(part: Part, subject: subjects.Subject, findings: dict[str, list[dict]]) -> Rendered:
    job = _JOB
    owner = inputs.for_document(job.owner_entries, part.kind, subject.key, part.slots)
    context, found = document_context(job.base, part, subject, job.rules, owner)
    text = templating.render(job.templates_dir, part.template, context)
    rel = subject.path(part.folder)
    findings[rel] = [f.as_json() for items in found.values() for f in items]
    write_document(job.pack_dir / rel, text, part.template, subject.name, job.definition, job.style)
    return Rendered(part, subject, text, context if part.condensed else None)


def _batch(item: tuple[int, str, list[tuple[Part, subjects.Subject]]]) -> _BatchResult:
    """Batch ``n``, sub-branch ``key``: its documents, then its compilation (written without page
    numbers in its 目录; its text is kept for writing it again with them)."""
    n, key, jobs = item
    job = _JOB
    started = time.perf_counter()
    findings: dict[str, list[dict]] = {}
    rendered = [_render(part, subject, findings) for part, subject in jobs]
    compilation = None
    sub = job.sub_branches.get(key) if job.definition.compilation_template else None
    if sub is not None:
        grouped: dict[tuple[str, str | None], list[Rendered]] = {}
        for r in [*job.bank, *rendered]:
            grouped.setdefault((r.part.kind, r.subject.sub_branch_id), []).append(r)
        parts = _parts(job.templates_dir, job.definition, grouped, {**job.base, **sub.context}, sub.key)
        context = {**job.base, **sub.context, "pack": {"title": job.definition.title}, "parts": parts}
        text = templating.render(job.templates_dir, job.definition.compilation_template, context)
        blocks = _blocks(text, job.definition.compilation_template, job.definition)
        title = blocks[0].plain
        kept = job.texts_dir / f"{n}.txt"
        kept.write_text(text, "utf-8")
        frame = job.texts_dir / "frames" / f"{n}.docx"
        compilation = Compilation(
            job.pack_dir / f"{title}.docx", kept, title, sub.name, job.definition, frame, toc.probe_pages(toc.entries(blocks))
        )
        if job.layout:  # the copy LibreOffice lays out; the compilation is written once its 目录 is numbered
            frame.write_bytes(to_docx(blocks, title=title, author=sub.name, base=job.style, layout_only=True))
        else:
            compilation.write()
    seconds = time.perf_counter() - started
    log.debug("batch %s: %d documents in %.2f s", key, len(rendered), seconds)
    return _BatchResult(findings, compilation, len(rendered), seconds)


class _Findings:
    """``findings.json``, written entry by entry as the batches end."""

    def __init__(self, path: Path) -> None:
        self.out = path.open("w", encoding="utf-8")
        self.out.write("{")
        self.first = True

    def add(self, findings: dict[str, list[dict]]) -> None:
        for rel, items in findings.items():
            self.out.write(("\n " if self.first else ",\n ") + json.dumps(rel, ensure_ascii=False) + ": ")
            self.out.write(json.dumps(items, ensure_ascii=False, default=str))
            self.first = False

    def __enter__(self) -> _Findings:
        return self

    def __exit__(self, *exc) -> None:
        self.out.write("\n}\n")
        self.out.close()


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
    text: Path  # its text form, kept outside the pack until the 目录's page numbers are in
    title: str
    author: str
    definition: PackDefinition
    frame: Path | None = None  # its layout copy (``to_docx(layout_only=True)``)
    probe_pages: int = 0  # pages of the layout copy that hold the cover and the 目录's probes

    def record(self, pack_dir: Path, work_dir: Path) -> dict:
        """What ``assemble`` needs to write it, in another process: paths relative to their folders."""
        return {
            "path": self.path.relative_to(pack_dir).as_posix(),
            "text": self.text.relative_to(work_dir).as_posix(),
            "title": self.title,
            "author": self.author,
            "frame": self.frame.relative_to(work_dir).as_posix() if self.frame else None,
            "probe_pages": self.probe_pages,
        }

    @classmethod
    def of_record(cls, record: dict, pack_dir: Path, work_dir: Path, definition: PackDefinition) -> Compilation:
        frame = work_dir / record["frame"] if record["frame"] else None
        return cls(
            pack_dir / record["path"],
            work_dir / record["text"],
            record["title"],
            record["author"],
            definition,
            frame,
            record["probe_pages"],
        )

    def blocks(self) -> list[document.Block]:
        return _blocks(self.text.read_text("utf-8"), self.definition.compilation_template or "compilation", self.definition)

    def write(self, laid_out: Path | None = None) -> None:
        """Write the compilation; ``laid_out``: the PDF of its layout copy's first pages, whose
        probes give the 目录's page numbers (without it the 目录 has none)."""
        blocks = self.blocks()
        pages = toc.probed_pages(toc.entries(blocks), pdf_text(laid_out)) if laid_out else None
        style = load_base(self.definition.style_base)
        self.path.write_bytes(to_docx(blocks, title=self.title, author=self.author, base=style, pages=pages))


def pdf_text(path: Path) -> str:
    from reportpack.render import pdf

    return pdf.text(path)


def _libreoffice() -> bool:
    """Whether LibreOffice can number the compilations' 目录 (the log says so when it cannot)."""
    from reportpack.render import pdf

    try:
        pdf.soffice()
    except pdf.LibreOfficeMissing:
        log.warning("目录页码未填：本机未安装LibreOffice，汇编的目录只列篇目和文稿（在Word中更新目录即得页码）")
        return False
    return True


def _fill_contents_pages(compilations: list[Compilation], fonts_conf: Path, pack_dir: Path, workers: int = 1) -> dict[str, str]:
    """Write each compilation with its 目录's page numbers, read from LibreOffice's layout of its
    layout copy (``toc``; ``workers`` LibreOffice calls at once, then ``workers`` processes writing);
    that layout's first page (the cover, which the numbers do not change) becomes the compilation's
    thumbnail on the index page. Returns the thumbnails (path in the pack → "thumbnail")."""
    from reportpack.render import pdf

    with tempfile.TemporaryDirectory() as tmp:
        # laid out with a blank picture for each chart (the same page breaks at a third of the cost)
        # and probes for the 目录 lines; only the cover and the probes are exported
        started = time.perf_counter()
        first = max(c.probe_pages for c in compilations)
        laid_out = pdf.to_pdf([c.frame for c in compilations], Path(tmp), fonts_conf, workers, pages=first)
        log.info("LibreOffice laid out %d compilations in %.1f s", len(compilations), time.perf_counter() - started)
        jobs = [(c, made, pack_dir / "thumbnails" / f"{c.path.stem}.png") for c, made in zip(compilations, laid_out, strict=True)]
        thumbs = list(_map(_numbered, jobs, workers))
    return {thumb.relative_to(pack_dir).as_posix(): "thumbnail" for thumb in thumbs}


def _numbered(job: tuple[Compilation, Path, Path]) -> Path:
    """Write ``compilation`` with its 目录 numbered from the PDF ``laid_out``; its first page → ``png``."""
    from reportpack.render import pdf

    compilation, laid_out, png = job
    compilation.write(laid_out)
    return pdf.thumbnail(laid_out, png)


def _blocks(text: str, source: str, definition: PackDefinition) -> list[document.Block]:
    return document.number(document.parse(text, source), level3=definition.level3)


def write_document(path: Path, text: str, source: str, author: str, definition: PackDefinition, style: bytes) -> None:
    blocks = _blocks(text, source, definition)
    title = next((b.plain for b in blocks if b.kind == "title"), path.stem)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(to_docx(blocks, title=title, author=author, base=style))


def pdf_renditions(pack_dir: Path, fonts_conf: Path, kinds: dict[str, str], workers: int = 1) -> dict[str, str]:
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
        for made in to_pdf(docs, pack_dir / "pdf" / folder, fonts_conf, workers):  # every PDF made, or LibreOfficeFailed
            out[made.relative_to(pack_dir).as_posix()] = "pdf"
            thumb = thumbnail(made, pack_dir / "thumbnails" / folder / (made.stem + ".png"))
            out[thumb.relative_to(pack_dir).as_posix()] = "thumbnail"
    return out
