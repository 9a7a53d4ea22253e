"""Targets: rules and owner overrides, storage in the warehouse, completion against them."""

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import create_engine, text

from reportpack.derive import targets
from reportpack.owner import targets as owner_targets
from reportpack.periods import Period
from reportpack.publish import targets as publish_targets
from reportpack.warehouse.schema import metadata
from tests.unit.judged import judged

ROOT = Path(__file__).resolve().parents[3]
TEMPLATES = ROOT / "templates"
RULES = owner_targets.load(TEMPLATES / "targets.yaml")
H1, H2 = {"p": Period.parse("2023H1").numbers()}, {"p": Period.parse("2023H2").numbers()}


def _outlet(**over):
    base = dict(
        unit_id="O1",
        corporate_year_start=1e9,
        corporate_end=1.04e9,
        corporate_growth=4e7,
        corporate_growth_rate_sub_median=0.03,
        savings_year_start=5e8,
        savings_end=5.1e8,
        savings_growth=1e7,
        savings_growth_rate_sub_median=0.01,
        teller_error_rate_per_10k=0.6,
        teller_error_rate_per_10k_previous=0.55,
        ebank_substitution_rate=0.895,
        target_corporate_growth=None,  # no annual plan: the peer formula
        target_savings_growth=None,
    )
    merged = {**base, **over}
    for k in ("corporate", "savings"):  # no accounts moved onto or off its books unless a test says so
        merged.setdefault(f"{k}_growth_comparable", merged[f"{k}_growth"])
    return judged("outlets", merged)  # with its verdicts, which a target rule may read


def _targets(outlet, base=H1):
    frame = targets.from_rules(RULES, [outlet], base, TEMPLATES / "targets.yaml")
    return dict(zip(frame["indicator"], frame["target"]))


def test_first_half_plans_set_year_targets_by_hand():
    got = _targets(_outlet())
    assert got["corporate_growth"] == pytest.approx(0.06 * 1e9)  # 2 × 3% median beats the 5% floor
    assert got["savings_growth"] == pytest.approx(0.03 * 5e8)  # 2 × 1% is below the 3% floor
    assert got["teller_error_rate_per_10k"] == pytest.approx(0.6)  # not above this period's
    assert got["ebank_substitution_rate"] == pytest.approx(0.905)  # one point up, at least 90%


def test_a_year_target_is_never_below_what_the_first_half_achieved():
    got = _targets(_outlet(corporate_end=1.1e9, corporate_growth=1e8, savings_end=5.4e8, savings_growth=4e7))
    assert got["corporate_growth"] == pytest.approx(1e8)  # 10% done beats 2 × the 3% median
    assert got["savings_growth"] == pytest.approx(4e7)


def test_accounts_moved_in_at_a_closing_do_not_count_as_growth_already_achieved():
    """文化路 took over a closed outlet's book: booked growth 2.68亿, its own −0.31亿. The year's target
    is set on what it grew by itself (the 完成率 next period is measured on that too)."""
    got = _targets(_outlet(corporate_growth=2.68e8, corporate_growth_comparable=-3.1e7, corporate_end=1.268e9))
    assert got["corporate_growth"] == pytest.approx(0.06 * 1e9)  # the peer formula, not the booked 2.68亿


def test_a_first_half_plan_heads_cumulative_targets_as_the_years_with_what_the_second_half_must_add():
    outlets = pd.DataFrame(
        [{"unit_id": "O1", "corporate_growth": 2.68e8, "corporate_growth_comparable": -3.1e7, "teller_error_rate_per_10k": 0.7}]
    )
    frame = pd.DataFrame(
        [
            {"unit_id": "O1", "indicator": "corporate_growth", "target": 3.1e7, "source": "rule:x"},
            {"unit_id": "O1", "indicator": "teller_error_rate_per_10k", "target": 0.37, "source": "rule:y"},
        ]
    )
    h1 = targets.described(frame, outlets, RULES, next_starts_year=False).set_index("indicator")
    assert h1.loc["corporate_growth", "current"] == pytest.approx(-3.1e7)  # its own growth, as 完成率 will be
    assert bool(h1.loc["corporate_growth", "whole_year"]) and not h1.loc["teller_error_rate_per_10k", "whole_year"]
    assert h1.loc["corporate_growth", "still_needed"] == pytest.approx(6.2e7)  # 0.31 − (−0.31)亿, as printed
    assert pd.isna(h1.loc["teller_error_rate_per_10k", "still_needed"])
    h2 = targets.described(frame, outlets, RULES, next_starts_year=True)  # next year's first half: its own
    assert not h2["whole_year"].any() and h2["still_needed"].isna().all()
    reached = targets.described(frame.assign(target=[-4e7, 0.37]), outlets, RULES, next_starts_year=False)
    assert reached["still_needed"].isna().all()  # already reached: nothing still needed


