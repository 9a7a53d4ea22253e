"""Finance figures (篇五): budget execution against 序时进度, fixed assets, staff trained.

预算执行率 = actual ÷ budget of the period (per line and in total); 年度预算执行进度 = actual in the
year to date ÷ the year's budget, compared with 序时进度 in 个百分点. Amounts in 元.
"""

from __future__ import annotations

import pandas as pd

from reportpack.derive.ratios import ratio
from reportpack.periods import Period
from reportpack.rounding import printed_difference


def budget_figures(frames: dict[str, pd.DataFrame], period: Period) -> pd.DataFrame:
    """One row per sub-branch per expense line, plus a ``合计`` line per sub-branch."""
    lines = frames["budget"].copy()
    sums = ["budget", "actual", "actual_year_to_date", "annual_budget"]
    totals = lines.groupby("sub_branch_id", as_index=False)[sums].sum().assign(expense_line="合计")
    out = pd.concat([lines.drop(columns=["months_reported"]), totals], ignore_index=True)
    out["execution_rate"] = ratio(out["actual"], out["budget"])
    out["annual_progress"] = ratio(out["actual_year_to_date"], out["annual_budget"])
    out["time_progress"] = period.time_progress
    # 超/落后序时进度 N个百分点, from the printed rates (reportpack.rounding): >0 ahead of 序时进度
    out["progress_gap"] = printed_difference(out["annual_progress"], out["time_progress"], 4)
    out["is_total"] = out["expense_line"] == "合计"
    return out.sort_values(["sub_branch_id", "is_total", "expense_line"], ignore_index=True)
