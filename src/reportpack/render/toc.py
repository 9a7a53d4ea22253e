"""A compilation's table of contents: its entries (the parts, and the documents in each) and the
page each starts on.

Word fills a TOC field's page numbers only when someone updates the field, so a compilation written
with an empty field opens with an empty 目录. The page numbers come from a layout: LibreOffice lays
the compilation out once to PDF, whose outline (one bookmark per paragraph with an outline level)
gives the page of every part and document title; the compilation is then written again with those
numbers as the field's result (``reportpack.render.documents``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reportpack.render.document import Block, DocumentSyntaxError

# Word's own instruction after "Insert table of contents", two levels: parts and documents. \o and
# \u take the outline levels the compilation gives them; \h makes entries links; \z hides page
# numbers in web view.
INSTRUCTION = 'TOC \\o "1-2" \\h \\z \\u'
LEVEL = {"part": 1, "title": 2}


@dataclass(frozen=True)
class Entry:
    index: int  # of the block it points at
    number: int  # 1, 2, … in order: the bookmark's id
    level: int  # 1 a part, 2 a document
    text: str

    @property
    def bookmark(self) -> str:
        return f"_Toc{self.number:05d}"  # a leading "_" hides the bookmark in Word's list, as Word's own


def entries(blocks: list[Block]) -> list[Entry]:
    """The parts and document titles after a ``toc`` block (none without one). The body they list
    must start right after ``@section`` (the page numbering restarts there)."""
    start = next((i for i, b in enumerate(blocks) if b.kind == "toc"), None)
    if start is None:
        return []
    section = next((i for i, b in enumerate(blocks) if b.kind == "section" and i > start), None)
    if section is None:
        raise DocumentSyntaxError("'@toc' needs '@section' after the front matter: the pages it lists are numbered from there")
    first = next((b for b in blocks[section + 1 :] if b.kind != "page_break"), None)
    if first is None or first.kind not in LEVEL:
        raise DocumentSyntaxError("'@section' must be followed by the first part ('== …') or document title ('= …')")
    found = [(i, b) for i, b in enumerate(blocks) if i > section and b.kind in LEVEL]
    return [Entry(i, n, LEVEL[b.kind], b.plain) for n, (i, b) in enumerate(found, start=1)]


_SPACE = re.compile(r"\s+")


def _same(text: str) -> str:
    return _SPACE.sub("", text)  # a PDF outline entry keeps the title's line break, or not


class LayoutMismatch(RuntimeError):
    """The laid-out document's outline does not hold the table of contents' entries."""


def page_numbers(items: list[Entry], outline: list[tuple[str, int]]) -> dict[str, int]:
    """bookmark → printed page of each entry. ``outline``: (title, page in the PDF, from 1) of every
    outline item in document order; the body is numbered from 1 on the page of the first entry."""
    pages: dict[str, int] = {}
    position = 0
    for entry in items:
        want = _same(entry.text)
        while position < len(outline) and _same(outline[position][0]) != want:
            position += 1
        if position == len(outline):
            raise LayoutMismatch(
                f"the laid-out compilation has no outline entry {entry.text!r} (table of contents entry {entry.number})"
            )
        pages[entry.bookmark] = outline[position][1]
        position += 1
    first = pages[items[0].bookmark] if items else 1
    return {bookmark: page - first + 1 for bookmark, page in pages.items()}
