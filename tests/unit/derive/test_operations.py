"""Operations figures (篇一 篇四 篇六) from tiny inline frames, computed by hand."""

import math

import pandas as pd
import pytest

from reportpack.derive.operations import accounting_figures, ops_manager_figures, teller_figures
from reportpack.periods import Period

OUTLETS = pd.DataFrame(
    {
        "unit_id": ["O1", "O2"],
        "outlet_name": ["解放路", "中山路"],
        "sub_branch_id": ["S1", "S1"],
        "sub_branch_name": ["城东支行"] * 2,
        "branch_name": ["滨江分行"] * 2,
        "opened_on": pd.to_datetime(["2005-01-01", "2005-01-01"]),
        "closed_on": pd.to_datetime([None, None]),
    }
)


def test_an_operations_manager_who_moved_in_april_served_three_months_at_the_new_outlet():
    om = pd.DataFrame(
        {
            "unit_id": ["O1", "O2"],
            "staff_id": ["M1", "M1"],
            "staff_name": ["张华", "张华"],
            "first_day": pd.to_datetime(["2023-01-01", "2023-04-01"]),
            "last_day": pd.to_datetime(["2023-03-31", "2023-06-30"]),
            "previous_unit_name": [None, "解放路"],
            "accurate_replies": [3, 0],
            "replies": [4, 0],
            "errors_corrected": [5, 2],
            "errors_found": [5, 4],
            "major_errors": [0, 1],
            "teller_errors": [6, 4],  # one of 解放路's was found by someone else
            "authorisations_reviewed": [3000, 1100],
            "inspections_done": [60, 50],
        }
    )
    out = ops_manager_figures({"ops_managers": om, "outlets": OUTLETS}, Period.parse("2023H1")).set_index("unit_id")
    assert out.loc["O1", "months_served"] == 3 and out.loc["O2", "months_served"] == 3
    assert out.loc["O1", "reply_accuracy"] == 0.75
    assert math.isnan(out.loc["O2", "reply_accuracy"])  # no replies: no rate, not 0 %
    assert out.loc["O2", "correction_rate"] == 0.5
    assert not out.loc["O1", "moved"] and out.loc["O2", "moved"]
    assert out.loc["O1", "no_major_error"] and not out.loc["O2", "no_major_error"]
    assert out.loc["O2", "outlet_name"] == "中山路"
    # the outgoing manager signs as former manager; neither served the whole half; 2 errors still open
    assert out.loc["O1", "left_before_end"] and not out.loc["O2", "left_before_end"]
    assert not out["whole_period"].any() and list(out["errors_open"]) == [0, 2]
    assert list(out["errors_found_by_others"]) == [1, 0]
    # neither spell is all the outlet had of the half year: the outlets' half-year figures are not theirs
    assert not out["whole_outlet_period"].any()
    # 月均 over the months each served: 3000 in 3 months is 1000 a month, 50 checks in 3 months 16.7
    assert out.loc["O1", "authorisations_per_month"] == 1000 and out.loc["O2", "inspections_per_month"] == 50 / 3


def test_a_managers_spell_is_all_the_outlet_had_of_the_period_from_its_opening_or_to_its_closing():
    outlets = OUTLETS.assign(
        opened_on=pd.to_datetime(["2023-03-01", "2005-01-01"]), closed_on=pd.to_datetime([None, "2023-05-31"])
    )
    om = pd.DataFrame(
        {
            "unit_id": ["O1", "O2", "O2"],
            "staff_id": ["M1", "M2", "M3"],
            "staff_name": ["梁磊", "邓秀", "张华"],
            "first_day": pd.to_datetime(["2023-03-01", "2023-01-01", "2023-01-01"]),
            "last_day": pd.to_datetime(["2023-06-30", "2023-05-31", "2023-01-31"]),
            "previous_unit_name": [None, None, None],
        }
    ).assign(accurate_replies=0, replies=0, errors_corrected=0, errors_found=0, major_errors=0, teller_errors=0)
    om = om.assign(authorisations_reviewed=1, inspections_done=1)
    out = ops_manager_figures({"ops_managers": om, "outlets": outlets}, Period.parse("2023H1")).set_index("staff_id")
    # from the new outlet's opening to the end; at the closed one January–May is all it had, January is not
    assert out.loc["M1", "whole_outlet_period"] and not out.loc["M1", "whole_period"]
    assert out.loc["M2", "whole_outlet_period"] and not out.loc["M3", "whole_outlet_period"]


def test_a_manager_takes_over_from_the_one_whose_spell_ended_the_day_before_and_hands_over_to_the_next():
    """issue #34: 马燕波 January–March, 高敏杰 from April at one outlet; a third manager elsewhere
    whose spell ends in March hands over to nobody (no spell starts there the day after)."""
    om = pd.DataFrame(
        {
            "unit_id": ["O1", "O1", "O2"],
            "staff_id": ["M1", "M2", "M3"],
            "staff_name": ["马燕波", "高敏杰", "张华"],
            "first_day": pd.to_datetime(["2023-01-01", "2023-04-01", "2023-01-01"]),
            "last_day": pd.to_datetime(["2023-03-31", "2023-06-30", "2023-03-30"]),
            "previous_unit_name": [None, None, None],
            "errors_found": [3, 0, 2],  # 马燕波 leaves one of hers open, to 高敏杰; 张华 one, to nobody
            "errors_corrected": [2, 0, 1],
        }
    ).assign(
        accurate_replies=0,
        replies=0,
        major_errors=0,
        teller_errors=0,
        authorisations_reviewed=1,
        inspections_done=1,
    )
    out = ops_manager_figures({"ops_managers": om, "outlets": OUTLETS}, Period.parse("2023H1")).set_index("staff_id")
    assert out.loc["M1", "successor_name"] == "高敏杰" and pd.isna(out.loc["M1", "predecessor_name"])
    assert out.loc["M2", "predecessor_name"] == "马燕波" and pd.isna(out.loc["M2", "successor_name"])
    assert pd.isna(out.loc["M3", "successor_name"]) and pd.isna(out.loc["M3", "predecessor_name"])
    # the open error 马燕波 handed over is the one 高敏杰 took over
    assert list(out["inherited_errors_open"]) == [0, 1, 0]


