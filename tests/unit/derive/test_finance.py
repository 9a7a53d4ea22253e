"""Finance (篇五) and confidentiality (篇七) figures from tiny inline frames, computed by hand."""

import math

import pandas as pd

from reportpack.derive.confidentiality import confidentiality_figures
from reportpack.derive.finance import budget_figures
from reportpack.periods import Period


def test_budget_lines_and_their_total_against_time_progress():
    budget = pd.DataFrame(
        {
            "sub_branch_id": ["S1", "S1"],
            "expense_line": ["差旅费", "业务宣传费"],
            "budget": [100.0, 300.0],
            "actual": [80.0, 360.0],
            "actual_year_to_date": [80.0, 360.0],
            "annual_budget": [200.0, 600.0],
            "months_reported": [6, 6],
        }
    )
    h1 = Period.parse("2023H1")
    out = budget_figures({"budget": budget}, h1).set_index("expense_line")
    assert list(out.index) == ["业务宣传费", "差旅费", "合计"]  # the total comes last
    assert out.loc["差旅费", "execution_rate"] == 0.8 and out.loc["业务宣传费", "execution_rate"] == 1.2
    assert out.loc["合计", "budget"] == 400.0 and out.loc["合计", "execution_rate"] == 1.1
    assert out.loc["合计", "annual_progress"] == 0.55
    # ahead of 序时进度 (181 of 365 days: 49.59 %) by 55 − 49.59 = 5.41个百分点, of the printed rates
    assert math.isclose(out.loc["合计", "progress_gap"], 0.0541)
    assert "months_reported" not in out.columns


def test_confidentiality_rates_and_no_rate_without_a_risk_found():
    c = pd.DataFrame({"pledged": [95], "trained": [80], "staff_in_post": [100], "risks_fixed": [0], "risks_found": [0]})
    out = confidentiality_figures({"confidentiality": c}).iloc[0]
    assert out["pledge_rate"] == 0.95 and out["training_coverage"] == 0.8
    assert math.isnan(out["fix_rate"])  # nothing found: "all fixed" would be a claim the data does not make
