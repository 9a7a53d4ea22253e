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
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

from lxml import etree

from reportpack.owner import proofreading as owner_proofreading
from reportpack.render.document import Block, mark

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_W_T, _W_TAB, _W_R = f"{_W}t", f"{_W}tab", f"{_W}r"
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
    # where a review comment goes when it is not on the sentence: ("cell", table, row, column)
    # or ("chart", n), counted in reading order from 0
    where: tuple = ()

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
    """The paragraph's text as a reader meets it: its runs' text, a tab where the 目录 has one
    between an entry and its page number (mammoth reads the same: tests/unit/test_pack_structure.py)."""
    return "".join(
        t.text or "" if t.tag == _W_T else "\t"
        for t in paragraph.iter(_W_T, _W_TAB)
        if t.tag == _W_T or t.getparent().tag == _W_R  # a tab character, not a tab stop of w:pPr/w:tabs
    )


def _style(paragraph) -> str:
    style = paragraph.find(f"{_W}pPr/{_W}pStyle")
    return style.get(f"{_W}val") if style is not None else ""


# ── the rules ─────────────────────────────────────────────────────────────────────────────
# Each takes the pieces and the proofreading file and yields (sentence, detail), or (sentence,
# detail, where) when its review comment belongs on a table cell or a chart (``Issue.where``).

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


def verdict_against_numbers(pieces, spec):
    for sentence in _sentences(pieces):
        for word, a, b in _verdicts(sentence):
            if not _HOLDS[word](a, b):
                yield sentence, f"“{word}” beside {a} and {b}"


def enumeration_of_one(pieces, spec):
    paragraphs = [p.text for p in pieces if p.kind == "paragraph"]
    for i, text in enumerate(paragraphs):
        if text.startswith("一是") and "二是" not in text:
            following = paragraphs[i + 1] if i + 1 < len(paragraphs) else ""
            if not following.startswith("二是"):
                yield text, "一是 without 二是"


LIST_NUMBER_INTO_DIGIT = re.compile(r"^(?:\d+[.．、]|（\d+）|\(\d+\))\d")


def number_runs_into_text(pieces, spec):
    for p in pieces:
        if p.kind == "paragraph" and LIST_NUMBER_INTO_DIGIT.match(p.text):
            yield p.text, "a list number runs into the digits after it"


ONE = re.compile(r"(?<![\d.每])(?:1|一)(?:件|笔|户|人|个|次|项|名)")
ALL = re.compile(r"(?<![日人平户月年笔均])均(?![衡匀值])|逐件|逐笔|逐户|逐人|逐个|逐项|逐一|都")


def all_over_one(pieces, spec):
    for sentence in _sentences(pieces):
        for clause in CLAUSE.split(sentence):
            if (
                ONE.search(clause)
                and ALL.search(clause)
                and not re.search(r"(?<![\d.])(?:[2-9]|\d{2,})(?:件|笔|户|人|个|次|项|名)", clause)
            ):
                yield sentence, f"“{ALL.search(clause).group()}” over one item: {clause}"


COUNTED = re.compile(r"(?<![\d.])(\d+)(?:件|笔|户|人|个|次|项|名|处|起|条)")
RATE = re.compile(r"(?:率(?:为|是|达|达到|仅|只有)?|，)(\d+(?:\.\d+)?%)")  # "，": a table row's cell


def percentage_over_few(pieces, spec):
    """A rate of a handful of cases ("回复2笔，准确率50%", "投诉1件…首问解决率100%"): a percentage
    after counts that are all below ``handful`` in its sentence; the reader wants the count
    (2笔中1笔准确). The sentence's largest count before the rate is taken as its base. A table row
    reads as a sentence: "| 风险事件回复 | 4笔 | 75% |"."""
    rows: dict[tuple[int, int], list[str]] = {}
    for p in pieces:
        if p.kind == "cell":
            rows.setdefault((p.table, p.row), []).append(p.text)
    for sentence in [*_sentences(pieces), *("，".join(cells) for cells in rows.values())]:
        for rate in RATE.finditer(sentence):
            counts = [int(n) for n in COUNTED.findall(sentence[: rate.start()])]
            if counts and max(counts) < spec.handful:
                yield sentence, f"{rate.group(1)} of at most {max(counts)} cases (fewer than {spec.handful})"


def last_item_semicolon(pieces, spec):
    paragraphs = [p.text for p in pieces if p.kind == "paragraph"]
    item = re.compile(r"^(?:[一二三四五六七八九十]+是|\d+[.．、])")
    for i, text in enumerate(paragraphs):
        following = paragraphs[i + 1] if i + 1 < len(paragraphs) else ""
        if item.match(text) and not item.match(following) and text.endswith("；"):
            yield text, "the last item of a list ends in “；”"


