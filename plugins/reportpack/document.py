"""The document model: the text form that templates produce, parsed into numbered blocks.

A template renders to plain text a report owner can read and edit::

    == 汇编篇名             part heading in a compilation ("…篇一")
    = 标题                  title (centred)
    # 一级标题              heading level 1 → "一、"
    ## 二级标题             heading level 2 → "（一）"
    ### 三级标题            heading level 3 → "1." or "1、" (a style setting)
    #### 四级标题           heading level 4 → "（1）"
    - 事项                  enumeration item → "一是…", "二是…" (consecutive items count on)
    1. 事项                 numbered item → "1、…" (consecutive items count on)
    >> 落款                 signature line (unit name, date), right-aligned
    | 指标 | 期末 |          table row (the first row of a table is its header)
    ---                     page break
    any other text          body paragraph; consecutive lines join, a blank line ends it

Numbers are assigned here, by level, so dropping a section never leaves a gap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from reportpack.wording import cn_numeral


@dataclass(frozen=True)
class Block:
    """One paragraph-level element.

    ``kind``: table | part | title | heading | paragraph | enum_item | numbered_item | signature | page_break.
    ``level``: 1–4 for headings. ``number``: the label the renderer prints before ``text``.
    """

    kind: str
    text: str = ""
    level: int = 0
    number: str = ""
    cells: tuple[tuple[str, ...], ...] = ()  # table rows, the first is the header

    @property
    def full_text(self) -> str:
        return f"{self.number}{self.text}"


class DocumentSyntaxError(ValueError):
    """A line of a rendered template that is not valid text form."""


_HEADING = re.compile(r"^(#{1,4})\s+(\S.*)$")
_NUMBERED = re.compile(r"^\d+\.\s+(\S.*)$")
# Placeholders and missing values must never reach a reader. ASCII look-arounds, not \b: in
# "余额nan亿元" the CJK neighbours count as word characters, so \bnan\b would not match.
_LEFTOVER = re.compile(r"\{\{|\}\}|\{%|%\}|(?<![A-Za-z])(?:xxx|none|nan)(?![A-Za-z])", re.IGNORECASE)


def parse(text: str, source: str = "<text>") -> list[Block]:
    """Blocks of ``text``; ``source`` names the template in errors."""
    blocks: list[Block] = []
    para: list[str] = []
    prev_table_line = -1

    def flush() -> None:
        if para:
            blocks.append(Block("paragraph", "".join(para)))
            para.clear()

    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        leftover = _LEFTOVER.search(line)
        if leftover:
            raise DocumentSyntaxError(
                f"{source}: line {lineno}: {leftover.group(0)!r} must not reach a document: {line!r}"
            )
        if not line:
            flush()
            continue
        if line.startswith("|"):
            flush()
            row = tuple(cell.strip() for cell in line.strip("|").split("|"))
            if blocks and blocks[-1].kind == "table" and prev_table_line == lineno - 1:
                if len(row) != len(blocks[-1].cells[0]):
                    raise DocumentSyntaxError(
                        f"{source}: line {lineno}: {len(row)} cells, the table's header has {len(blocks[-1].cells[0])}"
                    )
                blocks[-1] = replace(blocks[-1], cells=blocks[-1].cells + (row,))
            else:
                blocks.append(Block("table", cells=(row,)))
            prev_table_line = lineno
        elif line == "---":
            flush()
            blocks.append(Block("page_break"))
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
    return blocks


def number(blocks: list[Block], level3: str = "{n}.") -> list[Block]:
    """Blocks with heading and item labels assigned by position.

    Headings: 一、 / （一） / ``level3`` (GB/T 9704 writes "1."; many bank documents "1、") / （1）.
    A heading resets the counters of deeper levels and of items; items count on until the next
    heading or non-item block.
    """
    formats = {
        1: lambda n: f"{cn_numeral(n)}、",
        2: lambda n: f"（{cn_numeral(n)}）",
        3: lambda n: level3.format(n=n),
        4: lambda n: f"（{n}）",
    }
    counters = [0, 0, 0, 0, 0]
    enum_n = numbered_n = 0
    out = []
    for block in blocks:
        if block.kind == "heading":
            counters[block.level] += 1
            for deeper in range(block.level + 1, 5):
                counters[deeper] = 0
            out.append(replace(block, number=formats[block.level](counters[block.level])))
            enum_n = numbered_n = 0
        elif block.kind == "enum_item":
            enum_n += 1
            out.append(replace(block, number=f"{cn_numeral(enum_n)}是"))
        elif block.kind == "numbered_item":
            numbered_n += 1
            out.append(replace(block, number=f"{numbered_n}、"))
        else:
            if block.kind != "signature":
                enum_n = numbered_n = 0
            if block.kind in ("title", "part"):
                counters = [0, 0, 0, 0, 0]
            out.append(block)
    return out
