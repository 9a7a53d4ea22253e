"""docker-compose.yaml: valid against the compose specification, the shape of Airflow's official 3.x
deployment (CeleryExecutor, health checks, volumes, ports on 127.0.0.1, credentials from .env), and
the services the Celery integration test starts exist in it with the environment it uses."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from reportpack import cluster
from tests.conftest import ROOT

COMPOSE = ROOT / "docker-compose.yaml"
CHECK = str(Path(sys.executable).with_name("check-jsonschema"))


def _check(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([CHECK, "--builtin-schema", "vendor.compose-spec", str(path)], capture_output=True, text=True)


def test_the_compose_file_is_valid_against_the_compose_specification(tmp_path):
    done = _check(COMPOSE)
    assert done.returncode == 0, done.stdout + done.stderr
    broken = yaml.safe_load(COMPOSE.read_text("utf-8"))
    broken["services"]["airflow-worker"]["healthcheck"]["interval"] = ["30s"]  # not a duration
    (tmp_path / "docker-compose.yaml").write_text(yaml.safe_dump(broken), "utf-8")
    assert _check(tmp_path / "docker-compose.yaml").returncode == 1  # the check can fail


@pytest.fixture(scope="module")
def compose() -> dict:
    return cluster.load(COMPOSE, {})


def test_every_service_the_integration_test_starts_is_there_with_the_common_environment(compose):
    common = cluster.environment(compose["x-airflow-common"])
    assert common["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert common["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://redis:6379/")
    for name in cluster.SERVICES:
        service = compose["services"][name]
        env = cluster.environment(service)
        assert {k: env.get(k) for k in common} == common, name  # the same settings in every Airflow service
        assert cluster.command(service), name
        assert service["user"] == "50000:0" and service["image"] == "reportpack:dev", name  # AIRFLOW_UID unset
    assert "celery" in cluster.command(compose["services"]["airflow-worker"])
    assert "reportpack seed" in " ".join(cluster.command(compose["services"]["airflow-init"]))


def test_the_deployment_keeps_its_data_in_volumes_checks_its_health_and_listens_on_localhost(compose):
    services = compose["services"]
    assert {"postgres-db-volume", "warehouse-db-volume", "airflow-logs"} <= set(compose["volumes"])
    assert "postgres-db-volume:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert "./output:/opt/reportpack/output" in services["airflow-worker"]["volumes"]  # the packs, on the host
    for name, service in services.items():
        if name != "airflow-init":
            assert "healthcheck" in service, name
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), (name, port)
    for dependency in ("postgres", "redis", "warehouse"):
        assert services["airflow-scheduler"]["depends_on"][dependency]["condition"] == "service_healthy"
    assert services["airflow-scheduler"]["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully"


def test_every_credential_is_a_development_default_that_dot_env_overrides():
    secret = "s3cr3t-from-env"
    variables = {v: secret for v in ("POSTGRES_PASSWORD", "WAREHOUSE_PASSWORD", "AIRFLOW_JWT_SECRET", "AIRFLOW_PASSWORDS")}
    overridden = cluster.load(COMPOSE, {**variables, "AIRFLOW_UID": "1234"})
    text = yaml.safe_dump(overridden, allow_unicode=True)
    for default in (":airflow@", ":reportpack@", "reportpack-development-jwt-secret", "admin:admin,wangfang:wangfang"):
        assert default in yaml.safe_dump(cluster.load(COMPOSE, {}), allow_unicode=True), default
        assert default not in text, default
    assert overridden["services"]["postgres"]["environment"]["POSTGRES_PASSWORD"] == secret
    assert overridden["services"]["airflow-scheduler"]["user"] == "1234:0"


def test_the_local_cluster_maps_every_container_host_and_path(tmp_path):
    local = _local(tmp_path, POSTGRES_USER="postgres", WAREHOUSE_USER="postgres")
    for name in cluster.SERVICES:
        env = local.env(name)
        given = {k: env[k] for k in cluster.environment(local.compose["services"][name])}
        leftovers = {
            k: v
            for k, v in given.items()
            if any(h in v for h in ("@postgres:", "@warehouse:", "redis:6379", "apiserver", "/opt/"))
        }
        assert leftovers == {}, (name, leftovers)
    env = local.env("airflow-worker")
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == "postgresql+psycopg://postgres:airflow@127.0.0.1:5432/meta"
    assert (
        '"sqlalchemy_url": "postgresql+psycopg://postgres:reportpack@127.0.0.1:5432/wh"'
        in env["AIRFLOW_CONN_REPORTPACK_WAREHOUSE"]
    )
    assert env["REPORTPACK_OUTPUT_DIR"] == str(tmp_path / "packs") and env["AIRFLOW__CORE__DAGS_FOLDER"] == str(ROOT / "dags")


def test_compose_interpolation():
    v = {"SET": "x", "EMPTY": ""}
    assert cluster.interpolate("${SET} ${SET:-d} ${EMPTY:-d} ${EMPTY-d} ${UNSET-d} ${UNSET} $$HOME", v) == "x x d  d  $HOME"


def _local(tmp_path, **variables) -> cluster.Cluster:
    return cluster.Cluster(
        ROOT,
        tmp_path / "home",
        tmp_path / "packs",
        "postgresql+psycopg://postgres@127.0.0.1:5432/meta",
        "postgresql+psycopg://postgres@127.0.0.1:5432/wh",
        "redis://127.0.0.1:6379/11",
        variables=variables,
    )


def test_the_cluster_refuses_to_start_with_the_public_development_secrets_unless_told_it_is_a_developers(tmp_path):
    """Issue #33, case 6: with the compose file's default JWT secret a token forged for the owner
    approved a pack. airflow-init (every Airflow service waits for it) and the api-server now check
    the secrets first; run here as the compose file gives them, on the default .env."""
    refused = _local(tmp_path, REPORTPACK_DEVELOPMENT="0")
    with pytest.raises(RuntimeError) as caught:
        refused.init()  # fails before it migrates or seeds anything
    message = str(caught.value)
    assert "airflow-init failed (2)" in message and "refusing to start a cluster with public development secrets" in message
    for named in ("AIRFLOW_JWT_SECRET", "AIRFLOW_FERNET_KEY", "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "REPORTPACK_WAREHOUSE_URL"):
        assert named in message, named
    assert "secrets.token_urlsafe" in message and "REPORTPACK_DEVELOPMENT=1" in message  # how to make them
    assert not (tmp_path / "home" / "airflow.db").exists()
    api = subprocess.run(
        [
            "bash",
            "-c",
            refused.localize(cluster.command(refused.compose["services"]["airflow-apiserver"])[2]).replace(
                "exec airflow", "echo airflow"
            ),
        ],
        env=refused.env("airflow-apiserver"),
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert api.returncode == 2 and "user wangfang's password is a development default" in api.stderr, api.stderr
    assert "airflow api-server" not in api.stdout

    # a deployment's own secrets (as README shows how to generate them) start without a word
    own = {
        "REPORTPACK_DEVELOPMENT": "0",
        "AIRFLOW_JWT_SECRET": "k" * 64,
        "AIRFLOW_FERNET_KEY": "ZmDfcTF7_60GrrY167zsiPd67pEvs0aGOv2oasOM1Pg=",
        "POSTGRES_PASSWORD": "meta-Secret-1",
        "WAREHOUSE_PASSWORD": "wh-Secret-2",
        "AIRFLOW_PASSWORDS": "admin:a-Secret-3,wangfang:w-Secret-4",
    }
    env = _local(tmp_path, **own).env("airflow-apiserver")
    done = subprocess.run(
        [str(Path(sys.executable).with_name("reportpack")), "check-deployment"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr

    # a developer's own cluster (the flag; the local cluster of the tests sets it): warned, started
    env = _local(tmp_path).env("airflow-apiserver")
    done = subprocess.run(
        [str(Path(sys.executable).with_name("reportpack")), "check-deployment"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0 and "development secret in use (REPORTPACK_DEVELOPMENT=1)" in done.stderr


def test_every_development_default_of_the_compose_file_is_one_the_check_refuses():
    from reportpack import deployment

    text = COMPOSE.read_text("utf-8")
    defaults = dict(
        re.findall(r"\$\{(AIRFLOW_JWT_SECRET|POSTGRES_PASSWORD|WAREHOUSE_PASSWORD|AIRFLOW_PASSWORDS):-([^}]*)\}", text)
    )
    assert set(defaults) == {"AIRFLOW_JWT_SECRET", "POSTGRES_PASSWORD", "WAREHOUSE_PASSWORD", "AIRFLOW_PASSWORDS"}
    assert defaults["AIRFLOW_JWT_SECRET"] == deployment.DEVELOPMENT_JWT_SECRET
    assert {defaults["POSTGRES_PASSWORD"], defaults["WAREHOUSE_PASSWORD"]} <= deployment.DEVELOPMENT_PASSWORDS
    assert deployment.problems({"AIRFLOW_PASSWORDS": defaults["AIRFLOW_PASSWORDS"]})[2:] == [
        "AIRFLOW_PASSWORDS: user admin's password is a development default",
        "AIRFLOW_PASSWORDS: user wangfang's password is a development default",
    ]
    assert "${AIRFLOW_FERNET_KEY:-}" in text  # no default key: none at all is refused
    assert deployment.problems({"AIRFLOW__CORE__FERNET_KEY": "not-a-key", "AIRFLOW__API_AUTH__JWT_SECRET": "short"}) == [
        "AIRFLOW_JWT_SECRET is 5 characters long; at least 32",
        "AIRFLOW_FERNET_KEY (AIRFLOW__CORE__FERNET_KEY) is not a Fernet key (32 bytes, url-safe base64)",
    ]
