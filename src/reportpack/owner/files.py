"""Owner files read one way: YAML (or a sheet's rows) → a typed pydantic model; every problem one
``OwnerFileError`` naming the file, the line or row, the field and the rule — in English for
engineers and in Chinese for report owners.

Models built on ``OwnerModel`` refuse unknown keys (a typo is an error, not an ignored line). A
check pydantic cannot express is raised with ``owner_rule(english, chinese)`` inside a validator.
"""

from __future__ import annotations

import functools
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, RootModel, ValidationError
from pydantic_core import PydanticCustomError

from reportpack.errors import OwnerFileError

M = TypeVar("M", bound=BaseModel)


class OwnerModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, coerce_numbers_to_str=True)


def once_per_version(load: Callable[..., M]) -> Callable[..., M]:
    """Read an owner file once per process while it is unchanged (same size and modification
    time): a run's phases ask for the same rules several times; they parse them once."""
    cache: dict[tuple, Any] = {}

    @functools.wraps(load)
    def cached(path: Path, *args: Any) -> M:
        try:
            st = path.stat()
        except OSError:
            return load(path, *args)  # let the loader name the missing file
        key = (str(path), st.st_mtime_ns, st.st_size, *(frozenset(a) if isinstance(a, set) else a for a in args))
        if key not in cache:
            cache[key] = load(path, *args)
        return cache[key]

    cached.cache_clear = cache.clear  # type: ignore[attr-defined]
    return cached


def owner_rule(english: str, chinese: str) -> PydanticCustomError:
    """An error for a rule of ours, raised inside a model validator: both languages travel with it."""
    return PydanticCustomError("owner_rule", "{en}", {"en": english, "zh": chinese})


# What pydantic's error types mean, for a report owner.
_ZH = {
    "missing": "缺少必填项",
    "extra_forbidden": "不认识的字段（请检查拼写）",
    "literal_error": "取值只能是 {expected}",
    "enum": "取值只能是 {expected}",
    "string_type": "应填写文字",
    "string_too_short": "不能为空",
    "string_pattern_mismatch": "格式不符（应匹配 {pattern}）",
    "int_type": "应填写整数",
    "int_parsing": "应填写整数",
    "int_from_float": "应填写整数",
    "float_type": "应填写数字",
    "float_parsing": "应填写数字",
    "finite_number": "应填写有限的数字",
    "bool_type": "应填写 true 或 false",
    "bool_parsing": "应填写 true 或 false",
    "list_type": "应为列表（每项以“- ”开头）",
    "tuple_type": "应为列表（每项以“- ”开头）",
    "dict_type": "应为“名称: 值”形式的映射",
    "model_type": "应为“名称: 值”形式的映射",
    "model_attributes_type": "应为“名称: 值”形式的映射",
    "too_short": "至少需要 {min_length} 项",
    "greater_than_equal": "应不小于 {ge}",
    "greater_than": "应大于 {gt}",
    "less_than_equal": "应不大于 {le}",
}


def chinese(error: dict) -> str:
    ctx = error.get("ctx") or {}
    if error["type"] == "owner_rule":
        return str(ctx["zh"])
    template = _ZH.get(error["type"])
    if template is None:
        return f"内容不符合要求（{error['msg']}）"
    try:
        return template.format(**{k: str(v).replace(" or ", " 或 ") for k, v in ctx.items()})
    except (KeyError, IndexError):
        return template


def read_yaml(
    path: Path, error: type[OwnerFileError] = OwnerFileError, shown_as: Path | None = None
) -> tuple[Any, yaml.Node | None]:
    """The data of a YAML file and its node tree (for line numbers); a syntax error names the line."""
    shown = shown_as or path
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise error(f"{shown}: no such file", file=shown, rule="no such file", rule_zh="文件不存在") from None
    except UnicodeDecodeError as exc:
        raise error(
            f"{shown}: not UTF-8 text (byte {exc.start}); save it as UTF-8",
            file=shown,
            rule="not UTF-8 text; save it as UTF-8",
            rule_zh="文件不是 UTF-8 编码，请另存为 UTF-8（而非 GBK/ANSI）",
        ) from None
    try:
        return yaml.safe_load(text), yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise error(
            f"{shown}: {where + ': ' if where else ''}not valid YAML: {problem}",
            file=shown,
            line=mark.line + 1 if mark is not None else None,
            rule=f"not valid YAML: {problem}",
            rule_zh="不是有效的 YAML 格式（常见原因：缩进不齐、冒号后缺空格、引号不成对）",
        ) from None


def load(
    path: Path,
    model: type[M],
    error: type[OwnerFileError] = OwnerFileError,
    *,
    shown_as: Path | None = None,
    label: Callable[[tuple, Any], str] | None = None,
    context: dict | None = None,
) -> M:
    """``path`` read as YAML and validated as ``model``. ``label(loc, data)`` names the place of a
    problem as its owner knows it ("rule corporate_growth_first"); the line number is added."""
    data, tree = read_yaml(path, error, shown_as)
    return check(model, {} if data is None else data, shown_as or path, error, label=label, tree=tree, context=context)


