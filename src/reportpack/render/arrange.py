"""Numbered blocks → the paragraphs and tables of a Word document, every layout decision taken.

What a block becomes (its style, what keeps with the next paragraph, where a page breaks, the
落款's indents, bookmarks and comments) is decided here once, as plain data. Two writers turn the
result into a .docx: ``reportpack.render.ooxml`` (the fast one every pack uses) and
``reportpack.render.word`` (python-docx, the reference a test compares it with). Neither decides
anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from reportpack.render import toc
from reportpack.render.document import Block, segments, title_lines
from reportpack.render.layout import column_widths, signature_indents
from reportpack.render.styles import CHAR_TWIPS, LINE_TWIPS, TEXT_WIDTH_TWIPS

STYLE_OF = {
    "part": "Subtitle",
    "title": "Title",
    "paragraph": "Normal",
    "enum_item": "Normal",
    "numbered_item": "Normal",
    "signature": "Signature",
    "cover": "Cover Title",
    "cover_note": "Cover Note",
    "toc": "TOC Heading",
    "addressee": "Addressee",
    "table_caption": "Table Caption",
}
TABLE_CHAR_TWIPS = 12 * 20  # tables are set in 小四 (12 pt): one character is 240 twips
KEEP_TOGETHER_ROWS = 15  # a table up to this many rows (header included) is never split across pages
LINE_CHARS = TEXT_WIDTH_TWIPS // CHAR_TWIPS  # characters on one body line: 156 mm at 3号 (16 pt)
REVIEWER = "ReportPack 数据校验"


@dataclass
class Run:
    text: str
    comment: str | None = None  # a Word review comment anchored on the run
    br: str = ""  # "line": a line break after the text; "page": the run is a page break


@dataclass
class TocLine:
    """One entry of a table of contents: a link to its bookmark and its page (None: not known)."""

    entry: toc.Entry
    page: int | None
    first: bool  # opens the TOC field
    last: bool  # closes it


@dataclass
class Para:
    style: str  # a style name; "" for none
    runs: list[Run] = field(default_factory=list)
    number: str = ""  # the heading's or item's label: a run of its own before the bookmark and the text
    keep_next: bool = False
    page_break_before: bool = False
    space_before: int | None = None  # twips
    right_indent: int | None = None  # twips
    bookmark: toc.Entry | None = None  # an empty bookmark after the number run: the 目录 links here
    chart: Block | None = None  # the paragraph holds this chart
    toc_line: TocLine | None = None


@dataclass
class Table:
    widths: list[int]  # twips, per column
    cells: list[list[Para]]  # rows of cells, one paragraph each; the first row is the header


@dataclass
class FrontMatterEnd:
    """The cover and contents end here: a section of their own, without page numbers."""


@dataclass
class Arranged:
    items: list[Para | Table | FrontMatterEnd]
    compilation: bool  # parts and documents nest in the outline (``nested_heading``)
    charts: int


def nested_heading(level: int) -> str:
    """In a compilation, a document's headings: a style like ``Heading {level}`` one outline level per
    part and document deeper. Word fixes the outline level of its built-in heading styles (Heading 1
    is always level 1), so these are used instead, or the navigation pane would list every "一、"
    beside the part names."""
    return f"Compilation Heading {level}"


def arrange(blocks: list[Block], pages: Mapping[str, int] | None = None) -> Arranged:
    """The document for numbered ``blocks``. ``pages``: bookmark → printed page for the entries of a
    ``toc`` block (``toc.probed_pages``); without it the entries have no page number."""
    compilation = any(b.kind == "part" for b in blocks)
    entries = {e.index: e for e in toc.entries(blocks)}
    indents = _signature_indents(blocks)
    items: list[Para | Table | FrontMatterEnd] = []
    charts = 0
    pending_break = False
    previous = ""
    # what the 落款 keeps on its page: a table's last row, or the body paragraphs since the last
    # table, chart or section (of which _kept_with_signature takes at least two lines' worth)
    last_row: list[Para] = []
    recent: list[Para] = []
    for i, block in enumerate(blocks):
        if block.kind == "page_break":
            pending_break = True
            continue
        if block.kind == "table":
            table = _table(block.cells)
            items.append(table)
            last_row, recent, previous = table.cells[-1], [], "table"
            continue
        if block.kind == "chart":
            charts += 1
            items.append(Para("Figure", chart=block, page_break_before=pending_break))
            items.append(Para("Caption", _runs(block.text), number=block.number))  # a proofreading warning's comment on it too
            pending_break, last_row, recent, previous = False, [], [], "chart"
            continue
        if block.kind == "section":
            items.append(FrontMatterEnd())
            pending_break, last_row, recent, previous = False, [], [], "section"  # a new section starts a new page
            continue
        if block.kind == "heading":
            style = nested_heading(block.level) if compilation else f"Heading {block.level}"
        else:
            style = STYLE_OF[block.kind]
        para = Para(style)
        items.append(para)
        if block.kind == "cover_note" and previous == "cover":
            para.space_before = 9 * LINE_TWIPS  # the unit and date low on the cover
        if block.kind == "signature":
            para.right_indent = round(indents[i] * CHAR_TWIPS)
            if previous != "signature":
                para.space_before = LINE_TWIPS  # GB/T 9704: one blank line before the 落款
            # the 落款 stays on the page of the last body lines (never a page holding only the date);
            # its lines but the last keep with the next
            kept = recent[-1:] if previous == "signature" else last_row or _kept_with_signature(recent)
            for q in kept:
                q.keep_next = True
        last_row, recent = [], [*recent[-2:], para]
        previous = block.kind
        if pending_break:
            para.page_break_before = True
            pending_break = False
        para.number = block.number
        if block.kind == "table_caption":
            para.keep_next = True  # never a caption at a page's foot with its table on the next
        if block.kind == "toc":
            para.runs.append(Run(block.text))
            listed = list(entries.values())
            for n, entry in enumerate(listed):
                line = TocLine(entry, (pages or {}).get(entry.bookmark), n == 0, n == len(listed) - 1)
                items.append(Para(f"toc {entry.level}", toc_line=line))
            continue
        if i in entries:
            para.bookmark = entries[i]
        if block.kind in ("title", "part", "cover"):
            lines = title_lines(block.text)
            para.runs.extend(Run(line, br="line" if n < len(lines) - 1 else "") for n, line in enumerate(lines))
        else:
            para.runs.extend(_runs(block.text))
    if pending_break:  # a trailing page break: keep it as an explicit break
        items.append(Para("", [Run("", br="page")]))
    return Arranged(items, compilation, charts)


def _runs(text: str) -> list[Run]:
    """The text as runs; a marked figure becomes its own run carrying a Word review comment."""
    return [Run(piece, comment) for piece, comment in segments(text)]


def _table(rows: tuple[tuple[str, ...], ...]) -> Table:
    widths = [round(w * TABLE_CHAR_TWIPS) for w in column_widths(rows, TEXT_WIDTH_TWIPS / TABLE_CHAR_TWIPS)]
    keep = len(rows) <= KEEP_TOGETHER_ROWS  # a short table on one page
    cells = [
        [Para("Table Header" if r == 0 else "Table Text", _runs(text), keep_next=keep and r < len(rows) - 1) for text in row]
        for r, row in enumerate(rows)
    ]
    return Table(widths, cells)


def _kept_with_signature(recent: list[Para]) -> list[Para]:
    """The last body paragraphs the 落款 keeps on its page: at least two lines of text (at most the
    last three paragraphs), so no page holds the 落款 under one short closing line."""
    kept, chars = [], 0
    for para in reversed(recent[-3:]):
        kept.append(para)
        chars += len(para.number) + sum(len(r.text) for r in para.runs)
        if chars >= 2 * LINE_CHARS:
            break
    return kept


def _signature_indents(blocks: list[Block]) -> dict[int, float]:
    """Block index → right indent (characters) of every 落款 line, each run of lines laid out together."""
    indents: dict[int, float] = {}
    run: list[int] = []
    for i, block in enumerate([*blocks, Block("end")]):
        if block.kind == "signature":
            run.append(i)
            continue
        if run:
            indents.update(zip(run, signature_indents([blocks[j].plain for j in run]), strict=True))
            run = []
    return indents
