"""Verdicts: every comparison a sentence makes is computed in derive, on the figures as printed, with
its threshold in templates/verdicts.yaml — each verdict of the file tested with a case and a near miss."""

from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reportpack.derive import verdicts
from reportpack.owner import verdicts as owner_verdicts
from reportpack.render.wording import fixed, round_half_up
from reportpack.rounding import printed_units
from reportpack.textdata import data

ROOT = Path(__file__).resolve().parents[3]
FILE = owner_verdicts.load(ROOT / "templates" / "verdicts.yaml")


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False), st.integers(min_value=0, max_value=4))
def test_printed_units_are_the_figures_as_the_documents_print_them(value, digits):
    """The vectorised rounding of the verdicts is the documents' rounding (half up on the shortest
    decimal form): two figures a verdict calls equal are two figures the reader sees equal."""
    assert Decimal(repr(float(printed_units([value], digits)[0]))) == round_half_up(value, digits).scaleb(digits)


@pytest.mark.parametrize("value", [2.675, 0.125, 1.005, -2.675, 88.25, 66.85, 0.285])
def test_printed_units_round_half_up_where_the_binary_float_is_just_below_the_half(value):
    assert printed_units([value], 2)[0] == float(round_half_up(value, 2).scaleb(2))


def test_compare_is_made_on_the_printed_figures():
    # "88分，低于本网点平均（88分）": 88.0 against 87.96 prints 88 against 88 — equal
    assert list(verdicts.compare(pd.Series([88.0, 88.0, 88.0]), pd.Series([87.96, 88.04, 88.06]), 1)) == [
        "equal",
        "equal",
        "below",
    ]
    assert fixed(87.96) == fixed(88.0) and fixed(88.06) != fixed(88.0)
    assert list(verdicts.compare(pd.Series([86.84, 86.86]), 86.85, 1)) == ["below", "equal"]  # 86.8 / 86.9 vs 86.9


def test_compare_within_a_tolerance_is_equal_and_just_outside_is_not():
    # 5 % of 100.0: 105.0 is still level, 105.1 is above; 95.0 level, 94.9 below
    got = verdicts.compare(pd.Series([105.0, 105.1, 95.0, 94.9]), 100.0, 1, 0.05)
    assert list(got) == ["equal", "above", "equal", "below"]


def test_compare_within_a_margin_is_equal_and_just_outside_is_not():
    # a budget's progress against 序时进度 49.59 %: within 5个百分点 is in step, 5.01 behind is below
    got = verdicts.compare(pd.Series([0.4459, 0.4458, 0.5459, 0.546]), 0.4959, 4, margin=0.05)
    assert list(got) == ["equal", "below", "equal", "above"]


def test_a_composite_half_a_point_under_the_median_is_not_below_it():
    """友谊路 "综合得分66分，低于本支行网点中位数66.5分" beside 朝阳路 at 66.5 with fewer items over 80
    (issue #31): within 3 % of the median is level; 64.4 against 66.5 is below."""
    (spec,) = [v for v in FILE.verdicts if v.id == "composite_vs_peers"]
    frame = pd.DataFrame({"composite_ranked": [66.0, 64.6, 64.4], "composite_sub_median": [66.5, 66.5, 66.5]})
    assert list(verdicts.verdict(frame, spec)) == ["equal", "equal", "below"]


def test_a_missing_figure_gives_no_verdict():
    got = verdicts.compare(pd.Series([1.0, np.nan, 2.0]), pd.Series([1.0, 1.0, np.nan]), 1)
    assert list(got) == ["equal", None, None]
    assert list(verdicts.count(pd.Series([0, 1, 2, np.nan]))) == ["zero", "one", "several", None]


def test_standing_among_the_ranked_by_quarters_and_halves():
    # eight ranked: 1–2 top quarter, 3–4 upper half, 5–6 lower half, 7–8 bottom quarter
    eight = verdicts.standing(pd.Series(range(1, 9)), pd.Series([8] * 8))
    assert list(eight) == ["top_quarter"] * 2 + ["upper_half"] * 2 + ["lower_half"] * 2 + ["bottom_quarter"] * 2
    # five: 3 is the middle rank, 4 and 5 (> 3.75) the bottom quarter
    assert list(verdicts.standing(pd.Series([1, 2, 3, 4, 5]), pd.Series([5] * 5))) == [
        "top_quarter",
        "upper_half",
        "middle",
        "bottom_quarter",
        "bottom_quarter",
    ]
    # three: no quarter at the bottom (fewer than four); two; one alone; a missing rank
    assert list(verdicts.standing(pd.Series([1, 2, 3]), pd.Series([3] * 3))) == ["upper_half", "middle", "lower_half"]
    assert list(verdicts.standing(pd.Series([1, 2, None, 1]), pd.Series([2, 2, 2, 1]))) == [
        "upper_half",
        "lower_half",
        "unranked",
        "only",
    ]


