"""Failure semantics of a run: nothing half-written, nothing lost, nothing published on bad data."""

import json
import os
import re
import shutil
import zipfile
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
from docx import Document
from sqlalchemy import create_engine, text

from reportpack import pipeline
from reportpack.publish import pack
from reportpack.publish import targets as publish_targets
from reportpack.validate import ValidationFailed

pytestmark = pytest.mark.slow  # builds whole packs: make test, not make test-fast

# Tests of run semantics (publish, failure, renditions) use the small pack definition: the same
# pipeline with one document kind. The whole default pack is built in test_pack_structure.py.
SMALL = "outlet_summaries"


def _sql(url, statement):
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(statement))
    engine.dispose()


def test_a_critical_failure_publishes_nothing_and_keeps_the_earlier_pack_latest_and_version_numbers(warehouse, make_settings):
    s = make_settings(warehouse)
    first = pipeline.run_all(s, "2023H1", "first", pack_name=SMALL)
    before = pack.read_manifest(first)
    _sql(
        warehouse,
        "update daily_balance set corporate_deposit = -100 where unit_id = 'BR01-S001-O00001' and biz_date = '2023-03-01'",
    )
    with pytest.raises(ValidationFailed) as caught:
        pipeline.run_all(s, "2023H1", "second", pack_name=SMALL)
    message = str(caught.value)  # caught in the warehouse, at the row, before anything was extracted
    assert "table daily_balance" in message and "corporate_deposit 不得为负" in message
    assert "BR01-S001-O00001 2023-03-01" in message and "-100" in message  # the row itself
    assert pack.read_manifest(first) == before  # the published pack is untouched
    run = s.output_dir / ".runs" / "2023H1-second"
    quarantined = (run / "quarantine" / "source" / "daily_balance.csv").read_text("utf-8")
    assert "BR01-S001-O00001,2023-03-01,-100" in quarantined and "corporate_deposit between 0 and" in quarantined
    assert not (run / "data").exists() or not list((run / "data").iterdir())  # nothing was extracted
    assert not (run / "pack" / "manifest.json").exists()
    assert pack.versions(s.output_dir / "2023H1") == [1]  # no version number taken
    assert pack.latest(s.output_dir, "2023H1") == first.resolve()


def test_each_run_publishes_a_new_version_latest_follows_and_its_changes_are_named(warehouse, make_settings):
    """Each run publishes the period's next version and ``latest`` follows; #13's measure: the same
    period twice → v2 whose changes report says nothing changed; v1 balance changed in the
    warehouse → v3 whose report names the outlet, the document and the figure."""
    s = make_settings(warehouse)
    v1 = pipeline.run_all(s, "2023H1", "one", pack_name=SMALL)
    assert json.loads((v1 / "changes.json").read_text("utf-8")) == []  # a first version: nothing to compare
    assert "第一个版本" in _text(v1 / "变更说明.docx")
    v2 = pipeline.run_all(s, "2023H1", "two", pack_name=SMALL)
    period = s.output_dir / "2023H1"
    assert (v1.name, v2.name) == ("v1", "v2") and v1.parent == v2.parent == period
    assert pack.read_manifest(v1)["run_id"] == "one"  # v1 is kept as it was
    assert pack.read_manifest(v2)["version"] == "v2" and pack.read_manifest(v2)["previous"] == "v1"
    assert pack.read_manifest(v1)["previous"] is None
    assert (period / "latest").is_symlink() and os.readlink(period / "latest") == "v2"
    assert pack.latest(s.output_dir, "2023H1") == v2.resolve()
    with zipfile.ZipFile(period / "v2.zip") as z:  # the version, whole, in its own folder
        names = set(z.namelist())
        methods = {Path(i.filename).suffix: i.compress_type for i in z.infolist()}
        assert z.testzip() is None
    assert "v2/manifest.json" in names and {f"v2/{f['path']}" for f in pack.read_manifest(v2)["files"]} <= names
    # Word files are zips already: stored as they are; text is deflated
    assert methods[".docx"] == zipfile.ZIP_STORED and methods[".json"] == zipfile.ZIP_DEFLATED
    assert not list(period.glob(".*"))  # no partial zip or link left behind
    # index.html opens the version: Chinese, offline (no http anywhere), every link resolves
    page = (v2 / "index.html").read_text("utf-8")
    assert '<html lang="zh-CN">' in page and "2023年上半年" in page and "与v1相比：没有任何变化" in page
    assert "http" not in page and "<script" not in page
    links = re.findall(r'href="([^"]+)"', page)
    assert len(links) > 20 and all((v2 / unquote(href)).resolve().is_file() for href in links), links
    assert "../v2.zip" in links and any(unquote(h).startswith("outlets/") for h in links)
    assert not (s.output_dir / ".runs" / "2023H1-two").exists()  # the run folder is cleaned up
    (report,) = json.loads((v2 / "changes.json").read_text("utf-8"))
    assert report["against"] == "v1" and report["nothing_changed"]
    assert pack.read_manifest(v2)["changes"] == {"v1": {"nothing_changed": True}}
    assert "没有任何变化" in _text(v2 / "变更说明.docx")
    _sql(
        warehouse,
        "update daily_balance set savings_deposit = savings_deposit + 1000000"  # the outlet and its sub-branch
        " where unit_id in ('BR01-S001-O00001', 'BR01-S001') and biz_date = '2023-06-30'",
    )
    v3 = pipeline.run_all(s, "2023H1", "three", pack_name=SMALL)
    (report,) = json.loads((v3 / "changes.json").read_text("utf-8"))
    assert report["against"] == "v2" and not report["nothing_changed"]
    changed = {d["path"]: d for d in report["documents_changed"]}
    (summary,) = [p for p in changed if "BR01-S001-O00001_解放路分理处" in p]
    balance = [f for f in changed[summary]["figures"] if f["where"] == "储蓄存款余额"]
    assert balance and balance[0]["unit"] == "亿元" and balance[0]["old"] != balance[0]["new"]
    text = _text(v3 / "变更说明.docx")
    assert changed[summary]["title"] == "解放路分理处2023年上半年工作总结"
    assert "解放路分理处2023年上半年工作总结" in text and "储蓄存款余额" in text
    assert f"{balance[0]['old']}亿元" in text and f"{balance[0]['new']}亿元" in text


