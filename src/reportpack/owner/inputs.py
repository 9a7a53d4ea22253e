"""Owner-written text merged into documents: ``inputs/<period>/*.yaml``.

Each file lists entries::

    - document: outlet_half_year_summary   # a part's kind in the pack definition
      unit: BR01-S001-O00001               # a subject's key; leave out for every document of the kind
      section: work_done                   # one of the part's slots (pack definition)
      text: 组织开展"春天行动"营销竞赛…     # a sentence, or a list of them

or, for owners who keep such notes in Excel, ``inputs/<period>/*.xlsx``: the first sheet, a header row
``document | unit | section | text`` and one row per sentence (an empty ``unit`` = every document).

A template prints ``owner.<section>`` (a list, empty without input), so without any input the
data-driven text stands alone. Every entry is checked; a mistake names the file, the entry and the
rule, and nothing is rendered.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import Field, RootModel, field_validator, model_validator

from reportpack.errors import OwnerFileError
from reportpack.owner import files as owner_files
from reportpack.owner.files import OwnerModel, owner_rule
from reportpack.owner.packdef import PackDefinition
from reportpack.textdata import UNPRINTABLE_OR_NUL

Text = Annotated[str, Field(min_length=1)]


class OwnerInputError(OwnerFileError):
    """Owner input that cannot be placed: names the file, the entry and the rule."""

    topic_zh = "负责人填写的内容（inputs/）有误"


@dataclass(frozen=True)
class Entry:
    source: str  # "file.yaml entry 3"
    document: str
    unit: str | None
    section: str
    texts: tuple[str, ...]


def files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml", ".xlsx") and not p.name.startswith("~$"))


def _excel_rows(found: Path, path: Path) -> list[tuple[str, dict]]:
    """(label, entry) per filled row of the first sheet, labelled by its row number in Excel."""
    import pandas as pd

    try:
        sheet = pd.read_excel(found, sheet_name=0, dtype=str, engine="openpyxl")
    except Exception as exc:  # noqa: BLE001 — openpyxl raises several kinds for a file that is not a workbook
        raise OwnerInputError(
            f"{path}: not a readable Excel workbook ({exc})",
            file=path,
            rule=f"not a readable Excel workbook ({exc})",
            rule_zh="不是可读取的 Excel 工作簿（.xlsx）",
        ) from None
    sheet.columns = [str(c).strip() for c in sheet.columns]
    missing = sorted({"document", "section", "text"} - set(sheet.columns))
    if missing:
        raise OwnerInputError(
            f"{path}: the first row must name the columns document, unit, section, text (missing: {missing})",
            file=path,
            line=1,
            rule=f"the first row must name the columns document, unit, section, text (missing: {missing})",
            rule_zh=f"第一行须为列名 document、unit、section、text（缺少：{'、'.join(missing)}）",
        )
    rows = []
    for i, row in enumerate(sheet.to_dict("records"), start=2):  # row 1 is the header
        entry = {k: v.strip() for k, v in row.items() if isinstance(v, str) and v.strip()}
        if entry:
            rows.append((f"row {i}", entry))
    return rows


class EntrySpec(OwnerModel):
    """One entry: text for a section (slot) of one document, or of every document of a kind."""

    document: Text  # a part's kind in the pack definition
    unit: Text | None = None  # a subject's key; none = every document of the kind
    section: Text  # one of the part's slots
    text: Text | Annotated[list[Text], Field(min_length=1)]  # a sentence, or a list of them

    @field_validator("text")
    @classmethod
    def _printable(cls, text: str | list[str]) -> str | list[str]:
        """Text a Word document can hold: a control character or noncharacter (``\\x01``, NUL,
        U+FFFF from a YAML escape or an Excel cell) is refused naming where it is."""
        for n, sentence in enumerate([text] if isinstance(text, str) else text, start=1):
            if found := UNPRINTABLE_OR_NUL.search(sentence):
                item = "" if isinstance(text, str) else f"sentence {n}, "
                item_zh = "" if isinstance(text, str) else f"第{n}句"
                code = f"U+{ord(found.group()):04X}"
                raise owner_rule(
                    f"{item}character {found.start() + 1} is {code}, a control character or noncharacter a Word document cannot hold",
                    f"{item_zh}第{found.start() + 1}个字符是 {code}（控制字符或非字符），Word 文稿不能容纳，请删去",
                )
        return text

    @model_validator(mode="after")
    def _placeable(self, info) -> EntrySpec:
        definition: PackDefinition = info.context["definition"]
        keys: dict[str, set[str]] | None = info.context["keys"]
        part = definition.part(self.document)
        if part is None:
            kinds = [p.kind for p in definition.parts]
            raise owner_rule(
                f"document {self.document!r} is not a part of pack {definition.name} ({kinds})",
                f"文稿类别 {self.document} 不在报告包 {definition.name} 中（可选：{'、'.join(kinds)}）",
            )
        if self.section not in part.slots:
            raise owner_rule(
                f"section {self.section!r} is not a slot of {self.document} (slots: {list(part.slots) or 'none'})",
                f"{self.document} 没有可补充的段落 {self.section}（可选：{'、'.join(part.slots) or '无'}）",
            )
        if self.unit is not None and keys is not None and self.unit not in keys.get(self.document, set()):
            raise owner_rule(
                f"unit {self.unit!r} has no {self.document} document in this period",
                f"机构或人员 {self.unit} 本期没有 {self.document} 文稿",
            )
        return self


class EntryList(RootModel[list[EntrySpec]]):
    pass


def load(
    folder: Path, definition: PackDefinition, keys: dict[str, set[str]] | None = None, shown_as: Path | None = None
) -> list[Entry]:
    """Entries of every file in ``folder``; ``keys``: subject keys by document kind (``None``: the
    units are not known yet and not checked). ``shown_as``: the folder errors name (the owner's own,
    when ``folder`` is the run's copy)."""
    entries: list[Entry] = []
    context = {"definition": definition, "keys": keys}
    for found in files(folder):
        path = (shown_as / found.name) if shown_as else found
        if found.suffix == ".xlsx":
            for label, raw in _excel_rows(found, path):
                spec = owner_files.check(EntrySpec, raw, path, OwnerInputError, where=label, context=context)
                entries.append(_entry(found.name, label, spec))
            continue
        data, tree = owner_files.read_yaml(found, OwnerInputError, path)
        if data is None:
            continue
        specs = owner_files.check(
            EntryList, data, path, OwnerInputError, label=owner_files.entry_label, tree=tree, context=context
        )
        entries.extend(_entry(found.name, f"entry {i}", spec) for i, spec in enumerate(specs.root, start=1))
    return entries


def _entry(name: str, label: str, spec: EntrySpec) -> Entry:
    texts = [spec.text] if isinstance(spec.text, str) else spec.text
    return Entry(f"{name} {label}", spec.document, spec.unit, spec.section, tuple(_clean(t) for t in texts))


def _clean(text: str) -> str:
    # One paragraph per sentence: line breaks inside an owner's text join (Chinese needs no space),
    # so a line of theirs can never start with a text-form marker.
    return "".join(line.strip() for line in text.splitlines())


def for_document(entries: list[Entry], kind: str, key: str, slots: tuple[str, ...]) -> dict[str, list[str]]:
    """``owner`` for one document: every slot of its kind, in file order , in the order of the files and entries."""
    owner: dict[str, list[str]] = {slot: [] for slot in slots}
    for e in used_by(entries, kind, key):
        owner[e.section].extend(e.texts)
    return owner


def used_by(entries: list[Entry], kind: str, key: str) -> list[Entry]:
    """The entries one document prints (its kind's for every unit, and its unit's own)."""
    return [e for e in entries if e.document == kind and e.unit in (None, key)]


OWNER = "负责人"  # the category of owner text in findings.json


def as_findings(entries: list[Entry]) -> list[dict]:
    """Each sentence of ``entries`` as findings.json records it: owner text, with the file and
    entry it came from, beside the sentences rules drafted from figures."""
    return [
        {"rule": f"owner:{e.source}", "category": OWNER, "topic": e.section, "priority": 0, "text": text, "figures": {}}
        for e in entries
        for text in e.texts
    ]


def missing_sections(definition: PackDefinition, entries: list[Entry], documents: dict[str, list[tuple[str, str]]]) -> list[dict]:
    """The owner sections (pack definition ``owner_sections``) no owner text fills, per part and
    section: ``documents`` maps a part's kind to its documents' (key, name); each result names the
    part, the section's title, and the documents that lack it (all of the kind's, or some)."""
    out = []
    for part in definition.parts:
        for section in part.owner_sections:
            given = {e.unit for e in entries if e.document == part.kind and e.section == section.id}
            if None in given:  # written for every document of the kind
                continue
            lacking = [name for key, name in documents.get(part.kind, []) if key not in given]
            if lacking:
                out.append(
                    {
                        "document": part.name,
                        "kind": part.kind,
                        "section": section.title,
                        "id": section.id,
                        "missing": lacking,
                        "of": len(documents.get(part.kind, [])),
                    }
                )
    return out
