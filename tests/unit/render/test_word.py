"""The Word output: GB/T 9704 layout, Chinese fonts, page numbers, determinism."""

import io
import zipfile

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Emu, Pt, Twips
from lxml import etree

from reportpack.render import charts, toc
from reportpack.render.arrange import LINE_CHARS
from reportpack.render.document import number, parse
from reportpack.render.ooxml import to_docx

TEXT = (
    "= 某网点2023年上半年工作总结\n开头。\n# 主要指标\n## 公司类\n正文。\n- 一件事\n- 两件事\n### 细目\n"
    "| 指标 | 期末 |\n| 对公存款 | 7.93亿元 |\n>> 某网点\n>> 2023年6月30日\n"
)


@pytest.fixture(scope="module")
def data():
    return to_docx(number(parse(TEXT)), title="t", author="a")


@pytest.fixture(scope="module")
def doc(data):
    return Document(io.BytesIO(data))


def test_a4_and_gbt9704_margins(doc):
    s = doc.sections[0]
    assert (round(s.page_width.mm), round(s.page_height.mm)) == (210, 297)
    assert (s.top_margin.twips, s.bottom_margin.twips, s.left_margin.twips, s.right_margin.twips) == (2098, 1984, 1588, 1474)
    width = Emu(s.page_width - s.left_margin - s.right_margin)
    height = Emu(s.page_height - s.top_margin - s.bottom_margin)
    assert (round(width.mm), round(height.mm)) == (156, 225)


@pytest.mark.parametrize(
    "style,font,size",
    [
        ("Normal", "仿宋_GB2312", 16),
        ("Title", "方正小标宋简体", 22),
        ("Heading 1", "黑体", 16),
        ("Heading 2", "楷体_GB2312", 16),
        ("Heading 3", "仿宋_GB2312", 16),
        ("Footer", "宋体", 14),
    ],
)
def test_styles_set_east_asian_fonts_without_theme_overrides(doc, style, font, size):
    st = doc.styles[style]
    rfonts = st.element.rPr.find(qn("w:rFonts"))
    assert rfonts.get(qn("w:eastAsia")) == font
    assert not [a for a in rfonts.attrib if a.endswith("Theme")]
    assert st.font.size == Pt(size)
    assert st.element.rPr.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"


def test_body_fixed_line_spacing_two_character_indent_and_grid_spacing(doc):
    pf = doc.styles["Normal"].paragraph_format
    assert 28 <= pf.line_spacing.pt <= 29
    assert pf.first_line_indent == Pt(32)
    assert doc.styles["Normal"].element.rPr.find(qn("w:spacing")).get(qn("w:val")) == "-5"


def test_paragraphs_carry_styles_and_renderer_numbers(doc):
    got = [(p.style.name, p.text) for p in doc.paragraphs]
    assert got == [
        ("Title", "某网点2023年上半年工作总结"),
        ("Normal", "开头。"),
        ("Heading 1", "一、主要指标"),
        ("Heading 2", "（一）公司类"),
        ("Normal", "正文。"),
        ("Normal", "一是一件事"),
        ("Normal", "二是两件事"),
        ("Heading 3", "1.细目"),
        ("Signature", "某网点"),
        ("Signature", "2023年6月30日"),
    ]


def test_page_number_field_on_the_outside_edge(doc):
    odd, even = doc.sections[0].footer, doc.sections[0].even_page_footer
    for footer in (odd, even):
        xml = footer._element.xml
        assert "PAGE" in xml and "fldChar" in xml
        assert footer.paragraphs[0].text.startswith("— ") and footer.paragraphs[0].text.endswith(" —")
    assert odd.paragraphs[0].alignment == 2 and even.paragraphs[0].alignment == 0  # right / left
    assert doc.settings.element.find(qn("w:evenAndOddHeaders")) is not None


def test_same_blocks_give_identical_bytes(data):
    again = to_docx(number(parse(TEXT)), title="t", author="a")
    assert again == data
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_tables_have_a_repeating_header_in_chinese_faces(doc):
    (table,) = doc.tables
    assert [[c.text for c in row.cells] for row in table.rows] == [["指标", "期末"], ["对公存款", "7.93亿元"]]
    assert table.style.name == "Table Grid"
    assert table.rows[0].cells[0].paragraphs[0].style.name == "Table Header"
    assert table.rows[1].cells[0].paragraphs[0].style.name == "Table Text"
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert table.rows[1]._tr.trPr.find(qn("w:tblHeader")) is None
    assert all(row._tr.trPr.find(qn("w:cantSplit")) is not None for row in table.rows)  # rows never split
    for name in ("Table Header", "Table Text"):
        assert doc.styles[name].element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) in ("黑体", "仿宋_GB2312")


