"""Targets: what a plan sets for the next period, and the next summary's completion against it.

``templates/targets.yaml`` holds the rules: per subject and indicator (a column of the outlet figures,
measured at the end of the target period), an expression for the target value and whether higher or
lower is better. Expressions are compiled in the one sandboxed Jinja environment, like commentary
conditions: no ``eval`` of Python. Owners may override a unit's target with
``inputs/<period>/targets/*.yaml``; every entry is checked and a mistake names the file, the entry and
the rule.

The targets of a run are written to the warehouse's ``plan_target`` table for the next period with
their provenance (``rule:<id>`` or ``owner:<file>#<entry>``), replacing only rows that an earlier run
of ReportPack wrote for that period — rerunning gives the same rows. The next period's run extracts
them (``templates/sql/period_targets.sql``) and quotes 完成率 against them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd
import yaml
from jinja2 import TemplateError

from reportpack.render import templating
from reportpack.derive.ratios import ratio
from reportpack.render.wording import FigureError

BETTER = ("higher", "lower")
UNITS = ("yi", "wan", "count", "pct", "per_10k")
_KEYS = {"id", "indicator", "name", "better", "unit", "value", "when"}
OURS = ("rule:", "owner:")  # provenance prefixes of the rows ReportPack writes and may replace


class TargetError(ValueError):
    """A malformed target rule or override: names the file, the rule or entry and the reason."""


@dataclass(frozen=True)
class TargetRule:
    id: str
    indicator: str
    name: str
    better: str
    unit: str
    value: str
    when: str
    compiled_value: object = field(compare=False, repr=False)
    compiled_when: object = field(compare=False, repr=False)


def load(path: Path, templates_dir: Path) -> tuple[TargetRule, ...]:
    try:
        data = yaml.safe_load(path.read_text("utf-8")) or {}
    except yaml.YAMLError as exc:
        raise TargetError(f"{path}: not valid YAML: {exc}") from None
    env = templating.environment(templates_dir)
    rules: list[TargetRule] = []
    for i, raw in enumerate(data.get("targets") or [], start=1):
        rid = raw.get("id") if isinstance(raw, dict) else None
        where = f"{path}: target rule {rid or f'#{i}'}"
        if not isinstance(raw, dict) or not rid:
            raise TargetError(f"{where}: a rule is a mapping with an id")
        unknown = sorted(set(raw) - _KEYS)
        if unknown:
            raise TargetError(f"{where}: unknown keys {unknown} (allowed: {sorted(_KEYS)})")
        missing = [k for k in ("indicator", "name", "value") if not raw.get(k)]
        if missing:
            raise TargetError(f"{where}: {', '.join(missing)} required")
        if any(r.id == rid or r.indicator == raw["indicator"] for r in rules):
            raise TargetError(f"{where}: id or indicator appears twice (one rule per indicator)")
        if raw.get("better", "higher") not in BETTER or raw.get("unit", "count") not in UNITS:
            raise TargetError(f"{where}: better must be one of {BETTER}, unit one of {UNITS}")
        when = str(raw.get("when", "true"))
        try:
            compiled_value = env.compile_expression(str(raw["value"]), undefined_to_none=False)
            compiled_when = env.compile_expression(when, undefined_to_none=False)
        except TemplateError as exc:
            raise TargetError(f"{where}: {exc}") from None
        rules.append(TargetRule(rid, raw["indicator"], raw["name"], raw.get("better", "higher"), raw.get("unit", "count"),
                                str(raw["value"]), when, compiled_value, compiled_when))
    return tuple(rules)


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
            except (TemplateError, FigureError, TypeError, ValueError, KeyError) as exc:
                raise TargetError(f"{path}: target rule {rule.id}: unit {o['unit_id']}: {exc}") from exc
            if not math.isfinite(value) or value < 0:
                raise TargetError(f"{path}: target rule {rule.id}: unit {o['unit_id']}: target {value!r} is not a number ≥ 0")
            rows.append({"unit_id": o["unit_id"], "indicator": rule.indicator, "target": value, "source": f"rule:{rule.id}"})
    return pd.DataFrame(rows, columns=["unit_id", "indicator", "target", "source"])


def overrides(folder: Path | None, rules: tuple[TargetRule, ...], units: set[str], shown_as: Path | None = None) -> pd.DataFrame:
    """Owner overrides from ``folder/*.yaml``: ``- {unit: …, indicator: …, target: …}`` (none without a folder)."""
    rows = []
    indicators = {r.indicator for r in rules}
    for found in sorted(folder.glob("*.yaml")) if folder is not None and folder.is_dir() else []:
        path = (shown_as / found.name) if shown_as else found
        try:
            data = yaml.safe_load(found.read_text("utf-8")) or []
        except yaml.YAMLError as exc:
            raise TargetError(f"{path}: not valid YAML: {exc}") from None
        if not isinstance(data, list):
            raise TargetError(f"{path}: must be a list of entries (- unit: … indicator: … target: …)")
        for i, raw in enumerate(data, start=1):
            where = f"{path}: entry {i}"
            if not isinstance(raw, dict) or set(raw) - {"unit", "indicator", "target", "reason"}:
                raise TargetError(f"{where}: an entry has unit, indicator, target (and reason)")
            if str(raw.get("unit")) not in units:
                raise TargetError(f"{where}: unit {raw.get('unit')!r} is not an outlet of this period")
            if raw.get("indicator") not in indicators:
                raise TargetError(f"{where}: indicator {raw.get('indicator')!r} has no target rule ({sorted(indicators)})")
            target = raw.get("target")
            if isinstance(target, bool) or not isinstance(target, (int, float)) or not math.isfinite(target) or target < 0:
                raise TargetError(f"{where}: target {target!r} must be a number ≥ 0 (元 for amounts, fractions for rates)")
            rows.append({"unit_id": str(raw["unit"]), "indicator": raw["indicator"], "target": float(target),
                         "source": f"owner:{found.name}#{i}"})
    frame = pd.DataFrame(rows, columns=["unit_id", "indicator", "target", "source"])
    dup = frame[frame.duplicated(["unit_id", "indicator"], keep=False)]
    if not dup.empty:
        raise TargetError(f"{folder}: more than one override for {dup[['unit_id', 'indicator']].drop_duplicates().values.tolist()}")
    return frame


def merge(by_rule: pd.DataFrame, by_owner: pd.DataFrame) -> pd.DataFrame:
    """Rule targets with owner overrides in their place (an override may also add a target)."""
    keep = by_rule.merge(by_owner[["unit_id", "indicator"]], how="left", indicator=True)
    keep = keep[keep["_merge"] == "left_only"].drop(columns="_merge")
    out = pd.concat([keep, by_owner], ignore_index=True) if not by_owner.empty else keep
    return out.sort_values(["unit_id", "indicator"], ignore_index=True)


def _with_rules(frame: pd.DataFrame, outlets: pd.DataFrame, rules: tuple[TargetRule, ...], value: str, how: str) -> pd.DataFrame:
    """``frame`` (unit_id, indicator, …) with each rule's name, direction and unit and the outlet's
    figure for the indicator as column ``value``, in rule order per unit."""
    meta = pd.DataFrame([{"indicator": r.indicator, "name": r.name, "better": r.better, "unit": r.unit} for r in rules],
                        columns=["indicator", "name", "better", "unit"])
    keys = [c for c in ("unit_id", "sub_branch_id") if c in outlets]
    long = outlets.melt(id_vars=keys, value_vars=[r.indicator for r in rules if r.indicator in outlets],
                        var_name="indicator", value_name=value)
    out = frame.merge(meta, on="indicator", how=how).merge(long, on=["unit_id", "indicator"], how=how)
    order = out["indicator"].map({r.indicator: i for i, r in enumerate(rules)})
    return out.assign(order=order).sort_values(["unit_id", "order"], ignore_index=True).drop(columns="order")


def described(frame: pd.DataFrame, outlets: pd.DataFrame, rules: tuple[TargetRule, ...]) -> pd.DataFrame:
    """Targets with their rule's name, direction and unit, and the figure's value this period
    (``current``), as a plan prints them."""
    return _with_rules(frame, outlets.drop(columns=["sub_branch_id"], errors="ignore"), rules, "current", "left")


def write(conn, targets: pd.DataFrame, period_label: str, set_on: date) -> int:
    """Replace, in one transaction, the rows an earlier ReportPack run wrote for ``period_label``."""
    from sqlalchemy import text

    ours = " or ".join(f"source like :ours{i}" for i in range(len(OURS)))
    conn.execute(
        text(f"delete from plan_target where period = :period and ({ours})"),
        {"period": period_label, **{f"ours{i}": f"{prefix}%" for i, prefix in enumerate(OURS)}},
    )
    rows = [{"unit_id": r.unit_id, "period": period_label, "indicator": r.indicator, "target": float(r.target),
             "source": r.source, "set_on": set_on} for r in targets.itertuples()]
    if rows:
        conn.execute(
            text("insert into plan_target (unit_id, period, indicator, target, source, set_on) "
                 "values (:unit_id, :period, :indicator, :target, :source, :set_on)"),
            rows,
        )
    return len(rows)


def completion(outlets: pd.DataFrame, period_targets: pd.DataFrame, rules: tuple[TargetRule, ...]) -> pd.DataFrame:
    """Per outlet and target set for this period: the actual figure, the target, 完成率 (higher is
    better: actual ÷ target) or whether it was met (lower is better), and the rank by 完成率 among the
    sub-branch's outlets that had the same target."""
    t = _with_rules(period_targets, outlets, rules, "actual", "inner")
    t["completion"] = ratio(t["actual"], t["target"]).where(t["better"] == "higher")
    t["met"] = (t["actual"] >= t["target"]).where(t["better"] == "higher", t["actual"] <= t["target"])
    groups = t.groupby(["sub_branch_id", "indicator"])["completion"]
    t["completion_rank"] = groups.rank(method="min", ascending=False).astype("Int64")
    t["ranked"] = groups.transform("count")
    return t
