"""Target rules (``templates/targets.yaml``) and owner overrides (``inputs/<period>/targets/*.yaml``).

Each rule names an indicator (a column of the outlet figures, measured at the end of the target
period), an expression for the target value and whether higher or lower is better. Expressions
are compiled in the sandboxed rule language (``reportpack.owner.expressions``): no ``eval`` of
Python. Owners may override a unit's target; every entry is checked and a mistake names the file,
the entry, the field and the rule.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

import pandas as pd
from jinja2 import TemplateError
from pydantic import Field, RootModel, field_validator, model_validator

from reportpack.errors import OwnerFileError
from reportpack.owner import expressions, files
from reportpack.owner.files import OwnerModel, owner_rule

Better = Literal["higher", "lower"]
Unit = Literal["yi", "wan", "count", "pct", "per_10k"]
BETTER: tuple[str, ...] = Better.__args__
UNITS: tuple[str, ...] = Unit.__args__
Text = Annotated[str, Field(min_length=1)]


class TargetError(OwnerFileError):
    """A malformed target rule or override: names the file, the rule or entry and the reason."""

    topic_zh = "目标规则或目标调整有误"


def _expression(text: str, name: str) -> str:
    try:
        expressions.compile(text)
    except TemplateError as exc:
        raise owner_rule(f"{name} is not a valid expression: {exc}", f"公式写法有误：{exc}") from None
    return text


class TargetRule(OwnerModel):
    """One rule: the target a plan sets for ``indicator`` (``value``), for the outlets where ``when`` holds."""

    id: Text
    indicator: Text
    name: Text  # as the documents print it
    better: Better = "higher"
    unit: Unit = "count"  # how the documents print it: 亿元 / 万元 / 个 / % / 每万笔
    value: Text
    when: Text = "true"
    # the indicator counts from 1 January (较年初新增, 新开账户累计): a target for a period ending in
    # December is the whole year's, of which the next period must still make the rest
    from_year_start: Annotated[bool, Field(strict=True)] = False

    @field_validator("value", "when")
    @classmethod
    def _compiles(cls, text: str, info) -> str:
        return _expression(text, info.field_name)

    @cached_property
    def compiled_value(self):
        return expressions.compile(self.value)

    @cached_property
    def compiled_when(self):
        return expressions.compile(self.when)


Floor = Annotated[float, Field(strict=False, ge=0, allow_inf_nan=False)]


class TellerPlanTargets(OwnerModel):
    """A teller's plan (篇六): targets printed in the plan only (not stored in plan_target)."""

    transactions_per_day_at_least: Floor = 200  # 日均业务笔数: this period's (rounded up), and at least this
    appraisal_score_at_least: Floor = 90  # 考核得分: this period's, and at least this
    praise_at_least: Floor = 1  # 客户表扬: this period's, and at least this
    errors_share_kept: Annotated[float, Field(ge=0, le=1)] = 0.5  # 业务差错: this share of this period's (rounded down)


class LobbyPlanTargets(OwnerModel):
    """A lobby plan (篇三): targets printed in the plan only."""

    service_score_step: Floor = 2  # 服务规范检查平均得分: this period's plus this …
    service_score_at_least: Floor = 90  # … and at least this (the standard a score below is "未达到")
    first_contact_rate_at_least: Annotated[float, Field(ge=0, le=1)] = 0.8  # 首问解决率: this period's, and at least this
    referrals_growth: Floor = 0.1  # 推荐业务: this period's grown by this share (rounded up)
    six_s_at_least: Floor = 85  # 6S: every dimension at least this


class AccountingPlanTargets(OwnerModel):
    """A sub-branch's accounting plan (篇四): targets printed in the plan only."""

    error_rate_share_kept: Annotated[float, Field(gt=0, le=1)] = 0.8  # 差错率: down to this share of this period's
    zero_error_share_step: Annotated[float, Field(ge=0, le=1)] = 0.1  # 无差错柜员占比: this period's plus this …
    zero_error_share_round_to: Annotated[float, Field(gt=0, le=1)] = 0.05  # … rounded up to a multiple of this …
    zero_error_share_cap: Annotated[float, Field(ge=0, le=1)] = 0.5  # … at most this, and never below this period's


class TargetRules(OwnerModel):
    targets: list[TargetRule] = []
    teller_plan: TellerPlanTargets = TellerPlanTargets()
    lobby_plan: LobbyPlanTargets = LobbyPlanTargets()
    accounting_plan: AccountingPlanTargets = AccountingPlanTargets()


