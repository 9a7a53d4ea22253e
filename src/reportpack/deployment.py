"""The cluster's secrets checked before it starts (``reportpack check-deployment``, the first step of
the compose file's ``airflow-init`` and ``airflow-apiserver``).

``docker-compose.yaml`` gives every credential a development default so that a developer's
``docker compose up`` works. A default that signs or opens something — the API's JWT secret, which
signs every login token; the Fernet key, which encrypts connections; the databases' and users'
passwords — is public (it is in this repository), so a cluster started with one is open to anyone
who reads it: a token forged with the default secret approved a pack. The check refuses to start
such a cluster unless ``REPORTPACK_DEVELOPMENT=1`` says it is a developer's own.
"""

from __future__ import annotations

from collections.abc import Mapping

from reportpack.errors import InputError

DEVELOPMENT_FLAG = "REPORTPACK_DEVELOPMENT"
# The compose file's development defaults (tests/unit/test_compose.py reads the file and checks this list).
DEVELOPMENT_JWT_SECRET = "reportpack-development-jwt-secret"
DEVELOPMENT_PASSWORDS = frozenset({"airflow", "reportpack", "admin", "wangfang"})
MIN_SECRET_LENGTH = 32

GENERATE = (
    "generate them into .env (README: Running on a cluster):\n"
    '  AIRFLOW_JWT_SECRET=$(python3 -c "import secrets; print(secrets.token_urlsafe(48))")\n'
    '  AIRFLOW_FERNET_KEY=$(python3 -c "import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())")\n'
    "  POSTGRES_PASSWORD, WAREHOUSE_PASSWORD: the same way; AIRFLOW_PASSWORDS=admin:…,wangfang:…\n"
    f"or, on a developer's own machine only, {DEVELOPMENT_FLAG}=1"
)


class InsecureDeployment(InputError):
    """A secret of the deployment is missing or a public development default."""


def problems(env: Mapping[str, str]) -> list[str]:
    """What is wrong with the deployment's secrets in ``env`` (a container's environment), one line each."""
    found = []
    jwt = env.get("AIRFLOW__API_AUTH__JWT_SECRET", "")
    if not jwt or jwt == DEVELOPMENT_JWT_SECRET:
        found.append(
            "AIRFLOW_JWT_SECRET (AIRFLOW__API_AUTH__JWT_SECRET) is " + ("empty" if not jwt else "the development default")
        )
    elif len(jwt) < MIN_SECRET_LENGTH:
        found.append(f"AIRFLOW_JWT_SECRET is {len(jwt)} characters long; at least {MIN_SECRET_LENGTH}")
    fernet = env.get("AIRFLOW__CORE__FERNET_KEY", "")
    if not _is_fernet_key(fernet):
        found.append(
            "AIRFLOW_FERNET_KEY (AIRFLOW__CORE__FERNET_KEY) is "
            + ("empty: connections would be stored unencrypted" if not fernet else "not a Fernet key (32 bytes, url-safe base64)")
        )
    for name in ("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "REPORTPACK_WAREHOUSE_URL"):
        if _password(env.get(name, "")) in DEVELOPMENT_PASSWORDS:  # none at all is fine: trust, certificates
            found.append(f"{name}'s password is a development default")
    for entry in filter(None, env.get("AIRFLOW_PASSWORDS", "").split(",")):
        user, _, password = entry.partition(":")
        if not password or password == user or password in DEVELOPMENT_PASSWORDS:
            found.append(f"AIRFLOW_PASSWORDS: user {user}'s password is {'empty' if not password else 'a development default'}")
    return found


def check(env: Mapping[str, str]) -> list[str]:
    """Raise ``InsecureDeployment`` listing ``problems`` unless the development flag is set; returns
    the problems tolerated under the flag (to be printed as a warning)."""
    found = problems(env)
    if found and env.get(DEVELOPMENT_FLAG) != "1":
        raise InsecureDeployment(
            "refusing to start a cluster with public development secrets:\n  - " + "\n  - ".join(found) + "\n" + GENERATE
        )
    return found


def _is_fernet_key(key: str) -> bool:
    import base64
    import binascii

    try:
        return len(base64.urlsafe_b64decode(key.encode())) == 32 and len(key) == 44
    except (binascii.Error, ValueError):
        return False


def _password(url: str) -> str | None:
    """The password of a database URL (``None``: none, or no URL)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    if not url:
        return None
    try:
        return make_url(url).password
    except ArgumentError:
        return None  # not a URL: settings.check_url says so where it is used