def test_with_an_annual_plan_the_year_target_is_the_plan_itself():
    """One base: the target the first-half plan sets for the year is the annual plan its 完成率 is
    measured against, not a second figure; still never below what the half year achieved."""
    got = _targets(_outlet(target_corporate_growth=9e7, target_savings_growth=5e6))
    assert got["corporate_growth"] == pytest.approx(9e7)
    assert got["savings_growth"] == pytest.approx(1e7)  # the plan (5e6) is already exceeded: the achieved


def test_an_error_rate_up_by_a_fifth_or_more_is_to_fall_back_to_the_previous_one():
    assert _targets(_outlet(teller_error_rate_per_10k_previous=0.4))["teller_error_rate_per_10k"] == pytest.approx(0.4)
    assert _targets(_outlet(teller_error_rate_per_10k_previous=0.5))["teller_error_rate_per_10k"] == pytest.approx(0.6)
    assert _targets(_outlet(teller_error_rate_per_10k_previous=None))["teller_error_rate_per_10k"] == pytest.approx(0.6)


def test_second_half_plans_set_next_first_half_targets_on_the_year_end_balance():
    got = _targets(_outlet(corporate_growth_rate_sub_median=0.08), base=H2)
    assert got["corporate_growth"] == pytest.approx(0.04 * 1.04e9)  # half the annual median, on 年末余额


def test_an_outlet_without_a_base_gets_no_growth_target():
    got = _targets(_outlet(corporate_year_start=0.0, teller_error_rate_per_10k=None))
    assert "corporate_growth" not in got and "teller_error_rate_per_10k" not in got and "savings_growth" in got


def _write(tmp_path, body):
    path = tmp_path / "t.yaml"
    path.write_text(body, "utf-8")
    return path


@pytest.mark.parametrize(
    "body, message",
    [
        (
            "targets:\n  - {id: a, indicator: x, name: X, value: '1', colour: red}\n",
            r"target rule a \(line 2\): colour: unknown key \(allowed: id, indicator, name, better, unit, value, when, from_year_start\)",
        ),
        (
            "targets:\n  - {id: a, indicator: x, name: X, value: '1'}\n  - {id: b, indicator: x, name: X, value: '2'}\n",
            r"target rule b \(line 3\): id or indicator appears twice",
        ),
        (
            "targets:\n  - {id: a, indicator: x, name: X, value: '1', better: more}\n",
            r"target rule a \(line 2\): better: Input should be 'higher' or 'lower'",
        ),
        (
            "targets:\n  - {id: a, indicator: x, name: X, value: 'o.x +'}\n",
            r"target rule a \(line 2\): value: value is not a valid expression",
        ),
        ("targets:\n  - {id: a, indicator: x, name: X}\n", r"target rule a \(line 2\): value: required"),
    ],
)
def test_a_malformed_target_rule_names_file_rule_and_reason(tmp_path, body, message):
    path = _write(tmp_path, body)
    with pytest.raises(owner_targets.TargetError, match=message) as caught:
        owner_targets.load(path)
    assert str(path) in str(caught.value)
    assert "文件" in caught.value.chinese and "第" in caught.value.chinese  # a line for the report owner, in Chinese


def test_a_target_that_is_not_a_number_names_the_rule_and_unit(tmp_path):
    path = _write(tmp_path, "targets:\n  - {id: neg, indicator: x, name: X, value: 'o.corporate_end * -1'}\n")
    with pytest.raises(owner_targets.TargetError, match=r"target rule neg: unit O1: target -1040000000.0 is not a number ≥ 0"):
        targets.from_rules(owner_targets.load(path), [_outlet()], H1, path)


