"""The sample warehouse generator: deterministic, plausible, and the shape reports rely on."""

from datetime import date

import pandas as pd
import pytest

from reportpack.warehouse.sample import SampleSpec, build_frames


@pytest.fixture(scope="module")
def sample():
    return build_frames(SampleSpec())


def test_same_seed_same_data_other_seed_other_data(sample):
    again = build_frames(SampleSpec())
    for name in sample:
        pd.testing.assert_frame_equal(sample[name], again[name], obj=name)
    other = build_frames(SampleSpec(seed=1))
    assert not other["daily_balance"].equals(sample["daily_balance"])


def test_one_branch_three_sub_branches_twenty_outlets_and_mid_year_changes(sample):
    org = sample["org_unit"]
    assert (org["level"] == "branch").sum() == 1 and (org["level"] == "sub_branch").sum() >= 3
    outlets = org[org["level"] == "outlet"]
    assert len(outlets) >= 20
    assert (outlets["closed_on"].notna()).sum() >= 1 and (outlets["opened_on"] > date(2023, 1, 1)).sum() >= 1
    moves = sample["staff_assignment"].query("role == 'operations_manager'").groupby("staff_id")["unit_id"].nunique()
    assert (moves > 1).any()  # someone changed outlet


def test_balances_daily_from_year_start_and_never_negative(sample):
    daily = sample["daily_balance"]
    assert daily["biz_date"].min() == date(2021, 12, 31) and daily["biz_date"].max() == date(2023, 12, 31)
    assert (daily[["corporate_deposit", "savings_deposit", "loans"]] >= 0).all().all()
    npl = daily[["npl_substandard", "npl_doubtful", "npl_loss"]].sum(axis=1)
    assert (npl <= daily["loans"]).all()


def test_most_tellers_make_no_error_most_months(sample):
    months = len(sample["teller_month"])
    assert len(sample["teller_error"]) < 0.5 * months


@pytest.mark.parametrize("outlets", [200, 20000])
def test_at_scale_no_sub_branch_closes_or_opens_all_its_outlets(outlets):
    """With 2,500 sub-branches, a closure rule on the outlet number alone closed all eight outlets
    of one sub-branch in 25 (leaving it open with no ledger) and opened all of another's in March —
    rows the source rules rightly reject. At most one of each per sub-branch."""
    from reportpack.warehouse.sample import _organisation

    org = _organisation(SampleSpec(outlets=outlets))
    out = org[org["level"] == "outlet"]
    per = out.groupby("parent_id").agg(
        n=("unit_id", "size"),
        closed=("closed_on", lambda c: int(c.notna().sum())),
        new=("opened_on", lambda d: int((pd.to_datetime(d) > pd.Timestamp(2023, 1, 1)).sum())),
    )
    assert per["closed"].sum() >= 1 and per["new"].sum() >= 1
    assert per["closed"].max() == 1 and per["new"].max() == 1


def test_no_asset_is_written_off_before_it_was_acquired():
    assets = build_frames(SampleSpec(outlets=400))["fixed_asset"]
    off = assets.dropna(subset=["written_off_on"])
    assert len(off) > 0 and (pd.to_datetime(off["written_off_on"]) > pd.to_datetime(off["acquired_on"])).all()


def test_first_half_deposit_targets_are_half_the_year_plan_and_plans_follow_the_outlet(sample):
    """One base: the sample's owners split each annual deposit plan into halves, and size the plan
    from the outlet's own balance (a plan of 33 % growth beside 3 % achieved made 1,200 % 完成率)."""
    plans = sample["plan_target"].set_index(["unit_id", "period", "indicator"])["target"]
    balances = sample["daily_balance"].set_index(["unit_id", "biz_date"])["corporate_deposit"]
    halves = 0
    for (unit, period, indicator), target in plans.items():
        if period.endswith("H1") and indicator in ("corporate_growth", "savings_growth"):
            year_plan = plans[(unit, period[:4], f"{indicator.split('_')[0]}_deposit_growth")]
            assert target == pytest.approx(year_plan / 2, abs=1), (unit, period, indicator)
            halves += 1
    assert halves >= 80
    for (unit, period, indicator), target in plans.items():
        start = balances.get((unit, date(int(period) - 1, 12, 31))) if period.isdigit() else None
        if indicator == "corporate_deposit_growth" and start:
            assert 0.03 * start - 1 <= target <= 0.6 * start, (unit, period, target, start)


def _moved_balances(frames, unit_id, day):
    daily = frames["daily_balance"].set_index(["unit_id", "biz_date"])
    return daily.loc[(unit_id, day), ["corporate_deposit", "savings_deposit"]].astype(float)


