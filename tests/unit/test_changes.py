"""The changes report: figures and wording changed per document, documents added and removed,
validation warnings new and gone — from two versions' files."""

import io
import json
import zipfile
from datetime import datetime

from docx import Document

from reportpack.publish import changes, pack


def _doc(path, paragraphs, rows=()):
    doc = Document()
    for text in paragraphs:
        doc.add_paragraph(text)
    if rows:
        table = doc.add_table(rows=len(rows), cols=len(rows[0]))
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                table.cell(r, c).text = value
    # python-docx stamps a new document with the current second, in its properties and in each zip
    # entry's time (two seconds' resolution): both fixed, so the same text is the same bytes
    doc.core_properties.created = doc.core_properties.modified = datetime(2023, 7, 1)
    saved = io.BytesIO()
    doc.save(saved)
    fixed = io.BytesIO()
    with zipfile.ZipFile(saved) as src, zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            out.writestr(zipfile.ZipInfo(item.filename, date_time=(2023, 7, 1, 0, 0, 0)), src.read(item))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(fixed.getvalue())


def _version(folder, docs: dict, warnings=(), version="v1"):
    for rel, (paragraphs, rows) in docs.items():
        _doc(folder / rel, paragraphs, rows)
    files = [{"path": p.relative_to(folder).as_posix(), "sha256": pack.sha256_file(p)} for p in sorted(folder.rglob("*.docx"))]
    manifest = {"version": version, "run_id": "r", "files": files, "validation": {"warnings": [{"message": w} for w in warnings]}}
    (folder / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    return folder


SUMMARY = "outlets/城东支行/O1_解放路分理处.docx"
BASE = {
    SUMMARY: (
        ["截至6月末，储蓄存款余额4.46亿元，较年初增加0.13亿元。", "服务质量稳定，期内未发生有效投诉。"],
        [("指标", "期末余额"), ("储蓄存款", "4.46亿元")],
    ),
    "outlets/城东支行/O2_建设路分理处.docx": (["建设路分理处上半年工作总结。"], ()),
}


def test_a_changed_figure_is_named_with_its_document_its_words_and_both_values(tmp_path):
    old = _version(tmp_path / "v1", BASE)
    new_docs = dict(BASE)
    new_docs[SUMMARY] = (
        ["截至6月末，储蓄存款余额4.47亿元，较年初增加0.14亿元。", "服务质量稳定，期内未发生有效投诉。"],
        [("指标", "期末余额"), ("储蓄存款", "4.47亿元")],
    )
    new = tmp_path / "new"
    for rel, (paragraphs, rows) in new_docs.items():
        _doc(new / rel, paragraphs, rows)
    report = changes.compare(new, pack.file_hashes(new), {SUMMARY: "outlet_half_year_summary"}, [], old)
    assert not report["nothing_changed"] and report["against"] == "v1"
    (changed,) = report["documents_changed"]  # the other outlet's summary is byte-identical
    assert changed["path"] == SUMMARY and changed["kind"] == "outlet_half_year_summary"
    got = [(f["where"], f["old"] + f["unit"], f["new"] + f["unit"]) for f in changed["figures"]]
    assert got == [
        ("储蓄存款余额", "4.46亿元", "4.47亿元"),
        ("较年初增加", "0.13亿元", "0.14亿元"),
        ("储蓄存款，期末余额", "4.46亿元", "4.47亿元"),  # a table row: its label and the column
    ]
    assert changed["wording"] == []


def test_reworded_added_and_removed_lines_documents_and_warnings(tmp_path):
    old = _version(tmp_path / "v1", BASE, warnings=["旧的提示"])
    new = tmp_path / "new"
    _doc(
        new / SUMMARY,
        ["截至6月末，储蓄存款余额4.46亿元，较年初增加0.13亿元。", "期内发生有效投诉1件。", "新增的一句。"],
        [("指标", "期末余额"), ("储蓄存款", "4.46亿元")],
    )
    _doc(new / "outlets/城东支行/O3_友谊路网点.docx", ["友谊路网点上半年工作总结。"])
    report = changes.compare(new, pack.file_hashes(new), {}, ["新的提示"], old)
    (changed,) = report["documents_changed"]
    assert changed["figures"] == []
    assert changed["wording"] == [
        {"old": "服务质量稳定，期内未发生有效投诉。", "new": "期内发生有效投诉1件。"},
        {"old": None, "new": "新增的一句。"},
    ]
    assert report["documents_added"] == ["outlets/城东支行/O3_友谊路网点.docx"]
    assert report["documents_removed"] == ["outlets/城东支行/O2_建设路分理处.docx"]
    assert (report["warnings_new"], report["warnings_gone"]) == (["新的提示"], ["旧的提示"])


def test_identical_documents_report_nothing_changed(tmp_path):
    old = _version(tmp_path / "v1", BASE)
    new = tmp_path / "new"
    for rel in BASE:
        (new / rel).parent.mkdir(parents=True, exist_ok=True)
        (new / rel).write_bytes((old / rel).read_bytes())
    report = changes.compare(new, pack.file_hashes(new), {}, [], old)
    assert report["nothing_changed"] and report["documents_changed"] == []


def test_only_an_approved_version_counts_as_last_approved(tmp_path):
    period = tmp_path / "2023H1"
    for n, status in ((1, "approved"), (2, "rejected"), (3, "pending")):
        (period / f"v{n}").mkdir(parents=True)
        (period / f"v{n}" / "manifest.json").write_text(json.dumps({"approval": {"status": status}}), "utf-8")
    assert changes.last_approved(period, 4) == period / "v1"
    assert changes.last_approved(period, 1) is None