def _text(path) -> str:
    doc = Document(str(path))
    return "\n".join([p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells])


def test_a_version_number_is_never_shared_and_an_old_layout_pack_is_kept_aside(tmp_path):
    out = tmp_path / "out"
    (out / "2023H1").mkdir(parents=True)
    (out / "2023H1" / "manifest.json").write_text("{}", "utf-8")  # published before versions existed
    first = pack.reserve(out, "2023H1")
    second = pack.reserve(out, "2023H1")  # another run reserving before the first published
    assert (first.name, second.name) == ("v1", "v2")
    (aside,) = (out / ".superseded").iterdir()
    assert (aside / "manifest.json").read_text("utf-8") == "{}"
    pack.release(first)  # never published: its number is free again, the other run's is not
    assert pack.versions(out / "2023H1") == [2] and pack.reserve(out, "2023H1").name == "v3"


def test_latest_never_moves_back_to_an_older_version(tmp_path):
    out = tmp_path / "out"
    older, newer = pack.reserve(out, "2023H1"), pack.reserve(out, "2023H1")
    for version, folder in ((newer, "b"), (older, "a")):  # the newer run finishes first
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "manifest.json").write_text(json.dumps({"v": version.name}), "utf-8")
        pack.zip_version(version, source=tmp_path / folder)
        pack.publish(tmp_path / folder, version)
    assert pack.latest(out, "2023H1") == newer.resolve()
    assert (out / "2023H1" / "v1.zip").is_file() and (out / "2023H1" / "v2.zip").is_file()


def test_an_incomplete_pack_is_never_published(tmp_path):
    (tmp_path / "pack").mkdir()
    version = pack.reserve(tmp_path / "out", "2023H1")
    with pytest.raises(FileNotFoundError, match="incomplete"):
        pack.publish(tmp_path / "pack", version)
    assert pack.latest(tmp_path / "out", "2023H1") is None and not (version.parent / "latest").exists()
    (tmp_path / "pack" / "manifest.json").write_text("{}", "utf-8")
    with pytest.raises(FileNotFoundError, match="no zip written beside it"):
        pack.publish(tmp_path / "pack", version)
    assert (tmp_path / "pack" / "manifest.json").is_file() and not any(version.iterdir())


def test_redact_hides_the_password():
    from reportpack.settings import redact

    assert redact("postgresql+psycopg://u:secret@h/db") == "postgresql+psycopg://u:***@h/db"


