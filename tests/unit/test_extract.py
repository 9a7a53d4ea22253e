"""The extraction SQL on tiny hand-computed warehouses, on SQLite and on PostgreSQL: same SQL,
same frames, the aggregation done in the database."""

from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import create_engine

from reportpack.extract import extract
from reportpack.periods import Period
from reportpack.warehouse.load import write

ROOT = Path(__file__).resolve().parents[2]
SQL = ROOT / "templates" / "sql"
PERIOD = Period(date(2023, 1, 1), date(2023, 1, 6), "month")  # six days: sums by hand


def _tables() -> list[tuple[str, pd.DataFrame]]:
    days = [date(2022, 12, 25) + timedelta(days=i) for i in range(20)]
    calendar = pd.DataFrame(
        {
            "cal_date": days,
            "day_no": range(1000, 1020),
            "month": [d.strftime("%Y-%m") for d in days],
            "is_workday": [d.weekday() < 5 for d in days],
        }
    )
    old = date(2005, 1, 1)
    org = pd.DataFrame(
        [
            ("B", "分行", "branch", None, old, None),
            ("S", "东支行", "sub_branch", "B", old, None),
            ("a", "甲", "outlet", "S", old, None),
            ("b", "乙", "outlet", "S", date(2023, 1, 3), None),
            ("c", "丙", "outlet", "S", old, date(2023, 1, 5)),
            ("d", "丁", "outlet", "S", old, None),
            ("z", "已撤", "outlet", "S", old, date(2022, 12, 31)),
        ],
        columns=["unit_id", "name", "level", "parent_id", "opened_on", "closed_on"],
    )
    rows = [
        ("a", "2022-12-31", 100),
        ("a", "2023-01-01", 110),
        ("a", "2023-01-03", 130),
        ("a", "2023-01-04", 140),
        ("a", "2023-01-05", 150),
        ("a", "2023-01-06", 160),
        ("a", "2023-01-07", 999),
        ("b", "2023-01-03", 50),
        ("b", "2023-01-04", 60),
        ("b", "2023-01-05", 70),
        ("b", "2023-01-06", 80),
        ("c", "2022-12-31", 40),
        ("c", "2023-01-02", 44),
        ("c", "2023-01-05", 50),
        ("c", "2023-01-06", 999),
        ("z", "2022-12-31", 7),
    ]
    rows += [("d", "2022-12-31", 10)] + [("d", f"2023-01-0{i}", 10) for i in range(1, 7)] + [("d", "2023-01-02", 10)]
    daily = pd.DataFrame(rows, columns=["unit_id", "biz_date", "corporate_deposit"])
    daily["biz_date"] = pd.to_datetime(daily["biz_date"]).dt.date
    daily["savings_deposit"] = daily["corporate_deposit"] * 2
    daily["loans"] = 1000
    daily["npl_substandard"], daily["npl_doubtful"], daily["npl_loss"] = 5, 3, 2
    daily.loc[(daily.unit_id == "d") & (daily.biz_date == date(2023, 1, 4)), "loans"] = 5  # NPL 10 > loans 5
    business = pd.DataFrame(
        [
            ("a", "2023-01", 3, 100, 7, 2, 50, 1, 90, 10, 100, 4),
            ("b", "2023-01", 1, 0, 0, 0, 0, 0, 30, 10, 41, 0),
            ("d", "2023-01", 1, 1, 1, 1, 1, 1, 1, 1, 2, 1),
            ("d", "2023-01", 1, 1, 1, 1, 1, 1, 1, 1, 2, 1),
            ("a", "2022-12", 9, 9, 9, 9, 9, 9, 9, 9, 18, 9),
        ],
        columns=[
            "unit_id",
            "month",
            "new_corporate_accounts",
            "personal_loans_recovered",
            "npl_recovered",
            "payroll_customers_added",
            "card_spending",
            "merchants_added",
            "ebank_transactions",
            "counter_transactions",
            "total_transactions",
            "online_banking_customers_added",
        ],
    )
    windows = pd.DataFrame(
        [
            ("a", 1, "t1", "corporate_non_cash", old, None),
            ("a", 2, "t2", "corporate_non_cash", old, date(2023, 1, 3)),  # moved to a cash window on the 4th
            ("a", 3, "t2", "cash", date(2023, 1, 4), None),
            ("a", 4, "t3", "corporate_priority_cash", old, None),
            ("c", 1, "t4", "corporate_non_cash", old, date(2023, 1, 5)),  # to its closing day
            ("d", 1, "t5", "corporate_non_cash", date(2023, 1, 7), None),  # after the period
        ],
        columns=["unit_id", "window_no", "staff_id", "service", "opened_on", "closed_on"],
    )
    return [
        ("calendar", calendar),
        ("org_unit", org),
        ("daily_balance", daily),
        ("monthly_business", business),
        ("counter_window", windows),
    ]


def load_and_extract(request, tmp_path_factory, tables) -> dict[str, pd.DataFrame]:
    """Write ``tables`` to the backend named by ``request.param`` and extract PERIOD from it."""
    url = (
        f"sqlite:///{tmp_path_factory.mktemp('tiny') / 'tiny.sqlite'}"
        if request.param == "sqlite"
        else request.getfixturevalue("pg_url")
    )
    write(tables, url, progress=False)
    engine = create_engine(url)
    with engine.connect() as conn:
        got = extract(conn, PERIOD, SQL)
    engine.dispose()
    return got


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def frames(request, tmp_path_factory):
    return load_and_extract(request, tmp_path_factory, _tables())


def test_outlets_open_on_any_day_of_the_period(frames):
    assert frames["outlets"]["unit_id"].tolist() == ["a", "b", "c", "d"]  # z closed before the period


