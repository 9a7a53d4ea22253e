"""Text from data inside the text form of ``reportpack.render.document``: carried as data, never read as marks.

Text that comes from data — the warehouse's names and ids, an owner's sentences, a validation
message — must print as itself: an outlet named ``解放路[[分理处||批注]]`` is not a review comment, a
name holding ``|`` is not two table cells, ``# 1`` at the start of a line is not a heading, ``Nan``
(a given name) is not a missing figure. ``data`` wraps a value that holds anything the form reads
(``|``, ``[``, ``]``, ``/``, a line break, a line-start mark, a placeholder word) between two Unicode
noncharacters — reserved for a program's internal use, never in interchange data, and refused in
the warehouse by validation — with those characters swapped for noncharacters too; ``shown`` gives
the value back as it was when the text is written into a document. Everything else (almost every
value) is left as it is, so templates still compare ids and categories with plain strings.
"""

from __future__ import annotations

import re

DATA_OPEN, DATA_CLOSE = "\ufdd0", "\ufdd1"
# What a Word document (XML 1.0) cannot hold — C0 controls but tab, newline and carriage return;
# U+FFFE, U+FFFF — and the noncharacters U+FDD0…U+FDEF, which the text form uses for itself. The
# source rules refuse them in the warehouse (reportpack.validate, as SQL: without NUL, which neither
# PostgreSQL text nor an SQL literal can hold); the owner's input is refused with NUL too.
UNPRINTABLE = r"[\x01-\x08\x0b\x0c\x0e-\x1f\ufdd0-\ufdef\ufffe\uffff]"
UNPRINTABLE_OR_NUL = re.compile(UNPRINTABLE.replace("[", "[\\x00", 1))
_SPECIAL = "|[]/\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"  # the form's marks, and every line break str.splitlines knows
# noncharacters already in a value (validation refuses them in the warehouse) become U+FFFD: one pass
_ESCAPE = {c: 0xFFFD for c in range(0xFDD0, 0xFDF0)} | {ord(c): 0xFDE0 + i for i, c in enumerate(_SPECIAL)}
_UNESCAPE = {0xFDE0 + i: c for i, c in enumerate(_SPECIAL)} | {ord(DATA_OPEN): None, ord(DATA_CLOSE): None}
_NEEDS_WRAP = re.compile(
    r"[|\[\]/\n\r\v\f\x1c-\x1e\x85\u2028\u2029\ufdd0-\ufdef]|^\s*(?:[@=#>-]|\d+\.\s)|\{\{|\}\}|\{%|%\}"
    r"|(?<![A-Za-z])(?:xxx|none|nan)(?![A-Za-z])",
    re.IGNORECASE,
)
_DATA_SPAN = re.compile("\ufdd0[^\ufdd1]*\ufdd1")


def data(value: str) -> str:
    """``value`` (text from data) as the text form holds it: itself when the form would read
    nothing in it (almost always), else wrapped and escaped (see the module's docstring)."""
    if not _NEEDS_WRAP.search(value):
        return value
    return DATA_OPEN + value.translate(_ESCAPE) + DATA_CLOSE


def data_tree(value):
    """``data`` over every string in nested dicts and lists (a record, a warning, owner text)."""
    if isinstance(value, str):
        return data(value)
    if isinstance(value, dict):
        return {k: data_tree(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(data_tree(v) for v in value)
    return value


def shown(text: str) -> str:
    """``text`` of the form with its data as it was (the wrapping dropped, the escapes undone)."""
    return text.translate(_UNESCAPE) if DATA_OPEN in text else text


def without_data(text: str) -> str:
    """``text`` of the form without its wrapped data (what is left is the template's own)."""
    return _DATA_SPAN.sub("", text) if DATA_OPEN in text else text
