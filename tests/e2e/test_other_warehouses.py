"""The proofreader (templates/proofreading.yaml) passes on packs of warehouses the sample is not:
three other seeds and sizes, one of 60 outlets on PostgreSQL, both half years (issue #31). A
sentence whose verdict the printed numbers beside it do not support, an enumeration of one, 均 over
one item… found by an error-level rule stops ``pipeline.run_all`` with DocumentsFailedProofreading
naming the document, the rule and the sentence; these packs must publish, and the published pack
must read clean again with ``reportpack proofread``."""

import json

import pytest

from reportpack import pipeline
from reportpack.cli import main
from reportpack.owner import proofreading
from reportpack.warehouse.load import write
from reportpack.warehouse.sample import SampleSpec, generate
from tests.conftest import ROOT, private_pg_database

pytestmark = pytest.mark.slow  # whole packs: make test, not make test-fast

# (outlets, seed, database): sizes and seeds the sample (22 outlets, seed 20230630) is not
WARNINGS = {
    rule for rule, severity in proofreading.load(ROOT / "templates" / "proofreading.yaml").rules.items() if severity == "warning"
}
WAREHOUSES = [(60, 7, "postgresql"), (30, 11, "sqlite"), (14, 3, "sqlite")]


@pytest.mark.parametrize(("outlets", "seed", "database"), WAREHOUSES, ids=[f"{n}-outlets-seed-{s}-{d}" for n, s, d in WAREHOUSES])
def test_both_half_years_of_another_warehouse_pass_the_proofreader(outlets, seed, database, make_settings, tmp_path, capsys):
    if database == "postgresql":
        with private_pg_database("reportpack_seeds") as url:  # fails under CI when the server is missing
            _both_halves(url, outlets, seed, make_settings, capsys)
    else:
        _both_halves(f"sqlite:///{tmp_path / 'warehouse.sqlite'}", outlets, seed, make_settings, capsys)


def _both_halves(url, outlets, seed, make_settings, capsys):
    write(generate(SampleSpec(outlets=outlets, seed=seed)), url, progress=False)
    s = make_settings(url)
    for period in ("2023H1", "2023H2"):  # the first half's plans set the targets the second completes
        published = pipeline.run_all(s, period, f"seed{seed}-{period}")
        manifest = json.loads((published / "manifest.json").read_text("utf-8"))
        documents = [f["path"] for f in manifest["files"] if f["path"].endswith(".docx")]
        assert len(documents) > outlets * 4, f"{period}: {len(documents)} documents for {outlets} outlets"
        noted = json.loads((published / "proofreading.json").read_text("utf-8"))
        assert {n["rule"] for n in noted} <= WARNINGS, noted  # what is published is only what may be
        capsys.readouterr()
        assert main(["proofread", str(published)]) == 0, capsys.readouterr().err
        # the CLI reads every document, the compilations as a whole too, as the pipeline did
        assert f"proofread {len(documents)} documents" in capsys.readouterr().out
