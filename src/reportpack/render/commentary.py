"""Commentary: findings drafted from the figures by rules report owners read and change.

``templates/commentary.yaml`` holds the rules. Each names the document kinds it applies to, a
category (成效 / 问题 / 措施 / 下一步), a priority, an optional ``topic`` (two findings on one topic
never both appear: the more urgent one wins), a condition ``when`` and a sentence ``text``.

Conditions and sentences are Jinja expressions and templates compiled in the project's one sandboxed,
strict environment — no ``eval`` of Python: a condition can compare, add, multiply and call the
filters, never reach Python internals. A malformed rule fails at load naming the file, the rule id and
the reason; a condition naming a figure that does not exist fails when evaluated, naming the rule.

Each finding keeps the rule id and the values of the figures its condition and sentence read, so the
pack's ``findings.json`` can show a reviewer why a sentence is there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import TemplateError, nodes

from reportpack.errors import OwnerFileError
from reportpack.owner import commentary as owner_commentary
from reportpack.owner import files
from reportpack.owner.commentary import CATEGORIES
from reportpack.render import templating
from reportpack.render.wording import FigureError
from reportpack.textdata import shown

# Categories that assert something of the unit (an achievement, a problem, a measure answering one):
# a rule of theirs must read the data in its condition — a sentence said of every unit is invented.
EVIDENCED = ("成效", "问题", "措施")
NOT_DATA = ("p", "labels")  # the period and the labels are the same for every unit
# The macros a sentence may use, imported for every rule's text.
_PRELUDE = '{% from "documents/_macros.j2" import change, rate_change, progress, yoy, ranked_among %}'


class CommentaryError(OwnerFileError):
    """A malformed or failing rule: names the file, the rule id and the reason."""

    topic_zh = "评述规则（commentary.yaml）有误"


@dataclass(frozen=True)
class Rule:
    id: str
    documents: tuple[str, ...]
    category: str
    priority: int
    topic: str
    when: str
    text: str
    figures: tuple[tuple[str, str], ...]  # (variable, attribute) paths the rule reads
    condition: object = field(compare=False, repr=False)  # compiled once
    sentence: object = field(compare=False, repr=False)


@dataclass(frozen=True)
class Finding:
    rule: str
    category: str
    priority: int
    text: str
    figures: dict = field(compare=False)
    topic: str = ""
    about: str = ""  # the unit whose figures it reads, where that is not the document's (a closed outlet's problem)

    def as_json(self) -> dict:
        out = {
            "rule": self.rule,
            "category": self.category,
            "topic": self.topic,
            "priority": self.priority,
            "text": shown(self.text),
            "figures": self.figures,
        }
        return {**out, "about": shown(self.about)} if self.about else out


@dataclass(frozen=True)
class RuleSet:
    path: Path
    templates_dir: Path
    rules: tuple[Rule, ...]
    limits: dict[str, int]
    handed_over_problems: int = 2  # of each closed outlet's problems, printed in the receiving outlet's summary
    _by_kind: dict = field(
        default_factory=dict, init=False, compare=False, repr=False
    )  # kind → (its rules, their conditions as one)

    def of_kind(self, kind: str) -> tuple[list[tuple[int, Rule]], object]:
        """The rules of document ``kind`` (with their order in the file), and one compiled expression
        giving all their conditions' values in that order: Jinja makes a context per evaluation, and
        two dozen of them were most of a document's commentary time."""
        if kind not in self._by_kind:
            mine = [(order, rule) for order, rule in enumerate(self.rules) if kind in rule.documents]
            together = "[" + ", ".join(f"({rule.when})" for _, rule in mine) + "]"
            env = templating.environment(self.templates_dir)
            self._by_kind[kind] = (mine, env.compile_expression(together, undefined_to_none=False))
        return self._by_kind[kind]


