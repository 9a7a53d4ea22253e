"""Blocks → .docx bytes, deterministic (same blocks → same bytes)."""

from __future__ import annotations

import copy
import io
from collections.abc import Mapping

from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Twips

from reportpack.render import toc
from reportpack.render.charts import WIDTH_MM, chart_png
from reportpack.render.deterministic import FIXED_TIME, normalise_zip
from reportpack.render.document import Block, segments, title_lines
from reportpack.render.layout import column_widths, signature_indents
from reportpack.render.styles import CHAR_TWIPS, LINE_TWIPS, TEXT_WIDTH_TWIPS, new_document

_STYLE_OF = {
    "part": "Subtitle",
    "title": "Title",
    "paragraph": "Normal",
    "enum_item": "Normal",
    "numbered_item": "Normal",
    "signature": "Signature",
    "cover": "Cover Title",
    "cover_note": "Cover Note",
    "toc": "TOC Heading",
}
TABLE_CHAR_TWIPS = 12 * 20  # tables are set in 小四 (12 pt): one character is 240 twips
KEEP_TOGETHER_ROWS = 15  # a table up to this many rows (header included) is never split across pages
# pPr children that come after w:outlineLvl (the schema fixes the order; Word refuses others)
_AFTER_OUTLINE = ("w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")


REVIEWER = "ReportPack 数据校验"


def to_docx(
    blocks: list[Block], title: str, author: str, base: bytes | None = None, pages: Mapping[str, int] | None = None
) -> bytes:
    """The Word document for numbered ``blocks`` on the style base ``base`` (.docx bytes).

    A compilation (blocks holding parts) gives its parts outline level 1 and its documents' titles
    level 2, and its documents' headings the levels below, so Word's navigation pane shows parts,
    documents and sections as a tree. ``pages``: bookmark → printed page for the entries of a
    ``toc`` block (``toc.page_numbers``); without it the entries are written with no page number."""
    doc = new_document(base)
    compilation = any(b.kind == "part" for b in blocks)
    if compilation:
        _outline(doc.styles["Subtitle"].element, 0)
        _outline(doc.styles["Title"].element, 1)
    entries = {e.index: e for e in toc.entries(blocks)}
    indents = _signature_indents(blocks)
    # python-docx looks a style up by name on every paragraph, scanning all styles each time (over a
    # third of the render time); resolve each style's id once per document and set it directly.
    style_ids: dict[str, str] = {}

    def styled(para, name: str):
        if name not in style_ids:
            style_ids[name] = doc.styles[name].style_id
        para._p.style = style_ids[name]
        return para

    pending_break = False
    previous = ""
    # what the 落款 keeps on its page: a table's last row, or the body paragraphs since the last
    # table, chart or section (of which _kept_with_signature takes at least two lines' worth)
    last_row: list = []
    recent: list = []
    for i, block in enumerate(blocks):
        if block.kind == "page_break":
            pending_break = True
            continue
        if block.kind == "table":
            table = _table(doc, block.cells, styled)
            last_row, recent, previous = [q for cell in table.rows[-1].cells for q in cell.paragraphs], [], "table"
            continue
        if block.kind == "chart":
            _chart(doc, block, pending_break, styled)
            pending_break, last_row, recent, previous = False, [], [], "chart"
            continue
        if block.kind == "section":
            _end_front_matter(doc)
            pending_break, last_row, recent, previous = False, [], [], "section"  # a new section starts a new page
            continue
        if block.kind == "heading":
            style = _nested_heading(doc, block.level) if compilation else f"Heading {block.level}"
        else:
            style = _STYLE_OF[block.kind]
        para = styled(doc.add_paragraph(), style)
        if block.kind == "cover_note" and previous == "cover":
            para.paragraph_format.space_before = Twips(9 * LINE_TWIPS)  # the unit and date low on the cover
        if block.kind == "signature":
            para.paragraph_format.right_indent = Twips(round(indents[i] * CHAR_TWIPS))
            if previous != "signature":
                para.paragraph_format.space_before = Twips(LINE_TWIPS)  # GB/T 9704: one blank line before the 落款
            # the 落款 stays on the page of the last body lines (never a page holding only the date);
            # its lines but the last keep with the next
            kept = recent[-1:] if previous == "signature" else last_row or _kept_with_signature(recent)
            for q in kept:
                q.paragraph_format.keep_with_next = True
        last_row, recent = [], [*recent[-2:], para]
        previous = block.kind
        if pending_break:
            para.paragraph_format.page_break_before = True
            pending_break = False
        if block.number:
            para.add_run(block.number)
        if block.kind == "toc":
            para.add_run(block.text)
            _toc_field(doc, styled, list(entries.values()), pages or {})
            continue
        if i in entries:
            _bookmark(para, entries[i])
        if block.kind in ("title", "part", "cover"):
            lines = title_lines(block.text)
            for n, line in enumerate(lines):
                run = para.add_run(line)
                if n < len(lines) - 1:
                    run.add_break()  # a line break inside the title paragraph
        else:
            _runs(doc, para, block.text)
    if pending_break:  # a trailing page break: keep it as an explicit break
        doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    props = doc.core_properties
    props.title, props.author, props.last_modified_by = title, author, author
    props.created = props.modified = FIXED_TIME
    props.revision = 1
    props.language = "zh-CN"
    buffer = io.BytesIO()
    doc.save(buffer)
    return normalise_zip(buffer.getvalue())