def glossary_terms(pieces, spec):
    for p in pieces:
        for wrong, right in spec.glossary.items():
            if wrong in p.text:
                yield p.text, f"“{wrong}”: the pack writes “{right}”"


OUTLETS_COUNTED = re.compile(r"(\d+)个网点")


def unit_counts_differ(pieces, spec):
    """ "所辖6个网点" and "所辖5个网点" (ranked) in one document — a compilation above all: where the
    counts of a sub-branch's outlets (``count_scopes`` just before: 所辖, 支行) differ, each must say
    which outlets it counts (``count_qualifiers``: "参与排名的5个网点", "6月末，所辖6个网点",
    "所辖7个网点（含期内撤并的…）"). Other counts of outlets ("有1个网点的数据…") are not the unit's."""
    bare: dict[int, str] = {}
    for sentence in _sentences(pieces):
        for m in OUTLETS_COUNTED.finditer(sentence):
            before = sentence[max(0, m.start() - 8) : m.start()]
            if not any(scope in before for scope in spec.count_scopes):
                continue
            around = before + "|" + sentence[m.end() : m.end() + 3]
            if not any(q in around for q in spec.count_qualifiers):
                bare.setdefault(int(m.group(1)), sentence)
    if len(bare) > 1:
        counts = "、".join(f"{n}个网点" for n in sorted(bare))
        for _, sentence in sorted(bare.items()):
            yield sentence, f"{counts} without a qualifier in one document"


TARGET_CELL = re.compile(r"^(?:不低于|不高于)(?:每万笔)?(\d+(?:\.\d+)?)(亿元|万元|%|笔|分|件|户)?$")
UNIT_YUAN = {"亿元": Decimal(10) ** 8, "万元": Decimal(10) ** 4}


def _stated(number: str, unit: str | None) -> tuple[Decimal, Decimal, str]:
    """A printed figure as (value, half its last printed digit, kind of unit): amounts in 元."""
    value = Decimal(number)
    half = Decimal(1).scaleb(value.as_tuple().exponent) / 2
    factor = UNIT_YUAN.get(unit or "", Decimal(1))
    return value * factor, half * factor, "元" if unit in UNIT_YUAN else unit or ""


def target_text_and_table_differ(pieces, spec):
    """A target the text states ("对公存款较年初新增目标0.80亿元") that no table row of that name
    states ("| 对公存款较年初新增 | 不低于0.70亿元 |"; a summary has a row for this period's target
    and one for the next): figures in other units (0.80亿元, 8000万元) are compared as amounts,
    equal within their printed precision."""
    rows: dict[tuple[int, int], list[str]] = {}
    for p in pieces:
        if p.kind == "cell":
            rows.setdefault((p.table, p.row), []).append(p.text)
    in_table: dict[str, list[re.Match]] = {}
    for cells in rows.values():
        targets = [m for c in cells[1:] if (m := TARGET_CELL.match(c))]
        if cells and len(targets) == 1:
            in_table.setdefault(cells[0], []).append(targets[0])
    if not in_table:
        return
    for sentence in _sentences(pieces):
        for name, cells in in_table.items():
            pattern = re.escape(name) + r"目标(?:不低于|不高于)?(?:每万笔)?(\d+(?:\.\d+)?)(亿元|万元|%|笔|分|件|户)?"
            for m in re.finditer(pattern, sentence):
                text = _stated(*m.groups())
                if not any(_same(text, _stated(*cell.groups())) for cell in cells):
                    table = "、".join(cell.group(0) for cell in cells)
                    yield sentence, f"{name}: the text states {m.group(1)}{m.group(2) or ''}, the table {table}"


def _same(a: tuple[Decimal, Decimal, str], b: tuple[Decimal, Decimal, str]) -> bool:
    return a[2] == b[2] and abs(a[0] - b[0]) <= max(a[1], b[1])


UNIT = re.compile(r"(亿元|万元)$")


def mixed_units_in_column(pieces, spec):
    columns: dict[tuple[int, int], set[str]] = {}
    cells: dict[tuple[int, int], list[str]] = {}
    for p in pieces:
        if p.kind == "cell" and p.row > 0 and (m := UNIT.search(p.text)):
            columns.setdefault((p.table, p.column), set()).add(m.group())
            cells.setdefault((p.table, p.column), []).append(p.text)
    for key, units in columns.items():
        if len(units) > 1:
            yield " | ".join(cells[key]), f"亿元 and 万元 in table {key[0] + 1}, column {key[1] + 1}", ("cell", key[0], 0, key[1])


