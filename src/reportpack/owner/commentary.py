"""The commentary rules file (``templates/commentary.yaml``) as report owners write it.

Each rule names the document kinds it applies to, a category (成效 / 问题 / 措施 / 下一步 / 保障 / 标题), a
priority (lower = more urgent), an optional ``topic``, a condition ``when`` and a sentence ``text``.
Compiling the conditions and sentences is the render layer's (``reportpack.render.commentary``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import Field

from reportpack.errors import OwnerFileError
from reportpack.owner import files
from reportpack.owner.files import OwnerModel

# 标题: the evaluative word of a heading; one per topic (the heading's name), the most urgent that holds
# 保障: the 保障措施 of a plan, chosen by the unit's own figures like the measures
Category = Literal["成效", "问题", "措施", "下一步", "保障", "标题"]
NEXT_PERIOD: tuple[Category, ...] = ("下一步", "保障")  # plans for the next period: none for a unit gone by period end
HEADING: Category = "标题"
PROBLEMS: Category = "问题"  # what a closed outlet leaves unsolved passes to the outlet that takes its accounts over
CATEGORIES: tuple[str, ...] = Category.__args__
Text = Annotated[str, Field(min_length=1)]


class RuleSpec(OwnerModel):
    id: Text
    documents: Annotated[list[Text], Field(min_length=1)]  # the document kinds it applies to
    category: Category
    priority: Annotated[int, Field(strict=True)] = 50  # lower = more urgent
    topic: str | None = None  # two findings on one topic never both appear
    when: Text = "true"
    text: Text


class CommentaryFile(OwnerModel):
    limits: dict[Category, Annotated[int, Field(strict=True, ge=1)]] = {}  # at most this many findings per category
    # a receiving outlet's summary prints at most this many (the most urgent) of each closed outlet's
    # problems it took over, beside its own
    handed_over_problems: Annotated[int, Field(strict=True, ge=0)] = 2
    rules: list[RuleSpec] = []


def read(path: Path, error: type[OwnerFileError]) -> tuple[CommentaryFile, yaml.Node | None]:
    """The file checked against the model, and its YAML tree (to place later errors on a line)."""
    data, tree = files.read_yaml(path, error)
    spec = files.check(CommentaryFile, data or {}, path, error, label=files.item_label({"rules": "rule"}), tree=tree)
    return spec, tree
