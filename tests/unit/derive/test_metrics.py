"""Every derived figure on tiny tables computed by hand (pure pandas; the database's part is in
test_extract.py)."""

from datetime import date

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reportpack.derive import metrics
from reportpack.periods import Period

H1 = Period.parse("2023H1")


def test_time_progress_runs_from_the_opening_day_of_an_outlet_opened_in_the_year():
    opened = pd.Series([date(2005, 1, 1), date(2023, 3, 1)])
    got = metrics.time_progress(opened, H1)
    assert got[0] == pytest.approx(181 / 365)  # 1 January … 30 June
    assert got[1] == pytest.approx(122 / 306)  # 1 March … 30 June of 1 March … 31 December


def test_time_progress_of_an_outlet_closed_in_the_period_stops_at_its_closing_day(sample_figures):
    closed = pd.Series([None, date(2023, 5, 31), date(2023, 8, 1)])
    got = metrics.time_progress(pd.Series([date(2005, 1, 1)] * 3), H1, closed)
    assert list(got) == pytest.approx([181 / 365, 151 / 365, 181 / 365])  # closing after the period: its end
    o = sample_figures["outlets"].set_index("unit_id").loc["BR01-S003-O00006"]  # 胜利路, closed 31 May
    assert o["closed_in_period"] == date(2023, 5, 31) and o["time_progress"] == pytest.approx(151 / 365)  # 41.37 %


def test_a_new_outlet_grows_from_its_opening_balance_not_from_zero(sample_figures):
    """友谊路 opened 1 March 2023 with 8.60亿元 of corporate deposits: its growth is counted from
    that (开业以来), not from a 年初 of zero — the audit's "完成目标的2873.03%" came from zero."""
    o = sample_figures["outlets"].set_index("unit_id").loc["BR01-S003-O00012"]
    assert o["corporate_year_start"] == 859919643 and o["corporate_growth"] == 917226768 - 859919643
    assert not o["ranked"] and o["time_progress"] == pytest.approx(122 / 306)
    assert o["completion_corporate_growth"] < 1  # 0.57亿 of an annual 1.32亿, not 693 %


def test_daily_average_divides_day_weighted_sums_by_days_covered():
    got = metrics.daily_average(pd.Series([400.0, 90.0, 5.0]), pd.Series([4, 3, 0]))
    assert got[0] == 100 and got[1] == 30 and pd.isna(got[2])


def test_rank_within_sub_branch_largest_first_ties_share():
    values = pd.Series([5, 9, 9, 1, 7], index=list("abcde"))
    groups = pd.Series(["s1", "s1", "s1", "s1", "s2"], index=list("abcde"))
    assert metrics.rank_within(values, groups).tolist() == [3, 1, 1, 4, 1]


def test_rates_guard_zero_denominators():
    rate = metrics.growth_rate(pd.Series([10, 5]), pd.Series([100, 0]))
    assert rate[0] == pytest.approx(0.1) and pd.isna(rate[1])
    sub = metrics.substitution_rate(pd.Series([90, 0]), pd.Series([10, 0]))
    assert sub[0] == pytest.approx(0.9) and pd.isna(sub[1])
    npl = metrics.npl_ratio(pd.Series([3, 1]), pd.Series([200, 0]))
    assert npl[0] == pytest.approx(0.015) and pd.isna(npl[1])


# no accounts moved between these outlets (templates/sql/transfers.sql's columns; tests/unit/derive/test_moves.py)
NO_MOVES = pd.DataFrame(
    columns=[
        "from_unit_id",
        "from_name",
        "to_unit_id",
        "to_name",
        "moved_on",
        "reason",
        "accounts",
        "customers",
        "corporate_deposit",
        "savings_deposit",
        "loans",
        "corporate_retained",
        "savings_retained",
    ]
)


