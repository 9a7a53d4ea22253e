"""Render a pack's documents: every part of the pack definition for each of its subjects, then one
compilation per sub-branch gathering the already-rendered texts (each document is rendered once)."""

from __future__ import annotations

import itertools
import json
import logging
import pickle
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from reportpack import names
from reportpack.derive import subjects
from reportpack.errors import DocumentsFailedProofreading
from reportpack.owner import inputs
from reportpack.owner import proofreading as owner_proofreading
from reportpack.owner.packdef import PackDefinition, Part
from reportpack.periods import Period
from reportpack.render import commentary, document, proofread, templating, toc
from reportpack.render.context import base_context, document_context, verdicts_read
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

    @cached_property
    def proofreading(self) -> owner_proofreading.Proofreading:
        return owner_proofreading.load(self.templates_dir / PROOFREADING)


_JOB: _Job | None = None  # set in the parent before the worker processes start
PROOFREADING = "proofreading.yaml"  # the proofreader's rules, in the templates folder
PROOFREAD = "校对"  # the category of the proofreader's findings in findings.json
PROOFREAD_FILE = "proofreading.json"  # the proofreader's warnings in the pack


@dataclass(frozen=True)
class _BatchResult:
    findings: dict[str, list[dict]]
    compilation: Compilation | None
    documents: int
    seconds: float


# The work folder between the render and assemble phases (or the Airflow tasks plan → batch… → collect):
PLAN = "plan.json"  # the batches (sub-branch keys), every document's path and kind, the bank's findings
BANK = "bank.pickle"  # the bank's own documents, rendered once by ``plan``: every compilation holds them
BATCHES = "batches"  # <n>.json (what batch n rendered and assembled), <n>.findings.jsonl
COLLECTED = "collected.json"  # written by ``collect``: nothing is waiting any more
MAX_BATCHES = 1000  # under Airflow's max_map_length (1024)


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
    """Every document under ``pack_dir``, and each compilation's text and layout copy under
    ``work_dir`` for ``assemble`` (which writes the compilations once their 目录 is numbered; without
    LibreOffice they are written here, their 目录 without page numbers): ``plan`` and the one batch
    of the whole pack (``render_batch``), the way one process renders. Returns path in the pack →
    kind of the documents. ``timings`` gets the seconds spent (``render``)."""
    timings = {} if timings is None else timings
    began = time.perf_counter()
    args = (pack_dir, work_dir, templates_dir, definition, rules, by_subject, owner_entries, period, warnings)
    plan(*args, outlets_per_batch=None)
    render_batch(*args, 0, workers)
    timings["render"] = time.perf_counter() - began
    return planned(work_dir)["kinds"]


def assemble(
    pack_dir: Path,
    work_dir: Path,
    definition: PackDefinition,
    templates_dir: Path,
    timings: dict[str, float] | None = None,
    workers: int = 1,
) -> dict[str, str]:
    """Assemble every batch's compilations (``assemble_batch``) and ``collect`` the pack; returns
    what was added (the compilations, ``findings.json``, thumbnails: path in the pack → kind).
    Done once: called again, it finds nothing left to do."""
    timings = {} if timings is None else timings
    started = time.perf_counter()
    if not waiting(work_dir):
        log.info("no compilations waiting to be assembled in %s", work_dir)
        return {}
    the_plan = planned(work_dir)
    for n in range(len(the_plan["batches"])):
        assemble_batch(pack_dir, work_dir, definition, templates_dir, n, workers)
    kinds = collect(pack_dir, work_dir)
    timings["assemble"] = time.perf_counter() - started
    return {path: kind for path, kind in kinds.items() if path not in the_plan["kinds"]}


