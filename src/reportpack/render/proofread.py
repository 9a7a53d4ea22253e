"""A proofreader in the pipeline: each document read back from the written ``.docx`` (paragraphs,
table cells, captions, charts) and checked against the rules a 公文 proofreader applies — the slips a
signer strikes out although every figure is right.

The rules and their severities are in ``templates/proofreading.yaml`` (owner-editable): an ``error``
stops the pack naming the document, the sentence and the rule; a ``warning`` is listed in
``findings.json`` (category 校对) and on the pack's index page; ``off`` skips the rule. ``reportpack
proofread PACK`` runs the same checks on a published pack.

The document is read with lxml straight from ``word/document.xml`` and the chart parts as text (about
two milliseconds a document on the sample pack, most of it opening the zip and parsing; python-docx's
object model costs many times that), in the render batches, on every core.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from lxml import etree

from reportpack.owner import proofreading as owner_proofreading

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
CHART_PART = re.compile(r"word/charts/chart\d+\.xml")
CHART_VALUE = re.compile(rb"<c:v>(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)</c:v>")
AXIS_MIN = re.compile(rb"<c:valAx>.*?<c:scaling>.*?<c:min val=\"([^\"]+)\"", re.S)
SENTENCE_END = re.compile(r"(?<=[。；！？])")
CLAUSE = re.compile(r"[，。；：！？]")
NUMBER = r"\d+(?:\.\d+)?"


@dataclass(frozen=True)
class Piece:
    """A paragraph, a table cell or a chart as the reader meets it."""

    kind: str  # paragraph | cell | chart
    style: str  # paragraph style id ("Caption", "Heading1", …); "" for a cell
    text: str
    table: int = -1  # cells: which table, row, column
    row: int = -1
    column: int = -1
    bar_from_zero: bool = True  # charts: a bar chart of values ≥ 0 whose value axis starts at 0


@dataclass(frozen=True)
class Issue:
    rule: str
    severity: str
    sentence: str  # the sentence (or cell, caption, chart) it was found in
    detail: str

    def as_json(self) -> dict:
        return {
            "rule": f"proofread:{self.rule}",
            "category": "校对",
            "topic": self.severity,
            "priority": 0,
            "text": self.sentence,
            "figures": {"detail": self.detail},
        }


def read_back(docx: Path | bytes) -> list[Piece]:
    """The document's paragraphs and table cells in reading order, then its charts."""

    with zipfile.ZipFile(io.BytesIO(docx) if isinstance(docx, bytes) else docx) as z:
        body = etree.fromstring(z.read("word/document.xml")).find(f"{_W}body")
        charts = [z.read(n) for n in sorted(z.namelist()) if CHART_PART.fullmatch(n)]
    pieces: list[Piece] = []
    tables = 0
    for element in body:
        if element.tag == f"{_W}p":
            pieces.append(Piece("paragraph", _style(element), _text(element)))
        elif element.tag == f"{_W}tbl":
            for r, row in enumerate(element.iter(f"{_W}tr")):
                for c, cell in enumerate(row.iter(f"{_W}tc")):
                    text = "".join(_text(p) for p in cell.iter(f"{_W}p"))
                    pieces.append(Piece("cell", "", text, tables, r, c))
            tables += 1
    for chart in charts:  # the parts' few marks read as text: parsing each chart cost more than the body
        bar = b"<c:barChart>" in chart
        negative = any(float(v) < 0 for v in CHART_VALUE.findall(chart))
        minimum = AXIS_MIN.search(chart)
        from_zero = not bar or negative or (minimum is not None and float(minimum.group(1)) == 0)
        pieces.append(Piece("chart", "", "", bar_from_zero=from_zero))
    return pieces


def _text(paragraph) -> str:
    return "".join(t.text or "" for t in paragraph.iter(f"{_W}t"))


def _style(paragraph) -> str:
    style = paragraph.find(f"{_W}pPr/{_W}pStyle")
    return style.get(f"{_W}val") if style is not None else ""


# ── the rules ─────────────────────────────────────────────────────────────────────────────
# Each takes the pieces and yields (sentence, detail).

VERDICT = re.compile(r"^(?P<word>不高于|不低于|高于|低于|多于|少于|基本持平|持平于|持平)")
LIST_LABEL = re.compile(r"^(?:[一二三四五六七八九十]+是|\d+[.．、]|（[一二三四五六七八九十\d]+）)")


def _verdicts(sentence: str):
    """Each verdict that opens a clause ("…88分，低于本网点平均（88.3分）", "…97.7笔，与本支行网点
    中位数（98.9笔）基本持平"), with the figure it judges (the last number of the clause before)
    and the one it is judged against (the first number of its own clause). A verdict inside a
    clause ("首问解决率不低于80%") states a target, not a comparison: not checked."""
    clauses = CLAUSE.split(LIST_LABEL.sub("", sentence))
    for before, clause in zip(clauses, clauses[1:]):
        clause = clause.lstrip("（(")
        m = VERDICT.match(clause)
        word = m.group("word") if m else None
        if word is None and clause.startswith("与") and (found := re.search(r"(基本持平|持平)$", clause)):
            word = found.group()
        value, reference = re.findall(NUMBER, before), re.findall(NUMBER, clause)
        if word and value and reference:
            yield word, Decimal(value[-1]), Decimal(reference[0])