# characters on one body line: 156 mm at 3号 (16 pt)
LINE_CHARS = TEXT_WIDTH_TWIPS // CHAR_TWIPS


def _kept_with_signature(recent: list) -> list:
    """The last body paragraphs the 落款 keeps on its page: at least two lines of text (at most the
    last three paragraphs), so no page holds the 落款 under one short closing line."""
    kept, chars = [], 0
    for para in reversed(recent[-3:]):
        kept.append(para)
        chars += len(para.text)
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


def _table(doc, rows: tuple[tuple[str, ...], ...], styled):
    table = doc.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False  # the widths below, not Word's guess after the fact
    widths = [Twips(round(w * TABLE_CHAR_TWIPS)) for w in column_widths(rows, TEXT_WIDTH_TWIPS / TABLE_CHAR_TWIPS)]
    for c, column in enumerate(table.columns):
        column.width = widths[c]  # the grid LibreOffice reads …
    keep = len(rows) <= KEEP_TOGETHER_ROWS
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            cell = table.cell(r, c)
            cell.width = widths[c]  # … and each cell's width, which Word reads
            para = cell.paragraphs[0]
            styled(para, "Table Header" if r == 0 else "Table Text")
            para.paragraph_format.keep_with_next = (keep and r < len(rows) - 1) or None  # a short table on one page
            _runs(doc, para, text)
    for r, row in enumerate(table.rows):
        tr_pr = row._tr.get_or_add_trPr()
        tr_pr.append(OxmlElement("w:cantSplit"))  # a row never breaks across pages
        if r == 0:
            tr_pr.append(OxmlElement("w:tblHeader"))  # the header row repeats on every page
    return table


def _runs(doc, para, text: str) -> None:
    """The text as runs; a marked figure becomes its own run carrying a Word review comment."""
    for piece, comment in segments(text):
        run = para.add_run(piece)
        if comment:
            note = doc.add_comment(run, text=comment, author=REVIEWER, initials="RP")
            note._comment_elm.date = FIXED_TIME  # python-docx stamps the current time: same input, same bytes


def _chart(doc, block: Block, page_break: bool, styled) -> None:
    para = styled(doc.add_paragraph(), "Figure")
    para.paragraph_format.page_break_before = page_break or None
    para.add_run().add_picture(io.BytesIO(chart_png(block.chart, block.cells)), width=Mm(WIDTH_MM))
    styled(doc.add_paragraph(block.plain), "Caption")


