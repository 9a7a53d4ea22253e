"""Derived figures (口径) a bank report quotes, as pure functions over plain DataFrames.

Units: every amount stays in 元 here; conversion to 亿元 / 万元 and rounding happen only when
rendering. Rates are fractions (0.1234 = 12.34%).

- 月末余额 (period-end balance): the balance on the period's last day; a day without a row keeps
  the previous day's balance (carry forward).
- 年初: the balance on the previous year's 31 December.
- 较年初新增 = 月末余额 − 年初; 增幅 = 较年初新增 ÷ 年初.
- 日均 = Σ daily balance over every day of the period ÷ days in the period (carry forward).
- 日均较年初增加 = 日均 − 年初.
- 排名 among the outlets of the same sub-branch: largest first, ties share the best rank (1, 1, 3).
- 电子银行柜面替代率 = electronic transactions ÷ (electronic + counter) over the period; ATM
  transactions count as electronic.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from reportpack.periods import Period

BALANCES = ("corporate_deposit", "savings_deposit")
FLOW_SUMS = (
    "new_corporate_accounts",
    "personal_loans_recovered",
    "npl_recovered",
    "payroll_customers_added",
    "card_spending",
    "merchants_added",
    "online_banking_customers_added",
)


def _wide(daily: pd.DataFrame, column: str, end: date) -> pd.DataFrame:
    """Day × unit table of ``column``, every calendar day up to ``end``, carried forward."""
    wide = daily.pivot(index="biz_date", columns="unit_id", values=column).sort_index()
    first = wide.index.min() if len(wide) else pd.Timestamp(end)
    days = pd.date_range(min(first, pd.Timestamp(end)), pd.Timestamp(end), freq="D")
    return wide.reindex(wide.index.union(days)).ffill().loc[: pd.Timestamp(end)]


def balance_on(daily: pd.DataFrame, column: str, day: date) -> pd.Series:
    """Balance of each unit at the end of ``day`` (last row on or before it); NaN if none."""
    wide = _wide(daily, column, day)
    return wide.loc[pd.Timestamp(day)] if len(wide) else pd.Series(dtype="float64")


def daily_average(daily: pd.DataFrame, column: str, start: date, end: date) -> pd.Series:
    """日均 of each unit over ``start``…``end``; NaN where some day has no balance to carry forward."""
    wide = _wide(daily, column, end).loc[pd.Timestamp(start) :]
    days = (end - start).days + 1
    return wide.sum(min_count=days) / days


def rank_within(values: pd.Series, groups: pd.Series) -> pd.Series:
    """Rank of each value among its group, largest = 1, ties share the best rank."""
    return values.groupby(groups).rank(method="min", ascending=False).astype("Int64")


def growth_rate(growth: pd.Series, base: pd.Series) -> pd.Series:
    """增幅: growth ÷ base; NaN where the base is zero (no meaningful rate)."""
    return growth / base.where(base != 0)


def substitution_rate(electronic: pd.Series, counter: pd.Series) -> pd.Series:
    total = electronic + counter
    return electronic / total.where(total != 0)


def outlet_figures(frames: dict[str, pd.DataFrame], period: Period) -> pd.DataFrame:
    """One row per outlet of ``frames['outlets']`` with every figure of the half-year summary."""
    outlets = frames["outlets"].set_index("unit_id")
    daily = frames["daily_deposits"]
    out = outlets[["outlet_name", "sub_branch_id", "sub_branch_name", "branch_name"]].copy()
    out["peers"] = out.groupby("sub_branch_id")["outlet_name"].transform("size").astype("int64")
    for column in BALANCES:
        p = column.removesuffix("_deposit")
        end = balance_on(daily, column, period.end).reindex(out.index)
        base = balance_on(daily, column, period.year_start_balance_date).reindex(out.index)
        avg = daily_average(daily, column, period.start, period.end).reindex(out.index)
        out[f"{p}_end"] = end
        out[f"{p}_year_start"] = base
        out[f"{p}_growth"] = end - base
        out[f"{p}_growth_rate"] = growth_rate(end - base, base)
        out[f"{p}_daily_avg"] = avg
        out[f"{p}_avg_increase"] = avg - base
        out[f"{p}_growth_rank"] = rank_within(out[f"{p}_growth"], out["sub_branch_id"])
        out[f"{p}_avg_increase_rank"] = rank_within(out[f"{p}_avg_increase"], out["sub_branch_id"])
    flows = frames["monthly_business"]
    flows = flows[flows["month"].isin(period.months())].groupby("unit_id").sum(numeric_only=True)
    flows = flows.reindex(out.index)
    for column in FLOW_SUMS:
        out[column] = flows[column]
    out["ebank_substitution_rate"] = substitution_rate(
        flows["ebank_transactions"], flows["counter_transactions"]
    )
    out["months_reported"] = (
        frames["monthly_business"].groupby("unit_id")["month"].nunique().reindex(out.index).fillna(0)
    ).astype("int64")
    return out.reset_index().sort_values(["sub_branch_id", "unit_id"], ignore_index=True)


def sub_branch_totals(figures: pd.DataFrame) -> pd.DataFrame:
    """One row per sub-branch: outlets count and summed balances (元)."""
    sums = {
        "outlets": ("unit_id", "size"),
        "corporate_end": ("corporate_end", "sum"),
        "corporate_growth": ("corporate_growth", "sum"),
        "savings_end": ("savings_end", "sum"),
        "savings_growth": ("savings_growth", "sum"),
    }
    return (
        figures.groupby(["sub_branch_id", "sub_branch_name", "branch_name"], sort=True)
        .agg(**sums)
        .reset_index()
    )