@pytest.mark.parametrize("outlets", [22, 1100])  # 1,100: receivers and givers in other batches (BATCH = 500)
def test_every_closing_and_opening_moves_accounts_that_both_sides_balances_show(outlets):
    """issue #34: a closed outlet's accounts go somewhere, a new outlet's come from somewhere, and the
    balances on both sides move by what the warehouse says moved (the sub-branch's total does not)."""
    frames = build_frames(SampleSpec(outlets=outlets, start=date(2022, 12, 31)))
    org = frames["org_unit"].set_index("unit_id")
    moves = frames["account_transfer"]
    closed = org[(org["level"] == "outlet") & org["closed_on"].notna()].index
    opened = org[(org["level"] == "outlet") & (pd.to_datetime(org["opened_on"]) > pd.Timestamp(2023, 1, 1))].index
    assert len(closed) and set(closed) == set(moves.query("reason == 'closure'")["from_unit_id"])
    assert set(moves.query("reason == 'opening'")["to_unit_id"]) <= set(opened)
    for m in moves.itertuples():
        day, before = m.moved_on, m.moved_on - pd.Timedelta(days=1)
        assert org.loc[m.from_unit_id, "parent_id"] == org.loc[m.to_unit_id, "parent_id"]
        if m.reason == "closure":  # the receiver's balance jumps by what moved (less what left that first day)
            jump = _moved_balances(frames, m.to_unit_id, day) - _moved_balances(frames, m.to_unit_id, before)
            closing = _moved_balances(frames, m.from_unit_id, before)
            assert (closing >= [m.corporate_deposit, m.savings_deposit]).all()
            assert jump["corporate_deposit"] > 0.8 * m.corporate_deposit
        else:  # the giver's balance drops by what it gave the new outlet
            drop = _moved_balances(frames, m.from_unit_id, before) - _moved_balances(frames, m.from_unit_id, day)
            assert drop["corporate_deposit"] > 0.8 * m.corporate_deposit
        assert m.retained_on is None or m.corporate_retained <= m.corporate_deposit


@pytest.mark.parametrize("outlets", [22, 1100])
def test_every_closing_hands_over_its_seals_vouchers_and_archives_to_its_sub_branch_and_receiver(outlets):
    """A closed outlet's manager summary words its closing duties (印章上缴、重空凭证和会计档案移交)
    from closing_handover: every closing has the three, to its sub-branch's 会计结算部 or to the
    outlet taking over its accounts, on or after its closing day."""
    frames = build_frames(SampleSpec(outlets=outlets, start=date(2022, 12, 31)))
    org = frames["org_unit"].set_index("unit_id")
    handover, moves = frames["closing_handover"], frames["account_transfer"].query("reason == 'closure'")
    closed = org[(org["level"] == "outlet") & org["closed_on"].notna()].index
    assert len(closed) and set(handover["unit_id"]) == set(closed)
    assert (handover.groupby("unit_id")["item"].apply(sorted) == [["archive", "blank_voucher", "seal"]] * len(closed)).all()
    receiver = moves.set_index("from_unit_id")["to_unit_id"]
    for h in handover.itertuples():
        sub = org.loc[h.unit_id, "parent_id"]
        to = receiver[h.unit_id] if h.item == "blank_voucher" else f"{sub}-D01"
        assert h.handed_to_unit_id == to and org.loc[to, "level"] in ("outlet", "department")
        assert org.loc[h.unit_id, "closed_on"] <= h.handed_on <= org.loc[h.unit_id, "closed_on"] + pd.Timedelta(days=30)
        assert h.quantity > 0 and h.discrepancies == 0


def test_every_teller_staffs_one_window_and_every_outlet_keeps_corporate_and_cash_ones(sample):
    """The seed's 篇二 "x名对公非现金柜员、x个现金对公优先窗口" and 篇六 "我所在的岗位是xx的服务窗口"."""
    windows, posts = sample["counter_window"], sample["staff_assignment"]
    tellers = posts[posts["role"] == "teller"]
    assert sorted(windows["staff_id"]) == sorted(tellers["staff_id"])  # one window per teller spell
    merged = windows.merge(tellers, on=["staff_id", "unit_id"])
    assert (merged["opened_on"] == merged["start_date"]).all()
    assert (merged["closed_on"].fillna(date(9999, 1, 1)) == merged["end_date"].fillna(date(9999, 1, 1))).all()
    per_outlet = windows.groupby("unit_id")["service"]
    # every outlet of the sample holds corporate deposits: it staffs a 对公非现金 window, and keeps a cash one
    assert per_outlet.apply(lambda s: (s == "corporate_non_cash").any() and (s == "cash").any()).all()
    assert set(windows["service"]) == {"corporate_non_cash", "corporate_priority_cash", "cash"}
