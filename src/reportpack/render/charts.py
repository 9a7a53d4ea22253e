"""Charts as Word draws them: a DrawingML chart part with its data embedded as a workbook.

A ``chart`` block (caption + data table) becomes ``word/charts/chartN.xml`` — bars or lines with the
values cached in the part, so Word, WPS and LibreOffice draw it without running anything — and
``word/embeddings/…xlsx`` holding the same table, which Word opens on "Edit Data". The chart is
vector: it scales without blur, its labels are text in the document's Chinese face (no font is
bundled, nothing is drawn at render time), and an owner can restyle or correct it in Word.

Written as strings, not with a library: python-docx has no chart API, and python-pptx's chart
writer needs its presentation package around it. The workbook is the smallest package Excel opens
(one sheet, inline strings, no styles): openpyxl would cost ~20 ms a chart for the same table.
"""

from __future__ import annotations

import math
from functools import lru_cache
from xml.sax.saxutils import escape

from reportpack.render.deterministic import STATIC, Member, write_zip
from reportpack.render.document import width

WIDTH_MM, HEIGHT_MM = 150, 70  # inside the 156 mm type area
EMU_PER_MM = 36000
# Greys and one accent: charts in bank reports are printed in black and white as often as in colour.
COLOURS = ["1F3B73", "9AA5B8", "C0392B", "5D6D7E"]
PLOT_SHARE = 0.9  # of the chart's width: the plot area, between the value axis labels and the edge
MM_PER_PT = 25.4 / 72
FONT = "宋体"  # labels: the face Word's own charts use on a Chinese system
LABEL_HUNDREDTHS_PT = 900  # 9 pt
CHART_TYPE = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHART_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/chart"
PACKAGE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/package"

_C = "http://schemas.openxmlformats.org/drawingml/2006/chart"
_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def wrapped(labels: list[str] | tuple[str, ...]) -> list[str]:
    """Category labels that fit the room each has under the axis: a label wider than its share is
    broken into equal lines ("解放路\n分理处"); left to the chart engine it would break wherever the
    line fills ("解放路分理\n处") or turn the labels 45°."""
    room_mm = WIDTH_MM * PLOT_SHARE / max(len(labels), 1) * 0.9
    per_line = max(2, int(room_mm / (LABEL_HUNDREDTHS_PT / 100 * MM_PER_PT)))  # a CJK character is as wide as the type size
    return list(_wrapped(tuple(labels), per_line))


@lru_cache(maxsize=512)  # the chart part and its workbook show the same labels
def _wrapped(labels: tuple[str, ...], per_line: int) -> tuple[str, ...]:
    out = []
    for label in labels:
        n = math.ceil(width(label) / per_line)
        size = math.ceil(len(label) / n) if n > 1 else len(label)
        out.append("\n".join(label[i : i + size] for i in range(0, len(label), size)))
    return tuple(out)


def column(n: int) -> str:
    """Spreadsheet column letters of the 0-based column ``n``: A, B, … Z, AA, …"""
    letters = ""
    n += 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def number(cell: str) -> str:
    """A value as the chart caches it: the shortest form of the float (``"24.0"`` → ``24``)."""
    return f"{float(cell):g}" if abs(float(cell)) < 1e15 else repr(float(cell))


def inline(rel_id: str, n: int, name: str) -> str:
    """The ``w:drawing`` run content placing chart ``n`` (1-based, the drawing's id) at the type width."""
    cx, cy = WIDTH_MM * EMU_PER_MM, HEIGHT_MM * EMU_PER_MM
    return (
        f'<w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0"><wp:extent cx="{cx}" cy="{cy}"/>'
        f'<wp:effectExtent l="0" t="0" r="0" b="0"/><wp:docPr id="{n}" name="{escape(name, {chr(34): "&quot;"})}"/>'
        f'<wp:cNvGraphicFramePr/><a:graphic xmlns:a="{_A}"><a:graphicData uri="{_C}">'
        f'<c:chart xmlns:c="{_C}" xmlns:r="{_R}" r:id="{rel_id}"/></a:graphicData></a:graphic></wp:inline></w:drawing>'
    )


def frame_inline(rel_id: str, n: int) -> str:
    """A blank picture of a chart's size in its place: what the layout pass that numbers a
    compilation's 目录 lays out instead of chart ``n`` (the page breaks fall where they will with the
    chart; LibreOffice spends two thirds of its time on charts)."""
    cx, cy = WIDTH_MM * EMU_PER_MM, HEIGHT_MM * EMU_PER_MM
    pic = "http://schemas.openxmlformats.org/drawingml/2006/picture"
    return (
        f'<w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0"><wp:extent cx="{cx}" cy="{cy}"/>'
        f'<wp:effectExtent l="0" t="0" r="0" b="0"/><wp:docPr id="{n}" name="Frame {n}"/><wp:cNvGraphicFramePr/>'
        f'<a:graphic xmlns:a="{_A}"><a:graphicData uri="{pic}"><pic:pic xmlns:pic="{pic}"><pic:nvPicPr>'
        f'<pic:cNvPr id="0" name="frame.png"/><pic:cNvPicPr/></pic:nvPicPr><pic:blipFill><a:blip r:embed="{rel_id}"/>'
        f'<a:stretch><a:fillRect/></a:stretch></pic:blipFill><pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/>'
        '</a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic></a:graphicData></a:graphic>'
        "</wp:inline></w:drawing>"
    )


