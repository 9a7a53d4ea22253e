"""The Word style base: GB/T 9704-2012 page layout, Chinese fonts, page numbers.

Built once per process from python-docx's default template and kept as bytes; every document
starts from a copy. The default template is set up for Japanese (theme font ＭＳ 明朝,
``themeFontLang eastAsia="ja-JP"``) and its heading styles carry ``*Theme`` font attributes that
override explicit fonts, so every style we use is rewritten: theme attributes removed, ``w:eastAsia``
set, language zh-CN, colour black.
"""

from __future__ import annotations

import copy
import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor, Twips

from reportpack.errors import OwnerFileError
from reportpack.render import schema_order
from reportpack.render.deterministic import normalise_zip

# Font names as they exist on a bank's Windows machine; LibreOffice maps them on Linux through
# templates/fonts/fonts.conf.
FANGSONG = "仿宋_GB2312"
KAITI = "楷体_GB2312"
HEITI = "黑体"
SONGTI = "宋体"
XIAOBIAOSONG = "方正小标宋简体"

BODY_PT = 16  # 3号
TITLE_PT = 22  # 2号
PAGE_NUMBER_PT = 14  # 4号
LINE_TWIPS = 579  # 225 mm ÷ 22 lines ≈ 28.95 pt, fixed
CHAR_TWIPS = BODY_PT * 20  # one 3号 character = 320 twips
TEXT_WIDTH_TWIPS = 11906 - 1588 - 1474  # A4 width less the 28 mm and 26 mm margins: the 156 mm line


# The font table (word/fontTable.xml) tells Word what each face is when the machine lacks it:
# GB2312 character set (charset 86), serif or sans (family), and the names it also goes by
# (altName). Windows 10 and later ship 仿宋 and 楷体 but not the _GB2312 faces, and few machines
# have the commercial 方正小标宋简体; with these entries Word substitutes 仿宋, 楷体 and 宋体 instead of
# an arbitrary face. python-docx's default table declares Japanese faces (ＭＳ 明朝) instead.
FONT_TABLE = (
    # name, alternative names, panose, family, pitch
    (SONGTI, "SimSun", "02010600030101010101", "auto", "variable"),
    (HEITI, "SimHei", "02010609060101010101", "modern", "fixed"),
    (FANGSONG, "仿宋,FangSong", "02010609030101010101", "modern", "fixed"),
    (KAITI, "楷体,KaiTi", "02010609030101010101", "modern", "fixed"),
    (XIAOBIAOSONG, "宋体,SimSun", "02010600030101010101", "roman", "variable"),
    ("Times New Roman", "", "02020603050405020304", "roman", "variable"),
)


def font_table_xml() -> bytes:
    fonts = []
    for name, alt, panose, family, pitch in FONT_TABLE:
        alt_xml = f'<w:altName w:val="{alt}"/>' if alt else ""
        charset = "00" if name == "Times New Roman" else "86"
        fonts.append(
            f'<w:font w:name="{name}">{alt_xml}<w:panose1 w:val="{panose}"/><w:charset w:val="{charset}"/>'
            f'<w:family w:val="{family}"/><w:pitch w:val="{pitch}"/></w:font>'
        )
    return (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
        '<w:fonts xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">' + "".join(fonts) + "</w:fonts>"
    ).encode("utf-8")


@dataclass(frozen=True)
class StyleSpec:
    font: str
    size_pt: float
    bold: bool = False
    align: WD_ALIGN_PARAGRAPH | None = None
    first_line_chars: float = 2
    line_twips: int = LINE_TWIPS
    space_after_twips: int = 0
    keep_with_next: bool = False
    space_before_twips: int = 0
    toc_tab: bool = False  # a right tab at the line's end with a dotted leader (table of contents)


