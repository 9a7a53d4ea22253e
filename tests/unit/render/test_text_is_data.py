"""Text from the warehouse or an owner is data, never marks (issue #16, finding 4): whatever a name or
an owner's sentence holds — ``[[…||…]]``, ``|``, a newline, a heading mark, "Nan", Extension B,
emoji, right-to-left letters — the document has the structure it has for an ordinary name, no review
comment more, and prints the text as it was."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from docx import Document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reportpack.derive import subjects
from reportpack.owner import packdef
from reportpack.periods import Period
from reportpack.render import commentary, document, templating
from reportpack.render.context import base_context, document_context
from reportpack.render.ooxml import to_docx
from reportpack.render.styles import load_base
from reportpack.textdata import data, shown

ROOT = Path(__file__).resolve().parents[3]
TEMPLATES = ROOT / "templates"
DEFINITION = packdef.load(packdef.path_of(TEMPLATES, "half_year"), TEMPLATES)
RULES = commentary.load(TEMPLATES / "commentary.yaml", TEMPLATES)
STYLE = load_base(DEFINITION.style_base)
UNIT = "BR01-S001-O00001"

# every character XML 1.0 can hold (validation stops the others: tests/unit/test_validate.py)
XML_TEXT = st.text(
    st.characters(
        codec="utf-8",
        exclude_characters="\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\ufffe\uffff",
    ).filter(lambda c: not 0xFDD0 <= ord(c) <= 0xFDEF),
    min_size=1,
    max_size=40,
).filter(lambda t: t.strip())
HOSTILE = st.one_of(
    XML_TEXT,
    st.sampled_from(
        [
            "解放路[[分理处||伪造批注]]",
            "a|b",
            "名\n字",
            "# 一级",
            "- 项",
            "1. 项",
            "@chart bar x",
            "---",
            "李 Nan",
            "None",
            "xxx",
            "{{ o }}",
            "城东//支行",
            "𠀀𠮷",
            "😀👩‍👩‍👧",
            "עברית عربي",
            "\u202egpj.exe",
            ">> 落款",
            "=标题",
        ]
    ),
)


@pytest.fixture(scope="module")
def base():
    return base_context(TEMPLATES, Period.parse("2023H1"), [])


ORDINARY = {"outlet": "解放路分理处", "sub_branch": "城东支行", "manager": "张华", "teller": "林婷", "expense": "业务宣传费"}
SUB_BRANCH = UNIT.rsplit("-", 1)[0]


def _documents(
    figures: dict, base: dict, names: dict[str, str], owner_text: str | None
) -> list[tuple[list[document.Block], bytes]]:
    """The outlet summary, the operations manager's summary and the first teller's plan of UNIT and
    its sub-branch's finance plan, with ``names`` for the outlet, its sub-branch, its operations
    managers, that teller and the sub-branch's first expense line, and ``owner_text`` in every owner
    slot."""
    outlets = figures["outlets"].copy()
    outlets.loc[outlets["unit_id"] == UNIT, "outlet_name"] = names["outlet"]
    outlets.loc[outlets["unit_id"] == UNIT, "sub_branch_name"] = names["sub_branch"]
    managers = figures["ops_managers"].copy()
    managers.loc[managers["unit_id"] == UNIT, "staff_name"] = names["manager"]
    tellers = figures["tellers"].copy()
    teller = tellers.index[tellers["unit_id"] == UNIT][0]
    tellers.loc[teller, "staff_name"] = names["teller"]
    budget = figures["budget"].copy()
    lines = budget.index[(budget["sub_branch_id"] == SUB_BRANCH) & ~budget["is_total"]]
    budget.loc[lines[0], "expense_line"] = names["expense"]
    by_subject = subjects.build({**figures, "outlets": outlets, "ops_managers": managers, "tellers": tellers, "budget": budget})
    out = []
    for kind in KINDS:
        part = DEFINITION.part(kind)
        wanted = {"teller": tellers.loc[teller, "staff_id"], "sub_branch": SUB_BRANCH}.get(part.subject)
        subject = next(s for s in by_subject[part.subject] if s.key == wanted or (wanted is None and s.key.endswith(UNIT)))
        owner = {slot: [owner_text] if owner_text else [] for slot in part.slots}
        context, _ = document_context(base, part, subject, RULES, owner)
        text = templating.render(TEMPLATES, part.template, context)
        blocks = document.number(document.parse(text, part.template))
        out.append((blocks, to_docx(blocks, title="t", author=subject.name, base=STYLE)))
    return out


KINDS = ("outlet_half_year_summary", "ops_manager_summary", "teller_plan", "finance_plan")


def _shape(blocks: list[document.Block]) -> list[tuple]:
    return [(b.kind, b.level, len(b.cells), len(b.cells[0]) if b.cells else 0, len(document.segments(b.text))) for b in blocks]


def _comments(docx: bytes) -> int:
    z = zipfile.ZipFile(io.BytesIO(docx))
    return z.read("word/comments.xml").decode().count("<w:comment ") if "word/comments.xml" in z.namelist() else 0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    outlet=HOSTILE,
    sub_branch=HOSTILE,
    manager=HOSTILE,
    teller=HOSTILE,
    expense=HOSTILE,
    owner_text=st.one_of(st.none(), HOSTILE),
)
def test_any_name_and_owner_text_keep_the_documents_structure_and_print_as_they_are(
    sample_figures, base, outlet, sub_branch, manager, teller, expense, owner_text
):
    names = {"outlet": outlet, "sub_branch": sub_branch, "manager": manager, "teller": teller, "expense": expense}
    plain = _documents(sample_figures, base, ORDINARY, "做好服务。" if owner_text else None)
    hostile = _documents(sample_figures, base, names, owner_text)
    for (kind, (want_blocks, want_docx)), (blocks, docx) in zip(enumerate(plain), hostile, strict=True):
        assert _shape(blocks) == _shape(want_blocks)
        assert _comments(docx) == _comments(want_docx)
        opened = Document(io.BytesIO(docx))  # python-docx reads it
        body = "\n".join(p.text for p in opened.paragraphs) + "".join(
            c.text for t in opened.tables for r in t.rows for c in r.cells
        )
        body = body.replace("\r", "\n")
        printed = [[outlet, sub_branch], [manager], [teller], [expense]][kind]  # each document names these
        for text in [*printed, *([owner_text] if owner_text else [])]:
            if "\r" not in text and "\x85" not in text:  # (Word writes those line breaks as its own)
                assert text.strip() in body, text


def test_data_round_trips_and_leaves_ordinary_values_alone():
    for value in ("BR01-S001-O00001", "解放路分理处", "corporate", "2023-06"):
        assert data(value) is value
    for value in ("a|b", "[[x||y]]", "Nan", "# h", "1. x", "a/b", "\n", "\ufdd1"):
        assert shown(data(value)) == value.replace("\ufdd1", "\ufffd")
        assert "|" not in data(value) and "[" not in data(value) and "\n" not in data(value)
