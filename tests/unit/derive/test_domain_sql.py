"""The domain extractions (篇一, 三, 四, 五, 六, 七 and the customer tiers) on a tiny warehouse whose
figures are computed by hand, on SQLite and on PostgreSQL."""

from datetime import date

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reportpack.derive import confidentiality, finance, operations, service
from reportpack.warehouse.load import write
from tests.unit.test_extract import PERIOD, _tables, load_and_extract

D = date.fromisoformat


def _domain_tables():
    tables = dict(_tables())
    org = tables["org_unit"]
    org = pd.concat(
        [org, pd.DataFrame([("S-D01", "东支行会计结算部", "department", "S", D("2005-01-01"), None)], columns=org.columns)]
    )
    tables["org_unit"] = org
    tables["staff"] = pd.DataFrame(
        [
            ("m1", "张三", D("2010-01-01")),
            ("m2", "李四", D("2010-01-01")),
            ("t1", "王五", D("2015-01-01")),
            ("t2", "赵六", D("2016-01-01")),
        ],
        columns=["staff_id", "name", "hired_on"],
    )
    tables["staff_assignment"] = pd.DataFrame(
        [
            ("m1", "c", "operations_manager", D("2020-01-01"), D("2023-01-02")),  # moves from 丙 to 甲 on 3 Jan
            ("m1", "a", "operations_manager", D("2023-01-03"), None),
            ("m2", "a", "operations_manager", D("2020-01-01"), D("2023-01-02")),
            ("t1", "a", "teller", D("2020-01-01"), None),
            ("t2", "a", "teller", D("2020-01-01"), D("2023-01-04")),  # leaves before the period ends
        ],
        columns=["staff_id", "unit_id", "role", "start_date", "end_date"],
    )
    tables["teller_month"] = pd.DataFrame(
        [
            ("t1", "a", "2023-01", 20, 4000, 260, 3900, 60, 2, 90),
            ("t2", "a", "2023-01", 10, 1000, 150, 990, 20, 0, 80),
            ("t1", "a", "2022-12", 20, 9999, 999, 9999, 99, 9, 10),
        ],
        columns=[
            "staff_id",
            "unit_id",
            "month",
            "working_days",
            "transactions",
            "max_day_transactions",
            "customers_served",
            "remittances",
            "praise",
            "appraisal_score",
        ],
    )
    tables["teller_error"] = pd.DataFrame(
        [
            ("e1", "t1", "a", D("2023-01-02"), "minor", True, 0),
            ("e2", "t1", "a", D("2023-01-04"), "major", False, 200),
            ("e3", "t2", "a", D("2022-12-20"), "minor", False, 50),
        ],
        columns=["error_id", "staff_id", "unit_id", "occurred_on", "severity", "corrected", "penalty"],
    )
    tables["ops_manager_month"] = pd.DataFrame(
        [("m1", "a", "2023-01", 300, 10, 2, 1), ("m2", "a", "2023-01", 100, 5, 0, 0), ("m1", "c", "2023-01", 50, 2, 0, 0)],
        columns=[
            "staff_id",
            "unit_id",
            "month",
            "authorisations_reviewed",
            "inspections_done",
            "errors_found",
            "errors_corrected",
        ],
    )
    tables["risk_event"] = pd.DataFrame(
        [
            ("r1", "a", "m1", D("2023-01-04"), "印章管理", D("2023-01-05"), True),
            ("r2", "a", "m1", D("2023-01-05"), "凭证管理", D("2023-01-06"), False),
            ("r3", "a", "m1", D("2023-01-06"), "凭证管理", None, None),
            # on m2's last day at 甲, but stamped by the upstream system with the successor's id
            ("r4", "a", "m1", D("2023-01-02"), "现金管理", D("2023-01-03"), False),
        ],
        columns=["event_id", "unit_id", "staff_id", "occurred_on", "category", "replied_on", "reply_accurate"],
    )
    tables["meeting"] = pd.DataFrame(
        [
            ("k1", "a", D("2023-01-05"), "case_prevention"),
            ("k2", "a", D("2023-01-02"), "case_prevention"),
            ("k3", "S-D01", D("2023-01-04"), "internal_control"),
            ("k4", "S", D("2023-01-06"), "bank_enterprise"),
        ],
        columns=["meeting_id", "unit_id", "held_on", "kind"],
    )
    tables["complaint"] = pd.DataFrame(
        [
            ("p1", "a", D("2023-01-02"), True, True),
            ("p2", "a", D("2023-01-03"), False, True),
            ("p3", "a", D("2023-01-04"), False, False),
        ],
        columns=["complaint_id", "unit_id", "received_on", "valid", "resolved_first_contact"],
    )
    tables["lobby_month"] = pd.DataFrame(
        [("a", "2023-01", 176, 91, 12)], columns=["unit_id", "month", "opening_hours", "service_score", "referrals"]
    )
    tables["six_s_inspection"] = pd.DataFrame(
        [("a", D("2023-01-03"), "素养", 70), ("a", D("2023-01-05"), "素养", 80), ("a", D("2023-01-03"), "安全", 95)],
        columns=["unit_id", "inspected_on", "dimension", "score"],
    )
    tables["customer_month"] = pd.DataFrame(
        [
            ("k1", "a", "2023-01", 999_999),
            ("k2", "a", "2023-01", 1_000_000),
            ("k3", "a", "2023-01", 5_000_000),
            ("k4", "a", "2023-01", 10_000_000),
            ("k5", "b", "2023-01", 4_999_999),
        ],
        columns=["customer_id", "unit_id", "month", "avg_daily_balance"],
    )
    tables["budget_month"] = pd.DataFrame(
        [("S", f"2023-{m:02d}", "办公费", 100, 90 if m == 1 else 0) for m in range(1, 13)],
        columns=["unit_id", "month", "expense_line", "budget", "actual"],
    )
    tables["fixed_asset"] = pd.DataFrame(
        [
            ("f1", "a", "电子设备", D("2020-01-01"), 1000, None),
            ("f2", "a", "电子设备", D("2020-01-01"), 500, D("2023-01-03")),
            ("f3", "b", "办公家具", D("2023-01-10"), 700, None),
        ],
        columns=["asset_id", "unit_id", "category", "acquired_on", "cost", "written_off_on"],
    )
    tables["training_session"] = pd.DataFrame(
        [("s1", "S-D01", D("2023-01-04"), "保密知识", True), ("s2", "S-D01", D("2023-01-05"), "反洗钱", False)],
        columns=["session_id", "unit_id", "held_on", "topic", "held"],
    )
    tables["training_session"] = pd.concat(
        [
            tables["training_session"],
            pd.DataFrame([("s3", "a", D("2023-01-06"), "柜面业务", True)], columns=tables["training_session"].columns),
        ]
    )
    tables["training_attendance"] = pd.DataFrame(
        [("s1", "t1"), ("s1", "t2"), ("s2", "m1"), ("s3", "t1")], columns=["session_id", "staff_id"]
    )
    tables["confidentiality_inspection"] = pd.DataFrame(
        [("i1", "S", D("2023-01-03"), 3, 2)], columns=["inspection_id", "unit_id", "inspected_on", "risks_found", "risks_fixed"]
    )
    tables["confidentiality_pledge"] = pd.DataFrame(
        [("t1", D("2023-01-02")), ("m1", D("2022-06-01"))], columns=["staff_id", "signed_on"]
    )
    tables["confidentiality_incident"] = pd.DataFrame(columns=["incident_id", "unit_id", "occurred_on", "severity"])
    tables["plan_target"] = pd.DataFrame(
        [("a", "2023", "merchants_added", 12.0, "owner", D("2023-01-15"))],
        columns=["unit_id", "period", "indicator", "target", "source", "set_on"],
    )
    return list(tables.items())


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def frames(request, tmp_path_factory):
    return load_and_extract(request, tmp_path_factory, _domain_tables())


