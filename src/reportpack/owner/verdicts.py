"""The verdicts file (``templates/verdicts.yaml``): every comparison a sentence makes — 高于/持平/低于,
上升/下降, 居首/末位, 1件/多件 — named, with the figures it compares and its threshold, for report
owners to read and adjust. Derive computes each one (``reportpack.derive.verdicts``); templates choose
their words by it and compare no numbers themselves."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator

from reportpack.errors import OwnerFileError
from reportpack.owner import files
from reportpack.owner.files import OwnerModel, owner_rule

Text = Annotated[str, Field(min_length=1)]
Number = Annotated[float, Field(strict=False, allow_inf_nan=False)]
Kind = Literal["compare", "trend", "count", "position", "standing"]
# the values each kind gives (a missing figure gives none: the template says what it does then)
OUTCOMES: dict[str, tuple[str, ...]] = {
    "compare": ("above", "equal", "below"),
    "trend": ("rising", "flat", "falling"),
    "count": ("zero", "one", "several"),
    "position": ("only", "first", "middle", "last", "unranked"),
    # where a rank stands among n ranked: 前四分之一 (rank ≤ n/4), 前半 (≤ n/2), the middle rank of an
    # odd n, 后半 (> ⌈n/2⌉), 后四分之一 (> 3n/4, of four and more)
    "standing": ("only", "top_quarter", "upper_half", "middle", "lower_half", "bottom_quarter", "unranked"),
}
# the derived tables a verdict may be computed on, and the name a template reads them by
TABLES: dict[str, str] = {
    "outlets": "o",
    "lobby": "lobby",
    "tellers": "t",
    "ops_managers": "m",
    "sub_branches": "sub",
    "plan_results": "r",  # one row per target: the outlet summary's ``plan`` list, read row by row as r
    "budget": "budget_total",  # one row per expense line and the 合计 line (budget_total)
    "confidentiality": "bank",
}


class VerdictFileError(OwnerFileError):
    """A malformed verdicts file: names the file, the verdict and the reason."""

    topic_zh = "判断口径文件（verdicts.yaml）有误"


class Verdict(OwnerModel):
    id: Text  # the figure's name: a template reads it as <variable>.<id>, e.g. lobby.busy
    table: Literal["outlets", "lobby", "tellers", "ops_managers", "sub_branches", "plan_results", "budget", "confidentiality"]
    kind: Kind
    value: Text  # the column compared (count: counted; position: the rank)
    reference: Text | Number | None = None  # compare/trend: a column or a number; position: how many are ranked
    digits: Annotated[int, Field(strict=True, ge=0, le=8)] = 0  # decimals as printed: compared as printed
    tolerance: Annotated[Number, Field(ge=0, lt=1)] = 0.0  # within this share of the reference: equal / flat
    margin: Annotated[Number, Field(ge=0)] = 0.0  # within this much of the reference (its units): equal / flat

    @model_validator(mode="after")
    def _complete(self) -> Verdict:
        if self.kind in ("compare", "trend", "position", "standing") and self.reference is None:
            raise owner_rule(f"kind {self.kind!r} needs a 'reference'", f"{self.kind} 类判断须写明参照 reference")
        if self.kind in ("position", "standing") and not isinstance(self.reference, str):
            raise owner_rule(
                f"kind {self.kind!r}: 'reference' names the column of how many are ranked",
                f"{self.kind} 类判断的 reference 应为参与排名单位数的字段名",
            )
        if self.kind in ("count", "position", "standing") and (self.tolerance or self.margin):
            raise owner_rule(f"kind {self.kind!r} takes no 'tolerance'", f"{self.kind} 类判断不设容差")
        return self

    @property
    def variable(self) -> str:
        return TABLES[self.table]


class VerdictFile(OwnerModel):
    # tellers are ranked by 日均 among those who worked at least this share of the outlet's most days
    teller_rank_min_days_share: Annotated[Number, Field(gt=0, le=1)] = 0.8
    verdicts: list[Verdict] = []

    @model_validator(mode="after")
    def _unique(self) -> VerdictFile:
        seen: set[tuple[str, str]] = set()
        for v in self.verdicts:
            if (v.table, v.id) in seen:
                raise owner_rule(f"verdict {v.id!r} of {v.table} appears twice", f"判断 {v.id}（{v.table}）重复")
            seen.add((v.table, v.id))
        return self


@files.once_per_version
def load(path: Path) -> VerdictFile:
    return files.load(path, VerdictFile, VerdictFileError, label=files.item_label({"verdicts": "verdict"}))