def test_signature_follows_a_blank_line_two_characters_from_the_right(doc):
    sig = [p for p in doc.paragraphs if p.style.name == "Signature"]
    assert sig[0].paragraph_format.space_before == Twips(579) and sig[1].paragraph_format.space_before is None
    assert doc.styles["Signature"].paragraph_format.right_indent == Twips(640)


CHART_TEXT = (
    "= 图表\n@chart bar 完成率（%）\n| 指标 | 完成率 | 时序进度 |\n| 对公存款 | 23.9 | 49.6 |\n| 储蓄存款 | 12.3 | 49.6 |\n"
    "余额为[[7.93亿元||数据校验提示：请核实。]]，较年初新增。\n"
)


@pytest.fixture(scope="module")
def chart_data():
    return to_docx(number(parse(CHART_TEXT)), title="t", author="a")


def test_a_chart_is_a_native_word_chart_with_its_data_embedded_and_a_caption(chart_data):
    import openpyxl

    doc = Document(io.BytesIO(chart_data))
    (drawing,) = doc.element.body.xpath(".//w:drawing")
    extent = drawing.xpath(".//wp:extent")[0]
    assert abs(int(extent.get("cx")) / 36000 - 150) < 0.5  # inside the 156 mm type area
    (ref,) = drawing.xpath(".//*[local-name()='chart']/@r:id")
    chart = doc.part.related_parts[ref]
    assert chart.content_type == charts.CHART_TYPE
    xml = etree.fromstring(chart.blob)
    c = {"c": "http://schemas.openxmlformats.org/drawingml/2006/chart"}
    assert xml.xpath("//c:barChart/c:barDir/@val", namespaces=c) == ["col"]
    assert xml.xpath("//c:ser/c:tx//c:v/text()", namespaces=c) == ["完成率", "时序进度"]
    assert xml.xpath("//c:ser[1]/c:cat//c:v/text()", namespaces=c) == ["对公存款", "储蓄存款"]
    assert xml.xpath("//c:ser[1]/c:val//c:v/text()", namespaces=c) == ["23.9", "12.3"]
    # the data an owner edits in Word ("Edit Data") is the same table, numbers as numbers
    (workbook,) = [p for p in doc.part.package.iter_parts() if p.partname.endswith(".xlsx")]
    sheet = openpyxl.load_workbook(io.BytesIO(workbook.blob)).active
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [
        ["指标", "完成率", "时序进度"],
        ["对公存款", 23.9, 49.6],
        ["储蓄存款", 12.3, 49.6],
    ]
    chart_para, caption = doc.paragraphs[1], doc.paragraphs[2]
    assert chart_para.style.name == "Figure" and chart_para.paragraph_format.line_spacing is None
    # space above the chart: under a table, LibreOffice drew the chart over the table's bottom rule
    assert chart_para.style.paragraph_format.space_before.pt >= 6
    assert caption.style.name == "Caption" and caption.text == "图1\u3000完成率（%）"


def test_chart_parts_are_deterministic_and_follow_the_data():
    cells = (("指标", "完成率"), ("对公存款", "23.9"))
    first = charts.chart_xml("bar", cells)
    charts.chart_xml.cache_clear()
    assert charts.chart_xml("bar", cells) == first
    assert charts.chart_xml("bar", (("指标", "完成率"), ("对公存款", "24.0"))) != first
    assert b"<c:lineChart>" in charts.chart_xml("line", cells) and b"<c:lineChart>" not in first
    assert charts.workbook(cells) == charts.workbook(cells)


def test_a_marked_figure_carries_a_word_comment_anchored_on_it(chart_data):
    doc = Document(io.BytesIO(chart_data))
    body = doc.paragraphs[3]
    assert body.text == "余额为7.93亿元，较年初新增。"  # the mark itself never reaches the reader
    (comment,) = list(doc.comments)
    assert comment.text == "数据校验提示：请核实。" and comment.author == "ReportPack 数据校验"
    xml = body._p.xml
    start, end = xml.index("commentRangeStart"), xml.index("commentRangeEnd")
    assert "7.93亿元" in xml[start:end] and "余额为" not in xml[start:end]