def test_operations_manager_spells_by_hand(frames):
    om = operations.ops_manager_figures(frames, PERIOD).set_index(["staff_id", "unit_id"])
    moved = om.loc[("m1", "a")]
    assert moved.previous_unit_name == "丙" and moved.moved
    assert (moved.first_day, moved.last_day) == (pd.Timestamp("2023-01-03"), pd.Timestamp("2023-01-06"))
    assert (moved.authorisations_reviewed, moved.errors_found, moved.errors_corrected) == (300, 2, 1)
    assert (moved.risk_events, moved.replies, moved.accurate_replies) == (3, 2, 1) and moved.reply_accuracy == 0.5
    assert moved.case_prevention_meetings == 1 and moved.major_errors == 1 and not moved.no_major_error
    assert moved.months_served == 1  # 3–6 January
    assert moved.errors_open == 1 and not moved.left_before_end and not moved.whole_period  # came on 3 January
    before = om.loc[("m2", "a")]
    assert before.case_prevention_meetings == 1 and before.major_errors == 0 and before.no_major_error
    # events belong to whoever managed the outlet that day, whatever id the upstream system stamped
    assert (before.risk_events, before.replies, before.accurate_replies) == (1, 1, 0) and before.reply_accuracy == 0
    elsewhere = om.loc[("m1", "c")]
    assert elsewhere.risk_events == 0 and pd.isna(elsewhere.reply_accuracy)  # no events, no accuracy — not 0%


