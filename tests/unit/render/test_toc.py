"""A compilation's table of contents: which blocks it lists, and their printed pages from a layout."""

import pytest

from reportpack.render import toc
from reportpack.render.document import DocumentSyntaxError, parse

BODY = "@cover 封面\n@toc 目录\n@section\n= 编印说明\n正文\n---\n== 篇一　甲\n= 甲之一\n# 一级\n---\n= 甲之二\n---\n== 篇二　乙\n= 乙//之一\n"


def test_entries_are_the_parts_and_titles_after_the_contents():
    entries = toc.entries(parse(BODY))
    assert [(e.level, e.text) for e in entries] == [
        (2, "编印说明"),
        (1, "篇一　甲"),
        (2, "甲之一"),
        (2, "甲之二"),
        (1, "篇二　乙"),
        (2, "乙之一"),
    ]
    assert [e.bookmark for e in entries] == [f"_Toc{n:05d}" for n in range(1, 7)]
    assert toc.entries(parse("= 标题\n正文\n")) == []  # no contents, no entries


@pytest.mark.parametrize(
    "text,message",
    [
        ("@toc 目录\n= 甲\n", "needs '@section'"),
        ("@toc 目录\n@section\n正文\n== 篇一　甲\n", "must be followed by the first part"),
    ],
)
def test_contents_need_a_numbered_body_that_starts_with_an_entry(text, message):
    with pytest.raises(DocumentSyntaxError, match=message):
        toc.entries(parse(text))


def test_printed_pages_are_read_from_the_probes_in_the_layout_copys_text():
    entries = toc.entries(parse(BODY))
    assert [toc.probe(e) for e in entries[:2]] == ["#1@", "#2@"]
    # pdftotext's reading of the cover and the probe lines; a number may come apart from its probe
    text = "封面\n目录\n#1@1\n#2@ 2\n#3@2\n# 4 @4\n#5@6\n#6@6\n\x0c编印说明\n"
    pages = toc.probed_pages(entries, text)
    assert [pages[e.bookmark] for e in entries] == [1, 2, 2, 4, 6, 6]


@pytest.mark.parametrize(
    "text,message",
    [
        ("#1@1 #2@2 #3@2 #5@6 #6@6", "no page for table of contents entry 4 .'甲之二'"),
        ("#1@1 #2@2 #3@2 #4@4 #4@5 #5@6 #6@6", r"2 pages \[4, 5\] for table of contents entry 4"),
    ],
)
def test_an_entry_missing_from_the_layout_or_printed_twice_is_an_error_not_a_wrong_page(text, message):
    with pytest.raises(toc.LayoutMismatch, match=message):
        toc.probed_pages(toc.entries(parse(BODY)), text)


@pytest.mark.parametrize("entries,pages", [(0, 3), (19, 3), (20, 4), (41, 4), (42, 5)])
def test_the_pages_to_export_hold_the_cover_and_every_probe_line(entries, pages):
    items = [toc.Entry(i, i + 1, 2, "甲") for i in range(entries)]
    assert toc.probe_pages(items) == pages


@pytest.mark.libreoffice
def test_libreoffice_prints_each_entrys_page_after_its_probe_even_when_asked_for_more_pages_than_there_are(tmp_path):
    from reportpack.render import pdf
    from reportpack.render.document import number
    from reportpack.render.ooxml import to_docx
    from tests.conftest import ROOT, require_tool

    require_tool("soffice")
    blocks = number(parse(BODY.replace("@cover 封面\n", "@cover 封面\n@cover-note 某支行\n")))
    (tmp_path / "c.docx").write_bytes(to_docx(blocks, title="封面", author="某支行", layout_only=True))
    made = pdf.to_pdf([tmp_path / "c.docx"], tmp_path / "pdf", ROOT / "templates" / "fonts" / "fonts.conf", pages=20)
    pages = toc.probed_pages(toc.entries(blocks), pdf.text(made[0]))
    # 编印说明 on page 1; each part and document after a page break ("---"): 甲 and 甲之一 on 2, 甲之二 on 3, …
    assert [pages[e.bookmark] for e in toc.entries(blocks)] == [1, 2, 2, 3, 4, 4]