def test_owner_overrides_replace_rule_targets(tmp_path):
    (tmp_path / "城东支行.yaml").write_text(
        "- {unit: O1, indicator: corporate_growth, target: 80000000, reason: 重点客户到期}\n", "utf-8"
    )
    by_rule = targets.from_rules(RULES, [_outlet()], H1, TEMPLATES / "targets.yaml")
    merged = targets.merge(by_rule, owner_targets.overrides(tmp_path, RULES, {"O1"})).set_index("indicator")
    assert merged.loc["corporate_growth", "target"] == 8e7
    assert merged.loc["corporate_growth", "source"] == "owner:城东支行.yaml#1"
    assert merged.loc["savings_growth", "source"] == "rule:savings_growth_peers"
    assert len(merged) == len(by_rule)


@pytest.mark.parametrize(
    "body, message",
    [
        ("- {unit: O9, indicator: corporate_growth, target: 1}", r"entry 1 \(line 1\): unit 'O9' is not an outlet"),
        ("- {unit: O1, indicator: profit, target: 1}", r"entry 1 \(line 1\): indicator 'profit' has no target rule"),
        (
            "- {unit: O1, indicator: corporate_growth, target: -5}",
            r"entry 1 \(line 1\): target: Input should be greater than or equal to 0",
        ),
        (  # issue #16: a target of 0 was accepted, and the next period failed at a template line
            "- {unit: O1, indicator: corporate_growth, target: 0}",
            r"entry 1 \(line 1\): target 0 for 'corporate_growth': completion is measured against the target",
        ),
        (
            "- {unit: O1, indicator: corporate_growth, target: .inf}",
            r"entry 1 \(line 1\): target: Input should be a finite number",
        ),
        (
            "- {unit: O1, indicator: corporate_growth, target: 1.0e+300}",
            r"entry 1 \(line 1\): target: Input should be less than or equal to",
        ),
        (
            "- {unit: O1, indicator: corporate_growth, target: '1,234.50'}",
            r"entry 1 \(line 1\): target: Input should be a valid number",
        ),
        (
            "- {unit: O1, indicator: corporate_growth, target: 一亿}",
            r"entry 1 \(line 1\): target: Input should be a valid number",
        ),
        (
            "- {unit: O1, indicator: corporate_growth, target: 1}\n- {unit: O1, indicator: corporate_growth, target: 2}",
            "more than one override",
        ),
        (
            "- {unit: O1, indicator: corporate_growth, target: 1, by: me}",
            r"entry 1 \(line 1\): by: unknown key \(allowed: unit, indicator, target, reason\)",
        ),
    ],
)
def test_a_bad_override_names_file_entry_and_rule(tmp_path, body, message):
    (tmp_path / "o.yaml").write_text(body, "utf-8")
    with pytest.raises(owner_targets.TargetError, match=message):
        owner_targets.overrides(tmp_path, RULES, {"O1"})


def test_an_override_of_0_stands_where_lower_is_better(tmp_path):
    (tmp_path / "o.yaml").write_text("- {unit: O1, indicator: teller_error_rate_per_10k, target: 0, reason: 零差错}", "utf-8")
    (found,) = owner_targets.overrides(tmp_path, RULES, {"O1"}).to_dict("records")
    assert (found["indicator"], found["target"]) == ("teller_error_rate_per_10k", 0.0)


def test_completion_by_hand():
    outlets = pd.DataFrame(
        {
            "unit_id": ["A", "B", "C"],
            "sub_branch_id": ["S", "S", "S"],
            "corporate_growth": [50.0, 100.0, -10.0],
            "teller_error_rate_per_10k": [0.5, 0.7, 0.6],
        }
    )
    set_before = pd.DataFrame(
        {
            "unit_id": ["A", "B", "C", "A", "B"],
            "indicator": ["corporate_growth"] * 3 + ["teller_error_rate_per_10k"] * 2,
            "target": [100.0, 80.0, 40.0, 0.6, 0.6],
            "source": ["rule:x"] * 5,
        }
    )
    got = targets.completion(outlets, set_before, RULES).set_index(["unit_id", "indicator"])
    assert got.loc[("A", "corporate_growth"), "completion"] == 0.5
    assert got.loc[("B", "corporate_growth"), "completion"] == 1.25
    assert got.loc[("C", "corporate_growth"), "completion"] == -0.25
    assert list(got.xs("corporate_growth", level="indicator")["completion_rank"]) == [2, 1, 3]
    assert bool(got.loc[("A", "teller_error_rate_per_10k"), "met"]) and not bool(
        got.loc[("B", "teller_error_rate_per_10k"), "met"]
    )
    assert pd.isna(got.loc[("A", "teller_error_rate_per_10k"), "completion"])  # lower is better: met or not

    # B opened during the period: measured against its own target, ranked with nobody; A and C
    # are ranked between themselves
    got = targets.completion(outlets.assign(ranked=[True, False, True]), set_before, RULES)
    got = got.set_index(["unit_id", "indicator"]).xs("corporate_growth", level="indicator")
    assert got.loc["B", "completion"] == 1.25 and pd.isna(got.loc["B", "completion_rank"])
    assert list(got.loc[["A", "C"], "completion_rank"]) == [1, 2] and list(got["ranked"]) == [2, 2, 2]


