"""The proofreading file (``templates/proofreading.yaml``): how severe each proofreading rule is and
the glossary of terms the pack writes one way (``reportpack.render.proofread`` applies them)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator

from reportpack.errors import OwnerFileError
from reportpack.owner import files
from reportpack.owner.files import OwnerModel, owner_rule

Severity = Literal["error", "warning", "off"]
# the rules the proofreader knows (reportpack.render.proofread.RULES), for the model to refuse a typo
RULE_IDS = (
    "verdict_against_numbers",
    "enumeration_of_one",
    "number_runs_into_text",
    "all_over_one",
    "percentage_over_few",
    "last_item_semicolon",
    "glossary",
    "unit_counts_differ",
    "target_text_and_table_differ",
    "mixed_units_in_column",
    "mixed_units_in_sentence",
    "bar_axis_not_from_zero",
)
RuleId = Literal[RULE_IDS]  # type: ignore[valid-type]


class ProofreadingError(OwnerFileError):
    topic_zh = "校对规则文件（proofreading.yaml）有误"


class Proofreading(OwnerModel):
    rules: dict[RuleId, Severity] = {}  # a rule not named is an error
    handful: Annotated[int, Field(ge=2)] = 5  # percentage_over_few: a rate of fewer cases is worded as counts
    # unit_counts_differ: words that say which outlets a count counts, looked for just before or after it
    count_qualifiers: list[Annotated[str, Field(min_length=1)]] = []
    # unit_counts_differ: words just before a count that make it a count of the sub-branch's outlets
    count_scopes: list[Annotated[str, Field(min_length=1)]] = []
    glossary: dict[Annotated[str, Field(min_length=1)], Annotated[str, Field(min_length=1)]] = {}  # 不用的写法 → 统一的写法
    # the review comment a warning puts in the document, on the sentence (cell, chart caption) it is about
    comments: dict[RuleId, Annotated[str, Field(min_length=1)]] = {}

    @model_validator(mode="after")
    def _warnings_say_what_to_check(self) -> Proofreading:
        for rule, severity in self.rules.items():
            if severity == "warning" and rule not in self.comments:
                raise owner_rule(
                    f"rule {rule!r} is a warning but has no review comment under 'comments'",
                    f"规则 {rule} 设为 warning，须在 comments 中写明批注内容",
                )
        return self


@files.once_per_version
def load(path: Path) -> Proofreading:
    return files.load(path, Proofreading, ProofreadingError)
