"""The Chinese names documents use for tables, columns, rules and periods (``templates/labels.yaml``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field

from reportpack.errors import OwnerFileError
from reportpack.owner import files
from reportpack.owner.files import OwnerModel

Text = Annotated[str, Field(min_length=1)]
ByHalf = dict[Annotated[int, Field(ge=1, le=2)], Text]  # 1: first half, 2: second half


class LabelsError(OwnerFileError):
    topic_zh = "名称文件（labels.yaml）有误"


class TableLabel(OwnerModel):
    name: Text  # 网点存款余额数据
    row: Text  # what one row is counted as: 个网点


class PeriodNames(OwnerModel):
    half_name: ByHalf  # 上半年 / 下半年
    next_half_name: ByHalf  # {year} and {next_year} are filled in
    next_half_title: ByHalf


class Labels(OwnerModel):
    tables: dict[str, TableLabel]
    columns: dict[str, Text]
    percent_columns: list[Text] = []  # ratios: a review comment prints them, and their limits, as percentages
    rules: dict[str, Text]
    periods: PeriodNames


@files.once_per_version
def load(path: Path) -> Labels:
    return files.load(path, Labels, LabelsError)
