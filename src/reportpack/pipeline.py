"""The pack run in phases — start → check_source → extract → validate → derive → render → assemble → publish — as thin calls
into the phase modules.

Each phase reads and writes files in the run's private folder (``<output>/.runs/<period>-<run id>``)
and its typed state (``reportpack.run``), so Airflow tasks pass a small reference, never frames,
through XCom. The CLI (``reportpack pack``) and the DAG call the same functions. A phase that fails
on purpose (``ReportPackError``) records why in the run state before raising, so whoever started the
run can tell bad data from a wrong input from a bug.
"""

from __future__ import annotations

import functools
import logging
import re
import time
import uuid
from contextlib import nullcontext
from datetime import date
from pathlib import Path

import pandas as pd

from reportpack import __version__
from reportpack.derive import figures, subjects
from reportpack.errors import InputError, ReportPackError, environment_problem
from reportpack.extract import extract as extract_frames
from reportpack.extract import load_frames, save_frames
from reportpack.owner import inputs, packdef
from reportpack.owner import labels as owner_labels
from reportpack.owner import proofreading as owner_proofreading
from reportpack.owner import targets as owner_targets
from reportpack.owner import verdicts as owner_verdicts
from reportpack.periods import EXAMPLE_LABELS, Period, bank_today
from reportpack.publish import approval, changes, index, pack, transition, validation_pages
from reportpack.publish import targets as publish_targets
from reportpack.render import commentary
from reportpack.render.context import base_context
from reportpack.render.documents import assemble as assemble_compilations
from reportpack.render.documents import (
    assemble_batch,
    batch_seconds,
    part_subjects,
    pdf_renditions,
    render_batch,
    render_documents,
    waiting,
)
from reportpack.render.documents import collect as collect_batches
from reportpack.render.documents import plan as plan_batches
from reportpack.render.documents import planned as documents_plan
from reportpack.render.wording import cn_numeral
from reportpack.run import STATE_FILE, Failure, Run, RunState, ValidationLayer, ValidationState, now, period_lock, write_state
from reportpack.settings import Settings, redact
from reportpack.validate import ValidationFailed, quality_warning, quarantine, write_report
from reportpack.validate import validate as run_suites
from reportpack.validate import validate_source as run_source_suites
from reportpack.warehouse.connect import connect
from reportpack.warehouse.schema import check as schema_check
from reportpack.warehouse.schema import metadata as warehouse_schema

log = logging.getLogger(__name__)

DEFAULT_PACK = "half_year"  # templates/packs/half_year.yaml


def _phase(func):
    """Record the phase's duration in the run state (``seconds``, which the manifest keeps), and a
    deliberate failure (bad data, wrong input, unreachable warehouse)."""

    @functools.wraps(func)
    def wrapper(settings: Settings, run: Run, *args, **kwargs):
        started = time.perf_counter()
        try:
            out = func(settings, run, *args, **kwargs)
            # publish removes the run folder; render records its parts itself
            if (run.folder / STATE_FILE).exists() and func.__name__ not in run.state.seconds:
                _timed(run, **{func.__name__: time.perf_counter() - started})
            return out
        except ReportPackError as exc:
            _failed(run, func.__name__, exc)
            raise
        except OSError as exc:  # a full or read-only disk: the machine's (exit 5, in Airflow's airflow-run too)
            problem = environment_problem(exc)
            if problem is None:
                raise
            _failed(run, func.__name__, problem)
            raise problem from exc

    return wrapper


def _failed(run: Run, phase: str, exc: ReportPackError) -> None:
    """Record why the run stopped, where its state can still be written."""
    try:
        if (run.folder / STATE_FILE).exists():
            run.update(failed=Failure(phase=phase, exit_code=int(exc.exit_code), message=str(exc)))
    except OSError:  # the disk that failed the phase may refuse the record too: the error still says it
        pass


def _timed(run: Run, **seconds: float) -> None:
    run.update(seconds={**run.state.seconds, **{name: round(s, 3) for name, s in seconds.items()}})


