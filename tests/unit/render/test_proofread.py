"""The proofreader: each rule finds its slip in a document written by the pack's own writer and read
back from the .docx, and lets its near miss pass; severities come from templates/proofreading.yaml."""

import io
from pathlib import Path

import pytest

from reportpack.owner import proofreading
from reportpack.render import charts, document, proofread
from reportpack.render.ooxml import to_docx
from reportpack.render.styles import load_base

ROOT = Path(__file__).resolve().parents[3]
SPEC = proofreading.load(ROOT / "templates" / "proofreading.yaml")


def _docx(body: str) -> bytes:
    blocks = document.number(document.parse(f"= 某网点//2023年下半年工作计划\n\n{body}\n\n>> 某网点\n>> 2023年6月30日\n", "t"))
    return to_docx(blocks, title="t", author="a", base=load_base(None))


def _found(body: str, rule: str) -> list[proofread.Issue]:
    return [i for i in proofread.check(_docx(body), SPEC) if i.rule == rule]


# rule: (a text with the slip, its near miss); each text is a document body in the pack's text form
CASES = {
    "verdict_against_numbers": [
        ("考核得分88分，低于本网点平均（88分）。", "考核得分88分，低于本网点平均（88.3分）。"),
        ("考核得分86.8分，高于本网点平均（86.8分）。", "考核得分86.9分，高于本网点平均（86.8分）。"),
        (
            "平均每小时办理柜面业务97.7笔，持平本支行网点中位数（98.9笔）。",
            "平均每小时办理柜面业务98.9笔，持平本支行网点中位数（98.9笔）。",
        ),
        (
            "平均每小时办理柜面业务80.1笔，与本支行网点中位数（98.9笔）基本持平。",
            "平均每小时办理柜面业务97.7笔，与本支行网点中位数（98.9笔）基本持平。",
        ),
        ("综合得分66.5分，低于本支行网点中位数66.5分。", "综合得分66分，低于本支行网点中位数66.5分。"),
        ("差错率为每万笔0.58笔，不高于本支行网点中位数（0.57笔）。", "差错率为每万笔0.57笔，不高于本支行网点中位数（0.57笔）。"),
    ],
    "enumeration_of_one": [("一是只有一件事。\n\n后面是正文。", "一是第一件事；二是第二件事。")],
    "number_runs_into_text": [
        (
            "# 目标\n\n1. 6S管理各项得分均不低于85分。\n1. 投诉为零。",
            "# 目标\n\n1. 环境“6S”管理各项得分均不低于85分。\n1. 投诉为零。",
        )
    ],
    "all_over_one": [
        ("上半年受理的1件投诉经核实均不属有效投诉。", "上半年受理的6件投诉经核实均不属有效投诉。"),
        ("其余1笔正在逐笔跟踪整改。", "其余2笔正在逐笔跟踪整改。"),
    ],
    "percentage_over_few": [
        ("期内回复运营风险事件2笔，回复准确率50%。", "期内回复运营风险事件6笔，回复准确率50%。"),
        (
            "受理客户投诉4件，其中有效投诉1件，首问解决2件，首问解决率50%。",
            "受理客户投诉5件，其中有效投诉1件，首问解决2件，首问解决率40%。",
        ),
        # a rate with no count before it in its sentence states a target, not a share of a few cases
        ("回复2笔，准确率为50%，仍需提高。", "回复2笔，其中1笔准确；首问解决率不低于80%。"),
        # a table row reads as a sentence
        (
            "| 履职事项 | 数量 | 完成情况 |\n| 风险事件回复 | 4笔 | 75% |",
            "| 履职事项 | 数量 | 完成情况 |\n| 风险事件回复 | 4笔 | 准确3笔 |",
        ),
    ],
    "unit_counts_differ": [
        (
            "高新支行所辖6个网点的27名在岗柜员参加考核。\n\n完成率在高新支行5个网点中列第1位。",
            "高新支行所辖6个网点的27名在岗柜员参加考核。\n\n完成率在高新支行参与排名的5个网点中列第1位。",
        ),
        (
            "所辖22个网点中，本网点排第3。所辖7个网点存款增加。",
            "数据中有1个网点（共22个网点）的数值超出合理范围。所辖7个网点存款增加。",
        ),
        (
            "对所辖7个网点开展检查。所辖6个网点存款增加。",
            "对所辖7个网点（含期内撤并的胜利路网点）开展检查。截至6月末，所辖6个网点存款增加。",
        ),
    ],
    "target_text_and_table_differ": [
        (
            "对公存款较年初新增目标0.80亿元，实际1亿元。\n\n| 指标 | 目标 | 实际 |\n| 对公存款较年初新增 | 不低于0.70亿元 | 1亿元 |",
            "对公存款较年初新增目标0.80亿元，实际1亿元。\n\n| 指标 | 目标 | 实际 |\n| 对公存款较年初新增 | 不低于8000万元 | 1亿元 |",
        ),
        (
            "柜面业务差错率目标不高于每万笔0.60笔。\n\n| 指标 | 目标 |\n| 柜面业务差错率 | 不高于每万笔0.50笔 |",
            "柜面业务差错率目标不高于每万笔0.60笔。\n\n| 指标 | 目标 |\n| 柜面业务差错率 | 不高于每万笔0.60笔 |",
        ),
    ],
    "last_item_semicolon": [("一是甲；\n\n二是乙；\n\n正文。", "一是甲；\n\n二是乙。\n\n正文。")],
    "glossary": [
        (
            "@chart bar 完成率与时序进度（%）\n| 指标 | 完成率 |\n| 存款 | 50 |",
            "@chart bar 完成率与序时进度（%）\n| 指标 | 完成率 |\n| 存款 | 50 |",
        )
    ],
    "mixed_units_in_sentence": [
        (
            "储蓄存款较年初增加额，新华路分理处居首（0.79亿元），滨河路分理处列末位（225.35万元）。",
            "储蓄存款较年初增加额，新华路分理处居首（7926.78万元），滨河路分理处列末位（225.35万元）。",
        ),
        ("收回贷款1.20亿元、320万元和40万元。", "储蓄存款日均4.07亿元，较上年全年日均减少151.57万元。"),
    ],
    "mixed_units_in_column": [
        (
            "| 指标 | 目标 |\n| 对公存款 | 不低于0.17亿元 |\n| 储蓄存款 | 不低于616.54万元 |",
            "| 指标 | 目标 |\n| 对公存款 | 不低于0.17亿元 |\n| 储蓄存款 | 不低于0.06亿元 |",
        ),
    ],
}


