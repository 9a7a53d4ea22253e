"""Edits that make a sample warehouse hostile, the way a red team did (issue #16)."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect, text


def execute(url: str, *statements: tuple[str, dict]) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        for sql, params in statements:
            conn.execute(text(sql), params)
    engine.dispose()


def rename_unit(url: str, old: str, new: str) -> None:
    """Give unit ``old`` the id ``new`` in every table that names it (its rows stay consistent)."""
    engine = create_engine(url)
    with engine.begin() as conn:
        for table in inspect(conn).get_table_names():
            for column in [c["name"] for c in inspect(conn).get_columns(table)]:
                if column in ("unit_id", "parent_id"):
                    conn.execute(text(f"update {table} set {column} = :new where {column} = :old"), {"new": new, "old": old})
    engine.dispose()


def rename_staff(url: str, old: str, new: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        for table in inspect(conn).get_table_names():
            if "staff_id" in [c["name"] for c in inspect(conn).get_columns(table)]:
                conn.execute(text(f"update {table} set staff_id = :new where staff_id = :old"), {"new": new, "old": old})
    engine.dispose()


def set_unit_name(url: str, unit_id: str, name: str) -> None:
    execute(url, ("update org_unit set name = :name where unit_id = :id", {"name": name, "id": unit_id}))


def set_staff_name(url: str, staff_id: str, name: str) -> None:
    execute(url, ("update staff set name = :name where staff_id = :id", {"name": name, "id": staff_id}))
