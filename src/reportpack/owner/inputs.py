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

import yaml

from reportpack.owner.packdef import PackDefinition
from reportpack.errors import OwnerFileError

_KEYS = {"document", "unit", "section", "text"}


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
    except Exception as exc:  # openpyxl raises several kinds for a file that is not a workbook
        raise OwnerInputError(f"{path}: not a readable Excel workbook ({exc})") from None
    sheet.columns = [str(c).strip() for c in sheet.columns]
    missing = sorted({"document", "section", "text"} - set(sheet.columns))
    if missing:
        raise OwnerInputError(f"{path}: the first row must name the columns document, unit, section, text (missing: {missing})")
    rows = []
    for i, row in enumerate(sheet.to_dict("records"), start=2):  # row 1 is the header
        entry = {k: v.strip() for k, v in row.items() if isinstance(v, str) and v.strip()}
        if entry:
            rows.append((f"row {i}", entry))
    return rows


def load(
    folder: Path, definition: PackDefinition, keys: dict[str, set[str]] | None = None, shown_as: Path | None = None
) -> list[Entry]:
    """Entries of every file in ``folder``; ``keys``: subject keys by document kind (``None``: the
    units are not known yet and not checked). ``shown_as``: the folder errors name (the owner's own,
    when ``folder`` is the run's copy)."""
    entries: list[Entry] = []
    for found in files(folder):
        path = (shown_as / found.name) if shown_as else found
        if found.suffix == ".xlsx":
            for label, raw in _excel_rows(found, path):
                entries.append(_entry(path, label, raw, definition, keys))
            continue
        try:
            data = yaml.safe_load(found.read_text("utf-8"))
        except yaml.YAMLError as exc:
            raise OwnerInputError(f"{path}: not valid YAML: {exc}") from None
        if data is None:
            continue
        if not isinstance(data, list):
            raise OwnerInputError(f"{path}: must be a list of entries (- document: … section: … text: …)")
        for i, raw in enumerate(data, start=1):
            entries.append(_entry(path, f"entry {i}", raw, definition, keys))
    return entries


def _entry(path: Path, label: str, raw, definition: PackDefinition, keys: dict[str, set[str]] | None) -> Entry:
    where = f"{path}: {label}"
    if not isinstance(raw, dict):
        raise OwnerInputError(f"{where}: an entry is a mapping with document, section, text (and unit)")
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise OwnerInputError(f"{where}: unknown keys {unknown} (allowed: {sorted(_KEYS)})")
    kind = raw.get("document")
    part = definition.part(kind) if isinstance(kind, str) else None
    if part is None:
        raise OwnerInputError(f"{where}: document {kind!r} is not a part of pack {definition.name} ({[p.kind for p in definition.parts]})")
    section = raw.get("section")
    if section not in part.slots:
        raise OwnerInputError(f"{where}: section {section!r} is not a slot of {kind} (slots: {list(part.slots) or 'none'})")
    unit = raw.get("unit")
    if unit is not None and keys is not None and str(unit) not in keys.get(kind, set()):
        raise OwnerInputError(f"{where}: unit {unit!r} has no {kind} document in this period")
    text = raw.get("text")
    texts = [text] if isinstance(text, str) else text
    if not isinstance(texts, list) or not texts or not all(isinstance(t, str) and t.strip() for t in texts):
        raise OwnerInputError(f"{where}: text must be a non-empty sentence or a list of them")
    return Entry(f"{path.name} {label}", kind, None if unit is None else str(unit), section, tuple(_clean(t) for t in texts))


def _clean(text: str) -> str:
    # One paragraph per sentence: line breaks inside an owner's text join (Chinese needs no space),
    # so a line of theirs can never start with a text-form marker.
    return "".join(line.strip() for line in text.splitlines())


def for_document(entries: list[Entry], kind: str, key: str, slots: tuple[str, ...]) -> dict[str, list[str]]:
    """``owner`` for one document: every slot of its kind, in file order , in the order of the files and entries."""
    owner: dict[str, list[str]] = {slot: [] for slot in slots}
    for e in entries:
        if e.document == kind and e.unit in (None, key):
            owner[e.section].extend(e.texts)
    return owner
