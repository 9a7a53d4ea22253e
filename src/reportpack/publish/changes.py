"""What changed between two versions of a pack, in a report owner's terms (#13).

A new version is compared with an earlier one (the previous version; also the last approved one
when that is another): documents added and removed, and in each document whose bytes differ, what
changed in it —

- a **figure**: a line (paragraph, or table row) whose words are the same once every number is
  masked; each number that differs is reported old → new with the words just before it, e.g.
  "储蓄存款余额" 4.46亿元 → 4.47亿元;
- the **wording**: a line added, removed or rewritten (different words, not just numbers);

and validation warnings new and gone. Compilations are listed, not detailed: they hold the
documents that are. The renderer is deterministic, so identical inputs give byte-identical
documents and a report that says nothing changed.
"""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path

from docx import Document

from reportpack.owner.packdef import PackDefinition
from reportpack.publish.pack import MANIFEST, read_manifest
from reportpack.render import templating
from reportpack.render.documents import write_document
from reportpack.render.styles import load_base
from reportpack.textdata import data_tree

NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
TEMPLATE = "documents/changes.md.j2"
CONTEXT_CHARS = 24  # words kept before a changed figure
CLAUSE = re.compile(r"[，。；：|｜（）]")
REPORT_DOCX = "变更说明.docx"
REPORT_JSON = "changes.json"


def lines(path: Path) -> list[str]:
    """A document's text as a reviewer reads it: each paragraph, then each table row below its
    header, empty lines left out."""
    doc = Document(str(path))
    out = [p.text.strip() for p in doc.paragraphs]
    for table in doc.tables:
        header, *rows = [[c.text.strip() for c in row.cells] for row in table.rows]
        # a row as its label and each value under its column's name: "储蓄存款：期末余额 4.46亿元；增幅 2.92%"
        out += [f"{row[0]}：" + "；".join(f"{h} {v}" for h, v in zip(header[1:], row[1:], strict=False)) for row in rows]
    return [line for line in out if line]


def _title(path: Path) -> str:
    """The document's title as Word shows it (the core property the renderer sets), else its name."""
    return Document(str(path)).core_properties.title.replace("\n", "") or path.stem


def _figures(old: str, new: str) -> list[dict]:
    """The numbers that differ between two lines of the same words, with the words before each."""
    found = []
    olds, news = list(NUMBER.finditer(old)), list(NUMBER.finditer(new))
    for a, b in zip(olds, news, strict=True):
        if a.group() != b.group():
            # the clause the number closes ("储蓄存款余额", "较年初增加"; a table row: the cell before)
            clauses = [c for c in (c.strip() for c in CLAUSE.split(new[: b.start()])) if c]
            where = clauses[-1] if clauses else ""
            if len(where) <= 4 and len(clauses) > 1:  # "实际" alone says little: "储蓄存款…目标#亿元，实际"
                where = f"{clauses[-2]}，{where}"
            where = NUMBER.sub("#", where)[-CONTEXT_CHARS:]
            found.append({"where": where, "old": a.group(), "new": b.group(), "unit": _unit(new[b.end() :]), "line": new})
    return found


def _unit(after: str) -> str:
    """The unit printed right after a number (亿元, 万元, %, 笔 …), so 4.46 → 4.47 reads 4.46亿元 → 4.47亿元."""
    for unit in (
        "亿元",
        "万元",
        "个百分点",
        "%",
        "元",
        "笔",
        "户",
        "人次",
        "件",
        "次",
        "分",
        "位",
        "人",
        "天",
        "小时",
        "期",
        "个",
    ):
        if after.startswith(unit):
            return unit
    return ""