def test_position_among_the_ranked():
    rank = pd.Series([1, 3, 2, np.nan, 1, 1])
    ranked = pd.Series([3, 3, 3, 3, 1, 2])
    assert list(verdicts.position(rank, ranked)) == ["first", "last", "middle", "unranked", "only", "first"]


def test_no_verdict_value_reads_as_a_mark_of_the_text_form():
    """Records pass text through ``data`` (which wraps words like "none"): a verdict compared with
    a plain string in a template must reach it unchanged."""
    for outcomes in owner_verdicts.OUTCOMES.values():
        assert all(data(o) == o for o in outcomes), outcomes


def _case(spec: owner_verdicts.Verdict, value, reference=None) -> pd.DataFrame:
    row = {spec.value: value}
    if isinstance(spec.reference, str):
        row[spec.reference] = reference
    return pd.DataFrame([row])


def _at_threshold(spec: owner_verdicts.Verdict) -> tuple[float, float, float]:
    """A reference, a value at the edge of 'equal' and one just past it (one printed unit on)."""
    reference = spec.reference if isinstance(spec.reference, float | int) else 100.0
    unit = 10.0**-spec.digits
    edge = float(round_half_up(reference * (1 + spec.tolerance) + spec.margin, spec.digits))
    return reference, edge, edge + unit


@pytest.mark.parametrize("spec", FILE.verdicts, ids=lambda v: f"{v.table}.{v.id}")
def test_every_verdict_of_the_file_holds_on_its_case_and_not_on_its_near_miss(spec):
    one = verdicts.verdict
    if spec.kind == "count":
        assert list(one(pd.concat([_case(spec, n) for n in (0, 1, 2)]), spec)) == ["zero", "one", "several"]
        return
    if spec.kind == "position":
        frame = pd.DataFrame({spec.value: [1, 2, 3, 1], spec.reference: [3, 3, 3, 1]})
        assert list(one(frame, spec)) == ["first", "middle", "last", "only"]
        return
    if spec.kind == "standing":
        frame = pd.DataFrame({spec.value: [2, 3, 5, 6, 7], spec.reference: [8, 8, 8, 8, 8]})
        assert list(one(frame, spec)) == ["top_quarter", "upper_half", "lower_half", "lower_half", "bottom_quarter"]
        return
    above, equal, below = owner_verdicts.OUTCOMES[spec.kind]
    reference, edge, past = _at_threshold(spec)
    assert one(_case(spec, edge, reference), spec)[0] == equal, (edge, reference)
    assert one(_case(spec, past, reference), spec)[0] == above, (past, reference)
    low = float(round_half_up(reference * (1 - spec.tolerance) - spec.margin, spec.digits))
    assert one(_case(spec, low, reference), spec)[0] == equal, (low, reference)
    assert one(_case(spec, low - 10.0**-spec.digits, reference), spec)[0] == below


def test_a_verdict_naming_a_figure_its_table_lacks_stops_the_run_naming_file_and_verdict(tmp_path):
    path = tmp_path / "verdicts.yaml"
    path.write_text("verdicts:\n  - {id: busy, table: lobby, kind: compare, value: transactions_per_hr, reference: 1}\n", "utf-8")
    spec = owner_verdicts.load(path)
    with pytest.raises(
        owner_verdicts.VerdictFileError, match=r"verdicts.yaml: verdict busy: lobby has no figure 'transactions_per_hr'"
    ):
        verdicts.with_verdicts({"lobby": pd.DataFrame({"transactions_per_hour": [1.0]})}, spec, path)


@pytest.mark.parametrize(
    "body, message",
    [
        ("verdicts:\n  - {id: a, table: lobby, kind: compare, value: x}\n", r"verdict a \(line 2\): .*needs a 'reference'"),
        ("verdicts:\n  - {id: a, table: lobby, kind: count, value: x, tolerance: 0.1}\n", r"verdict a .*takes no 'tolerance'"),
        ("verdicts:\n  - {id: a, table: branch, kind: count, value: x}\n", r"verdict a \(line 2\): table"),
        (
            "verdicts:\n  - {id: a, table: lobby, kind: count, value: x}\n  - {id: a, table: lobby, kind: count, value: y}\n",
            r"appears twice",
        ),
    ],
)
def test_a_malformed_verdict_is_refused_naming_it(tmp_path, body, message):
    path = tmp_path / "verdicts.yaml"
    path.write_text(body, "utf-8")
    with pytest.raises(owner_verdicts.VerdictFileError, match=message):
        owner_verdicts.load(path)
