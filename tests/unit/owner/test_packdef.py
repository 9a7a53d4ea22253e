"""Pack definitions: the shipped ones load; a malformed one names the file, the part and the rule."""

from datetime import date
from pathlib import Path

import pytest

from reportpack.owner import packdef

ROOT = Path(__file__).resolve().parents[3]
TEMPLATES = ROOT / "templates"


def test_the_default_pack_holds_the_seven_kinds_of_the_seed_in_order():
    d = packdef.load(packdef.path_of(TEMPLATES, "half_year"), TEMPLATES)
    assert [p.kind for p in d.parts] == [
        "ops_manager_summary",
        "outlet_half_year_summary",
        "lobby_plan",
        "accounting_plan",
        "finance_plan",
        "teller_plan",
        "confidentiality_plan",
    ]
    assert [p.subject for p in d.parts] == ["ops_manager", "outlet", "outlet", "sub_branch", "sub_branch", "teller", "bank"]
    assert d.style_base == TEMPLATES / "styles" / "gbt9704.docx" and d.level3 == "{n}."


def test_every_shipped_pack_definition_loads():
    names = sorted(p.stem for p in (TEMPLATES / "packs").glob("*.yaml"))
    assert "half_year" in names and "outlet_summaries" in names
    for name in names:
        assert packdef.load(packdef.path_of(TEMPLATES, name), TEMPLATES).parts


GOOD_PART = "  - {kind: k, name: 篇, template: documents/lobby_plan.md.j2, subject: outlet}\n"


@pytest.mark.parametrize(
    "body, message",
    [
        (
            "title: t\ncompilation: {template: documents/compilation.md.j2}\nparts:\n  - {kind: k, name: 篇, template: documents/lobby_plan.md.j2, subject: city}\n",
            r"part 1 \(k\) \(line 4\): subject: Input should be 'outlet', 'ops_manager', 'teller', 'sub_branch' or 'bank'",
        ),
        (
            "title: t\ncompilation: {template: documents/compilation.md.j2}\nparts:\n  - {kind: k, name: 篇, template: documents/nope.md.j2, subject: outlet}\n",
            r"part 1 \(k\) \(line 4\): template: template 'documents/nope.md.j2' does not exist",
        ),
        (
            "title: t\ncompilation: {template: documents/compilation.md.j2}\nparts:\n" + GOOD_PART + GOOD_PART,
            r"part 2 \(k\) \(line 5\): kind: kind 'k' appears twice",
        ),
        (
            "title: t\nnumbering: {level3: '1.'}\ncompilation: {template: documents/compilation.md.j2}\nparts:\n" + GOOD_PART,
            r"line 2: level3: numbering.level3 '1.' must contain \{n\}",
        ),
        (
            "title: t\ncompilation: {template: documents/compilation.md.j2}\nparts:\n  - {kind: k, name: 篇, template: documents/lobby_plan.md.j2, subject: outlet, colour: red}\n",
            r"part 1 \(k\) \(line 4\): colour: unknown key \(allowed: kind, name, template, subject, folder, slots, in_compilation, at_period_end, condensed, addressed_to, owner_sections\)",
        ),
        (
            "title: t\ncompilation: {template: documents/compilation.md.j2}\nparts: []\n",
            r"line 3: parts: List should have at least 1 item",
        ),
        ("compilation: {template: documents/compilation.md.j2}\nparts:\n" + GOOD_PART, r"bad.yaml: line 1: title: required"),
        *(  # issue #16: a folder outside the pack, or one the pack or another part already writes
            (
                "title: t\ncompilation: {template: documents/compilation.md.j2}\nparts:\n"
                + GOOD_PART.replace("subject: outlet", f"subject: outlet, folder: '{folder}'")
                + (
                    "  - {kind: j, name: 篇, template: documents/lobby_plan.md.j2, subject: outlet, folder: Plans}\n"
                    if folder == "plans"
                    else ""
                ),
                r"part \d \([kj]\) \(line \d\): folder: folder '.*' must be one plain name",
            )
            for folder in ("../../x", "a/b", ".hidden", "CON", "validation", "plans")
        ),
        (
            "title: t\nstyle_base: styles/missing.docx\ncompilation: {template: documents/compilation.md.j2}\nparts:\n"
            + GOOD_PART,
            r"line 2: style_base: style_base .*missing.docx does not exist",
        ),
    ],
)
def test_a_malformed_definition_names_file_part_and_rule(tmp_path, body, message):
    path = tmp_path / "bad.yaml"
    path.write_text(body, "utf-8")
    with pytest.raises(packdef.PackDefinitionError, match=message) as caught:
        packdef.load(path, TEMPLATES)
    assert str(path) in str(caught.value)
    assert caught.value.chinese.startswith(f"文件 {path}")  # the same problem for a report owner


