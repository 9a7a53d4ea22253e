"""Blocks → .docx bytes, deterministic (same blocks → same bytes)."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, timezone

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Twips

from reportpack.document import Block
from reportpack.render.styles import LINE_TWIPS, new_document

_STYLE_OF = {
    "part": "Subtitle",
    "title": "Title",
    "paragraph": "Normal",
    "enum_item": "Normal",
    "numbered_item": "Normal",
    "signature": "Signature",
}
# Fixed document timestamps: a document's bytes depend on its content only.
FIXED_TIME = datetime(2000, 1, 1, tzinfo=timezone.utc)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def to_docx(blocks: list[Block], title: str, author: str) -> bytes:
    """The Word document for numbered ``blocks``."""
    doc = new_document()
    pending_break = False
    previous = ""
    for block in blocks:
        if block.kind == "page_break":
            pending_break = True
            continue
        if block.kind == "table":
            _table(doc, block.cells)
            continue
        style = f"Heading {block.level}" if block.kind == "heading" else _STYLE_OF[block.kind]
        para = doc.add_paragraph(style=style)
        if block.kind == "signature" and previous != "signature":
            para.paragraph_format.space_before = Twips(LINE_TWIPS)  # GB/T 9704: one blank line before the 落款
        previous = block.kind
        if pending_break:
            para.paragraph_format.page_break_before = True
            pending_break = False
        para.add_run(block.full_text)
    if pending_break:  # a trailing page break: keep it as an explicit break
        doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    props = doc.core_properties
    props.title, props.author, props.last_modified_by = title, author, author
    props.created = props.modified = FIXED_TIME
    props.revision = 1
    props.language = "zh-CN"
    buffer = io.BytesIO()
    doc.save(buffer)
    return _normalise_zip(buffer.getvalue())


def _table(doc, rows: tuple[tuple[str, ...], ...]) -> None:
    table = doc.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            para = table.cell(r, c).paragraphs[0]
            para.style = doc.styles["Table Header" if r == 0 else "Table Text"]
            para.add_run(text)
    for cell in table.rows[0].cells:  # a header row repeats on every page
        tr_pr = cell._tc.getparent().get_or_add_trPr()
        if tr_pr.find(qn("w:tblHeader")) is None:
            tr_pr.append(OxmlElement("w:tblHeader"))


def _normalise_zip(data: bytes) -> bytes:
    # python-docx stamps zip entries with the current time; rewrite them with a fixed one.
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()