def plan(
    pack_dir: Path,
    work_dir: Path,
    templates_dir: Path,
    definition: PackDefinition,
    rules: commentary.RuleSet,
    by_subject: dict[str, list[subjects.Subject]],
    owner_entries: list[inputs.Entry],
    period: Period,
    warnings: list[dict],
    outlets_per_batch: int | None,
) -> list[list[str]]:
    """Cut the pack into batches of whole sub-branches — at least ``outlets_per_batch`` outlets each
    (the last may hold fewer), at most ``MAX_BATCHES``; ``None``: one batch — and render the bank's
    own documents, which go into every compilation. Writes ``PLAN`` (the batches, every document's
    path and kind, the owner sections missing) and ``BANK`` into ``work_dir`` for ``render_batch``; returns the batches (their
    sub-branch keys). ``by_subject``: the whole pack's subjects."""
    global _JOB
    kinds: dict[str, str] = {}
    order: dict[str, int] = {}  # sub-branches in the order their documents come
    claims: list[tuple[str, str]] = []  # every file and folder the documents take, and who takes it
    for part in definition.parts:
        for subject in part_subjects(part, by_subject):
            rel = subject.path(part.folder)
            kinds[rel] = part.kind
            claims.append((rel, f"the {part.kind} of {subject.key} ({subject.name})"))
            if subject.grouped:
                claims.append(
                    (
                        f"{part.folder}/{subject.sub_branch_folder}",
                        f"sub-branch {subject.sub_branch_id} ({subject.sub_branch_name})",
                    )
                )
            if subject.sub_branch_id is not None:
                order.setdefault(subject.sub_branch_id, len(order))
    # a sub-branch's name names its folders and its compilation: two sub-branches may not share one
    claims += [(f"sub-branch:{s.sub_branch_folder}", f"sub-branch {s.key} ({s.name})") for s in by_subject["sub_branch"]]
    names.claim(claims)
    if definition.compilation_template:
        for sub in by_subject["sub_branch"]:
            order.setdefault(sub.key, len(order))  # a sub-branch gets its compilation even with no document of its own
    keys = list(order)
    outlets = Counter(o.sub_branch_id for o in by_subject["outlet"])
    batches = _cut(keys, outlets, outlets_per_batch)
    layout = bool(definition.compilation_template) and _libreoffice()
    work_dir.mkdir(parents=True, exist_ok=True)
    _JOB = _job(pack_dir, work_dir, templates_dir, definition, rules, by_subject, owner_entries, period, warnings, [], layout)
    try:
        findings: dict[str, list[dict]] = {}
        bank = [_render(part, s, findings) for part in definition.parts if part.subject == "bank" for s in by_subject["bank"]]
    finally:
        _JOB = None
    # pickle: the bank's renders hold their templates' contexts (dates, decimals) exactly, and only this run reads them
    (work_dir / BANK).write_bytes(pickle.dumps(bank))
    # the index of each sub-branch in ``order`` names its compilation's text (``<n>.txt``) in every way the pack is cut
    numbered = [[[order[key], key] for key in batch] for batch in batches]
    # the sections only owners write that no input fills, with the documents lacking them (the index
    # page and the review request list them): known here, where every subject and owner text is
    lacking = {
        part.kind: [(s.key, s.name) for s in part_subjects(part, by_subject)] for part in definition.parts if part.owner_sections
    }
    missing = inputs.missing_sections(definition, owner_entries, lacking)
    record = {"layout": layout, "batches": numbered, "kinds": kinds, "findings": findings, "owner_sections": missing}
    shutil.rmtree(work_dir / BATCHES, ignore_errors=True)  # a plan made again starts its batches again
    (work_dir / COLLECTED).unlink(missing_ok=True)
    _write_atomically(work_dir / PLAN, json.dumps(record, ensure_ascii=False, default=str))
    made = Counter(kinds.values())
    for part in definition.parts:
        log.info("planned %s (%s): %d documents", part.name, part.kind, made[part.kind])
    log.info(
        "planned %d documents of %d sub-branches in %d batch%s (%s outlets each)",
        len(kinds),
        len(keys),
        len(batches),
        "es" * (len(batches) != 1),
        "all" if outlets_per_batch is None else f"≥ {outlets_per_batch}",
    )
    return batches


