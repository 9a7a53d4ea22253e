"""Sections only owners can write (党建引领 …): named in the pack definition, placed where it says,
printed only when written, and listed as missing when not (issue #34 point 4)."""

from pathlib import Path

import pytest

from reportpack.owner import inputs, packdef
from reportpack.render import document, templating
from reportpack.render.context import owner_sections
from tests.unit.render.test_templating import OUTLET_TEMPLATE, _context

ROOT = Path(__file__).resolve().parents[3]
TEMPLATES = ROOT / "templates"
DEFINITION = packdef.load(packdef.path_of(TEMPLATES, "half_year"), TEMPLATES)
SUMMARY = DEFINITION.part("outlet_half_year_summary")
KEYS = {"outlet_half_year_summary": {"O1", "O2", "O3"}}
DOCUMENTS = {"outlet_half_year_summary": [("O1", "人民路网点"), ("O2", "胜利路网点"), ("O3", "文化路网点")]}


def _entries(tmp_path, body: str):
    (tmp_path / "notes.yaml").write_text(body, "utf-8")
    return inputs.load(tmp_path, DEFINITION, KEYS)


def _rendered(owner: dict) -> list[document.Block]:
    context = {**_context(), "owner": owner, "owner_sections": owner_sections(SUMMARY, owner)}
    return document.parse(templating.render(TEMPLATES, OUTLET_TEMPLATE, context))


def test_the_shipped_definition_asks_owners_for_the_party_building_section_of_each_outlet_summary():
    (section,) = SUMMARY.owner_sections
    assert (section.id, section.title, section.place) == ("party_building", "坚持党建引领", "start")
    assert "party_building" in SUMMARY.slots  # owners name it in inputs/ like any slot


def test_a_written_section_is_a_heading_at_its_place_and_an_unwritten_one_leaves_nothing_behind():
    owner = {slot: [] for slot in SUMMARY.slots}
    headings = [b.text for b in _rendered(owner) if b.kind == "heading" and b.level == 1]
    assert "坚持党建引领" not in headings and headings[0] == "上半年主要指标完成情况"  # no empty heading, no placeholder
    owner["party_building"] = ["深入开展主题教育，支部书记讲党课2次。", "落实“一岗双责”，开展清廉金融文化进网点活动。"]
    blocks = _rendered(owner)
    headings = [b.text for b in blocks if b.kind == "heading" and b.level == 1]
    assert headings[:2] == ["坚持党建引领", "上半年主要指标完成情况"]  # first, before the figures
    at = next(i for i, b in enumerate(blocks) if b.text == "坚持党建引领")
    assert [b.text for b in blocks[at + 1 : at + 3]] == owner["party_building"]


def test_sections_missing_are_listed_per_document_and_one_written_for_all_counts_for_all(tmp_path):
    entries = _entries(
        tmp_path,
        "- {document: outlet_half_year_summary, unit: O2, section: party_building, text: 开展主题教育。}\n",
    )
    (missing,) = inputs.missing_sections(DEFINITION, entries, DOCUMENTS)
    assert missing == {
        "document": "网点工作总结",
        "kind": "outlet_half_year_summary",
        "section": "坚持党建引领",
        "id": "party_building",
        "missing": ["人民路网点", "文化路网点"],
        "of": 3,
    }
    for_all = _entries(tmp_path, "- {document: outlet_half_year_summary, section: party_building, text: 开展主题教育。}\n")
    assert inputs.missing_sections(DEFINITION, for_all, DOCUMENTS) == []


@pytest.mark.parametrize(
    ("section", "message"),
    [
        (
            "{id: party_building, title: 党建, place: middle}",
            r"place 'middle' is not an anchor of .*\(anchors: start, after_work, end\)",
        ),
        ("{id: work_done, title: 党建, place: start}", r"owner section 'work_done' is named twice"),
    ],
)
def test_a_section_the_template_cannot_place_or_named_twice_is_refused(tmp_path, section, message):
    path = tmp_path / "p.yaml"
    path.write_text(
        "title: t\nparts:\n  - kind: outlet_half_year_summary\n    name: 网点工作总结\n"
        "    template: documents/outlet_half_year_summary.md.j2\n    subject: outlet\n    slots: [work_done]\n"
        f"    owner_sections:\n      - {section}\n",
        "utf-8",
    )
    with pytest.raises(packdef.PackDefinitionError, match=message) as caught:
        packdef.load(path, TEMPLATES)
    assert "line 9" in str(caught.value)
