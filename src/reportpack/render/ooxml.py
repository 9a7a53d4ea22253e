"""The fast Word writer: an arranged document → .docx bytes, writing WordprocessingML directly.

Why not python-docx here: building a document through its object model costs 100–230 ms (every
paragraph, run and property is an lxml element created and looked up through Python, and saving
re-serialises and re-deflates the whole style base — 355 KB of styles.xml and 438 KB of
stylesWithEffects.xml in python-docx's default template — for every document). Here the style base
is read once per process (``Package``): every part that never changes is deflated once and copied
into each document as compressed bytes; only ``word/document.xml`` (10–30 KB), the comments, the
charts and the small tables of contents and relationships are written per document, as strings.
The zip is written by ``deterministic.write_zip``, because ``zipfile`` cannot take data that is
already deflated.

What the document says — styles, keeps, breaks, bookmarks, comments — comes from
``reportpack.render.arrange``, the same as python-docx's reference writer (``reportpack.render.word``);
``tests/unit/render/test_ooxml.py`` renders every kind of document both ways and compares them.
"""

from __future__ import annotations

import copy
import io
import re
import zipfile
from collections.abc import Mapping
from functools import lru_cache
from xml.sax.saxutils import escape, quoteattr

from lxml import etree

from reportpack.render import charts, layout, schema_order, toc
from reportpack.render.arrange import (
    KEEP_TOGETHER_ROWS,
    REVIEWER,
    TABLE_CHAR_TWIPS,
    Arranged,
    FrontMatterEnd,
    Para,
    Run,
    Table,
    arrange,
)
from reportpack.render.deterministic import FIXED_TIME, STATIC, Member, write_zip
from reportpack.render.document import Block
from reportpack.render.styles import LINE_TWIPS, load_base

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
COMMENTS_REL = f"{_RELS}/comments"
_IMAGE_REL = f"{_RELS}/image"
COMMENTS_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"
_STAMP = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
# python-docx's comments part opens with these declarations; kept so both writers give the same part.
_COMMENTS_HEAD = (
    "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
    '<w:comments xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture" '
    f'xmlns:r="{_RELS}" xmlns:w="{_W}" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:a14="http://schemas.microsoft.com/office/drawing/2010/main" '
    'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml" '
    'xmlns:wpc="http://schemas.microsoft.com/office/word/2010/wordprocessingCanvas">'
)