@files.once_per_version
def load(path: Path, templates_dir: Path, kinds: set[str] | None = None) -> RuleSet:
    """Rules of ``path``; ``kinds``: the document kinds a rule may name (``None``: not checked)."""
    spec, tree = owner_commentary.read(path, CommentaryError)
    env = templating.environment(templates_dir)
    rules: list[Rule] = []

    def fail(i: int, field: str, rule: str, rule_zh: str) -> CommentaryError:
        return files.problem(
            CommentaryError,
            path,
            rule,
            rule_zh,
            tree=tree,
            loc=("rules", i, field),
            where=f"rule {spec.rules[i].id}",
            field=field,
        )

    for i, raw in enumerate(spec.rules):
        if any(r.id == raw.id for r in rules):
            raise fail(i, "id", "the id appears twice", "规则编号重复")
        if kinds is not None and set(raw.documents) - kinds:
            unknown = sorted(set(raw.documents) - kinds)
            raise fail(
                i,
                "documents",
                f"documents {unknown} are not kinds of any pack ({sorted(kinds)})",
                f"文稿类别 {unknown} 不在任何报告包中（可选：{'、'.join(sorted(kinds))}）",
            )
        try:
            condition_tree = env.parse(f"{{{{ {raw.when} }}}}")
            condition_paths = _paths(condition_tree)
            compiled_when = env.compile_expression(raw.when, undefined_to_none=False)
        except TemplateError as exc:
            raise fail(i, "when", f"not a valid condition: {exc}", f"条件写法有误：{exc}") from None
        reads = {n.name for n in condition_tree.find_all(nodes.Name) if n.ctx == "load"} - set(NOT_DATA)
        if raw.category in EVIDENCED and not reads:
            raise fail(
                i,
                "when",
                f"a {raw.category} sentence needs a condition on the data (when: reading a figure): "
                "without one it is said of every unit, with nothing behind it",
                f"“{raw.category}”类句子须有依据数据的条件（when 中读取数字）；没有条件的句子对每个单位都一样，没有数据支撑，"
                "可改为报告负责人填写的内容（inputs/）",
            )
        try:
            sentence_paths = _paths(env.parse(_PRELUDE + raw.text))
            compiled_text = env.from_string(_PRELUDE + raw.text)
        except TemplateError as exc:
            raise fail(i, "text", f"not a valid sentence: {exc}", f"句子写法有误：{exc}") from None
        rules.append(
            Rule(
                raw.id,
                tuple(raw.documents),
                raw.category,
                raw.priority,
                raw.topic or raw.id,
                raw.when,
                raw.text,
                condition_paths + tuple(p for p in sentence_paths if p not in condition_paths),
                compiled_when,
                compiled_text,
            )
        )
    return RuleSet(path, templates_dir, tuple(rules), {c: spec.limits.get(c, 99) for c in CATEGORIES}, spec.handed_over_problems)


def _paths(tree) -> tuple[tuple[str, str], ...]:
    seen: list[tuple[str, str]] = []
    for node in tree.find_all(nodes.Getattr):
        if isinstance(node.node, nodes.Name) and (node.node.name, node.attr) not in seen:
            seen.append((node.node.name, node.attr))
    return tuple(seen)


# what a rule's condition or text can raise on the figures of one document — a 0/0 included (a
# division an owner wrote into a rule): named by its rule, never "a bug"
RULE_ERRORS = (TemplateError, FigureError, TypeError, ValueError, KeyError, ArithmeticError)


def holding(rules: RuleSet, kind: str, context: dict) -> list[Rule]:
    """The rules of document ``kind`` whose condition holds for ``context``, most urgent first
    (priority, then file order)."""
    mine, together = rules.of_kind(kind)
    try:
        values = [bool(value) for value in together(**context)]
    except RULE_ERRORS:
        values = [_holds(rules, rule, context) for _, rule in mine]  # one by one: the error names its rule
    hits = [(rule.priority, order, rule) for (order, rule), holds in zip(mine, values, strict=True) if holds]
    return [rule for _, _, rule in sorted(hits, key=lambda h: (h[0], h[1]))]


def _holds(rules: RuleSet, rule: Rule, context: dict) -> bool:
    try:
        return bool(rule.condition(**context))
    except RULE_ERRORS as exc:
        raise CommentaryError(f"{rules.path}: rule {rule.id}: condition {rule.when!r}: {exc}") from exc


def evaluate(rules: RuleSet, kind: str, context: dict) -> dict[str, list[Finding]]:
    """The findings of one document, by category: the rules that hold, one per topic (the most
    urgent), at most ``limits`` per category."""
    out: dict[str, list[Finding]] = {c: [] for c in CATEGORIES}
    topics: set[str] = set()
    for rule in holding(rules, kind, context):
        if rule.topic in topics or len(out[rule.category]) >= rules.limits[rule.category]:
            continue
        topics.add(rule.topic)
        try:
            text = rule.sentence.render(context).strip()
        except RULE_ERRORS as exc:
            raise CommentaryError(f"{rules.path}: rule {rule.id}: text: {exc}") from exc
        out[rule.category].append(Finding(rule.id, rule.category, rule.priority, text, _values(rule, context), rule.topic))
    return out


def _values(rule: Rule, context: dict) -> dict:
    values = {}
    for name, attr in rule.figures:
        record = context.get(name)
        if isinstance(record, dict) and attr in record:
            value = record[attr]
            values[f"{name}.{attr}"] = value if isinstance(value, (int, float, str, type(None))) else str(value)
    return values