@pytest.mark.parametrize(
    ("close", "after", "dated"),
    [
        (date(2023, 6, 30), 3, date(2023, 7, 5)),  # a Friday: Monday, Tuesday, Wednesday
        (date(2023, 12, 31), 3, date(2024, 1, 3)),  # a Sunday: three working days into January
        (date(2023, 6, 30), 0, date(2023, 6, 30)),  # the data's own last day, when the owner says so
    ],
)
def test_a_pack_is_dated_working_days_after_its_data_close(tmp_path, close, after, dated):
    """issue #34: a summary is written after its data close, not on the day they do (成文日期)."""
    shipped = (TEMPLATES / "packs" / "half_year.yaml").read_text("utf-8")
    assert "workdays_after_close: 3" in shipped
    path = tmp_path / "p.yaml"
    path.write_text(shipped.replace("workdays_after_close: 3", f"workdays_after_close: {after}"), "utf-8")
    assert packdef.load(path, TEMPLATES).dated(close) == dated


def test_a_dating_rule_out_of_range_is_refused(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(
        (TEMPLATES / "packs" / "half_year.yaml")
        .read_text("utf-8")
        .replace("workdays_after_close: 3", "workdays_after_close: -1"),
        "utf-8",
    )
    with pytest.raises(packdef.PackDefinitionError, match="workdays_after_close"):
        packdef.load(path, TEMPLATES)


def test_an_unknown_pack_lists_the_known_ones():
    with pytest.raises(packdef.PackDefinitionError, match="known: half_year, monthly_brief, outlet_summaries"):
        packdef.load(packdef.path_of(TEMPLATES, "quarterly"), TEMPLATES)


def test_a_condensed_template_must_exist(tmp_path):
    import shutil

    templates = tmp_path / "templates"
    shutil.copytree(Path(__file__).resolve().parents[3] / "templates", templates)
    path = templates / "packs" / "half_year.yaml"
    path.write_text(path.read_text("utf-8").replace("teller_plans_condensed.md.j2", "nope.md.j2"), "utf-8")
    with pytest.raises(
        packdef.PackDefinitionError, match=r"part 6 \(teller_plan\).*template 'documents/nope.md.j2' does not exist"
    ):
        packdef.load(path, templates)


def test_each_part_addresses_its_documents_as_the_pack_definition_says():
    """主送 per kind (GB/T 9704 7.3.2): the 支行 for an outlet's summary, the 分行 for a 支行's finance
    plan, nobody for a teller's own plan; the names come from the subject."""
    d = packdef.load(TEMPLATES / "packs" / "half_year.yaml", TEMPLATES)
    assert d.part("outlet_half_year_summary").addressee("高新支行", "滨江分行") == "高新支行"
    assert d.part("finance_plan").addressee("高新支行", "滨江分行") == "滨江分行"
    assert d.part("teller_plan").addressee("高新支行", "滨江分行") is None


@pytest.mark.parametrize(
    ("subject", "addressed_to", "message"),
    [
        ("outlet", "{支行}", r"addressed_to '\{支行\}' may name only \{sub_branch\} and \{branch\}"),
        ("outlet", "{sub_branch", r"may name only"),
        ("bank", "{sub_branch}", r"a bank document has no sub-branch"),
    ],
)
def test_an_addressee_naming_what_the_document_does_not_have_is_refused(tmp_path, subject, addressed_to, message):
    path = tmp_path / "p.yaml"
    path.write_text(
        "title: t\nparts:\n  - kind: k\n    name: K\n    template: documents/lobby_plan.md.j2\n"
        f"    subject: {subject}\n    addressed_to: '{addressed_to}'\n",
        "utf-8",
    )
    with pytest.raises(packdef.PackDefinitionError, match=message) as caught:
        packdef.load(path, TEMPLATES)
    assert "line 7" in str(caught.value) and "主送" in caught.value.chinese
