"""The one Jinja environment: sandboxed, strict, filters registered once.

Templates under ``templates/documents/`` produce the text form of ``reportpack.render.document``.
Autoescaping is off on purpose: the output is that text form, not HTML or XML (python-docx escapes
XML itself), and HTML escaping would print "&amp;" into a report.
"""

from __future__ import annotations

import math
import re
import time
import traceback
from collections.abc import Sequence
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError, TemplateNotFound, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment, safe_range

from reportpack.errors import OwnerFileError
from reportpack.render.document import mark
from reportpack.render.wording import FILTERS, FigureError


class TemplateRenderError(OwnerFileError):
    """A template failed: names the template, its line and the reason."""

    topic_zh = "文稿模板有误"


def _refuse_missing(value):
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        raise FigureError(f"a printed value is {value!r}; every figure must have a value")
    return value


def affecting(warnings: list[dict], unit_id: str) -> list[dict]:
    """The validation warnings that concern ``unit_id``: its own rows, or the whole table."""
    return [w for w in warnings if not w.get("units") or unit_id in w["units"]]


def touching(warnings: list[dict], *checks: str) -> list[dict]:
    """The warnings whose rule concerns one of ``checks``, the "suite.column" sources of a figure."""
    return [w for w in warnings if {f"{w['suite']}.{c}" for c in w.get("columns", ())} & set(checks)]


def _html(name: str | None) -> bool:
    return bool(name) and name.endswith(".html.j2")


_DICT_ATTRIBUTES = frozenset(dir(dict))

# A render budget: a template that loops without end (``range`` inside ``range``) or builds a huge
# value fails naming itself and its line instead of holding a worker for ever. The sandbox already
# caps one ``range`` at 100,000 items; the budget bounds the time of a whole render.
RENDER_SECONDS = 60.0
_DEADLINE: ContextVar[float | None] = ContextVar("reportpack_render_deadline", default=None)
_MAX_REPEAT = 100_000  # "x" * n, [..] * n: items or characters at most
_MAX_EXPONENT = 64


class RenderBudgetExceeded(TemplateError):
    """A template ran past ``RENDER_SECONDS`` or asked for a value too large to print."""


def _check_deadline() -> None:
    deadline = _DEADLINE.get()
    if deadline is not None and time.monotonic() > deadline:
        raise RenderBudgetExceeded(f"rendering took more than {RENDER_SECONDS:g} s (a loop that does not end?)")


class _Range(Sequence):
    """``range`` in templates: the sandbox's, checking the render budget as it is iterated."""

    def __init__(self, rng: range):
        self._rng = rng

    def __len__(self) -> int:
        return len(self._rng)

    def __getitem__(self, index):
        return self._rng[index]

    def __iter__(self):
        for i, value in enumerate(self._rng):
            if i % 1024 == 0:
                _check_deadline()
            yield value


def _budgeted_range(*args: int) -> _Range:
    return _Range(safe_range(*args))


class _Environment(SandboxedEnvironment):
    """The sandbox, with ``o.x`` on a dict looked up as ``o["x"]`` first. The figures a template sees
    are dicts: Jinja's own lookup asks the dict for an attribute ``x`` first, which raises and
    catches an AttributeError per lookup (a fifth of a document's template time). Same result: a
    name that is a dict attribute (``get``, ``items``) still takes Jinja's path."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context, operator, left, right):
        if operator == "**" and isinstance(right, int | float) and abs(right) > _MAX_EXPONENT:
            raise RenderBudgetExceeded(f"{left!r} ** {right!r}: an exponent above {_MAX_EXPONENT} prints no figure")
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(n, int) and len(seq) * n > _MAX_REPEAT:
                    raise RenderBudgetExceeded(f"repeating {len(seq)} items {n} times makes more than {_MAX_REPEAT:,}")
        return super().call_binop(context, operator, left, right)

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 (Jinja's own signature)
        _check_deadline()
        return super().call(__context, __obj, *args, **kwargs)

    def getattr(self, obj, attribute):
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


@lru_cache(maxsize=8)
def environment(templates_dir: Path) -> SandboxedEnvironment:
    env = _Environment(
        loader=FileSystemLoader(str(templates_dir)),
        undefined=StrictUndefined,
        finalize=_refuse_missing,
        autoescape=_html,  # only HTML pages (*.html.j2) escape: documents and rules are plain text
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # a process renders with the templates it started with (no stat per render)
    )
    env.globals["range"] = _budgeted_range
    env.filters.update(FILTERS)
    env.filters["affecting"] = affecting
    env.filters["touching"] = touching
    env.filters["review"] = mark  # figure|review(comment) → the text form of a Word review comment
    return env


def render(templates_dir: Path, name: str, context: dict) -> str:
    """Render ``templates_dir/name`` with ``context``; errors name the template and line."""
    env = environment(templates_dir)
    try:
        template = env.get_template(name)
    except TemplateSyntaxError as exc:
        where = exc.name or name  # the error may be in an included or imported template
        raise _error(where, exc.lineno, f"syntax: {exc.message}", f"模板语法有误：{exc.message}") from exc
    except TemplateNotFound as exc:
        raise _error(name, None, f"template {exc.name} not found under {templates_dir}", f"找不到模板 {exc.name}") from exc
    token = _DEADLINE.set(time.monotonic() + RENDER_SECONDS)
    try:
        return template.render(context)
    except (TemplateError, FigureError, TypeError, ValueError, KeyError, ArithmeticError) as exc:  # 0/0 too
        line = _template_line(exc, template.filename)
        missing = re.search(r"has no attribute '([^']+)'|'([^']+)' is undefined", str(exc))
        if missing:
            zh = f"模板引用的名称 {missing.group(1) or missing.group(2)} 不存在（请检查拼写）"
        else:
            zh = f"模板无法生成文稿：{exc}"
        raise _error(name, line, str(exc), zh) from exc
    finally:
        _DEADLINE.reset(token)


def _error(name: str, line: int | None, rule: str, rule_zh: str) -> TemplateRenderError:
    return TemplateRenderError(f"{name}:line {line or '?'}: {rule}", file=name, line=line, rule=rule, rule_zh=rule_zh)


def _template_line(exc: BaseException, filename: str | None) -> int | None:
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if filename and frame.filename == filename:
            line = frame.lineno
    return line