def compare_documents(old_path: Path, new_path: Path) -> dict:
    """What changed from one rendition of a document to the next: figures and wording."""
    old, new = lines(old_path), lines(new_path)
    masked_old, masked_new = [NUMBER.sub("#", x) for x in old], [NUMBER.sub("#", x) for x in new]
    figures: list[dict] = []
    wording: list[dict] = []
    matcher = difflib.SequenceMatcher(a=masked_old, b=masked_new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for a, b in zip(old[i1:i2], new[j1:j2], strict=True):
                if a != b:
                    figures.extend(_figures(a, b))
            continue
        before, after = old[i1:i2], new[j1:j2]
        for k in range(max(len(before), len(after))):
            wording.append({"old": before[k] if k < len(before) else None, "new": after[k] if k < len(after) else None})
    return {"figures": figures, "wording": wording}


def _documents(files: list[dict]) -> dict[str, dict]:
    """path → manifest entry (sha256, kind) of a version's Word documents, the changes report left out."""
    return {f["path"]: f for f in files if f["path"].endswith(".docx") and f["path"] != REPORT_DOCX}


def compare(new_dir: Path, new_hashes: dict[str, str], new_kinds: dict[str, str], new_warnings: list[str], old_dir: Path) -> dict:
    """The changes of the pack being published in ``new_dir`` (its files' hashes ``new_hashes``, its
    documents ``new_kinds``: path → kind, its validation warnings) against the published version
    ``old_dir``."""
    old_manifest = read_manifest(old_dir)
    old_docs = _documents(old_manifest["files"])
    new_docs = _documents([{"path": p, "sha256": h} for p, h in new_hashes.items()])
    for path, entry in new_docs.items():
        entry["kind"] = new_kinds.get(path, "")
    changed = []
    for path in sorted(set(old_docs) & set(new_docs)):
        if old_docs[path]["sha256"] == new_docs[path]["sha256"]:
            continue
        entry = {"path": path, "kind": new_docs[path]["kind"], "title": _title(new_dir / path)}
        if entry["kind"] != "compilation":
            entry.update(compare_documents(old_dir / path, new_dir / path))
        changed.append(entry)
    old_warnings = [w["message"] for w in old_manifest["validation"].get("warnings", [])]
    report = {
        "against": old_manifest.get("version") or old_dir.name,
        "against_run": old_manifest.get("run_id"),
        "documents_added": sorted(set(new_docs) - set(old_docs)),
        "documents_removed": sorted(set(old_docs) - set(new_docs)),
        "documents_changed": changed,
        "warnings_new": sorted(set(new_warnings) - set(old_warnings)),
        "warnings_gone": sorted(set(old_warnings) - set(new_warnings)),
    }
    # the counts the changes document prints (its template adds nothing up)
    report["compilations_changed"] = sum(1 for d in changed if d.get("kind") == "compilation")
    report["figures_changed"] = sum(len(d.get("figures") or []) for d in changed if d.get("kind") != "compilation")
    report["nothing_changed"] = not any(
        report[k] for k in ("documents_added", "documents_removed", "documents_changed", "warnings_new", "warnings_gone")
    )
    return report


def last_approved(period_dir: Path, before: int) -> Path | None:
    """The newest version below ``before`` whose manifest says it was approved."""
    for n in range(before - 1, 0, -1):
        folder = period_dir / f"v{n}"
        if (folder / MANIFEST).is_file() and read_manifest(folder).get("approval", {}).get("status") == "approved":
            return folder
    return None


def write(pack_dir: Path, reports: list[dict], context: dict, templates_dir: Path, definition: PackDefinition) -> dict[str, str]:
    """Write ``changes.json`` and ``变更说明.docx`` (from ``documents/changes.md.j2``) into the pack;
    returns path → kind for the manifest."""
    (pack_dir / REPORT_JSON).write_text(json.dumps(reports, ensure_ascii=False, indent=1) + "\n", "utf-8")
    text = templating.render(
        templates_dir, TEMPLATE, {**context, "reports": data_tree(reports)}
    )  # text from the documents is data, never marks
    write_document(pack_dir / REPORT_DOCX, text, TEMPLATE, "ReportPack", definition, load_base(definition.style_base))
