"""``reportpack`` command line: seed, validate, pack, airflow-run, show, preview.

Configuration comes from the environment (``REPORTPACK_WAREHOUSE_URL``, ``REPORTPACK_OUTPUT_DIR``);
options override it for one call.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from reportpack import __version__
from reportpack import settings as settings_mod
from reportpack.errors import EXIT_CODE_HELP, DataFailedValidation, ExitCode, InputError, ReportPackError, environment_problem
from reportpack.periods import BANK_TIMEZONE, Period

log = logging.getLogger("reportpack")


def _settings(args) -> settings_mod.Settings:
    env = dict(os.environ)
    if getattr(args, "url", None):
        env["REPORTPACK_WAREHOUSE_URL"] = args.url
    if getattr(args, "output", None):
        env["REPORTPACK_OUTPUT_DIR"] = args.output
    if getattr(args, "workers", None) is not None:
        env["REPORTPACK_WORKERS"] = str(args.workers)
    return settings_mod.load(env)


def cmd_seed(args) -> int:
    from reportpack.warehouse.load import existing_tables, write
    from reportpack.warehouse.sample import SampleSpec, generate

    s = _settings(args)
    where = settings_mod.redact(s.warehouse_url)
    present = existing_tables(s.warehouse_url)
    if present and args.if_missing:
        print(f"warehouse present at {where}; not seeding")
        return ExitCode.OK
    if present and not args.replace:
        raise InputError(
            f"{where} already holds a warehouse ({len(present)} tables, e.g. {present[0]}); pass --replace to drop and rewrite it"
        )
    try:
        spec = SampleSpec(outlets=args.outlets, sub_branches=args.sub_branches, start=args.start, end=args.end, seed=args.seed)
        pieces = generate(spec)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    started = time.perf_counter()
    counts = write(pieces, s.warehouse_url, progress=None if args.progress else False)
    print(
        f"seeded {where}: {spec.outlets} outlets in {spec.n_sub_branches} sub-branches, "
        f"{spec.start}…{spec.end}, {sum(counts.values()):,} rows in {len(counts)} tables "
        f"({time.perf_counter() - started:.1f} s)"
    )
    return ExitCode.OK


def cmd_validate(args) -> int:
    from reportpack import pipeline
    from reportpack.validate import ValidationFailed

    s = _settings(args)
    run = pipeline.start(s, args.period.label, f"validate-{int(time.time())}")
    try:
        pipeline.check_source(s, run)
        pipeline.extract(s, run)
        status = pipeline.validate(s, run)
    except ValidationFailed as exc:
        exc.add_note(f"report and quarantined rows kept in {run.folder}")
        raise
    print(f"validation {status}; report in {run.pack / 'validation'}")
    return ExitCode.OK


def cmd_rules(args) -> int:
    """Every source-grain rule by table, as Markdown (what a data engineer reviews)."""
    from reportpack.validate import rules_markdown, source_suites

    print(rules_markdown(source_suites(_settings(args).expectations_dir / "source")), end="")
    return ExitCode.OK


def cmd_check_deployment(args) -> int:
    """Refuse a cluster's public development secrets (the compose file runs this before Airflow starts)."""
    from reportpack import deployment

    tolerated = deployment.check(os.environ)
    for line in tolerated:
        print(
            f"reportpack check-deployment: development secret in use ({deployment.DEVELOPMENT_FLAG}=1): {line}", file=sys.stderr
        )
    return ExitCode.OK


def cmd_boilerplate(args) -> int:
    """Per document kind of a published pack: how much of the prose every document repeats."""
    from sqlalchemy import text

    from reportpack.boilerplate import chosen_by_data, measure, table
    from reportpack.warehouse.connect import connect

    s = _settings(args)
    pack_dir = _published(s, args.period.label)
    with connect(s.warehouse_url) as conn:  # the names to mask: every unit and person the warehouse knows
        names = [r[0] for r in conn.execute(text("select name from org_unit union select name from staff"))]
    pack_name = json.loads((pack_dir / "manifest.json").read_text("utf-8")).get("pack") or "half_year"
    report = measure(pack_dir, names, chosen_by_data(s.templates_dir, pack_name))
    print(table(report))
    out = s.output_dir / "bench" / "boilerplate.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"period": args.period.label, "kinds": report}, ensure_ascii=False, indent=2) + "\n", "utf-8")
    print(f"written {out}")
    return ExitCode.OK


