"""The proofreading file (``templates/proofreading.yaml``): how severe each proofreading rule is and
the glossary of terms the pack writes one way (``reportpack.render.proofread`` applies them)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field

from reportpack.errors import OwnerFileError
from reportpack.owner import files
from reportpack.owner.files import OwnerModel

Severity = Literal["error", "warning", "off"]
# the rules the proofreader knows (reportpack.render.proofread.RULES), for the model to refuse a typo
RULE_IDS = (
    "verdict_against_numbers",
    "enumeration_of_one",
    "number_runs_into_text",
    "all_over_one",
    "last_item_semicolon",
    "glossary",
    "mixed_units_in_column",
    "bar_axis_not_from_zero",
)
RuleId = Literal[RULE_IDS]  # type: ignore[valid-type]


class ProofreadingError(OwnerFileError):
    topic_zh = "校对规则文件（proofreading.yaml）有误"


class Proofreading(OwnerModel):
    rules: dict[RuleId, Severity] = {}  # a rule not named is an error
    glossary: dict[Annotated[str, Field(min_length=1)], Annotated[str, Field(min_length=1)]] = {}  # 不用的写法 → 统一的写法


@files.once_per_version
def load(path: Path) -> Proofreading:
    return files.load(path, Proofreading, ProofreadingError)
