"""``index.html``: the page that opens a version of a pack (#13), in Chinese, for the report owner.

Period, version and the one before it, approval state, validation outcome, what changed, every
document grouped by kind (in the pack definition's order, compilations first) with the warnings that
touch it, the next period's targets, and the pack's other files. One static file with its style
inline and relative links only: it works from the folder, from the unpacked zip and offline (no CDN,
no script).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pandas as pd

from reportpack.owner import packdef
from reportpack.owner.packdef import PackDefinition
from reportpack.publish.pack import replace_text
from reportpack.render import templating

INDEX = "index.html"
TEMPLATE = "index.html.j2"
APPROVAL_ZH = {"pending": "待审批", "approved": "已批准", "rejected": "已退回", "unattended": "未经审批（无人值守生成）"}
VALIDATION_ZH = {"passed": "全部通过", "passed with warnings": "通过，有提示"}


def groups(kinds: dict[str, str], definition: PackDefinition) -> list[dict]:
    """The Word documents by kind: compilations, then the definition's parts in order."""
    named = [("compilation", "支行汇编")] + [(p.kind, p.name) for p in definition.parts]
    out = []
    for kind, name in named:
        paths = sorted(p for p, k in kinds.items() if k == kind and p.endswith(".docx"))
        if paths:
            out.append({"kind": kind, "name": name, "documents": [_document(p, kinds) for p in paths]})
    return out


def _document(path: str, kinds: dict[str, str]) -> dict:
    """A Word document's links: itself, and its PDF and page-1 thumbnail when the pack has them (--pdf)."""
    stem = path.removesuffix(".docx")
    pdf, thumb = f"pdf/{stem}.pdf", f"thumbnails/{stem}.png"
    return {
        "path": path,
        "href": quote(path),
        "name": _name(path),
        "pdf": quote(pdf) if pdf in kinds else None,
        "thumb": quote(thumb) if thumb in kinds else None,
    }


def _name(path: str) -> str:
    """What a reader calls a document: its file name without the unit id ("解放路分理处")."""
    stem = path.rsplit("/", 1)[-1].removesuffix(".docx")
    return stem.split("_", 1)[1].replace("_", " ") if "_" in stem else stem


def write(
    pack_dir: Path,
    meta: dict,
    kinds: dict[str, str],
    reports: list[dict],
    targets,
    definition: PackDefinition,
    templates_dir: Path,
    period_name: str,
) -> None:
    """Write ``index.html`` into ``pack_dir`` (the version being published); ``targets``: the next
    period's targets (a frame with ``name``), ``period_name``: e.g. 2023年上半年."""
    warnings = meta["validation"].get("warnings", [])
    grouped = groups(kinds, definition)
    for group in grouped:
        for doc in group["documents"]:  # a warning concerns a document when it names the document's unit
            doc["warnings"] = [w["message"] for w in warnings if not w["units"] or any(u in doc["path"] for u in w["units"])]
    files = [
        (f, quote(f))
        for f in ("变更说明.docx", "changes.json", "findings.json", "proofreading.json", "targets.csv", "manifest.json")
        if f == "manifest.json" or (pack_dir / f).exists()
    ]
    docs_page = "validation/index.html"  # publish.validation_pages
    proofread_file = pack_dir / "proofreading.json"  # render.documents.collect: the proofreader's warnings
    proofreading = json.loads(proofread_file.read_text("utf-8")) if proofread_file.exists() else []
    context = {
        "title": f"{period_name}{definition.title}报告包",
        "meta": meta,
        "approval": APPROVAL_ZH.get(meta["approval"]["status"], meta["approval"]["status"]),
        "validation": VALIDATION_ZH.get(meta["validation"]["status"], meta["validation"]["status"]),
        "reports": reports,
        "groups": grouped,
        "documents": sum(len(g["documents"]) for g in grouped),
        "warnings": warnings,
        "proofreading": proofreading,
        "targets": sorted(Counter(targets["name"]).items()) if len(targets) else [],
        "files": files,
        "data_docs": quote(docs_page) if (pack_dir / docs_page).exists() else None,
        "zip": f"../{quote(meta['version'])}.zip",
    }
    replace_text(pack_dir / INDEX, templating.render(templates_dir, TEMPLATE, context))


def rewrite(version_dir: Path, meta: dict, kinds: dict[str, str], templates_dir: Path) -> None:
    """Write a published version's page again from its own files (after its approval changed)."""
    changes_json = version_dir / "changes.json"
    reports = json.loads(changes_json.read_text("utf-8")) if changes_json.is_file() else []
    csv = version_dir / "targets.csv"
    targets = pd.read_csv(csv, encoding="utf-8-sig", dtype=str) if csv.is_file() else pd.DataFrame({"name": []})
    definition = packdef.load(packdef.path_of(templates_dir, meta["pack"]), templates_dir)
    write(version_dir, meta, kinds, reports, targets, definition, templates_dir, meta.get("period_name") or meta["period"])


def screenshot(page: Path, png: Path, width: int = 1000, height: int = 1300) -> bool:
    """A PNG of ``page`` as headless Chromium draws it (for the README); False without Chromium."""
    browser = shutil.which("chromium")
    if browser is None:
        return False
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}",
             f"--window-size={width},{height}", f"--screenshot={png.resolve()}", page.resolve().as_uri()],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
    return png.exists()
