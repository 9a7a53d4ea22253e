"""Extract: run the SQL in ``templates/sql/`` for a period with bound parameters → DataFrames.

One table, one place: a SQL file's header states its grain and the tables it extracts (``tables``);
each table is validated by the suite of the same name (``expectations/<name>.json``). Aggregation
happens in the database. Dates come back as ``datetime64`` whatever the database (SQLite returns
text, PostgreSQL returns dates).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
from sqlalchemy import Date, String, bindparam, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from reportpack.errors import InputError, WarehouseUnreachable
from reportpack.periods import Period

# Which period a table's rows describe, relative to the reported one (the words of the "Tables:" line).
SHIFTS: dict[str, Callable[[Period], Period]] = {
    "period": lambda p: p,
    "same period last year": Period.same_last_year,
    "previous period": Period.previous,
    "previous year": lambda p: Period.parse(str(p.year - 1)),
}


@dataclass(frozen=True)
class Table:
    """An extracted table: its name is its frame and its suite (``expectations/<name>.json``);
    ``sql`` the file that extracts it (one file may serve several periods, e.g. last year's
    balances for 同比); ``grain`` what one row is, as the file states it."""

    name: str
    sql: Path
    shift: str
    date_columns: tuple[str, ...]
    grain: str

    def params(self, period: Period) -> dict[str, object]:
        return _period(SHIFTS[self.shift](period))


def _period(p: Period) -> dict[str, object]:
    return {
        "period_start": p.start,
        "period_end": p.end,
        "year_start_date": p.year_start_balance_date,
        "first_month": p.months()[0],
        "last_month": p.months()[-1],
        "year_first_day": date(p.end.year, 1, 1),
        "year_first_month": f"{p.end.year}-01",
        "year_last_month": f"{p.end.year}-12",
        "year_label": str(p.end.year),
        "period_label": p.label,
    }


_TABLE = re.compile(r"^\s*([a-z][a-z0-9_]*)\s*(?:\((.*)\))?\s*$")


@functools.cache
def tables(sql_dir: Path) -> tuple[Table, ...]:
    """Every extracted table, declared by the header of the SQL file that extracts it::

        -- Grain: one row per outlet … (until the next header line)
        -- Tables: outlet_balances (period), outlet_balances_last_year (same period last year: 同比)
        -- Dates: first_day, last_day

    A table is named once — its SQL file says what it extracts, its suite has the same name."""
    found: list[Table] = []
    for path in sorted(sql_dir.glob("*.sql")):
        header = _header(path)
        if "Grain" not in header or "Tables" not in header:
            raise InputError(f"{path}: the header must state '-- Grain:' (what one row is) and '-- Tables:' (what it extracts)")
        dates = tuple(c.strip() for c in header.get("Dates", "").split(",") if c.strip())
        for item in _split(header["Tables"]):
            m = _TABLE.match(item)
            shift = (m.group(2) or "period").split(":")[0].strip() if m else ""
            if not m or shift not in SHIFTS:
                raise InputError(f"{path}: '-- Tables:' item {item!r}: a table name, then ({', '.join(SHIFTS)})")
            found.append(Table(m.group(1), path, shift, dates, header["Grain"]))
    names = [t.name for t in found]
    if len(set(names)) != len(names):
        raise InputError(f"{sql_dir}: tables declared twice: {sorted({n for n in names if names.count(n) > 1})}")
    return tuple(found)


def _header(path: Path) -> dict[str, str]:
    """The leading ``-- Key: text`` comment lines of a SQL file (continuation lines joined)."""
    header: dict[str, str] = {}
    key = None
    for line in path.read_text("utf-8").splitlines():
        if not line.startswith("--"):
            break
        text = line[2:].strip()
        m = re.match(r"^([A-Z][A-Za-z ]*):\s*(.*)$", text)
        if m:
            key = m.group(1)
            header[key] = m.group(2)
        elif key:
            header[key] += " " + text
    return header


def _split(items: str) -> list[str]:
    """Split on commas outside parentheses."""
    out, depth, current = [], 0, ""
    for ch in items:
        depth += (ch == "(") - (ch == ")")
        if ch == "," and depth == 0:
            out.append(current)
            current = ""
        else:
            current += ch
    return [*out, current] if current.strip() else out


def run_query(conn: Connection, sql: str, params: dict[str, object]) -> pd.DataFrame:
    """Run ``sql`` with those of ``params`` it names bound (never formatted into the string)."""
    clause = text(sql)
    used = {key: value for key, value in params.items() if key in clause._bindparams}
    binds = [bindparam(key, type_=Date() if isinstance(value, date) else String()) for key, value in used.items()]
    result = conn.execute(clause.bindparams(*binds), used)
    return _normalise(pd.DataFrame(result.fetchall(), columns=list(result.keys())))


def _normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """The same dtypes whatever the database: PostgreSQL sums integers into NUMERIC (Decimal),
    SQLite into INTEGER; a column with NULLs arrives as objects. Numbers become int64 when whole
    and complete, else float64 (NULL → NaN)."""
    for column in frame.columns:
        values = frame[column]
        if values.dtype != object:
            continue
        present = values.dropna()
        if present.empty or not present.map(lambda v: isinstance(v, (int, float, Decimal)) and not isinstance(v, bool)).all():
            continue
        numbers = values.map(lambda v: None if v is None else float(v)).astype("float64")
        whole = numbers.notna().all() and numbers.map(float.is_integer).all()
        frame[column] = numbers.astype("int64") if whole else numbers
    return frame


def extract(conn: Connection, period: Period, sql_dir: Path) -> dict[str, pd.DataFrame]:
    """Every table the SQL files of ``sql_dir`` declare, for ``period``, keyed by name."""
    if conn.dialect.name == "postgresql":
        # PostgreSQL compiles plans this costly to machine code first (JIT): 2.4 s for one balance
        # query at 5,000 outlets, more than it saves. For this transaction only.
        conn.execute(text("SET LOCAL jit = off"))
    frames = {}
    for table in tables(sql_dir):
        path = table.sql
        try:
            frame = run_query(conn, path.read_text("utf-8"), table.params(period))
        except DBAPIError as exc:
            if exc.connection_invalidated:
                raise WarehouseUnreachable(f"{path.name}: the warehouse connection was lost: {exc.orig}") from exc
            # The warehouse does not have what the SQL expects (a table, a column): say which file and why.
            raise InputError(f"{path}: the warehouse refused this extraction ({table.name}): {exc.orig}") from exc
        for column in table.date_columns:
            frame[column] = pd.to_datetime(frame[column]).astype("datetime64[s]")
        frames[table.name] = frame
    return frames


def save_frames(frames: dict[str, pd.DataFrame], folder: Path) -> dict[str, int]:
    """Write each frame as ``<name>.parquet`` under ``folder``; returns row counts."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in frames.items():
        frame.to_parquet(folder / f"{name}.parquet", index=False)
    return {name: len(frame) for name, frame in frames.items()}


def load_frames(folder: Path) -> dict[str, pd.DataFrame]:
    """The frames ``save_frames`` wrote, by name."""
    return {path.stem: pd.read_parquet(path) for path in sorted(folder.glob("*.parquet"))}
