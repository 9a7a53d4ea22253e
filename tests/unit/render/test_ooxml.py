"""The fast writer against python-docx: every document of the sample pack, both ways, part by part.

``reportpack.render.ooxml`` writes WordprocessingML as strings; ``reportpack.render.word`` builds
the same document through python-docx's object model. Both take every decision from
``reportpack.render.arrange``, so each part of the two packages must be the same XML (canonical
form: attribute order and namespace placement aside): text, paragraph and table structure, the
styles each paragraph takes and their definitions, numbering, bookmarks, comments, fields, charts.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from docx import Document
from lxml import etree

from reportpack.derive import subjects
from reportpack.owner import packdef
from reportpack.periods import Period
from reportpack.render import commentary, document, documents
from reportpack.render.deterministic import Member, write_zip
from reportpack.render.ooxml import to_docx
from reportpack.render.styles import load_base
from reportpack.render.word import reference_docx

ROOT = Path(__file__).resolve().parents[3]
TEMPLATES = ROOT / "templates"


def _c14n(data: bytes) -> bytes:
    return etree.tostring(etree.fromstring(data), method="c14n")


def _content_types(z: zipfile.ZipFile) -> dict[str, str]:
    """Part name → content type, whether declared by extension (Default) or by name (Override)."""
    root = etree.fromstring(z.read("[Content_Types].xml"))
    defaults = {e.get("Extension"): e.get("ContentType") for e in root if e.tag.endswith("Default")}
    overrides = {e.get("PartName"): e.get("ContentType") for e in root if e.tag.endswith("Override")}
    return {name: overrides.get(f"/{name}", defaults.get(name.rsplit(".", 1)[-1])) for name in z.namelist()}


def _rels(data: bytes) -> set[tuple[str, str, str]]:
    return {(r.get("Id"), r.get("Type"), r.get("Target")) for r in etree.fromstring(data)}


def assert_same_package(fast: bytes, reference: bytes, name: str) -> None:
    a, b = zipfile.ZipFile(io.BytesIO(fast)), zipfile.ZipFile(io.BytesIO(reference))
    assert a.testzip() is None, name
    assert sorted(a.namelist()) == sorted(b.namelist()), name
    assert _content_types(a) == _content_types(b), name
    for part in a.namelist():
        if part == "[Content_Types].xml":
            continue
        if part.endswith(".rels"):
            assert _rels(a.read(part)) == _rels(b.read(part)), f"{name}: {part}"
        elif part == "docProps/core.xml":
            pa, pb = Document(io.BytesIO(fast)).core_properties, Document(io.BytesIO(reference)).core_properties
            for field in ("title", "author", "last_modified_by", "created", "modified", "revision", "language"):
                assert getattr(pa, field) == getattr(pb, field), f"{name}: core property {field}"
        elif part.endswith(".xml"):
            assert _c14n(a.read(part)) == _c14n(b.read(part)), f"{name}: {part} differs"
        else:
            assert a.read(part) == b.read(part), f"{name}: {part}"


@pytest.fixture(scope="module")
def sample_calls(sample_figures, tmp_path_factory, monkeypatch_module) -> list[tuple[list, dict, bytes]]:
    """Every ``to_docx`` call of a render of the 2023H1 sample pack (documents and compilations)."""
    calls = []

    def recording(blocks, **kwargs):
        out = to_docx(blocks, **kwargs)
        if not kwargs.get("layout_only"):  # the layout pass's copy, charts as blank pictures, is never published
            calls.append((blocks, kwargs, out))
        return out

    monkeypatch_module.setattr(documents, "to_docx", recording)
    definition = packdef.load(packdef.path_of(TEMPLATES, "half_year"), TEMPLATES)
    rules = commentary.load(TEMPLATES / "commentary.yaml", TEMPLATES)
    by_subject = subjects.build(sample_figures)
    pack = tmp_path_factory.mktemp("pack")
    documents.render_pack(pack, TEMPLATES, definition, rules, by_subject, [], Period.parse("2023H1"), [])
    return calls


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        yield mp


def test_every_document_of_the_sample_is_what_python_docx_writes(sample_calls):
    kinds = set()
    for blocks, kwargs, fast in sample_calls:
        assert_same_package(fast, reference_docx(blocks, **kwargs), kwargs["title"])
        kinds.add("compilation" if any(b.kind == "part" for b in blocks) else "document")
        kinds |= {b.kind for b in blocks}
    # the sample exercises every construct the writers know
    assert {"compilation", "chart", "table", "toc", "section", "signature", "cover", "part", "heading"} <= kinds
    assert {"enum_item", "numbered_item", "page_break"} <= kinds


def test_comments_line_breaks_and_odd_text_are_written_as_python_docx_writes_them():
    text = (
        "= 标题很长很长很长很长很长很长很长很长很长很长很长//第二行\n"
        '# 一\n余额[[1.0亿元||来源：甲表 <a> & "b"]]，较[[年初||两个批注]] & <增加>\n'
        "  前后有空格的 a  b  \n---\n"
    )
    blocks = document.number(document.parse(text))
    fast = to_docx(blocks, title='标题 & "引号"', author="<某网点>")
    assert_same_package(fast, reference_docx(blocks, title='标题 & "引号"', author="<某网点>"), "odd text")
    doc = Document(io.BytesIO(fast))
    assert [c.text for c in doc.comments] == ['来源：甲表 <a> & "b"', "两个批注"]
    assert doc.core_properties.title == '标题 & "引号"'


def test_the_same_blocks_give_the_same_bytes_and_other_text_other_bytes():
    blocks = document.number(document.parse("= 标题\n正文。\n"))
    assert to_docx(blocks, title="t", author="a") == to_docx(blocks, title="t", author="a")
    other = document.number(document.parse("= 标题\n正文！\n"))
    assert to_docx(other, title="t", author="a") != to_docx(blocks, title="t", author="a")


def test_an_owner_style_base_is_written_on_as_python_docx_would(tmp_path):
    from reportpack.render.styles import build_base

    owner = Document(io.BytesIO(build_base()))
    owner.styles["Normal"].font.name = "楷体"
    path = tmp_path / "owner.docx"
    owner.save(str(path))
    base = load_base(path)
    blocks = document.number(document.parse("= 标题\n# 一\n正文。\n| 甲 | 乙 |\n| 1 | 2 |\n"))
    assert_same_package(to_docx(blocks, "t", "a", base=base), reference_docx(blocks, "t", "a", base=base), "owner base")


def test_the_zip_is_one_any_reader_takes():
    members = [Member.of("a.xml", b"<a/>" * 5000), Member.of("dir/b.bin", bytes(range(256)))]
    assert [m.method for m in members] == [8, 0]  # a large part deflated, a small one stored
    with zipfile.ZipFile(io.BytesIO(write_zip(members))) as z:
        assert z.testzip() is None
        assert z.read("a.xml") == b"<a/>" * 5000
        assert z.read("dir/b.bin") == bytes(range(256))
        assert [i.date_time for i in z.infolist()] == [(1980, 1, 1, 0, 0, 0)] * 2


def test_the_layout_copy_lists_the_contents_as_probes():
    """The copy LibreOffice lays out to number the 目录: each entry's probe then a PAGEREF field to its
    bookmark, outside any TOC field (LibreOffice fills those from its layout)."""
    text = "@cover 汇编\n@toc 目录\n@section\n= 编印说明\n说明。\n---\n== 篇一　甲\n= 甲网点总结\n正文。\n"
    blocks = document.number(document.parse(text, "t"))
    published = zipfile.ZipFile(io.BytesIO(to_docx(blocks, title="汇编", author="某支行"))).read("word/document.xml").decode()
    copy = (
        zipfile.ZipFile(io.BytesIO(to_docx(blocks, title="汇编", author="某支行", layout_only=True)))
        .read("word/document.xml")
        .decode()
    )
    assert "TOC \\o" in published and "#1@" not in published
    assert "TOC \\o" not in copy
    for n in (1, 2, 3):
        assert (
            f'<w:t>#{n}@</w:t></w:r><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> PAGEREF _Toc0000{n} \\h '
            in copy
        )


def _table_text(rows: int) -> str:
    return "= 标题\n正文。\n| 项目 | 数量 |\n" + "".join(f"| 项目{n} | {n}笔 |\n" for n in range(rows - 1)) + "正文。\n"


def test_the_layout_copy_lays_a_kept_table_out_as_paragraphs_of_its_rows_heights(tmp_path):
    """On the built-in base (its grid measured against LibreOffice), a table kept on one page becomes
    one empty paragraph per row, as tall as the row and kept with the next as the row is; a table
    that may break across pages (its header repeated), or on an owner's base, stays a table."""
    from reportpack.render.styles import build_base

    def body(text: str, base: bytes) -> str:
        blocks = document.number(document.parse(text))
        return (
            zipfile.ZipFile(io.BytesIO(to_docx(blocks, "t", "a", base=base, layout_only=True))).read("word/document.xml").decode()
        )

    kept = body(_table_text(4), load_base())
    assert "<w:tbl>" not in kept
    spacers = [p for p in kept.split("<w:p>") if 'w:lineRule="exact"' in p and "snapToGrid" in p]
    assert len(spacers) == 4
    assert [p.count("<w:keepNext/>") for p in spacers] == [1, 1, 1, 0]
    assert [p.count('w:line="589"') for p in spacers[:3]] == [1, 1, 1] and 'w:line="599"' in spacers[3]
    assert "<w:tbl>" in body(_table_text(16), load_base())  # may break across pages: stays a table
    owner = Document(io.BytesIO(build_base()))
    owner.styles["Normal"].font.name = "楷体"
    owner.save(str(tmp_path / "owner.docx"))
    assert "<w:tbl>" in body(_table_text(4), load_base(tmp_path / "owner.docx"))
    published = zipfile.ZipFile(io.BytesIO(to_docx(document.number(document.parse(_table_text(4))), "t", "a"))).read(
        "word/document.xml"
    )
    assert b"<w:tbl>" in published and b"snapToGrid" not in published