def _pack_period(s, args) -> Period:
    """``--period``, else the last complete period of the pack's cadence (a month for a monthly pack)."""
    if args.period is not None:
        return args.period
    from reportpack.owner import packdef

    definition = packdef.load(packdef.path_of(s.templates_dir, args.pack), s.templates_dir)
    return Period.last_before(definition.cadence, datetime.now(ZoneInfo(BANK_TIMEZONE)).date())


def _as_of(period: Period, args) -> date | None:
    """``--provisional``/``--as-of``: the month end a provisional pack's data is cut at; else None."""
    from reportpack import pipeline

    if not (args.provisional or args.as_of):
        return None
    return pipeline.provisional_as_of(period.label, args.as_of)


def cmd_pack(args) -> int:
    from reportpack import pipeline

    s = _settings(args)
    period = _pack_period(s, args)
    path = pipeline.run_all(s, period.label, pdf=args.pdf, pack_name=args.pack, as_of=_as_of(period, args))
    _show(path)
    return ExitCode.OK


def cmd_airflow_run(args) -> int:
    """Run the pack DAG through Airflow itself (``airflow dags test``) for one period."""
    from reportpack import dags_test, pipeline
    from reportpack.publish.pack import latest

    s = _settings(args)
    period = _pack_period(s, args)
    as_of = _as_of(period, args)
    # What the DAG's first tasks would refuse, refused here with the right exit code and no task log.
    pipeline.check_owner_files(s, period, args.pack)
    pipeline.check_warehouse(s.warehouse_url)
    env = settings_mod.airflow_env(s)
    env["REPORTPACK_OUTPUT_DIR"] = str(s.output_dir)
    env["REPORTPACK_WAREHOUSE_URL"] = s.warehouse_url
    env["REPORTPACK_WORKERS"] = str(s.workers)
    # A logical date of its own (now): the period comes from the conf. A run on the scheduled date
    # (the 2nd of the following month) would meet the dag run an interrupted airflow-run left there,
    # still "running", and `airflow dags test` fails on it (FOREIGN KEY constraint failed).
    logical = datetime.now(ZoneInfo("UTC")).isoformat(timespec="microseconds")
    started = time.time()
    # the checks DAG (the warehouse checked, extracted, validated; its run folder is kept), then the
    # publish DAG given that folder as the validated-data asset would: `airflow dags test` of each,
    # in one Airflow process (reportpack.dags_test says why)
    job = {"pack": args.pack, "period": period.label, "logical": logical, "as_of": as_of.isoformat() if as_of else None}
    job |= {"pdf": args.pdf, "review": args.review, "runs": str(s.output_dir / ".runs"), "started": started}
    returncode = _child([sys.executable, "-m", "reportpack.dags_test", json.dumps(job)], env)
    target = latest(s.output_dir, period.label)
    manifest = target / "manifest.json" if target else None
    if returncode != 0 or manifest is None or manifest.stat().st_mtime < started:
        what = {dags_test.CHECKS_FAILED: "did not validate"}.get(returncode, "did not publish a pack for")
        print(f"\nthe DAG run {what} {period.label}; nothing was changed in {s.output_dir}", file=sys.stderr)
        return _explain_failed_run(s.output_dir / ".runs", period.label, started)
    _show(target)
    return ExitCode.OK


def _explain_failed_run(runs: Path, label: str, since: float) -> int:
    """Repeat, after Airflow's logs, why the newest run of ``label`` stopped; its exit code."""
    from reportpack.run import load_state

    folders = sorted((p for p in runs.glob(f"{label}-*") if p.stat().st_mtime >= since), key=lambda p: p.stat().st_mtime)
    state = load_state(folders[-1]) if folders else None
    if state is None or state.failed is None:
        print("see the task log above", file=sys.stderr)
        return ExitCode.INTERNAL_ERROR
    print(state.failed.message, file=sys.stderr)
    if state.validation and state.validation.quarantine:
        print(f"offending rows: {state.validation.quarantine}", file=sys.stderr)
    print(f"run folder kept for inspection: {folders[-1]}", file=sys.stderr)
    return state.failed.exit_code


