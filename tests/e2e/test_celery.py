"""The distributed path, live (#15): Airflow with the CeleryExecutor as processes on this machine —
api-server, scheduler, dag-processor, triggerer and two Celery workers, with the environment
docker-compose.yaml gives its services (read from it by ``reportpack.cluster``), PostgreSQL on
127.0.0.1 for the metadata and for a warehouse seeded by the compose file's init command, Redis on
127.0.0.1 as the broker. A pack of a few hundred outlets is triggered as a bank's scheduler would
(the checks DAG; its validated-data asset starts the publish DAG), the owner approves it through
the REST API, and the published pack must equal the one ``reportpack pack`` makes from the same
warehouse, with its render batches spread over both workers."""

from __future__ import annotations

import os
import time

import pytest
from sqlalchemy.engine import make_url

from reportpack import pipeline, settings
from reportpack.bench_airflow import database, drop_database
from reportpack.cluster import Cluster
from reportpack.publish import pack
from tests.conftest import ROOT, private_pg_database, require_tool

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

OUTLETS, PER_BATCH = 16, 4  # what .env would set: 3 sub-branches of 5 or 6 outlets → a batch each
SUB_BRANCHES = 3
BROKER = "redis://127.0.0.1:6379/11"  # a Redis database of its own, emptied first


def _redis() -> None:
    import redis

    try:
        redis.Redis.from_url(BROKER).flushdb()
    except redis.ConnectionError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"Redis not reachable at {BROKER}: {exc}")
        pytest.skip(f"Redis not reachable at {BROKER}: {exc}")


def _review_request(cluster: Cluster, dag: str, timeout: float = 1200) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        cluster.check_alive()
        for run in cluster.runs(dag):
            if run["state"] == "failed":
                raise AssertionError(f"{dag} failed:\n{cluster.failures(dag, run['dag_run_id'])}")
        found = cluster.api("GET", f"dags/{dag}/dagRuns/~/hitlDetails")["hitl_details"]
        waiting = [d for d in found if not d["response_received"]]
        if waiting:
            return waiting[0]
        time.sleep(3)
    raise AssertionError(f"{dag} never asked for a review")


def test_a_pack_runs_on_two_celery_workers_and_equals_the_pack_of_one_process(tmp_path):
    require_tool("soffice", "pdftotext")
    _redis()
    variables = {  # as .env would set them: the local servers' roles, a small sample, small batches
        "POSTGRES_USER": "postgres",
        "WAREHOUSE_USER": "postgres",
        "REPORTPACK_SAMPLE_OUTLETS": str(OUTLETS),
        "REPORTPACK_BATCH_OUTLETS": str(PER_BATCH),
        "REPORTPACK_RENDER_SLOTS": "2",
        "AIRFLOW_WORKER_CONCURRENCY": "1",  # a batch at a time per worker: both must take some
    }
    with (
        private_pg_database("reportpack_celery_meta") as metadata,
        private_pg_database("reportpack_celery_wh") as warehouse,
    ):
        cluster = Cluster(ROOT, tmp_path / "airflow", tmp_path / "packs", metadata, warehouse, BROKER, 2, variables=variables)
        cluster.init()  # the compose file's airflow-init: migrate, the pool, the warehouse seeded
        server = make_url(warehouse).set(database="postgres").render_as_string(hide_password=False)
        reference_warehouse = database(server, make_url(warehouse).database + "_ref", template=warehouse)
        try:
            with cluster:
                cluster.start()
                cluster.unpause("reportpack_half_year", "reportpack_half_year_publish")
                cluster.fail_scheduled("reportpack_half_year")  # today's half year: no data in the sample
                checks = cluster.trigger("reportpack_half_year", {"period": "2023H1"})
                cluster.wait("reportpack_half_year", checks, timeout=900)
                request = _review_request(cluster, "reportpack_half_year_publish")
                ti = request["task_instance"]
                publishing = ti["dag_run_id"]
                answer = f"dags/reportpack_half_year_publish/dagRuns/{publishing}/taskInstances/review/-1/hitlDetails"
                cluster.api(
                    "PATCH", answer, user="wangfang", json={"chosen_options": ["批准定稿"], "params_input": {"reason": ""}}
                )
                cluster.wait("reportpack_half_year_publish", publishing, timeout=600)
                tis = cluster.task_instances("reportpack_half_year_publish", publishing)
            batches = [t for t in tis if t["task_id"] == "batch"]
            assert len(batches) == SUB_BRANCHES  # whole sub-branches, each at least PER_BATCH outlets
            assert {t["hostname"] for t in batches} == {"worker1", "worker2"}, [(t["map_index"], t["hostname"]) for t in batches]
            assert all(t["state"] == "success" for t in tis if t["task_id"] != "ask_owners"), tis
            assert all(t["rendered_map_index"] and "…" in t["rendered_map_index"] for t in batches)

            published = tmp_path / "packs" / "2023H1" / "latest"
            ref = tmp_path / "reference"  # the same warehouse's pack made in one process (this one)
            reference = settings.load(
                {"REPORTPACK_HOME": str(ROOT), "REPORTPACK_WAREHOUSE_URL": reference_warehouse, "REPORTPACK_OUTPUT_DIR": str(ref)}
            )
            pipeline.run_all(reference, "2023H1")
        finally:
            drop_database(server, make_url(reference_warehouse).database)
    ours, theirs = pack.read_manifest(published), pack.read_manifest(ref / "2023H1" / "latest")
    assert ours["approval"]["status"] == "approved" and ours["targets"]["stored"]
    docs = lambda m: {f["path"]: f["sha256"] for f in m["files"] if f["path"].endswith((".docx", ".png", "findings.json"))}  # noqa: E731
    assert len(docs(ours)) > OUTLETS * 6 and docs(ours).keys() == docs(theirs).keys()
    differ = sorted(p for p in docs(ours) if docs(ours)[p] != docs(theirs)[p])
    assert differ == [], differ[:10]