SIDE_BY_SIDE = re.compile(r"[（(][^（）()]*?\d(亿元|万元)[）)]|\d(亿元|万元)(?=、)|(?<=、)\d+(?:\.\d+)?(亿元|万元)")


def mixed_units_in_sentence(pieces, spec):
    """Amounts set side by side in one sentence — in parentheses, or listed with 、 — in 亿元 and
    万元 ("居首（0.79亿元），…列末位（225.35万元）"): the reader compares them and must not convert."""
    for sentence in _sentences(pieces):
        units = {"".join(found) for found in SIDE_BY_SIDE.findall(sentence)}
        if len(units) > 1:
            yield sentence, "亿元 and 万元 side by side in one sentence"


def bar_axis_not_from_zero(pieces, spec):
    for n, p in enumerate(c for c in pieces if c.kind == "chart"):
        if not p.bar_from_zero:
            yield f"chart {n + 1}", "a bar chart's value axis does not start at 0", ("chart", n)


RULES = {
    "verdict_against_numbers": verdict_against_numbers,
    "enumeration_of_one": enumeration_of_one,
    "number_runs_into_text": number_runs_into_text,
    "all_over_one": all_over_one,
    "percentage_over_few": percentage_over_few,
    "last_item_semicolon": last_item_semicolon,
    "glossary": glossary_terms,
    "unit_counts_differ": unit_counts_differ,
    "target_text_and_table_differ": target_text_and_table_differ,
    "mixed_units_in_column": mixed_units_in_column,
    "mixed_units_in_sentence": mixed_units_in_sentence,
    "bar_axis_not_from_zero": bar_axis_not_from_zero,
}


def _sentences(pieces):
    for p in pieces:
        if p.kind == "paragraph":
            for sentence in SENTENCE_END.split(p.text):
                if sentence := sentence.strip():
                    yield sentence


def check(docx: Path | bytes, spec: owner_proofreading.Proofreading, text_only: bool = False) -> list[Issue]:
    """The issues the proofreader finds in one document, by rule, in reading order. ``text_only``:
    read its paragraphs alone — a compilation's layout copy, where a table kept on one page is a
    stack of empty spacers and another is whole, so a rule comparing text with tables would see
    some of them (its documents' tables and charts were read with each document)."""
    pieces = read_back(docx)
    if text_only:
        pieces = [p for p in pieces if p.kind == "paragraph"]
    issues = []
    for rule, check_rule in RULES.items():
        severity = spec.rules.get(rule, "error")
        if severity == "off":
            continue
        for sentence, detail, *where in check_rule(pieces, spec):
            issues.append(Issue(rule, severity, sentence, detail, *where))
    return issues


def annotate(blocks: list[Block], issues: list[Issue], comments: dict[str, str]) -> list[Block]:
    """``blocks`` with a Word review comment on what each warning is about — its sentence, else
    its paragraph (when the sentence is not in the text as written, or holds a comment already);
    the table column's header cell; the chart's caption — saying what to check (``comments`` of
    the proofreading file). Errors stop the pack and are not annotated."""
    out = list(blocks)
    tables = [i for i, b in enumerate(out) if b.kind == "table"]
    charts = [i for i, b in enumerate(out) if b.kind == "chart"]
    for issue in issues:
        if issue.severity != "warning":
            continue
        note = comments[issue.rule]
        if issue.where[:1] == ("cell",):
            _, table, row, column = issue.where
            i = tables[table]
            cells = [list(r) for r in out[i].cells]
            cells[row][column] = _commented(cells[row][column], cells[row][column], note)
            out[i] = replace(out[i], cells=tuple(tuple(r) for r in cells))
            continue
        if issue.where[:1] == ("chart",):
            i = charts[issue.where[1]]
        else:
            i = next((n for n, b in enumerate(out) if issue.sentence.removeprefix(b.number) in b.plain), None)
            if i is None:
                continue
        out[i] = replace(out[i], text=_commented(out[i].text, issue.sentence.removeprefix(out[i].number), note))
    return out


def _commented(text: str, sentence: str, note: str) -> str:
    if "[[" in text:  # a comment there already: the new one goes on the text after the last
        head, _, tail = text.rpartition("]]")
        return f"{head}]]{mark(tail, note)}" if tail.strip() else text
    if sentence and sentence in text:
        return text.replace(sentence, mark(sentence, note), 1)
    return mark(text, note) if text.strip() else text
