"""Target rules (``templates/targets.yaml``) and owner overrides (``inputs/<period>/targets/*.yaml``).

Each rule names an indicator (a column of the outlet figures, measured at the end of the target
period), an expression for the target value and whether higher or lower is better. Expressions
are compiled in the sandboxed rule language (``reportpack.owner.expressions``): no ``eval`` of
Python. Owners may override a unit's target; every entry is checked and a mistake names the file,
the entry and the rule.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml
from jinja2 import TemplateError

from reportpack.errors import OwnerFileError
from reportpack.owner import expressions

BETTER = ("higher", "lower")
UNITS = ("yi", "wan", "count", "pct", "per_10k")
_KEYS = {"id", "indicator", "name", "better", "unit", "value", "when"}


class TargetError(OwnerFileError):
    """A malformed target rule or override: names the file, the rule or entry and the reason."""

    topic_zh = "目标规则或目标调整有误"


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


def load(path: Path) -> tuple[TargetRule, ...]:
    try:
        data = yaml.safe_load(path.read_text("utf-8")) or {}
    except yaml.YAMLError as exc:
        raise TargetError(f"{path}: not valid YAML: {exc}") from None
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
            compiled_value = expressions.compile(str(raw["value"]))
            compiled_when = expressions.compile(when)
        except TemplateError as exc:
            raise TargetError(f"{where}: {exc}") from None
        rules.append(TargetRule(rid, raw["indicator"], raw["name"], raw.get("better", "higher"), raw.get("unit", "count"),
                                str(raw["value"]), when, compiled_value, compiled_when))
    return tuple(rules)


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
