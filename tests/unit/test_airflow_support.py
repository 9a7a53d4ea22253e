"""In Airflow the warehouse is the connection reportpack_warehouse; without it, the environment."""

import pytest

from reportpack import settings
from reportpack.airflow_support import warehouse_url


@pytest.mark.parametrize(
    "conn,url",
    [
        ('{"conn_type": "generic", "extra": {"sqlalchemy_url": "sqlite:////data/w.sqlite"}}', "sqlite:////data/w.sqlite"),
        ("postgres://reporter:secret-pw@db.bank:5432/dw", "postgresql+psycopg://reporter:secret-pw@db.bank:5432/dw"),
    ],
)
def test_the_connection_wins(monkeypatch, conn, url):
    monkeypatch.setenv("AIRFLOW_CONN_REPORTPACK_WAREHOUSE", conn)
    assert warehouse_url(settings.load({"REPORTPACK_WAREHOUSE_URL": "sqlite:////elsewhere.sqlite"})) == url


def test_without_the_connection_the_environment_decides(monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_REPORTPACK_WAREHOUSE", raising=False)
    assert (
        warehouse_url(settings.load({"REPORTPACK_WAREHOUSE_URL": "sqlite:////elsewhere.sqlite"})) == "sqlite:////elsewhere.sqlite"
    )
