"""Contract: every template of every shipped pack renders for every subject of the sample warehouse,
uses only the variables its context provides, and produces the structure of its document kind."""

from pathlib import Path

import pandas as pd
import pytest
from jinja2 import meta

from reportpack.derive import plans, subjects
from reportpack.owner import packdef
from reportpack.owner import targets as owner_targets
from reportpack.periods import Period
from reportpack.render import commentary, document, templating
from reportpack.render.context import base_context, document_context, drafted
from reportpack.render.documents import part_subjects
from tests.unit.judged import judged, sub_branch

ROOT = Path(__file__).resolve().parents[3]
TEMPLATES = ROOT / "templates"
PACKS = sorted(p.stem for p in (TEMPLATES / "packs").glob("*.yaml"))
DEFAULT = packdef.load(packdef.path_of(TEMPLATES, "half_year"), TEMPLATES)
SUMMARY_SECTIONS = ("完成情况", "主要工作及成效", "存在的问题", "工作计划")
PLAN_SECTIONS = ("工作目标", "主要措施", "保障措施")


@pytest.fixture(scope="module")
def by_subject(sample_figures):
    return subjects.build(sample_figures)


@pytest.fixture(scope="module")
def base():
    return base_context(TEMPLATES, Period.parse("2023H1"), [])


RULES = commentary.load(TEMPLATES / "commentary.yaml", TEMPLATES)


def _render(part, subject, base, owner=None):
    context, _ = document_context(base, part, subject, RULES, owner)
    return templating.render(TEMPLATES, part.template, context)


@pytest.mark.parametrize("kind", [p.kind for p in DEFAULT.parts])
def test_every_subject_renders_with_the_sections_of_its_kind(kind, by_subject, base):
    part = DEFAULT.part(kind)
    assert by_subject[part.subject], f"the sample warehouse has no {part.subject}"
    for subject in part_subjects(part, by_subject):  # what the pack renders: no plan for a closed outlet
        blocks = document.parse(_render(part, subject, base), part.template)  # refuses xxx, {{, None, nan
        sections = [b.plain for b in blocks if b.kind == "heading" and b.level == 1]
        expected = SUMMARY_SECTIONS if kind.endswith("_summary") else PLAN_SECTIONS
        if "撤并及移交情况" in sections:  # a closed outlet: its problems and its next half year pass on
            expected = ("完成情况", "主要工作及成效", "撤并及移交情况")
        if kind == "ops_manager_summary" and not subject.active:  # left the outlet: the successor plans
            expected = SUMMARY_SECTIONS[:3]
            assert not any("工作计划" in s for s in sections), (subject.key, sections)
        if not kind.endswith("_summary") and sections[:1] == ["存在的问题"]:
            sections = sections[1:]  # a plan may open with the problems it answers (篇七, as the seed)
        assert len(sections) >= len(expected), (subject.key, sections)
        for want, got in zip(expected, sections):
            assert want in got, (subject.key, sections)
        kinds = [b.kind for b in blocks]
        assert kinds[0] == "title" and kinds[-1] == "signature"
        assert "table" in kinds and "chart" in kinds, (subject.key, kind)
        if kind.endswith("_summary") and "存在的问题" in sections:  # a summary states its problems as 一是…二是…
            problems = kinds[[b.plain for b in blocks].index("存在的问题") + 1 :]
            _, found = document_context(base, part, subject, RULES)
            # a problem stands only on its data: with none found, a paragraph says what the figures show
            assert problems[0] == ("enum_item" if found["问题"] else "paragraph"), (subject.key, found["问题"])


@pytest.mark.parametrize("kind", [p.kind for p in DEFAULT.parts])
def test_owner_text_of_every_slot_reaches_the_document(kind, by_subject, base):
    part = DEFAULT.part(kind)
    subject = by_subject[part.subject][0]
    owner = {slot: [f"负责人补充：{slot}第一条。"] for slot in part.slots}
    plain = [b.plain for b in document.parse(_render(part, subject, base, owner), part.template)]
    for slot in part.slots:
        assert f"负责人补充：{slot}第一条。" in plain, (kind, slot)


def _context_names(part, by_subject, base) -> set[str]:
    return set(base) | set(by_subject[part.subject][0].context) | {"owner"} | set(drafted({}))


@pytest.mark.parametrize("pack", PACKS)
def test_templates_use_only_variables_their_context_provides(pack, by_subject, base):
    definition = packdef.load(packdef.path_of(TEMPLATES, pack), TEMPLATES)
    env = templating.environment(TEMPLATES)
    for part in definition.parts:
        source = (TEMPLATES / part.template).read_text("utf-8")
        undeclared = meta.find_undeclared_variables(env.parse(source))
        assert undeclared <= _context_names(part, by_subject, base), (part.template, undeclared)
    if definition.compilation_template is None:  # e.g. the monthly brief: one document per sub-branch
        return
    compilation = meta.find_undeclared_variables(env.parse((TEMPLATES / definition.compilation_template).read_text("utf-8")))
    sub_context = set(by_subject["sub_branch"][0].context)
    assert compilation <= set(base) | sub_context | {"parts", "pack", "documents_total"}, compilation


