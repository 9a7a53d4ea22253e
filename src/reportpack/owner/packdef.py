"""Pack definitions: which documents a pack holds, for which subjects, in which order.

A pack definition is a YAML file under ``templates/packs/`` (see ``half_year.yaml``); a new pack is a
new file, not code. This module reads and checks it; a mistake fails naming the file, the part and
the rule.
"""

from __future__ import annotations

import re
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
class OwnerSection:
    """A section only an owner can write (党建引领, 重点工作回顾): printed at the template's anchor
    ``place`` as a heading ``title`` over the owner's text, or not at all — never a placeholder — and
    listed as missing on the pack's index page and in the review request."""

    id: str  # the section owners name in inputs/<period>/*.yaml
    title: str  # its heading in the document
    place: str  # the anchor in the template: {{ owner_part(owner_sections, "<place>") }}


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
    addressed_to: str | None = None  # 主送: text with {sub_branch} / {branch} for the subject's 支行 / 分行
    owner_sections: tuple[OwnerSection, ...] = ()  # their ids are slots too (``slots``)

    def addressee(self, sub_branch: str | None, branch: str | None) -> str | None:
        """The 主送 line of a subject's document, or None where the part has none."""
        if self.addressed_to is None:
            return None
        return self.addressed_to.format(sub_branch=sub_branch or "", branch=branch or "")


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


class OwnerSectionSpec(OwnerModel):
    id: Slot
    title: Text
    place: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]


# where a template lets owner sections in: {{ owner_part(owner_sections, "start") }}
_ANCHOR = re.compile(r"""owner_part\(\s*owner_sections\s*,\s*["']([a-z][a-z0-9_]*)["']\s*\)""")


def anchors(template: Path) -> list[str]:
    """The places of ``template`` where owner sections may go, in its order."""
    return _ANCHOR.findall(template.read_text("utf-8"))


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
    addressed_to: Text | None = None
    owner_sections: list[OwnerSectionSpec] = []

    @field_validator("addressed_to")
    @classmethod
    def _known_names(cls, text: str | None) -> str | None:
        if text is not None:
            try:
                text.format(sub_branch="", branch="")
            except (KeyError, IndexError, ValueError):
                raise owner_rule(
                    f"addressed_to {text!r} may name only {{sub_branch}} and {{branch}}",
                    f"主送 {text} 中只能用 {{sub_branch}}（所属支行）和 {{branch}}（分行）两个占位",
                ) from None
        return text


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

    def refuse(rule: str, rule_zh: str, loc: tuple, field: str) -> PackDefinitionError:
        return files.problem(PackDefinitionError, path, rule, rule_zh, tree=tree, loc=loc, where=where, field=field)

    parts: list[Part] = []
    for i, raw in enumerate(spec.parts):
        where = f"part {i + 1} ({raw.kind})"
        if any(p.kind == raw.kind for p in parts):
            raise refuse(
                f"kind {raw.kind!r} appears twice",
                f"文稿类别 {raw.kind} 重复",
                ("parts", i, "kind"),
                "kind",
            )
        folder = raw.folder or raw.kind
        if (
            names.portable(folder) != folder
            or names.fold(folder) in _PACK_OWN
            or any(names.fold(p.folder) == names.fold(folder) for p in parts)
        ):
            raise refuse(
                f"folder {folder!r} must be one plain name (no '/', '..', leading dot or character Windows refuses), "
                f"not one of the pack's own folders ({', '.join(sorted(_PACK_OWN))}) nor another part's",
                f"文件夹 {folder} 须为一个普通名称（不含 /、..、开头的点或 Windows 不允许的字符），且不得与文稿包自带的文件夹或其他篇的文件夹同名",
                ("parts", i, "folder" if raw.folder else "kind"),
                "folder" if raw.folder else "kind",
            )
        if raw.subject == "bank" and raw.addressed_to and "{sub_branch}" in raw.addressed_to:
            raise refuse(
                f"addressed_to {raw.addressed_to!r}: a bank document has no sub-branch to put in {{sub_branch}}",
                f"主送 {raw.addressed_to}：全行一份的文稿没有所属支行，不能用 {{sub_branch}}",
                ("parts", i, "addressed_to"),
                "addressed_to",
            )
        own = [s.id for s in raw.owner_sections]
        checked = template(raw.template, ("parts", i, "template"), where)
        for j, section in enumerate(raw.owner_sections):
            loc = ("parts", i, "owner_sections", j)
            if section.id in raw.slots or own.count(section.id) > 1:
                raise refuse(
                    f"owner section {section.id!r} is named twice (a slot or another owner section)",
                    f"负责人专写的章节 {section.id} 与可补充段落或另一章节重名",
                    (*loc, "id"),
                    "id",
                )
            places = anchors(templates_dir / checked)
            if section.place not in places:
                raise refuse(
                    f"owner section {section.id!r}: place {section.place!r} is not an anchor of {raw.template} "
                    f"(anchors: {', '.join(places) or 'none'})",
                    f"负责人专写的章节 {section.id}：模板 {raw.template} 中没有位置 {section.place}"
                    f"（可选：{'、'.join(places) or '无'}）",
                    (*loc, "place"),
                    "place",
                )
        parts.append(
            Part(
                kind=raw.kind,
                name=raw.name,
                template=checked,
                subject=raw.subject,
                folder=folder,
                slots=(*raw.slots, *own),
                in_compilation=raw.in_compilation,
                at_period_end=raw.at_period_end,
                condensed=None if raw.condensed is None else template(raw.condensed, ("parts", i, "condensed"), where),
                addressed_to=raw.addressed_to,
                owner_sections=tuple(OwnerSection(s.id, s.title, s.place) for s in raw.owner_sections),
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