def test_tellers_by_hand(frames):
    t = operations.teller_figures(frames).set_index("staff_id")
    assert (t.loc["t1", "in_post_at_period_end"], t.loc["t2", "in_post_at_period_end"]) == (1, 0)
    assert (t.loc["t1", "transactions"], t.loc["t1", "working_days"], t.loc["t1", "transactions_per_day"]) == (4000, 20, 200)
    assert (t.loc["t1", "errors"], t.loc["t1", "major_errors"], t.loc["t1", "uncorrected_errors"], t.loc["t1", "penalties"]) == (
        2,
        1,
        1,
        200,
    )
    assert t.loc["t1", "error_rate_per_10k"] == 5.0 and t.loc["t2", "errors"] == 0  # December's error is outside
    # ranked by 日均 among the tellers who worked at least 80 % of the outlet's most days: t2 left early
    assert (t.loc["t1", "per_day_rank"], t.loc["t1", "ranked_tellers"]) == (1, 1) and pd.isna(t.loc["t2", "per_day_rank"])


def test_lobby_and_six_s_by_hand(frames):
    frames = {**frames, "outlet_business": frames["outlet_business"].assign(total_transactions=10_000)}
    lobby = service.lobby_figures(frames).set_index("unit_id")
    a = lobby.loc["a"]
    assert (a.complaints, a.valid_complaints, a.resolved_first_contact) == (3, 1, 2)
    assert a.complaint_rate_per_10k == 3 and a.valid_complaint_rate_per_10k == 1
    assert a.six_s_素养 == 75 and a.six_s_安全 == 95 and a.six_s_weakest == "素养"
    assert lobby.loc["b", "complaints"] == 0 and pd.isna(lobby.loc["b", "first_contact_rate"])


def test_customer_tiers_lower_bounds_are_inclusive(frames):
    tiers = frames["customer_tiers"].set_index("unit_id")
    assert tiers.loc["a", ["below_1m", "tier_1m_5m", "tier_5m_10m", "tier_10m_plus"]].tolist() == [1, 1, 1, 1]
    assert tiers.loc["b", "tier_1m_5m"] == 1
    assert (tiers[["below_1m", "tier_1m_5m", "tier_5m_10m", "tier_10m_plus"]].sum(axis=1) == tiers["customers"]).all()


