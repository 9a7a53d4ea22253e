"""Accounts moved between outlets at a closing (撤并) or an opening (开业) — 口径 as pure functions.

A move (``templates/sql/transfers.sql``) puts balances on one outlet's books and takes them off
another's on the day it is booked (``moved_on``). An outlet's 较年初新增 counts every move booked
after its base day (年初, or for a new outlet the end of its opening day, which already holds the
accounts it opened with) and on or before its last day (period end, or its closing day): a
receiving outlet's growth holds what it took over, a giving outlet's what it gave away.

- 剔除划转因素新增 (``*_growth_comparable``) = 较年初新增 − moved in + moved out, over those moves:
  what the outlet grew by itself. Ranks are on it (an outlet does not come first because a
  neighbour closed).
- 剔除划转因素日均增量 (``*_avg_increase_comparable``) = 日均较上年日均 − what the moves added to the
  outlet's 日均 + what they took from it; a move adds its amount for each day of the period it stood on
  the outlet's books (from ``moved_on`` to the outlet's last day) ÷ the days the 日均 is over
  (``*_avg_moved_in``, ``*_avg_moved_out``). 日均 ranks are on it: a receiving outlet's 日均 does
  not rise by a neighbour's accounts, a giving outlet's does not fall by a new outlet's.
- 留存率 (``retained_rate``) = the moved deposits the receiving outlet still held a month later ÷
  those moved, where that month had passed by the period's end.
- A sub-branch's 较年初新增 is made of its outlets': the outlets open the whole year (their 较年初
  新增), the outlets opened in the year (their whole period-end balance: the balance of their
  opening day plus 开业以来新增) and the outlets closed in the year (minus their 年初: 撤并前新增 minus
  their closing day's balance, which moved to the receiving outlets or left the bank).
  ``growth_parts`` gives those lines; they add up to the sub-branch's total.
"""

from __future__ import annotations

import pandas as pd

KINDS = ("corporate", "savings")


def _quoted(moves: pd.DataFrame) -> pd.DataFrame:
    """The moves with their deposits as a report quotes them: together (``deposit``), and what
    stayed a month later (``retained``; NaN where it was not known by the period's end)."""
    return moves.assign(
        deposit=moves["corporate_deposit"] + moves["savings_deposit"],
        retained=moves["corporate_retained"] + moves["savings_retained"],
    )


def _rate(retained: pd.Series, deposit: pd.Series) -> pd.Series:
    """留存率: what stayed ÷ what moved (none where nothing moved)."""
    return retained / deposit.where(deposit > 0)


def transfers(moves: pd.DataFrame, outlets: pd.DataFrame) -> pd.DataFrame:
    """One row per move with both sides' sub-branch, its deposits as quoted and ``retained_rate``."""
    sub = outlets.set_index("unit_id")["sub_branch_id"]
    out = _quoted(moves)
    out["from_sub_branch_id"] = out["from_unit_id"].map(sub)
    out["to_sub_branch_id"] = out["to_unit_id"].map(sub)
    out["retained_rate"] = _rate(out["retained"], out["deposit"])
    return out


