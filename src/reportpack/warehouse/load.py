"""Load generated tables into a warehouse: bulk COPY on PostgreSQL, batched inserts on SQLite.

The whole load is one transaction (PostgreSQL) or a file written beside its destination and
renamed into place (SQLite), so an interrupted seed never leaves a half-written warehouse.
Indexes are created after the rows are in, which is several times faster for large loads.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import pandas as pd
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url
from tqdm import tqdm

from reportpack.warehouse.connect import connect, sqlite_file
from reportpack.warehouse.schema import metadata


def existing_tables(url: str) -> list[str]:
    """Tables of our schema already present at ``url`` (a missing SQLite file has none)."""
    found = sqlite_file(url)
    if found is not None and not found.exists():
        return []
    with connect(url) as conn:
        names = set(inspect(conn).get_table_names())
    return sorted(names & set(metadata.tables))


def write(pieces: Iterable[tuple[str, pd.DataFrame]], url: str, progress: bool | None = None) -> dict[str, int]:
    """Create the schema at ``url`` and load ``pieces``; returns rows per table."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        final = Path(parsed.database)
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = final.with_name(final.name + ".tmp")
        tmp.unlink(missing_ok=True)
        try:
            counts = _load(pieces, parsed.set(database=str(tmp)).render_as_string(hide_password=False), progress)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        os.replace(tmp, final)
        return counts
    return _load(pieces, url, progress)


def _load(pieces, url: str, progress: bool | None) -> dict[str, int]:
    engine = create_engine(url)
    counts: dict[str, int] = {}
    postgres = engine.dialect.name == "postgresql"
    try:
        with engine.begin() as conn:
            metadata.drop_all(conn)
            for table in metadata.sorted_tables:
                table.create(conn)
                for index in table.indexes:
                    index.drop(conn)
            bar = tqdm(unit=" rows", unit_scale=True, desc="seeding", disable=progress is False if progress is not None else None)
            for name, frame in pieces:
                if frame.empty:
                    continue
                table = metadata.tables[name]
                columns = [c.name for c in table.columns]
                frame = frame[columns]
                if postgres:
                    _copy(conn, name, columns, frame)
                else:
                    _insert(conn, name, columns, frame)
                counts[name] = counts.get(name, 0) + len(frame)
                bar.set_postfix_str(name)
                bar.update(len(frame))
            bar.close()
            for table in metadata.sorted_tables:
                for index in table.indexes:
                    index.create(conn)
        if postgres:
            # Planner statistics and the visibility map now, as a maintained warehouse has them, not
            # whenever autovacuum gets to it: without statistics PostgreSQL picks nested loops and
            # the 20,000-outlet extraction takes minutes; without the visibility map a key's
            # uniqueness check cannot read the index alone (6 s instead of 35 s for daily_balance).
            # VACUUM runs outside a transaction, after the load has committed.
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        else:
            with engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
    finally:
        engine.dispose()
    return counts


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Dates as ISO text, booleans as 0/1, missing as None: what both drivers accept."""
    out = {}
    for col in frame.columns:
        s = frame[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            out[col] = s.dt.strftime("%Y-%m-%d").astype(object).where(s.notna(), None)
        elif pd.api.types.is_bool_dtype(s):
            out[col] = s.astype(int)
        elif s.dtype == object and len(s) and isinstance(s.dropna().iloc[0] if s.notna().any() else None, date):
            out[col] = s.map(lambda v: v.isoformat() if isinstance(v, date) else None)
        else:
            out[col] = s.astype(object).where(s.notna(), None)
    return pd.DataFrame(out)


def _insert(conn, name: str, columns: list[str], frame: pd.DataFrame) -> None:
    sql = f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    conn.exec_driver_sql(sql, list(_plain(frame).itertuples(index=False, name=None)))


def _copy(conn, name: str, columns: list[str], frame: pd.DataFrame) -> None:
    # COPY … FROM STDIN in CSV: an unquoted empty field is NULL.
    buffer = io.StringIO()
    plain = _plain(frame)
    for col in plain.columns:
        if pd.api.types.is_bool_dtype(frame[col]):
            plain[col] = frame[col].map({True: "t", False: "f"})
    plain.to_csv(buffer, header=False, index=False)
    raw = conn.connection.dbapi_connection
    with raw.cursor() as cur, cur.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)") as copy:
        copy.write(buffer.getvalue())
