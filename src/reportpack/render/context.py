"""What a document template sees: the period in words, labels, validation warnings, the subject's
records, the owner's text and the drafted findings."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from functools import lru_cache
from pathlib import Path

from jinja2 import meta, nodes

from reportpack.derive.subjects import Subject
from reportpack.owner import labels as owner_labels
from reportpack.owner import verdicts as owner_verdicts
from reportpack.owner.commentary import HEADING, NEXT_PERIOD, PROBLEMS
from reportpack.owner.packdef import Part
from reportpack.periods import Period
from reportpack.render import commentary, templating
from reportpack.textdata import data_tree


def labels(templates_dir: Path) -> dict:
    """``templates/labels.yaml``: Chinese names of tables, columns, rules and periods (checked)."""
    return owner_labels.load(templates_dir / "labels.yaml").model_dump()


def period_context(period: Period, names: dict) -> dict:
    """The period's numbers (``Period.numbers``) and its names in the documents, from the
    ``periods`` section of ``labels.yaml`` (``half_name`` 上半年, ``next_half_name`` …)."""
    numbers = period.numbers()
    words = {"year": period.year, "next_year": period.year + 1}
    named = {key: str(by_half[numbers["half"]]).format(**words) for key, by_half in names.items()} if numbers["half"] else {}
    return {**numbers, **named}


def base_context(templates_dir: Path, period: Period, warnings: list[dict], dated: date | None = None) -> dict:
    """What every document template sees besides its subject: period (with ``dated``, the 成文日期 of
    the pack definition, the data's last day where none is given; ``addressee``, the 主送 line a
    document's part gives it, none here), validation warnings, labels."""
    found = labels(templates_dir)
    p = {**period_context(period, found["periods"]), "dated": dated or period.end, "addressee": None}
    return {"p": p, "quality_warnings": data_tree(warnings), "labels": found, "owner_sections": {}}


def document_context(
    base: dict, part: Part, subject: Subject, rules: commentary.RuleSet, owner: dict | None = None
) -> tuple[dict, dict[str, list[commentary.Finding]]]:
    """What one document's template sees — period, labels, warnings, the subject's records, the
    owner's text and the drafted findings — and the findings themselves (for findings.json)."""
    context = {**base, **subject.context, "owner": data_tree(owner) if owner else {slot: [] for slot in part.slots}}
    addressee = part.addressee(subject.sub_branch_name, subject.branch_name)  # 主送 (pack definition)
    context["p"] = {**base["p"], "addressee": data_tree(addressee)}
    context["owner_sections"] = owner_sections(part, context["owner"])
    found = commentary.evaluate(rules, part.kind, context)
    if not subject.active:  # closed by period end: it plans nothing, and findings.json says so too
        found = {category: [] if category in NEXT_PERIOD else items for category, items in found.items()}
    context.update(drafted(found))
    # a closed outlet's problems pass to the outlet that took its accounts over: drafted as its own
    # summary drafts them, printed (and listed in findings.json) in the receiving outlet's document —
    # in a document whose template prints them (the summary; not the same outlet's lobby plan)
    handed = []
    others = subject.context.get("handed_over") or ()
    if others and "handed_over" not in names_read(rules.templates_dir, part.template):
        others = ()
    for other in others:
        theirs = commentary.evaluate(rules, part.kind, {**base, **other, "owner": {slot: [] for slot in part.slots}})
        problems = theirs.get(PROBLEMS, [])[: rules.handed_over_problems]  # the most urgent: the list is in priority order
        found.setdefault(PROBLEMS, []).extend(replace(f, about=other["o"]["outlet_name"]) for f in problems)
        handed.append({"o": other["o"], "problems": [f.text for f in problems]})
    context["handed_over"] = handed
    return context, found


def owner_sections(part: Part, owner: dict) -> dict[str, list[dict]]:
    """The sections only owners write (pack definition ``owner_sections``) that this document's owner
    text fills, by the template's place: [{title, texts}]; a section nobody wrote is not there at all."""
    placed: dict[str, list[dict]] = {}
    for section in part.owner_sections:
        if owner.get(section.id):
            placed.setdefault(section.place, []).append({"title": data_tree(section.title), "texts": owner[section.id]})
    return placed


def drafted(found: dict[str, list[commentary.Finding]]) -> dict:
    """What a template sees of the findings: ``findings`` (sentences by category), ``headings``
    (a heading's name → its evaluative word, category 标题) and ``drafted_topics`` (the topics of the
    sentences printed, so a paragraph does not say again what a drafted sentence already said)."""
    return {
        "findings": {category: [f.text for f in items] for category, items in found.items() if category != HEADING},
        "headings": {f.topic: f.text for f in found.get(HEADING, [])},
        "drafted_topics": sorted({f.topic for category, items in found.items() if category != HEADING for f in items}),
    }


@lru_cache(maxsize=64)
def _read_by(templates_dir: Path, template: str, mtime_ns: int) -> frozenset[tuple[str, str]]:
    """The ``variable.attribute`` paths a template's text reads (its own source: a macro's reads
    are the template's that calls it with the record)."""
    env = templating.environment(templates_dir)
    tree = env.parse((templates_dir / template).read_text("utf-8"))
    return frozenset((n.node.name, n.attr) for n in tree.find_all(nodes.Getattr) if isinstance(n.node, nodes.Name))


def names_read(templates_dir: Path, template: str) -> frozenset[str]:
    """The context names a template reads (its own source)."""
    return _names_read(templates_dir, template, (templates_dir / template).stat().st_mtime_ns)


@lru_cache(maxsize=64)
def _names_read(templates_dir: Path, template: str, mtime_ns: int) -> frozenset[str]:
    env = templating.environment(templates_dir)
    return frozenset(meta.find_undeclared_variables(env.parse((templates_dir / template).read_text("utf-8"))))


# verdict variables a template reads row by row from a list of its context: r in plan
ROWS = {"r": "plan"}


def verdicts_read(templates_dir: Path, template: str, context: dict) -> list[dict]:
    """The verdicts (``templates/verdicts.yaml``) a document's template chose its words by, each
    with its value, the figures it compared and its threshold — for ``findings.json``, beside the
    drafted sentences (whose own figures, verdicts included, the findings carry)."""
    path = templates_dir / template
    read = _read_by(templates_dir, template, path.stat().st_mtime_ns)
    out = []
    for v in owner_verdicts.load(templates_dir / "verdicts.yaml").verdicts:
        if (v.variable, v.id) not in read:
            continue
        if v.variable in ROWS:  # a list the template reads row by row (r in plan)
            named = [(f"{v.variable}[{row.get('name', i)}]", row) for i, row in enumerate(context.get(ROWS[v.variable]) or [])]
        else:
            named = [(v.variable, context.get(v.variable))]
        for name, record in named:
            if not isinstance(record, dict) or v.id not in record:
                continue
            figures = {f"{name}.{v.value}": record.get(v.value)}
            if isinstance(v.reference, str):
                figures[f"{name}.{v.reference}"] = record.get(v.reference)
            else:
                figures["reference"] = v.reference
            figures |= {"digits": v.digits, "tolerance": v.tolerance, "margin": v.margin}
            out.append(
                {
                    "rule": f"verdict:{v.id}",
                    "category": "判断",
                    "topic": v.id,
                    "priority": 0,
                    "text": f"{name}.{v.id} = {record[v.id]}",
                    "figures": {k: (x if isinstance(x, int | float | str | type(None)) else str(x)) for k, x in figures.items()},
                }
            )
    return out
