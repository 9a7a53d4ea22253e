"""The reference Word writer: an arranged document → .docx bytes through python-docx's object model.

Packs are written by ``reportpack.render.ooxml`` (about a hundred times faster); this writer is the
yardstick it is held to: python-docx builds every element through its own API, so a test rendering
the same documents both ways (``tests/unit/render/test_ooxml.py``) proves the fast writer produces
the Word structure python-docx would. Both take every decision from ``reportpack.render.arrange``.
"""

from __future__ import annotations

import io
from collections.abc import Mapping

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Twips

from reportpack.render import charts, schema_order, toc
from reportpack.render.arrange import REVIEWER, FrontMatterEnd, Para, Table, arrange
from reportpack.render.deterministic import FIXED_TIME, normalise_zip
from reportpack.render.document import Block
from reportpack.render.styles import front_matter_section, nest_for_compilation, new_document, numbered_from_one


def reference_docx(
    blocks: list[Block], title: str, author: str, base: bytes | None = None, pages: Mapping[str, int] | None = None
) -> bytes:
    """What ``ooxml.to_docx`` writes, written by python-docx."""
    arranged = arrange(blocks, pages)
    doc = new_document(base)
    if arranged.compilation:
        nest_for_compilation(doc)
    writer = _Writer(doc)
    for item in arranged.items:
        if isinstance(item, FrontMatterEnd):
            writer.end_front_matter()
        elif isinstance(item, Table):
            writer.table(item)
        else:
            writer.paragraph(doc.add_paragraph(), item)
    props = doc.core_properties
    props.title, props.author, props.last_modified_by = title, author, author
    props.created = props.modified = FIXED_TIME
    props.revision = 1
    props.language = "zh-CN"
    buffer = io.BytesIO()
    doc.save(buffer)
    return normalise_zip(buffer.getvalue())


class _Writer:
    def __init__(self, doc) -> None:
        self.doc = doc
        self.style_ids: dict[str, str] = {}
        self.charts = 0

    def style(self, name: str) -> str:
        # python-docx looks a style up by name scanning all styles each time: once per name here
        if name not in self.style_ids:
            self.style_ids[name] = self.doc.styles[name].style_id
        return self.style_ids[name]

    def paragraph(self, para, item: Para) -> None:
        if item.style:
            para._p.style = self.style(item.style)
        fmt = para.paragraph_format
        if item.keep_next:
            fmt.keep_with_next = True
        if item.page_break_before:
            fmt.page_break_before = True
        if item.space_before is not None:
            fmt.space_before = Twips(item.space_before)
        if item.right_indent is not None:
            fmt.right_indent = Twips(item.right_indent)
        if item.number:
            para.add_run(item.number)
        if item.bookmark is not None:
            start, end = OxmlElement("w:bookmarkStart"), OxmlElement("w:bookmarkEnd")
            start.set(qn("w:id"), str(item.bookmark.number))
            start.set(qn("w:name"), item.bookmark.bookmark)
            end.set(qn("w:id"), str(item.bookmark.number))
            para._p.extend([start, end])
        if item.chart is not None:
            self._chart(para, item.chart)
        if item.toc_line is not None:
            self._toc_line(para, item)
        for run in item.runs:
            if run.br == "page":
                r = para.add_run()
                r._r.append(parse_xml(f'<w:br {nsdecls("w")} w:type="page"/>'))
                continue
            r = para.add_run(run.text)
            if run.br == "line":
                r.add_break()
            if run.comment:
                note = self.doc.add_comment(r, text=run.comment, author=REVIEWER, initials="RP")
                note._comment_elm.date = FIXED_TIME  # python-docx stamps the current time

    def table(self, item: Table) -> None:
        rows, cols = len(item.cells), len(item.widths)
        table = self.doc.add_table(rows=rows, cols=cols)
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        for c, column in enumerate(table.columns):
            column.width = Twips(item.widths[c])
        for r, row in enumerate(item.cells):
            for c, para in enumerate(row):
                cell = table.cell(r, c)
                cell.width = Twips(item.widths[c])
                self.paragraph(cell.paragraphs[0], para)
        for r, row in enumerate(table.rows):
            tr_pr = row._tr.get_or_add_trPr()
            schema_order.insert(tr_pr, OxmlElement("w:cantSplit"))
            if r == 0:
                schema_order.insert(tr_pr, OxmlElement("w:tblHeader"))

    def end_front_matter(self) -> None:
        body_sect = self.doc.sections[-1]._sectPr
        front = front_matter_section(body_sect)
        body = self.doc.element.body
        last = body[-2] if len(body) > 1 and body[-2].tag == qn("w:p") else self.doc.add_paragraph()._p
        last.get_or_add_pPr().insert_element_before(front, "w:pPrChange")
        numbered_from_one(body_sect)

    def _chart(self, para, block: Block) -> None:
        self.charts += 1
        n, package = self.charts, self.doc.part.package
        chart = Part(
            PackURI(f"/word/charts/chart{n}.xml"), charts.CHART_TYPE, charts.chart_xml(block.chart, block.cells), package
        )
        workbook = Part(
            PackURI(f"/word/embeddings/Microsoft_Excel_Worksheet{n}.xlsx"),
            charts.XLSX_TYPE,
            charts.workbook(block.cells),
            package,
        )
        chart.relate_to(workbook, charts.PACKAGE_REL)
        rid = self.doc.part.relate_to(chart, charts.CHART_REL)
        drawing = charts.inline(rid, n, f"Chart {n}").replace("<w:drawing>", f"<w:drawing {nsdecls('w', 'wp')}>", 1)
        para.add_run()._r.append(parse_xml(drawing))

    def _toc_line(self, para, item: Para) -> None:
        line = item.toc_line
        if line.first:
            para._p.extend(_field_runs(toc.INSTRUCTION, "")[:3])
        link = OxmlElement("w:hyperlink")
        link.set(qn("w:anchor"), line.entry.bookmark)
        link.set(qn("w:history"), "1")
        text, tab = OxmlElement("w:r"), OxmlElement("w:r")
        t = OxmlElement("w:t")
        t.text = line.entry.text
        text.append(t)
        tab.append(OxmlElement("w:tab"))
        page = str(line.page) if line.page else ""
        link.extend([text, tab, *_field_runs(f"PAGEREF {line.entry.bookmark} \\h", page)])
        para._p.append(link)
        if line.last:
            para._p.append(_field_runs(toc.INSTRUCTION, "")[-1])


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