def blank_png() -> bytes:
    """A 1×1 white PNG."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff")) + chunk(b"IEND", b"")
    )


def _text_props(size: int = LABEL_HUNDREDTHS_PT, body: str = "<a:bodyPr/>") -> str:
    return (
        f'<c:txPr>{body}<a:lstStyle/><a:p><a:pPr><a:defRPr sz="{size}">'
        '<a:solidFill><a:srgbClr val="000000"/></a:solidFill>'
        f'<a:latin typeface="{FONT}"/><a:ea typeface="{FONT}"/><a:cs typeface="{FONT}"/>'
        '</a:defRPr></a:pPr><a:endParaRPr lang="zh-CN"/></a:p></c:txPr>'
    )


# category labels stay horizontal: a label too long for its share wraps onto a second line
# ("解放路/分理处") instead of turning 45°, which Chinese readers find hard to read
_UPRIGHT = '<a:bodyPr rot="0" spcFirstLastPara="1" vertOverflow="ellipsis" vert="horz" wrap="square" anchor="ctr" anchorCtr="1"/>'


def _str_ref(ref: str, values: list[str]) -> str:
    pts = "".join(f'<c:pt idx="{i}"><c:v>{escape(v)}</c:v></c:pt>' for i, v in enumerate(values))
    return f'<c:strRef><c:f>{ref}</c:f><c:strCache><c:ptCount val="{len(values)}"/>{pts}</c:strCache></c:strRef>'


def _num_ref(ref: str, values: list[str]) -> str:
    pts = "".join(f'<c:pt idx="{i}"><c:v>{number(v)}</c:v></c:pt>' for i, v in enumerate(values))
    return (
        f"<c:numRef><c:f>{ref}</c:f><c:numCache><c:formatCode>General</c:formatCode>"
        f'<c:ptCount val="{len(values)}"/>{pts}</c:numCache></c:numRef>'
    )


def _line(colour: str, width_emu: int = 12700) -> str:
    return f'<a:ln w="{width_emu}"><a:solidFill><a:srgbClr val="{colour}"/></a:solidFill></a:ln>'


@lru_cache(maxsize=512)  # a compilation embeds its parts' charts again, and many documents share one
def chart_xml(kind: str, cells: tuple[tuple[str, ...], ...]) -> bytes:
    """The chart part for ``cells`` (header row, then data rows: column 1 names the categories, each
    further column is a series). The caption is not in the chart: it is a Word paragraph under it,
    searchable and editable."""
    header, rows = cells[0], cells[1:]
    last = len(rows) + 1
    categories = _str_ref(f"Sheet1!$A$2:$A${last}", wrapped([r[0] for r in rows]))
    series = []
    for i, name in enumerate(header[1:]):
        col, colour = column(i + 1), COLOURS[i % len(COLOURS)]
        if kind == "bar":
            look = f'<c:spPr><a:solidFill><a:srgbClr val="{colour}"/></a:solidFill></c:spPr><c:invertIfNegative val="0"/>'
            labels = (
                "<c:dLbls><c:spPr><a:noFill/><a:ln><a:noFill/></a:ln></c:spPr>"
                f'{_text_props(800)}<c:dLblPos val="outEnd"/><c:showLegendKey val="0"/><c:showVal val="1"/>'
                '<c:showCatName val="0"/><c:showSerName val="0"/><c:showPercent val="0"/><c:showBubbleSize val="0"/></c:dLbls>'
            )
        else:
            look = (
                f'<c:spPr>{_line(colour, 19050)}</c:spPr><c:marker><c:symbol val="circle"/><c:size val="4"/>'
                f'<c:spPr><a:solidFill><a:srgbClr val="{colour}"/></a:solidFill>{_line(colour)}</c:spPr></c:marker>'
            )
            labels = ""
        series.append(
            f'<c:ser><c:idx val="{i}"/><c:order val="{i}"/><c:tx>{_str_ref(f"Sheet1!${col}$1", [name])}</c:tx>'
            f"{look}{labels}<c:cat>{categories}</c:cat>"
            f"<c:val>{_num_ref(f'Sheet1!${col}$2:${col}${last}', [r[i + 1] for r in rows])}</c:val>"
            + ('<c:smooth val="0"/>' if kind == "line" else "")
            + "</c:ser>"
        )
    if kind == "bar":
        plot = (
            '<c:barChart><c:barDir val="col"/><c:grouping val="clustered"/><c:varyColors val="0"/>'
            + "".join(series)
            + '<c:gapWidth val="80"/><c:axId val="1001"/><c:axId val="1002"/></c:barChart>'
        )
    else:
        plot = (
            '<c:lineChart><c:grouping val="standard"/><c:varyColors val="0"/>'
            + "".join(series)
            + '<c:marker val="1"/><c:axId val="1001"/><c:axId val="1002"/></c:lineChart>'
        )
    axis_line = f"<c:spPr>{_line('808080', 9525)}</c:spPr>"
    # a bar's length is its value: the value axis of bars starts at 0 (LibreOffice's automatic scale
    # started one at 42, making 45 look three times 43); negative values keep the automatic scale
    values = [float(v) for r in rows for v in r[1:]]
    from_zero = '<c:min val="0"/>' if kind == "bar" and values and min(values) >= 0 else ""
    axes = (
        '<c:catAx><c:axId val="1001"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/>'
        '<c:axPos val="b"/><c:numFmt formatCode="General" sourceLinked="1"/><c:majorTickMark val="none"/>'
        f'<c:minorTickMark val="none"/><c:tickLblPos val="low"/>{axis_line}{_text_props(body=_UPRIGHT)}<c:crossAx val="1002"/>'
        '<c:crosses val="autoZero"/><c:auto val="1"/><c:lblAlgn val="ctr"/><c:lblOffset val="100"/>'
        '<c:noMultiLvlLbl val="0"/></c:catAx>'
        f'<c:valAx><c:axId val="1002"/><c:scaling><c:orientation val="minMax"/>{from_zero}</c:scaling><c:delete val="0"/>'
        f'<c:axPos val="l"/><c:majorGridlines><c:spPr>{_line("DDDDDD", 6350)}</c:spPr></c:majorGridlines>'
        '<c:numFmt formatCode="General" sourceLinked="1"/><c:majorTickMark val="none"/><c:minorTickMark val="none"/>'
        f'<c:tickLblPos val="nextTo"/><c:spPr><a:ln><a:noFill/></a:ln></c:spPr>{_text_props()}<c:crossAx val="1001"/>'
        '<c:crosses val="autoZero"/><c:crossBetween val="between"/></c:valAx>'
    )
    legend = f'<c:legend><c:legendPos val="b"/><c:overlay val="0"/>{_text_props()}</c:legend>' if len(header) > 2 else ""
    xml = (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
        f'<c:chartSpace xmlns:c="{_C}" xmlns:a="{_A}" xmlns:r="{_R}"><c:date1904 val="0"/><c:lang val="zh-CN"/>'
        '<c:roundedCorners val="0"/><c:chart><c:autoTitleDeleted val="1"/>'
        f"<c:plotArea><c:layout/>{plot}{axes}</c:plotArea>{legend}"
        '<c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/></c:chart>'
        "<c:spPr><a:noFill/><a:ln><a:noFill/></a:ln></c:spPr>"
        f"{_text_props()}"
        '<c:externalData r:id="rId1"><c:autoUpdate val="0"/></c:externalData></c:chartSpace>'
    )
    return xml.encode("utf-8")


def chart_rels(workbook: str) -> bytes:
    """The chart part's relationships: its data, the embedded workbook at ``workbook`` (relative)."""
    return (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{PACKAGE_REL}" Target="{workbook}"/></Relationships>'
    ).encode()