def _outline(element, level: int) -> None:
    """Outline level ``level`` (0 = level 1) on a style or paragraph element."""
    ppr = element.get_or_add_pPr()
    old = ppr.find(qn("w:outlineLvl"))
    if old is not None:
        ppr.remove(old)
    lvl = OxmlElement("w:outlineLvl")
    lvl.set(qn("w:val"), str(level))
    ppr.insert_element_before(lvl, *_AFTER_OUTLINE)


def _nested_heading(doc, level: int) -> str:
    """A style that looks like ``Heading {level}`` one outline level per part and document deeper.
    Word fixes the outline level of its built-in heading styles (Heading 1 is always level 1), so in
    a compilation a document's headings take these instead, or the navigation pane would list every
    "一、" beside the part names."""
    name = f"Compilation Heading {level}"
    try:
        doc.styles[name]
    except KeyError:
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = doc.styles[f"Heading {level}"]
        _outline(style.element, level + 1)
    return name


def _bookmark(para, entry: toc.Entry) -> None:
    """A bookmark around the paragraph's text: the table of contents links to it and quotes its page."""
    start, end = OxmlElement("w:bookmarkStart"), OxmlElement("w:bookmarkEnd")
    start.set(qn("w:id"), str(entry.number))
    start.set(qn("w:name"), entry.bookmark)
    end.set(qn("w:id"), str(entry.number))
    para._p.append(start)
    para._p.append(end)


def _field_runs(instruction: str, result: str) -> list:
    runs = []
    for kind in ("begin", "instr", "separate", "result", "end"):
        run = OxmlElement("w:r")
        if kind == "instr":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {instruction} "
        elif kind == "result":
            el = OxmlElement("w:t")
            el.text = result
        else:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        run.append(el)
        if kind != "result" or result:
            runs.append(run)
    return runs


def _toc_field(doc, styled, entries: list[toc.Entry], pages: Mapping[str, int]) -> None:
    """A Word TOC field whose result is already written, as Word writes it after F9: one paragraph per
    entry, each a link to the entry's bookmark with a PAGEREF field for its page. Word shows it as
    is until the field is updated, LibreOffice likewise; updating rebuilds it from the outline levels
    (\\o "1-2" \\u), which give the same entries."""
    begin, instr, separate, *_, end = _field_runs(toc.INSTRUCTION, "")
    for n, entry in enumerate(entries):
        para = styled(doc.add_paragraph(), f"toc {entry.level}")
        if n == 0:
            para._p.extend([begin, instr, separate])
        link = OxmlElement("w:hyperlink")
        link.set(qn("w:anchor"), entry.bookmark)
        link.set(qn("w:history"), "1")
        text, tab = OxmlElement("w:r"), OxmlElement("w:r")
        t = OxmlElement("w:t")
        t.text = entry.text
        text.append(t)
        tab.append(OxmlElement("w:tab"))
        page = pages.get(entry.bookmark)
        link.extend([text, tab, *_field_runs(f"PAGEREF {entry.bookmark} \\h", str(page) if page else "")])
        para._p.append(link)
        if n == len(entries) - 1:
            para._p.append(end)


def _end_front_matter(doc) -> None:
    """Close the front matter as a section of its own: a copy of the page set-up with no footer (no
    page numbers on the cover and contents); the body's numbering starts again at 1."""
    body_sect = doc.sections[-1]._sectPr
    front = copy.deepcopy(body_sect)
    for ref in front.findall(qn("w:headerReference")) + front.findall(qn("w:footerReference")):
        front.remove(ref)
    body = doc.element.body
    last = body[-2] if len(body) > 1 and body[-2].tag == qn("w:p") else doc.add_paragraph()._p
    last.get_or_add_pPr().insert_element_before(front, "w:pPrChange")
    if body_sect.find(qn("w:pgNumType")) is None:
        start = OxmlElement("w:pgNumType")
        start.set(qn("w:start"), "1")
        body_sect.insert_element_before(
            start,
            "w:cols",
            "w:formProt",
            "w:vAlign",
            "w:noEndnote",
            "w:titlePg",
            "w:textDirection",
            "w:bidi",
            "w:rtlGutter",
            "w:docGrid",
            "w:printerSettings",
            "w:sectPrChange",
        )