def check_owner_files(settings: Settings, period: Period, pack_name: str = DEFAULT_PACK) -> packdef.PackDefinition:
    """Read and check every file report owners edit that a run of ``pack_name`` uses — the pack
    definition, commentary, target and verdict rules, the owner input of ``period`` — before any data is
    touched. Returns the pack definition."""
    templates = settings.templates_dir
    definition = packdef.load(packdef.path_of(templates, pack_name), templates)
    if period.kind != definition.cadence:
        raise InputError(
            f"period {period.label} is a {period.kind}, but pack {pack_name} reports every {definition.cadence} "
            f"(cadence in {definition.path.name}); e.g. {EXAMPLE_LABELS[definition.cadence]}"
        )
    commentary.load(templates / "commentary.yaml", templates, packdef.all_kinds(templates))
    owner_targets.load(templates / "targets.yaml")
    owner_verdicts.load(templates / "verdicts.yaml")
    owner_proofreading.load(templates / "proofreading.yaml")
    owner_labels.load(templates / "labels.yaml")
    inputs.load(settings.input_dir / period.label, definition)  # units are checked at render, once known
    return definition


def check_warehouse(url: str) -> None:
    """Connect once: an unreachable warehouse or a wrong URL fails here, before a run starts."""
    with connect(url):
        pass


def start(
    settings: Settings,
    period_label: str,
    run_id: str,
    warehouse_url: str | None = None,
    pack_name: str = DEFAULT_PACK,
    as_of: date | None = None,
) -> Run:
    """Create the run's private folder under the output root (same filesystem → atomic publish).

    The owner files are read and checked here, before any data is extracted, and the input files are
    copied into the run: what a run renders is what it received. A period that has not ended is
    refused unless ``as_of`` asks for a provisional pack of its months ended by then
    (``provisional_period``)."""
    period = provisional_period(period_label, as_of) if as_of else Period.parse(period_label)
    if not period.provisional and period.end >= bank_today():
        ended = period.provisional_as_of(bank_today())
        raise InputError(
            f"period {period.label} has not ended (it ends {period.end.isoformat()}, today is {bank_today().isoformat()} "
            "on the bank's calendar): its figures are not final, so no pack is built for it"
            + (
                f"; for a provisional pack of its months ended so far (data as of {ended.isoformat()}, marked 临时版 in "
                "every document) ask for it: --provisional"
                if ended
                else "; none of its months has ended yet, so not even a provisional pack can be built"
            )
        )
    definition = check_owner_files(settings, period, pack_name)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", run_id)[:80]
    folder = settings.output_dir / ".runs" / f"{period.label}-{safe}"
    pack.discard(folder)  # a retried run starts clean
    folder.mkdir(parents=True)
    run = Run(folder, period, warehouse_url or settings.warehouse_url)
    given = settings.input_dir / period.label
    received = inputs.files(given) + sorted((given / "targets").glob("*.yaml"))
    for path in received:
        copy = run.pack / "inputs" / path.relative_to(given)
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_bytes(path.read_bytes())
    write_state(
        folder,
        RunState(
            run_id=run_id,
            started_at=now(),
            pack=definition.name,
            period=period.label,
            inputs=[p.relative_to(given).as_posix() for p in received],
            as_of=period.end.isoformat() if period.provisional else None,
        ),
    )
    return run


def provisional_as_of(period_label: str, given: date | None = None) -> date:
    """What ``--provisional`` asks for: ``given``, else the last month end before today when that
    falls inside the period; an ``InputError`` saying why there is none."""
    if given is not None:
        return provisional_period(period_label, given).end
    period = Period.parse(period_label)
    found = period.provisional_as_of(bank_today())
    if found is None:
        raise InputError(
            f"period {period.label} has ended ({period.end.isoformat()}): its pack is final, leave out --provisional"
            if period.end < bank_today()
            else f"period {period.label}: none of its months has ended yet (today is {bank_today().isoformat()} on the "
            "bank's calendar), so there is nothing to build a provisional pack from"
        )
    return found


def provisional_period(period_label: str, as_of: date) -> Period:
    """The provisional part of period ``period_label`` up to ``as_of`` (``Period.until``), which must
    have passed on the bank's calendar: an ``InputError`` naming the rule otherwise."""
    try:
        period = Period.parse(period_label).until(as_of)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    if as_of >= bank_today():
        raise InputError(
            f"as-of date {as_of.isoformat()} for period {period.label}: it has not passed yet (today is "
            f"{bank_today().isoformat()} on the bank's calendar); a provisional pack reads months that have ended"
        )
    return period