def test_a_document_with_a_review_comment_is_deterministic(chart_data):
    """python-docx dates a comment now; two runs of the same data must give the same bytes."""
    import time

    from reportpack.render.deterministic import FIXED_TIME

    time.sleep(1.1)  # a comment dated "now" would now differ by a second
    assert to_docx(number(parse(CHART_TEXT)), title="t", author="a") == chart_data
    (comment,) = list(Document(io.BytesIO(chart_data)).comments)
    assert comment.timestamp == FIXED_TIME


def test_the_committed_style_base_is_what_the_builder_writes():
    """templates/styles/gbt9704.docx is regenerated by `reportpack style-base` (see the guide)."""
    from pathlib import Path

    from reportpack.render.styles import build_base

    committed = Path(__file__).resolve().parents[3] / "templates" / "styles" / "gbt9704.docx"
    assert committed.read_bytes() == build_base(), "run `reportpack style-base` and review the change"


def test_an_owner_style_base_replaces_the_built_in_one(tmp_path):
    from reportpack.render.styles import build_base, load_base

    owner = Document(io.BytesIO(build_base()))
    owner.styles["Normal"].font.size = Pt(15)
    owner.sections[0].left_margin = Twips(1700)
    owner.add_paragraph("这段示例正文不会进入报告。")
    path = tmp_path / "本行版式.docx"
    owner.save(str(path))
    doc = Document(io.BytesIO(to_docx(number(parse(TEXT)), title="t", author="a", base=load_base(path))))
    assert doc.styles["Normal"].font.size == Pt(15) and doc.sections[0].left_margin == Twips(1700)
    assert "这段示例正文不会进入报告。" not in [p.text for p in doc.paragraphs]
    assert doc.paragraphs[0].text == "某网点2023年上半年工作总结"


def test_a_style_base_without_the_styles_we_use_is_refused_by_name(tmp_path):
    from reportpack.render.styles import StyleBaseError, load_base

    path = tmp_path / "plain.docx"
    Document().save(str(path))  # python-docx's default template: no Signature, Table Text, Figure…
    with pytest.raises(StyleBaseError, match=r"plain\.docx: missing styles .*Signature.*Table Text"):
        load_base(path)
    (tmp_path / "not.docx").write_text("hello", "utf-8")
    with pytest.raises(StyleBaseError, match=r"not\.docx: not a readable Word \.docx"):
        load_base(tmp_path / "not.docx")


def test_a_long_title_breaks_inside_its_paragraph_at_the_mark():
    doc = Document(
        io.BytesIO(to_docx(number(parse("= 解放路分理处//2023年下半年大堂管理工作计划\n正文。\n")), title="t", author="a"))
    )
    title = doc.paragraphs[0]
    assert title.style.name == "Title" and title.text == "解放路分理处\n2023年下半年大堂管理工作计划"


def test_the_signature_is_kept_with_the_last_body_lines():
    """GB/T 9704: the 落款 never stands alone on a page — the last body block (a paragraph, or a
    table's last row) and every 落款 line but the last keep with the next."""
    rows = "".join(f"| 网点{i} | {i}.00亿元 |\n" for i in range(20))  # a long table: it may break between rows
    text = f"= 标题\n正文一。\n正文二。\n| 指标 | 期末 |\n{rows}>> 某网点\n>> 2023年6月30日\n"
    doc = Document(io.BytesIO(to_docx(number(parse(text)), title="t", author="a")))
    keep = [p.paragraph_format.keep_with_next for p in doc.paragraphs]
    assert [p.text for p in doc.paragraphs][-2:] == ["某网点", "2023年6月30日"]
    assert keep[-2] and not keep[-1] and not keep[-3]  # 正文二 is followed by the table, not the 落款
    last_row = doc.tables[0].rows[-1]
    assert all(p.paragraph_format.keep_with_next for cell in last_row.cells for p in cell.paragraphs)
    assert not any(p.paragraph_format.keep_with_next for cell in doc.tables[0].rows[1].cells for p in cell.paragraphs)


def test_a_short_closing_line_brings_the_paragraphs_before_it_to_the_signatures_page():
    """A page never holds the 落款 under one short line: the paragraphs kept with it make at least
    two lines (LINE_CHARS characters each), and no more than that needs."""
    long = "长" * (2 * LINE_CHARS)
    short = "- 人员转换要有交接手续。"
    text = f"= 标题\n{long}\n\n{long}\n\n{short}\n{short}\n>> 某网点\n>> 2023年6月30日\n"
    doc = Document(io.BytesIO(to_docx(number(parse(text)), title="t", author="a")))
    keep = [bool(p.paragraph_format.keep_with_next) for p in doc.paragraphs]
    # title, long, long, short, short, 落款 ×2: the two short items and the second long paragraph
    assert keep[1:] == [False, True, True, True, True, False]
    text = f"= 标题\n{long}\n\n{long}\n>> 某网点\n>> 2023年6月30日\n"
    doc = Document(io.BytesIO(to_docx(number(parse(text)), title="t", author="a")))
    assert [bool(p.paragraph_format.keep_with_next) for p in doc.paragraphs][1:] == [False, True, True, False]


