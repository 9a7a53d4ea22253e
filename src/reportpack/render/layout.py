"""Where things sit on the page, computed from the text alone (no layout engine): table column
widths by content, the GB/T 9704 offsets of the 署名 and 成文日期, and the height of a table's rows.

Widths are in characters of the font in use (a CJK character is one, an ASCII character half, as
``document.width`` counts them); the renderer turns them into twips.
"""

from __future__ import annotations

import math
import re

from reportpack.render.document import width

CELL_PAD = 1.0  # a cell's left and right margins together, in characters (Word's 0.19 cm each at 小四)
_DATE = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$")


def column_widths(rows: tuple[tuple[str, ...], ...], line: float) -> list[float]:
    """Each column's width (characters) for a table ``line`` characters wide: every body cell on one
    line when the table can hold them all (a number is never split: "4./80亿元"), a header at most
    on two lines; what is left goes to the headers still wrapping, then to every column alike.
    When even the body cells cannot all fit, columns share the line in proportion to their needs."""
    header, body = rows[0], rows[1:]
    columns = range(len(header))
    cell = [max((width(r[c]) for r in body), default=0) + CELL_PAD for c in columns]
    head = [width(header[c]) + CELL_PAD for c in columns]
    need = [max(cell[c], math.ceil(width(header[c]) / 2) + CELL_PAD) for c in columns]
    if sum(need) >= line:
        return [line * n / sum(need) for n in need]
    widths = list(need)
    spare = line - sum(widths)
    short = {c: head[c] - widths[c] for c in columns if head[c] > widths[c]}
    if short:  # headers on one line where the room allows, in proportion to what each lacks
        given = min(spare, sum(short.values()))
        for c, lack in short.items():
            widths[c] += given * lack / sum(short.values())
        spare -= given
    return [w + spare / len(widths) for w in widths]


def signature_indents(lines: list[str]) -> list[float]:
    """Right indents (characters) of the 落款 lines, GB/T 9704-2012 §7.3.5.2 (unsealed): the 署名
    two characters in from the right margin, the 成文日期 on the next line with its first character
    two characters right of the 署名's; when the date is the longer, the 署名 moves right so that
    still holds and the date ends at the margin. Lines before the date (a teller's name, the unit)
    are all 署名 lines, aligned on the widest."""
    if len(lines) < 2 or not _DATE.match(lines[-1]):
        return [2.0] * len(lines)
    name = max(width(line) for line in lines[:-1])
    date = width(lines[-1])
    name_right = max(2.0, date + 2 - name)  # the date starts 2 characters right of the name's start
    date_right = name_right + name - 2 - date
    return [name_right] * (len(lines) - 1) + [date_right]


# A table on the built-in GB/T 9704 base, as LibreOffice lays it out (measured: laid out with real
# tables and with paragraphs of these heights, 1,345 pages of ten compilations break alike): every
# line of a cell snaps to the body's 28.95 pt grid, each row adds its 0.5 pt top rule and the table
# its bottom rule; a cell's text is 12 pt characters in the column less Word's 0.19 cm margins.
CELL_MARGINS_TWIPS = 2 * 108
RULE_TWIPS = 10
_UNSURE = 0.75  # characters: a cell's text ending this near a line's end may take a line more, or one less


def row_heights(rows: list[list[str]], widths: list[int], line_twips: int, char_twips: int) -> list[int] | None:
    """The height (twips) of each row of a table with these cell texts and column widths (twips),
    bottom rule included in the last; ``None`` when a cell comes so near the end of a line that
    the count of its lines is not certain from the text alone."""
    heights = []
    for row in rows:
        lines = 1
        for text, column in zip(row, widths, strict=True):
            room = (column - CELL_MARGINS_TWIPS) / char_twips  # characters on a line of the cell
            need = width(text)
            if need > room - _UNSURE and abs(need - max(1, round(need / room)) * room) < _UNSURE:
                return None
            lines = max(lines, math.ceil(need / room))
        heights.append(lines * line_twips + RULE_TWIPS)
    if heights:
        heights[-1] += RULE_TWIPS
    return heights