def with_moves(figures: pd.DataFrame, moves: pd.DataFrame, period_start, period_end, year_start) -> pd.DataFrame:
    """``figures`` (one row per outlet, with ``*_growth``, ``*_avg_increase``, ``covered_days`` (the
    days its 日均 is over), ``opened_on``/``closed_on`` as ``opened_in_year``/``closed_in_period``)
    with what moved onto and off each outlet's books within its growth's span (``*_moved_in``,
    ``*_moved_out``), the number of those moves (``moves_in``, ``moves_out``), what they added to or
    took from its 日均 (``*_avg_moved_in``, ``*_avg_moved_out``), ``*_growth_comparable`` and
    ``*_avg_increase_comparable``."""
    out = figures.copy()
    base = pd.to_datetime(out["opened_in_year"]).fillna(pd.Timestamp(year_start))
    last = pd.to_datetime(out["closed_in_period"]).fillna(pd.Timestamp(period_end))
    span = pd.DataFrame({"unit_id": out["unit_id"], "base": base, "last": last})
    moved_on = pd.to_datetime(moves["moved_on"])
    for side, key in (("in", "to_unit_id"), ("out", "from_unit_id")):
        rows = moves.assign(unit_id=moves[key], moved_on=moved_on).merge(span, on="unit_id")
        rows = rows[(rows["moved_on"] > rows["base"]) & (rows["moved_on"] <= rows["last"])]
        # the days of the period each move stood on the outlet's books (all of them for a move booked
        # before the period began, e.g. in the first half year for a second-half report)
        on_books = (rows["last"] - rows["moved_on"].clip(lower=pd.Timestamp(period_start))).dt.days + 1
        for k in KINDS:
            rows[f"{k}_day_sum"] = rows[f"{k}_deposit"] * on_books.clip(lower=0)
        sums = rows.groupby("unit_id")[[f"{k}_{x}" for k in KINDS for x in ("deposit", "day_sum")]].sum()
        covered = out["covered_days"].where(out["covered_days"] > 0)
        for k in KINDS:
            out[f"{k}_moved_{side}"] = out["unit_id"].map(sums[f"{k}_deposit"]).fillna(0.0)
            out[f"{k}_avg_moved_{side}"] = out["unit_id"].map(sums[f"{k}_day_sum"]).fillna(0.0) / covered
        out[f"moves_{side}"] = out["unit_id"].map(rows.groupby("unit_id").size()).fillna(0).astype("int64")
    for k in KINDS:
        out[f"{k}_growth_comparable"] = out[f"{k}_growth"] - out[f"{k}_moved_in"] + out[f"{k}_moved_out"]
        out[f"{k}_avg_increase_comparable"] = out[f"{k}_avg_increase"] - out[f"{k}_avg_moved_in"] + out[f"{k}_avg_moved_out"]
    # a closing's and an opening's totals, whatever the span: what a closed outlet handed over
    # (``handed_*``, its share of the closing day's deposits) and what a new one opened with (``taken_*``)
    for prefix, reason, key in (("handed", "closure", "from_unit_id"), ("taken", "opening", "to_unit_id")):
        rows = _quoted(moves[moves["reason"] == reason])
        sums = rows.groupby(key)[
            ["accounts", "customers", "corporate_deposit", "savings_deposit", "loans", "deposit", "retained"]
        ].sum(min_count=1)
        for column in sums.columns:
            out[f"{prefix}_{column}"] = out["unit_id"].map(sums[column])
        out[f"{prefix}_retained_rate"] = _rate(out[f"{prefix}_retained"], out[f"{prefix}_deposit"])
    # a new outlet's opening day beyond what it took over: what its own first day brought in (the
    # reader sees 8.60亿 at the end of the day against 7.69亿 moved in and asks where 0.91亿 came from)
    for k in KINDS:
        out[f"opening_day_{k}_added"] = out[f"{k}_year_start"] - out[f"taken_{k}_deposit"]
    # the outlets on the other side, by name (撤并: where its accounts went; 开业: where they came from)
    for column, reason, key, other in (
        ("handed_to", "closure", "from_unit_id", "to_name"),
        ("taken_from", "opening", "to_unit_id", "from_name"),
    ):
        names = moves[moves["reason"] == reason].groupby(key)[other].agg(lambda n: "、".join(dict.fromkeys(n)))
        out[column] = out["unit_id"].map(names)
    closing = out["corporate_end"] + out["savings_end"]
    out["handed_share"] = (out["handed_deposit"] / closing.where(closing > 0)).where(out["closed_in_period"].notna())
    return out


def growth_parts(figures: pd.DataFrame) -> pd.DataFrame:
    """One row per sub-branch: its 较年初新增 split into the lines the outlet documents print —
    ``*_growth_continuing`` (outlets open all year: Σ 较年初新增, of which ``*_moved_net`` moved in
    net of moved out), ``*_end_opened`` (new outlets: Σ period-end balance), ``*_closing_growth``
    and ``*_closing_balance`` (closed outlets: Σ 撤并前新增 and Σ closing-day balance). continuing +
    opened + closing growth − closing balance is the sub-branch's 较年初 (``sub_branch_totals``:
    its period-end total − its 年初 total); tests/unit/derive/test_moves.py holds them to it."""
    closed = figures["closed_in_period"].notna()
    new_in_year = figures["opened_in_year"].notna()
    opened = new_in_year & ~closed
    continuing = ~closed & ~opened
    frame = pd.DataFrame({"sub_branch_id": figures["sub_branch_id"]})
    frame["continuing_outlets"] = continuing.astype("int64")
    frame["opened_outlets"] = opened.astype("int64")
    frame["closed_in_year_outlets"] = closed.astype("int64")
    for k in KINDS:
        frame[f"{k}_growth_continuing"] = figures[f"{k}_growth"].where(continuing, 0.0)
        frame[f"{k}_moved_net"] = (figures[f"{k}_moved_in"] - figures[f"{k}_moved_out"]).where(continuing, 0.0)
        frame[f"{k}_end_opened"] = figures[f"{k}_end"].where(opened, 0.0)
        # an outlet that opened and closed within the year had no 年初 in the sub-branch's books
        books_start = figures[f"{k}_year_start"].where(~new_in_year, 0.0)
        frame[f"{k}_closing_growth"] = (figures[f"{k}_end"] - books_start).where(closed, 0.0)
        frame[f"{k}_closing_balance"] = figures[f"{k}_end"].where(closed, 0.0)
    return frame.groupby("sub_branch_id", sort=True).sum().reset_index()
