"""File names from any text: portable, bounded, distinct; collisions and escapes refused."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reportpack import names

# any Unicode scalar value, surrogates included (a warehouse driver can hand those over)
ANY_TEXT = st.text(st.characters(codec=None, categories=None), max_size=300)
WINDOWS_FORBIDDEN = set('<>:"/\\|?*') | {chr(c) for c in range(32)}


@settings(max_examples=400, deadline=None)
@given(ANY_TEXT, st.sampled_from(["", ".docx"]))
def test_any_text_becomes_a_name_every_file_system_holds(text, suffix):
    name = names.portable(text, suffix)
    stem = name.removesuffix(suffix)
    assert name.endswith(suffix) and stem
    assert not WINDOWS_FORBIDDEN & set(name)
    assert not stem.startswith(".") and not stem.endswith((".", " ")) and not stem.startswith(" ")
    assert stem.split(".")[0].upper().rstrip(" ") not in {"CON", "PRN", "AUX", "NUL", "COM1", "LPT1"}
    assert len(name.encode("utf-16-le")) // 2 <= names.MAX_UNITS
    assert len(name.encode("utf-8")) <= names.MAX_BYTES
    assert all(unicodedata.category(c) not in ("Cc", "Cs", "Zl", "Zp") for c in name)
    assert names.portable(text, suffix) == name  # stable


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT, ANY_TEXT)
def test_different_texts_get_different_names(a, b):
    if unicodedata.normalize("NFC", a) != unicodedata.normalize("NFC", b):
        assert names.portable(a) != names.portable(b)


@settings(max_examples=100, deadline=None)
@given(ANY_TEXT)
def test_the_name_can_be_created_and_stays_inside_its_folder(tmp_path_factory, text):
    folder = tmp_path_factory.mktemp("names")
    path = names.inside(folder, names.portable(text, ".docx"))
    path.write_bytes(b"x")
    assert [p.name for p in folder.iterdir()] == [path.name]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("U0001_解放路分理处", "U0001_解放路分理处"),  # an ordinary name is itself
        ("李 Nan", "李 Nan"),
        ("𠀀𠀁 emoji 😀 עברית", "𠀀𠀁 emoji 😀 עברית"),  # Extension B, emoji and RTL letters are fine
    ],
)
def test_ordinary_names_are_kept_as_they_are(text, expected):
    assert names.portable(text) == expected


@pytest.mark.parametrize(
    "text", ["../../../../x/PWNED", "..", ".", "CON", "nul.txt", "a/b", "a\\b", "x\u202egpj.exe", "名\n字", ""]
)
def test_hostile_names_are_repaired_and_tagged_with_a_hash_of_the_original(text):
    name = names.portable(text)
    assert "/" not in name and "\\" not in name and name not in (".", "..")
    assert name.endswith("~" + __import__("hashlib").sha256(text.encode()).hexdigest()[:8])


def test_a_long_name_is_cut_and_tagged():
    name = names.portable("解放路" * 4000, ".docx")
    assert name.startswith("解放路解放路") and name.endswith(".docx") and "~" in name
    assert names.portable("解放路" * 4000 + "甲", ".docx") != name


def test_a_collision_names_both_sources_even_when_only_the_case_differs():
    names.claim([("outlets/a/U1.docx", "outlet U1"), ("outlets/a", "sub-branch S1"), ("outlets/a", "sub-branch S1")])
    with pytest.raises(names.NameCollision, match=r"outlet u1.*outlet U1|outlet U1.*outlet u1") as caught:
        names.claim([("outlets/U1.docx", "outlet U1"), ("outlets/u1.docx", "outlet u1")])
    assert "case" in str(caught.value)
    with pytest.raises(names.NameCollision, match="sub-branch S1 .*sub-branch S2"):
        names.claim([("sub-branch:城东支行", "sub-branch S1 (城东支行)"), ("sub-branch:城东支行", "sub-branch S2 (城东支行)")])


def test_a_path_that_resolves_outside_its_folder_is_refused(tmp_path):
    (tmp_path / "pack").mkdir()
    (tmp_path / "pack" / "link").symlink_to(tmp_path)
    assert names.inside(tmp_path / "pack", "a/b.docx") == tmp_path / "pack" / "a" / "b.docx"
    for bad in ("../x.docx", "/etc/passwd", "link/x.docx"):
        with pytest.raises(names.OutsideFolder, match="outside"):
            names.inside(tmp_path / "pack", bad)
