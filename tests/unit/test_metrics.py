"""Every derived figure on tiny tables computed by hand."""

from datetime import date

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reportpack import metrics
from reportpack.periods import Period


def daily(rows):
    frame = pd.DataFrame(rows, columns=["unit_id", "biz_date", "corporate_deposit", "savings_deposit"])
    frame["biz_date"] = pd.to_datetime(frame["biz_date"])
    return frame


def test_balance_on_carries_the_last_balance_forward():
    d = daily([("a", "2023-01-01", 100, 0), ("a", "2023-01-03", 130, 0), ("b", "2023-01-02", 50, 0)])
    got = metrics.balance_on(d, "corporate_deposit", date(2023, 1, 2))
    assert got["a"] == 100  # no row on the 2nd: the 1st's balance stands
    assert got["b"] == 50
    assert metrics.balance_on(d, "corporate_deposit", date(2023, 1, 5))["a"] == 130


def test_balance_before_the_first_row_is_missing():
    d = daily([("a", "2023-01-01", 100, 0), ("b", "2023-01-02", 50, 0)])
    assert pd.isna(metrics.balance_on(d, "corporate_deposit", date(2023, 1, 1))["b"])


def test_daily_average_is_sum_over_every_day_divided_by_days():
    # 1st 100, 2nd missing (→100), 3rd 130, 4th 70: (100+100+130+70)/4 = 100
    d = daily([("a", "2023-01-01", 100, 0), ("a", "2023-01-03", 130, 0), ("a", "2023-01-04", 70, 0)])
    assert metrics.daily_average(d, "corporate_deposit", date(2023, 1, 1), date(2023, 1, 4))["a"] == 100


def test_daily_average_uses_the_balance_from_before_the_period():
    # 年初 row on 31 Dec only, then a row on the 3rd: days 1–2 carry 90 forward → (90+90+120)/3
    d = daily([("a", "2022-12-31", 90, 0), ("a", "2023-01-03", 120, 0)])
    assert metrics.daily_average(d, "corporate_deposit", date(2023, 1, 1), date(2023, 1, 3))["a"] == 100


def test_daily_average_without_a_balance_on_some_day_is_missing():
    d = daily([("a", "2023-01-02", 100, 0), ("b", "2023-01-01", 100, 0)])
    avg = metrics.daily_average(d, "corporate_deposit", date(2023, 1, 1), date(2023, 1, 2))
    assert pd.isna(avg["a"]) and avg["b"] == 100


def test_rank_within_sub_branch_largest_first_ties_share():
    values = pd.Series([5, 9, 9, 1, 7], index=list("abcde"))
    groups = pd.Series(["s1", "s1", "s1", "s1", "s2"], index=list("abcde"))
    assert metrics.rank_within(values, groups).tolist() == [3, 1, 1, 4, 1]


def test_growth_rate_and_substitution_rate_guard_zero_denominators():
    rate = metrics.growth_rate(pd.Series([10, 5]), pd.Series([100, 0]))
    assert rate[0] == pytest.approx(0.1) and pd.isna(rate[1])
    sub = metrics.substitution_rate(pd.Series([90, 0]), pd.Series([10, 0]))
    assert sub[0] == pytest.approx(0.9) and pd.isna(sub[1])


def _frames():
    outlets = pd.DataFrame(
        {
            "unit_id": ["o1", "o2", "o3"],
            "outlet_name": ["甲", "乙", "丙"],
            "sub_branch_id": ["s1", "s1", "s2"],
            "sub_branch_name": ["东", "东", "西"],
            "branch_name": ["分行"] * 3,
        }
    )
    rows = []
    # o1: 年初 1000 → 1000 on Jan 1, 1300 from Jan 2; period Jan 1–3
    rows += [("o1", "2022-12-31", 1000, 500), ("o1", "2023-01-01", 1000, 500), ("o1", "2023-01-02", 1300, 560)]
    # o2: 年初 2000 → 2100 flat
    rows += [("o2", "2022-12-31", 2000, 800), ("o2", "2023-01-01", 2100, 800)]
    rows += [("o3", "2022-12-31", 10, 10), ("o3", "2023-01-01", 20, 10)]
    monthly = pd.DataFrame(
        {
            "unit_id": ["o1", "o2", "o3"],
            "month": ["2023-01"] * 3,
            "new_corporate_accounts": [3, 1, 0],
            "personal_loans_recovered": [100, 0, 0],
            "npl_recovered": [7, 0, 0],
            "payroll_customers_added": [2, 0, 0],
            "card_spending": [50, 0, 0],
            "merchants_added": [1, 0, 0],
            "ebank_transactions": [90, 30, 0],
            "counter_transactions": [10, 10, 0],
            "online_banking_customers_added": [4, 0, 0],
        }
    )
    return {"outlets": outlets, "daily_deposits": daily(rows), "monthly_business": monthly}


