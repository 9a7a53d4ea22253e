"""Accounts moved at a closing or an opening (derive/moves.py): whose growth holds them, what an
outlet grew by itself, and the sub-branch's growth as the sum of its outlets' documents."""

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from reportpack.derive import metrics, moves

ROOT = Path(__file__).resolve().parents[3]
YEAR_START, PERIOD_START, PERIOD_END = date(2022, 12, 31), date(2023, 1, 1), date(2023, 6, 30)

# One sub-branch: a keeps going and takes c's accounts at c's closing (31 May); b gives accounts to
# the new d (opened 1 March); c closes. Balances in 元.
OUTLETS = pd.DataFrame(
    [
        # unit, name, year start, end, opened in year, closed in period
        ("a", "甲网点", 100.0, 190.0, None, None),
        ("b", "乙网点", 200.0, 150.0, None, None),
        ("c", "丙网点", 80.0, 95.0, None, date(2023, 5, 31)),
        ("d", "丁网点", 70.0, 85.0, date(2023, 3, 1), None),  # 70 at the end of its opening day
    ],
    columns=["unit_id", "outlet_name", "corporate_year_start", "corporate_end", "opened_in_year", "closed_in_period"],
).assign(sub_branch_id="s1", sub_branch_name="一支行", branch_name="分行")
OUTLETS["corporate_growth"] = OUTLETS["corporate_end"] - OUTLETS["corporate_year_start"]
for column in ("year_start", "end", "growth"):  # savings: none, so the corporate figures stand alone
    OUTLETS[f"savings_{column}"] = 0.0
OUTLETS["ranked"] = OUTLETS["opened_in_year"].isna() & OUTLETS["closed_in_period"].isna()
# 日均 over the days each was open in the half year (181; c to 31 May, d from 1 March), against last year's
OUTLETS["covered_days"] = [181, 181, 151, 122]
OUTLETS["corporate_avg_increase"] = [40.0, -30.0, 5.0, float("nan")]
OUTLETS["savings_avg_increase"] = 0.0

MOVES = pd.DataFrame(
    [
        ("c", "a", pd.Timestamp(2023, 6, 1), "closure", 90.0, 10, 8, 85.0),
        ("b", "d", pd.Timestamp(2023, 3, 1), "opening", 60.0, 20, 15, 55.0),
    ],
    columns=[
        "from_unit_id",
        "to_unit_id",
        "moved_on",
        "reason",
        "corporate_deposit",
        "accounts",
        "customers",
        "corporate_retained",
    ],
).assign(savings_deposit=0.0, savings_retained=0.0, loans=0.0)
MOVES["from_name"] = MOVES["from_unit_id"].map(OUTLETS.set_index("unit_id")["outlet_name"])
MOVES["to_name"] = MOVES["to_unit_id"].map(OUTLETS.set_index("unit_id")["outlet_name"])


@pytest.fixture
def figures():
    return moves.with_moves(OUTLETS, MOVES, PERIOD_START, PERIOD_END, YEAR_START)


def test_a_receiving_and_a_giving_outlet_are_judged_on_what_they_grew_by_themselves(figures):
    by = figures.set_index("unit_id")
    assert by.loc["a", "corporate_moved_in"] == 90 and by.loc["a", "corporate_growth_comparable"] == 0  # 90 − 90
    assert by.loc["b", "corporate_moved_out"] == 60 and by.loc["b", "corporate_growth_comparable"] == 10  # −50 + 60
    assert by.loc["a", "moves_in"] == 1 and by.loc["b", "moves_out"] == 1


def test_a_daily_average_is_set_aside_for_the_days_the_moved_accounts_stood_on_the_books(figures):
    by = figures.set_index("unit_id")
    # a held c's 90 from 1 June: 30 of its 181 days; b was without d's 60 from 1 March: 122 days
    assert by.loc["a", "corporate_avg_moved_in"] == pytest.approx(90 * 30 / 181)
    assert by.loc["a", "corporate_avg_increase_comparable"] == pytest.approx(40 - 90 * 30 / 181)
    assert by.loc["b", "corporate_avg_moved_out"] == pytest.approx(60 * 122 / 181)
    assert by.loc["b", "corporate_avg_increase_comparable"] == pytest.approx(-30 + 60 * 122 / 181)
    # the new outlet's opening accounts are in its 日均 from its first day, the closed one's left after its last
    assert by.loc["d", "corporate_avg_moved_in"] == 0 and by.loc["c", "corporate_avg_moved_out"] == 0
    assert by.loc["c", "corporate_avg_increase_comparable"] == 5