@pytest.mark.parametrize(
    "rule, slip, near_miss", [(rule, s, n) for rule, pairs in CASES.items() for s, n in pairs], ids=lambda x: x[:20]
)
def test_a_rule_finds_its_slip_and_passes_its_near_miss(rule, slip, near_miss):
    assert _found(slip, rule), f"{rule} missed: {slip}"
    assert not _found(near_miss, rule), f"{rule} struck out a correct sentence: {near_miss}"


def test_every_rule_has_its_case_and_a_severity():
    assert set(proofread.RULES) == set(proofreading.RULE_IDS) == set(CASES) | {"bar_axis_not_from_zero"}
    assert set(SPEC.rules) == set(proofread.RULES)


def test_a_bar_chart_starts_its_value_axis_at_zero_unless_a_value_is_negative():
    """LibreOffice's automatic scale started a bar chart of 42–45 at 42 (45 looked three times 43)."""
    positive = charts.chart_xml("bar", (("项目", "笔数"), ("甲", "45"), ("乙", "43"), ("丙", "42")))
    negative = charts.chart_xml("bar", (("项目", "增量"), ("甲", "45"), ("乙", "-3")))
    assert b'<c:min val="0"/>' in positive and b"<c:min val" not in negative
    assert not _found("@chart bar 笔数\n| 项目 | 笔数 |\n| 甲 | 45 |\n| 乙 | 42 |", "bar_axis_not_from_zero")
    pieces = [proofread.Piece("chart", "", "", bar_from_zero=False)]
    assert list(proofread.bar_axis_not_from_zero(pieces, {}))


def test_what_the_reader_meets_is_read_back_from_the_docx():
    pieces = proofread.read_back(
        _docx("# 目标\n\n正文一句。\n\n| 指标 | 目标 |\n| 存款 | 1亿元 |\n\n@chart bar 笔数\n| 项目 | 笔数 |\n| 甲 | 1 |")
    )
    kinds = [(p.kind, p.text) for p in pieces if p.text or p.kind == "chart"]
    assert ("paragraph", "一、目标") in kinds and ("paragraph", "正文一句。") in kinds
    assert ("cell", "1亿元") in kinds and ("paragraph", "图1\u3000笔数") in kinds and ("chart", "") in kinds