@_phase
def check_source(settings: Settings, run: Run) -> str:
    """The source-grain suites, run in the warehouse before anything is aggregated; a critical
    failure quarantines the rows (``quarantine/source/<table>.csv``) and raises ``ValidationFailed``.

    First, a publication of any period that was interrupted is finished or rolled back
    (``publish.transition``): the targets this run reads are those of the published versions."""
    finished = transition.finish_all(settings.output_dir, run.warehouse_url, settings.templates_dir, run.state.run_id)
    if finished:
        run.update(recovered=finished)
    with connect(run.warehouse_url) as conn:  # unreachable → WarehouseUnreachable (retried), not a GX error
        schema_check(conn)  # a missing table or column → SchemaMismatch (never retried)
    lower = tuple(r.indicator for r in owner_targets.load(settings.templates_dir / "targets.yaml") if r.better == "lower")
    outcome = run_source_suites(
        run.warehouse_url,
        run.period,
        settings.expectations_dir / "source",
        tables=list(warehouse_schema.tables),
        lower_is_better=lower,
    )
    _record_validation(run, outcome, "source")
    return outcome.status


@_phase
def extract(settings: Settings, run: Run) -> dict[str, int]:
    with connect(run.warehouse_url) as conn:
        frames = extract_frames(conn, run.period, settings.templates_dir / "sql")
    rows = save_frames(frames, run.data)
    run.update(rows=rows, data_sha256=pack.frames_sha256(frames), data_files_sha256=pack.tree_sha256(run.data))
    log.info("extracted %s from %s", rows, redact(run.warehouse_url))
    return rows


@_phase
def validate(settings: Settings, run: Run) -> str:
    """Run every suite on the extracted tables; a critical failure quarantines rows and raises
    ``ValidationFailed``."""
    outcome = run_suites(load_frames(run.data), settings.expectations_dir)
    _record_validation(run, outcome, "extracted")
    return outcome.status


def _record_validation(run: Run, outcome, layer: str) -> None:
    """Write the layer's report and quarantine (under ``source/`` for the source layer, whose suites
    are named ``source/<table>``) and record its outcome in the run state beside the other layer's."""
    folder = "source" if layer == "source" else ""
    prefix = f"{folder}/" if folder else ""
    write_report(outcome, run.pack / "validation" / folder)
    quarantined = quarantine(outcome, run.quarantine / folder)
    recorded = ValidationLayer(
        status=outcome.status,
        expectations={prefix + k: v for k, v in outcome.expectation_counts.items()},
        warnings=[quality_warning(f, prefix) for f in outcome.warnings],
        critical=[f.describe() for f in outcome.critical],
        quarantine=str(quarantined) if quarantined else None,
    )
    before = run.state.validation
    run.update(validation=ValidationState.of({**(before.layers if before else {}), layer: recorded}))
    log.info(
        "validation of the %s: %s — %d rules on %d tables, %d warnings, %d critical",
        "warehouse tables (source grain)" if layer == "source" else "extracted tables",
        outcome.status,
        sum(outcome.expectation_counts.values()),
        len(outcome.expectation_counts),
        len(recorded.warnings),
        len(recorded.critical),
    )
    if outcome.critical:
        raise ValidationFailed(outcome, quarantined)


@_phase
def derive(settings: Settings, run: Run) -> dict[str, int]:
    """Every figure of the period, one parquet file per document subject under ``figures/``."""
    derived = figures.derive(
        load_frames(run.data),
        run.period,
        settings.templates_dir,
        overrides=run.pack / "inputs" / "targets",
        overrides_shown_as=settings.input_dir / run.period.label / "targets",
    )
    run.figures.mkdir(exist_ok=True)
    for name, frame in derived.items():
        frame.to_parquet(run.figures / f"{name}.parquet", index=False)
    rows = {name: len(frame) for name, frame in derived.items()}
    log.info("derived the figures of %s: %s", run.period.label, ", ".join(f"{n} {r}" for n, r in rows.items()))
    return rows


@_phase
def render(settings: Settings, run: Run) -> dict[str, str]:
    """Every document of the pack definition, and each compilation's text and layout copy in the
    run's work folder for ``assemble``, in one batch spread over ``settings.workers`` processes;
    returns path → kind."""
    timings: dict[str, float] = {}
    kinds = render_documents(*_render_args(settings, run), timings, settings.workers)
    _timed(run, **timings)  # render (the documents)
    run.update(documents=kinds)
    log.info("rendered %d Word documents into %s", sum(1 for p in kinds if p.endswith(".docx")), run.pack)
    return kinds


