"""A compilation's table of contents: its entries (the parts, and the documents in each) and the
page each starts on.

Word fills a TOC field's page numbers only when someone updates the field, so a compilation written
with an empty field opens with an empty 目录. The page numbers come from a layout: LibreOffice lays
out a copy of the compilation whose 目录 lines are probes — each entry's number and a PAGEREF field
to its bookmark (``probe``), which LibreOffice fills with the page it prints there — and exports only
the cover and those lines to PDF (``probed_pages`` reads them back); the compilation is then written
again with those numbers as the field's result (``reportpack.render.documents``). Exporting every
page to read the PDF's outline instead cost twice as much.
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


class LayoutMismatch(RuntimeError):
    """The laid-out document does not hold the table of contents' entries."""


def probe(entry: Entry) -> str:
    """The text before the PAGEREF field of ``entry``'s line in the layout copy: "#12@" then the page."""
    return f"#{entry.number}@"


_PROBED = re.compile(r"#\s*(\d+)\s*@\s*(\d+)")


def probe_pages(items: list[Entry]) -> int:
    """How many pages of the layout copy to export so that every probe is in them: the cover, then
    the 目录 heading and one line per entry at most 22 lines a page (GB/T 9704), and a page to spare."""
    return 1 + (len(items) + 3 + 21) // 22 + 1


def probed_pages(items: list[Entry], text: str) -> dict[str, int]:
    """bookmark → printed page of each entry, from the text of the layout copy's first pages
    (``probe``). Every entry must be there exactly once."""
    found: dict[int, list[int]] = {}
    for number, page in _PROBED.findall(text):
        found.setdefault(int(number), []).append(int(page))
    pages: dict[str, int] = {}
    for entry in items:
        seen = found.get(entry.number, [])
        if len(seen) != 1:
            what = "no page" if not seen else f"{len(seen)} pages {seen}"
            raise LayoutMismatch(
                f"the laid-out compilation gives {what} for table of contents entry {entry.number} ({entry.text!r})"
            )
        pages[entry.bookmark] = seen[0]
    return pages