def cmd_show(args) -> int:
    _show(_published(_settings(args), args.period.label))
    return ExitCode.OK


def _published(s, label: str) -> Path:
    """The folder of the period's latest published version; a clear error when there is none."""
    from reportpack.publish.pack import latest

    target = latest(s.output_dir, label)
    if target is None:
        raise InputError(
            f"no pack published for {label} at {s.output_dir / label} (build it with `reportpack pack --period {label}`)"
        )
    return target


def _show(target: Path) -> None:
    from reportpack.publish.pack import read_manifest

    m = read_manifest(target)
    kinds: dict[str, int] = {}
    for f in m["files"]:
        kinds[f["kind"]] = kinds.get(f["kind"], 0) + 1
    version = (
        f", version {m['version']}" + (f" (previous {m['previous']})" if m.get("previous") else "") if "version" in m else ""
    )
    provisional = f" (provisional: data as of {m['provisional']['as_of']})" if m.get("provisional") else ""
    print(f"period {m['period']}{provisional}{version}, validation {m['validation']['status']}, files by kind: {kinds}")
    approval = m.get("approval") or {}
    if approval.get("status"):
        by = approval.get("by") or {}
        who = f" by {by.get('name') or by.get('id')} at {approval.get('at')}" if by else ""
        why = f" ({approval['reason']})" if approval.get("reason") else ""
        print(
            f"approval: {approval['status']}{who}{why}; next period's targets: {(m.get('targets') or {}).get('note', 'none (this pack sets none)')}"
        )
    print(f"Pack published: {target}" + (f" — latest: {target.parent / 'latest'}" if "version" in m else ""))


def cmd_proofread(args) -> int:
    """Proofread a pack's documents as the pipeline does before publishing: each finding by document,
    rule and sentence; exit 1 when an error-level rule is broken."""
    from reportpack.owner import proofreading
    from reportpack.publish.pack import read_manifest
    from reportpack.render import proofread

    s = _settings(args)
    target = Path(args.pack)
    if not target.is_dir():
        target = _published(s, Period.parse(args.pack).label)  # a period: its latest published version
    if not (target / "manifest.json").exists():
        raise InputError(f"{target}: not a pack (no manifest.json); give a pack folder or a period such as 2023H1")
    spec = proofreading.load(s.templates_dir / "proofreading.yaml")
    # every document, the compilations too (read as a whole: a count of outlets differing between their parts)
    files = [f["path"] for f in read_manifest(target)["files"] if f["path"].endswith(".docx")]
    counts = {"error": 0, "warning": 0}
    for rel in files:
        for issue in proofread.check(target / rel, spec):
            counts[issue.severity] += 1
            print(f"{issue.severity}: {rel}: {issue.rule}: {issue.detail} — “{issue.sentence}”")
    print(f"proofread {len(files)} documents of {target}: {counts['error']} errors, {counts['warning']} warnings")
    return ExitCode.DATA_FAILED_VALIDATION if counts["error"] else ExitCode.OK


def cmd_preview(args) -> int:
    """PNGs of the first compilation (cover, 目录, a middle page), of the first document of each
    kind (page 1 and a middle page) and of the version's index.html (Chromium), for docs/images."""
    from reportpack.publish import index
    from reportpack.publish.pack import read_manifest
    from reportpack.render.pdf import page_pngs

    s = _settings(args)
    target = _published(s, args.period.label)
    files = read_manifest(target)["files"]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    picks: dict[str, dict] = {}
    for f in sorted(files, key=lambda f: f["path"]):
        if f["path"].endswith(".docx") and f["kind"] != "changes":  # the 变更说明 of a v1 says only that
            picks.setdefault(f["kind"], f)
    for kind, f in picks.items():
        pages: dict[Path, int | None] = {out / f"{kind}-page1.png": 1, out / f"{kind}-middle.png": None}
        if kind == "compilation":
            pages[out / "compilation-contents.png"] = 2  # the 目录 follows the cover
        for png, page in page_pngs(target / f["path"], pages, s.templates_dir / "fonts" / "fonts.conf").items():
            print(f"{png}  ← {f['path']} page {page}")
    if index.screenshot(target / index.INDEX, out / "index.png"):
        print(f"{out / 'index.png'}  ← {index.INDEX}")
    else:
        print("index.png not made: Chromium is not installed (apt-get install chromium)", file=sys.stderr)
    return ExitCode.OK