def _lines_by_page(pdf_path: Path) -> dict[str, int]:
    """Every line printed once in the document → the page number printed in its page's footer
    ("— 7 —"); lines of unnumbered pages (cover, 目录) are left out."""
    import re
    import subprocess
    from collections import Counter

    pages = subprocess.run(["pdftotext", "-raw", str(pdf_path), "-"], check=True, capture_output=True, text=True).stdout.split(
        "\f"
    )
    seen: Counter[str] = Counter()
    where: dict[str, int] = {}
    for page in pages:
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        footer = re.fullmatch(r"—\s*(\d+)\s*—", lines[-1]) if lines else None
        for line in lines[:-1]:
            seen[line] += 1
            if footer:
                where[line] = int(footer.group(1))
    return {line: page for line, page in where.items() if seen[line] == 1}


@pytest.mark.libreoffice
def test_the_layout_copy_breaks_every_page_where_the_compilation_does(sample_calls, tmp_path):
    """Laid out by LibreOffice, every line of every sample compilation's body is on the same page
    in the layout copy (blank pictures, table rows as spacers, probes) as in the compilation itself:
    the heights the copy gives tables and charts are the heights LibreOffice gives them."""
    from reportpack.render import pdf
    from tests.conftest import ROOT, require_tool

    require_tool("soffice")
    compilations = [(blocks, kwargs) for blocks, kwargs, _ in sample_calls if any(b.kind == "part" for b in blocks)]
    assert len(compilations) == 3
    fonts = ROOT / "templates" / "fonts" / "fonts.conf"
    made = {}
    for kind, layout_only in (("published", False), ("copy", True)):
        docs = []
        for n, (blocks, kwargs) in enumerate(compilations):
            path = tmp_path / kind / f"{n}.docx"
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(to_docx(blocks, **{**kwargs, "layout_only": layout_only}))
            docs.append(path)
        made[kind] = pdf.to_pdf(docs, tmp_path / kind / "pdf", fonts, workers=2)
    for n, (published, copy) in enumerate(zip(made["published"], made["copy"], strict=True)):
        want, got = _lines_by_page(published), _lines_by_page(copy)
        common = want.keys() & got.keys()
        moved = sorted((want[line], got[line], line) for line in common if want[line] != got[line])
        assert len(common) > 500 and max(want.values()) > 100, n
        assert not moved, f"compilation {n}: {len(moved)} lines on another page, first: {moved[:3]}"