@files.once_per_version
def load(path: Path) -> tuple[TargetRule, ...]:
    return tuple(_load(path).targets)


@files.once_per_version
def plan_targets(path: Path) -> tuple[TellerPlanTargets, LobbyPlanTargets, AccountingPlanTargets]:
    """The targets the teller, lobby and accounting plans print (``teller_plan``, ``lobby_plan``,
    ``accounting_plan`` of the file)."""
    found = _load(path)
    return found.teller_plan, found.lobby_plan, found.accounting_plan


@files.once_per_version
def _load(path: Path) -> TargetRules:
    data, tree = files.read_yaml(path, TargetError)
    found = files.check(TargetRules, data or {}, path, TargetError, label=files.item_label({"targets": "target rule"}), tree=tree)
    for i, rule in enumerate(found.targets):
        if any(r.id == rule.id or r.indicator == rule.indicator for r in found.targets[:i]):
            raise files.problem(
                TargetError,
                path,
                "id or indicator appears twice (one rule per indicator)",
                "编号或指标重复（每个指标只能有一条规则）",
                tree=tree,
                loc=("targets", i),
                where=f"target rule {rule.id}",
            )
    return found


class Override(OwnerModel):
    """An owner's target for one unit and indicator, replacing the rule's."""

    unit: Text
    indicator: Text
    # 元 for amounts, fractions for rates; finite; above zero (completion is measured against it)
    # unless lower is better, where 0 is the natural target (零差错: met or not, no completion rate)
    target: Annotated[float, Field(strict=True, ge=0, le=1e12, allow_inf_nan=False)]
    reason: str | None = None

    @model_validator(mode="after")
    def _known(self, info) -> Override:
        units, indicators = info.context["units"], info.context["indicators"]
        if self.unit not in units:
            raise owner_rule(
                f"unit {self.unit!r} is not an outlet open at the end of this period",
                f"机构 {self.unit} 不是本期期末仍在营业的网点",
            )
        if self.indicator not in indicators:
            raise owner_rule(
                f"indicator {self.indicator!r} has no target rule ({sorted(indicators)})",
                f"指标 {self.indicator} 没有对应的目标规则（可选：{'、'.join(sorted(indicators))}）",
            )
        if self.target == 0 and self.indicator not in info.context["lower"]:
            raise owner_rule(
                f"target 0 for {self.indicator!r}: completion is measured against the target, so it must be above 0 "
                "(0 is allowed only where lower is better: better: lower in targets.yaml)",
                f"指标 {self.indicator} 的目标为0：完成率以目标为分母，目标须大于0（只有“越低越好”的指标可以定为0）",
            )
        return self


class Overrides(RootModel[list[Override]]):
    pass


def overrides(folder: Path | None, rules: tuple[TargetRule, ...], units: set[str], shown_as: Path | None = None) -> pd.DataFrame:
    """Owner overrides from ``folder/*.yaml``: ``- {unit: …, indicator: …, target: …}`` (none without a folder)."""
    rows = []
    context = {
        "units": units,
        "indicators": {r.indicator for r in rules},
        "lower": {r.indicator for r in rules if r.better == "lower"},
    }

    for found in sorted(folder.glob("*.yaml")) if folder is not None and folder.is_dir() else []:
        path = (shown_as / found.name) if shown_as else found
        data, tree = files.read_yaml(found, TargetError, path)
        entries = files.check(
            Overrides, [] if data is None else data, path, TargetError, label=files.entry_label, tree=tree, context=context
        )
        for i, o in enumerate(entries.root, start=1):
            rows.append(
                {"unit_id": o.unit, "indicator": o.indicator, "target": float(o.target), "source": f"owner:{found.name}#{i}"}
            )
    frame = pd.DataFrame(rows, columns=["unit_id", "indicator", "target", "source"])
    dup = frame[frame.duplicated(["unit_id", "indicator"], keep=False)]
    if not dup.empty:
        pairs = dup[["unit_id", "indicator"]].drop_duplicates().values.tolist()
        raise TargetError(
            f"{shown_as or folder}: more than one override for {pairs}",
            file=shown_as or folder,
            rule=f"more than one override for {pairs}",
            rule_zh=f"同一机构同一指标的目标调整出现多次：{pairs}",
        )
    return frame