def cmd_bench(args) -> int:
    """Render and whole-pack benchmarks against baselines measured in the same run (docxtpl, python-docx)."""
    from reportpack import bench

    s = _settings(args)
    if args.sizes is not None:
        sizes = tuple(args.sizes)
    else:
        sizes = bench.FULL_SIZES if args.full else bench.SIZES
    results = bench.run(
        s.templates_dir,
        s.output_dir,
        outlets=args.outlets,
        repeat=args.repeat,
        sizes=sizes,
        server=args.server,
        airflow=not args.no_airflow,
    )
    print(bench.table(results))
    print(f"written: {s.output_dir / 'bench' / 'results.json'}")
    return ExitCode.OK


def cmd_style_base(args) -> int:
    """Write the built-in GB/T 9704 style base; owners copy and restyle it (see the guide)."""
    from reportpack.render.styles import build_base

    s = _settings(args)
    out = Path(args.out) if args.out else s.templates_dir / "styles" / "gbt9704.docx"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(build_base())
    tmp.replace(out)
    print(out)
    return ExitCode.OK


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2023-06-30") from None


def _period(text: str) -> Period:
    try:
        return Period.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def default_period(today: date | None = None) -> Period:
    """The last complete half year on the bank's calendar (Asia/Shanghai): what a run today reports."""
    if today is None:
        today = datetime.now(ZoneInfo(BANK_TIMEZONE)).date()
    return Period.last_half_before(today)