def test_a_move_booked_before_a_second_half_year_stands_on_the_books_all_of_it():
    h2 = moves.with_moves(OUTLETS.assign(covered_days=184), MOVES, date(2023, 7, 1), date(2023, 12, 31), YEAR_START)
    by = h2.set_index("unit_id")
    assert by.loc["a", "corporate_avg_moved_in"] == pytest.approx(90)  # on its books every day of July–December
    assert by.loc["a", "corporate_moved_in"] == 90  # and in its growth since 年初


def test_a_new_outlets_opening_accounts_are_in_its_base_and_a_closed_outlets_handover_after_its_last_day(figures):
    by = figures.set_index("unit_id")
    # the new outlet counts from the end of its opening day, which holds what it took over: no adjustment
    assert by.loc["d", "corporate_moved_in"] == 0 and by.loc["d", "corporate_growth_comparable"] == 15
    # the closed outlet's growth stops at its closing day; its accounts left the day after
    assert by.loc["c", "corporate_moved_out"] == 0 and by.loc["c", "corporate_growth_comparable"] == 15
    # but each says what it handed over or opened with
    assert by.loc["c", "handed_corporate_deposit"] == 90 and by.loc["c", "handed_accounts"] == 10
    assert by.loc["c", "handed_share"] == pytest.approx(90 / 95)
    assert by.loc["d", "taken_corporate_deposit"] == 60 and by.loc["d", "taken_retained_rate"] == pytest.approx(55 / 60)
    assert pd.isna(by.loc["a", "handed_share"])
    assert by.loc["c", "handed_to"] == "甲网点" and by.loc["d", "taken_from"] == "乙网点" and pd.isna(by.loc["a", "handed_to"])


def test_a_move_after_the_period_is_not_in_its_growth():
    later = MOVES.assign(moved_on=pd.Timestamp(2023, 7, 1))
    by = moves.with_moves(OUTLETS, later, PERIOD_START, PERIOD_END, YEAR_START).set_index("unit_id")
    assert by.loc["a", "corporate_moved_in"] == 0 and by.loc["a", "corporate_growth_comparable"] == 90


def test_the_sub_branch_growth_is_the_sum_of_the_lines_its_outlets_print(figures):
    parts = moves.growth_parts(figures).set_index("sub_branch_id").loc["s1"]
    total = metrics.sub_branch_totals(figures).set_index("sub_branch_id").loc["s1", "corporate_growth"]
    # a and b: 90 − 50; d: its whole balance 85 (the books had no 年初 for it); c: +15 to its closing, −95 gone
    assert parts["corporate_growth_continuing"] == 40
    assert parts["corporate_end_opened"] == 85
    assert (parts["corporate_closing_growth"], parts["corporate_closing_balance"]) == (15, 95)
    lines = parts["corporate_growth_continuing"] + parts["corporate_end_opened"] + parts["corporate_closing_growth"]
    assert lines - parts["corporate_closing_balance"] == total == 45  # (190 + 150 + 85) − (100 + 200 + 80)
    assert parts["corporate_moved_net"] == 30  # a took 90 in, b gave 60 away


def test_a_receiving_outlets_plausibility_ratio_sets_the_moved_accounts_aside(tmp_path):
    """Seed 7, 60 outlets: 光明路 (10.22亿元 of deposits) closed into 富民路 (2.24亿元 at 年初). The
    warning "期末对公存款与年初之比超出合理范围" (over 3×) was raised on 富民路 for accounts it took
    over; set aside, its own end is within range — and the raw ratio shows what was set aside."""
    from sqlalchemy import create_engine

    from reportpack.extract import extract
    from reportpack.periods import Period
    from reportpack.warehouse.load import write
    from reportpack.warehouse.sample import SampleSpec, generate

    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    write(generate(SampleSpec(outlets=60, seed=7)), url, progress=False)
    engine = create_engine(url)
    with engine.connect() as conn:
        frames = extract(conn, Period.parse("2023H1"), ROOT / "templates" / "sql")
    engine.dispose()
    (closing,) = frames["transfers"].query("reason == 'closure'").itertuples()
    balances = frames["outlet_balances"].set_index("unit_id").loc[closing.to_unit_id]
    raw = balances["corporate_end"] / balances["corporate_year_start"]
    assert raw > 3  # the receiving outlet ends at several times its 年初 …
    assert 0.33 <= balances["corporate_end_to_year_start"] <= 3  # … but not by itself
    assert balances["corporate_end_to_year_start"] == pytest.approx(
        (balances["corporate_end"] - closing.corporate_deposit) / balances["corporate_year_start"]
    )
