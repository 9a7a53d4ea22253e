"""Templates choose words; they compare no figures. Every comparison a sentence makes (高于/持平/低于,
上升/下降, 居首/末位, 1件/多件) is a verdict derive computed (templates/verdicts.yaml), and every target
a figure (templates/targets.yaml): a template may compare a verdict with its word ("below") and
test whether a figure is there, never compare, add or scale two numbers itself."""

import sys
from pathlib import Path

import pytest
from jinja2 import nodes

from reportpack.render import commentary, templating

ROOT = Path(__file__).resolve().parents[3]
DOCUMENTS = ROOT / "templates" / "documents"
# Every document template and the shared macros (issue #31 moved the decisions kind by kind).
TEMPLATES = sorted({p.name.removesuffix(".md.j2") for p in DOCUMENTS.glob("*.md.j2")} | {"_macros"})
# Jinja's tests that compare (outlets|selectattr("savings_growth", "lt", 0) compares as much as "<" does)
COMPARING_TESTS = {"lt", "le", "gt", "ge", "<", "<=", ">", ">=", "lessthan", "greaterthan", "eq", "==", "equalto", "ne", "!="}
ARITHMETIC = (nodes.Add, nodes.Sub, nodes.Mul, nodes.Div, nodes.FloorDiv, nodes.Mod, nodes.Pow)


def _is_word(node: nodes.Node) -> bool:
    """A verdict's word: a string, or a tuple/list of strings (``in ("equal", "above")``)."""
    if isinstance(node, nodes.Const):
        return isinstance(node.value, str)
    return isinstance(node, nodes.Tuple | nodes.List) and all(_is_word(item) for item in node.items)


def _path(template: str) -> Path:
    return DOCUMENTS / (f"{template}.j2" if template.startswith("_") else f"{template}.md.j2")


def decisions(template: str) -> list[str]:
    """Each comparison of figures and each sum or scaling in ``template``: "line N: …"."""
    return decisions_in(_path(template).read_text("utf-8"))


def decisions_in(source: str) -> list[str]:
    """Each comparison of figures and each sum or scaling in the Jinja ``source``: "line N: …"."""
    env = templating.environment(ROOT / "templates")
    tree = env.parse(source)
    found = []
    for node in tree.find_all(nodes.Compare):
        operands = [node.expr, *(op.expr for op in node.ops)]
        membership = all(op.op in ("in", "notin") for op in node.ops)  # a name in a list of names
        if not membership and not any(_is_word(o) for o in operands):
            found.append(f"line {node.lineno}: compares {', '.join(op.op for op in node.ops)}")
    for node in tree.find_all(ARITHMETIC):
        found.append(f"line {node.lineno}: computes {type(node).__name__.lower()}")
    for node in tree.find_all(nodes.Filter):
        if node.name in ("max", "min", "round", "sum"):
            found.append(f"line {node.lineno}: filter {node.name}")
        if node.name in ("selectattr", "rejectattr", "select", "reject"):
            test = next((a for a in node.args if isinstance(a, nodes.Const) and a.value in COMPARING_TESTS), None)
            attribute = node.args[0].value if node.args and isinstance(node.args[0], nodes.Const) else ""
            looked_up = str(attribute).endswith("_id")  # a record found by its id, not a figure compared
            if test is not None and not looked_up and not _is_word(node.args[-1]):
                found.append(f"line {node.lineno}: {node.name} {test.value}")
    return found


@pytest.mark.parametrize("template", TEMPLATES)
def test_a_template_compares_no_figures(template):
    assert decisions(template) == [], f"{template}: decide in derive (templates/verdicts.yaml), choose words here"


RULES = commentary.load(ROOT / "templates" / "commentary.yaml", ROOT / "templates")


@pytest.mark.parametrize("rule", RULES.rules, ids=lambda r: r.id)
def test_a_commentary_rule_compares_no_figures(rule):
    """The rules of commentary.yaml choose sentences by verdicts too: "授权业务量大，月均审核授权1000笔"
    is chosen by the 月均 as printed (authorisations_vs_1000), not by 999.6 ≥ 1000 being false."""
    found = decisions_in("{% if " + (rule.when or "true") + " %}{% endif %}\n" + rule.text)
    assert found == [], f"rule {rule.id}: decide in derive (templates/verdicts.yaml), choose sentences here"


def test_the_rule_check_finds_a_threshold_on_a_raw_figure():
    assert decisions_in("{% if m.authorisations_per_month >= 1000 %}{% endif %}") == ["line 1: compares gteq"]
    assert decisions_in('{{ "逐件" if sub.assets_written_off > 1 else "" }}') == ["line 1: compares gt"]


def test_every_kind_is_read():
    assert {"outlet_half_year_summary", "accounting_plan", "monthly_brief", "_macros"} <= set(TEMPLATES)


def test_the_check_finds_a_comparison_of_figures(tmp_path, monkeypatch):
    (tmp_path / "probe.md.j2").write_text(
        '{% if t.a > t.b %}x{% endif %}{% if t.v == "below" %}y{% endif %}{{ [t.a, 200]|max }}{{ t.a * 1.1 }}'
        "{% if c in labels.percent_columns %}z{% endif %}{% if t.a == t.b %}w{% endif %}"
        '{{ xs|selectattr("growth", "lt", 0)|list }}{{ xs|selectattr("growth_direction", "equalto", "falling")|list }}',
        "utf-8",
    )
    monkeypatch.setattr(sys.modules[__name__], "DOCUMENTS", tmp_path)
    assert decisions("probe") == [
        "line 1: compares gt",
        "line 1: compares eq",
        "line 1: computes mul",
        "line 1: filter max",
        "line 1: selectattr lt",
    ]