def test_a_warning_renders_and_reaches_the_document(warehouse, tmp_path):
    import json

    from docx import Document

    from reportpack import settings as settings_mod
    from tests.conftest import ROOT

    home = tmp_path / "home"
    (home / "expectations").mkdir(parents=True)
    (home / "templates").symlink_to(ROOT / "templates")
    for suite in (ROOT / "expectations").glob("*.json"):
        data = json.loads(suite.read_text("utf-8"))
        if suite.stem == "outlet_balances":
            for exp in data["expectations"]:
                if exp["kwargs"].get("column") == "negative_rows":
                    exp["severity"] = "warning"
        (home / "expectations" / suite.name).write_text(json.dumps(data), "utf-8")
    (home / "expectations" / "source").mkdir()
    for suite in (ROOT / "expectations" / "source").glob("*.json"):  # the source rules it breaks: warnings too
        data = json.loads(suite.read_text("utf-8"))
        for exp in data["expectations"]:
            if exp["kwargs"].get("column") == "savings_deposit" or "tenfold" in exp["meta"]["rule"]:
                exp["severity"] = "warning"
        (home / "expectations" / "source" / suite.name).write_text(json.dumps(data), "utf-8")
    _sql(
        warehouse, "update daily_balance set savings_deposit = -1 where biz_date = '2023-05-05' and unit_id = 'BR01-S002-O00002'"
    )
    from tests.unit.test_validate import RELEDGER

    for statement in RELEDGER:
        _sql(warehouse, statement)
    s = settings_mod.load(
        {"REPORTPACK_HOME": str(home), "REPORTPACK_WAREHOUSE_URL": warehouse, "REPORTPACK_OUTPUT_DIR": str(tmp_path / "out")}
    )
    target = pipeline.run_all(s, "2023H1", "warn")
    assert pack.read_manifest(target)["validation"]["status"] == "passed with warnings"
    (doc,) = target.glob("outlets/*/BR01-S002-O00002_*.docx")
    paragraphs = [p.text for p in Document(str(doc)).paragraphs]
    assert "五、数据质量说明" in paragraphs
    assert any("有1个网点（共22个网点）的“负值记录数”数值超出合理范围" in p for p in paragraphs)
    # the source-grain rule the row broke, in Chinese, with the count of rows
    assert any("数据仓库源数据中有1行不符合规则“savings_deposit 不得为负" in p for p in paragraphs), paragraphs
    # The day of −1 also breaks the (warning-level) plausibility of daily changes: the 储蓄存款余额
    # figure carries a Word review comment with the value and the rule, next to the number.
    comments = list(Document(str(doc)).comments)
    assert any("“储蓄存款单日最大变动幅度”为" in c.text and "应不超过50%" in c.text for c in comments), [c.text for c in comments]
    (other,) = target.glob("outlets/*/BR01-S001-O00001_*.docx")  # not affected: no note, no comment
    assert not any("数据质量说明" in p.text for p in Document(str(other)).paragraphs)
    assert not list(Document(str(other)).comments)


def test_seed_never_overwrites_a_warehouse_unless_told(tmp_path, capsys):
    from reportpack.cli import main

    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    assert main(["seed", "--outlets", "4", "--url", url, "--no-progress"]) == 0
    before = (tmp_path / "w.sqlite").read_bytes()
    assert main(["seed", "--outlets", "5", "--url", url, "--no-progress"]) == 2
    assert "--replace" in capsys.readouterr().err
    assert main(["seed", "--if-missing", "--url", url]) == 0
    assert (tmp_path / "w.sqlite").read_bytes() == before
    assert main(["seed", "--outlets", "5", "--url", url, "--replace", "--no-progress"]) == 0


def test_validate_command_exits_non_zero_on_a_critical_failure(warehouse, tmp_path, capsys):
    from reportpack.cli import main

    out = str(tmp_path / "out")
    assert main(["validate", "--period", "2023H1", "--url", warehouse, "--output", out]) == 0
    _sql(
        warehouse,
        "delete from daily_balance where unit_id = 'BR01-S001-O00004' and biz_date between '2023-04-01' and '2023-04-30'",
    )
    assert main(["validate", "--period", "2023H1", "--url", warehouse, "--output", out]) == 1
    err = capsys.readouterr().err
    assert "every day a unit is open in the window has a row" in err and "30 rows break it" in err
    assert "BR01-S001-O00004   2023-04-01" in err  # the missing days themselves, at the source grain
    assert not (tmp_path / "out" / "2023H1").exists()


def test_pdf_renditions_sit_beside_the_documents_in_the_manifest(warehouse, make_settings):
    from tests.conftest import require_tool

    require_tool("soffice")
    s = make_settings(warehouse)
    target = pipeline.run_all(s, "2023H1", "pdf", pdf=True, pack_name=SMALL)
    files = pack.read_manifest(target)["files"]
    docs = [f["path"] for f in files if f["path"].endswith(".docx") and f["kind"] != "changes"]  # the 变更说明 has none
    pdfs = {f["path"] for f in files if f["kind"] == "pdf"}
    assert pdfs == {"pdf/" + d.removesuffix(".docx") + ".pdf" for d in docs}
    assert all((target / p).read_bytes().startswith(b"%PDF") for p in pdfs)
    # a page-1 thumbnail of each, shown on the index page with links to the Word file and the PDF
    thumbs = {f["path"] for f in files if f["kind"] == "thumbnail"}
    assert thumbs == {"thumbnails/" + d.removesuffix(".docx") + ".png" for d in docs}
    assert all((target / t).read_bytes().startswith(b"\x89PNG") for t in thumbs)
    page = (target / "index.html").read_text("utf-8")
    for doc in docs[:3]:
        stem = quote(doc.removesuffix(".docx"))
        assert f'src="thumbnails/{stem}.png"' in page and f'href="pdf/{stem}.pdf"' in page
    links = re.findall(r'(?:href|src)="([^"]+)"', page)
    assert all((target / unquote(h)).resolve().is_file() for h in links)