def check(
    model: type[M],
    data: Any,
    file: Path | str,
    error: type[OwnerFileError] = OwnerFileError,
    *,
    label: Callable[[tuple, Any], str] | None = None,
    tree: yaml.Node | None = None,
    where: str | None = None,
    context: dict | None = None,
) -> M:
    """``data`` validated as ``model``; the first problem raised as ``error`` (``where``: a fixed
    place such as an Excel row, else found from the problem's location)."""
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        # A misspelt key also makes the right one "missing": name the typo, it explains both.
        first = min(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        loc = tuple(part for part in first["loc"] if not _union_tag(part))
        line = None if where else _line(tree, loc)
        named = label(loc, data) if label and not where else None
        place = where or (f"{named} (line {line})" if named and line else named or (f"line {line}" if line else None))
        field = loc[-1] if loc and isinstance(loc[-1], str) else None
        rule, rule_zh = str(first["msg"]).removeprefix("Value error, "), chinese(first)
        if first["type"] == "extra_forbidden":
            allowed = ", ".join(_allowed_keys(model, loc[:-1]))
            rule, rule_zh = f"unknown key (allowed: {allowed})", f"{rule_zh}（可用字段：{allowed}）"
        elif first["type"] == "missing":
            rule = "required"
        parts = [str(file), *([place] if place else []), *([field] if field else []), rule]
        raise error(
            ": ".join(parts), file=file, where=where or named, line=line, field=field, rule=rule, rule_zh=rule_zh
        ) from None


def problem(
    error: type[OwnerFileError],
    file: Path | str,
    rule: str,
    rule_zh: str,
    *,
    tree: yaml.Node | None = None,
    loc: tuple = (),
    where: str | None = None,
    field: str | None = None,
) -> OwnerFileError:
    """An error for a rule checked after validation (across entries: duplicates, references),
    placed at ``loc`` in the file like the ones pydantic finds."""
    line = _line(tree, loc) if loc else None
    place = f"{where} (line {line})" if where and line else where or (f"line {line}" if line else None)
    parts = [str(file), *([place] if place else []), *([field] if field else []), rule]
    return error(": ".join(parts), file=file, where=where, line=line, field=field, rule=rule, rule_zh=rule_zh)


def _union_tag(part: object) -> bool:
    """pydantic names the member of a union in an error's location ("constrained-str", "list[…]")."""
    return isinstance(part, str) and ("[" in part or part.startswith("constrained-") or part in ("str", "int", "float", "bool"))


def _allowed_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    """The keys the model accepts at ``loc`` (for "unknown key" messages)."""
    kind: Any = model
    for part in loc:
        if isinstance(kind, type) and issubclass(kind, RootModel):
            kind = kind.model_fields["root"].annotation
        if isinstance(part, int):
            args = [a for a in typing.get_args(kind) if a is not type(None)]
            kind = args[0] if args else None
        elif isinstance(kind, type) and issubclass(kind, BaseModel) and part in kind.model_fields:
            kind = kind.model_fields[part].annotation
        else:
            return []
    return list(kind.model_fields) if isinstance(kind, type) and issubclass(kind, BaseModel) else []


def _line(node: yaml.Node | None, loc: tuple) -> int | None:
    """The line of the deepest YAML node on the path ``loc`` (1-based)."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            found = next((v for k, v in node.value if getattr(k, "value", None) == str(part)), None)
            if found is None:
                key = next((k for k, _ in node.value if getattr(k, "value", None) == str(part)), None)
                return key.start_mark.line + 1 if key is not None else line
            node = found
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            break
        line = node.start_mark.line + 1
    return line


def item_label(
    names: dict[str, str], keys: tuple[str, ...] = ("id", "kind"), numbered: bool = False
) -> Callable[[tuple, Any], str | None]:
    """A ``label`` for files holding lists: ``{"rules": "rule"}`` → "rule corporate_growth_first"
    (its id or kind), or "rule #3" when it has none; ``numbered``: "part 3 (lobby_plan)"."""

    def label(loc: tuple, data: Any) -> str | None:
        if len(loc) >= 2 and loc[0] in names and isinstance(loc[1], int):
            items = data.get(loc[0]) if isinstance(data, dict) else None
            item = items[loc[1]] if isinstance(items, list) and loc[1] < len(items) else None
            name = next((item[k] for k in keys if isinstance(item, dict) and item.get(k)), None)
            if numbered:
                return f"{names[loc[0]]} {loc[1] + 1}" + (f" ({name})" if name else "")
            return f"{names[loc[0]]} {name}" if name else f"{names[loc[0]]} #{loc[1] + 1}"
        return None

    return label


def entry_label(loc: tuple, data: Any) -> str | None:
    """A ``label`` for files that are a plain list of entries: "entry 3"."""
    return f"entry {loc[0] + 1}" if loc and isinstance(loc[0], int) else None