def test_outlet_figures_by_hand():
    period = Period(date(2023, 1, 1), date(2023, 1, 3), "month")  # a 3-day "period" for hand sums
    f = metrics.outlet_figures(_frames(), period).set_index("unit_id")
    o1, o2 = f.loc["o1"], f.loc["o2"]
    assert o1.corporate_end == 1300 and o1.corporate_year_start == 1000
    assert o1.corporate_growth == 300 and o1.corporate_growth_rate == pytest.approx(0.3)
    assert o1.corporate_daily_avg == pytest.approx((1000 + 1300 + 1300) / 3)
    assert o1.corporate_avg_increase == pytest.approx(1200 - 1000)
    assert o2.corporate_growth == 100 and o2.corporate_avg_increase == pytest.approx(100)
    # within 东: o1 grew 300 > o2 100; 西 has one outlet
    assert (o1.corporate_growth_rank, o2.corporate_growth_rank, f.loc["o3"].corporate_growth_rank) == (1, 2, 1)
    assert (o1.corporate_avg_increase_rank, o2.corporate_avg_increase_rank) == (1, 2)
    assert o1.savings_growth == 60 and o1.savings_growth_rank == 1 and o2.savings_growth_rank == 2
    assert o1.peers == 2 and f.loc["o3"].peers == 1
    assert o1.new_corporate_accounts == 3 and o1.npl_recovered == 7
    assert o1.ebank_substitution_rate == pytest.approx(0.9)
    assert o2.ebank_substitution_rate == pytest.approx(0.75)
    assert pd.isna(f.loc["o3"].ebank_substitution_rate)


def test_sub_branch_totals_sum_their_outlets():
    period = Period(date(2023, 1, 1), date(2023, 1, 3), "month")
    totals = metrics.sub_branch_totals(metrics.outlet_figures(_frames(), period)).set_index("sub_branch_id")
    assert totals.loc["s1", "outlets"] == 2
    assert totals.loc["s1", "corporate_end"] == 1300 + 2100
    assert totals.loc["s1", "corporate_growth"] == 300 + 100


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10**9), st.integers(0, 10**9), st.sampled_from(["s1", "s2"])), min_size=1, max_size=12))
def test_growth_is_end_minus_year_start_and_ranks_run_1_to_n(rows):
    units = [f"o{i}" for i in range(len(rows))]
    frames = _frames()
    frames["outlets"] = pd.DataFrame(
        {"unit_id": units, "outlet_name": units, "sub_branch_id": [r[2] for r in rows],
         "sub_branch_name": [r[2] for r in rows], "branch_name": "b"}
    )
    frames["daily_deposits"] = daily(
        [(u, "2022-12-31", r[0], r[0]) for u, r in zip(units, rows)] + [(u, "2023-01-03", r[1], r[1]) for u, r in zip(units, rows)]
    )
    frames["monthly_business"] = frames["monthly_business"].iloc[0:0]
    f = metrics.outlet_figures(frames, Period(date(2023, 1, 1), date(2023, 1, 3), "month"))
    assert (f.corporate_growth == f.corporate_end - f.corporate_year_start).all()
    for _, group in f.groupby("sub_branch_id"):
        ranks = sorted(group.corporate_growth_rank)
        assert ranks[0] == 1 and ranks[-1] <= len(group)
        # ranks are "competition" ranks: k-th distinct value's rank = 1 + count of larger values
        for _, row in group.iterrows():
            assert row.corporate_growth_rank == 1 + (group.corporate_growth > row.corporate_growth).sum()
