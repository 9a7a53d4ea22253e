"""Each document kind reads as its reviewed golden rendition (tests/golden/<kind>.txt).

A difference is not necessarily a bug: if the change is intended, run ``make golden`` and review
``git diff tests/golden`` like code."""

import difflib

import pytest

from tests.conftest import figures_of
from tests.golden import FOLDER, PACKS, renditions


@pytest.fixture(scope="module")
def rendered(sample_figures, sample_url):
    monthly = figures_of(sample_url, PACKS["monthly_brief"])
    return {**renditions(sample_figures), **renditions(monthly, "monthly_brief")}


def test_every_kind_has_a_golden_rendition(rendered):
    assert sorted(rendered) == sorted(p.stem for p in FOLDER.glob("*.txt"))


@pytest.mark.parametrize("kind", sorted(p.stem for p in FOLDER.glob("*.txt")))
def test_the_document_reads_as_its_golden_rendition(rendered, kind):
    golden = (FOLDER / f"{kind}.txt").read_text("utf-8")
    if rendered[kind] != golden:
        diff = "".join(
            difflib.unified_diff(golden.splitlines(True), rendered[kind].splitlines(True), f"golden/{kind}.txt", "rendered")
        )
        pytest.fail(
            f"{kind} differs from tests/golden/{kind}.txt (intended? `make golden`, then review the diff):\n{diff[:6000]}"
        )