STYLES: dict[str, StyleSpec] = {
    "Normal": StyleSpec(FANGSONG, BODY_PT, align=WD_ALIGN_PARAGRAPH.JUSTIFY),
    "Title": StyleSpec(
        XIAOBIAOSONG,
        TITLE_PT,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        first_line_chars=0,
        line_twips=700,
        space_after_twips=LINE_TWIPS,
        keep_with_next=True,
    ),
    "Subtitle": StyleSpec(
        HEITI,
        18,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        first_line_chars=0,
        line_twips=700,
        space_after_twips=LINE_TWIPS // 2,
        keep_with_next=True,
    ),
    # A compilation's cover and table of contents (templates/documents/compilation.md.j2).
    "Cover Title": StyleSpec(
        XIAOBIAOSONG, 26, align=WD_ALIGN_PARAGRAPH.CENTER, first_line_chars=0, line_twips=900, space_before_twips=5 * LINE_TWIPS
    ),
    "Cover Note": StyleSpec(KAITI, BODY_PT, align=WD_ALIGN_PARAGRAPH.CENTER, first_line_chars=0),
    "TOC Heading": StyleSpec(
        XIAOBIAOSONG, TITLE_PT, align=WD_ALIGN_PARAGRAPH.CENTER, first_line_chars=0, line_twips=700, space_after_twips=LINE_TWIPS
    ),
    "toc 1": StyleSpec(HEITI, BODY_PT, first_line_chars=0, toc_tab=True),  # Word's own names: it uses them on F9
    "toc 2": StyleSpec(FANGSONG, BODY_PT, first_line_chars=0, toc_tab=True),
    "Heading 1": StyleSpec(HEITI, BODY_PT, keep_with_next=True),
    "Heading 2": StyleSpec(KAITI, BODY_PT, keep_with_next=True),
    "Heading 3": StyleSpec(FANGSONG, BODY_PT, bold=True, keep_with_next=True),
    "Heading 4": StyleSpec(FANGSONG, BODY_PT, keep_with_next=True),
    "Signature": StyleSpec(FANGSONG, BODY_PT, align=WD_ALIGN_PARAGRAPH.RIGHT, first_line_chars=0),
    "Footer": StyleSpec(SONGTI, PAGE_NUMBER_PT, first_line_chars=0, line_twips=0),
    # Tables: 4号 仿宋 would not fit five columns in 156 mm; 小四 (12 pt) as bank tables use.
    "Table Text": StyleSpec(FANGSONG, 12, align=WD_ALIGN_PARAGRAPH.CENTER, first_line_chars=0, line_twips=400),
    "Table Header": StyleSpec(HEITI, 12, align=WD_ALIGN_PARAGRAPH.CENTER, first_line_chars=0, line_twips=400),
    # A picture needs automatic line spacing: a fixed 28.95 pt line would crop it to one line. A
    # little space above it: right under a table, LibreOffice drew the chart over the table's bottom rule.
    "Figure": StyleSpec(
        FANGSONG,
        BODY_PT,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        first_line_chars=0,
        line_twips=0,
        keep_with_next=True,
        space_before_twips=LINE_TWIPS // 4,
    ),
    "Caption": StyleSpec(KAITI, 14, align=WD_ALIGN_PARAGRAPH.CENTER, first_line_chars=0, space_after_twips=LINE_TWIPS // 2),
    # a table's caption stands above it (a chart's below), kept with it
    "Table Caption": StyleSpec(
        KAITI, 14, align=WD_ALIGN_PARAGRAPH.CENTER, first_line_chars=0, keep_with_next=True, space_before_twips=LINE_TWIPS // 4
    ),
    # GB/T 9704 7.3.2: 主送机关 under the title (the title's space after is the blank line), flush left
    "Addressee": StyleSpec(FANGSONG, BODY_PT, align=WD_ALIGN_PARAGRAPH.LEFT, first_line_chars=0),
}
# Styles the renderer uses besides STYLES; a replacement style base must define all of them.
REQUIRED_STYLES = (*STYLES, "Table Grid")


def _set_fonts(rpr, font: str) -> None:
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = schema_order.insert(rpr, OxmlElement("w:rFonts"))
    for attr in list(rfonts.attrib):
        if attr.endswith("Theme"):
            del rfonts.attrib[attr]
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), font)


def _set_lang(rpr) -> None:
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = schema_order.insert(rpr, OxmlElement("w:lang"))
    # Chinese text is zh-CN; Latin text (digits, %, .) en-US, as Word writes it on a Chinese system.
    # With zh-CN there too, LibreOffice breaks lines inside numbers ("530./68万元", "9/0%"): 23 places
    # in one sample compilation, none with en-US.
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")


def _style(doc, name: str):
    try:
        return doc.styles[name]
    except KeyError:
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = doc.styles["Normal"]
        return style