_XLSX_STATIC = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'xmlns:r="{_R}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/></Relationships>'
    ),
}


@lru_cache(maxsize=512)
def workbook(cells: tuple[tuple[str, ...], ...]) -> bytes:
    """The chart's data as an .xlsx (Sheet1, the table as the chart reads it: categories in column A,
    series names in row 1, numbers as numbers)."""
    rows = []
    labels = wrapped([row[0] for row in cells[1:]])  # as the chart shows them (its cache must match its data)
    cells = (cells[0], *((label, *row[1:]) for label, row in zip(labels, cells[1:], strict=True)))
    for r, row in enumerate(cells, start=1):
        out = []
        for c, value in enumerate(row):
            ref = f"{column(c)}{r}"
            if r > 1 and c > 0:
                out.append(f'<c r="{ref}"><v>{number(value)}</v></c>')
            else:
                out.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>')
        rows.append(f'<row r="{r}">{"".join(out)}</row>')
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{''.join(rows)}</sheetData></worksheet>"
    )
    return write_zip([*_xlsx_static(), Member.of("xl/worksheets/sheet1.xml", sheet.encode("utf-8"))])


@lru_cache(maxsize=1)
def _xlsx_static() -> tuple[Member, ...]:
    return tuple(Member.of(name, text.encode("utf-8"), STATIC) for name, text in _XLSX_STATIC.items())