def test_bench_renders_real_documents_and_reports_ratios_against_docxtpl_and_python_docx(tmp_path):
    import json

    from reportpack import bench
    from tests.conftest import ROOT

    result = bench.run(ROOT / "templates", tmp_path, outlets=4, repeat=1, sizes=())
    assert json.loads((tmp_path / "bench" / "results.json").read_text("utf-8")) == result
    render = result["render"]
    assert render["median_blocks"] > 10 and render["charts"] > render["documents"] / 2
    assert render["documents"] > 4 * 3  # every kind: outlets, lobby plans, tellers, managers, sub-branches, bank
    for key in ("render_ms_per_doc", "docxtpl_ms_per_doc", "python_docx_ms_per_doc", "render_ratio"):
        assert result[key] == render[key] > 0
    assert render["render_ratio"] == render["docxtpl_ms_per_doc"] / render["render_ms_per_doc"]
    assert "render_ratio" in bench.table(result)


@pytest.mark.slow
def test_the_pack_bench_runs_a_whole_pack_on_a_seeded_postgresql_warehouse_and_times_each_phase():
    from reportpack import bench
    from tests.conftest import ROOT, private_pg_database

    with private_pg_database("reportpack_benchtest") as url:  # fails under CI when the server is missing
        from sqlalchemy.engine import make_url

        server = make_url(url).set(database="postgres").render_as_string(hide_password=False)
        result = bench.pack(ROOT / "templates", 30, server)
    assert result["outlets"] == 30 and result["docs"] > 30 * 7  # summaries, plans, tellers, managers
    assert set(result["phases_s"]) == set(bench.PHASES) and all(v >= 0 for v in result["phases_s"].values())
    assert result["phases_s"]["render"] > 0 and result["wall_s"] >= sum(result["phases_s"].values()) * 0.9
    after = result["peak_rss_after_phase_mb"]
    assert (
        list(after) == ["check_source", "extract", "validate", "derive", "render", "assemble", "publish"] and after["render"] > 50
    )


def test_the_docxtpl_baseline_writes_the_same_paragraphs_in_the_same_styles_and_the_same_tables():
    """The baseline is only fair if it lays out what we do (charts and comments aside)."""
    import io

    from docx import Document
    from docx.table import Table

    from reportpack import bench
    from reportpack.render import document
    from reportpack.render.ooxml import to_docx
    from reportpack.render.styles import load_base

    text = "= 标题\n# 一\n余额[[7.9亿元||批注]] & <增加>。\n- 甲\n| 指标 | 值 |\n| 存款 | 1 |\n| 贷款 | 2 |\n>> 某网点\n"
    blocks = document.number(document.parse(text))

    def layout(data: bytes) -> list:
        out = []
        for item in Document(io.BytesIO(data)).iter_inner_content():
            if isinstance(item, Table):
                out.append([[c.text for c in row.cells] for row in item.rows])
            else:
                out.append((item.style.name, item.text))
        return out

    ours = layout(to_docx(blocks, "t", "a"))
    theirs = layout(bench.docxtpl_render(bench.docxtpl_template(load_base()), bench.docxtpl_context(blocks)))
    assert theirs == ours
    assert ("Normal", "余额7.9亿元 & <增加>。") in theirs and ("Heading 1", "一、一") in theirs


def test_the_same_inputs_give_byte_identical_documents_on_one_worker_or_several(warehouse, make_settings, tmp_path):
    from dataclasses import replace

    one = replace(make_settings(warehouse, tmp_path / "a"), workers=1)
    two = replace(make_settings(warehouse, tmp_path / "b"), workers=2)
    first = pack.read_manifest(pipeline.run_all(one, "2023H1", "one"))
    second = pack.read_manifest(pipeline.run_all(two, "2023H1", "two"))
    docs = lambda m: {f["path"]: f["sha256"] for f in m["files"] if f["path"].endswith((".docx", "findings.json"))}  # noqa: E731
    assert docs(first) == docs(second) and len(docs(first)) == 178  # every document, compilation, 变更说明, findings
    assert set(first["seconds"]) >= {"check_source", "extract", "validate", "derive", "render", "assemble"}


def _stored_targets(url, period):
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("select unit_id, indicator, target, source from plan_target where period = :p order by unit_id, indicator"),
            {"p": period},
        ).fetchall()
    engine.dispose()
    return [tuple(r) for r in rows]


