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
