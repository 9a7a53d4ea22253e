"""Connections to the warehouse: one place that turns "cannot connect" into an error a user can act on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, InterfaceError, OperationalError

from reportpack.errors import InputError, WarehouseUnreachable
from reportpack.settings import redact


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL (None for another database or an in-memory one)."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise InputError(f"warehouse URL {url!r} is not a SQLAlchemy URL: {exc}") from None
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return Path(parsed.database)
    return None


def _engine(url: str):
    found = sqlite_file(url)
    # SQLite would silently create an empty file and fail later with "no such table".
    if found is not None and not found.exists():
        raise InputError(
            f"warehouse {redact(url)}: no such SQLite file (create the sample with `reportpack seed`, "
            "or set REPORTPACK_WAREHOUSE_URL)"
        )
    try:
        return create_engine(url)
    except (ArgumentError, ImportError) as exc:
        raise InputError(f"warehouse URL {redact(url)}: {exc}") from None


@contextmanager
def connect(url: str, *, transaction: bool = False) -> Iterator[Connection]:
    """A connection to the warehouse at ``url`` (in one transaction with ``transaction``).

    Raises ``WarehouseUnreachable`` when the server does not answer or refuses the login, and
    ``InputError`` for a URL that is not one; the URL is shown without its password."""
    engine = _engine(url)
    try:
        try:
            conn = engine.connect()
        except (OperationalError, InterfaceError) as exc:
            raise WarehouseUnreachable(f"warehouse {redact(url)} cannot be reached: {exc.orig or exc}") from exc
        with conn:
            if transaction:
                with conn.begin():
                    yield conn
            else:
                yield conn
    finally:
        engine.dispose()
