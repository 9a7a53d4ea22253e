"""The validation results as pages a report owner can read, offline, in Chinese (#13).

Great Expectations' own Data Docs pages load Bootstrap, jQuery, Font Awesome and Vega from eight CDN
hosts, so they fall apart when the pack is opened offline or from its zip, and they are in English.
These pages are written instead from the same results (the ``validation/**/<suite>.json`` GX writes
for each suite): ``validation/index.html`` lists every suite of both layers — the warehouse tables
checked where they live (``source/``) and the extracted tables — and each suite has a page with every
rule in Chinese, its outcome, the rows that broke it and the values seen. Style inline, relative links
only, no script.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

from reportpack.render import templating

INDEX = "validation/index.html"
SUITE_TEMPLATE = "validation/suite.html.j2"
INDEX_TEMPLATE = "validation/index.html.j2"
LAYERS = (("source", "数据仓库中的源数据（按原始粒度，在库内校验）"), ("", "提取后的数据表"))


def _results(folder: Path) -> list[tuple[str, dict]]:
    """(suite name, GX result) of every suite under ``folder`` (not its summary)."""
    return [(p.stem, json.loads(p.read_text("utf-8"))) for p in sorted(folder.glob("*.json")) if p.name != "summary.json"]


def _rule(item: dict) -> dict:
    config = item.get("expectation_config") or {}
    result = item.get("result") or {}
    exception = item.get("exception_info") or {}
    return {
        "type": config.get("type", ""),
        "kwargs": {k: _plain(v) for k, v in (config.get("kwargs") or {}).items() if k != "batch_id"},
        "rule_zh": (config.get("meta") or {}).get("rule_zh", ""),
        "severity": config.get("severity", "critical"),
        "success": bool(item.get("success")),
        "unexpected_count": result.get("unexpected_count"),
        "element_count": result.get("element_count"),
        "observed": result.get("observed_value"),
        "samples": (result.get("partial_unexpected_list") or [])[:10],
        "error": exception.get("exception_message") if exception.get("raised_exception") else None,
    }


def _plain(value):
    """0.0 → 0, 100.0 → 100: a bound as a person writes it."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def write(pack_dir: Path, templates_dir: Path, status: str) -> str | None:
    """Write the pages under ``pack_dir/validation``; returns the index's path (relative to the pack),
    or ``None`` when the pack holds no validation results."""
    root = pack_dir / "validation"
    layers = []
    for sub, title in LAYERS:
        folder = root / sub if sub else root
        suites = []
        for name, result in _results(folder):
            rules = [_rule(item) for item in result.get("results", [])]
            page = f"{sub}/{name}.html" if sub else f"{name}.html"
            context = {"suite": name, "layer": title, "rules": rules, "back": "../index.html" if sub else "index.html"}
            (root / page).write_text(templating.render(templates_dir, SUITE_TEMPLATE, context), "utf-8")
            failed = [r for r in rules if not r["success"]]
            suites.append(
                {
                    "name": name,
                    "href": quote(page),
                    "rules": len(rules),
                    "failed": len(failed),
                    "worst": next((s for s in ("critical", "warning", "info") if any(r["severity"] == s for r in failed)), None),
                }
            )
        if suites:
            layers.append({"title": title, "suites": suites})
    if not layers:
        return None
    (root / "index.html").write_text(
        templating.render(templates_dir, INDEX_TEMPLATE, {"layers": layers, "status": status}), "utf-8"
    )
    return INDEX
