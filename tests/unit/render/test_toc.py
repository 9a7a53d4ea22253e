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


def test_printed_pages_count_from_the_first_entry_and_skip_other_outline_items():
    entries = toc.entries(parse(BODY))
    outline = [("编印说明", 6), ("篇一　甲", 7), ("甲之一", 7), ("一、一级", 8), ("甲之二", 9), ("篇二 乙", 11), ("乙\n之一", 11)]
    pages = toc.page_numbers(entries, outline)
    assert [pages[e.bookmark] for e in entries] == [1, 2, 2, 4, 6, 6]


def test_an_entry_missing_from_the_layout_is_an_error_not_a_wrong_page():
    entries = toc.entries(parse(BODY))
    with pytest.raises(toc.LayoutMismatch, match="甲之二"):
        toc.page_numbers(entries, [("编印说明", 6), ("篇一　甲", 7), ("甲之一", 7), ("篇二　乙", 11), ("乙之一", 11)])
