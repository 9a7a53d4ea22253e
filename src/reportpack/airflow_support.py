"""Glue used only inside Airflow tasks: the warehouse connection (``reportpack_warehouse``).

Imported lazily by the DAG's task bodies, never at parse time.
"""

from __future__ import annotations

from reportpack.settings import Settings

CONN_ID = "reportpack_warehouse"
_SCHEMES = {"postgres": "postgresql+psycopg", "postgresql": "postgresql+psycopg"}


def warehouse_url(settings: Settings) -> str:
    """The SQLAlchemy URL of connection ``reportpack_warehouse``, else ``REPORTPACK_WAREHOUSE_URL``.

    The connection may carry the URL in its extra as ``{"sqlalchemy_url": "…"}``; otherwise its URI
    is used, with ``postgres://`` mapped to the psycopg driver.
    """
    from airflow.sdk import Connection
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        conn = Connection.get(CONN_ID)
    except AirflowNotFoundException:
        return settings.warehouse_url
    explicit = conn.extra_dejson.get("sqlalchemy_url")
    if explicit:
        return explicit
    uri = conn.get_uri()
    scheme, sep, rest = uri.partition("://")
    return f"{_SCHEMES.get(scheme, scheme)}{sep}{rest}"


def run_validation_phase(name: str, run_ref: dict) -> dict:
    """Run the validation phase ``name`` of ``pipeline`` (``check_source`` or ``validate``): bad data
    fails the task at once (``AirflowFailException``: never retried); an unreachable warehouse
    raises as it is, for the DAG's retry policy."""
    from airflow.sdk.exceptions import AirflowFailException

    from reportpack import pipeline, settings
    from reportpack.validate import ValidationFailed

    try:
        getattr(pipeline, name)(settings.load(), pipeline.Run.from_ref(run_ref))
    except ValidationFailed as exc:
        raise AirflowFailException(str(exc)) from exc
    return run_ref