def test_first_half_plans_set_targets_that_second_half_summaries_complete(warehouse, make_settings, tmp_path):
    import pandas as pd
    from docx import Document

    unit = "BR01-S001-O00001"
    overrides = tmp_path / "inputs" / "2023H1" / "targets"
    overrides.mkdir(parents=True)
    (overrides / "城东支行.yaml").write_text(f"- {{unit: {unit}, indicator: corporate_growth, target: 100000000}}\n", "utf-8")
    s = make_settings(warehouse, inputs=tmp_path / "inputs")

    h1 = pipeline.run_all(s, "2023H1", "h1", pack_name=SMALL)
    stored = _stored_targets(warehouse, "2023H2")
    assert pack.read_manifest(h1)["targets"]["period"] == "2023H2" and len(stored) > 22
    assert (unit, "corporate_growth", 1e8, "owner:城东支行.yaml#1") in stored
    assert (h1 / "inputs" / "targets" / "城东支行.yaml").exists()
    pipeline.run_all(s, "2023H1", "h1-again", pack_name=SMALL)
    assert _stored_targets(warehouse, "2023H2") == stored  # stable under reruns

    run = pipeline.start(s, "2023H2", "h2", pack_name=SMALL)
    pipeline.extract(s, run)
    pipeline.validate(s, run)
    pipeline.derive(s, run)
    results = pd.read_parquet(run.figures / "plan_results.parquet")
    outlets = pd.read_parquet(run.figures / "outlets.parquet").set_index("unit_id")
    for r in results.itertuples():  # 完成率 = the figure at the end of 2023H2 ÷ the target the H1 plan set
        # a deposit target is met by what the outlet grew by itself: accounts moved at a closing or an
        # opening set aside (derive/moves.py; the same for outlets where nothing moved)
        judged = f"{r.indicator}_comparable" if f"{r.indicator}_comparable" in outlets else r.indicator
        assert r.actual == outlets.loc[r.unit_id, judged]
        assert r.target == next(t for u, i, t, _ in stored if u == r.unit_id and i == r.indicator)
        if r.better == "higher" and r.unit != "pct":
            assert r.completion == pytest.approx(r.actual / r.target)
        elif r.unit == "pct":  # a rate's target is met or not: "完成目标的105.68%" said nothing (issue #31)
            assert pd.isna(r.completion) and r.met == (round(r.actual, 4) >= round(r.target, 4))
    pipeline.render(s, run)
    pipeline.assemble(s, run)
    h2 = pipeline.publish(s, run)
    with_targets = {u for u, *_ in stored} & set(outlets.index)
    assert len(with_targets) == len(outlets)  # every outlet of 2023H2 had targets from its H1 plan
    for u in with_targets:
        (doc,) = h2.glob(f"outlets/*/{u}_*.docx")
        body = "\n".join(p.text for p in Document(str(doc)).paragraphs)
        assert "上期计划目标完成情况" in body and "对照上期工作计划为下半年所定目标" in body, u
    (mine,) = h2.glob(f"outlets/*/{unit}_*.docx")
    assert "对公存款较年初新增目标1亿元" in "\n".join(p.text for p in Document(str(mine)).paragraphs)


def test_a_broken_rule_file_stops_the_run_before_any_extraction(tmp_path, capsys, monkeypatch):
    from reportpack.cli import main
    from tests.conftest import ROOT

    home = tmp_path / "home"
    shutil.copytree(ROOT / "templates", home / "templates")
    (home / "expectations").symlink_to(ROOT / "expectations")
    rules = home / "templates" / "commentary.yaml"
    text = rules.read_text("utf-8")
    rules.write_text(text.replace("category: 成效", "category: 成绩", 1), "utf-8")
    line = text[: text.index("category: 成效")].count("\n") + 1  # the line of the wrong field
    monkeypatch.setenv("REPORTPACK_HOME", str(home))
    code = main(["pack", "--output", str(tmp_path / "out"), "--url", "sqlite:////nonexistent/never-opened.sqlite"])
    err = capsys.readouterr().err
    assert code == 2 and f"commentary.yaml: rule corporate_growth_first (line {line}): category: Input should be '成效'" in err
    assert not list((tmp_path / "out").glob(".runs/*/data"))  # nothing was extracted


def test_a_document_that_fails_proofreading_publishes_nothing_and_names_document_sentence_and_rule(
    warehouse, tmp_path, capsys, monkeypatch
):
    """An error-level proofreading rule stops the pack (exit 1) naming each document, rule and
    sentence; as a warning the same finding is published for the reviewer in proofreading.json, on
    the index page and as a review comment in the document. (The slip: a glossary that does not
    want 较年初, which every outlet summary writes.)"""
    from reportpack.cli import main
    from tests.conftest import ROOT

    home = tmp_path / "home"
    shutil.copytree(ROOT / "templates", home / "templates")
    (home / "expectations").symlink_to(ROOT / "expectations")
    severities = home / "templates" / "proofreading.yaml"
    shipped = severities.read_text("utf-8")
    assert "  glossary: error" in shipped and "\nglossary:\n" in shipped
    strict = shipped.replace("\nglossary:\n", "\nglossary:\n  较年初: 比年初\n")
    severities.write_text(strict, "utf-8")
    monkeypatch.setenv("REPORTPACK_HOME", str(home))
    monkeypatch.setattr("reportpack.render.documents._libreoffice", lambda: False)  # no 目录 pages needed here
    out = tmp_path / "out"
    code = main(["pack", "--pack", SMALL, "--period", "2023H1", "--output", str(out), "--url", warehouse])
    err = capsys.readouterr().err
    assert code == 1, err
    assert "failed proofreading (error-level rules of templates/proofreading.yaml); nothing was published" in err
    assert re.search(r"outlets/\S+\.docx: glossary: “较年初”: the pack writes “比年初” — “[^”]*较年初[^”]*”", err)
    assert pack.latest(out, "2023H1") is None

    severities.write_text(strict.replace("  glossary: error", "  glossary: warning"), "utf-8")
    assert main(["pack", "--pack", SMALL, "--period", "2023H1", "--output", str(out), "--url", warehouse]) == 0
    published = pack.latest(out, "2023H1")
    noted = json.loads((published / "proofreading.json").read_text("utf-8"))
    assert noted and {n["rule"] for n in noted} == {"glossary"}
    index = (published / "index.html").read_text("utf-8")
    assert "<h2>校对提示</h2>" in index and noted[0]["detail"] in index
    # in the document, a review comment on the sentence says what to check
    from docx import Document

    doc = Document(published / noted[0]["path"])
    assert any("术语写法与术语表不一致" in c.text for c in doc.comments)
    assert main(["proofread", str(published)]) == 0  # the CLI agrees: warnings only


