"""Subjects as a render batch loads them (derive/subjects.py ``load``): only the batch's
sub-branches, with the same context as in the whole pack."""

import pytest

from reportpack.derive import subjects
from tests.conftest import figures_of


@pytest.mark.parametrize("period", ["2023H1", "2023H2"])  # H2: no closing, so closing_handover has no rows
def test_a_batch_loads_its_sub_branches_subjects_as_the_whole_pack_has_them(sample_url, tmp_path, period):
    figures = figures_of(sample_url, period)
    for name, frame in figures.items():
        frame.to_parquet(tmp_path / f"{name}.parquet")
    whole = subjects.load(tmp_path)
    sub = whole["outlet"][0].sub_branch_id
    batch = subjects.load(tmp_path, [sub])
    assert [s.key for s in batch["outlet"]] == [s.key for s in whole["outlet"] if s.sub_branch_id == sub]
    mine = {s.key: s for s in whole["outlet"]}
    for s in batch["outlet"]:
        assert s.context["handover"] == mine[s.key].context["handover"]
        assert s.context["moves_in"] == mine[s.key].context["moves_in"]
    assert figures["closing_handover"].empty == (period == "2023H2")