@_phase
def assemble(settings: Settings, run: Run, pdf: bool = False) -> dict[str, str]:
    """The compilations written with their 目录 numbered (``render`` left them in the work folder);
    with ``pdf``, LibreOffice also writes a PDF of every document under ``pdf/``. Returns what it added
    (path → kind)."""
    definition = _definition(settings, run)
    timings: dict[str, float] = {}
    added = assemble_compilations(run.pack, run.work, definition, settings.templates_dir, timings, settings.workers)
    run.update(documents={**run.state.documents, **added})
    if pdf:
        added.update(_pdf(settings, run, timings))
    _timed(run, **timings)  # assemble (the compilations), pdf
    return added


# In Airflow the render and assemble phases are cut into batches of whole sub-branches, mapped tasks
# that may run on different workers: plan → batch (one per batch: its documents, then its
# compilations assembled) → collect. They read and write only the run folder; a batch writes nothing
# of the run's state (batches run at once), only its own record, last.


@_phase
def plan(settings: Settings, run: Run) -> list[int]:
    """Cut the pack into batches of whole sub-branches (``settings.batch_outlets`` outlets or more
    each) and render the bank's own documents; returns the batch numbers to map over."""
    batches = plan_batches(*_render_args(settings, run), settings.batch_outlets)
    return list(range(len(batches)))


def batch(settings: Settings, run: Run, n: int) -> dict:
    """Batch ``n`` of the ``plan``: its sub-branches' documents and compilations, the compilations
    assembled (their 目录 numbered). Reads only its sub-branches' figures. Returns its record's counts."""
    started = time.perf_counter()
    definition = _definition(settings, run)
    keys = [key for _, key in documents_plan(run.work)["batches"][n]]
    try:
        record = render_batch(*_render_args(settings, run, keys), n, settings.workers)
        assemble_batch(run.pack, run.work, definition, settings.templates_dir, n, settings.workers)
    except ReportPackError as exc:  # a template or input error: the run says why, as a phase would
        # (the one field a batch writes; batches failing at once each leave a true reason)
        run.update(failed=Failure(phase=f"batch {n + 1}", exit_code=int(exc.exit_code), message=str(exc)))
        raise
    seconds = round(time.perf_counter() - started, 1)
    return {
        "batch": n,
        "sub_branches": len(keys),
        "first": keys[0] if keys else None,
        "last": keys[-1] if keys else None,
        "documents": record["documents"],
        "seconds": seconds,
    }


@_phase
def collect(settings: Settings, run: Run, pdf: bool = False) -> dict[str, str]:
    """Once every batch is done: ``findings.json`` and the pack's list of files (refused while a batch
    is missing); with ``pdf``, the PDF renditions. Returns path → kind."""
    kinds = collect_batches(run.pack, run.work)
    timings = batch_seconds(run.work)  # summed over the batches, which ran apart
    run.update(documents=kinds)
    if pdf:
        _pdf(settings, run, timings)
    _timed(run, **timings)
    log.info("collected %d files of the pack from %s", len(kinds), run.work)
    return kinds


def _definition(settings: Settings, run: Run) -> packdef.PackDefinition:
    return packdef.load(packdef.path_of(settings.templates_dir, run.state.pack), settings.templates_dir)


def _render_args(settings: Settings, run: Run, sub_branches: list[str] | None = None) -> tuple:
    """What rendering needs: the pack, work and templates folders, the pack definition, the commentary
    rules, the subjects (only ``sub_branches``' when given), the owner input, the period and the
    validation warnings."""
    state = run.state
    templates = settings.templates_dir
    definition = _definition(settings, run)
    by_subject = subjects.load(run.figures, sub_branches)
    keys = None  # a batch's owner input was checked against every unit by ``plan``
    if sub_branches is None:
        keys = {part.kind: {s.key for s in part_subjects(part, by_subject)} for part in definition.parts}
    owner_entries = inputs.load(run.pack / "inputs", definition, keys, shown_as=settings.input_dir / run.period.label)
    rules = commentary.load(templates / "commentary.yaml", templates, packdef.all_kinds(templates))
    warnings = [w.model_dump() for w in state.validation.warnings]
    return (run.pack, run.work, templates, definition, rules, by_subject, owner_entries, run.period, warnings)


def _pdf(settings: Settings, run: Run, timings: dict[str, float]) -> dict[str, str]:
    """A PDF of every document (LibreOffice), recorded in the run's documents."""
    started = time.perf_counter()
    fonts = settings.templates_dir / "fonts" / "fonts.conf"
    added = pdf_renditions(run.pack, fonts, run.state.documents, settings.workers)
    run.update(documents={**run.state.documents, **added})
    timings["pdf"] = time.perf_counter() - started
    return added