def test_accounting_by_hand(frames):
    acc = operations.accounting_figures(frames).set_index("sub_branch_id").loc["S"]
    assert (acc.internal_control_meetings, acc.bank_enterprise_meetings) == (1, 1)
    assert (acc.inspections, acc.findings, acc.findings_rectified) == (17, 2, 1) and acc.rectification_rate == 0.5
    assert (acc.tellers, acc.appraisal_score, acc.teller_errors, acc.tellers_without_error, acc.penalties) == (2, 85, 2, 1, 200)
    assert (acc.sessions_planned, acc.sessions_held, acc.training_completion) == (2, 1, 0.5)
    assert acc.error_rate_per_10k == 4.0  # 2 errors in 5,000 transactions


def test_budget_execution_against_time_progress(frames):
    b = finance.budget_figures(frames, PERIOD).set_index(["sub_branch_id", "expense_line"])
    line = b.loc[("S", "办公费")]
    assert (line.budget, line.actual, line.annual_budget) == (100, 90, 1200) and line.execution_rate == 0.9
    assert line.annual_progress == pytest.approx(90 / 1200)
    # the gap of the printed rates (7.50 % and 1.64 %): 5.86个百分点, as a reader redoes it
    assert line.progress_gap == pytest.approx(0.0586) and line.progress_gap != pytest.approx(90 / 1200 - 6 / 365)
    assert b.loc[("S", "合计"), "actual"] == 90


def test_fixed_assets_and_training(frames):
    fa = frames["fixed_assets"].set_index("sub_branch_id").loc["S"]
    # f1 in use; f2 written off on 3 Jan; f3 acquired after the period
    assert (fa.assets_in_use, fa.assets_cost, fa.assets_written_off, fa.written_off_cost) == (1, 1000, 1, 500)
    # s2 was planned, not held; 王五 (t1) attended two sessions: 3 人次, 2 人
    assert (fa.training_attendances, fa.staff_trained) == (3, 2)


def test_confidentiality_by_hand(frames):
    c = confidentiality.confidentiality_figures(frames).iloc[0]
    assert (c.inspections, c.risks_found, c.risks_fixed, c.incidents) == (1, 3, 2, 0)
    assert c.staff_in_post == 2  # m1 (now at 甲), t1; m2's spell ended on 2 Jan, t2 left on 4 Jan
    assert c.pledged == 1 and c.trained == 1  # m1 signed last year; t2 was trained but is gone
    assert c.pledge_rate == pytest.approx(1 / 2) and c.fix_rate == pytest.approx(2 / 3)


def test_plan_targets_for_the_year_of_the_period(frames):
    t = frames["plan_targets"]
    assert t[["unit_id", "indicator", "target", "source"]].values.tolist() == [["a", "merchants_added", 12.0, "owner"]]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 30_000_000), min_size=1, max_size=30))
def test_tiers_partition_the_customers(balances):
    """Every customer falls in exactly one band, lower bounds inclusive (100万(含)-500万 …)."""
    import tempfile

    from sqlalchemy import create_engine

    from reportpack.extract import run_query
    from tests.unit.test_extract import SQL

    calendar = dict(_tables())["calendar"]
    cm = pd.DataFrame(
        {
            "customer_id": [f"k{i}" for i in range(len(balances))],
            "unit_id": "a",
            "month": "2023-01",
            "avg_daily_balance": balances,
        }
    )
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/t.sqlite"
        write([("calendar", calendar), ("customer_month", cm)], url, progress=False)
        engine = create_engine(url)
        with engine.connect() as conn:
            row = run_query(
                conn, (SQL / "customer_tiers.sql").read_text("utf-8"), {"first_month": "2023-01", "last_month": "2023-01"}
            ).iloc[0]
        engine.dispose()
    bands = [row.below_1m, row.tier_1m_5m, row.tier_5m_10m, row.tier_10m_plus]
    assert sum(bands) == row.customers == len(balances)
    expected = [
        sum(b < 1e6 for b in balances),
        sum(1e6 <= b < 5e6 for b in balances),
        sum(5e6 <= b < 1e7 for b in balances),
        sum(b >= 1e7 for b in balances),
    ]
    assert bands == expected
