"""Pack definitions: which documents a pack holds, for which subjects, in which order.

A pack definition is a YAML file under ``templates/packs/`` (see ``half_year.yaml``); a new pack is a
new file, not code. This module reads and checks it; a mistake fails naming the file, the part and
the rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import Field, field_validator

from reportpack import names
from reportpack.errors import OwnerFileError
from reportpack.owner import files
from reportpack.owner.files import OwnerModel, owner_rule

# Who a document is about; ``reportpack.derive.subjects`` builds one context per subject.
SubjectKind = Literal["outlet", "ops_manager", "teller", "sub_branch", "bank"]
SUBJECTS: tuple[str, ...] = SubjectKind.__args__


class PackDefinitionError(OwnerFileError):
    """A malformed pack definition: names the file, the part and the rule."""

    topic_zh = "文稿包定义（templates/packs/）有误"


@dataclass(frozen=True)
class Part:
    kind: str  # document kind, also the manifest's "kind" of its files
    name: str  # 篇名 in the compilation
    template: str  # path under templates/
    subject: str  # one of SUBJECTS: one document per subject
    folder: str  # where its files go inside the pack
    slots: tuple[str, ...] = ()  # sections owners may add text to (inputs/<period>/*.yaml)
    in_compilation: bool = True
    at_period_end: bool = False  # only for subjects still there at period end (plans for the next period)
    condensed: str | None = None  # template of the one document standing for all of them in a compilation


@dataclass(frozen=True)
class Person:
    """Someone the pack's runs involve: an owner who approves it (``id``: their Airflow user name)
    or an engineer told when a run fails."""

    name: str
    email: str | None = None
    id: str | None = None


@dataclass(frozen=True)
class PackDefinition:
    path: Path
    name: str
    title: str
    compilation_template: str | None  # None: no compilation (e.g. a monthly brief that is one document per sub-branch)
    level3: str
    style_base: Path | None
    parts: tuple[Part, ...]
    cadence: str = "half"  # month, quarter, half or year: which periods it reports, when its DAG runs
    sets_targets: bool = True  # its plans set the next period's targets (targets.csv, plan_target)
    owners: tuple[Person, ...] = ()  # approve or reject each version in Airflow; told when one awaits review
    engineers: tuple[Person, ...] = ()  # told when a run fails
    dated_after: int = 3  # 成文日期: the working day this many after the data close (Monday to Friday)

    def dated(self, period_end: date) -> date:
        """成文日期 of a pack whose data close on ``period_end``: a summary is written after its data
        close, so not the day they do (issue #34); working days are Monday to Friday (a holiday on
        the day: set ``dated.workdays_after_close`` to reach past it)."""
        day = np.busday_offset(np.datetime64(period_end, "D"), self.dated_after, roll="backward")
        return day.astype(object)

    def part(self, kind: str) -> Part | None:
        return next((p for p in self.parts if p.kind == kind), None)


# folders every pack has besides its parts' (a part may not write into them)
_PACK_OWN = frozenset({"inputs", "validation", "pdf", "thumbnails"})


def path_of(templates_dir: Path, name: str) -> Path:
    return templates_dir / "packs" / f"{name}.yaml"


Slot = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]  # lower-case identifiers
Text = Annotated[str, Field(min_length=1)]


class PartSpec(OwnerModel):
    kind: Text
    name: Text
    template: Text
    subject: SubjectKind
    folder: Text | None = None
    slots: list[Slot] = []
    in_compilation: Annotated[bool, Field(strict=True)] = True
    at_period_end: Annotated[bool, Field(strict=True)] = False
    condensed: Text | None = None


class NumberingSpec(OwnerModel):
    level3: str = "{n}."

    @field_validator("level3")
    @classmethod
    def _one_n(cls, level3: str) -> str:
        if level3.count("{n}") != 1 or "{" in level3.replace("{n}", ""):
            raise owner_rule(
                f"numbering.level3 {level3!r} must contain {{n}} once, e.g. '{{n}}.' or '{{n}}、'",
                '第三层序号须含且只含一个 {n}，例如 "{n}." 或 "{n}、"',
            )
        return level3


class CompilationSpec(OwnerModel):
    template: Text


Email = Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
UserId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.@-]+$")]  # an Airflow user name


class OwnerSpec(OwnerModel):
    id: UserId
    name: Text
    email: Email | None = None


class EngineerSpec(OwnerModel):
    name: Text
    email: Email


class ReviewSpec(OwnerModel):
    owners: Annotated[list[OwnerSpec], Field(min_length=1)]
    engineers: list[EngineerSpec] = []


class DatedSpec(OwnerModel):
    workdays_after_close: Annotated[int, Field(strict=True, ge=0, le=30)] = 3


class PackFile(OwnerModel):
    title: Text
    dated: DatedSpec = DatedSpec()
    cadence: Literal["month", "quarter", "half", "year"] = "half"
    sets_targets: Annotated[bool, Field(strict=True)] = True
    style_base: Text | None = None
    numbering: NumberingSpec = NumberingSpec()
    compilation: CompilationSpec | None = None
    parts: Annotated[list[PartSpec], Field(min_length=1)]
    review: ReviewSpec | None = None


@files.once_per_version
def load(path: Path, templates_dir: Path) -> PackDefinition:
    if not path.exists():
        known = sorted(p.stem for p in path.parent.glob("*.yaml"))
        raise PackDefinitionError(
            f"{path}: no such pack definition (known: {', '.join(known) or 'none'})",
            file=path,
            rule="no such pack definition",
            rule_zh=f"没有这个报告包定义（现有：{'、'.join(known) or '无'}）",
        )
    data, tree = files.read_yaml(path, PackDefinitionError)
    spec = files.check(
        PackFile,
        data or {},
        path,
        PackDefinitionError,
        label=files.item_label({"parts": "part"}, ("kind",), numbered=True),
        tree=tree,
    )

    def template(name: str, loc: tuple, where: str | None) -> str:
        if not (templates_dir / name).is_file():
            raise files.problem(
                PackDefinitionError,
                path,
                f"template {name!r} does not exist under {templates_dir}",
                f"模板 {name} 不存在（应为 templates/ 下的路径）",
                tree=tree,
                loc=loc,
                where=where,
                field="template",
            )
        return name

    style_base = None
    if spec.style_base is not None:
        style_base = templates_dir / spec.style_base
        if not style_base.is_file():
            raise files.problem(
                PackDefinitionError,
                path,
                f"style_base {style_base} does not exist",
                f"版式底稿 {spec.style_base} 不存在",
                tree=tree,
                loc=("style_base",),
                field="style_base",
            )
    parts: list[Part] = []
    for i, raw in enumerate(spec.parts):
        where = f"part {i + 1} ({raw.kind})"
        if any(p.kind == raw.kind for p in parts):
            raise files.problem(
                PackDefinitionError,
                path,
                f"kind {raw.kind!r} appears twice",
                f"文稿类别 {raw.kind} 重复",
                tree=tree,
                loc=("parts", i, "kind"),
                where=where,
                field="kind",
            )
        folder = raw.folder or raw.kind
        if (
            names.portable(folder) != folder
            or names.fold(folder) in _PACK_OWN
            or any(names.fold(p.folder) == names.fold(folder) for p in parts)
        ):
            raise files.problem(
                PackDefinitionError,
                path,
                f"folder {folder!r} must be one plain name (no '/', '..', leading dot or character Windows refuses), "
                f"not one of the pack's own folders ({', '.join(sorted(_PACK_OWN))}) nor another part's",
                f"文件夹 {folder} 须为一个普通名称（不含 /、..、开头的点或 Windows 不允许的字符），且不得与文稿包自带的文件夹或其他篇的文件夹同名",
                tree=tree,
                loc=("parts", i, "folder" if raw.folder else "kind"),
                where=where,
                field="folder" if raw.folder else "kind",
            )
        parts.append(
            Part(
                kind=raw.kind,
                name=raw.name,
                template=template(raw.template, ("parts", i, "template"), where),
                subject=raw.subject,
                folder=folder,
                slots=tuple(raw.slots),
                in_compilation=raw.in_compilation,
                at_period_end=raw.at_period_end,
                condensed=None if raw.condensed is None else template(raw.condensed, ("parts", i, "condensed"), where),
            )
        )
    return PackDefinition(
        path=path,
        name=path.stem,
        title=spec.title,
        compilation_template=(
            template(spec.compilation.template, ("compilation", "template"), "compilation") if spec.compilation else None
        ),
        cadence=spec.cadence,
        sets_targets=spec.sets_targets,
        level3=spec.numbering.level3,
        style_base=style_base,
        parts=tuple(parts),
        owners=tuple(Person(name=o.name, email=o.email, id=o.id) for o in spec.review.owners) if spec.review else (),
        engineers=tuple(Person(name=e.name, email=e.email) for e in spec.review.engineers) if spec.review else (),
        dated_after=spec.dated.workdays_after_close,
    )


def all_kinds(templates_dir: Path) -> set[str]:
    """The document kinds of every pack definition under ``templates/packs/``."""
    return {part.kind for path in sorted((templates_dir / "packs").glob("*.yaml")) for part in load(path, templates_dir).parts}