def test_tellers_rank_by_per_day_as_printed_among_those_with_comparable_days_and_rates_guard_zero_days():
    """The rank a plan prints beside 日均 is by 日均 (not by total transactions), as printed (one
    decimal: 200.04 and 199.96 share a place), among the tellers who worked at least 80 % of the
    outlet's most days (T5, 40 of 60 days, is not ranked; T6 would be first by 日均 in 10 days)."""
    t = pd.DataFrame(
        {
            "unit_id": ["O1", "O1", "O1", "O2", "O1", "O1"],
            "staff_id": ["T1", "T2", "T3", "T4", "T5", "T6"],
            "transactions": [12002, 15000, 9998, 0, 9000, 3000],
            "working_days": [60, 60, 50, 0, 40, 10],
            "customers_served": [3000, 3600, 2500, 0, 2000, 500],
            "errors": [3, 0, 6, 0, 0, 0],
            "appraisal_score": [90.0, 80.0, 85.0, 90.0, 88.0, 87.0],
            "remittances": [10, 20, 30, 0, 5, 5],
        }
    )
    out = teller_figures({"tellers": t}, min_days_share=0.8).set_index("staff_id")
    assert out.loc["T1", "transactions_per_day"] == pytest.approx(200.0333, abs=1e-4)
    assert out.loc["T1", "error_rate_per_10k"] == pytest.approx(2.4996, abs=1e-4)
    # T2 250.0, T3 199.96 → 200.0 as printed, T1 200.03 → 200.0: tied second; T5 and T6 not ranked
    assert list(out.loc[["T2", "T1", "T3"], "per_day_rank"]) == [1, 2, 2]
    assert out.loc[["T5", "T6"], "per_day_rank"].isna().all() and out.loc["T1", "ranked_tellers"] == 3
    assert out.loc["T1", "tellers_in_outlet"] == 5 and out.loc["T4", "tellers_in_outlet"] == 1
    assert out.loc["T1", "outlet_average_score"] == pytest.approx(86.0)  # every teller of the outlet
    assert math.isnan(out.loc["T4", "transactions_per_day"]) and math.isnan(out.loc["T4", "error_rate_per_10k"])


def test_accounting_error_rate_uses_the_transactions_of_the_sub_branchs_tellers():
    a = pd.DataFrame(
        {
            "sub_branch_id": ["S1", "S2"],
            "findings": [10, 0],
            "findings_rectified": [9, 0],
            "tellers": [4, 2],
            "tellers_without_error": [3, 2],
            "sessions_held": [5, 0],
            "sessions_planned": [6, 0],
            "teller_errors": [4, 0],
            "appraisal_score": [90.0, 84.0],
        }
    )
    tellers = pd.DataFrame({"unit_id": ["O1", "O2"], "transactions": [30000, 10000]})
    out = accounting_figures({"accounting": a, "outlets": OUTLETS, "tellers": tellers}).set_index("sub_branch_id")
    assert out.loc["S1", "teller_transactions"] == 40000
    assert out.loc["S1", "error_rate_per_10k"] == 1.0
    assert out.loc["S1", "rectification_rate"] == 0.9 and out.loc["S1", "zero_error_share"] == 0.75
    assert out.loc["S2", "teller_transactions"] == 0  # no teller of S2 among the rows: zero, not missing
    assert math.isnan(out.loc["S2", "error_rate_per_10k"]) and math.isnan(out.loc["S2", "training_completion"])


def test_accounting_branch_figures_come_from_the_branchs_sums_not_a_mean_of_rates():
    outlets = pd.concat(
        [
            OUTLETS,
            pd.DataFrame(
                {"unit_id": ["O3"], "sub_branch_id": ["S2"], "sub_branch_name": ["城西支行"], "branch_name": ["滨江分行"]}
            ),
        ]
    )
    a = pd.DataFrame(
        {
            "sub_branch_id": ["S1", "S2", "S9"],  # S9: no open outlet, so no branch to compare with
            "findings": [10, 30, 5],
            "findings_rectified": [10, 20, 5],
            "tellers": [4, 1, 2],
            "tellers_without_error": [2, 0, 2],
            "sessions_held": [6, 2, 1],
            "sessions_planned": [6, 6, 1],
            "teller_errors": [2, 6, 0],
            "appraisal_score": [90.0, 80.0, 70.0],
        }
    )
    tellers = pd.DataFrame({"unit_id": ["O1", "O3"], "transactions": [20000, 20000]})
    out = accounting_figures({"accounting": a, "outlets": outlets, "tellers": tellers}).set_index("sub_branch_id")
    s1 = out.loc["S1"]
    assert s1["branch_rectification_rate"] == 30 / 40  # not the mean of 100 % and 66.7 %
    assert s1["branch_zero_error_share"] == 2 / 5
    assert s1["branch_training_completion"] == 8 / 12
    assert s1["branch_error_rate_per_10k"] == 2.0  # 8 errors in 40,000
    assert s1["branch_appraisal_score"] == 88.0  # (4 × 90 + 1 × 80) ÷ 5 tellers
    assert out.loc["S2", "branch_error_rate_per_10k"] == 2.0
    assert math.isnan(out.loc["S9", "branch_error_rate_per_10k"])
