"""Targets: what a plan sets for the next period (from the rules and the owner's overrides), and
the next summary's completion against it.

The rules (``templates/targets.yaml``) and overrides (``inputs/<period>/targets/*.yaml``) are read
by ``reportpack.owner.targets``; the targets are stored by ``reportpack.publish.targets`` in the
warehouse's ``plan_target`` table for the next period, whose run reads them back
(``templates/sql/period_targets.sql``) and quotes 完成率 against them.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from jinja2 import TemplateError

from reportpack.derive.ratios import ratio
from reportpack.owner.targets import TargetError, TargetRule
from reportpack.rounding import money_unit, printed_difference, printed_units


def from_rules(rules: tuple[TargetRule, ...], outlets: list[dict], base: dict, path: Path) -> pd.DataFrame:
    """One row per outlet and rule that applies: unit_id, indicator, target, source."""
    rows = []
    for o in outlets:
        for rule in rules:
            context = {**base, "o": o}
            try:
                if not rule.compiled_when(**context):
                    continue
                value = rule.compiled_value(**context)
                value = float(value)
            except (TemplateError, TypeError, ValueError, KeyError) as exc:
                raise TargetError(f"{path}: target rule {rule.id}: unit {o['unit_id']}: {exc}") from exc
            if not math.isfinite(value) or value < 0:
                raise TargetError(f"{path}: target rule {rule.id}: unit {o['unit_id']}: target {value!r} is not a number ≥ 0")
            rows.append({"unit_id": o["unit_id"], "indicator": rule.indicator, "target": value, "source": f"rule:{rule.id}"})
    return pd.DataFrame(rows, columns=["unit_id", "indicator", "target", "source"])


def merge(by_rule: pd.DataFrame, by_owner: pd.DataFrame) -> pd.DataFrame:
    """Rule targets with owner overrides in their place (an override may also add a target)."""
    keep = by_rule.merge(by_owner[["unit_id", "indicator"]], how="left", indicator=True)
    keep = keep[keep["_merge"] == "left_only"].drop(columns="_merge")
    out = pd.concat([keep, by_owner], ignore_index=True) if not by_owner.empty else keep
    return out.sort_values(["unit_id", "indicator"], ignore_index=True)


def _with_rules(frame: pd.DataFrame, outlets: pd.DataFrame, rules: tuple[TargetRule, ...], value: str, how: str) -> pd.DataFrame:
    """``frame`` (unit_id, indicator, …) with each rule's name, direction and unit and the outlet's
    figure for the indicator as column ``value``, in rule order per unit."""
    meta = pd.DataFrame(
        [{"indicator": r.indicator, "name": r.name, "better": r.better, "unit": r.unit} for r in rules],
        columns=["indicator", "name", "better", "unit"],
    )
    keys = [c for c in ("unit_id", "sub_branch_id") if c in outlets]
    long = outlets.melt(
        id_vars=keys, value_vars=[r.indicator for r in rules if r.indicator in outlets], var_name="indicator", value_name=value
    )
    out = frame.merge(meta, on="indicator", how=how).merge(long, on=["unit_id", "indicator"], how=how)
    order = out["indicator"].map({r.indicator: i for i, r in enumerate(rules)})
    return out.assign(order=order).sort_values(["unit_id", "order"], ignore_index=True).drop(columns="order")


def described(
    frame: pd.DataFrame, outlets: pd.DataFrame, rules: tuple[TargetRule, ...], next_starts_year: bool = True
) -> pd.DataFrame:
    """Targets with their rule's name, direction and unit, and the figure's value this period
    (``current``), as a plan prints them (``print_unit``). ``whole_year``: the target is a
    cumulative figure from 1 January (a rule ``from_year_start``) for a next period that does not
    start the year (a 上半年 plan's 对公存款较年初新增 is the year's), so the plan heads it 全年目标, not
    下半年目标; ``still_needed`` is what the next period must add to reach it (none for the others,
    none where already reached)."""
    out = _with_rules(frame, _comparable(outlets).drop(columns=["sub_branch_id"], errors="ignore"), rules, "current", "left")
    cumulative = {r.indicator for r in rules if r.from_year_start}
    out = with_print_unit(out, ["target", "current"])
    whole_year = out["indicator"].isin(cumulative) & (not next_starts_year)
    needed = pd.Series(np.nan, index=out.index)
    for unit, rows in out[whole_year & (out["better"] == "higher")].groupby("print_unit"):
        # as a reader redoes it from the two printed figures
        needed[rows.index] = printed_difference(rows["target"], rows["current"].fillna(0.0), PRINTED_DIGITS[unit])
    return out.assign(whole_year=whole_year, still_needed=needed.where(needed > 0))


MONEY = ("yi", "wan")


def _comparable(outlets: pd.DataFrame) -> pd.DataFrame:
    """The outlets with each deposit growth as a target measures it: what the outlet grew by
    itself, not accounts moved onto or off its books at a closing or an opening (derive/moves.py:
    *_growth_comparable) — for the 完成率 against this period's target and the 实际 beside the next."""
    return outlets.assign(
        **{c.removesuffix("_comparable"): outlets[c] for c in outlets.columns if c.endswith("_growth_comparable")}
    )


