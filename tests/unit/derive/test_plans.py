"""The accounting plan's targets and named outlets are figures (derive/plans.py, issue #31): the
template prints them and compares nothing."""

from datetime import date

import pandas as pd
import pytest

from reportpack.derive import plans
from reportpack.owner.targets import AccountingPlanTargets

PLAN = AccountingPlanTargets()


def _sub(**over) -> pd.DataFrame:
    row = dict(
        sub_branch_id="s1",
        findings=42,
        findings_rectified=38,
        sessions_planned=6,
        sessions_held=4,
        error_rate_per_10k=0.6,
        zero_error_share=0.3,
    )
    return pd.DataFrame([{**row, **over}])


OUTLETS = pd.DataFrame(
    {
        "sub_branch_id": ["s1", "s1", "s1", "s1", "s1", "s2"],
        "outlet_name": ["甲", "乙", "丙", "丁", "己", "戊"],
        "teller_error_rate_per_10k": [0.5, 1.2, None, 0.5, 0.1, 9.0],
        # 己 had the lowest rate but closed in the period: nobody of it teaches in the next half
        "closed_in_period": [None, None, None, None, date(2023, 5, 31), None],
    }
)


def test_open_problems_missed_training_and_the_error_rate_target():
    out = plans.accounting_targets(_sub(), OUTLETS, PLAN, 6).iloc[0]
    assert (out.findings_open, out.sessions_missed, out.months_in_period) == (4, 2, 6)
    assert out.target_error_rate_per_10k == pytest.approx(0.48)  # down a fifth
    # all rectified, more held than planned: nothing open, nothing missed (never negative)
    done = plans.accounting_targets(_sub(findings_rectified=42, sessions_held=7), OUTLETS, PLAN, 6).iloc[0]
    assert (done.findings_open, done.sessions_missed) == (0, 0)


@pytest.mark.parametrize(
    ("share", "target"),
    [
        (0.3, 0.4),  # up a tenth
        (0.12, 0.25),  # 0.22 rounded up to a multiple of 5 %
        (0.45, 0.5),  # capped at a half
        (0.7, 0.7),  # already past the cap: kept, never lowered
        (0.35, 0.45),  # 0.45 exactly, not 0.5 from float noise
    ],
)
def test_the_error_free_share_target_rises_a_tenth_in_steps_of_five_per_cent_up_to_a_half(share, target):
    out = plans.accounting_targets(_sub(zero_error_share=share), OUTLETS, PLAN, 6).iloc[0]
    assert out.target_zero_error_share == pytest.approx(target)


def test_the_outlets_with_the_lowest_and_highest_error_rate_of_its_own_sub_branch():
    out = plans.accounting_targets(_sub(), OUTLETS, PLAN, 6).iloc[0]
    # 甲 and 丁 tie at 0.5: the first in the outlets' order teaches; 戊 is another sub-branch's, 己 closed
    assert (out.lowest_error_outlet, out.lowest_error_rate) == ("甲", 0.5)
    assert (out.highest_error_outlet, out.highest_error_rate) == ("乙", 1.2)
    assert out.highest_error_multiple == pytest.approx(2.0)  # 1.20 ÷ 0.60 as printed
    alone = plans.accounting_targets(_sub(sub_branch_id="s3"), OUTLETS, PLAN, 6).iloc[0]
    assert pd.isna(alone.lowest_error_outlet) and pd.isna(alone.highest_error_multiple)
