"""``reportpack bench``: how fast a pack is made, against baselines measured in the same run.

Two parts, both written to ``<output>/bench/results.json`` and printed as a table:

* **Render** — every document of the default pack (all kinds, charts included, no compilations) of
  a generated warehouse, made four ways from the same figures, best of ``repeat``:
  ours (template → text → Word, ``render_ms_per_doc``; the Word writing alone, ``write_ms_per_doc``),
  the same documents written through python-docx's object model (``python_docx_ms_per_doc``: our
  reference writer, ``render/word.py``), and **docxtpl** (``docxtpl_ms_per_doc``) rendering one Word
  template that lays out the same paragraphs in the same styles and the same tables (a loop over the
  document's arranged paragraphs and tables, ``{%p %}``/``{%tr %}``/``{%tc %}`` tags) with the same
  text. docxtpl draws no charts and writes no comments, so it does less than we do.
  ``render_ratio`` = docxtpl ÷ ours (bigger is better).
* **Packs** — the whole default pack through ``reportpack.pipeline`` on a PostgreSQL warehouse
  seeded by the generator (seeding not timed), one child process per size so its peak RSS is its
  own: wall time, documents, peak RSS, seconds per phase.
* **Airflow** — the same sizes through Airflow, docker-compose.yaml's services run as local processes,
  with the LocalExecutor and with one and two Celery workers, against ``reportpack pack`` on the same
  warehouse in the same run (``bench_airflow``).

Absolute times depend on the machine; the ratios are what to compare between runs.
"""

from __future__ import annotations

import io
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from reportpack.derive import subjects
from reportpack.owner import packdef
from reportpack.periods import Period
from reportpack.pipeline import DEFAULT_PACK
from reportpack.render import arrange, charts, commentary, document, ooxml, templating
from reportpack.render.context import base_context, document_context
from reportpack.render.documents import part_subjects
from reportpack.render.ooxml import to_docx
from reportpack.render.styles import load_base
from reportpack.render.word import reference_docx

PERIOD = "2023H1"
SIZES = (1000, 5000)
FULL_SIZES = (*SIZES, 20000)
DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PHASES = ("extract", "validate", "derive", "render", "assemble", "publish")


def _best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def derived_figures(templates_dir: Path, outlets: int) -> dict:
    """The 2023H1 figures of a generated warehouse of ``outlets`` outlets (SQLite, temporary)."""
    from sqlalchemy import create_engine

    from reportpack.derive import figures
    from reportpack.extract import extract
    from reportpack.warehouse.load import write
    from reportpack.warehouse.sample import SampleSpec, generate

    period = Period.parse(PERIOD)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite"
        write(generate(SampleSpec(outlets=outlets)), url, progress=False)
        engine = create_engine(url)
        with engine.connect() as conn:
            frames = extract(conn, period, templates_dir / "sql")
        engine.dispose()
    return figures.derive(frames, period, templates_dir)


# --- docxtpl baseline ------------------------------------------------------------------------------

_PARAGRAPH_STYLES = (*arrange.STYLE_OF.values(), "Heading 1", "Heading 2", "Heading 3", "Heading 4", "Caption")