def _frames(balances=None):
    outlets = pd.DataFrame(
        {
            "unit_id": ["o1", "o2", "o3"],
            "outlet_name": ["甲", "乙", "丙"],
            "sub_branch_id": ["s1", "s1", "s2"],
            "sub_branch_name": ["东", "东", "西"],
            "branch_name": ["分行"] * 3,
            "opened_on": pd.to_datetime(["2005-01-01", "2023-03-01", "2005-01-01"]),
            "closed_on": pd.to_datetime([None, None, "2023-05-31"]),
        }
    )
    balances = balances or {
        "unit_id": ["o1", "o2", "o3"],
        "open_days": [181, 122, 151],
        "corporate_end": [1300, 500, 20],
        "savings_end": [560, 50, 10],
        "loans_end": [1000, 0, 10],
        "npl_end": [15, 0, 1],
        # the SQL's base: 年初, or o2's balance on its opening day (1 March)
        "corporate_year_start": [1000, 200, 10],
        "savings_year_start": [500, 30, 10],
        "loans_year_start": [900, 0, 10],
        "corporate_day_sum": [181 * 1200, 122 * 300, 151 * 15],
        "savings_day_sum": [181 * 530, 122 * 40, 151 * 10],
        "covered_days": [181, 122, 151],
    }
    business = pd.DataFrame(
        {
            "unit_id": ["o1", "o2", "o3"],
            "months_reported": [6, 4, 5],
            "new_corporate_accounts": [3, 1, 0],
            "personal_loans_recovered": [100, 0, 0],
            "npl_recovered": [7, 0, 0],
            "payroll_customers_added": [2, 0, 0],
            "card_spending": [50, 0, 0],
            "merchants_added": [1, 0, 0],
            "ebank_transactions": [90, 30, 0],
            "counter_transactions": [10, 10, 0],
            "online_banking_customers_added": [4, 0, 0],
            "corporate_non_cash_tellers": [2, 1, 0],
            "corporate_priority_windows": [1, 0, 0],
        }
    )
    last_year = pd.DataFrame(  # o3 was open all of 2022H1, but closes on 31 May 2023
        {
            "unit_id": ["o1", "o3"],
            "open_days": [181, 181],
            "corporate_end": [1000, 20],
            "savings_end": [400, 10],
            "corporate_day_sum": [181 * 1000, 181 * 20],
            "savings_day_sum": [181 * 500, 181 * 10],
            "covered_days": [181, 181],
        }
    )
    year_before = pd.DataFrame(  # 2022 as a whole: o1's 日均 was 1100 and 500; o2 did not exist
        {
            "unit_id": ["o1"],
            "corporate_day_sum": [365 * 1100],
            "savings_day_sum": [365 * 500],
            "covered_days": [365],
        }
    )
    return {
        "outlets": outlets,
        "outlet_balances": pd.DataFrame(balances),
        "outlet_business": business,
        "outlet_balances_last_year": last_year,
        "outlet_balances_previous_year": year_before,
        "transfers": NO_MOVES,
    }