_HOLDS = {
    "高于": lambda a, b: a > b,
    "多于": lambda a, b: a > b,
    "低于": lambda a, b: a < b,
    "少于": lambda a, b: a < b,
    "不高于": lambda a, b: a <= b,
    "不低于": lambda a, b: a >= b,
    "持平": lambda a, b: a == b,
    "持平于": lambda a, b: a == b,
    "基本持平": lambda a, b: abs(a - b) <= abs(b) * Decimal("0.1"),
}


def verdict_against_numbers(pieces, glossary):
    for sentence in _sentences(pieces):
        for word, a, b in _verdicts(sentence):
            if not _HOLDS[word](a, b):
                yield sentence, f"“{word}” beside {a} and {b}"


def enumeration_of_one(pieces, glossary):
    paragraphs = [p.text for p in pieces if p.kind == "paragraph"]
    for i, text in enumerate(paragraphs):
        if text.startswith("一是") and "二是" not in text:
            following = paragraphs[i + 1] if i + 1 < len(paragraphs) else ""
            if not following.startswith("二是"):
                yield text, "一是 without 二是"


LIST_NUMBER_INTO_DIGIT = re.compile(r"^(?:\d+[.．、]|（\d+）|\(\d+\))\d")


def number_runs_into_text(pieces, glossary):
    for p in pieces:
        if p.kind == "paragraph" and LIST_NUMBER_INTO_DIGIT.match(p.text):
            yield p.text, "a list number runs into the digits after it"


ONE = re.compile(r"(?<![\d.每])(?:1|一)(?:件|笔|户|人|个|次|项|名)")
ALL = re.compile(r"(?<![日人平户月年笔均])均(?![衡匀值])|逐件|逐笔|逐户|逐人|逐个|逐项|逐一|都")


def all_over_one(pieces, glossary):
    for sentence in _sentences(pieces):
        for clause in CLAUSE.split(sentence):
            if (
                ONE.search(clause)
                and ALL.search(clause)
                and not re.search(r"(?<![\d.])(?:[2-9]|\d{2,})(?:件|笔|户|人|个|次|项|名)", clause)
            ):
                yield sentence, f"“{ALL.search(clause).group()}” over one item: {clause}"


def last_item_semicolon(pieces, glossary):
    paragraphs = [p.text for p in pieces if p.kind == "paragraph"]
    item = re.compile(r"^(?:[一二三四五六七八九十]+是|\d+[.．、])")
    for i, text in enumerate(paragraphs):
        following = paragraphs[i + 1] if i + 1 < len(paragraphs) else ""
        if item.match(text) and not item.match(following) and text.endswith("；"):
            yield text, "the last item of a list ends in “；”"


def glossary_terms(pieces, glossary):
    for p in pieces:
        for wrong, right in glossary.items():
            if wrong in p.text:
                yield p.text, f"“{wrong}”: the pack writes “{right}”"


UNIT = re.compile(r"(亿元|万元)$")


def mixed_units_in_column(pieces, glossary):
    columns: dict[tuple[int, int], set[str]] = {}
    cells: dict[tuple[int, int], list[str]] = {}
    for p in pieces:
        if p.kind == "cell" and p.row > 0 and (m := UNIT.search(p.text)):
            columns.setdefault((p.table, p.column), set()).add(m.group())
            cells.setdefault((p.table, p.column), []).append(p.text)
    for key, units in columns.items():
        if len(units) > 1:
            yield " | ".join(cells[key]), f"亿元 and 万元 in table {key[0] + 1}, column {key[1] + 1}"


def bar_axis_not_from_zero(pieces, glossary):
    for n, p in enumerate(c for c in pieces if c.kind == "chart"):
        if not p.bar_from_zero:
            yield f"chart {n + 1}", "a bar chart's value axis does not start at 0"


RULES = {
    "verdict_against_numbers": verdict_against_numbers,
    "enumeration_of_one": enumeration_of_one,
    "number_runs_into_text": number_runs_into_text,
    "all_over_one": all_over_one,
    "last_item_semicolon": last_item_semicolon,
    "glossary": glossary_terms,
    "mixed_units_in_column": mixed_units_in_column,
    "bar_axis_not_from_zero": bar_axis_not_from_zero,
}


def _sentences(pieces):
    for p in pieces:
        if p.kind == "paragraph":
            for sentence in SENTENCE_END.split(p.text):
                if sentence := sentence.strip():
                    yield sentence


def check(docx: Path | bytes, spec: owner_proofreading.Proofreading) -> list[Issue]:
    """The issues the proofreader finds in one document, by rule, in reading order."""
    pieces = read_back(docx)
    issues = []
    for rule, check_rule in RULES.items():
        severity = spec.rules.get(rule, "error")
        if severity == "off":
            continue
        for sentence, detail in check_rule(pieces, spec.glossary):
            issues.append(Issue(rule, severity, sentence, detail))
    return issues
