"""``reportpack`` command line: seed, validate, pack, airflow-run, show, preview.

Configuration comes from the environment (``REPORTPACK_WAREHOUSE_URL``, ``REPORTPACK_OUTPUT_DIR``);
options override it for one call.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from reportpack import settings as settings_mod
from reportpack.periods import Period

DAG_ID = "reportpack_half_year"
log = logging.getLogger("reportpack")


def _settings(args) -> settings_mod.Settings:
    env = dict(os.environ)
    if getattr(args, "url", None):
        env["REPORTPACK_WAREHOUSE_URL"] = args.url
    if getattr(args, "output", None):
        env["REPORTPACK_OUTPUT_DIR"] = args.output
    return settings_mod.load(env)


def cmd_seed(args) -> int:
    from reportpack.warehouse.load import existing_tables, write
    from reportpack.warehouse.sample import SampleSpec, generate

    s = _settings(args)
    where = settings_mod.redact(s.warehouse_url)
    present = existing_tables(s.warehouse_url)
    if present and args.if_missing:
        print(f"warehouse present at {where}; not seeding")
        return 0
    if present and not args.replace:
        print(
            f"reportpack seed: {where} already holds a warehouse ({len(present)} tables, e.g. {present[0]}); "
            "pass --replace to drop and rewrite it",
            file=sys.stderr,
        )
        return 2
    spec = SampleSpec(outlets=args.outlets, sub_branches=args.sub_branches, start=args.start, end=args.end, seed=args.seed)
    started = time.perf_counter()
    try:
        counts = write(generate(spec), s.warehouse_url, progress=None if args.progress else False)
    except ValueError as exc:
        print(f"reportpack seed: {exc}", file=sys.stderr)
        return 2
    print(
        f"seeded {where}: {spec.outlets} outlets in {spec.n_sub_branches} sub-branches, "
        f"{spec.start}…{spec.end}, {sum(counts.values()):,} rows in {len(counts)} tables "
        f"({time.perf_counter() - started:.1f} s)"
    )
    return 0


def cmd_validate(args) -> int:
    from reportpack import pipeline
    from reportpack.validate import ValidationFailed

    s = _settings(args)
    run = pipeline.start(s, args.period, f"validate-{int(time.time())}")
    pipeline.extract(s, run)
    try:
        status = pipeline.validate(s, run)
    except ValidationFailed as exc:
        print(exc, file=sys.stderr)
        print(f"report and quarantined rows kept in {run.folder}", file=sys.stderr)
        return 1
    print(f"validation {status}; report in {run.pack / 'validation'}")
    return 0


def cmd_pack(args) -> int:
    from reportpack import pipeline
    from reportpack.validate import ValidationFailed

    s = _settings(args)
    try:
        path = pipeline.run_all(s, args.period, pdf=args.pdf, pack_name=args.pack)
    except ValidationFailed as exc:
        print(exc, file=sys.stderr)
        print("nothing was published", file=sys.stderr)
        return 1
    _show(path)
    return 0


def cmd_airflow_run(args) -> int:
    """Run the pack DAG through Airflow itself (``airflow dags test``) for one period."""
    s = _settings(args)
    period = Period.parse(args.period)
    env = settings_mod.airflow_env(s)
    env["REPORTPACK_OUTPUT_DIR"] = str(s.output_dir)
    env["REPORTPACK_WAREHOUSE_URL"] = s.warehouse_url
    # The scheduled run that reports ``period`` fires on the 2nd of the following month.
    after = period.end.toordinal() + 2
    logical = date.fromordinal(after).isoformat() + "T06:00:00+08:00"
    started = time.time()
    cmd = [str(Path(sys.executable).with_name("airflow")), "dags", "test", DAG_ID, logical,
           "--conf", json.dumps({"period": period.label, "pdf": args.pdf, "pack": args.pack})]
    print("$ " + " ".join(cmd), flush=True)
    proc = subprocess.run(cmd, env=env)
    target = s.output_dir / period.label
    manifest = target / "manifest.json"
    if proc.returncode != 0 or not manifest.exists() or manifest.stat().st_mtime < started:
        print(f"\nthe DAG run did not publish a pack for {period.label}; nothing was changed in {s.output_dir}", file=sys.stderr)
        _explain_failed_run(s.output_dir / ".runs", period.label, started)
        return proc.returncode or 1
    _show(target)
    return 0


def _explain_failed_run(runs: Path, label: str, since: float) -> None:
    """Repeat, after Airflow's logs, why the newest run of ``label`` stopped."""
    folders = sorted((p for p in runs.glob(f"{label}-*") if p.stat().st_mtime >= since), key=lambda p: p.stat().st_mtime)
    if not folders:
        print("see the task log above", file=sys.stderr)
        return
    state_file = folders[-1] / "run.json"
    validation = json.loads(state_file.read_text("utf-8")).get("validation", {}) if state_file.exists() else {}
    for message in validation.get("critical", []):
        print(message, file=sys.stderr)
    if validation.get("quarantine"):
        print(f"offending rows: {validation['quarantine']}", file=sys.stderr)
    print(f"run folder kept for inspection: {folders[-1]}", file=sys.stderr)


def cmd_show(args) -> int:
    s = _settings(args)
    target = s.output_dir / Period.parse(args.period).label
    if not (target / "manifest.json").exists():
        print(f"no pack published at {target}", file=sys.stderr)
        return 1
    _show(target)
    return 0


def _show(target: Path) -> None:
    from reportpack.publish.pack import read_manifest

    m = read_manifest(target)
    kinds: dict[str, int] = {}
    for f in m["files"]:
        kinds[f["kind"]] = kinds.get(f["kind"], 0) + 1
    print(f"period {m['period']}, validation {m['validation']['status']}, files by kind: {kinds}")
    print(f"Pack published: {target}")


