"""Extraction: run the SQL in ``templates/sql/`` for a period with bound parameters → DataFrames.

Every extracted table has a SQL file and a validation suite of the same stem
(``templates/sql/<name>.sql``, ``expectations/<name>.json``). Dates come back as ``datetime64``
whatever the database (SQLite returns text, PostgreSQL returns dates).
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class Table:
    """An extracted table: ``name`` is its frame and suite; ``sql`` the file stem when the same SQL
    serves several tables (e.g. last year's balances for 同比)."""

    name: str
    params: Callable[[Period], dict[str, object]]
    date_columns: tuple[str, ...] = ()
    sql: str | None = None

    @property
    def sql_stem(self) -> str:
        return self.sql or self.name


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


TABLES: tuple[Table, ...] = (
    Table("outlets", _period, ("opened_on", "closed_on")),
    Table("outlet_balances", _period, ("first_day", "last_day", "first_negative_date", "first_duplicate_date")),
    # The same period a year earlier, for 同比; empty columns when the warehouse does not reach back.
    Table(
        "outlet_balances_last_year",
        lambda p: _period(p.same_last_year()),
        ("first_day", "last_day", "first_negative_date", "first_duplicate_date"),
        sql="outlet_balances",
    ),
    Table("sub_branch_reconciliation", _period, ("first_mismatch_date",)),
    Table("outlet_monthly", _period),
    Table("outlet_monthly_last_year", lambda p: _period(p.same_last_year()), sql="outlet_monthly"),
    Table("outlet_business", _period),
    Table("customer_tiers", _period),
    Table("ops_managers", _period, ("first_day", "last_day")),
    Table("tellers", _period),
    Table("tellers_previous", lambda p: _period(p.previous()), sql="tellers"),  # 环比 of the error rate
    Table("lobby", _period),
    Table("six_s", _period),
    Table("accounting", _period),
    Table("budget", _period),
    Table("fixed_assets", _period),
    Table("confidentiality", _period),
    Table("plan_targets", _period, ("set_on",)),
    Table("period_targets", _period),  # set by the previous period's plans
)


def sql_path(sql_dir: Path, name: str) -> Path:
    return sql_dir / f"{name}.sql"


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
    """Every table of ``TABLES`` for ``period``, keyed by name."""
    frames = {}
    for table in TABLES:
        path = sql_path(sql_dir, table.sql_stem)
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
    return {table.name: pd.read_parquet(folder / f"{table.name}.parquet") for table in TABLES}
