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

import yaml
from jinja2 import TemplateError, nodes

from reportpack.render import templating
from reportpack.render.wording import FigureError
from reportpack.errors import OwnerFileError

CATEGORIES = ("成效", "问题", "措施", "下一步")
_KEYS = {"id", "documents", "category", "priority", "topic", "when", "text"}
# The macros a sentence may use, imported for every rule's text.
_PRELUDE = '{% from "documents/_macros.j2" import change, rate_change, progress, yoy %}'


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

    def as_json(self) -> dict:
        return {"rule": self.rule, "category": self.category, "priority": self.priority, "text": self.text, "figures": self.figures}


@dataclass(frozen=True)
class RuleSet:
    path: Path
    templates_dir: Path
    rules: tuple[Rule, ...]
    limits: dict[str, int]


def load(path: Path, templates_dir: Path, kinds: set[str] | None = None) -> RuleSet:
    """Rules of ``path``; ``kinds``: the document kinds a rule may name (``None``: not checked)."""
    try:
        data = yaml.safe_load(path.read_text("utf-8")) or {}
    except yaml.YAMLError as exc:
        raise CommentaryError(f"{path}: not valid YAML: {exc}") from None
    limits = data.get("limits") or {}
    bad = {k: v for k, v in limits.items() if k not in CATEGORIES or not isinstance(v, int) or v < 1}
    if bad:
        raise CommentaryError(f"{path}: limits {bad}: a category of {CATEGORIES} and a whole number ≥ 1")
    env = templating.environment(templates_dir)
    rules: list[Rule] = []
    for i, raw in enumerate(data.get("rules") or [], start=1):
        rid = raw.get("id") if isinstance(raw, dict) else None
        where = f"{path}: rule {rid or f'#{i}'}"
        if not isinstance(raw, dict) or not isinstance(rid, str) or not rid:
            raise CommentaryError(f"{where}: a rule is a mapping with an id")
        unknown = sorted(set(raw) - _KEYS)
        if unknown:
            raise CommentaryError(f"{where}: unknown keys {unknown} (allowed: {sorted(_KEYS)})")
        if any(r.id == rid for r in rules):
            raise CommentaryError(f"{where}: the id appears twice")
        if raw.get("category") not in CATEGORIES:
            raise CommentaryError(f"{where}: category {raw.get('category')!r} is not one of {CATEGORIES}")
        documents = raw.get("documents")
        if not isinstance(documents, list) or not documents:
            raise CommentaryError(f"{where}: 'documents' must list the document kinds it applies to")
        if kinds is not None and set(documents) - kinds:
            raise CommentaryError(f"{where}: documents {sorted(set(documents) - kinds)} are not kinds of any pack ({sorted(kinds)})")
        priority = raw.get("priority", 50)
        if not isinstance(priority, int):
            raise CommentaryError(f"{where}: priority must be a whole number (lower = more urgent)")
        when, text = str(raw.get("when", "true")), raw.get("text")
        if not isinstance(text, str) or not text.strip():
            raise CommentaryError(f"{where}: 'text' (the sentence) is required")
        try:
            condition_paths = _paths(env.parse(f"{{{{ {when} }}}}"))
            sentence_paths = _paths(env.parse(_PRELUDE + text))
            compiled_when = env.compile_expression(when, undefined_to_none=False)
            compiled_text = env.from_string(_PRELUDE + text.strip())
        except TemplateError as exc:
            raise CommentaryError(f"{where}: {exc}") from None
        rules.append(
            Rule(rid, tuple(documents), raw["category"], priority, str(raw.get("topic") or rid), when, text.strip(),
                 condition_paths + tuple(p for p in sentence_paths if p not in condition_paths),
                 compiled_when, compiled_text)
        )
    return RuleSet(path, templates_dir, tuple(rules), {c: limits.get(c, 99) for c in CATEGORIES})


def _paths(tree) -> tuple[tuple[str, str], ...]:
    seen: list[tuple[str, str]] = []
    for node in tree.find_all(nodes.Getattr):
        if isinstance(node.node, nodes.Name) and (node.node.name, node.attr) not in seen:
            seen.append((node.node.name, node.attr))
    return tuple(seen)


def holding(rules: RuleSet, kind: str, context: dict) -> list[Rule]:
    """The rules of document ``kind`` whose condition holds for ``context``, most urgent first
    (priority, then file order)."""
    hits: list[tuple[int, int, Rule]] = []
    for order, rule in enumerate(rules.rules):
        if kind not in rule.documents:
            continue
        try:
            holds = bool(rule.condition(**context))
        except (TemplateError, FigureError, TypeError, ValueError, KeyError) as exc:
            raise CommentaryError(f"{rules.path}: rule {rule.id}: condition {rule.when!r}: {exc}") from exc
        if holds:
            hits.append((rule.priority, order, rule))
    return [rule for _, _, rule in sorted(hits, key=lambda h: (h[0], h[1]))]


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
        except (TemplateError, FigureError, TypeError, ValueError, KeyError) as exc:
            raise CommentaryError(f"{rules.path}: rule {rule.id}: text: {exc}") from exc
        out[rule.category].append(Finding(rule.id, rule.category, rule.priority, text, _values(rule, context)))
    return out


def _values(rule: Rule, context: dict) -> dict:
    values = {}
    for name, attr in rule.figures:
        record = context.get(name)
        if isinstance(record, dict) and attr in record:
            value = record[attr]
            values[f"{name}.{attr}"] = value if isinstance(value, (int, float, str, type(None))) else str(value)
    return values