@pytest.mark.parametrize(
    "kind, record, field",
    [
        ("teller_plan", "t", "transactions_per_day"),
        ("lobby_plan", "lobby", "referrals"),
        ("finance_plan", "budget_total", "actual"),
        ("confidentiality_plan", "bank", "pledged"),
        ("ops_manager_summary", "m", "inspections_done"),
        ("accounting_plan", "sub", "findings"),
    ],
)
def test_a_missing_figure_fails_naming_template_and_line(kind, record, field, by_subject, base):
    part = DEFAULT.part(kind)
    subject = by_subject[part.subject][0]
    broken = {**subject.context, record: {k: v for k, v in subject.context[record].items() if k != field}}
    with pytest.raises(templating.TemplateRenderError, match=rf"{part.template}:line \d+: .*'{field}'"):
        templating.render(
            TEMPLATES,
            part.template,
            {
                **base,
                **broken,
                "owner": {s: [] for s in part.slots},
                **drafted({}),
                "findings": {c: [] for c in commentary.CATEGORIES},
            },
        )


def _with(subject, name: str, **changes):
    """``subject`` with its record ``name`` changed."""
    from dataclasses import replace

    return replace(subject, context={**subject.context, name: {**subject.context[name], **changes}})


@pytest.mark.parametrize(
    ("rate", "wording"), [(1.0, "首问解决率保持100%。"), (0.9, "首问解决率不低于90%。"), (0.5, "首问解决率不低于80%。")]
)
def test_a_lobby_target_never_asks_for_what_is_already_reached(by_subject, base, rate, wording):
    part = DEFAULT.part("lobby_plan")
    subject = by_subject[part.subject][0]
    lobby = pd.DataFrame([{**subject.context["lobby"], "first_contact_rate": rate}]).infer_objects()
    lobby = judged("lobby", plans.lobby_targets(lobby, owner_targets.plan_targets(TEMPLATES / "targets.yaml")[1]))[0]
    text = _render(part, _with(subject, "lobby", **lobby), base)
    assert wording in text and "不低于100%" not in text


@pytest.mark.parametrize(("found", "at_outlet", "wording"), [(3, 3, None), (3, 4, "（同期本网点柜员共发生业务差错4笔）")])
def test_a_manager_says_how_many_errors_the_outlet_had_beside_those_they_found(by_subject, base, found, at_outlet, wording):
    """The teller plans count every error at the outlet; a manager who found 3 of its 4 says so, or
    the two documents side by side disagree (肖娟 "发现柜员业务差错3笔", the tellers' plans 4)."""
    part = DEFAULT.part("ops_manager_summary")
    subject = by_subject[part.subject][0]
    m = {**subject.context["m"], "errors_found": found, "errors_corrected": found, "teller_errors": at_outlet}
    m = judged("ops_managers", {**m, "errors_found_by_others": max(at_outlet - found, 0)})
    text = _render(part, _with(subject, "m", **m), base)
    assert "发现柜员业务差错3笔，已全部整改" in text
    assert ("同期本网点柜员共发生业务差错" in text) == (wording is not None)
    assert wording is None or wording in text


def test_an_incoming_manager_accounts_for_the_open_errors_handed_over(by_subject, base):
    """蒋英 "尚有1笔差错未整改完毕…交由朱娥跟进整改": 朱娥's summary says she took it over."""
    part = DEFAULT.part("ops_manager_summary")
    subject = by_subject[part.subject][0]
    m = judged("ops_managers", {**subject.context["m"], "predecessor_name": "蒋英", "inherited_errors_open": 1})
    text = _render(part, _with(subject, "m", **m), base)
    assert "接手时蒋英移交未整改的差错1笔，由我跟进整改。\n" in text
    plain = _render(part, _with(subject, "m", **judged("ops_managers", {**m, "inherited_errors_open": 0})), base)
    assert "接手时" not in plain


@pytest.mark.parametrize(("held", "wording"), [(6, None), (4, "上半年未举办的2期培训在下半年补齐")])
def test_an_accounting_plan_makes_up_training_only_when_some_was_not_held(by_subject, base, held, wording):
    part = DEFAULT.part("accounting_plan")
    subject = _with(by_subject[part.subject][0], "sub", sessions_planned=6, sessions_held=held)
    subject.context["sub"] = sub_branch(subject.context["sub"], subject.context["outlets"])  # derive's figures of it
    text = _render(part, subject, base)
    assert ("补齐" in text) == (wording is not None) and (wording is None or wording in text)