def _attr(value: str) -> str:
    return quoteattr(value, {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def _t(text: str) -> str:
    """A run's text as python-docx writes it: tabs and line breaks as their elements."""
    if "\t" in text or "\n" in text or "\r" in text:
        parts = re.split(r"(\t|\r\n|\n|\r)", text)
        return "".join("<w:tab/>" if p == "\t" else "<w:br/>" if p in ("\n", "\r", "\r\n") else _t(p) for p in parts if p)
    space = ' xml:space="preserve"' if len(text.strip()) < len(text) else ""
    return f"<w:t{space}>{text.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')}</w:t>"  # saxutils.escape, inlined


def _field(kind: str, value: str = "") -> str:
    if kind == "instr":
        return f'<w:r><w:instrText xml:space="preserve"> {escape(value)} </w:instrText></w:r>'
    if kind == "result":
        return f"<w:r>{_t(value)}</w:r>" if value else ""
    return f'<w:r><w:fldChar w:fldCharType="{kind}"/></w:r>'


class Package:
    """A style base made ready to write documents on: built once per process and base."""

    def __init__(self, base: bytes) -> None:
        from docx import Document
        from docx.oxml.parser import parse_xml

        from reportpack.render.styles import REQUIRED_STYLES, front_matter_section, nest_for_compilation, numbered_from_one

        with zipfile.ZipFile(io.BytesIO(base)) as z:
            parts = {name: z.read(name) for name in z.namelist()}
        with zipfile.ZipFile(io.BytesIO(load_base())) as z:  # (templates/styles/gbt9704.docx holds the same parts)
            self.builtin = parts == {name: z.read(name) for name in z.namelist()}  # the layout copy's spacers are measured on it
        doc = Document(io.BytesIO(base))
        names = [*REQUIRED_STYLES, "toc 1", "toc 2", "Table Grid"]
        self.style_ids = {name: doc.styles[name].style_id for name in names}
        nest_for_compilation(doc)
        self.nested_ids = {style.name: style.style_id for style in doc.styles if style.name.startswith("Compilation ")}
        nested_styles = doc.part._styles_part.blob

        # the main part's name and relationships, from the package's own
        root_rels = etree.fromstring(parts["_rels/.rels"])
        main = next(r.get("Target") for r in root_rels if r.get("Type").endswith("/officeDocument")).lstrip("/")
        self.main = main
        folder, _, leaf = main.rpartition("/")
        self.rels_name = f"{folder}/_rels/{leaf}.rels"
        self.folder = folder
        rels = parts[self.rels_name].decode("utf-8")
        self.rels_xml = rels
        self.used_rids = {int(n) for n in re.findall(r'Id="rId(\d+)"', rels)}
        styles_name = f"{folder}/{_target(rels, '/styles')}"
        self.content_types = parts["[Content_Types].xml"].decode("utf-8")

        document = parts[main].decode("utf-8")
        start = document.index("<w:body>") + len("<w:body>")
        self.head = document[:start]
        sect = parse_xml(parts[main]).find(f"{{{_W}}}body").find(f"{{{_W}}}sectPr")
        self.sect = _xml(sect)
        front = front_matter_section(sect)
        self.front_sect = _xml(front)
        numbered = copy.deepcopy(sect)
        numbered_from_one(numbered)
        self.numbered_sect = _xml(numbered)
        numbered_front = copy.deepcopy(front)
        numbered_from_one(numbered_front)
        self.numbered_front_sect = _xml(numbered_front)

        variable = {"[Content_Types].xml", main, self.rels_name, "docProps/core.xml", styles_name}
        self.static = [Member.of(name, data, STATIC) for name, data in parts.items() if name not in variable]
        self.pprs: dict[tuple, str] = {}  # paragraph properties as written (``_Body._ppr``), by their values
        self.styles = {
            False: Member.of(styles_name, parts[styles_name], STATIC),
            True: Member.of(styles_name, nested_styles, STATIC),
        }

    def style(self, name: str) -> str:
        return self.nested_ids[name] if name in self.nested_ids else self.style_ids[name]

    def write(self, arranged: Arranged, title: str, author: str, layout_only: bool = False) -> bytes:
        """The document; ``layout_only``: the copy a layout pass needs to number the 目录 — a blank
        picture of the same size for each chart, and each 目录 line a probe (``toc.probe``)."""
        writer = _Body(self, layout_only)
        body = writer.body(arranged.items)
        rels, types, extra = [], [], []
        for rid, kind, target in writer.rels:
            rels.append(f'<Relationship Id="{rid}" Type="{kind}" Target="{target}"/>')
        if writer.comments:
            extra.append(
                Member.of(f"{self.folder}/comments.xml", (_COMMENTS_HEAD + "".join(writer.comments) + "</w:comments>").encode())
            )
            types.append(f'<Override PartName="/{self.folder}/comments.xml" ContentType="{COMMENTS_TYPE}"/>')
        for n, block in enumerate(writer.charts, start=1):
            workbook = f"Microsoft_Excel_Worksheet{n}.xlsx"
            extra.append(_chart_member(f"{self.folder}/charts/chart{n}.xml", block.chart, block.cells))
            extra.append(
                Member.of(f"{self.folder}/charts/_rels/chart{n}.xml.rels", charts.chart_rels(f"../embeddings/{workbook}"))
            )
            extra.append(_workbook_member(f"{self.folder}/embeddings/{workbook}", block.cells))
            types.append(f'<Override PartName="/{self.folder}/charts/chart{n}.xml" ContentType="{charts.CHART_TYPE}"/>')
        if writer.frames:
            extra.append(_frame_member(f"{self.folder}/media/frame.png"))
            if 'Extension="png"' not in self.content_types:
                types.append('<Default Extension="png" ContentType="image/png"/>')
        if writer.charts and 'Extension="xlsx"' not in self.content_types:
            types.append(f'<Default Extension="xlsx" ContentType="{charts.XLSX_TYPE}"/>')
        members = [
            Member.of("[Content_Types].xml", self.content_types.replace("</Types>", "".join(types) + "</Types>").encode()),
            *self.static,
            self.styles[arranged.compilation],
            Member.of("docProps/core.xml", _core(title, author)),
            Member.of(self.main, (self.head + body + "</w:body></w:document>").encode("utf-8")),
            Member.of(self.rels_name, self.rels_xml.replace("</Relationships>", "".join(rels) + "</Relationships>").encode()),
            *extra,
        ]
        return write_zip(members)


@lru_cache(maxsize=4)
def package(base: bytes) -> Package:
    return Package(base)


def to_docx(
    blocks: list[Block],
    title: str,
    author: str,
    base: bytes | None = None,
    pages: Mapping[str, int] | None = None,
    layout_only: bool = False,
) -> bytes:
    """The Word document for numbered ``blocks`` on the style base ``base`` (.docx bytes; the same
    blocks give the same bytes). ``pages``: bookmark → printed page for the entries of a ``toc``
    block (``toc.probed_pages``); without it the entries are written with no page number.
    ``layout_only``: the layout pass's copy (``Package.write``)."""
    return package(base if base is not None else load_base()).write(arrange(blocks, pages), title, author, layout_only)


def _target(rels: str, type_suffix: str) -> str:
    """The target of the relationship whose type ends with ``type_suffix``."""
    for rel in etree.fromstring(rels.encode("utf-8")):
        if rel.get("Type").endswith(type_suffix):
            return rel.get("Target")
    raise ValueError(f"the style base has no {type_suffix.strip('/')} part")


def _xml(element) -> str:
    """An element as it appears inside the main part (its namespaces declared on the root there)."""
    text = etree.tostring(element, encoding="unicode")
    return re.sub(r' xmlns:\w+="[^"]*"', "", text)


@lru_cache(maxsize=512)
def _chart_member(name: str, kind: str, cells: tuple[tuple[str, ...], ...]) -> Member:
    return Member.of(name, charts.chart_xml(kind, cells))


@lru_cache(maxsize=4)
def _frame_member(name: str) -> Member:
    return Member.of(name, charts.blank_png(), STATIC)


@lru_cache(maxsize=512)
def _workbook_member(name: str, cells: tuple[tuple[str, ...], ...]) -> Member:
    return Member.of(name, charts.workbook(cells))


def _core(title: str, author: str) -> bytes:
    return (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{escape(title)}</dc:title><dc:creator>{escape(author)}</dc:creator>"
        f"<cp:lastModifiedBy>{escape(author)}</cp:lastModifiedBy><cp:revision>1</cp:revision>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{_STAMP}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{_STAMP}</dcterms:modified>'
        "<dc:language>zh-CN</dc:language></cp:coreProperties>"
    ).encode()


class _Body:
    """One document's ``w:body`` content, its relationships, comments and charts."""

    def __init__(self, package: Package, layout_only: bool = False) -> None:
        self.package = package
        self.layout_only = layout_only
        self._frame_rel = ""
        self.rels: list[tuple[str, str, str]] = []
        self.comments: list[str] = []
        self.frames = 0
        self.charts: list = []
        self._comments_rel = False

    def _rel(self, kind: str, target: str) -> str:
        """A new relationship of the main part, with the lowest free id (as python-docx numbers them)."""
        taken = self.package.used_rids | {int(rid[3:]) for rid, _, _ in self.rels}
        rid = f"rId{next(n for n in range(1, len(taken) + 2) if n not in taken)}"
        self.rels.append((rid, kind, target))
        return rid

    def body(self, items) -> str:
        out: list[str] = []
        last_para: tuple[int, Para, str] | None = None  # the last paragraph written, if nothing followed it
        numbered = False  # the body's section numbers its pages from 1 (after the front matter)
        for item in items:
            if isinstance(item, FrontMatterEnd):
                front = self.package.numbered_front_sect if numbered else self.package.front_sect
                if last_para is not None:  # the section ends with it, as Word writes a section break
                    index, para, content = last_para
                    out[index] = f"<w:p>{self._ppr(para, front)}{content}</w:p>"
                else:
                    out.append(f"<w:p><w:pPr>{front}</w:pPr></w:p>")
                numbered = True
                last_para = None
            elif isinstance(item, Table):
                out.append(self._spacers(item) or self._table(item))
                last_para = None
            else:
                content = self._content(item)
                out.append(f"<w:p>{self._ppr(item)}{content}</w:p>")
                last_para = (len(out) - 1, item, content)
        out.append(self.package.numbered_sect if numbered else self.package.sect)
        return "".join(out)

    def _table(self, table: Table) -> str:
        grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in table.widths)
        rows = []
        for r, row in enumerate(table.cells):
            head = "<w:tblHeader/>" if r == 0 else ""
            cells = "".join(
                f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{w}"/></w:tcPr>{self._p(p)}</w:tc>'
                for w, p in zip(table.widths, row, strict=True)
            )
            rows.append(f"<w:tr><w:trPr><w:cantSplit/>{head}</w:trPr>{cells}</w:tr>")
        return (
            f'<w:tbl><w:tblPr><w:tblStyle w:val="{self.package.style("Table Grid")}"/><w:tblW w:type="auto" w:w="0"/>'
            '<w:jc w:val="center"/><w:tblLayout w:type="fixed"/><w:tblLook w:firstColumn="1" w:firstRow="1" '
            'w:lastColumn="0" w:lastRow="0" w:noHBand="0" w:noVBand="1" w:val="04A0"/></w:tblPr>'
            f"<w:tblGrid>{grid}</w:tblGrid>{''.join(rows)}</w:tbl>"
        )

    def _spacers(self, table: Table) -> str:
        """In the layout copy on the built-in base, a table kept on one page as one empty paragraph
        per row of the row's height, kept with the next as the row is: the same page breaks, and a
        table is as much of LibreOffice's work as all the text. "" when the table must stay one."""
        if not (self.layout_only and self.package.builtin and all(row[0].keep_next for row in table.cells[:-1])):
            return ""
        texts = [["".join(r.text for r in p.runs) for p in row] for row in table.cells]
        heights = layout.row_heights(texts, table.widths, LINE_TWIPS, TABLE_CHAR_TWIPS)
        if heights is None or len(table.cells) > KEEP_TOGETHER_ROWS:
            return ""
        return "".join(
            f'<w:p><w:pPr><w:pStyle w:val="{self.package.style("Table Text")}"/>{"<w:keepNext/>" if row[0].keep_next else ""}'
            '<w:snapToGrid w:val="0"/>'
            f'<w:spacing w:before="0" w:after="0" w:line="{height}" w:lineRule="exact"/></w:pPr></w:p>'
            for row, height in zip(table.cells, heights, strict=True)
        )

    def _p(self, para: Para) -> str:
        return f"<w:p>{self._ppr(para)}{self._content(para)}</w:p>"

    def _ppr(self, para: Para, sect: str = "") -> str:
        key = (para.style, para.keep_next, para.page_break_before, para.space_before, para.right_indent, sect)
        found = self.package.pprs.get(key)
        if found is None:  # a document has a few dozen kinds of paragraph properties and hundreds of paragraphs
            found = self.package.pprs[key] = self._new_ppr(*key)
        return found

    def _new_ppr(self, style, keep_next, page_break_before, space_before, right_indent, sect) -> str:
        props = [
            ("w:pStyle", f'<w:pStyle w:val="{self.package.style(style)}"/>' if style else ""),
            ("w:keepNext", "<w:keepNext/>" if keep_next else ""),
            ("w:pageBreakBefore", "<w:pageBreakBefore/>" if page_break_before else ""),
            ("w:spacing", f'<w:spacing w:before="{space_before}"/>' if space_before is not None else ""),
            ("w:ind", f'<w:ind w:right="{right_indent}"/>' if right_indent is not None else ""),
            ("w:sectPr", sect),
        ]
        inner = schema_order.in_order("w:pPr", props)  # cached per kind of paragraph: sorted a few dozen times
        return f"<w:pPr>{inner}</w:pPr>" if inner else ""

    def _content(self, para: Para) -> str:
        if para.chart is not None and self.layout_only:
            self._frame_rel = self._frame_rel or self._rel(_IMAGE_REL, "media/frame.png")
            self.frames += 1
            return f"<w:r>{charts.frame_inline(self._frame_rel, self.frames)}</w:r>"
        if para.chart is not None:
            self.charts.append(para.chart)
            n = len(self.charts)
            rid = self._rel(charts.CHART_REL, f"charts/chart{n}.xml")
            return f"<w:r>{charts.inline(rid, n, f'Chart {n}')}</w:r>"
        if para.toc_line is not None:
            return self._toc_line(para)
        out = [f"<w:r>{_t(para.number)}</w:r>"] if para.number else []
        if para.bookmark is not None:
            out.append(_bookmark(para.bookmark))
        out += [self._run(r) for r in para.runs]
        return "".join(out)

    def _run(self, run: Run) -> str:
        if run.br == "page":
            return '<w:r><w:br w:type="page"/></w:r>'
        body = _t(run.text) if run.text else ""
        if run.br == "line":
            body += "<w:br/>"
        if run.comment is None:
            return f"<w:r>{body}</w:r>" if body else "<w:r/>"
        if not self._comments_rel:
            self._rel(COMMENTS_REL, "comments.xml")
            self._comments_rel = True
        n = len(self.comments)
        self.comments.append(
            f'<w:comment w:id="{n}" w:author={_attr(REVIEWER)} w:initials="RP" w:date="{_STAMP}"><w:p><w:pPr>'
            '<w:pStyle w:val="CommentText"/></w:pPr><w:r><w:rPr><w:rStyle w:val="CommentReference"/></w:rPr>'
            f"<w:annotationRef/></w:r><w:r>{_t(run.comment)}</w:r></w:p></w:comment>"
        )
        return (
            f'<w:commentRangeStart w:id="{n}"/><w:r>{body}</w:r><w:commentRangeEnd w:id="{n}"/>'
            f'<w:r><w:rPr><w:rStyle w:val="CommentReference"/></w:rPr><w:commentReference w:id="{n}"/></w:r>'
        )

    def _toc_line(self, para: Para) -> str:
        line = para.toc_line
        entry = line.entry
        if self.layout_only:  # a probe, outside any TOC field: LibreOffice prints the entry's page after it
            ref = _field("begin") + _field("instr", f"PAGEREF {entry.bookmark} \\h") + _field("separate") + _field("end")
            return f"<w:r>{_t(toc.probe(entry))}</w:r>{ref}"
        out = [_field("begin"), _field("instr", toc.INSTRUCTION), _field("separate")] if line.first else []
        page = _field("result", str(line.page) if line.page else "")
        out.append(
            f'<w:hyperlink w:anchor={_attr(entry.bookmark)} w:history="1"><w:r>{_t(entry.text)}</w:r><w:r><w:tab/></w:r>'
            + _field("begin")
            + _field("instr", f"PAGEREF {entry.bookmark} \\h")
            + _field("separate")
            + page
            + _field("end")
            + "</w:hyperlink>"
        )
        if line.last:
            out.append(_field("end"))
        return "".join(out)


def _bookmark(entry: toc.Entry) -> str:
    return f'<w:bookmarkStart w:id="{entry.number}" w:name={_attr(entry.bookmark)}/><w:bookmarkEnd w:id="{entry.number}"/>'
