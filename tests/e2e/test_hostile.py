"""Hostile warehouse data (issue #16): every finding of the red team's pass, reproduced on a copy of
the sample warehouse, and what happens now."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from docx import Document

from reportpack import names, pipeline
from reportpack.errors import DataFailedValidation
from reportpack.render.pdf import text as pdf_text
from reportpack.render.pdf import to_pdf
from tests import hostile
from tests.conftest import ROOT, require_tool

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
FORGED = "长江路[[分理处||伪造批注]]|x\n李 Nan"
S1_OUTLETS = ("BR01-S001-O00001", "BR01-S001-O00004")  # two outlets of 城东支行


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def test_hostile_ids_and_names_stay_inside_the_pack_and_lose_no_document(warehouse, make_settings, tmp_path):
    """Finding 1 (a unit id ``../../…/PWNED`` wrote documents outside the output root; ``../../etc/x``
    overwrote one outlet's summary with its lobby plan) and finding 3 (names Windows cannot hold, a
    10,000-character name): every document is in the pack, under a portable name."""
    hostile.rename_unit(warehouse, S1_OUTLETS[0], "../../../../../../x/PWNED")
    hostile.set_unit_name(warehouse, S1_OUTLETS[1], "../../etc/x")
    hostile.set_unit_name(warehouse, "BR01-S002", "城西<支行>\"'?*")
    hostile.set_unit_name(warehouse, "BR01-S002-O00002", "中山路" * 3334)
    hostile.set_unit_name(warehouse, "BR01-S001-O00007", FORGED)  # finding 4
    output = tmp_path / "output"
    before = _files(tmp_path) - _files(output)
    published = pipeline.run_all(make_settings(warehouse, output), "2023H1")

    assert _files(tmp_path) - _files(output) == before  # nothing written beside the output folder
    manifest = json.loads((published / "manifest.json").read_text("utf-8"))
    docs = [f["path"] for f in manifest["files"] if f["path"].endswith(".docx")]
    kinds = {}
    for f in manifest["files"]:
        kinds[f["kind"]] = kinds.get(f["kind"], 0) + 1
    assert kinds["outlet_half_year_summary"] == 22 and kinds["lobby_plan"] == 21 and kinds["compilation"] == 3
    for doc in docs:
        assert (published / doc).is_file()
        for part in Path(doc).parts:
            assert names.portable(part.removesuffix(".docx"), ".docx" if part.endswith(".docx") else "") == part
    pwned = [d for d in docs if "PWNED" in d]
    assert pwned and all(d.split("/")[1] == "城东支行" for d in pwned)  # in its own sub-branch's folder, no further

    # finding 4: a name holding the text form's marks prints as itself, forges no review comment,
    # and LibreOffice opens the document
    forged = published / next(d for d in docs if d.startswith("outlets/") and "BR01-S001-O00007" in d)
    with zipfile.ZipFile(forged) as z:
        assert "伪造批注" not in (z.read("word/comments.xml").decode() if "word/comments.xml" in z.namelist() else "")
    assert Document(str(forged)).paragraphs[0].text.startswith(FORGED)
    require_tool("soffice", "pdftotext")
    (pdf,) = to_pdf([forged], tmp_path / "pdf", ROOT / "templates" / "fonts" / "fonts.conf")
    assert "长江路[[分理处||伪造批注]]|x" in pdf_text(pdf)


def test_two_sub_branches_with_one_name_stop_the_pack_naming_both(warehouse, make_settings, tmp_path):
    """Finding 3: two sub-branches named alike made 2 compilations instead of 3, and said "published"."""
    hostile.set_unit_name(warehouse, "BR01-S002", "城东支行")
    settings = make_settings(warehouse, tmp_path / "output")
    with pytest.raises(DataFailedValidation, match=r"same parent share a name") as caught:
        pipeline.run_all(settings, "2023H1")
    assert "BR01-S001 城东支行" in str(caught.value) and "BR01-S002 城东支行" in str(caught.value)
    assert not (tmp_path / "output" / "2023H1").exists()


def test_ids_that_differ_only_in_case_stop_the_pack_naming_both(warehouse, make_settings, tmp_path):
    """Finding 3: ``A`` and ``a`` are one file on Windows and macOS — one document would replace the
    other. (Names equal in every letter are stopped earlier, by a source rule of ``org_unit``.)"""
    hostile.rename_unit(warehouse, S1_OUTLETS[1], S1_OUTLETS[0].lower())
    hostile.set_unit_name(warehouse, S1_OUTLETS[0], "Jiefang路")
    hostile.set_unit_name(warehouse, S1_OUTLETS[0].lower(), "jiefang路")
    settings = make_settings(warehouse, tmp_path / "output")
    with pytest.raises(DataFailedValidation, match=r"case") as caught:
        pipeline.run_all(settings, "2023H1")
    assert S1_OUTLETS[0] in str(caught.value) and S1_OUTLETS[0].lower() in str(caught.value)
    assert not (tmp_path / "output" / "2023H1").exists()


def test_a_missing_table_or_column_is_a_schema_error_naming_them(warehouse, make_settings, tmp_path):
    """Finding 7: a missing table was retried as "warehouse unreachable" for ten minutes. Now it is
    a data error (never retried: see run_validation_phase) naming every table and column missing."""
    from reportpack.warehouse.schema import SchemaMismatch

    hostile.execute(warehouse, ("drop table meeting", {}), ("alter table staff drop column hired_on", {}))
    with pytest.raises(SchemaMismatch, match=r"lacks 2 of what the pack reads: table meeting, column staff.hired_on"):
        pipeline.run_all(make_settings(warehouse, tmp_path / "output"), "2023H1")
    assert not (tmp_path / "output" / "2023H1").exists()