def test_outlet_figures_by_hand():
    f = metrics.outlet_figures(_frames(), H1).set_index("unit_id")
    o1, o2, o3 = f.loc["o1"], f.loc["o2"], f.loc["o3"]
    assert o1.corporate_end == 1300 and o1.corporate_year_start == 1000
    assert o1.corporate_growth == 300 and o1.corporate_growth_rate == pytest.approx(0.3)
    # 日均 against 日均: 1200 this half year against 1100 over last year (not against the 31 Dec 1000)
    assert o1.corporate_daily_avg == pytest.approx(1200) and o1.corporate_daily_avg_last_year == pytest.approx(1100)
    assert o1.corporate_avg_increase == pytest.approx(100)
    # o2 opened in March: growth counts from its opening day's balance (开业以来), 日均 over its 122 open days
    assert o2.corporate_year_start == 200 and o2.corporate_growth == 300 and o2.corporate_growth_rate == pytest.approx(1.5)
    assert o2.corporate_daily_avg == pytest.approx(300) and o2.partial_period and o2.opened_in_period == date(2023, 3, 1)
    # only outlets open the whole year to date are ranked: o2 (opened in March, growth from its opening)
    # would otherwise come first in 东 and push o1 down; o3 (closed) has no period-end figure
    assert o1.ranked and not o2.ranked and not o3.ranked
    assert o1.corporate_growth_rank == 1 and pd.isna(o2.corporate_growth_rank) and pd.isna(o3.corporate_growth_rank)
    assert o1.corporate_avg_increase_rank == 1 and pd.isna(o2.corporate_avg_increase_rank)
    assert o1.savings_growth == 60 and o1.savings_growth_rank == 1 and pd.isna(o2.savings_growth_rank)
    assert o3.closed_in_period == date(2023, 5, 31) and o3.open_days == 151 and not o1.partial_period
    assert o1.npl_ratio == pytest.approx(0.015) and pd.isna(o2.npl_ratio)
    # 同比: o1 existed a year earlier; o2 did not
    assert o1.corporate_yoy_growth == 300 and o1.corporate_yoy_rate == pytest.approx(0.3)
    assert o1.corporate_daily_avg_yoy_rate == pytest.approx(0.2) and o1.savings_daily_avg_yoy_rate == pytest.approx(0.06)
    assert pd.isna(o2.corporate_yoy_rate) and pd.isna(o2.corporate_daily_avg_yoy_rate)
    # o3's January–May 2023 is not compared with its January–June 2022
    assert pd.isna(o3.corporate_daily_avg_yoy_rate) and pd.isna(o3.savings_yoy_rate)
    assert o1.peers == 1 and o3.peers == 0  # the outlets ranked in the sub-branch
    assert o1.ebank_substitution_rate == pytest.approx(0.9) and o2.ebank_substitution_rate == pytest.approx(0.75)
    assert pd.isna(o3.ebank_substitution_rate)


def test_sub_branch_totals_leave_out_an_outlet_closed_before_period_end_and_name_it():
    figures = pd.DataFrame(
        {
            "unit_id": ["o1", "o2", "o3", "o4"],
            "outlet_name": ["解放路", "胜利路", "友谊路", "光明路"],
            "sub_branch_id": ["s1", "s1", "s1", "s2"],
            "sub_branch_name": ["城东支行", "城东支行", "城东支行", "高新支行"],
            "branch_name": ["滨江分行"] * 4,
            "closed_in_period": [None, date(2023, 5, 31), None, None],
            "opened_in_year": [None, None, date(2023, 3, 1), None],
            "corporate_end": [1000.0, 400.0, 200.0, 50.0],
            "corporate_year_start": [900.0, 450.0, 150.0, 45.0],  # 友谊路: its opening day's balance
            "savings_end": [10.0, 4.0, 2.0, 1.0],
            "savings_year_start": [9.0, 3.0, 1.0, 1.0],
        }
    )
    totals = metrics.sub_branch_totals(figures).set_index("sub_branch_id")
    # 胜利路's last balance is its closing-day one: no longer there at 6月末; its 年初 still was.
    # 友谊路 was not in the sub-branch's 年初 at all: its opening balance is not subtracted
    assert totals.loc["s1", "corporate_end"] == 1200.0 and totals.loc["s1", "corporate_growth"] == 1200.0 - 1350.0
    assert totals.loc["s1", "savings_end"] == 12.0 and totals.loc["s1", "savings_growth"] == 0.0
    assert totals.loc["s1", "outlets"] == 2 and totals.loc["s1", "closed_outlets"] == 1
    assert totals.loc["s1", "closed_outlet_names"] == "胜利路"
    assert totals.loc["s2", "closed_outlets"] == 0 and totals.loc["s2", "closed_outlet_names"] == ""