def test_targets_that_cannot_be_stored_publish_nothing(warehouse, make_settings):
    s = make_settings(warehouse)
    run = pipeline.start(s, "2023H1", "no-store", pack_name=SMALL)
    for phase in (pipeline.extract, pipeline.validate, pipeline.derive, pipeline.render, pipeline.assemble):
        phase(s, run)
    _sql(warehouse, "alter table plan_target rename to plan_target_gone")  # e.g. no write permission
    with pytest.raises(Exception, match="plan_target"):
        pipeline.publish(s, run)
    assert pack.latest(s.output_dir, "2023H1") is None and not pack.versions(s.output_dir / "2023H1")


def _publish(s, run_id, review):
    run = pipeline.start(s, "2023H1", run_id, pack_name=SMALL)
    for phase in pipeline.BEFORE_PUBLISH:
        phase(s, run)
    return pipeline.publish(s, run, review=review)


def test_owners_approve_or_reject_and_only_a_final_version_sets_the_next_periods_targets(warehouse, make_settings):
    from reportpack.publish import approval

    s = make_settings(warehouse)
    owner = {"id": "wangfang", "name": "王芳"}
    answer = {"templates_dir": s.templates_dir, "warehouse_url": warehouse, "at": "2024-07-03T09:00:00+08:00"}

    _sql(warehouse, "delete from plan_target where period = '2023H2'")  # the session's sample may hold some
    v1 = _publish(s, "one", review=True)  # owners asked: nothing stored until one of them approves
    m1 = pack.read_manifest(v1)
    assert m1["approval"]["status"] == "pending" and m1["approval"]["owners"] == [owner]
    assert m1["targets"]["stored"] is False and _stored_targets(warehouse, "2023H2") == []
    assert "待王芳在 Airflow 中批准或退回" in (v1 / "index.html").read_text("utf-8")
    request = approval.request(v1, s.templates_dir, "http://airflow.example/reportpack/2023H1/v1/")
    assert request["subject"] == "请审批：2023年上半年报告包 v1（25份文稿）"
    assert "http://airflow.example/reportpack/2023H1/v1/" in request["body"] and "网点工作总结 22份" in request["body"]

    approval.record(v1, True, owner, reason=None, **answer)
    m1 = pack.read_manifest(v1)
    assert m1["approval"] == {**m1["approval"], "status": "approved", "by": owner, "at": answer["at"], "reason": None}
    csv = publish_targets.read_csv(v1 / "targets.csv")
    stored = _stored_targets(warehouse, "2023H2")
    assert m1["targets"]["stored"] is True and len(stored) == len(csv) == m1["targets"]["rows"] > 22
    page = (v1 / "index.html").read_text("utf-8")
    assert "已批准（王芳，2024年7月3日 09:00）" in page and "已写入数据仓库，本版本已批准" in page
    index_entry = next(f for f in m1["files"] if f["path"] == "index.html")  # the manifest follows the new page
    assert index_entry["sha256"] == pack.sha256_file(v1 / "index.html")
    with zipfile.ZipFile(v1.parent / "v1.zip") as z:  # and so does the zip
        assert json.loads(z.read("v1/manifest.json"))["approval"]["status"] == "approved"
    assert not list(v1.parent.glob(".*partial*")) and not list(v1.glob(".*"))
    with pytest.raises(approval.ApprovalError, match="approval is 'approved', not 'pending'"):
        approval.record(v1, False, owner, reason="again", **answer)  # answered once

    _sql(warehouse, "update plan_target set target = target + 1 where period = '2023H2'")  # to see what rewrites it
    changed = _stored_targets(warehouse, "2023H2")
    v2 = _publish(s, "two", review=False)  # unattended after an approved version: the approved targets stay
    m2 = pack.read_manifest(v2)
    assert m2["approval"]["status"] == "unattended" and m2["approval"]["by"] is None
    assert m2["targets"]["stored"] is False and "v1" in m2["targets"]["note"]
    assert _stored_targets(warehouse, "2023H2") == changed

    v3 = _publish(s, "three", review=True)
    approval.record(v3, False, owner, reason="存款数据待核实", **answer)
    m3 = pack.read_manifest(v3)
    assert m3["approval"]["status"] == "rejected" and m3["approval"]["reason"] == "存款数据待核实"
    assert m3["targets"]["stored"] is False and _stored_targets(warehouse, "2023H2") == changed
    assert "已退回（王芳，2024年7月3日 09:00；理由：存款数据待核实）" in (v3 / "index.html").read_text("utf-8")
    # v3's changes were compared with v2 (the previous) and v1 (the last approved)
    assert sorted(pack.read_manifest(v3)["changes"]) == ["v1", "v2"]


