"""The one rounding rule of the pack: round half up (四舍五入), on the value's shortest decimal form.

Every figure is printed through it (``render/wording.py``) and every verdict compares the figures as
printed through it (``derive/verdicts.py``): a sentence never says 高于 beside two numbers that print
alike, nor 持平 beside two that differ. A change of two printed figures (上升103.57%) is computed
from the printed figures, so a reader can redo it; a change of a rate is worded in 个百分点
(docs/figures-and-verdicts.md).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np

_QUANTUM = {digits: Decimal(1).scaleb(-digits) for digits in range(9)}


def half_up(number: float | int | Decimal, digits: int) -> Decimal:
    """``number`` to ``digits`` decimals, half away from zero: 0.125 → 0.13, 2.675 → 2.68 (not
    the binary float's 2.67), −0.004 → 0.00 (never −0.00). ``number`` must be finite."""
    quantum = _QUANTUM.get(digits) or Decimal(1).scaleb(-digits)
    if type(number) is not Decimal:
        # repr() gives the shortest decimal that round-trips, so 0.125 stays 0.125 before rounding
        number = Decimal(repr(number)) if isinstance(number, float) else Decimal(str(number))
    return number.quantize(quantum, rounding=ROUND_HALF_UP) + 0  # + 0 turns -0.00 into 0.00


# 亿元 from 1000万元 up (the smallest amount printed in 亿元 is 0.10亿元); below, 万元
MONEY_YI_FROM = 10**7


def money_unit(amounts) -> str:
    """The one unit a set of amounts (元) printed together is printed in — a table column, a plan's
    targets and results: "yi" (亿元) when every non-zero amount reaches ``MONEY_YI_FROM``, else
    "wan" (万元), so 0.18亿元 and 225.35万元 never stand in one column, nor 0.04亿元 for 400万元."""
    x = np.abs(np.asarray([a for a in amounts if a is not None], dtype="float64"))
    x = x[np.isfinite(x) & (x > 0)]
    return "yi" if len(x) and (x >= MONEY_YI_FROM).all() else "wan"


def printed_difference(values, reference, digits: int) -> np.ndarray:
    """``values`` − ``reference`` as a reader redoes it from the two printed to ``digits`` decimals
    (41.37 % − 49.59 % = −8.22个百分点, whatever the unprinted decimals were)."""
    return (printed_units(values, digits) - printed_units(reference, digits)) / 10.0**digits


def printed_change(values, reference, digits: int) -> np.ndarray:
    """The change of ``values`` on ``reference`` (0.57 on 0.28: +1.0357) as a reader redoes it from the
    two printed to ``digits`` decimals; NaN where the reference prints as 0 (no base to change on)."""
    base = printed_units(reference, digits)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(base != 0, printed_units(values, digits) / base - 1, np.nan)


def printed_units(values, digits: int) -> np.ndarray:
    """Each value as printed to ``digits`` decimals, in units of the last printed digit (12.35 at 2
    digits → 1235.0), as floats holding whole numbers (NaN stays NaN): two figures print alike
    exactly when these are equal. Vectorised; a value whose scaled fraction is within float noise of
    one half is rounded by ``half_up`` (the binary 2.675 is 2.67499…, printed 2.68)."""
    x = np.asarray(values, dtype="float64")
    scaled = x * 10.0**digits
    magnitude = np.abs(scaled)
    out = np.floor(magnitude + 0.5) * np.sign(scaled)
    fraction = magnitude - np.floor(magnitude)
    for i in np.flatnonzero(np.isfinite(x) & (np.abs(fraction - 0.5) < 1e-6)):
        out[i] = float(half_up(float(x[i]), digits).scaleb(digits))
    return out + 0.0  # -0.0 → 0.0