def test_sub_branch_totals_sum_their_outlets():
    totals = metrics.sub_branch_totals(metrics.outlet_figures(_frames(), H1)).set_index("sub_branch_id")
    assert totals.loc["s1", "outlets"] == 2
    assert totals.loc["s1", "corporate_end"] == 1300 + 500
    assert totals.loc["s1", "corporate_growth"] == 300 + 500


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 10**11), st.integers(0, 10**11), st.sampled_from(["s1", "s2", "s3"])), min_size=1, max_size=15
    )
)
def test_growth_is_end_minus_year_start_and_ranks_are_competition_ranks(rows):
    units = [f"o{i}" for i in range(len(rows))]
    n = len(rows)
    frames = _frames(
        {
            "unit_id": units,
            "open_days": [181] * n,
            "corporate_end": [r[1] for r in rows],
            "savings_end": [r[1] for r in rows],
            "loans_end": [1] * n,
            "npl_end": [0] * n,
            "corporate_year_start": [r[0] for r in rows],
            "savings_year_start": [r[0] for r in rows],
            "loans_year_start": [1] * n,
            "corporate_day_sum": [181 * r[1] for r in rows],
            "savings_day_sum": [181 * r[1] for r in rows],
            "covered_days": [181] * n,
        }
    )
    frames["outlets"] = pd.DataFrame(
        {
            "unit_id": units,
            "outlet_name": units,
            "sub_branch_id": [r[2] for r in rows],
            "sub_branch_name": [r[2] for r in rows],
            "branch_name": "b",
            "opened_on": pd.Timestamp("2005-01-01"),
            "closed_on": pd.NaT,
        }
    )
    frames["outlet_business"] = frames["outlet_business"].iloc[0:0]
    f = metrics.outlet_figures(frames, H1)
    assert (f.corporate_growth == f.corporate_end - f.corporate_year_start).all()
    for _, group in f.groupby("sub_branch_id"):
        assert sorted(group.corporate_growth_rank)[0] == 1
        assert group.corporate_growth_rank.max() <= len(group)
        for _, row in group.iterrows():
            assert row.corporate_growth_rank == 1 + (group.corporate_growth > row.corporate_growth).sum()


def test_monthly_daily_averages_by_hand_from_the_daily_rows(sample_url):
    from pathlib import Path

    from sqlalchemy import create_engine

    from reportpack.extract import extract
    from reportpack.periods import Period

    engine = create_engine(sample_url)
    with engine.connect() as conn:
        frames = extract(conn, Period.parse("2023H1"), Path(__file__).resolve().parents[3] / "templates" / "sql")
        daily = pd.read_sql("select unit_id, biz_date, corporate_deposit, savings_deposit from daily_balance", conn)
    engine.dispose()
    got = metrics.monthly_daily_averages(frames).set_index(["unit_id", "month"])
    daily["month"] = daily["biz_date"].astype(str).str[:7]
    unit = "BR01-S001-O00001"
    for month, last in (("2023-03", "2022-03"), ("2023-06", "2022-06")):
        rows, rows_ly = (
            daily[(daily.unit_id == unit) & (daily.month == month)],
            daily[(daily.unit_id == unit) & (daily.month == last)],
        )
        row = got.loc[(unit, month)]
        assert row["days"] == len(rows) == (31 if month == "2023-03" else 30)
        assert row["corporate_avg"] == pytest.approx(rows.corporate_deposit.mean())
        assert row["savings_avg_last_year"] == pytest.approx(rows_ly.savings_deposit.mean())
    # an outlet that closed on 31 May has no June; one that opened on 1 March has no January
    months = got.reset_index().groupby("unit_id")["month"].agg(list)
    assert any(m[-1] == "2023-05" for m in months) and any(m[0] == "2023-03" for m in months)
    assert set(got.reset_index()["unit_id"]) <= set(frames["outlets"]["unit_id"])  # outlets only, no ledgers