def cmd_preview(args) -> int:
    """PNG of page 1 of the first compilation and of the first document of each kind (docs/images)."""
    from reportpack.publish.pack import read_manifest
    from reportpack.render.pdf import page_png

    s = _settings(args)
    target = s.output_dir / Period.parse(args.period).label
    files = read_manifest(target)["files"]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    picks: dict[str, dict] = {}
    for f in sorted(files, key=lambda f: f["path"]):
        if f["path"].endswith(".docx"):
            picks.setdefault(f"{f['kind']}-page1.png", f)
    for name, f in picks.items():
        page_png(target / f["path"], out / name, s.templates_dir / "fonts" / "fonts.conf")
        print(f"{out / name}  ← {f['path']}")
    return 0


def cmd_bench(args) -> int:
    """Render throughput on a generated warehouse, as a ratio against a plain python-docx writer."""
    from reportpack import bench

    s = _settings(args)
    result = bench.run(s.templates_dir, outlets=args.outlets, repeat=args.repeat)
    print(
        f"render: {result['documents']} documents of every kind, {result['ours_ms_per_doc']:.1f} ms/doc "
        f"(baseline plain python-docx {result['baseline_ms_per_doc']:.1f} ms/doc) → ratio {result['ratio']:.2f}"
    )
    return 0


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
    return 0


def _date(text: str) -> date:
    return date.fromisoformat(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="reportpack", description="ReportPack: branch data → validated figures → Chinese report packs (Word).")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress (INFO)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func, help_: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_)
        p.set_defaults(func=func)
        return p

    def period_opt(p, default: str | None = "2023H1") -> None:
        p.add_argument("--period", default=default, help="2023-06, 2023Q2, 2023H1 or 2023 (default %(default)s)")

    def url_opt(p) -> None:
        p.add_argument("--url", help="warehouse SQLAlchemy URL (default: REPORTPACK_WAREHOUSE_URL, else the sample)")

    def out_opt(p) -> None:
        p.add_argument("--output", help="output root (default: REPORTPACK_OUTPUT_DIR, else ./output)")

    def pack_opt(p) -> None:
        p.add_argument("--pack", default="half_year", help="pack definition: templates/packs/<name>.yaml (default %(default)s)")

    def pdf_opt(p) -> None:
        p.add_argument("--pdf", action="store_true", help="also write PDF renditions with LibreOffice (under pdf/)")

    p = add("seed", cmd_seed, "write the deterministic sample warehouse")
    p.add_argument("--outlets", type=int, default=22, help="number of outlets (default %(default)s)")
    p.add_argument("--sub-branches", type=int, default=None, help="number of sub-branches (default: one per 8 outlets, at least 3)")
    p.add_argument("--start", type=_date, default=date(2021, 12, 31), help="first day (default %(default)s)")
    p.add_argument("--end", type=_date, default=date(2023, 12, 31), help="last day (default %(default)s)")
    p.add_argument("--seed", type=int, default=20230630, help="random seed (default %(default)s)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--if-missing", action="store_true", help="do nothing if the target already holds a warehouse")
    mode.add_argument("--replace", action="store_true", help="drop and rewrite a warehouse already at the target")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=True, help="progress bar on a terminal (default on)")
    url_opt(p)

    p = add("validate", cmd_validate, "extract and validate one period; exit 1 on a critical failure")
    period_opt(p); url_opt(p); out_opt(p)

    p = add("pack", cmd_pack, "build and publish the pack for one period in this process (no Airflow)")
    period_opt(p); url_opt(p); out_opt(p); pdf_opt(p); pack_opt(p)

    p = add("airflow-run", cmd_airflow_run, "build the pack by running the DAG through Airflow (airflow dags test)")
    period_opt(p); url_opt(p); out_opt(p); pdf_opt(p); pack_opt(p)

    p = add("style-base", cmd_style_base, "write the built-in GB/T 9704 Word style base (templates/styles/gbt9704.docx)")
    p.add_argument("--out", help="where to write it (default: templates/styles/gbt9704.docx)")

    p = add("show", cmd_show, "print where the pack of a period is published and what it holds")
    period_opt(p); out_opt(p)

    p = add("preview", cmd_preview, "render page 1 of a compilation and of one document of each kind to PNG (LibreOffice)")
    period_opt(p); out_opt(p)
    p.add_argument("--out", default="docs/images", help="folder for the PNG files (default %(default)s)")
    p = add("bench", cmd_bench, "benchmark rendering against a plain python-docx baseline measured in the same run")
    p.add_argument("--outlets", type=int, default=60, help="outlets in the benchmark warehouse (default %(default)s)")
    p.add_argument("--repeat", type=int, default=3, help="repetitions, best kept (default %(default)s)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("great_expectations", "py.warnings"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    from reportpack.render.commentary import CommentaryError
    from reportpack.render.document import DocumentSyntaxError
    from reportpack.owner.inputs import InputError
    from reportpack.owner.packdef import PackDefinitionError
    from reportpack.render.styles import StyleBaseError
    from reportpack.render.templating import TemplateRenderError
    from reportpack.validate import SuiteError

    owner_errors = (
        TemplateRenderError, DocumentSyntaxError, SuiteError, PackDefinitionError, InputError, StyleBaseError, CommentaryError,
    )
    try:
        return args.func(args)
    except (*owner_errors, FileNotFoundError) as exc:
        # Errors in owner-edited files: the message names the file, line and reason; no traceback.
        print(f"reportpack {args.command}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
