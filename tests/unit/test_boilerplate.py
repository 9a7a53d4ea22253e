"""The boilerplate measure: sentences masked for numbers and names, shares per document kind."""

import json

from docx import Document

from reportpack.boilerplate import measure


def _pack(tmp_path, docs: dict[str, tuple[str, list[str]]]):
    files = []
    for name, (kind, paragraphs) in docs.items():
        doc = Document()
        for text in paragraphs:
            if text.startswith("# "):
                doc.add_heading(text[2:], level=1)
            else:
                doc.add_paragraph(text)
        doc.add_table(rows=1, cols=1).cell(0, 0).text = f"表格里的{name}不算。"
        doc.save(tmp_path / f"{name}.docx")
        files.append({"path": f"{name}.docx", "kind": kind})
    files.append({"path": "汇编.docx", "kind": "compilation"})  # never read
    (tmp_path / "manifest.json").write_text(json.dumps({"files": files}), "utf-8")
    return tmp_path


def test_shares_count_masked_sentences_across_the_documents_of_a_kind(tmp_path):
    pack = _pack(
        tmp_path,
        {
            "a": ("plan", ["解放路分理处累计营业1040小时。服务得分88.7分；解放路分理处客户多。"]),
            "b": ("plan", ["滨河路分理处累计营业1036小时。服务得分90.1分；只有这里有的话。"]),
            "c": ("plan", ["滨河路分理处累计营业999小时。", "服务得分70分；解放路分理处客户多。"]),
            "d": ("summary", ["一篇而已。"]),
        },
    )
    report = measure(pack, ["解放路分理处", "滨河路分理处", "解放路"])
    plan = report["plan"]
    # 〇累计营业#小时。 and 服务得分#分； are in all three; 〇客户多。 in two; 只有这里有的话。 in one
    assert plan["documents"] == 3 and plan["sentences_per_document"] == 3.0
    assert plan["in_every_document"] == 2
    assert plan["share_in_every_document"] == round(2 / 3, 3)
    assert plan["share_repeated"] == round((1 + 2 / 3 + 1) / 3, 3)
    assert plan["sentences_in_every_document"] == ["〇累计营业#小时。", "服务得分#分；"]
    # one document of a kind: nothing to compare it with
    assert report["summary"]["in_every_document"] == 0 and report["summary"]["share_repeated"] == 0.0
    assert "compilation" not in report


def test_prose_leaves_out_the_headings_every_document_shares_by_design(tmp_path):
    pack = _pack(
        tmp_path,
        {
            "a": ("plan", ["# 一、工作目标", "解放路分理处客户多。"]),
            "b": ("plan", ["# 一、工作目标", "滨河路分理处只有这里有的话。"]),
        },
    )
    plan = measure(pack, ["解放路分理处", "滨河路分理处"])["plan"]
    assert plan["sentences_in_every_document"] == ["一、工作目标"]
    assert plan["share_in_every_document"] == 0.5
    assert plan["prose"]["in_every_document"] == 0 and plan["prose"]["share_in_every_document"] == 0.0
    assert plan["prose"]["sentences_per_document"] == 1.0


def test_variety_splits_the_frames_half_the_documents_share_into_data_and_stock(tmp_path):
    """Issue #31: a frame in at least half of a kind's documents is a data sentence when it prints a
    figure or a rule drafted it from figures it read (findings.json), else stock."""
    pack = _pack(
        tmp_path,
        {
            "a": ("plan", ["解放路分理处累计营业1040小时。服务质量稳定。团结和谐。一句独有的话。现将工作汇报如下。"]),
            "b": ("plan", ["滨河路分理处累计营业1036小时。服务质量稳定。团结和谐。现将工作汇报如下。"]),
            "c": ("plan", ["滨河路分理处累计营业999小时。另一句。"]),
            "d": ("plan", ["第四篇。"]),
        },
    )
    findings = {
        "a.docx": [{"text": "服务质量稳定。", "figures": {"o.valid_complaints_count": "zero"}}],
        "b.docx": [{"text": "团结和谐。", "figures": {}}],  # a rule that read nothing: stock
    }
    (pack / "findings.json").write_text(json.dumps(findings, ensure_ascii=False), "utf-8")
    variety = measure(pack, ["解放路分理处", "滨河路分理处"])["plan"]["variety"]
    # in ≥ 2 of 4: 〇累计营业#小时。 (data: a figure), 服务质量稳定。 (data: drafted from figures),
    # 现将工作汇报如下。 (structure: a lead-in), 团结和谐。 (stock)
    assert variety["stock_sentences"] == ["团结和谐。"]
    assert variety["share_common"] == round((4 / 5 + 4 / 4 + 1 / 2 + 0) / 4, 3)
    assert variety["share_common_data"] == round((2 / 5 + 2 / 4 + 1 / 2 + 0) / 4, 3)
    assert variety["share_common_structure"] == round((1 / 5 + 1 / 4 + 0 + 0) / 4, 3)
    assert variety["share_common_stock"] == round((1 / 5 + 1 / 4 + 0 + 0) / 4, 3)


def test_the_owners_text_is_told_from_stock(tmp_path):
    """A sentence the owner wrote for every document of a kind is common by the owner's choice:
    findings.json records it (category 负责人) and the measure counts it as the owner's, not stock."""
    pack = _pack(
        tmp_path,
        {
            "a": ("plan", ["用亲情温暖人。团结和谐。"]),
            "b": ("plan", ["用亲情温暖人。团结和谐。"]),
        },
    )
    owner = {"rule": "owner:inputs.yaml entry 1", "category": "负责人", "text": "用亲情温暖人。", "figures": {}}
    findings = {"a.docx": [owner], "b.docx": [owner]}
    (pack / "findings.json").write_text(json.dumps(findings, ensure_ascii=False), "utf-8")
    variety = measure(pack, [])["plan"]["variety"]
    assert variety["stock_sentences"] == ["团结和谐。"]
    assert variety["share_common_owner"] == 0.5 and variety["share_common_stock"] == 0.5


def test_a_sentence_written_under_a_condition_or_printing_a_value_is_told_from_a_standing_one():
    """The template side of the split: a sentence its template writes only under a condition on the
    data, or that prints a value of the unit's records, is data though it prints no number; literal
    text outside any condition is stock."""
    from jinja2 import Environment, nodes

    from reportpack.boilerplate import _patterns

    tree = Environment().parse(
        "{% if o.valid_complaints_count == 'zero' %}团结、和谐、高效的集体正在形成。{% endif %}"
        "{{ p.next_half_name }}将重点抓好“{{ lobby.six_s_weakest }}”：组织大堂人员学习服务礼仪。"
        "{{ p.next_half_name }}对照本计划检查落实情况。"
    )
    (branch,) = tree.find_all(nodes.If)
    found = _patterns(branch.body, conditional=True) + _patterns(tree.body, conditional=False)
    matches = lambda s: any(p.search(s) for p in found)  # noqa: E731
    assert matches("团结、和谐、高效的集体正在形成")
    assert matches("下半年将重点抓好“素养”：组织大堂人员学习服务礼仪")
    assert not matches("下半年对照本计划检查落实情况")
