"""Blocks → .docx bytes, deterministic (same blocks → same bytes)."""

from __future__ import annotations

import io

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.shared import Mm, Twips

from reportpack.render.charts import WIDTH_MM, chart_png
from reportpack.render.deterministic import FIXED_TIME, normalise_zip
from reportpack.render.document import Block, segments, title_lines
from reportpack.render.styles import LINE_TWIPS, new_document

_STYLE_OF = {
    "part": "Subtitle",
    "title": "Title",
    "paragraph": "Normal",
    "enum_item": "Normal",
    "numbered_item": "Normal",
    "signature": "Signature",
}


REVIEWER = "ReportPack 数据校验"


def to_docx(blocks: list[Block], title: str, author: str, base: bytes | None = None) -> bytes:
    """The Word document for numbered ``blocks`` on the style base ``base`` (.docx bytes)."""
    doc = new_document(base)
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
    last_body: list = []  # the paragraphs of the last body block (a table's: its last row's)
    for block in blocks:
        if block.kind == "page_break":
            pending_break = True
            continue
        if block.kind == "table":
            table = _table(doc, block.cells, styled)
            last_body, previous = [q for cell in table.rows[-1].cells for q in cell.paragraphs], "table"
            continue
        if block.kind == "chart":
            _chart(doc, block, pending_break, styled)
            pending_break, last_body, previous = False, [], "chart"
            continue
        style = f"Heading {block.level}" if block.kind == "heading" else _STYLE_OF[block.kind]
        para = styled(doc.add_paragraph(), style)
        if block.kind == "signature":
            if previous != "signature":
                para.paragraph_format.space_before = Twips(LINE_TWIPS)  # GB/T 9704: one blank line before the 落款
            # the 落款 stays on the page of the last body lines: never a page holding only the date
            for kept in last_body:
                kept.paragraph_format.keep_with_next = True
        last_body = [para]
        previous = block.kind
        if pending_break:
            para.paragraph_format.page_break_before = True
            pending_break = False
        if block.number:
            para.add_run(block.number)
        if block.kind in ("title", "part"):
            lines = title_lines(block.text)
            for i, line in enumerate(lines):
                run = para.add_run(line)
                if i < len(lines) - 1:
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


def _table(doc, rows: tuple[tuple[str, ...], ...], styled):
    table = doc.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            para = table.cell(r, c).paragraphs[0]
            styled(para, "Table Header" if r == 0 else "Table Text")
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
