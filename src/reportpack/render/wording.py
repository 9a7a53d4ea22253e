"""Chinese number wording for bank documents, registered as Jinja filters.

One rounding rule everywhere: round half up (四舍五入, what readers expect), applied only here, at
rendering. Amounts arrive in 元, rates as fractions. A missing or non-finite figure is an error,
never printed as "None" or "nan".
"""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

from reportpack.rounding import MONEY_YI_FROM, half_up, money_unit

_DIGITS = "零一二三四五六七八九"


class FigureError(ValueError):
    """A figure that cannot be printed (missing, NaN, infinite)."""


def _number(value, what: str) -> Decimal:
    if value is None or isinstance(value, bool):
        raise FigureError(f"{what}: no value to print (got {value!r})")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise FigureError(f"{what}: not a number: {value!r}") from None
    if not math.isfinite(number):
        raise FigureError(f"{what}: not a finite number: {value!r}")
    # repr() gives the shortest decimal that round-trips, so 0.125 stays 0.125 before rounding.
    return Decimal(repr(number)) if isinstance(value, float) else Decimal(str(value))


def round_half_up(value, digits: int = 2) -> Decimal:
    """The pack's one rounding rule (``reportpack.rounding``); a missing or non-finite figure is an error."""
    # a Decimal made here already (yi, pct, …: finite, checked) is not turned into text and back
    return half_up(value if type(value) is Decimal and value.is_finite() else _number(value, "round"), digits)


def _fmt(value: Decimal) -> str:
    """A rounded figure as printed: a whole value without its zero decimals (356万元, 100%, 90分, not
    356.00万元, 100.00%, 90.0分), any other with all its decimals (4.80亿元, 12.50%)."""
    if value == value.to_integral_value():
        return f"{value.to_integral_value():f}"
    return f"{value:f}"


def yi(amount_yuan, digits: int = 2) -> str:
    """元 → "12.34亿元"."""
    return _fmt(round_half_up(_number(amount_yuan, "yi") / Decimal(10) ** 8, digits)) + "亿元"


def wan(amount_yuan, digits: int = 2) -> str:
    """元 → "123.45万元"."""
    return _fmt(round_half_up(_number(amount_yuan, "wan") / Decimal(10) ** 4, digits)) + "万元"


# 亿元 from 1000万元 up (rounding.MONEY_YI_FROM); below, 万元; an amount that would print as 0.00万元
# (under 50元) in 元. So no non-zero amount prints as 0.00, and 49728.08万元 reads 4.97亿元. Amounts
# printed together (a table column) take one unit instead: money_unit, then the amount macro.


def money(amount_yuan, digits: int = 2) -> str:
    """元 → 亿元, 万元 or 元, whichever the size calls for (see ``MONEY_YI_FROM``)."""
    value = _number(amount_yuan, "money")
    if abs(value) >= MONEY_YI_FROM:
        return yi(amount_yuan, digits)
    if round_half_up(value / Decimal(10) ** 4, digits) != 0 or value == 0:
        return wan(amount_yuan, digits)
    return _fmt(round_half_up(value, digits)) + "元"


def pct(rate, digits: int = 2) -> str:
    """0.1234 → "12.34%"."""
    return _fmt(round_half_up(_number(rate, "pct") * 100, digits)) + "%"


def pp(delta, digits: int = 2) -> str:
    """A change of a rate, 0.002 → "0.20个百分点" (never "%"); the sign is worded by the template."""
    return _fmt(round_half_up(abs(_number(delta, "pp")) * 100, digits)) + "个百分点"


def fixed(value, digits: int = 1) -> str:
    """A plain number to ``digits`` decimals, e.g. a score: 54.197 → "54.2", 90.0 → "90"."""
    return _fmt(round_half_up(value, digits))


def yi_number(amount_yuan, digits: int = 2) -> str:
    """元 → the number of 亿元, unit left to the caption: a chart's cell, 260000000 → "2.60"."""
    return fixed(_number(amount_yuan, "yi_number") / Decimal(10**8), digits)


def wan_number(amount_yuan, digits: int = 1) -> str:
    """元 → the number of 万元, unit left to the caption: a chart's cell, 1234567 → "123.5"."""
    return fixed(_number(amount_yuan, "wan_number") / Decimal(10**4), digits)


def pct_number(rate, digits: int = 1) -> str:
    """A rate → the number of per cent, "%" left to the caption: a chart's cell, 0.4137 → "41.4"."""
    return fixed(_number(rate, "pct_number") * 100, digits)


def yoy(rate, digits: int = 2, base: str = "同比") -> str:
    """A year-on-year rate worded with its direction: 0.0312 → "同比增长3.12%", −0.0312 → "同比下降3.12%";
    ``base`` names what it is compared with where a sentence holds another comparison too
    ("较上年同期日均增长3.12%" beside "较上年全年日均增加0.24亿元": one base per phrase)."""
    number = _number(rate, "yoy")
    return base + ("增长" if number >= 0 else "下降") + pct(abs(number), digits)


def count(value) -> str:
    """A count of customers, accounts, transactions: an integer without separators."""
    number = _number(value, "count")
    if number != number.to_integral_value():
        raise FigureError(f"count: {value!r} is not a whole number")
    return str(int(number))


def rank(position) -> str:
    """3 → "第3位"."""
    return f"第{count(position)}位"


def rounded(value, digits: int = 2) -> Decimal:
    """The figure as printed to ``digits`` decimals, for arithmetic a reader can redo on the printed
    figures: a rate of change from two rounded figures, not from their unrounded values."""
    return round_half_up(value, digits)


def magnitude(value):
    """|value|, for wording a signed change as 增加 / 减少 with the sign in words."""
    return abs(_number(value, "magnitude"))


def cn_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 105 → 一百零五, 1010 → 一千零一十 (篇一…, 一是…)."""
    n = int(n)
    if not 1 <= n <= 9999:
        raise FigureError(f"cn_numeral: {n} is outside 1…9999")
    out, zero = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit, n = divmod(n, value)
        if digit:
            if zero and out:
                out += "零"
            out += ("" if (value == 10 and digit == 1 and not out) else _DIGITS[digit]) + unit
            zero = False
        elif out:
            zero = True
    return out


def cn_date(day: date) -> str:
    """date(2023, 6, 30) → "2023年6月30日" (no leading zeros, GB/T 9704)."""
    return f"{day.year}年{day.month}月{day.day}日"


def month_end(day: date) -> str:
    """date(2023, 6, 30) → "6月末"."""
    return f"{day.month}月末"


def bank_time(stamp: str | None) -> str:
    """ "2026-12-01T10:12:40.47+00:00" → "2026年12月1日 18:12" on the bank's clock (Asia/Shanghai);
    a stamp without a zone is taken as UTC (how runs record time)."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from reportpack.periods import BANK_TIMEZONE

    if not stamp:
        return ""
    moment = datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
    moment = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(ZoneInfo(BANK_TIMEZONE))
    return f"{cn_date(moment.date())} {moment:%H:%M}"


FILTERS = {
    "bank_time": bank_time,
    "yi": yi,
    "wan": wan,
    "money": money,
    "money_unit": money_unit,
    "pct": pct,
    "pp": pp,
    "yoy": yoy,
    "count": count,
    "fixed": fixed,
    "yi_number": yi_number,
    "pct_number": pct_number,
    "wan_number": wan_number,
    "rank": rank,
    "magnitude": magnitude,
    "rounded": rounded,
    "cn": cn_numeral,
    "cn_date": cn_date,
    "month_end": month_end,
}