def _apply(doc, name: str, spec: StyleSpec) -> None:
    style = _style(doc, name)
    font = style.font
    font.name = spec.font
    font.size = Pt(spec.size_pt)
    font.bold = spec.bold
    font.italic = False
    font.color.rgb = RGBColor(0, 0, 0)
    rpr = style.element.get_or_add_rPr()
    _set_fonts(rpr, spec.font)
    _set_lang(rpr)
    if name == "Normal":
        # −0.25 pt character spacing: 28 characters of 3号 fit the 156 mm line (GB/T 9704 grid).
        spacing = schema_order.insert(rpr, OxmlElement("w:spacing"))  # before w:lang, as the schema has it
        spacing.set(qn("w:val"), "-5")
    pf = style.paragraph_format
    pf.alignment = spec.align
    pf.space_before = Twips(spec.space_before_twips)
    pf.space_after = Twips(spec.space_after_twips)
    if name == "Signature":  # two characters in from the right margin; the renderer sets each line's (layout.py)
        pf.right_indent = Twips(2 * CHAR_TWIPS)
    if spec.line_twips:
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = Twips(spec.line_twips)
    else:
        pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    pf.first_line_indent = Twips(int(spec.first_line_chars * CHAR_TWIPS))
    pf.keep_with_next = spec.keep_with_next
    if spec.toc_tab:
        pf.tab_stops.add_tab_stop(Twips(TEXT_WIDTH_TWIPS), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)
    if name == "toc 2":  # a document under its part: two characters in
        pf.left_indent = Twips(2 * CHAR_TWIPS)
    ppr = style.element.get_or_add_pPr()
    ind = ppr.find(qn("w:ind"))
    if ind is not None and spec.first_line_chars:
        # Indent in characters too, so Word keeps two characters if an owner changes the size.
        ind.set(qn("w:firstLineChars"), str(int(spec.first_line_chars * 100)))
    border = ppr.find(qn("w:pBdr"))  # the default Title style draws a blue rule under the title
    if border is not None:
        ppr.remove(border)
    if name.startswith("Heading"):
        ppr_spacing = ppr.find(qn("w:spacing"))
        if ppr_spacing is not None:
            for attr in ("w:beforeLines", "w:afterLines", "w:beforeAutospacing", "w:afterAutospacing"):
                ppr_spacing.attrib.pop(qn(attr), None)


def _doc_defaults(doc) -> None:
    rpr_default = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))
    rpr = rpr_default.find(qn("w:rPr"))
    _set_fonts(rpr, FANGSONG)
    _set_lang(rpr)
    settings = doc.settings.element
    theme_lang = settings.find(qn("w:themeFontLang"))
    if theme_lang is not None:
        theme_lang.set(qn("w:eastAsia"), "zh-CN")
        theme_lang.set(qn("w:val"), "zh-CN")
    # Separate odd and even footers: page numbers sit on the outside edge (GB/T 9704).
    schema_order.insert(settings, OxmlElement("w:evenAndOddHeaders"))