def build_parser() -> argparse.ArgumentParser:
    common = {"epilog": EXIT_CODE_HELP, "formatter_class": argparse.RawDescriptionHelpFormatter}
    parser = argparse.ArgumentParser(
        prog="reportpack", description="ReportPack: branch data → validated figures → Chinese report packs (Word).", **common
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress (INFO)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func, help_: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_, **common)
        p.set_defaults(func=func)
        return p

    def period_opt(p) -> None:
        p.add_argument(
            "--period",
            type=_period,
            default=default_period(),
            help=f"2023-06, 2023Q2, 2023H1 or 2023 (default: the last complete half year, now {default_period().label})",
        )

    def pack_period_opt(p) -> None:
        p.add_argument(
            "--period",
            type=_period,
            default=None,
            help="2023-06, 2023Q2, 2023H1 or 2023, of the pack's cadence (default: the last complete one on the "
            f"bank's calendar, now {default_period().label} for a half-year pack)",
        )
        p.add_argument(
            "--provisional",
            action="store_true",
            help="a pack of a period not yet over: its months ended so far (data as of the last month end), every "
            "document marked 临时版; it stores no targets for the next period",
        )
        p.add_argument(
            "--as-of",
            type=_date,
            help="the month end a provisional pack's data is cut at (implies --provisional; default: the last one before today)",
        )

    def url_opt(p) -> None:
        p.add_argument("--url", help="warehouse SQLAlchemy URL (default: REPORTPACK_WAREHOUSE_URL, else the sample)")

    def out_opt(p) -> None:
        p.add_argument("--output", help="output root (default: REPORTPACK_OUTPUT_DIR, else ./output)")

    def pack_opt(p) -> None:
        p.add_argument("--pack", default="half_year", help="pack definition: templates/packs/<name>.yaml (default %(default)s)")

    def pdf_opt(p) -> None:
        p.add_argument("--pdf", action="store_true", help="also write PDF renditions with LibreOffice (under pdf/)")
        p.add_argument(
            "--workers",
            type=int,
            help="processes rendering documents, and LibreOffice calls at once (default: REPORTPACK_WORKERS, else one per core)",
        )

    p = add("seed", cmd_seed, "write the deterministic sample warehouse")
    p.add_argument("--outlets", type=int, default=22, help="number of outlets (default %(default)s)")
    p.add_argument(
        "--sub-branches", type=int, default=None, help="number of sub-branches (default: one per 8 outlets, at least 3)"
    )
    p.add_argument("--start", type=_date, default=date(2021, 12, 31), help="first day (default %(default)s)")
    p.add_argument("--end", type=_date, default=date(2023, 12, 31), help="last day (default %(default)s)")
    p.add_argument("--seed", type=int, default=20230630, help="random seed (default %(default)s)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--if-missing", action="store_true", help="do nothing if the target already holds a warehouse")
    mode.add_argument("--replace", action="store_true", help="drop and rewrite a warehouse already at the target")
    p.add_argument(
        "--progress", action=argparse.BooleanOptionalAction, default=True, help="progress bar on a terminal (default on)"
    )
    url_opt(p)

    p = add(
        "validate",
        cmd_validate,
        "check the warehouse rows of one period in the database, then extract and validate; exit 1 on a critical failure",
    )
    period_opt(p)
    url_opt(p)
    out_opt(p)

    add("rules", cmd_rules, "list every source-grain validation rule by table (expectations/source/), as Markdown")
    add(
        "check-deployment",
        cmd_check_deployment,
        "refuse to start a cluster whose JWT secret, Fernet key or passwords are the compose file's public development "
        "defaults (exit 2), unless REPORTPACK_DEVELOPMENT=1; run by docker-compose.yaml before Airflow starts",
    )

    p = add(
        "boilerplate",
        cmd_boilerplate,
        "measure a published pack's boilerplate: per document kind, the share of sentences every document repeats "
        "(numbers and names masked); writes output/bench/boilerplate.json",
    )
    period_opt(p)
    url_opt(p)
    out_opt(p)

    p = add("pack", cmd_pack, "build and publish the pack for one period in this process (no Airflow)")
    pack_period_opt(p)
    url_opt(p)
    out_opt(p)
    pdf_opt(p)
    pack_opt(p)

    p = add("airflow-run", cmd_airflow_run, "build the pack by running the DAG through Airflow (airflow dags test)")
    pack_period_opt(p)
    url_opt(p)
    out_opt(p)
    pdf_opt(p)
    pack_opt(p)
    p.add_argument(
        "--review",
        action="store_true",
        help="ask the pack's owners to approve it and wait for their answer (Required Actions of an api-server "
        "on the same metadata database); default: publish unattended, recorded as such",
    )

    p = add("style-base", cmd_style_base, "write the built-in GB/T 9704 Word style base (templates/styles/gbt9704.docx)")
    p.add_argument("--out", help="where to write it (default: templates/styles/gbt9704.docx)")

    p = add("show", cmd_show, "print where the pack of a period is published and what it holds")
    period_opt(p)
    out_opt(p)

    p = add(
        "proofread",
        cmd_proofread,
        "proofread a pack's documents (templates/proofreading.yaml) as the pipeline does before publishing; "
        "exit 1 when an error-level rule is broken",
    )
    p.add_argument("pack", help="a pack folder (e.g. output/2023H1/v2), or a period (its latest published version)")
    out_opt(p)

    p = add(
        "preview",
        cmd_preview,
        "render page 1 and a middle page of a compilation (and its 目录) and of one document of each kind to PNG (LibreOffice)",
    )
    period_opt(p)
    out_opt(p)
    p.add_argument("--out", default="docs/images", help="folder for the PNG files (default %(default)s)")
    p = add(
        "bench",
        cmd_bench,
        "benchmark rendering against docxtpl and python-docx measured in the same run, and whole packs of 1,000 and "
        "5,000 outlets on PostgreSQL, directly and through Airflow; writes <output>/bench/results.json",
    )
    out_opt(p)
    p.add_argument("--outlets", type=int, default=60, help="outlets of the render benchmark's warehouse (default %(default)s)")
    p.add_argument("--repeat", type=int, default=3, help="repetitions of the render benchmark, best kept (default %(default)s)")
    p.add_argument("--full", action="store_true", help="whole packs of 20,000 outlets too")
    p.add_argument(
        "--no-airflow",
        action="store_true",
        help="skip the packs through Airflow (LocalExecutor, one and two Celery workers; needs Redis on 127.0.0.1)",
    )
    p.add_argument("--sizes", type=int, nargs="*", help="whole packs of these outlet counts instead (none: render only)")
    p.add_argument(
        "--server",
        help="PostgreSQL server whose databases the seeded warehouses become (default: the local one, 127.0.0.1:5432)",
    )
    return parser


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the process is, so that it stops as on Ctrl-C: a run's ``finally``
    blocks give back its reserved version and its period lock, LibreOffice and Airflow children are
    stopped (``_child``), and nothing half-made is published."""


def _terminated(signum, frame):
    raise Terminated(f"signal {signum}")


def _child(command: list[str], env: dict[str, str]) -> int:
    """Run ``command`` to its end in a session of its own; if this process is interrupted (Ctrl-C,
    SIGTERM), stop the child's whole session — ``airflow dags test`` and every process it started —
    first asking as Ctrl-C would (SIGINT: inside a task, Airflow's task runner takes SIGTERM over and
    only calls the operator's ``on_kill``, so the run would go on to publish), then after 30 s
    forcing (SIGKILL)."""
    proc = subprocess.Popen(command, env=env, start_new_session=True)
    try:
        return proc.wait()
    except BaseException:
        for sig, grace in ((signal.SIGINT, 30), (signal.SIGKILL, 10)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)
            try:
                proc.wait(timeout=grace)
                break
            except subprocess.TimeoutExpired:
                continue
        with contextlib.suppress(ProcessLookupError):  # whatever of its session outlived it
            os.killpg(proc.pid, signal.SIGKILL)
        raise


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)  # a wrong option or value exits 2 with the usage
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminated)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("great_expectations", "py.warnings"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        return int(args.func(args))
    except ReportPackError as exc:
        # Bad data, a wrong input or an unreachable warehouse: the message names what and where; no traceback.
        print(f"reportpack {args.command}: {exc}", file=sys.stderr)
        for note in getattr(exc, "__notes__", ()):
            print(note, file=sys.stderr)
        if isinstance(exc, DataFailedValidation):
            print("nothing was published", file=sys.stderr)
        return int(exc.exit_code)
    except OSError as exc:
        problem = environment_problem(exc)  # a full or read-only disk is the machine's, not a bug
        if problem is None:
            return _bug(args)
        print(f"reportpack {args.command}: {problem}", file=sys.stderr)
        return int(problem.exit_code)
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (Terminated): the children were stopped on the way out
        published = getattr(exc, "published", None)  # SIGTERM waits until a publication begun is whole
        outcome = (
            f"{published.parent.name} {published.name} was published whole before it stopped"
            if published
            else "nothing was published (run it again to start afresh)"
        )
        print(f"reportpack {args.command}: interrupted; {outcome}", file=sys.stderr)
        return 143 if isinstance(exc, Terminated) else 130
    except Exception:  # noqa: BLE001 — the last resort: a bug, kept whole in a file for its report
        return _bug(args)


def _bug(args) -> int:
    """The exception being handled, as a bug: its traceback kept in a file for the report."""
    exc = sys.exc_info()[1]
    saved = Path(tempfile.gettempdir()) / f"reportpack-error-{int(time.time())}.txt"
    saved.write_text(traceback.format_exc(), "utf-8")
    print(
        f"reportpack {args.command}: internal error (a bug in ReportPack): {type(exc).__name__}: {exc}\n"
        f"the traceback is in {saved}; please attach it to a bug report",
        file=sys.stderr,
    )
    return int(ExitCode.INTERNAL_ERROR)


if __name__ == "__main__":
    sys.exit(main())