def test_a_monthly_pack_briefs_each_sub_branch_and_sets_no_targets(warehouse, make_settings):
    s = make_settings(warehouse)
    _sql(warehouse, "delete from plan_target where period = '2023-07'")
    v1 = pipeline.run_all(s, "2023-06", "month", pack_name="monthly_brief")
    m = pack.read_manifest(v1)
    briefs = sorted(f["path"] for f in m["files"] if f["kind"] == "monthly_brief")
    assert briefs == [
        "monthly_briefs/BR01-S001_城东支行.docx",
        "monthly_briefs/BR01-S002_城西支行.docx",
        "monthly_briefs/BR01-S003_高新支行.docx",
    ]
    assert not [f for f in m["files"] if f["kind"] == "compilation"]  # one document per sub-branch: no compilation
    assert m["targets"] is None and not (v1 / "targets.csv").exists()
    assert _stored_targets(warehouse, "2023-07") == []  # a brief sets no targets for next month
    text = _text(v1 / briefs[0])
    assert "城东支行2023年6月经营简报" in text.replace("\n", "") and "截至6月末" in text
    # schema-valid for Word (issue #32: a validator we did not write, the Office 2016 schemas)
    from openxml_audit import FileFormat, OpenXmlValidator

    validator = OpenXmlValidator(FileFormat.OFFICE_2016)
    assert {b: [e.description for e in validator.validate(str(v1 / b)).errors] for b in briefs} == {b: [] for b in briefs}
    page = (v1 / "index.html").read_text("utf-8")
    assert "2023年6月月度经营简报报告包" in page and "下期目标" not in page
    from reportpack.publish import approval

    body = approval.request(v1, s.templates_dir, None)["body"]
    assert "批准后本版本定稿。" in body and "下期目标" not in body  # a brief sets none: the request does not promise any
    with pytest.raises(Exception, match="period 2023H1 is a half, but pack monthly_brief reports every month"):
        pipeline.run_all(s, "2023H1", "wrong", pack_name="monthly_brief")


def test_the_bench_measures_a_packs_own_peak_memory_not_that_of_the_process_that_started_it():
    """Linux keeps the peak RSS of the program an ``exec`` replaced in ``ru_maxrss``: a pack started
    by the bench after its render benchmark reported the bench's peak as its own."""
    import subprocess
    import sys

    held = bytearray(400 * 2**20)  # the starting process holds 400 MB (touched: resident)
    for i in range(0, len(held), 4096):
        held[i] = 1
    code = "from reportpack.bench import peak_rss_mb; print(peak_rss_mb())"
    child = float(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout)
    assert 10 < child < 300, child  # ru_maxrss said 555 here
    del held


def test_the_compilations_are_assembled_in_another_process_from_the_run_folder_alone(warehouse, make_settings, tmp_path):
    """The render and assemble phases are separate Airflow tasks: what assemble needs is in the run
    folder, not in memory; publishing before it is refused, never a pack without its compilations."""
    import subprocess
    import sys

    from tests.conftest import ROOT, require_tool

    require_tool("soffice", "pdftotext")
    s = make_settings(warehouse)
    run = pipeline.start(s, "2023H1", "apart")
    for phase in (pipeline.extract, pipeline.validate, pipeline.derive, pipeline.render):
        phase(s, run)
    assert not list(run.pack.glob("*.docx"))  # the compilations wait for assemble
    with pytest.raises(RuntimeError, match="rendered but not assembled: run the assemble phase"):
        pipeline.publish(s, run)
    env = {
        **os.environ,
        "REPORTPACK_HOME": str(ROOT),
        "REPORTPACK_WAREHOUSE_URL": warehouse,
        "REPORTPACK_OUTPUT_DIR": str(tmp_path / "output"),
        "REPORTPACK_INPUT_DIR": str(tmp_path / "inputs"),
    }
    code = "import json, sys; from reportpack import pipeline, settings; "
    code += "pipeline.assemble(settings.load(), pipeline.Run.from_ref(json.loads(sys.argv[1]), settings.load().warehouse_url))"
    subprocess.run([sys.executable, "-c", code, json.dumps(run.ref())], env=env, check=True)
    assert "assemble" in run.state.seconds
    assert pipeline.assemble(s, run) == {}  # nothing left to do: a retried task changes nothing
    published = pipeline.publish(s, run)
    compilations = sorted(published.glob("*（汇总*篇）.docx"))
    assert len(compilations) == 3
    for path in compilations:
        entries = [p.text for p in Document(str(path)).paragraphs if p.style.name in ("toc 1", "toc 2")]
        assert len(entries) > 10 and all(re.fullmatch(r".+\t\d+", e) for e in entries), path.name  # every entry numbered


