"""The comparable indicators file (``templates/indicators.yaml``): which indicators an outlet is
scored on (14项可比指标), how, with which weight, and the threshold a report counts "above"."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator

from reportpack.errors import OwnerFileError
from reportpack.owner import files
from reportpack.owner.files import OwnerModel, owner_rule

Text = Annotated[str, Field(min_length=1)]
Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
SCORINGS = ("target", "rank", "band")


class IndicatorFileError(OwnerFileError):
    """A malformed indicators file: names the file, the indicator and the reason."""

    topic_zh = "可比指标文件（indicators.yaml）有误"


class Indicator(OwnerModel):
    id: Text
    name: Text
    figure: Text  # a column of the outlet figures
    scoring: Literal["target", "rank", "band"]
    weight: Annotated[Number, Field(ge=0)]
    target: Text | None = None  # scoring target: the indicator in plan_target
    floor: Number | None = None  # scoring band: 0 points
    goal: Number | None = None  # scoring band: 100 points (below ``floor`` when lower is better)

    @model_validator(mode="after")
    def _complete(self) -> Indicator:
        if self.scoring == "target" and not self.target:
            raise owner_rule(
                "scoring 'target' needs 'target' (an indicator of plan_target)",
                "按目标计分（target）须写明 target（plan_target 中的指标）",
            )
        if self.scoring == "band" and (self.floor is None or self.goal is None or self.floor == self.goal):
            raise owner_rule("scoring 'band' needs distinct 'floor' and 'goal'", "按区间计分（band）须写明不相等的 floor 与 goal")
        return self


class IndicatorSet(OwnerModel):
    full_marks: Number = 100.0
    threshold: Number  # "N项超过{threshold}分"
    indicators: Annotated[list[Indicator], Field(min_length=1)]

    @model_validator(mode="after")
    def _weights(self) -> IndicatorSet:
        ids = [i.id for i in self.indicators]
        if len(set(ids)) != len(ids):
            dup = sorted({x for x in ids if ids.count(x) > 1})
            raise owner_rule(f"duplicate indicator ids {dup}", f"指标编号重复：{'、'.join(dup)}")
        total = sum(i.weight for i in self.indicators)
        if abs(total - 100) > 1e-9:
            raise owner_rule(f"weights sum to {total:g}, not 100", f"权重合计为 {total:g}，应为 100")
        return self


@files.once_per_version
def load(path: Path) -> IndicatorSet:
    return files.load(path, IndicatorSet, IndicatorFileError, label=files.item_label({"indicators": "indicator"}))