def test_balances_by_hand(frames):
    b = frames["outlet_balances"].set_index("unit_id")
    # a: 110 stands on 1 and 2 Jan (no row on the 2nd), then 130, 140, 150, 160 → 800 over 6 days
    assert b.loc["a", ["corporate_day_sum", "covered_days", "open_days", "corporate_end", "corporate_year_start"]].tolist() == [
        800,
        6,
        6,
        160,
        100,
    ]
    assert b.loc["a", ["rows_in_period", "distinct_days"]].tolist() == [5, 5]  # a gap the suite will catch
    # b opened on 3 Jan: four days, no 年初 row and none required; its growth counts from its opening
    # day's balance (50), never from zero
    assert b.loc["b", ["corporate_day_sum", "covered_days", "open_days", "corporate_end"]].tolist() == [260, 4, 4, 80]
    assert b.loc["b", "corporate_year_start"] == 50 and b.loc["b", "year_start_missing"] == 0
    # c closed on 5 Jan: 31 Dec's 40 carried to 1 Jan, 44 for 2–4 Jan, 50 on the 5th; the row after closing ignored
    assert b.loc["c", ["corporate_day_sum", "covered_days", "open_days", "corporate_end", "corporate_year_start"]].tolist() == [
        222,
        5,
        5,
        50,
        40,
    ]
    assert b.loc["c", "last_day"] == pd.Timestamp("2023-01-05")
    # d: a duplicated day is counted, so the suite can refuse it; NPL above loans on one day
    assert b.loc["d", ["rows_in_period", "distinct_days", "npl_over_loans_rows", "negative_rows"]].tolist() == [7, 6, 1, 0]
    assert b.loc["d", "first_duplicate_date"] == pd.Timestamp("2023-01-02") and pd.isna(b.loc["a", "first_duplicate_date"])
    assert b.loc["a", "savings_day_sum"] == 1600 and b.loc["a", "npl_end"] == 10


def test_business_sums_only_the_period_months(frames):
    m = frames["outlet_business"].set_index("unit_id")
    assert m.loc["a", ["new_corporate_accounts", "card_spending", "months_reported", "distinct_months"]].tolist() == [3, 50, 1, 1]
    assert m.loc["b", "channel_mismatch_rows"] == 1  # 30 + 10 ≠ 41
    assert m.loc["d", ["months_reported", "distinct_months"]].tolist() == [2, 1]
    assert m.loc["c", "months_reported"] == 0  # open, but reported nothing
    # counter staffing on the period's last day, a closed outlet's on its closing day (篇二)
    staffing = m[["corporate_non_cash_tellers", "corporate_priority_windows"]]
    assert staffing.to_dict("index") == {
        "a": {"corporate_non_cash_tellers": 1, "corporate_priority_windows": 1},  # t2 left its 对公 window on the 3rd
        "b": {"corporate_non_cash_tellers": 0, "corporate_priority_windows": 0},
        "c": {"corporate_non_cash_tellers": 1, "corporate_priority_windows": 0},
        "d": {"corporate_non_cash_tellers": 0, "corporate_priority_windows": 0},  # not yet
    }


def test_sqlite_and_postgresql_give_identical_frames(pg_url, tmp_path):
    got = []
    for url in (f"sqlite:///{tmp_path / 'w.sqlite'}", pg_url):
        write(_tables(), url, progress=False)
        engine = create_engine(url)
        with engine.connect() as conn:
            got.append(extract(conn, PERIOD, SQL))
        engine.dispose()
    for name in got[0]:
        pd.testing.assert_frame_equal(got[0][name], got[1][name], check_dtype=True, obj=name)


def test_the_sample_warehouse_extracts_identically_on_both(pg_url, sample_url):
    from reportpack.warehouse.sample import SampleSpec, generate

    write(generate(SampleSpec()), pg_url, progress=False)
    got = []
    for url in (sample_url, pg_url):
        engine = create_engine(url)
        with engine.connect() as conn:
            got.append(extract(conn, Period.parse("2023H1"), SQL))
        engine.dispose()
    for name in got[0]:
        pd.testing.assert_frame_equal(got[0][name], got[1][name], obj=name)


def test_a_new_outlets_customers_are_averaged_over_the_months_it_was_open(sample_url):
    """友谊路 opened on 1 March 2023: its customers' 日均 is over March–June (122 days), not over the
    181 days of the half year, so the tiers do not shrink by the months it did not exist."""
    engine = create_engine(sample_url)
    with engine.connect() as conn:
        tiers = extract(conn, Period.parse("2023H1"), SQL)["customer_tiers"].set_index("unit_id")
        rows = pd.read_sql(
            "select customer_id, month, avg_daily_balance from customer_month "
            "where unit_id = 'BR01-S003-O00012' and month between '2023-01' and '2023-06'",
            conn,
        )
    engine.dispose()
    days = {"2023-03": 31, "2023-04": 30, "2023-05": 31, "2023-06": 30}
    assert set(rows["month"]) == set(days)  # no rows before it opened (a source rule guarantees it)
    rows["weighted"] = rows["avg_daily_balance"] * rows["month"].map(days)
    avg = rows.groupby("customer_id")["weighted"].sum() / 122
    t = tiers.loc["BR01-S003-O00012"]
    assert t["customers"] == len(avg)
    assert t["tier_10m_plus"] == int((avg >= 10_000_000).sum())
    assert t["tier_1m_5m"] == int(((avg >= 1_000_000) & (avg < 5_000_000)).sum())
    assert t["deposits_5m_plus"] == pytest.approx(avg[avg >= 5_000_000].sum())