def test_a_pack_cut_into_batches_run_apart_is_the_pack_one_process_makes(warehouse, make_settings, tmp_path):
    """Airflow's path: plan, then each batch in a process of its own (here in reverse order, one
    twice as a retry would), then collect — the same documents, compilations and findings, byte for
    byte, as ``reportpack pack``; collect and publish refuse while a batch is missing."""
    import subprocess
    import sys
    from dataclasses import replace

    from tests.conftest import ROOT

    whole = pack.read_manifest(pipeline.run_all(make_settings(warehouse, tmp_path / "whole"), "2023H1", "whole"))
    s = replace(make_settings(warehouse, tmp_path / "cut"), batch_outlets=5)
    run = pipeline.start(s, "2023H1", "cut")
    for phase in (pipeline.check_source, pipeline.extract, pipeline.validate, pipeline.derive):
        phase(s, run)
    batches = pipeline.plan(s, run)
    assert batches == [0, 1, 2]  # the sample's three sub-branches hold 5 or more outlets each
    env = {
        **os.environ,
        "REPORTPACK_HOME": str(ROOT),
        "REPORTPACK_WAREHOUSE_URL": warehouse,
        "REPORTPACK_OUTPUT_DIR": str(tmp_path / "cut"),
        "REPORTPACK_INPUT_DIR": str(tmp_path / "inputs"),
        "REPORTPACK_BATCH_OUTLETS": "5",
    }
    code = "import json, sys; from reportpack import pipeline, settings; "
    code += "print(json.dumps(pipeline.batch(settings.load(), pipeline.Run.from_ref(json.loads(sys.argv[1]), settings.load().warehouse_url), int(sys.argv[2]))))"
    done = {}
    for n in (2, 0, 2, 1):
        if n == 1:
            with pytest.raises(RuntimeError, match=r"batch 2 of 3 \(sub-branches .+\) is not rendered: no pack without it"):
                pipeline.collect(s, run)
            with pytest.raises(RuntimeError, match="rendered but not assembled"):
                pipeline.publish(s, run)
        out = subprocess.run(
            [sys.executable, "-c", code, json.dumps(run.ref()), str(n)], env=env, check=True, capture_output=True
        )
        done[n] = json.loads(out.stdout.decode().splitlines()[-1])
    assert sum(d["documents"] for d in done.values()) == sum(1 for k in whole["files"] if k["path"].endswith(".docx")) - 5
    pipeline.collect(s, run)
    cut = pack.read_manifest(pipeline.publish(s, run))
    docs = lambda m: {f["path"]: f["sha256"] for f in m["files"] if f["path"].endswith((".docx", ".json", ".png"))}  # noqa: E731
    assert docs(cut).keys() == docs(whole).keys() and len(docs(whole)) > 178
    changed = [p for p in docs(whole) if docs(cut)[p] != docs(whole)[p]]
    assert all(p.startswith("validation/") for p in changed), changed  # the suites' run times
    assert cut["seconds"]["render"] > 0 and cut["seconds"]["assemble"] > 0


def test_a_template_error_in_a_batch_says_so_in_the_run_state_as_a_phase_would(warehouse, tmp_path):
    """In Airflow the batches are not phases of their own state; a template error in one still leaves
    the run's reason (the template and line; exit code 2) for `reportpack airflow-run` to repeat."""
    from dataclasses import replace

    from reportpack import settings as settings_mod
    from reportpack.errors import OwnerFileError
    from tests.conftest import ROOT

    home = tmp_path / "home"
    for folder in ("templates", "expectations"):
        shutil.copytree(ROOT / folder, home / folder)
    lobby = home / "templates" / "documents" / "lobby_plan.md.j2"
    lobby.write_text(lobby.read_text("utf-8") + "\n{{ o.no_such_figure | money }}\n", "utf-8")
    s = replace(
        settings_mod.load(
            {
                "REPORTPACK_HOME": str(home),
                "REPORTPACK_WAREHOUSE_URL": warehouse,
                "REPORTPACK_OUTPUT_DIR": str(tmp_path / "out"),
                "REPORTPACK_INPUT_DIR": str(tmp_path / "in"),
            }
        ),
        batch_outlets=5,
        workers=1,
    )
    run = pipeline.start(s, "2023H1", "broken")
    for phase in (pipeline.check_source, pipeline.extract, pipeline.validate, pipeline.derive):
        phase(s, run)
    assert pipeline.plan(s, run) == [0, 1, 2]
    with pytest.raises(OwnerFileError, match="lobby_plan.md.j2"):
        pipeline.batch(s, run, 1)
    failed = run.state.failed
    assert failed.phase == "batch 2" and failed.exit_code == 2 and "lobby_plan.md.j2" in failed.message
