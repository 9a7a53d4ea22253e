"""Owner-written input: placed in the right section of the right documents, or refused by name."""

from pathlib import Path

import pytest

from reportpack import inputs, packdef

ROOT = Path(__file__).resolve().parents[2]
DEFINITION = packdef.load(packdef.path_of(ROOT / "templates", "half_year"), ROOT / "templates")
KEYS = {"outlet_half_year_summary": {"O1", "O2"}, "lobby_plan": {"O1", "O2"}}


def _load(tmp_path, body: str, keys=KEYS):
    (tmp_path / "notes.yaml").write_text(body, "utf-8")
    return inputs.load(tmp_path, DEFINITION, keys)


def test_entries_reach_their_unit_or_every_document_of_the_kind(tmp_path):
    entries = _load(tmp_path, """
- document: outlet_half_year_summary
  unit: O1
  section: work_done
  text: [组织开展春天行动营销竞赛。, 完成网点装修。]
- document: outlet_half_year_summary
  section: next_steps
  text: |
    推进网点转型，
    提升客户体验。
""")
    slots = ("work_done", "problems", "next_steps")
    o1 = inputs.for_document(entries, "outlet_half_year_summary", "O1", slots)
    o2 = inputs.for_document(entries, "outlet_half_year_summary", "O2", slots)
    assert o1 == {"work_done": ["组织开展春天行动营销竞赛。", "完成网点装修。"], "problems": [], "next_steps": ["推进网点转型，提升客户体验。"]}
    assert o2 == {"work_done": [], "problems": [], "next_steps": ["推进网点转型，提升客户体验。"]}
    assert inputs.for_document(entries, "lobby_plan", "O1", ("measures",)) == {"measures": []}


def test_no_folder_means_no_input(tmp_path):
    assert inputs.load(tmp_path / "absent", DEFINITION, KEYS) == []


@pytest.mark.parametrize(
    "body, message",
    [
        ("- {document: annual_report, section: work_done, text: a}", r"entry 1: document 'annual_report' is not a part of pack half_year"),
        ("- {document: lobby_plan, section: work_done, text: a}", r"entry 1: section 'work_done' is not a slot of lobby_plan \(slots: \['measures'\]\)"),
        ("- {document: lobby_plan, unit: O9, section: measures, text: a}", r"entry 1: unit 'O9' has no lobby_plan document in this period"),
        ("- {document: lobby_plan, section: measures, text: ''}", "entry 1: text must be a non-empty sentence"),
        ("- {document: lobby_plan, section: measures, text: a, author: me}", r"entry 1: unknown keys \['author'\]"),
        ("document: lobby_plan", "must be a list of entries"),
        ("- {document: lobby_plan, section: measures, text: a}\n- [oops]", "entry 2: an entry is a mapping"),
        ("- {document: lobby_plan, section: measures, text: a\n", "not valid YAML"),
    ],
)
def test_bad_input_names_file_entry_and_rule(tmp_path, body, message):
    with pytest.raises(inputs.InputError, match=message) as caught:
        _load(tmp_path, body)
    assert "notes.yaml" in str(caught.value)


def test_units_are_checked_only_once_known(tmp_path):
    body = "- {document: lobby_plan, unit: O9, section: measures, text: a}"
    assert len(_load(tmp_path, body, keys=None)) == 1
