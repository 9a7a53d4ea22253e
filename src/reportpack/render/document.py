"""The document model: the text form that templates produce, parsed into numbered blocks.

A template renders to plain text a report owner can read and edit::

    == 汇编篇名             part heading in a compilation ("…篇一")
    = 标题                  title (centred); "//" marks where a title too long for one line breaks
    # 一级标题              heading level 1 → "一、"
    ## 二级标题             heading level 2 → "（一）"
    ### 三级标题            heading level 3 → "1." or "1、" (a style setting)
    #### 四级标题           heading level 4 → "（1）"
    - 事项                  enumeration item → "一是…", "二是…" (consecutive items count on)
    1. 事项                 numbered item → "1、…" (consecutive items count on)
    >> 落款                 signature line (unit name, date), right-aligned
    | 指标 | 期末 |          table row (the first row of a table is its header)
    @chart bar 标题         a chart (bar | line) drawn from the table that follows it: the first
                            column names the categories, each further column is a series; its
                            caption is numbered "图1　标题", "图2　…" in the document's order
    @table 标题             the caption of the table on the next line, numbered "表1　标题" (above
                            the table, as Chinese documents set it)
    @to 主送单位            the 主送 line (GB/T 9704 7.3.2: under the title, flush left, ending in "："
                            which the template writes)
    [[数字||批注]]          inline: a Word review comment anchored on "数字"
    ---                     page break
    @cover 标题             cover page title (a compilation's); "//" breaks it as in a title
    @cover-note 文字        a centred line under the cover title (the unit, the date)
    @toc 目录               a table of contents of the parts and documents that follow: a Word TOC
                            field with its entries filled in
    @section                ends the front matter (cover, foreword, contents: no page numbers);
                            the pages after it are numbered from 1
    any other text          body paragraph; consecutive lines join, a blank line ends it

Numbers are assigned here, by level, so dropping a section never leaves a gap.

Text from data (names, owner sentences, validation messages) is carried as data, never read as
marks: ``reportpack.textdata``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from reportpack.errors import OwnerFileError
from reportpack.render.wording import cn_numeral
from reportpack.textdata import shown, without_data


@dataclass(frozen=True)
class Block:
    """One paragraph-level element.

    ``kind``: table | table_caption | chart | part | title | addressee | heading | paragraph | enum_item
    | numbered_item | signature | page_break | cover | cover_note | toc | section. ``level``: 1–4 for headings. ``number``: the label the renderer prints before
    ``text``. ``chart``: bar | line for a chart (``text`` is its caption, ``cells`` its data).
    ``text`` may hold review-comment marks ``[[figure||comment]]``; ``plain`` is the text a reader sees.
    """

    kind: str
    text: str = ""
    level: int = 0
    number: str = ""
    cells: tuple[tuple[str, ...], ...] = ()  # table rows, the first is the header
    chart: str = ""

    @property
    def plain(self) -> str:
        return "".join(text for text, _ in segments(self.text)).replace(TITLE_BREAK, "")

    @property
    def full_text(self) -> str:
        return f"{self.number}{self.plain}"


# "|" separates cells, except the "||" inside a review-comment mark [[figure||comment]].
_CELL_SEP = re.compile(r"\|(?![^\[\]]*\]\])")
TITLE_BREAK = "//"
CAPTION_GAP = "\u3000"  # 图1　标题: a full-width space between the number and the caption
TITLE_LINE = 19  # 2号 characters on the 156 mm line (20 fit exactly)
# a digit prints about 0.7 of a CJK character in the CJK faces, not ½: 园林路网点营业经理2023年1至3月履职总结
# (19 at ½) wrapped before 总结 in LibreOffice
_DIGIT = re.compile("[0-9]")


_NARROW = re.compile("[\x00-\u2e7f]")  # Latin and symbols: half a CJK character wide


def width(text: str) -> float:
    """Printed width in full-width characters: CJK and full-width punctuation 1, ASCII ½."""
    text = shown(text)
    return len(text) - len(_NARROW.findall(text)) / 2


def title_lines(text: str) -> list[str]:
    """A title as printed (data shown as itself): one line when it fits, else broken at its "//"
    marks (GB/T 9704: a title breaks where the meaning allows, not wherever the line happens to end)."""
    whole = shown(text.replace(TITLE_BREAK, ""))
    return (
        [whole]
        if width(whole) + 0.2 * len(_DIGIT.findall(whole)) <= TITLE_LINE
        else [shown(part) for part in text.split(TITLE_BREAK) if part]
    )


_MARK = re.compile(r"\[\[(.+?)\|\|(.+?)\]\]")
CHART_KINDS = ("bar", "line")


def segments(text: str) -> list[tuple[str, str | None]]:
    """``text`` cut at review-comment marks: (text, comment or None) pieces, in order."""
    if "[[" not in text:  # most text (every table cell but a few) carries no comment
        return [(shown(text), None)] if text else []
    out: list[tuple[str, str | None]] = []
    pos = 0
    for m in _MARK.finditer(text):
        if m.start() > pos:
            out.append((shown(text[pos : m.start()]), None))
        out.append((shown(m.group(1)), shown(m.group(2))))
        pos = m.end()
    if pos < len(text):
        out.append((shown(text[pos:]), None))
    return out


def mark(figure: str, comment: str) -> str:
    """``figure`` carrying a review comment, in text form."""
    for bad in ("[[", "]]", "||"):
        if bad in figure or bad in comment:
            raise DocumentSyntaxError(f"a review comment cannot contain {bad!r}: {comment!r}")
    return f"[[{figure}||{comment}]]"


class DocumentSyntaxError(OwnerFileError):
    """A line of a rendered template that is not valid text form."""

    topic_zh = "文稿模板输出的格式有误"


_HEADING = re.compile(r"^(#{1,4})\s+(\S.*)$")
# "@chart" is parsed on its own (it takes a kind and owns the table below it); the others here.
_DIRECTIVE = re.compile(r"^@(?!chart\b)([a-z][a-z-]*)(?:\s+(.*))?$")
_DIRECTIVES = {
    "cover": ("cover", True),
    "cover-note": ("cover_note", True),
    "toc": ("toc", True),
    "section": ("section", False),
    "table": ("table_caption", True),
    "to": ("addressee", True),
}
_DIRECTIVE_HELP = "write '@cover 标题', '@cover-note 文字', '@toc 目录', '@table 标题', '@to 主送单位：' or '@section'"
# a caption directive run into the line before it (a Jinja comment or tag that ate the newline) would
# print as body text: "…286户。@table 存款余额及增量"
_INLINE_CAPTION = re.compile(r"(?<=\S)@(?:table|chart)\s")
# 图 and 表 numbers are assigned (``number``): a caption that brings its own would print "图1　图1 …"
_OWN_NUMBER = re.compile(r"^[图表]\s*\d")
_NUMBERED = re.compile(r"^\d+\.\s+(\S.*)$")
# Placeholders and missing values must never reach a reader. ASCII look-arounds, not \b: in
# "余额nan亿元" the CJK neighbours count as word characters, so \bnan\b would not match.
_LEFTOVER = re.compile(r"\{\{|\}\}|\{%|%\}|(?<![A-Za-z])(?:xxx|none|nan)(?![A-Za-z])", re.IGNORECASE)


_MARKER_STARTS = frozenset("|@-=#>")  # what a line that is not body text starts with (or a digit: "1. ")


def _may_hold_leftover(text: str) -> bool:
    """False when ``_LEFTOVER`` cannot match: substring tests are ~20× faster than its search, which
    tries the look-behind at every character. (No other character matches x, n, o, e or a under
    ``re.IGNORECASE``, and ``str.lower`` maps each of their capitals to them.)"""
    if "{" in text or "}" in text:
        return True
    low = text.lower()
    return "xxx" in low or "none" in low or "nan" in low


def parse(text: str, source: str = "<text>") -> list[Block]:
    """Blocks of ``text``; ``source`` names the template in errors."""
    blocks: list[Block] = []
    para: list[str] = []
    rows: list[tuple[str, ...]] = []  # the rows of the table (or chart) being read: blocks[-1] takes them at its end
    prev_table_line = chart_line = caption_line = -1

    def end_table() -> None:
        if rows:
            blocks[-1] = replace(blocks[-1], cells=tuple(rows))
            rows.clear()

    def flush() -> None:
        end_table()
        if para:
            blocks.append(Block("paragraph", "".join(para)))
            para.clear()

    check = _may_hold_leftover(text) and _LEFTOVER.search(without_data(text)) is not None  # line by line only to name the line
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        leftover = _LEFTOVER.search(without_data(line)) if check else None
        if leftover:
            raise DocumentSyntaxError(f"{source}: line {lineno}: {leftover.group(0)!r} must not reach a document: {line!r}")
        if not line:
            flush()
            continue
        if "@" in line and _INLINE_CAPTION.search(without_data(line)):
            raise DocumentSyntaxError(f"{source}: line {lineno}: '@table' and '@chart' must start a line of their own: {line!r}")
        if line[0] not in _MARKER_STARTS and not line[0].isdecimal():  # most lines: body text (\d is isdecimal)
            if rows:
                end_table()
            para.append(line)
            continue
        if line.startswith("|"):
            row = tuple(cell.strip() for cell in _CELL_SEP.split(line.strip("|")))
            if rows and prev_table_line == lineno - 1:
                if len(row) != len(rows[0]):
                    raise DocumentSyntaxError(f"{source}: line {lineno}: {len(row)} cells, the table's header has {len(rows[0])}")
            elif blocks and blocks[-1].kind == "chart" and chart_line == lineno - 1:
                pass  # the chart's data
            else:
                flush()
                if blocks and blocks[-1].kind == "table_caption" and caption_line != lineno - 1:
                    raise DocumentSyntaxError(
                        f"{source}: line {lineno}: '@table {shown(blocks[-1].text)}' must stand on the line right above its table"
                    )
                blocks.append(Block("table"))
            rows.append(row)
            prev_table_line = lineno
            continue
        end_table()
        if line.startswith("@chart"):
            flush()
            parts = line.split(maxsplit=2)
            if len(parts) < 3 or parts[1] not in CHART_KINDS:
                raise DocumentSyntaxError(f"{source}: line {lineno}: write '@chart bar 标题' or '@chart line 标题', got {line!r}")
            blocks.append(Block("chart", parts[2].strip(), chart=parts[1]))
            chart_line = lineno
        elif line == "---":
            flush()
            blocks.append(Block("page_break"))
        elif m := _DIRECTIVE.match(line):
            flush()
            kind, takes_text = _DIRECTIVES.get(m.group(1), ("", False))
            arg = (m.group(2) or "").strip()
            if not kind or bool(arg) != takes_text:
                raise DocumentSyntaxError(f"{source}: line {lineno}: {_DIRECTIVE_HELP}, got {line!r}")
            blocks.append(Block(kind, arg))
            caption_line = lineno
        elif line.startswith("== "):
            flush()
            blocks.append(Block("part", line[3:].strip()))
        elif line.startswith("= "):
            flush()
            blocks.append(Block("title", line[2:].strip()))
        elif m := _HEADING.match(line):
            flush()
            blocks.append(Block("heading", m.group(2).strip(), level=len(m.group(1))))
        elif line.startswith("- "):
            flush()
            blocks.append(Block("enum_item", line[2:].strip()))
        elif m := _NUMBERED.match(line):
            flush()
            blocks.append(Block("numbered_item", m.group(1).strip()))
        elif line.startswith(">> "):
            flush()
            blocks.append(Block("signature", line[3:].strip()))
        elif line.startswith(("#", "=", ">")):
            raise DocumentSyntaxError(f"{source}: line {lineno}: unknown marker in {line!r}")
        else:
            para.append(line)
    flush()
    for i, block in enumerate(blocks):
        if block.kind in ("chart", "table_caption") and _OWN_NUMBER.match(shown(block.text)):
            raise DocumentSyntaxError(
                f"{source}: caption {shown(block.text)!r}: 图 and 表 numbers are assigned in order, write the caption without one"
            )
        if block.kind == "table_caption" and (i + 1 == len(blocks) or blocks[i + 1].kind != "table"):
            raise DocumentSyntaxError(f"{source}: '@table {shown(block.text)}' must stand on the line right above its table")
        if block.kind == "chart":  # a chart's cells are its data (categories, numbers): no marks in them
            blocks[i] = block = replace(block, cells=tuple(tuple(shown(c) for c in row) for row in block.cells))
            _check_chart(block, source)
    return blocks


def _check_chart(block: Block, source: str) -> None:
    """A chart needs a header and data rows whose values (after the first column) are numbers."""
    if len(block.cells) < 2 or len(block.cells[0]) < 2:
        raise DocumentSyntaxError(f"{source}: chart {block.text!r}: needs a table below it (header and rows)")
    for row in block.cells[1:]:
        for cell in row[1:]:
            try:
                float(cell)
            except ValueError:
                raise DocumentSyntaxError(f"{source}: chart {block.text!r}: row {row[0]!r}: {cell!r} is not a number") from None


def number(blocks: list[Block], level3: str = "{n}.") -> list[Block]:
    """Blocks with heading and item labels assigned by position.

    Headings: 一、 / （一） / ``level3`` (GB/T 9704 writes "1."; many bank documents "1、") / （1）;
    numbered items (``1.`` lines) take the third level's form too. A heading resets the counters of
    deeper levels and of items; items count on until the next heading or non-item block. Charts and
    table captions are numbered 图1、图2… and 表1、表2… through each document (a compilation's
    documents each from 1), so a chart or table a template leaves out leaves no gap.
    """
    formats = {
        1: lambda n: f"{cn_numeral(n)}、",
        2: lambda n: f"（{cn_numeral(n)}）",
        3: lambda n: level3.format(n=n),
        4: lambda n: f"（{n}）",
    }
    counters = [0, 0, 0, 0, 0]
    enum_n = numbered_n = 0
    captions = {"chart": 0, "table_caption": 0}
    out = []
    for block in blocks:
        if block.kind in captions:
            captions[block.kind] += 1
            label = "图" if block.kind == "chart" else "表"
            out.append(replace(block, number=f"{label}{captions[block.kind]}{CAPTION_GAP}"))
            enum_n = numbered_n = 0
            continue
        if block.kind == "heading":
            counters[block.level] += 1
            for deeper in range(block.level + 1, 5):
                counters[deeper] = 0
            out.append(
                Block(block.kind, block.text, block.level, formats[block.level](counters[block.level]), block.cells, block.chart)
            )
            enum_n = numbered_n = 0
        elif block.kind == "enum_item":
            enum_n += 1
            out.append(Block(block.kind, block.text, block.level, f"{cn_numeral(enum_n)}是", block.cells, block.chart))
        elif block.kind == "numbered_item":
            numbered_n += 1
            numbered = level3.format(n=numbered_n)  # a numbered item is the third level
            out.append(Block(block.kind, block.text, block.level, numbered, block.cells, block.chart))
        else:
            if block.kind != "signature":
                enum_n = numbered_n = 0
            if block.kind in ("title", "part"):
                counters = [0, 0, 0, 0, 0]
                captions = dict.fromkeys(captions, 0)
            out.append(block)
    return _lists_tidied(out, {"enum_item": f"{cn_numeral(1)}是", "numbered_item": level3.format(n=1)})


def _lists_tidied(blocks: list[Block], first: dict[str, str]) -> list[Block]:
    """Slips a proofreader strikes out in lists whose items a template includes one by one: an
    enumeration or numbered list of one item carries no label ("一是…" with no 二是, a lone "1."), and
    the last item of a list ends in "。", not "；". A list is the run of items its labels count in."""
    out = list(blocks)
    for i, block in enumerate(out):
        if block.kind not in first:
            continue
        after = out[i + 1] if i + 1 < len(out) else None
        last = after is None or after.kind != block.kind or after.number == first[block.kind]
        number, text = block.number, block.text
        if last and number == first[block.kind]:
            number = ""
        if last and text.endswith("；"):
            text = text[:-1] + "。"
        out[i] = Block(block.kind, text, block.level, number, block.cells, block.chart)
    return out