def _cut(keys: list[str], outlets: Counter, outlets_per_batch: int | None) -> list[list[str]]:
    """``keys`` (sub-branches, in order) in consecutive batches of at least ``outlets_per_batch``
    outlets — larger when that would make more than ``MAX_BATCHES``; one batch for ``None``."""
    if outlets_per_batch is None or not keys:
        return [keys]
    size = max(outlets_per_batch, -(-sum(outlets[k] for k in keys) // MAX_BATCHES))
    batches: list[list[str]] = [[]]
    held = 0
    for key in keys:
        if held >= size:
            batches.append([])
            held = 0
        batches[-1].append(key)
        held += outlets[key]
    while len(batches) > MAX_BATCHES:  # sub-branches without outlets: merge the smallest neighbours
        batches[-2:] = [batches[-2] + batches[-1]]
    return batches


def render_batch(
    pack_dir: Path,
    work_dir: Path,
    templates_dir: Path,
    definition: PackDefinition,
    rules: commentary.RuleSet,
    by_subject: dict[str, list[subjects.Subject]],
    owner_entries: list[inputs.Entry],
    period: Period,
    warnings: list[dict],
    n: int,
    workers: int = 1,
) -> dict:
    """Batch ``n`` of the ``plan``: for each of its sub-branches, its documents, then its
    compilation from their texts and the bank's (the text and layout copy kept in ``work_dir``;
    written here only without LibreOffice), spread over ``workers`` processes. ``by_subject`` holds
    at least the batch's sub-branches (``subjects.load``). Writes the batch's findings and, last and
    atomically, its record ``batches/<n>.json``; returns the record."""
    global _JOB
    began = time.perf_counter()
    the_plan = planned(work_dir)
    mine = the_plan["batches"][n]
    keys = {key for _, key in mine}
    jobs: dict[str, list[tuple[Part, subjects.Subject]]] = {key: [] for key in keys}
    for part in definition.parts:
        if part.subject != "bank":
            for subject in part_subjects(part, by_subject):
                if subject.sub_branch_id in keys:
                    jobs[subject.sub_branch_id].append((part, subject))
    items = [(index, key, jobs[key]) for index, key in mine]
    missing = [key for key in keys if not jobs[key] and key not in {s.key for s in by_subject["sub_branch"]}]
    if missing:
        raise RuntimeError(f"batch {n}: no subjects loaded for sub-branches {missing} (a bug in whoever loaded them)")
    bank = pickle.loads((work_dir / BANK).read_bytes())
    (work_dir / "frames").mkdir(exist_ok=True)
    folder = work_dir / BATCHES
    folder.mkdir(exist_ok=True)
    _JOB = _job(
        pack_dir,
        work_dir,
        templates_dir,
        definition,
        rules,
        by_subject,
        owner_entries,
        period,
        warnings,
        bank,
        the_plan["layout"],
    )
    compilations, documents = [], 0
    step = max(1, len(items) // 10)
    label = f"batch {n + 1} of {len(the_plan['batches'])}"
    try:
        with _Findings(folder / f"{n}.findings.jsonl") as findings:  # written as sub-branches end: never all in memory
            for done, result in enumerate(_map(_batch, items, workers), start=1):
                findings.add(result.findings)
                documents += result.documents
                if result.compilation is not None:
                    compilations.append(result.compilation.record(pack_dir, work_dir))
                if done % step == 0 or done == len(items):
                    log.info(
                        "%s: %d of %d sub-branches, %d documents (%.1f s so far)",
                        label,
                        done,
                        len(items),
                        documents,
                        time.perf_counter() - began,
                    )
    finally:
        _JOB = None
    seconds = round(time.perf_counter() - began, 3)
    record = {"documents": documents, "compilations": compilations, "render": seconds, "assembled": None}
    _write_atomically(folder / f"{n}.json", json.dumps(record, ensure_ascii=False))
    log.info(
        "%s rendered: %d sub-branches, %d documents and %d compilations on %d worker%s in %.1f s",
        label,
        len(items),
        documents,
        len(compilations),
        workers,
        "s" * (workers != 1),
        seconds,
    )
    return record


def assemble_batch(
    pack_dir: Path, work_dir: Path, definition: PackDefinition, templates_dir: Path, n: int, workers: int = 1
) -> dict[str, str]:
    """Write batch ``n``'s compilations with their 目录's page numbers from LibreOffice's layout of
    their layout copies, and their thumbnails; records them in the batch's record. Returns the
    thumbnails (path in the pack → kind). Done once: called again, it returns what it recorded."""
    path = work_dir / BATCHES / f"{n}.json"
    if not path.exists():
        raise RuntimeError(f"{path}: batch {n} is not rendered (render_batch first)")
    record = json.loads(path.read_text("utf-8"))
    if record["assembled"] is not None:
        return record["assembled"]
    started = time.perf_counter()
    compilations = [Compilation.of_record(r, pack_dir, work_dir, definition) for r in record["compilations"]]
    kinds = {}
    if compilations and planned(work_dir)["layout"]:
        kinds = _fill_contents_pages(compilations, templates_dir / "fonts" / "fonts.conf", pack_dir, workers)
    record.update(assembled=kinds, assemble=round(time.perf_counter() - started, 3))
    _write_atomically(path, json.dumps(record, ensure_ascii=False))
    log.info("batch %d: assembled %d compilations in %.1f s", n + 1, len(compilations), record["assemble"])
    return kinds


def collect(pack_dir: Path, work_dir: Path) -> dict[str, str]:
    """Once every batch is rendered and assembled: ``findings.json`` from the bank's and each
    batch's findings, in the plan's order, and every file of the pack (path → kind: the documents,
    the compilations, thumbnails, findings). Refuses (RuntimeError) while a batch is missing or
    unassembled, or a planned document is not in the pack: never a partial pack. Done once."""
    collected = work_dir / COLLECTED
    if collected.exists():
        return json.loads(collected.read_text("utf-8"))
    the_plan = planned(work_dir)
    records = []
    for n, batch in enumerate(the_plan["batches"]):
        path = work_dir / BATCHES / f"{n}.json"
        record = json.loads(path.read_text("utf-8")) if path.exists() else None
        if record is None or record["assembled"] is None:
            keys = [key for _, key in batch]
            raise RuntimeError(
                f"{work_dir}: batch {n + 1} of {len(the_plan['batches'])} (sub-branches {', '.join(keys[:3])}"
                f"{'…' if len(keys) > 3 else ''}) is not {'rendered' if record is None else 'assembled'}: no pack without it"
            )
        records.append(record)
    kinds: dict[str, str] = dict(the_plan["kinds"])
    absent = [rel for rel in kinds if not (pack_dir / rel).exists()]
    if absent:
        raise RuntimeError(f"{pack_dir}: {len(absent)} planned documents were not rendered, e.g. {absent[:3]}")
    compilations = [c for record in records for c in record["compilations"]]
    # every document's path was claimed when the pack was planned; what is new here are the
    # compilations, at the pack's root beside the parts' folders: checked against those
    folders = {rel.split("/", 1)[0]: kind for rel, kind in kinds.items()}
    names.claim(
        [
            *((folder, f"the {kind} documents' folder") for folder, kind in folders.items()),
            *((c["path"], f"the compilation of {c['author']}") for c in compilations),
        ]
    )
    kinds.update({c["path"]: "compilation" for c in compilations})
    with _Findings(pack_dir / "findings.json", json_object=True) as findings:
        findings.add(the_plan["findings"])
        for n in range(len(records)):
            with (work_dir / BATCHES / f"{n}.findings.jsonl").open(encoding="utf-8") as lines:
                for line in lines:
                    findings.add_line(line)
    kinds["findings.json"] = "findings"
    if findings.refused:
        raise refused(findings.refused)
    # the proofreader's warnings, for the index page and the reviewer (also in findings.json)
    noted = [
        {
            "path": rel,
            "rule": item["rule"].removeprefix("proofread:"),
            "sentence": item["text"],
            "detail": item["figures"]["detail"],
        }
        for rel, item in findings.noted
    ]
    _write_atomically(pack_dir / PROOFREAD_FILE, json.dumps(noted, ensure_ascii=False, indent=1))
    kinds[PROOFREAD_FILE] = "proofreading"
    for record in records:
        kinds.update(record["assembled"])
    _write_atomically(collected, json.dumps(kinds, ensure_ascii=False))
    return kinds


def refused(found: list[tuple[str, dict]], shown: int = 10) -> DocumentsFailedProofreading:
    """The error stopping a pack whose documents break error-level proofreading rules: each
    document, rule and sentence (the first ``shown``), and how many in all."""
    lines = [
        f"  {rel}: {item['rule'].removeprefix('proofread:')}: {item['figures']['detail']} — “{item['text']}”"
        for rel, item in found[:shown]
    ]
    more = f"\n  … and {len(found) - shown} more (findings.json, category {PROOFREAD})" if len(found) > shown else ""
    return DocumentsFailedProofreading(
        f"{len(found)} sentence{'s' if len(found) != 1 else ''} of the pack failed proofreading "
        f"(error-level rules of templates/{PROOFREADING}); nothing was published:\n" + "\n".join(lines) + more
    )


def waiting(work_dir: Path) -> bool:
    """Whether documents planned in ``work_dir`` still wait for their batches to be assembled and collected."""
    return (work_dir / PLAN).exists() and not (work_dir / COLLECTED).exists()


def batch_seconds(work_dir: Path) -> dict[str, float]:
    """The seconds the batches spent rendering and assembling, summed (in Airflow they run apart);
    each batch's are logged."""
    out = {"render": 0.0, "assemble": 0.0}
    for n in range(len(planned(work_dir)["batches"])):
        record = json.loads((work_dir / BATCHES / f"{n}.json").read_text("utf-8"))
        out["render"] += record["render"]
        out["assemble"] += record.get("assemble", 0.0)
        log.info(
            "batch %d: %d documents, %d compilations; render %.1f s, assemble %.1f s",
            n + 1,
            record["documents"],
            len(record["compilations"]),
            record["render"],
            record.get("assemble", 0.0),
        )
    return out


def planned(work_dir: Path) -> dict:
    """The ``plan`` written in ``work_dir``."""
    path = work_dir / PLAN
    if not path.exists():
        raise RuntimeError(f"{path}: the pack's batches are not planned (plan first)")
    return json.loads(path.read_text("utf-8"))


def _job(pack_dir, work_dir, templates_dir, definition, rules, by_subject, owner_entries, period, warnings, bank, layout) -> _Job:
    return _Job(
        pack_dir,
        templates_dir,
        definition,
        rules,
        by_subject,
        owner_entries,
        # 成文日期: working days after the data close; a provisional pack is dated the day its data stop
        base_context(templates_dir, period, warnings, None if period.provisional else definition.dated(period.end)),
        load_base(definition.style_base),
        work_dir,
        bank,
        layout,
    )


def _write_atomically(path: Path, text: str) -> None:
    part = path.with_name(path.name + ".part")
    part.write_text(text, "utf-8")
    part.replace(path)


def _map(fn, items: list, workers: int):
    """``fn`` over ``items`` in order: here, or in ``workers`` forked processes."""
    import multiprocessing

    if workers > 1 and multiprocessing.current_process().daemon:
        # a Celery worker's task (its pool's processes are daemonic, which may not start processes):
        # the cluster's parallelism is its workers and their concurrency, not processes in a task
        log.info("one process here (a daemonic process, e.g. a Celery worker's, cannot start %d)", workers)
        workers = 1
    if workers <= 1 or len(items) <= 1:
        yield from map(fn, items)
        return
    from concurrent.futures import ProcessPoolExecutor

    # fork: the workers inherit _JOB (figures, rules, compiled templates, the prepared style base)
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
        yield from pool.map(fn, items, chunksize=max(1, len(items) // (workers * 8)))


def _render(part: Part, subject: subjects.Subject, findings: dict[str, list[dict]]) -> Rendered:
    job = _JOB
    entries = inputs.used_by(job.owner_entries, part.kind, subject.key)  # the owner's text this document prints
    owner = inputs.for_document(entries, part.kind, subject.key, part.slots)
    context, found = document_context(job.base, part, subject, job.rules, owner)
    text = templating.render(job.templates_dir, part.template, context)
    rel = subject.path(part.folder)
    findings[rel] = [f.as_json() for items in found.values() for f in items]
    findings[rel] += inputs.as_findings(entries)
    findings[rel] += verdicts_read(job.templates_dir, part.template, context)
    path = names.inside(job.pack_dir, rel)
    written = write_document(path, text, part.template, subject.name, job.definition, job.style)
    issues = proofread.check(written, job.proofreading)
    if any(issue.severity == "warning" for issue in issues):  # written again, the warnings as review comments
        comments = job.proofreading.comments
        write_document(
            path, text, part.template, subject.name, job.definition, job.style, lambda b: proofread.annotate(b, issues, comments)
        )
    findings[rel] += [issue.as_json() for issue in issues]
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
        documents_total = sum(part["originals"] for part in parts)  # 本汇编共N份文稿
        context = {
            **job.base,
            **sub.context,
            "pack": {"title": job.definition.title},
            "parts": parts,
            "documents_total": documents_total,
        }
        text = templating.render(job.templates_dir, job.definition.compilation_template, context)
        blocks = _blocks(text, job.definition.compilation_template, job.definition)
        title = blocks[0].plain
        kept = job.texts_dir / f"{n}.txt"
        kept.write_text(text, "utf-8")
        frame = job.texts_dir / "frames" / f"{n}.docx"
        compilation = Compilation(
            names.inside(job.pack_dir, names.portable(title, ".docx")),
            kept,
            title,
            sub.name,
            job.definition,
            frame,
            toc.probe_pages(toc.entries(blocks)),
        )
        if job.layout:  # the copy LibreOffice lays out; the compilation is written once its 目录 is numbered
            written = to_docx(blocks, title=title, author=sub.name, base=job.style, layout_only=True)
            frame.write_bytes(written)
        else:
            written = compilation.write()
        # the compilation read as a whole (its parts were read one by one): a count of outlets that
        # differs from one part to another, without saying which outlets, is found only here
        if issues := compilation_issues(blocks, written, job.proofreading, job.style, job.layout):
            findings[compilation.path.relative_to(job.pack_dir).as_posix()] = [issue.as_json() for issue in issues]
    seconds = time.perf_counter() - started
    log.debug("batch %s: %d documents in %.2f s", key, len(rendered), seconds)
    return _BatchResult(findings, compilation, len(rendered), seconds)


def compilation_issues(
    blocks: list[document.Block], written: bytes, spec: owner_proofreading.Proofreading, style: bytes | None, layout: bool
) -> list[proofread.Issue]:
    """What the proofreader finds in a compilation ``written`` from ``blocks``. Its layout copy
    (``layout``) holds empty spacers for the tables kept on one page, so it is read for its text
    alone, and the compilation's own front matter (the 编印说明 before the first part, with its
    tables) is read whole in a copy of its own; the parts' tables were read with each document."""
    if not layout:
        return proofread.check(written, spec)
    issues = proofread.check(written, spec, text_only=True)
    front = list(itertools.takewhile(lambda b: b.kind != "part", blocks))
    own = proofread.check(to_docx(front, title="", author="", base=style), spec)
    return issues + [i for i in own if i not in issues]


class _Findings:
    """Findings written entry by entry as they come: a JSON object (``findings.json``), or one
    ``[path, findings]`` line each (a batch's part of it, ``json_object=False``)."""

    def __init__(self, path: Path, json_object: bool = False) -> None:
        self.path = path
        self.json_object = json_object
        self.out = path.with_name(path.name + ".part").open("w", encoding="utf-8")
        if json_object:
            self.out.write("{")
        self.first = True
        self.refused: list[tuple[str, dict]] = []  # error-level proofreading findings: (document, finding)
        self.noted: list[tuple[str, dict]] = []  # warning-level ones

    def add(self, findings: dict[str, list[dict]]) -> None:
        for rel, items in findings.items():
            self._proofread(rel, items)
            if self.json_object:
                self._entry(json.dumps(rel, ensure_ascii=False), json.dumps(items, ensure_ascii=False, default=str))
            else:
                self.out.write(json.dumps([rel, items], ensure_ascii=False, default=str) + "\n")

    def add_line(self, line: str) -> None:
        """An entry as a batch wrote it (``[path, findings]``)."""
        rel, items = json.loads(line)
        self._proofread(rel, items)
        self._entry(json.dumps(rel, ensure_ascii=False), json.dumps(items, ensure_ascii=False))

    def _proofread(self, rel: str, items: list[dict]) -> None:
        for item in items:
            if item["category"] == PROOFREAD:
                (self.refused if item["topic"] == "error" else self.noted).append((rel, item))

    def _entry(self, key: str, value: str) -> None:
        self.out.write(("\n " if self.first else ",\n ") + key + ": " + value)
        self.first = False

    def __enter__(self) -> _Findings:
        return self

    def __exit__(self, exc_type, *exc) -> None:
        if self.json_object:
            self.out.write("\n}\n")
        self.out.close()
        part = self.path.with_name(self.path.name + ".part")
        if exc_type is None:
            part.replace(self.path)  # whole, or not there
        else:
            part.unlink(missing_ok=True)


def _parts(
    templates_dir: Path,
    definition: PackDefinition,
    grouped: dict[tuple[str, str | None], list[Rendered]],
    sub: dict,
    sub_key: str,
) -> list[dict]:
    """A compilation's parts: one per document kind of the definition (in its order) that has
    documents for the sub-branch, holding them (with their ``titles``); the bank's own documents go
    into every compilation.
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
            {
                "name": part.name,
                "kind": part.kind,
                "subject": part.subject,  # "bank": the 分行's own document, which a 支行 compilation 转发
                "titles": [_title_of(text) for text in texts],
                "documents": texts,
                "originals": len(mine),
                "condensed": bool(part.condensed),
            }
        )
    return parts


def _title_of(text: str) -> str:
    """A rendered document's title as one line (its "= " line without the "//" breaks)."""
    line = next((line for line in text.splitlines() if line.startswith("= ")), "= ")
    return line[2:].replace(document.TITLE_BREAK, "").strip()


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

    def write(self, laid_out: Path | None = None) -> bytes:
        """Write the compilation; ``laid_out``: the PDF of its layout copy's first pages, whose
        probes give the 目录's page numbers (without it the 目录 has none). Returns what it wrote."""
        blocks = self.blocks()
        pages = toc.probed_pages(toc.entries(blocks), pdf_text(laid_out)) if laid_out else None
        style = load_base(self.definition.style_base)
        data = to_docx(blocks, title=self.title, author=self.author, base=style, pages=pages)
        self.path.write_bytes(data)
        return data


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


def write_document(
    path: Path,
    text: str,
    source: str,
    author: str,
    definition: PackDefinition,
    style: bytes,
    annotate: Callable[[list[document.Block]], list[document.Block]] | None = None,
) -> bytes:
    """The document written to ``path``, its blocks through ``annotate`` (the proofreader's review
    comments) if given; returns its bytes (the proofreader reads them back)."""
    blocks = _blocks(text, source, definition)
    if annotate is not None:
        blocks = annotate(blocks)
    title = next((b.plain for b in blocks if b.kind == "title"), path.stem)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = to_docx(blocks, title=title, author=author, base=style)
    path.write_bytes(data)
    return data


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
