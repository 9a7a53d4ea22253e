"""The rule language of owner files: sandboxed, strict Jinja expressions (``o.figure * 2``,
``[a, b]|max``, ``x if p.half == 1 else y``) — the syntax owners already write in templates, never
Python ``eval``. A missing name is an error, not ``None``."""

from __future__ import annotations

from functools import lru_cache

from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment


@lru_cache(maxsize=1)
def environment() -> SandboxedEnvironment:
    return SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)


@lru_cache(maxsize=1024)
def compile(expression: str):  # noqa: A001 — the verb owners' docs use
    """A callable ``f(**names) -> value``; raises ``jinja2.TemplateError`` on bad syntax. Cached:
    a rule is compiled once whether checked at load or evaluated later."""
    return environment().compile_expression(expression, undefined_to_none=False)
