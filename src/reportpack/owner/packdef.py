"""Pack definitions: which documents a pack holds, for which subjects, in which order.

A pack definition is a YAML file under ``templates/packs/`` (see ``half_year.yaml``); a new pack is a
new file, not code. This module reads and checks it; a mistake fails naming the file, the part and
the rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from reportpack.errors import OwnerFileError

# Who a document is about; ``reportpack.derive.subjects`` builds one context per subject.
SUBJECTS = ("outlet", "ops_manager", "teller", "sub_branch", "bank")
_SLOT = re.compile(r"^[a-z][a-z0-9_]*$")


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


@dataclass(frozen=True)
class PackDefinition:
    path: Path
    name: str
    title: str
    compilation_template: str
    level3: str
    style_base: Path | None
    parts: tuple[Part, ...]

    def part(self, kind: str) -> Part | None:
        return next((p for p in self.parts if p.kind == kind), None)


def path_of(templates_dir: Path, name: str) -> Path:
    return templates_dir / "packs" / f"{name}.yaml"


def load(path: Path, templates_dir: Path) -> PackDefinition:
    if not path.exists():
        known = sorted(p.stem for p in path.parent.glob("*.yaml"))
        raise PackDefinitionError(f"{path}: no such pack definition (known: {', '.join(known) or 'none'})")
    try:
        data = yaml.safe_load(path.read_text("utf-8")) or {}
    except yaml.YAMLError as exc:
        raise PackDefinitionError(f"{path}: not valid YAML: {exc}") from None

    def need(mapping: dict, key: str, where: str) -> str:
        value = mapping.get(key)
        if not isinstance(value, str) or not value.strip():
            raise PackDefinitionError(f"{path}: {where}: '{key}' is required (text)")
        return value.strip()

    def template(name: str, where: str) -> str:
        if not (templates_dir / name).is_file():
            raise PackDefinitionError(f"{path}: {where}: template {name!r} does not exist under {templates_dir}")
        return name

    level3 = str((data.get("numbering") or {}).get("level3", "{n}."))
    if level3.count("{n}") != 1 or "{" in level3.replace("{n}", ""):
        raise PackDefinitionError(f"{path}: numbering.level3 {level3!r} must contain {{n}} once, e.g. '{{n}}.' or '{{n}}、'")
    style_base = data.get("style_base")
    if style_base is not None:
        style_base = templates_dir / style_base
        if not style_base.is_file():
            raise PackDefinitionError(f"{path}: style_base {style_base} does not exist")
    compilation = data.get("compilation") or {}
    parts: list[Part] = []
    raw_parts = data.get("parts")
    if not isinstance(raw_parts, list) or not raw_parts:
        raise PackDefinitionError(f"{path}: 'parts' must list at least one document kind")
    allowed = {f for f in Part.__dataclass_fields__}
    for i, raw in enumerate(raw_parts, start=1):
        label = raw.get("kind", "?") if isinstance(raw, dict) else repr(raw)
        where = f"part {i} ({label})"
        if not isinstance(raw, dict):
            raise PackDefinitionError(f"{path}: {where}: a part is a mapping with kind, name, template, subject")
        unknown = sorted(set(raw) - allowed)
        if unknown:
            raise PackDefinitionError(f"{path}: {where}: unknown keys {unknown} (allowed: {sorted(allowed)})")
        kind = need(raw, "kind", where)
        if any(p.kind == kind for p in parts):
            raise PackDefinitionError(f"{path}: {where}: kind {kind!r} appears twice")
        subject = need(raw, "subject", where)
        if subject not in SUBJECTS:
            raise PackDefinitionError(f"{path}: {where}: subject {subject!r} is not one of {SUBJECTS}")
        slots = tuple(raw.get("slots") or ())
        bad = [s for s in slots if not isinstance(s, str) or not _SLOT.match(s)]
        if bad:
            raise PackDefinitionError(f"{path}: {where}: slot names are lower-case identifiers, got {bad}")
        parts.append(
            Part(
                kind=kind,
                name=need(raw, "name", where),
                template=template(need(raw, "template", where), where),
                subject=subject,
                folder=str(raw.get("folder") or kind),
                slots=slots,
                in_compilation=bool(raw.get("in_compilation", True)),
            )
        )
    return PackDefinition(
        path=path,
        name=path.stem,
        title=need(data, "title", "pack"),
        compilation_template=template(need(compilation, "template", "compilation"), "compilation"),
        level3=level3,
        style_base=style_base,
        parts=tuple(parts),
    )


def all_kinds(templates_dir: Path) -> set[str]:
    """The document kinds of every pack definition under ``templates/packs/``."""
    return {part.kind for path in sorted((templates_dir / "packs").glob("*.yaml")) for part in load(path, templates_dir).parts}