def docxtpl_template(style: bytes) -> bytes:
    """A docxtpl template on our style base: for each paragraph of the document, a paragraph in its
    style holding its text; for each table, a table with a row per row and a cell per cell."""
    from docx import Document

    doc = Document(io.BytesIO(style))
    doc.add_paragraph("{%p for b in blocks %}")
    for n, name in enumerate(dict.fromkeys(_PARAGRAPH_STYLES)):
        doc.add_paragraph(f"{{%p {'if' if n == 0 else 'elif'} b.style == '{name}' %}}")
        doc.add_paragraph("{{ b.text }}", style=name)
    doc.add_paragraph("{%p elif b.rows %}")
    table = doc.add_table(rows=3, cols=3)
    table.style = doc.styles["Table Grid"]
    table.cell(0, 0).text = "{%tr for row in b.rows %}"
    for c, text in enumerate(("{%tc for cell in row %}", "{{ cell }}", "{%tc endfor %}")):
        table.cell(1, c).paragraphs[0].text = text
        table.cell(1, c).paragraphs[0].style = doc.styles["Table Text"]
    table.cell(2, 0).text = "{%tr endfor %}"
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph("{%p endfor %}")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def docxtpl_context(blocks: list[document.Block]) -> dict:
    """What the docxtpl template needs to lay out the document ``blocks`` make."""
    out = []
    for item in arrange.arrange(blocks).items:
        if isinstance(item, arrange.Table):
            out.append({"style": "", "rows": [["".join(r.text for r in p.runs) for p in row] for row in item.cells]})
        elif isinstance(item, arrange.Para) and item.chart is None and item.toc_line is None and item.style:
            out.append({"style": item.style, "text": item.number + "".join(r.text for r in item.runs), "rows": []})
    return {"blocks": out}


def docxtpl_render(template: bytes, context: dict) -> bytes:
    from docxtpl import DocxTemplate

    doc = DocxTemplate(io.BytesIO(template))
    doc.render(context, autoescape=True)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# --- render ----------------------------------------------------------------------------------------


def render(templates_dir: Path, outlets: int = 60, repeat: int = 3) -> dict:
    """Every document of the default pack (all kinds, charts included), without the compilations."""
    period = Period.parse(PERIOD)
    base = base_context(templates_dir, period, [])
    definition = packdef.load(packdef.path_of(templates_dir, DEFAULT_PACK), templates_dir)
    style = load_base(definition.style_base)
    by_subject = subjects.build(derived_figures(templates_dir, outlets))
    rules = commentary.load(templates_dir / "commentary.yaml", templates_dir)
    jobs = [
        (part, document_context(base, part, s, rules)[0]) for part in definition.parts for s in part_subjects(part, by_subject)
    ]
    texts = [templating.render(templates_dir, part.template, ctx) for part, ctx in jobs]
    blocks = [document.number(document.parse(t), definition.level3) for t in texts]
    template = docxtpl_template(style)
    contexts = [docxtpl_context(b) for b in blocks]

    def fresh() -> None:  # every chart drawn anew, as in a pack where each document has its own
        for cached in (charts.chart_xml, charts.workbook, charts._wrapped, ooxml._chart_member, ooxml._workbook_member):
            cached.cache_clear()

    def ours() -> None:
        fresh()
        for part, ctx in jobs:
            text = templating.render(templates_dir, part.template, ctx)
            to_docx(document.number(document.parse(text), definition.level3), title="t", author="a", base=style)

    def ours_write() -> None:
        fresh()
        for bs in blocks:
            to_docx(bs, title="t", author="a", base=style)

    def python_docx() -> None:
        for bs in blocks:
            reference_docx(bs, title="t", author="a", base=style)

    def docxtpl() -> None:
        for ctx in contexts:
            docxtpl_render(template, ctx)

    n = len(jobs)
    ms = {name: 1000 * _best_of(fn, repeat) / n for name, fn in (("ours", ours), ("write", ours_write))}
    # the baselines are 100× slower: one pass is minutes' worth of documents already
    ms["python_docx"] = 1000 * _best_of(python_docx, 1) / n
    ms["docxtpl"] = 1000 * _best_of(docxtpl, 1) / n
    return {
        "outlets": outlets,
        "documents": n,
        "charts": sum(1 for bs in blocks for b in bs if b.kind == "chart"),
        "median_blocks": statistics.median(len(b) for b in blocks),
        "render_ms_per_doc": ms["ours"],
        "write_ms_per_doc": ms["write"],
        "python_docx_ms_per_doc": ms["python_docx"],
        "docxtpl_ms_per_doc": ms["docxtpl"],
        "render_ratio": ms["docxtpl"] / ms["ours"],
        "write_ratio": ms["docxtpl"] / ms["write"],
        "python_docx_ratio": ms["python_docx"] / ms["ours"],
    }