def with_print_unit(t: pd.DataFrame, amounts: list[str]) -> pd.DataFrame:
    """``t`` with ``print_unit``: the unit each row prints in. An outlet's money rows (unit yi or wan)
    are one table's column and one paragraph, so they print in one unit, chosen from all their
    ``amounts`` (``rounding.money_unit``: 亿元 only when every amount reaches 1000万元); other rows
    print in their own unit."""
    money = t["unit"].isin(MONEY)
    units = {unit_id: money_unit(rows[amounts].to_numpy().ravel()) for unit_id, rows in t[money].groupby("unit_id", sort=False)}
    return t.assign(print_unit=t["unit"].where(~money, t["unit_id"].map(units)))


# the decimals a target's unit prints with (render: amount macro): 亿元 and 万元 amounts (in 元) to
# 0.01 of their unit, rates to 0.01 %, per-10k rates to 0.01, counts whole
PRINTED_DIGITS = {"yi": -6, "wan": -2, "pct": 4, "per_10k": 2, "count": 0}


def completion(outlets: pd.DataFrame, period_targets: pd.DataFrame, rules: tuple[TargetRule, ...]) -> pd.DataFrame:
    """Per outlet and target set for this period: the actual figure, the target, 完成率 (higher is
    better: actual ÷ target) or whether it was met (lower is better), and the rank by 完成率 among the
    sub-branch's outlets that had the same target and were open the whole period (``ranked``: an
    outlet opened or closed in it is measured against its own target but not ranked, as for 增量)."""
    t = _with_rules(period_targets, _comparable(outlets), rules, "actual", "inner")
    # 完成率 is a share of an amount or a count; a rate's target (电子银行柜面替代率 90 %) is met or not,
    # never "完成目标的105.68%"
    t["completion"] = ratio(t["actual"], t["target"]).where((t["better"] == "higher") & (t["unit"] != "pct"))
    # met as printed: the actual and the target compared at the decimals their unit prints with
    t = with_print_unit(t, ["target", "actual"])
    actual, target = (pd.Series(np.nan, index=t.index) for _ in range(2))
    for unit, rows in t.groupby("print_unit").groups.items():
        digits = PRINTED_DIGITS.get(unit, 0)
        actual[rows] = printed_units(t.loc[rows, "actual"], digits)
        target[rows] = printed_units(t.loc[rows, "target"], digits)
    t["met"] = (actual >= target).where(t["better"] == "higher", actual <= target)
    flags = outlets.set_index("unit_id")["ranked"] if "ranked" in outlets else pd.Series(True, index=outlets["unit_id"])
    whole_period = t["unit_id"].map(flags).fillna(False).astype(bool)
    groups = t["completion"].where(whole_period).groupby([t["sub_branch_id"], t["indicator"]])
    t["completion_rank"] = groups.rank(method="min", ascending=False).astype("Int64")
    t["ranked"] = groups.transform("count")
    if "outlets_in_sub" in outlets:  # "参与排名的N个网点" unless all the sub-branch's outlets are ranked
        t["outlets_in_sub"] = t["unit_id"].map(outlets.set_index("unit_id")["outlets_in_sub"])
    return t