def test_a_short_table_is_kept_on_one_page():
    """Its rows keep with each other; the paragraph before it does not keep with it (a four-line
    paragraph dragged to the next page would leave a third of a page empty)."""
    text = "= 标题\n下表列示。\n| 指标 | 期末 |\n| 对公存款 | 7.93亿元 |\n| 储蓄存款 | 4.46亿元 |\n\n表后正文。\n"
    doc = Document(io.BytesIO(to_docx(number(parse(text)), title="t", author="a")))
    assert doc.paragraphs[1].text == "下表列示。" and not doc.paragraphs[1].paragraph_format.keep_with_next
    keep = [all(p.paragraph_format.keep_with_next for c in row.cells for p in c.paragraphs) for row in doc.tables[0].rows]
    assert keep == [True, True, False]  # every row with the next, the last with nothing
    assert not doc.paragraphs[-1].paragraph_format.keep_with_next


def test_columns_are_as_wide_as_their_content_and_fill_the_line():
    text = "= 标题\n| 指标 | 上半年实际 | 下半年目标 |\n| 对公存款较年初新增 | 4.80亿元 | 不低于5.20亿元 |\n"
    table = Document(io.BytesIO(to_docx(number(parse(text)), title="t", author="a"))).tables[0]
    grid = [int(col.get(qn("w:w"))) for col in table._tbl.tblGrid.iter(qn("w:gridCol"))]
    assert abs(sum(grid) - 8844) <= 3  # the 156 mm line
    assert grid[0] > grid[2] > grid[1]  # the long label widest, the bare amount narrowest
    assert [c.width.twips for c in table.rows[1].cells] == grid  # Word reads the cells' widths
    assert grid[0] >= (9 + 1) * 240  # "对公存款较年初新增" on one line at 小四 (no "较年初新/增")


def test_the_date_starts_two_characters_right_of_the_signature():
    text = "= 标题\n正文。\n>> 解放路分理处\n>> 2023年6月30日\n"
    doc = Document(io.BytesIO(to_docx(number(parse(text)), title="t", author="a")))
    name, date = doc.paragraphs[-2:]
    # name 6 characters, date 6.5 (digits are half width): the date ends at the margin, the name 2.5 in
    assert name.paragraph_format.right_indent.twips == round(2.5 * 320) and date.paragraph_format.right_indent.twips == 0


COMPILATION = (
    "@cover 2023年某支行//工作总结（汇总2篇）\n@cover-note 某支行\n---\n@toc 目录\n@section\n= 编印说明\n说明。\n"
    "---\n== 篇一　甲\n= 甲网点总结\n# 主要指标\n## 公司类\n正文。\n---\n= 乙网点总结\n# 主要指标\n正文。\n"
)


@pytest.fixture(scope="module")
def compilation():
    blocks = number(parse(COMPILATION))
    pages = {e.bookmark: p for e, p in zip(toc.entries(blocks), (1, 2, 2, 5), strict=True)}
    return Document(io.BytesIO(to_docx(blocks, title="t", author="a", pages=pages)))


def _outline_level(doc, para):
    """The outline level Word applies: the paragraph's own, else its style's (following basedOn)."""
    for element in [para._p, *_style_chain(doc, para.style)]:
        ppr = element.find(qn("w:pPr"))
        lvl = ppr.find(qn("w:outlineLvl")) if ppr is not None else None
        if lvl is not None:
            return None if lvl.get(qn("w:val")) == "9" else int(lvl.get(qn("w:val")))  # 9: body text
    return None


def _style_chain(doc, style):
    while style is not None:
        yield style.element
        style = style.base_style


def test_a_compilation_shows_parts_documents_and_sections_as_an_outline(compilation):
    levels = [
        (p.text, _outline_level(compilation, p)) for p in compilation.paragraphs if _outline_level(compilation, p) is not None
    ]
    assert levels == [
        ("编印说明", 1),
        ("篇一　甲", 0),
        ("甲网点总结", 1),
        ("一、主要指标", 2),
        ("（一）公司类", 3),
        ("乙网点总结", 1),
        ("一、主要指标", 2),
    ]
    # Word pins its built-in Heading n at level n: a compilation's headings take styles of their own
    assert compilation.paragraphs[-2].style.name == "Compilation Heading 1"
    assert compilation.paragraphs[-2].style.base_style.name == "Heading 1"


