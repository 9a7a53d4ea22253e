"""Verdicts: every comparison a sentence makes, computed once as a figure of its own.

A template never compares two numbers: it reads ``lobby.busy`` ("above" / "equal" / "below") and
chooses its words. Each verdict is declared in ``templates/verdicts.yaml`` (owner-editable: the
figures compared, the decimals they print with, the tolerance) and is one of four kinds:

- ``compare``: value against a reference (a column or a number) **as printed** — both rounded half up
  to ``digits`` decimals (``reportpack.rounding``), so two figures that print alike are ``equal`` and
  a sentence never says 高于 beside "88分（88分）"; with a ``tolerance`` t, a printed value within
  t × |printed reference| of it is ``equal`` too (97.7笔 against 98.9笔 at 5 %: 基本持平), and with a
  ``margin`` m within m of it (a budget's progress within 5个百分点 of 序时进度).
- ``trend``: the same against an earlier value, worded ``rising`` / ``flat`` / ``falling`` (差错率
  上升 only when it rose by more than the tolerance: 0.2 = "a fifth").
- ``count``: ``zero`` / ``one`` / ``several`` — 均/逐笔 only over several items.
- ``position``: a rank among ``reference`` ranked units: ``only`` (nothing to rank against),
  ``first``, ``last``, ``middle``, or ``unranked`` (a missing rank: the unit is not among those ranked).
- ``standing``: the same rank by its part of the field: ``top_quarter`` (rank ≤ n/4), ``upper_half``
  (≤ n/2), ``middle`` (the middle rank of an odd n), ``lower_half`` (> ⌈n/2⌉), ``bottom_quarter``
  (> 3n/4, when four or more are ranked), ``only`` or ``unranked``.

A verdict whose figures are missing is missing (``None``): the template says what it does then.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from reportpack.owner.verdicts import OUTCOMES, Verdict, VerdictFile, VerdictFileError
from reportpack.rounding import printed_units


def compare(
    value,
    reference,
    digits: int = 0,
    tolerance: float = 0.0,
    words: tuple[str, str, str] = OUTCOMES["compare"],
    margin: float = 0.0,
) -> pd.Series:
    """Per row: ``words[0]`` (above) / ``words[1]`` (equal) / ``words[2]`` (below) of ``value``
    against ``reference`` (a Series or a number) as printed to ``digits`` decimals; missing where
    either is missing."""
    index = value.index if isinstance(value, pd.Series) else None
    v = printed_units(value, digits)
    r = (
        printed_units(reference, digits)
        if isinstance(reference, pd.Series)
        else np.full(len(v), printed_units([reference], digits)[0])
    )
    band = tolerance * np.abs(r) + printed_units([margin], digits)[0]
    # printed units are whole numbers: the band's float noise must not turn 5.0000001 into "above"
    difference = v - r
    above, below = difference > band + 1e-9, difference < -band - 1e-9
    out = np.where(above, words[0], np.where(below, words[2], words[1])).astype(object)
    out[~(np.isfinite(v) & np.isfinite(r))] = None
    return pd.Series(out, index=index, dtype=object)


def count(value) -> pd.Series:
    """Per row: ``zero`` (0), ``one`` (1) or ``several``; missing where the count is."""
    x = np.asarray(value, dtype="float64")
    out = np.where(x == 0, "zero", np.where(x == 1, "one", "several")).astype(object)
    out[~np.isfinite(x)] = None
    return pd.Series(out, index=getattr(value, "index", None), dtype=object)


def position(rank, ranked) -> pd.Series:
    """Per row: ``only`` when one unit is ranked (or none), ``unranked`` without a rank, else
    ``first`` (rank 1), ``last`` (rank = how many are ranked) or ``middle``."""
    r, n = np.asarray(rank, dtype="float64"), np.asarray(ranked, dtype="float64")
    out = np.where(r == 1, "first", np.where(r == n, "last", "middle")).astype(object)
    return _ranked(out, r, n, rank)


def standing(rank, ranked) -> pd.Series:
    """Per row: where ``rank`` stands among ``ranked`` (the module's docstring)."""
    r, n = np.asarray(rank, dtype="float64"), np.asarray(ranked, dtype="float64")
    with np.errstate(invalid="ignore"):
        out = np.select(
            [r <= n / 4, r <= n / 2, (n >= 4) & (r > n * 0.75), r > np.ceil(n / 2)],
            ["top_quarter", "upper_half", "bottom_quarter", "lower_half"],
            "middle",
        ).astype(object)
    return _ranked(out, r, n, rank)


def _ranked(out: np.ndarray, r: np.ndarray, n: np.ndarray, rank) -> pd.Series:
    """``out`` with ``unranked`` where there is no rank and ``only`` where one unit (or none) is
    ranked, as a series on ``rank``'s index."""
    out[~np.isfinite(r)] = "unranked"
    out[np.isfinite(n) & (n <= 1) & np.isfinite(r)] = "only"
    return pd.Series(out, index=getattr(rank, "index", None), dtype=object)


def verdict(frame: pd.DataFrame, spec: Verdict) -> pd.Series:
    """The verdict ``spec`` for every row of ``frame`` (which holds its columns)."""
    reference = frame[spec.reference] if isinstance(spec.reference, str) else spec.reference
    if spec.kind == "count":
        return count(frame[spec.value])
    if spec.kind == "position":
        return position(frame[spec.value], reference)
    if spec.kind == "standing":
        return standing(frame[spec.value], reference)
    return compare(frame[spec.value], reference, spec.digits, spec.tolerance, OUTCOMES[spec.kind], spec.margin)


def with_verdicts(
    derived: dict[str, pd.DataFrame], spec: VerdictFile, path: Path, tables: set[str] | None = None
) -> dict[str, pd.DataFrame]:
    """``derived`` with each table's verdicts (of ``tables``, else all) as columns of their own. A
    verdict naming a figure its table does not have, or named like one it has, stops the run naming
    the file and the verdict."""
    out = dict(derived)
    for v in spec.verdicts:
        if tables is not None and v.table not in tables:
            continue
        table = out[v.table]
        missing = [c for c in (v.value, v.reference) if isinstance(c, str) and c not in table.columns]
        if missing or v.id in table.columns:
            rule, rule_zh = (
                (f"{v.table} has no figure {missing[0]!r}", f"{v.table} 中没有字段 {missing[0]}")
                if missing
                else (f"{v.table} already has a figure named {v.id!r}", f"{v.table} 中已有同名字段 {v.id}")
            )
            raise VerdictFileError(file=path, where=f"verdict {v.id}", rule=rule, rule_zh=rule_zh)
        out[v.table] = table.assign(**{v.id: verdict(table, v)})
    return out
