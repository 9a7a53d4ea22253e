"""Reporting periods: month, quarter, half, year — labels, bounds, 年初, 时序进度.

Labels: ``2023-06`` (month), ``2023Q2`` (quarter), ``2023H1`` (half), ``2023`` (year).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

_PATTERNS = (
    (re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"), "month"),
    (re.compile(r"^(\d{4})Q([1-4])$"), "quarter"),
    (re.compile(r"^(\d{4})H([12])$"), "half"),
    (re.compile(r"^(\d{4})$"), "year"),
)
_MONTHS = {"month": 1, "quarter": 3, "half": 6, "year": 12}
BANK_TIMEZONE = "Asia/Shanghai"  # the bank's calendar: a period ends at midnight Beijing time


def bank_today() -> date:
    """Today on the bank's calendar."""
    return datetime.now(ZoneInfo(BANK_TIMEZONE)).date()


@dataclass(frozen=True, order=True)
class Period:
    """A reporting period: inclusive ``start`` … ``end`` dates. A *provisional* period ends before its
    label's natural end (``until``): the part of an unfinished period whose months have ended."""

    start: date
    end: date
    kind: str

    @classmethod
    def parse(cls, label: str) -> Period:
        for pattern, kind in _PATTERNS:
            m = pattern.match(label.strip())
            if m:
                year = int(m.group(1))
                index = int(m.group(2)) if kind != "year" else 1
                first_month = (index - 1) * _MONTHS[kind] + 1
                return cls.from_months(year, first_month, kind)
        raise ValueError(f"period {label!r}: expected a label like 2023-06, 2023Q2, 2023H1 or 2023")

    @classmethod
    def from_months(cls, year: int, first_month: int, kind: str) -> Period:
        last_month = first_month + _MONTHS[kind] - 1
        return cls(date(year, first_month, 1), _month_end(year, last_month), kind)

    def full(self) -> Period:
        """The whole period its label names (itself unless provisional)."""
        return Period.from_months(self.start.year, self.start.month, self.kind)

    @property
    def provisional(self) -> bool:
        """Cut short of its natural end (``until``): its figures are not final."""
        return self.end != self.full().end

    def until(self, as_of: date) -> Period:
        """The part of this period up to ``as_of``, the end of one of its months before the last: a
        provisional period (2023H2 until 2023-09-30 covers July to September; its 时序进度, 日均 and
        month-end balances are those of 30 September)."""
        full = self.full()
        first, last = _month_end(full.start.year, full.start.month), full.end.replace(day=1) - timedelta(days=1)
        if as_of != _month_end(as_of.year, as_of.month) or not first <= as_of <= last:
            raise ValueError(
                f"as-of date {as_of.isoformat()} for period {self.label}: a provisional period ends at the end of "
                + (
                    f"one of its months before the last (a month end from {first} to {last})"
                    if first <= last
                    else "a month before its last, and a month has none"
                )
            )
        return replace(full, end=as_of)

    def provisional_as_of(self, today: date) -> date | None:
        """The as-of date of a provisional pack built ``today``: the last month end before it, when
        that falls inside the period short of its end; None when no month of the period has ended yet
        (or the period has ended: then it is final)."""
        last = today.replace(day=1) - timedelta(days=1)
        full = self.full()
        return last if full.start <= last < full.end else None

    @property
    def label(self) -> str:
        y, m = self.start.year, self.start.month
        return {
            "month": f"{y}-{m:02d}",
            "quarter": f"{y}Q{(m - 1) // 3 + 1}",
            "half": f"{y}H{(m - 1) // 6 + 1}",
            "year": f"{y}",
        }[self.kind]

    @property
    def year(self) -> int:
        return self.start.year

    @property
    def number(self) -> int:
        """Which month, quarter or half of its year (1 for a year): 2023H2 → 2, 2023Q3 → 3."""
        return (self.start.month - 1) // _MONTHS[self.kind] + 1

    def numbers(self) -> dict[str, object]:
        """The period as rules see it when they compute figures: numbers only, no wording
        (``half`` is 1 or 2 for a half year, else None; templates turn it into 上半年/下半年)."""
        return {
            "label": self.label,
            "kind": self.kind,
            "year": self.year,
            "last_year": self.year - 1,
            "number": self.number,
            "half": self.number if self.kind == "half" else None,
            "start": self.start,
            "end": self.end,
            "time_progress": self.time_progress,
            "months": len(self.months()),
            "provisional": self.provisional,
            "full_end": self.full().end,
        }

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def year_start_balance_date(self) -> date:
        """年初 is the balance at the previous year's end (31 December)."""
        return date(self.start.year - 1, 12, 31)

    @property
    def time_progress(self) -> float:
        """序时进度: days elapsed in the year at period end ÷ days in that year."""
        year_days = (date(self.end.year, 12, 31) - date(self.end.year, 1, 1)).days + 1
        return self.end.timetuple().tm_yday / year_days

    def previous(self) -> Period:
        """The period of the same kind just before this one (环比)."""
        months = _MONTHS[self.kind]
        index = self.start.year * 12 + self.start.month - 1 - months
        return Period.from_months(index // 12, index % 12 + 1, self.kind)

    def next(self) -> Period:
        """The period of the same kind just after this one (the one a plan sets targets for)."""
        months = _MONTHS[self.kind]
        index = self.start.year * 12 + self.start.month - 1 + months
        return Period.from_months(index // 12, index % 12 + 1, self.kind)

    def same_last_year(self) -> Period:
        """The same period one year earlier (同比); of a provisional period, the same months."""
        last = Period.from_months(self.start.year - 1, self.start.month, self.kind)
        if self.provisional and self.end == _month_end(self.end.year, self.end.month):
            return replace(last, end=_month_end(self.end.year - 1, self.end.month))
        return last

    def months(self) -> list[str]:
        """Month labels ``YYYY-MM`` covered by the period."""
        out, y, m = [], self.start.year, self.start.month
        while (y, m) <= (self.end.year, self.end.month):
            out.append(f"{y}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out

    @classmethod
    def last_half_before(cls, when: date) -> Period:
        """The half year that ended most recently before ``when`` (what a run on ``when`` reports)."""
        return cls.last_before("half", when)

    @classmethod
    def containing(cls, kind: str, day: date) -> Period:
        """The period of ``kind`` that ``day`` falls in (2023-06-30 → 2023H1 for a half)."""
        months = _MONTHS[kind]
        first = ((day.year * 12 + day.month - 1) // months) * months
        return cls.from_months(first // 12, first % 12 + 1, kind)

    @classmethod
    def last_before(cls, kind: str, when: date) -> Period:
        """The period of ``kind`` (month, quarter, half, year) that ended most recently before
        ``when``: what a run on ``when`` reports (2023-07-02 → 2023-06, 2023Q2, 2023H1, 2022)."""
        months = _MONTHS[kind]
        index = when.year * 12 + when.month - 1  # the month ``when`` is in, counted from year 0
        first = (index // months) * months - months  # the first month of the period before the current one
        return cls.from_months(first // 12, first % 12 + 1, kind)


CADENCES = tuple(_MONTHS)  # month, quarter, half, year
# When a scheduled run fires (Beijing time): 06:00 on the 2nd of the month after the period ends,
# once its month-end data has landed.
SCHEDULES = {"month": "0 6 2 * *", "quarter": "0 6 2 1,4,7,10 *", "half": "0 6 2 1,7 *", "year": "0 6 2 1 *"}
LABEL_PATTERNS = {kind: pattern.pattern for pattern, kind in _PATTERNS}  # for a DAG's period parameter
EXAMPLE_LABELS = {"month": "2023-06", "quarter": "2023Q2", "half": "2023H1", "year": "2023"}


def _month_end(year: int, month: int) -> date:
    first_next = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return first_next - timedelta(days=1)
