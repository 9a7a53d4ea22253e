"""Typed settings read from the environment: the one place that calls ``os.environ``.

In Airflow the warehouse is the connection ``reportpack_warehouse`` (see ``dags/``); everywhere
else it is ``REPORTPACK_WAREHOUSE_URL``. Unset means the embedded SQLite sample warehouse.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from reportpack.errors import InputError

# src/reportpack/settings.py → the checkout root (templates/, expectations/ live there).
_DEFAULT_HOME = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Settings:
    home: Path
    warehouse_url: str
    output_dir: Path
    input_dir: Path  # owner-written text, one folder per period: <input_dir>/2023H1/*.yaml
    workers: int = 1  # processes that render documents (and LibreOffice calls at once)
    # Outlets per render batch in Airflow (a mapped task each; whole sub-branches, so a batch may hold more)
    batch_outlets: int = 500

    @property
    def templates_dir(self) -> Path:
        return self.home / "templates"

    @property
    def expectations_dir(self) -> Path:
        return self.home / "expectations"


def sample_warehouse_path(home: Path) -> Path:
    return home / "var" / "sample-warehouse.sqlite"


def load(env: dict[str, str] | None = None) -> Settings:
    """Settings from ``env`` (default: the process environment)."""
    env = os.environ if env is None else env
    home = Path(env.get("REPORTPACK_HOME") or _DEFAULT_HOME).resolve()
    url = env.get("REPORTPACK_WAREHOUSE_URL") or f"sqlite:///{sample_warehouse_path(home)}"
    check_url(url, "REPORTPACK_WAREHOUSE_URL")  # fail here, naming the variable, rather than deep inside a task
    output = Path(env.get("REPORTPACK_OUTPUT_DIR") or "output")
    if not output.is_absolute():
        output = Path.cwd() / output
    inputs = Path(env.get("REPORTPACK_INPUT_DIR") or home / "inputs")
    if not inputs.is_absolute():
        inputs = Path.cwd() / inputs
    workers = env.get("REPORTPACK_WORKERS") or str(os.cpu_count() or 1)
    if not workers.isdigit() or int(workers) < 1:
        raise InputError(f"REPORTPACK_WORKERS {workers!r}: give a whole number of processes, 1 or more")
    batch = env.get("REPORTPACK_BATCH_OUTLETS") or "500"
    if not batch.isdigit() or int(batch) < 1:
        raise InputError(f"REPORTPACK_BATCH_OUTLETS {batch!r}: give a whole number of outlets per render batch, 1 or more")
    return Settings(
        home=home, warehouse_url=url, output_dir=output, input_dir=inputs, workers=int(workers), batch_outlets=int(batch)
    )


def airflow_env(settings: Settings, env: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for running Airflow on this checkout: its home, metadata database (SQLite) and
    logs live in ``.airflow/`` inside the checkout, never ``~/airflow``; example DAGs are off.
    Values already set in ``env`` win."""
    env = dict(os.environ if env is None else env)
    defaults = {
        "AIRFLOW_HOME": str(settings.home / ".airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(settings.home / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(settings.home / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "REPORTPACK_HOME": str(settings.home),
    }
    return {**defaults, **env}


_SECRET_QUERY = ("password", "passwd", "secret", "token", "key")


def check_url(url: str, setting: str) -> None:
    """``url`` as a warehouse URL, else an ``InputError`` naming ``setting`` and what is wrong, the
    URL shown with its password masked even where it does not parse."""
    shown = _masked_unparsed(url)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise InputError(f"{setting} {shown!r} is not a SQLAlchemy URL (e.g. sqlite:///path or postgresql+psycopg://…)") from None
    except ValueError:  # SQLAlchemy's int() of the port
        raise InputError(f"{setting} {shown!r}: its port is not a number") from None
    if parsed.host and "@" in parsed.host:  # the rest of a password that holds a bare @
        raise InputError(
            f"{setting} {shown!r}: the password holds a character a URL reserves; percent-encode it "
            "(@ as %40, : as %3A, / as %2F, # as %23)"
        )


def _masked_unparsed(url: str) -> str:
    """``url`` with whatever stands between the user's ':' and the last '@' masked: what a password
    would be, whether or not the URL parses (a missing ':' after the scheme, a bare '@' in it)."""
    if "@" not in url:
        return url
    head, _, host = url.rpartition("@")
    scheme, sep, user = head.rpartition("//")
    if ":" not in user:
        return url
    return f"{scheme}{sep}{user.split(':', 1)[0]}:***@{host}"


def redact(url: str) -> str:
    """The URL with any password hidden — in its user part or its query (``?password=``) — as
    recorded in manifests, logs and the run reference Airflow passes between tasks."""
    parsed = make_url(url)
    hidden = {k: "***" for k in parsed.query if any(word in k.lower() for word in _SECRET_QUERY)}
    return (
        parsed.update_query_dict(hidden).render_as_string(hide_password=True)
        if hidden
        else parsed.render_as_string(hide_password=True)
    )


def secrets(url: str) -> list[str]:
    """What of ``url`` must never be shown: its password (user part or query), and the URL whole."""
    parsed = make_url(url)
    found = [parsed.password] if parsed.password else []
    found += [str(v) for k, v in parsed.query.items() if any(word in k.lower() for word in _SECRET_QUERY) and v]
    return [*found, url] if found else []
