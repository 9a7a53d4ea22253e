"""Which subjects get a document of a part: a plan for the next period only for those still there."""

from reportpack.derive.subjects import Subject
from reportpack.owner.packdef import Part
from reportpack.render.documents import part_subjects


def _subject(key: str, active: bool) -> Subject:
    return Subject(key, key, key, "S1", "城东支行", {}, grouped=True, active=active)


SUBJECTS = {"outlet": [_subject("open", True), _subject("closed", False)]}


def test_a_summary_covers_every_subject_of_the_period_a_plan_only_those_there_at_its_end():
    summary = Part("outlet_half_year_summary", "网点工作总结", "t.md.j2", "outlet", "outlets")
    plan = Part("lobby_plan", "大堂管理工作计划", "t.md.j2", "outlet", "lobby_plans", at_period_end=True)
    assert [s.key for s in part_subjects(summary, SUBJECTS)] == ["open", "closed"]
    assert [s.key for s in part_subjects(plan, SUBJECTS)] == ["open"]


def test_without_libreoffice_the_contents_list_entries_without_pages_and_the_log_says_so(tmp_path, monkeypatch, caplog):
    import logging

    from docx import Document

    from reportpack.owner import packdef
    from reportpack.render import documents, pdf
    from tests.conftest import ROOT

    def missing():
        raise pdf.LibreOfficeMissing("LibreOffice not found")

    monkeypatch.setattr(pdf, "soffice", missing)
    text = "@cover 汇编\n@toc 目录\n@section\n= 编印说明\n说明。\n---\n== 篇一　甲\n= 甲网点总结\n正文。\n"
    (tmp_path / "c.txt").write_text(text, "utf-8")
    definition = packdef.load(packdef.path_of(ROOT / "templates", "half_year"), ROOT / "templates")
    c = documents.Compilation(tmp_path / "c.docx", tmp_path / "c.txt", "汇编", "某支行", definition)
    with caplog.at_level(logging.WARNING, logger="reportpack.render.documents"):
        assert documents._libreoffice() is False  # no layout copies then, no layout pass, no thumbnail
    c.write()
    entries = [p.text for p in Document(str(c.path)).paragraphs if p.style.name.startswith("toc ")]
    assert entries == ["编印说明\t", "篇一　甲\t", "甲网点总结\t"]
    assert any("目录页码未填" in r.message for r in caplog.records)


def test_an_error_in_a_worker_process_reaches_the_caller_whole_naming_file_and_line(sample_figures, tmp_path, monkeypatch):
    import pytest

    from reportpack.derive import subjects
    from reportpack.owner import packdef
    from reportpack.periods import Period
    from reportpack.render import commentary, documents, templating
    from tests.conftest import ROOT

    templates = ROOT / "templates"
    real = templating.render

    def failing(templates_dir, name, context):  # one outlet's summary breaks, in whichever worker renders it
        if name.endswith("outlet_half_year_summary.md.j2") and context["o"]["unit_id"] == "BR01-S002-O00002":
            raise templating.TemplateRenderError("x.md.j2:line 7: boom", file="x.md.j2", line=7, rule="boom", rule_zh="坏")
        return real(templates_dir, name, context)

    monkeypatch.setattr(templating, "render", failing)  # the workers are forked: they see it too
    definition = packdef.load(packdef.path_of(templates, "half_year"), templates)
    rules = commentary.load(templates / "commentary.yaml", templates)
    with pytest.raises(templating.TemplateRenderError) as caught:
        documents.render_pack(
            tmp_path, templates, definition, rules, subjects.build(sample_figures), [], Period.parse("2023H1"), [], workers=2
        )
    assert caught.value.file == "x.md.j2" and caught.value.line == 7 and "文件 x.md.j2，第7行：坏" in str(caught.value)


def test_batches_hold_whole_sub_branches_in_order_and_stay_under_airflows_map_limit():
    from collections import Counter

    from reportpack.render import documents

    keys = [f"S{i:04d}" for i in range(3000)]
    outlets = Counter({k: 1 + i % 7 for i, k in enumerate(keys)})  # sub-branches of 1 to 7 outlets
    for size, most in ((None, 1), (1, None), (20, None), (10**6, 1)):
        batches = documents._cut(keys, outlets, size)
        assert [k for b in batches for k in b] == keys  # every sub-branch once, in order
        assert len(batches) <= documents.MAX_BATCHES and (most is None or len(batches) == most)
        if size == 20:
            assert all(sum(outlets[k] for k in b) >= 20 for b in batches[:-1])
            assert all(sum(outlets[k] for k in b[:-1]) < 20 for b in batches)  # cut as soon as a batch has enough
        if size == 1:  # 3,000 batches would be too many: 12,000 outlets / 1,000 batches → 12 outlets or more each
            assert all(sum(outlets[k] for k in b) >= 12 for b in batches[:-1]) and len(batches) > 800
    assert documents._cut([], outlets, 20) == [[]]
