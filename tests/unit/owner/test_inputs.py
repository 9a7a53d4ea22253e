"""Owner-written input: placed in the right section of the right documents, or refused by name."""

from pathlib import Path

import pytest

from reportpack.owner import inputs, packdef

ROOT = Path(__file__).resolve().parents[3]
DEFINITION = packdef.load(packdef.path_of(ROOT / "templates", "half_year"), ROOT / "templates")
KEYS = {"outlet_half_year_summary": {"O1", "O2"}, "lobby_plan": {"O1", "O2"}}


def _load(tmp_path, body: str, keys=KEYS):
    (tmp_path / "notes.yaml").write_text(body, "utf-8")
    return inputs.load(tmp_path, DEFINITION, keys)


def test_entries_reach_their_unit_or_every_document_of_the_kind(tmp_path):
    entries = _load(
        tmp_path,
        """
- document: outlet_half_year_summary
  unit: O1
  section: work_done
  text: [组织开展春天行动营销竞赛。, 完成网点装修。]
- document: outlet_half_year_summary
  section: next_steps
  text: |
    推进网点转型，
    提升客户体验。
""",
    )
    slots = ("work_done", "problems", "next_steps")
    o1 = inputs.for_document(entries, "outlet_half_year_summary", "O1", slots)
    o2 = inputs.for_document(entries, "outlet_half_year_summary", "O2", slots)
    assert o1 == {
        "work_done": ["组织开展春天行动营销竞赛。", "完成网点装修。"],
        "problems": [],
        "next_steps": ["推进网点转型，提升客户体验。"],
    }
    assert o2 == {"work_done": [], "problems": [], "next_steps": ["推进网点转型，提升客户体验。"]}
    assert inputs.for_document(entries, "lobby_plan", "O1", ("measures",)) == {"measures": []}


def test_no_folder_means_no_input(tmp_path):
    assert inputs.load(tmp_path / "absent", DEFINITION, KEYS) == []


@pytest.mark.parametrize(
    "body, message",
    [
        (
            "- {document: annual_report, section: work_done, text: a}",
            r"entry 1 \(line 1\): document 'annual_report' is not a part of pack half_year",
        ),
        (
            "- {document: lobby_plan, section: work_done, text: a}",
            r"entry 1 \(line 1\): section 'work_done' is not a slot of lobby_plan \(slots: \['measures'\]\)",
        ),
        (
            "- {document: lobby_plan, unit: O9, section: measures, text: a}",
            r"entry 1 \(line 1\): unit 'O9' has no lobby_plan document in this period",
        ),
        (
            "- {document: lobby_plan, section: measures, text: ''}",
            r"entry 1 \(line 1\): text: String should have at least 1 character",
        ),
        (
            "- {document: lobby_plan, section: measures, text: a, author: me}",
            r"entry 1 \(line 1\): author: unknown key \(allowed: document, unit, section, text\)",
        ),
        ("document: lobby_plan", r"notes.yaml: line 1: Input should be a valid list"),
        (
            "- {document: lobby_plan, section: measures, text: a}\n- [oops]",
            r"entry 2 \(line 2\): Input should be a valid dictionary or instance of EntrySpec",
        ),
        ("- {document: lobby_plan, section: measures, text: a\n", "not valid YAML"),
    ],
)
def test_bad_input_names_file_entry_and_rule(tmp_path, body, message):
    with pytest.raises(inputs.OwnerInputError, match=message) as caught:
        _load(tmp_path, body)
    assert "notes.yaml" in str(caught.value)
    assert caught.value.chinese.startswith("文件 ") and "notes.yaml" in caught.value.chinese


def test_units_are_checked_only_once_known(tmp_path):
    body = "- {document: lobby_plan, unit: O9, section: measures, text: a}"
    assert len(_load(tmp_path, body, keys=None)) == 1


def _workbook(path, rows):
    from openpyxl import Workbook

    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    wb.save(path)


def test_an_excel_sheet_works_like_a_yaml_file(tmp_path):
    _workbook(
        tmp_path / "城东支行.xlsx",
        [
            ("document", "unit", "section", "text"),
            ("outlet_half_year_summary", "O1", "work_done", "组织开展春天行动营销竞赛。"),
            (None, None, None, None),  # an empty row is skipped
            ("lobby_plan", None, "measures", "增设爱心座椅。"),
        ],
    )
    entries = inputs.load(tmp_path, DEFINITION, KEYS)
    assert inputs.for_document(entries, "outlet_half_year_summary", "O1", ("work_done",)) == {
        "work_done": ["组织开展春天行动营销竞赛。"]
    }
    assert inputs.for_document(entries, "lobby_plan", "O2", ("measures",)) == {"measures": ["增设爱心座椅。"]}
    assert [e.source for e in entries] == ["城东支行.xlsx row 2", "城东支行.xlsx row 4"]


def test_a_bad_excel_row_is_named_by_its_row_number(tmp_path):
    _workbook(
        tmp_path / "notes.xlsx",
        [("document", "unit", "section", "text"), ("lobby_plan", "O1", "measures", "a"), ("lobby_plan", "O9", "measures", "b")],
    )
    with pytest.raises(inputs.OwnerInputError, match=r"notes\.xlsx: row 3: unit 'O9' has no lobby_plan document"):
        inputs.load(tmp_path, DEFINITION, KEYS)
    _workbook(tmp_path / "notes.xlsx", [("文稿", "网点", "内容")])
    with pytest.raises(inputs.OwnerInputError, match=r"notes\.xlsx: the first row must name the columns"):
        inputs.load(tmp_path, DEFINITION, KEYS)
    (tmp_path / "notes.xlsx").write_text("not a workbook", "utf-8")
    with pytest.raises(inputs.OwnerInputError, match=r"notes\.xlsx: not a readable Excel workbook"):
        inputs.load(tmp_path, DEFINITION, KEYS)


@pytest.mark.parametrize(
    ("escaped", "code", "position"),
    [("\\x01", "U+0001", 3), ("\\0", "U+0000", 3), ("\\uFFFF", "U+FFFF", 3), ("\\uFDD0", "U+FDD0", 3)],
)
def test_owner_text_a_word_document_cannot_hold_is_refused_naming_file_entry_and_position(tmp_path, escaped, code, position):
    """Issue #33: a control character in owner text (a YAML escape) was accepted and published Word
    files that do not open. It is refused like a bad warehouse name: file, entry, key and position."""
    body = f'- document: lobby_plan\n  section: measures\n  text: "增设{escaped}爱心座椅。"\n'
    with pytest.raises(inputs.OwnerInputError) as caught:
        _load(tmp_path, body)
    message = str(caught.value)
    assert "notes.yaml" in message and "entry 1" in message and "text" in message
    assert f"character {position} is {code}" in message and f"第{position}个字符是 {code}" in message
    # in a list of sentences, which sentence; a tab or a line break is text, not refused
    with pytest.raises(inputs.OwnerInputError, match=r"sentence 2, character 1 is U\+0007"):
        _load(tmp_path, '- document: lobby_plan\n  section: measures\n  text: ["好。", "\\a坏。"]\n')
    assert _load(tmp_path, '- document: lobby_plan\n  section: measures\n  text: "增设\\t爱心座椅。"\n')