def test_the_contents_are_a_toc_field_already_filled_with_links_and_pages(compilation):
    paras = [p for p in compilation.paragraphs if p.style.name.startswith("toc ")]
    assert [(p.style.name, p.text) for p in paras] == [
        ("toc 2", "编印说明\t1"),
        ("toc 1", "篇一　甲\t2"),
        ("toc 2", "甲网点总结\t2"),
        ("toc 2", "乙网点总结\t5"),
    ]
    instructions = [t.text.strip() for p in paras for t in p._p.iter(qn("w:instrText"))]
    assert instructions[0] == toc.INSTRUCTION and instructions[1:] == [f"PAGEREF _Toc{n:05d} \\h" for n in range(1, 5)]
    anchors = [h.get(qn("w:anchor")) for p in paras for h in p._p.iter(qn("w:hyperlink"))]
    bookmarks = [b.get(qn("w:name")) for b in compilation.element.body.iter(qn("w:bookmarkStart"))]
    assert anchors == bookmarks == [f"_Toc{n:05d}" for n in range(1, 5)]
    kinds = [f.get(qn("w:fldCharType")) for p in paras for f in p._p.iter(qn("w:fldChar"))]
    assert kinds[:3] == ["begin", "separate", "begin"] and kinds[-2:] == ["end", "end"]  # one TOC field around all
    assert kinds.count("begin") == kinds.count("end") == 5


def test_the_front_matter_has_no_page_numbers_and_the_body_counts_from_one(compilation):
    front, body = compilation.sections
    assert not front._sectPr.findall(qn("w:footerReference")) and body._sectPr.findall(qn("w:footerReference"))
    assert body._sectPr.find(qn("w:pgNumType")).get(qn("w:start")) == "1"
    last_front = next(p for p in compilation.paragraphs if p._p.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is not None)
    assert last_front.style.name == "toc 2" and last_front.text.startswith("乙网点总结")


def test_contents_without_a_layout_list_entries_without_page_numbers():
    doc = Document(io.BytesIO(to_docx(number(parse(COMPILATION)), title="t", author="a")))
    assert [p.text for p in doc.paragraphs if p.style.name.startswith("toc ")] == [
        "编印说明\t",
        "篇一　甲\t",
        "甲网点总结\t",
        "乙网点总结\t",
    ]


def test_the_font_table_declares_the_chinese_faces_with_their_fallbacks(data):
    """Word substitutes a missing face by what the font table says of it: GB2312, serif or sans, and
    its other names (Windows 10 has 仿宋 and 楷体, not 仿宋_GB2312 and 楷体_GB2312)."""
    from lxml import etree

    fonts = etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("word/fontTable.xml"))
    declared = {f.get(qn("w:name")): f for f in fonts.iter(qn("w:font"))}
    for face, alternatives in (("仿宋_GB2312", "仿宋"), ("楷体_GB2312", "楷体"), ("黑体", "SimHei"), ("方正小标宋简体", "宋体")):
        font = declared[face]
        assert font.find(qn("w:charset")).get(qn("w:val")) == "86", face
        assert alternatives in font.find(qn("w:altName")).get(qn("w:val")).split(","), face
    assert not any("ＭＳ" in name for name in declared)  # no Japanese faces left from python-docx's template


def test_chart_labels_too_wide_for_their_share_break_into_equal_lines_in_the_chart_and_its_data():
    outlets = [f"{name}分理处" for name in ("解放路", "建设路", "长江路", "新华路", "青年路", "湖滨路", "富民路", "滨河路")]
    assert charts.wrapped(outlets) == [f"{o[:3]}\n{o[3:]}" for o in outlets]  # 8 labels: no room for 6 characters
    assert charts.wrapped(["本人", "本网点平均", "本网点最高"]) == ["本人", "本网点平均", "本网点最高"]  # 3: room enough
    cells = (("网点", "差错率"), *((o, "0.5") for o in outlets))
    assert "<c:v>解放路\n分理处</c:v>" in charts.chart_xml("bar", cells).decode()
    assert (
        "<t>解放路\n分理处</t>" in zipfile.ZipFile(io.BytesIO(charts.workbook(cells))).read("xl/worksheets/sheet1.xml").decode()
    )
