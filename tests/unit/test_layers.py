"""The phases read in one direction: no module imports a later phase, and derive never needs the
render layer's Jinja environment or wording."""

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

SRC = ROOT / "src" / "reportpack"
# Phases in order; a module may import its own phase and earlier ones (and the shared base).
PHASES = ["owner", "extract", "validate", "derive", "render", "publish"]
BASE = {
    "settings",
    "errors",
    "periods",
    "run",
    "warehouse",
    "names",
    "textdata",
    "rounding",
    "deployment",
}  # used by every phase (deployment: settings of the cluster)
ORCHESTRATION = {
    "pipeline",
    "cli",
    "bench",
    "bench_airflow",
    "cluster",
    "boilerplate",
    "airflow_support",
    "dags_test",
    "notify",
    "__init__",
}  # may import anything
HELPERS = {"gx_sql": "validate"}  # a module of a phase that lives beside it


def _phase_of(module: str) -> str:
    name = module.split(".")[1] if "." in module else module
    return HELPERS.get(name, name)


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("reportpack"):
            names = [node.module] if node.module != "reportpack" else [f"reportpack.{a.name}" for a in node.names]
            found |= set(names)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("reportpack")}
    return found


MODULES = sorted(p for p in SRC.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_no_module_imports_a_later_phase(path):
    own = _phase_of(path.relative_to(SRC).parts[0].removesuffix(".py"))
    if own in ORCHESTRATION or own in BASE:
        later = set(PHASES) if own in BASE else set()
    else:
        later = set(PHASES[PHASES.index(own) + 1 :])
    wrong = sorted(m for m in _imports(path) if _phase_of(m) in later)
    assert not wrong, f"{path.relative_to(SRC)} ({own}) imports a later phase: {wrong}"


def test_derive_uses_no_template_environment():
    for path in (SRC / "derive").rglob("*.py"):
        text = path.read_text("utf-8")
        assert "jinja2.sandbox" not in text and "templating" not in text and "wording" not in text, path.name