@_phase
def publish(settings: Settings, run: Run, review: bool = False) -> Path:
    """Write the manifest and publish the pack as the period's next version ``<output>/<period>/v<n>``
    (``latest`` pointing at it).

    With ``review`` the pack definition's owners are asked to approve it (the version is published
    ``pending``; the DAG's ``review`` task asks them); without, it is published ``unattended``. The
    next period's targets are stored in the warehouse as ``publish.approval`` decides."""
    state = run.state
    if waiting(run.work):  # a bug in whoever calls the phases, never a pack without its compilations
        raise RuntimeError(
            f"{run.folder}: the documents are rendered but not assembled: run the assemble phase first "
            "(in Airflow: every batch, then collect)"
        )
    templates = settings.templates_dir
    definition = packdef.load(packdef.path_of(templates, state.pack), templates)
    if review and not definition.owners:
        raise InputError(f"{definition.path}: review requested but the pack definition names no owners (review.owners)")
    period_name = _period_name(base_context(templates, run.period, [])["p"])
    meta = {
        "pack": state.pack,
        "inputs": state.inputs,
        "period": run.period.label,
        "period_name": period_name,
        "period_start": run.period.start.isoformat(),
        "period_end": run.period.end.isoformat(),
        # a provisional pack: the period's figures as of that month end, not final (Period.until)
        "provisional": {"as_of": run.period.end.isoformat(), "period_end": run.period.full().end.isoformat()}
        if run.period.provisional
        else None,
        "run_id": state.run_id,
        "generated_at": now(),
        "source": {"url": redact(run.warehouse_url), "rows": state.rows, "data_sha256": state.data_sha256},
        "versions": {
            "reportpack": __version__,
            "templates_sha256": pack.tree_sha256(settings.templates_dir),
            "expectations_sha256": pack.tree_sha256(settings.expectations_dir),
        },
        "validation": state.validation.model_dump(),
        "seconds": state.seconds,
        "approval": (
            approval.pending([{"id": o.id, "name": o.name} for o in definition.owners], now())
            if review
            else approval.unattended()
        ),
    }
    meta["owner_sections"] = documents_plan(run.work)["owner_sections"]  # found when the pack was planned
    next_targets = pd.read_parquet(run.figures / "next_targets.parquet")
    if not definition.sets_targets:  # e.g. a monthly brief: no plan in it sets the next period's targets
        next_targets = next_targets.iloc[0:0]
    meta["targets"] = publish_targets.write_csv(next_targets, run.pack, run.period) if definition.sets_targets else None
    try:
        with period_lock(settings.output_dir, run.period.label, state.run_id):  # one publication of a period at a time
            target = _publish_locked(settings, run, state, definition, meta, next_targets, period_name, review)
    except KeyboardInterrupt as exc:  # Ctrl-C or SIGTERM: held until the version was published whole, or not at all
        version = settings.output_dir / run.period.label / meta.get("version", "")
        exc.published = version if meta.get("version") and (version / pack.MANIFEST).is_file() else None  # for the message
        if exc.published:
            pack.discard(run.folder)
        raise
    pack.discard(run.folder)
    log.info("pack published: %s (%s)", target, target.parent / pack.LATEST)
    return target