def _page(doc) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Twips(2098), Twips(1984)  # 37 mm, 35 mm
    section.left_margin, section.right_margin = Twips(1588), Twips(1474)  # 28 mm, 26 mm
    section.header_distance = Mm(15)
    # The page number's dash sits 7 mm below the type area: 35 − 7 − one 4号 line ≈ 23 mm.
    section.footer_distance = Mm(23)
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = schema_order.insert(section._sectPr, OxmlElement("w:docGrid"))
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE_TWIPS))
    _page_number(section.footer, WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number(section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)


def _page_number(footer, align) -> None:
    """ "— 7 —" with a PAGE field (python-docx has no field API), one character in from the edge."""
    para = footer.paragraphs[0]
    para.style = "Footer"
    para.alignment = align
    if align == WD_ALIGN_PARAGRAPH.RIGHT:
        para.paragraph_format.right_indent = Twips(PAGE_NUMBER_PT * 20)
    else:
        para.paragraph_format.left_indent = Twips(PAGE_NUMBER_PT * 20)
    para.add_run("— ")
    begin, instr, end = OxmlElement("w:fldChar"), OxmlElement("w:instrText"), OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    instr.set(qn("xml:space"), "preserve")
    instr.text = " PAGE "
    end.set(qn("w:fldCharType"), "end")
    sep = OxmlElement("w:fldChar")
    sep.set(qn("w:fldCharType"), "separate")
    run = para.add_run()
    run._r.append(begin)
    run._r.append(instr)
    run._r.append(sep)
    para.add_run("1")
    run_end = para.add_run()
    run_end._r.append(end)
    para.add_run(" —")


# pPr children that come after w:outlineLvl (the schema fixes the order; Word refuses others)
NESTED_LEVELS = (1, 2, 3, 4)


def outline(element, level: int) -> None:
    """Outline level ``level`` (0 = level 1) on a style or paragraph element."""
    ppr = element.get_or_add_pPr()
    old = ppr.find(qn("w:outlineLvl"))
    if old is not None:
        ppr.remove(old)
    lvl = schema_order.insert(ppr, OxmlElement("w:outlineLvl"))
    lvl.set(qn("w:val"), str(level))


def nest_for_compilation(doc) -> None:
    """The styles of a compilation: its parts (Subtitle) at outline level 1, its documents' titles at
    level 2, and "Compilation Heading N" like "Heading N" one outline level per part and document
    deeper (``arrange.nested_heading``), so Word's navigation pane shows parts, documents and sections
    as a tree."""
    outline(doc.styles["Subtitle"].element, 0)
    outline(doc.styles["Title"].element, 1)
    for level in NESTED_LEVELS:
        name = f"Compilation Heading {level}"
        try:
            doc.styles[name]
        except KeyError:
            style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            style.base_style = doc.styles[f"Heading {level}"]
            outline(style.element, level + 1)


def front_matter_section(sect_pr):
    """A copy of the page set-up without headers and footers: the section of a compilation's cover
    and contents (no page numbers there)."""
    front = copy.deepcopy(sect_pr)
    for ref in front.findall(qn("w:headerReference")) + front.findall(qn("w:footerReference")):
        front.remove(ref)
    return front


def numbered_from_one(sect_pr) -> None:
    """The section's pages numbered from 1 (the body after a compilation's front matter)."""
    if sect_pr.find(qn("w:pgNumType")) is None:
        start = schema_order.insert(sect_pr, OxmlElement("w:pgNumType"))
        start.set(qn("w:start"), "1")


class StyleBaseError(OwnerFileError):
    """A replacement style base that cannot be used: names the file and what is missing."""

    topic_zh = "样式底稿（.docx）不能使用"


def build_base() -> bytes:
    """The GB/T 9704 style base as .docx bytes (``reportpack style-base`` writes it to a file)."""
    doc = Document()
    _doc_defaults(doc)
    for name, spec in STYLES.items():
        _apply(doc, name, spec)
    _page(doc)
    font_table = next(rel.target_part for rel in doc.part.rels.values() if rel.reltype.endswith("/fontTable"))
    font_table._blob = font_table_xml()  # a plain Part: python-docx writes its blob back as is
    doc.core_properties.title = "ReportPack GB/T 9704-2012 style base"
    _drop_template_leftovers(doc)
    return normalise_zip(_saved(_emptied(doc)))


def _drop_template_leftovers(doc) -> None:
    """python-docx's template carries a thumbnail of its own blank page (a file browser would show it
    as every document's preview) and ``stylesWithEffects.xml``, Word 2010's copy of the styles (438 KB
    that Word rebuilds from ``styles.xml``): a quarter of each document's size, dropped."""
    for rels, suffix in ((doc.part.rels, "/stylesWithEffects"), (doc.part.package.rels, "/thumbnail")):
        for rid, rel in list(rels.items()):
            if rel.reltype.endswith(suffix):
                del rels[rid]


@lru_cache(maxsize=4)
def load_base(path: Path | None = None) -> bytes:
    """The style base every document starts from, read and checked once per process.

    ``path``: a report owner's .docx (its styles, page setup, headers and footers are used; its
    body text is dropped). ``None``: the built-in GB/T 9704 base."""
    if path is None:
        return build_base()
    try:
        doc = Document(str(path))
    except Exception as exc:  # python-docx raises several kinds for a file that is not .docx
        raise StyleBaseError(f"style base {path}: not a readable Word .docx file ({exc})") from exc
    names = {style.name for style in doc.styles}
    missing = [name for name in REQUIRED_STYLES if name not in names]
    if missing:
        raise StyleBaseError(
            f"style base {path}: missing styles {', '.join(missing)} "
            f"(every style the renderer uses must exist; start from templates/styles/gbt9704.docx)"
        )
    return _saved(_emptied(doc))


def _emptied(doc):
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):  # keep the page setup, headers and footers
            body.remove(child)
    return doc


def _saved(doc) -> bytes:
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def new_document(base: bytes | None = None):
    """A fresh document on the style base (default: the built-in GB/T 9704 base)."""
    return Document(io.BytesIO(base if base is not None else load_base()))