def test_a_severity_of_off_skips_the_rule_and_warning_keeps_it_as_a_warning():
    slip = "考核得分88分，低于本网点平均（88分）。"
    off = proofreading.Proofreading(rules={"verdict_against_numbers": "off"})
    warn = proofreading.Proofreading(
        rules={"verdict_against_numbers": "warning"}, comments={"verdict_against_numbers": "请核对。"}
    )
    assert not [i for i in proofread.check(_docx(slip), off) if i.rule == "verdict_against_numbers"]
    assert [i.severity for i in proofread.check(_docx(slip), warn) if i.rule == "verdict_against_numbers"] == ["warning"]


def test_a_misspelt_rule_or_severity_is_refused_naming_it(tmp_path):
    path = tmp_path / "proofreading.yaml"
    path.write_text("rules:\n  verdict_against_number: error\n", "utf-8")
    with pytest.raises(proofreading.ProofreadingError, match="verdict_against_number"):
        proofreading.load(path)
    path.write_text("rules:\n  glossary: fatal\n", "utf-8")
    with pytest.raises(proofreading.ProofreadingError, match="glossary"):
        proofreading.load(path)


def test_a_warning_is_a_review_comment_on_what_it_is_about():
    """A warning-level finding is written into the document as a Word comment saying what to check
    (the proofreading file's comments): on the sentence, or on the header cell of the table column."""
    spec = proofreading.Proofreading(
        rules={"all_over_one": "warning", "mixed_units_in_column": "warning"},
        comments={"all_over_one": "只有1件，不用“均”。", "mixed_units_in_column": "本列单位不统一。"},
    )
    body = "开头一句。上半年受理的1件投诉经核实均不属有效投诉。\n\n| 指标 | 目标 |\n| 对公存款 | 0.17亿元 |\n| 储蓄存款 | 616.54万元 |"
    blocks = document.number(document.parse(f"= 某网点//2023年下半年工作计划\n\n{body}\n", "t"))
    issues = proofread.check(to_docx(blocks, title="t", author="a", base=load_base(None)), spec)
    assert sorted(i.rule for i in issues) == ["all_over_one", "mixed_units_in_column"]
    annotated = to_docx(proofread.annotate(blocks, issues, spec.comments), title="t", author="a", base=load_base(None))

    from docx import Document

    doc = Document(io.BytesIO(annotated))
    notes = {c.text: c for c in doc.comments}
    assert set(notes) == {"只有1件，不用“均”。", "本列单位不统一。"}
    body_xml = doc.element.body.xml
    # the comment spans the sentence it is about, not the paragraph's first sentence
    start, end = body_xml.index("commentRangeStart"), body_xml.index("commentRangeEnd")
    assert "上半年受理的1件投诉经核实均不属有效投诉。" in body_xml[start:end] and "开头一句" not in body_xml[start:end]
    header = doc.tables[0].rows[0].cells[1]._tc.xml
    assert "commentReference" in header and "目标" in header
    # the text a reader sees is unchanged
    assert [p.text for p in proofread.read_back(annotated) if p.kind == "paragraph"] == [
        p.text for p in proofread.read_back(to_docx(blocks, title="t", author="a", base=load_base(None))) if p.kind == "paragraph"
    ]


def test_a_warning_without_a_review_comment_is_refused_naming_the_rule():
    with pytest.raises(Exception, match="glossary"):
        proofreading.Proofreading(rules={"glossary": "warning"})


def test_a_compilations_own_table_is_read_even_in_its_layout_copy():
    """The layout copy LibreOffice numbers the 目录 in holds spacers for tables kept on one page, so
    it is read for its text alone; the compilation's own tables (its 编印说明's) are read in a copy of
    its front matter (render/documents.py ``compilation_issues``)."""
    from reportpack.render.documents import compilation_issues

    text = (
        "= 编印说明\n\n本汇编共1篇。\n\n@table 所辖网点存款较年初增量构成\n"
        "| 构成 | 对公存款 |\n| 全年营业网点 | 0.17亿元 |\n| 新开网点 | 616.54万元 |\n"
        "---\n== 篇一　网点工作总结\n= 某网点//2023年上半年工作总结\n\n正文。\n"
    )
    blocks = document.number(document.parse(text, "compilation.md.j2"))
    assert any(b.kind == "part" for b in blocks)
    base = load_base(None)
    layout_copy = to_docx(blocks, title="t", author="a", base=base, layout_only=True)
    assert not proofread.check(layout_copy, SPEC, text_only=True)  # its text alone: the table unread
    found = compilation_issues(blocks, layout_copy, SPEC, base, layout=True)
    assert [i.rule for i in found] == ["mixed_units_in_column"]
    whole = to_docx(blocks, title="t", author="a", base=base)
    assert [i.rule for i in compilation_issues(blocks, whole, SPEC, base, layout=False)] == ["mixed_units_in_column"]