def _publish_locked(settings, run, state, definition, meta, next_targets, period_name, review) -> Path:
    """``publish`` under the period's lock, as the recorded steps of ``publish.transition``: what an
    interrupted publication of the period left is finished or rolled back first; then the version
    is reserved, compared, indexed, zipped and published, and the next period's targets — written
    in the warehouse before, in a transaction left open — committed once it is published."""
    templates = settings.templates_dir
    period_dir = settings.output_dir / run.period.label
    if period_dir.is_dir():
        transition.finish(period_dir, run.warehouse_url, templates)
        if (period_dir / transition.JOURNAL).is_file():  # left: another warehouse's, not to be written over
            raise InputError(
                f"{period_dir}: a publication from another warehouse was interrupted here "
                f"({transition.JOURNAL}); run the pack on that warehouse first, which finishes it"
            )
    previous = pack.latest(settings.output_dir, run.period.label)
    version = pack.reserve(settings.output_dir, run.period.label)
    transition.reached("reserved", version)
    try:
        if previous is not None and previous.parent.resolve() != version.parent.resolve():
            previous = None  # a pack of the layout before versions: not compared
        meta["version"] = version.name
        meta["previous"] = previous.name if previous is not None else None
        store = False
        if meta["targets"] is not None:
            status = meta["approval"]["status"]
            store, why = approval.targets_decision(version.parent, pack.number(version), status, meta["provisional"])
            meta["targets"].update(stored=store, note=why)
        validation_pages.write(run.pack, templates, state.validation.status)
        hashes = pack.file_hashes(run.pack)  # read once: for the changes report and the manifest
        written = _changes(settings, run, version, previous, definition, period_name, hashes)
        meta["changes"] = {r["against"]: {"nothing_changed": r["nothing_changed"]} for r in written}
        kinds = {**state.documents, "targets.csv": "targets", changes.REPORT_JSON: "changes", changes.REPORT_DOCX: "changes"}
        index.write(run.pack, meta, kinds, written, next_targets, definition, templates, period_name)
        pack.write_manifest(run.pack, meta, {**kinds, index.INDEX: "index"}, known=hashes)
        storing = (
            publish_targets.storing(next_targets, meta["targets"]["period"], run.period.end, run.warehouse_url)
            if store
            else nullcontext(lambda: None)
        )
        transition.begin(version, state.run_id, run.folder, store, run.warehouse_url)
        with storing as commit:  # the targets written, not committed
            pack.zip_version(version, source=run.pack)
            transition.reached("zipped", version)
            with transition.signals_held():  # from here SIGTERM waits until every step is done
                pack.publish(run.pack, version)
                commit()
                transition.reached("targets", version)
                transition.end(version.parent)
        return version
    except BaseException:
        if not (version / pack.MANIFEST).is_file():
            transition.rollback(version)  # nothing of it was visible; latest never moved
        raise  # published, not finished (the warehouse failed): the note stays for transition.finish


def _period_name(p: dict) -> str:
    """How the index page and the review request name the period: 2023年上半年 (labels.yaml), 2023年6月,
    2023年第二季度, 2023年."""
    if p.get("half_name"):
        return f"{p['year']}年{p['half_name']}"
    return {
        "month": f"{p['year']}年{p['end'].month}月",
        "quarter": f"{p['year']}年第{cn_numeral(p['number'])}季度",
        "year": f"{p['year']}年",
    }.get(p["kind"], p["label"])


def _changes(
    settings: Settings,
    run: Run,
    version: Path,
    previous: Path | None,
    definition: packdef.PackDefinition,
    period_name: str,
    hashes: dict[str, str],
) -> list[dict]:
    """Write the changes report of the version being published: against the previous version and,
    when that is another, the last approved one (none for a period's first version)."""
    state = run.state
    warnings = [w.message for w in state.validation.warnings]
    against = [previous] if previous is not None else []
    approved = changes.last_approved(version.parent, pack.number(version))
    if approved is not None and (previous is None or approved.resolve() != previous.resolve()):
        against.append(approved)
    reports = [changes.compare(run.pack, hashes, state.documents, warnings, folder) for folder in against]
    context = {"period": period_name, "version": version.name, "end": run.period.end}
    changes.write(run.pack, reports, context, settings.templates_dir, definition)
    for r in reports:
        log.info(
            "changes against %s: %s",
            r["against"],
            "nothing changed" if r["nothing_changed"] else f"{len(r['documents_changed'])} documents changed",
        )
    return reports


# The phases before publish, in order (the bench and the tests call them one by one).
BEFORE_PUBLISH = (check_source, extract, validate, derive, render, assemble)


def new_run_id() -> str:
    """A run id unique however fast runs start (the second alone is not: two runs in one second
    would share a run folder)."""
    return f"manual-{now()}-{uuid.uuid4().hex[:8]}"


def run_all(
    settings: Settings,
    period_label: str,
    run_id: str | None = None,
    pdf: bool = False,
    pack_name: str = DEFAULT_PACK,
    as_of: date | None = None,
) -> Path:
    """The whole flow in one process (the CLI's ``reportpack pack``); ``as_of``: a provisional pack."""
    run_id = run_id or new_run_id()
    with period_lock(settings.output_dir, Period.parse(period_label).label, run_id):  # one run of a period at a time
        run = start(settings, period_label, run_id, pack_name=pack_name, as_of=as_of)
        check_source(settings, run)
        extract(settings, run)
        validate(settings, run)
        derive(settings, run)
        render(settings, run)
        assemble(settings, run, pdf=pdf)
        return publish(settings, run)