# --- whole packs -----------------------------------------------------------------------------------


def pack(templates_dir: Path, outlets: int, server: str) -> dict:
    """The whole default pack of ``outlets`` outlets, in a child process (its own peak RSS)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from reportpack.warehouse.load import write
    from reportpack.warehouse.sample import SampleSpec, generate

    name = f"reportpack_bench_{outlets}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'drop database if exists "{name}" with (force)'))
        conn.execute(text(f'create database "{name}"'))
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        started = time.perf_counter()
        write(generate(SampleSpec(outlets=outlets)), url, progress=False)
        seeded = time.perf_counter() - started
        with tempfile.TemporaryDirectory() as out:
            child = subprocess.run(
                [sys.executable, "-m", "reportpack.bench", "--pack", url, str(templates_dir), out],
                capture_output=True,
                text=True,
                check=False,
            )
            if child.returncode:
                raise RuntimeError(f"the {outlets}-outlet pack failed:\n{child.stderr[-3000:]}")
            result = json.loads(child.stdout.strip().splitlines()[-1])
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'drop database if exists "{name}" with (force)'))
        admin.dispose()
    return {"outlets": outlets, "seed_s": seeded, **result}


def through_airflow(outlets: int, server: str) -> dict:
    """``bench_airflow.measure`` in a child process (the seeding's memory is not ours to keep)."""
    child = subprocess.run(
        [sys.executable, "-m", "reportpack.bench_airflow", str(outlets), server], capture_output=True, text=True, check=False
    )
    if child.returncode:
        raise RuntimeError(f"the {outlets}-outlet pack through Airflow failed:\n{child.stderr[-3000:]}")
    return json.loads(child.stdout.strip().splitlines()[-1])


def peak_rss_mb() -> float:
    """This process's peak resident set (MB) since it started its program. Not ``ru_maxrss``: Linux
    carries the peak of the process image an ``exec`` replaced into it, so a pack started from the
    bench (which has just rendered hundreds of documents three ways) reported the bench's peak."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:  # not Linux
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))) / 1024


def _pack_child(url: str, templates_dir: Path, out: Path) -> dict:
    """Run in the child: the pipeline's phases, timed; the manifest's own phase seconds."""
    from reportpack import pipeline, settings

    env = {
        "REPORTPACK_HOME": str(templates_dir.parent),
        "REPORTPACK_WAREHOUSE_URL": url,
        "REPORTPACK_OUTPUT_DIR": str(out),
        "REPORTPACK_INPUT_DIR": str(out / "inputs"),
    }
    s = settings.load(env)
    started = time.perf_counter()
    run = pipeline.start(s, PERIOD, "bench")
    rss_after = {}  # the process's peak RSS after each phase: which phase sets it
    for phase in pipeline.BEFORE_PUBLISH:
        phase(s, run)
        rss_after[phase.__name__] = peak_rss_mb()
    seconds = dict(run.state.seconds)
    documents = sum(1 for p in run.state.documents if p.endswith(".docx"))
    before_publish = time.perf_counter()
    target = pipeline.publish(s, run)
    seconds["publish"] = time.perf_counter() - before_publish
    wall = time.perf_counter() - started
    manifest = json.loads((target / "manifest.json").read_text("utf-8"))
    assert manifest["seconds"], "the manifest records each phase's seconds"
    own = peak_rss_mb()
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    phases = {
        "extract": seconds["extract"],
        "validate": seconds["check_source"] + seconds["validate"],
        "derive": seconds["derive"],
        "render": seconds["render"],
        "assemble": seconds["assemble"],
        "publish": seconds["publish"],
    }
    rss_after["publish"] = own
    return {
        "docs": documents,
        "wall_s": wall,
        "peak_rss_mb": own,
        "peak_rss_children_mb": children,
        "peak_rss_after_phase_mb": rss_after,
        "phases_s": phases,
    }


# --- report ----------------------------------------------------------------------------------------


def run(
    templates_dir: Path,
    output_dir: Path,
    outlets: int = 60,
    repeat: int = 3,
    sizes=SIZES,
    server: str | None = None,
    airflow: bool = True,
) -> dict:
    """The benchmarks; writes ``output_dir/bench/results.json`` and returns what it wrote. With
    ``airflow``, each size also through Airflow (``bench_airflow``: the ``airflow`` key)."""
    results: dict = {"render": render(templates_dir, outlets, repeat), "packs": []}
    for size in sizes:
        results["packs"].append(pack(templates_dir, size, server or DEFAULT_SERVER))
    if airflow and sizes:
        results["airflow"] = [through_airflow(size, server or DEFAULT_SERVER) for size in sizes]
    if len(results["packs"]) > 1:
        first, last = results["packs"][0], results["packs"][-1]
        results["growth"] = {
            "outlets": f"{first['outlets']} → {last['outlets']}",
            "size_ratio": last["outlets"] / first["outlets"],
            "wall_ratio": last["wall_s"] / first["wall_s"],
        }
    # the figures the issue tracks, at the top level
    results.update(
        {k: results["render"][k] for k in ("render_ms_per_doc", "docxtpl_ms_per_doc", "render_ratio", "python_docx_ms_per_doc")}
    )
    folder = output_dir / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=2), "utf-8")
    return results


def table(results: dict) -> str:
    """The printed report."""
    r = results["render"]
    lines = [
        f"render: {r['documents']} documents of every kind ({r['charts']} charts), {r['outlets']} outlets",
        f"  ours             {r['render_ms_per_doc']:8.2f} ms/doc   (Word writing alone {r['write_ms_per_doc']:.2f} ms/doc)",
        f"  docxtpl          {r['docxtpl_ms_per_doc']:8.2f} ms/doc   → render_ratio {r['render_ratio']:.1f}× "
        f"(writing alone {r['write_ratio']:.0f}×)",
        f"  python-docx      {r['python_docx_ms_per_doc']:8.2f} ms/doc   → {r['python_docx_ratio']:.1f}×",
    ]
    if results["packs"]:
        head = f"{'outlets':>8} {'docs':>8} {'wall s':>8} {'RSS MB':>8} " + " ".join(f"{p:>9}" for p in PHASES)
        lines += ["", "whole packs (PostgreSQL warehouse; seconds per phase):", head]
        for p in results["packs"]:
            phases = " ".join(f"{p['phases_s'][name]:9.1f}" for name in PHASES)
            lines.append(f"{p['outlets']:>8} {p['docs']:>8} {p['wall_s']:>8.1f} {p['peak_rss_mb']:>8.0f} {phases}")
        lines.append("peak RSS (MB) after each phase, and of LibreOffice and the render workers:")
        for p in results["packs"]:
            after = ", ".join(f"{name} {mb:.0f}" for name, mb in p["peak_rss_after_phase_mb"].items())
            lines.append(f"{p['outlets']:>8}  {after}; children {p['peak_rss_children_mb']:.0f}")
    if "growth" in results:
        g = results["growth"]
        lines.append(f"growth {g['outlets']}: {g['size_ratio']:.0f}× the outlets cost {g['wall_ratio']:.1f}× the time")
    if results.get("airflow"):
        from reportpack import bench_airflow

        lines += bench_airflow.table(results["airflow"])
    return "\n".join(lines)


if __name__ == "__main__":  # the child of ``pack``: python -m reportpack.bench --pack URL TEMPLATES OUT
    _, flag, url, templates, out = sys.argv
    print(json.dumps(_pack_child(url, Path(templates), Path(out))))