def test_an_outlets_money_targets_print_in_one_unit():
    rows = pd.DataFrame(
        {
            "unit_id": ["A", "A", "A", "B", "B", "C"],
            "unit": ["yi", "wan", "per_10k", "yi", "wan", "yi"],
            "target": [3.1e7, 7.8592e6, 0.6, 3.1e7, 1.2e7, 4e6],
            "actual": [1.8e7, 2.2535e6, 0.5, 1.8e7, -1.0e7, 0.0],
        }
    )
    got = targets.with_print_unit(rows, ["target", "actual"])
    # A: 0.31亿元 beside 785.92万元 in one column → both in 万元; its error rate keeps its own unit
    assert list(got["print_unit"][:3]) == ["wan", "wan", "per_10k"]
    # B: every amount (a fall of 1000万元 too) reaches 1000万元 → 亿元, a row declared wan included
    assert list(got["print_unit"][3:5]) == ["yi", "yi"]
    # C: 400万元 would print 0.04亿元 → 万元; a zero amount does not decide
    assert got["print_unit"][5] == "wan"
    # the near miss: 999.99万元 is below 1000万元
    assert targets.with_print_unit(rows.assign(target=[1e7] * 5 + [9.9999e6]), ["target"])["print_unit"][5] == "wan"
    assert targets.with_print_unit(rows.assign(target=[1e7] * 6), ["target"])["print_unit"][5] == "yi"


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_warehouse(request, tmp_path):
    url = f"sqlite:///{tmp_path / 'w.sqlite'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    engine = create_engine(url)
    metadata.create_all(engine, tables=[metadata.tables["plan_target"]])
    yield engine
    engine.dispose()


def test_storing_targets_replaces_only_our_rows_and_is_stable_under_reruns(empty_warehouse):
    # periods of their own: the PostgreSQL database is shared with other tests of the session
    engine = empty_warehouse
    with engine.begin() as conn:
        conn.execute(
            text(
                "insert into plan_target values ('O1', '2031', 'corporate_growth', 5.0, 'owner', '2031-01-05'),"
                " ('O1', '2031H2', 'loans', 7.0, 'hq-import', '2031-06-30')"
            )
        )
    frame = pd.DataFrame(
        {
            "unit_id": ["O1", "O2"],
            "indicator": ["corporate_growth"] * 2,
            "target": [1.5, 2.5],
            "source": ["rule:a", "owner:x.yaml#1"],
        }
    )
    snapshots = []
    for _ in range(2):
        with engine.begin() as conn:
            assert publish_targets.write(conn, frame, "2031H2", date(2031, 6, 30)) == 2
        with engine.connect() as conn:
            snapshots.append(
                conn.execute(
                    text(
                        "select unit_id, period, indicator, target, source from plan_target "
                        "where period like '2031%' order by period, unit_id, indicator"
                    )
                ).fetchall()
            )
    assert snapshots[0] == snapshots[1]
    assert [tuple(r) for r in snapshots[0]] == [
        ("O1", "2031", "corporate_growth", 5.0, "owner"),  # the year's targets: untouched
        ("O1", "2031H2", "corporate_growth", 1.5, "rule:a"),
        ("O1", "2031H2", "loans", 7.0, "hq-import"),  # rows another system wrote: untouched
        ("O2", "2031H2", "corporate_growth", 2.5, "owner:x.yaml#1"),
    ]
