"""The owners' review, end to end through a real api-server (#13): the DAG run publishes a version,
asks the pack's owners in Airflow and waits; answers go through the REST API of an api-server sharing
the metadata database (PostgreSQL); only an assigned owner may answer; approval makes the version
final and stores the next period's targets, rejection keeps it a draft with the reason. The packs are
also served inside Airflow by the plugin in plugins/ (``/reportpack/``)."""

from __future__ import annotations

import email
import email.policy
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from reportpack.publish import pack
from reportpack.publish import targets as publish_targets
from tests.conftest import private_pg_database

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

DAG = "reportpack_outlet_summaries_publish"  # the small pack (one kind, 25 documents): its publish DAG asks
USERS = {"wangfang": "owner-pw", "lisi": "other-pw"}  # wangfang owns the pack (templates/packs/*.yaml)
BIN = Path(sys.executable).parent


class Mailbox:
    """An SMTP server on 127.0.0.1 (aiosmtpd) keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=email.policy.default))
        return "250 OK"

    def to(self, address: str, timeout: float = 60) -> list:
        """The messages sent to ``address`` (waiting up to ``timeout`` for one)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = [m for m in self.messages if address in str(m["To"])]
            if found:
                return found
            time.sleep(0.5)
        return []


def _html(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def mailbox():
    from aiosmtpd.controller import Controller

    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        box.port = controller.port
        yield box
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def airflow(sample_url, tmp_path_factory, mailbox):
    """An api-server (with the plugins of plugins/) on a fresh PostgreSQL metadata database, and the
    SMTP connection pointing at ``mailbox``; yields (base URL, environment for the CLI sharing that
    database, output folder, warehouse URL)."""
    home = tmp_path_factory.mktemp("airflow-home")
    out = tmp_path_factory.mktemp("packs")
    warehouse = home / "warehouse.sqlite"
    shutil.copyfile(sample_url.removeprefix("sqlite:///"), warehouse)
    (home / "passwords.json").write_text(json.dumps(USERS), "utf-8")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with private_pg_database("reportpack_airflow") as metadata:
        env = {
            **os.environ,
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata,
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": metadata,  # psycopg 3 is async too (no asyncpg)
            "AIRFLOW__CORE__AUTH_MANAGER": "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": ",".join(f"{u}:admin" for u in USERS),  # both may do anything…
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
            "AIRFLOW__API__BASE_URL": base,
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{base}/execution/",  # for the scheduler's workers
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__API_AUTH__JWT_SECRET": "reportpack-test-secret-not-for-production",
            "AIRFLOW_CONN_REPORTPACK_SMTP": json.dumps(
                {
                    "conn_type": "smtp",
                    "host": "127.0.0.1",
                    "port": mailbox.port,
                    "extra": {"disable_ssl": True, "disable_tls": True, "from_email": "reportpack@bank.example"},
                }
            ),
            "REPORTPACK_OUTPUT_DIR": str(out),
            "REPORTPACK_WAREHOUSE_URL": f"sqlite:///{warehouse}",
        }
        migrate = subprocess.run([BIN / "airflow", "db", "migrate"], env=env, capture_output=True, text=True, timeout=600)
        assert migrate.returncode == 0, migrate.stdout[-3000:] + migrate.stderr[-3000:]
        # the render batches' pool, as `make airflow-db` and the compose file's init make it: without
        # it the scheduler never starts a batch ("Tasks using non-existent pool … will not be scheduled")
        pool = [BIN / "airflow", "pools", "set", "reportpack_render", "2", "ReportPack render batches at once"]
        subprocess.run(pool, env=env, check=True, capture_output=True, timeout=300)
        log = (home / "api-server.log").open("w")
        server = subprocess.Popen(
            [BIN / "airflow", "api-server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.time() + 180
            while True:
                try:
                    if httpx.get(f"{base}/api/v2/monitor/health", timeout=5).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert server.poll() is None and time.time() < deadline, (home / "api-server.log").read_text()[-3000:]
                time.sleep(1)
            yield base, env, out, f"sqlite:///{warehouse}"
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()  # reaped (see the daemons of the reload test)
            log.close()


def _token(base: str, user: str) -> dict:
    r = httpx.post(f"{base}/auth/token", json={"username": user, "password": USERS[user]}, timeout=30)
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


@pytest.fixture
def start_run(airflow, tmp_path):
    """Start ``reportpack airflow-run --review`` (it builds the pack, then waits for the owners'
    answer); whatever a test leaves running is stopped when it ends, so a failed test never leaves a
    request for the next one to answer."""
    base, env, out, warehouse = airflow
    started = []

    def start() -> subprocess.Popen:
        cmd = [BIN / "reportpack", "airflow-run", "--review", "--period", "2023H1", "--pack", "outlet_summaries"]
        cmd += ["--url", warehouse, "--output", str(out)]
        log = tmp_path / f"run-{len(started)}.log"  # a file: a pipe nobody reads would fill up and stop the run
        with log.open("w") as sink:
            run = subprocess.Popen(cmd, env=env, stdout=sink, stderr=subprocess.STDOUT, text=True, start_new_session=True)
        run.log, run.started = log, time.time()
        started.append(run)
        return run

    yield start
    for run in started:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()


def _waiting_request(base: str, headers: dict, run: subprocess.Popen) -> dict:
    """The review request of the run, once its review task waits for an answer."""
    deadline = time.time() + 600
    while time.time() < deadline:
        assert run.poll() is None, run.log.read_text("utf-8")[-5000:]
        r = httpx.get(f"{base}/api/v2/dags/{DAG}/dagRuns/~/hitlDetails", headers=headers, timeout=30)
        assert r.status_code == 200, r.text
        waiting = [
            d
            for d in r.json()["hitl_details"]
            if not d["response_received"] and datetime.fromisoformat(d["created_at"]).timestamp() >= run.started
        ]
        # answered only once the task has paused for input, as a person would: a response that lands
        # in the ~100 ms between the request being written and the task pausing is never seen by
        # `airflow dags test` (Airflow 3.3.2; its loop then waits forever — seen once in CI)
        if waiting and "Waiting for Human-in-the-loop input" in run.log.read_text("utf-8"):
            (request,) = waiting
            return request
        time.sleep(2)
    raise AssertionError("the run never asked for a review")


def _answer(base: str, user: str, request: dict, option: str, reason: str = "") -> httpx.Response:
    return _answer_dag(base, DAG, request, option, reason, user)


def _answer_dag(base: str, dag: str, request: dict, option: str, reason: str = "", user: str = "wangfang") -> httpx.Response:
    ti = request["task_instance"]
    url = f"{base}/api/v2/dags/{dag}/dagRuns/{ti['dag_run_id']}/taskInstances/{ti['task_id']}/-1/hitlDetails"
    return httpx.patch(
        url, headers=_token(base, user), json={"chosen_options": [option], "params_input": {"reason": reason}}, timeout=30
    )


def _finish(run: subprocess.Popen) -> str:
    run.wait(timeout=600)
    output = run.log.read_text("utf-8")
    assert run.returncode == 0, output[-5000:]
    return output


def _stored(warehouse: str) -> list[tuple]:
    engine = create_engine(warehouse)
    with engine.connect() as conn:
        rows = conn.execute(text("select unit_id, indicator, target from plan_target where period = '2023H2' order by 1, 2"))
        stored = [tuple(r) for r in rows]
    engine.dispose()
    return stored


def test_an_owner_approves_through_the_api_server_and_another_user_is_refused(airflow, mailbox, start_run):
    base, env, out, warehouse = airflow
    owner = _token(base, "wangfang")
    before = _stored(warehouse)  # the next period's targets as the warehouse holds them
    run = start_run()
    request = _waiting_request(base, owner, run)
    link = f"{base}/reportpack/2023H1/v1/"
    assert request["subject"] == "请审批：2023年上半年报告包 v1（25份文稿）"
    assert link in request["body"] and "网点工作总结 22份" in request["body"]
    (mail,) = mailbox.to("wangfang@bank.example")  # the owner is told, once, by mail
    assert mail["Subject"] == request["subject"] and mail["From"] == "reportpack@bank.example"
    assert link in _html(mail) and "/required_actions" in _html(mail)
    assert request["assigned_users"] == [{"id": "wangfang", "name": "王芳"}]
    assert request["options"] == ["批准定稿", "退回修改"]
    version = out / "2023H1" / "v1"
    assert pack.read_manifest(version)["approval"]["status"] == "pending" and _stored(warehouse) == before

    # the plugin serves the packs inside Airflow, to signed-in users only
    assert httpx.get(link, timeout=30).status_code == 401
    page = httpx.get(link, headers=owner, timeout=30)
    assert page.status_code == 200 and "待王芳在 Airflow 中批准或退回" in page.text
    listing = httpx.get(f"{base}/reportpack/", headers=owner, timeout=30).text
    assert "2023年上半年" in listing and 'href="2023H1/v1/"' in listing and "待审批" in listing
    assert httpx.get(f"{link}changes.json", headers=owner, timeout=30).json() == []
    assert httpx.get(f"{base}/reportpack/2023H1/v1.zip", headers=owner, timeout=30).content[:2] == b"PK"
    assert httpx.get(f"{link}..%2F..%2F..%2Fwarehouse.sqlite", headers=owner, timeout=30).status_code == 404

    refused = _answer(base, "lisi", request, "批准定稿")  # an admin, but not the pack's owner
    assert refused.status_code == 403 and "not a respondent" in refused.text
    assert pack.read_manifest(version)["approval"]["status"] == "pending"

    accepted = _answer(base, "wangfang", request, "批准定稿")
    assert accepted.status_code == 200, accepted.text
    output = _finish(run)
    assert "Pack published:" in output and "approval: approved by 王芳" in output
    m = pack.read_manifest(version)
    assert m["approval"]["status"] == "approved" and m["approval"]["by"] == {"id": "wangfang", "name": "王芳"}
    csv = publish_targets.read_csv(version / "targets.csv")  # what the approved version set, now in the warehouse
    assert m["targets"]["stored"] is True and _stored(warehouse) == sorted(zip(csv.unit_id, csv.indicator, csv.target))
    assert len(csv) == m["targets"]["rows"] > 22
    assert "已批准（王芳" in httpx.get(link, headers=owner, timeout=30).text


def test_a_failed_run_mails_the_engineers_its_first_error_line(airflow, mailbox, tmp_path):
    base, env, out, warehouse = airflow
    broken = tmp_path / "broken.sqlite"
    shutil.copyfile(warehouse.removeprefix("sqlite:///"), broken)
    engine = create_engine(f"sqlite:///{broken}")
    with engine.begin() as conn:
        conn.execute(
            text(
                "update daily_balance set corporate_deposit = -100 where unit_id = 'BR01-S001-O00001' and biz_date = '2023-03-01'"
            )
        )
    engine.dispose()
    before = pack.versions(out / "2023H1")
    cmd = [BIN / "reportpack", "airflow-run", "--period", "2023H1", "--pack", "outlet_summaries"]
    proc = subprocess.run(
        [*cmd, "--url", f"sqlite:///{broken}", "--output", str(out)], env=env, capture_output=True, text=True, timeout=900
    )
    assert proc.returncode != 0 and pack.versions(out / "2023H1") == before  # nothing published
    (mail,) = [m for m in mailbox.to("data-team@bank.example") if "reportpack_outlet_summaries" in m["Subject"]]
    assert mail["Subject"] == "ReportPack 运行失败：reportpack_outlet_summaries 2023H1（check_source）"
    body = _html(mail)
    assert "AirflowFailException" in body and "daily_balance" in body and "没有发布任何新版本" in body
    assert f"{base}/dags/reportpack_outlet_summaries/runs/" in body
    assert all("运行失败" not in m["Subject"] for m in mailbox.to("wangfang@bank.example", timeout=0))  # not the owners


def _daemon(env: dict, log: Path, *args: str) -> subprocess.Popen:
    with log.open("w") as sink:
        return subprocess.Popen([BIN / "airflow", *args], env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)


def test_a_warehouse_reload_re_triggers_the_pack_of_the_period_it_completes(airflow, tmp_path):
    """Data-aware scheduling, live: a scheduler and a dag-processor join the api-server; the bank's
    loader reports a reload of June 2023 as an event of the asset ``reportpack_warehouse`` (REST);
    the monthly pack's DAG runs for 2023-06 on its own, publishes, and asks its owner, who sends it
    back with a reason."""
    base, env, out, warehouse = airflow
    owner = _token(base, "wangfang")
    daemons = [
        _daemon(env, tmp_path / "scheduler.log", "scheduler"),
        _daemon(env, tmp_path / "dag-processor.log", "dag-processor"),
    ]
    try:
        checks, dag = "reportpack_monthly_brief", "reportpack_monthly_brief_publish"
        # unpausing the checks DAG also starts its newest scheduled run (last month, which the sample
        # warehouse does not hold: it fails, as it should); the reload's run waits for it
        for name in (checks, dag):
            deadline = time.time() + 180  # the dag-processor has parsed the DAGs
            while httpx.get(f"{base}/api/v2/dags/{name}", headers=owner, timeout=30).status_code != 200:
                assert time.time() < deadline, (tmp_path / "dag-processor.log").read_text()[-3000:]
                time.sleep(2)
            r = httpx.patch(f"{base}/api/v2/dags/{name}", headers=owner, json={"is_paused": False}, timeout=30)
            assert r.status_code == 200, r.text
        (asset,) = httpx.get(
            f"{base}/api/v2/assets", params={"name_pattern": "reportpack_warehouse"}, headers=owner, timeout=30
        ).json()["assets"]
        assert {d["dag_id"] for d in asset["scheduled_dags"]} >= {checks, "reportpack_half_year"}
        r = httpx.post(
            f"{base}/api/v2/assets/events",
            headers=owner,
            json={"asset_id": asset["id"], "extra": {"period": "2023-06"}},
            timeout=30,
        )
        assert r.status_code == 200, r.text
        deadline = time.time() + 600
        request = None
        while request is None and time.time() < deadline:
            details = httpx.get(f"{base}/api/v2/dags/{dag}/dagRuns/~/hitlDetails", headers=owner, timeout=30).json()[
                "hitl_details"
            ]
            request = next((d for d in details if not d["response_received"]), None)
            assert all(p.poll() is None for p in daemons), (tmp_path / "scheduler.log").read_text()[-3000:]
            time.sleep(2)
        assert request is not None, (tmp_path / "scheduler.log").read_text()[-3000:]
        run_id = request["task_instance"]["dag_run_id"]
        assert run_id.startswith("asset_triggered__")  # started by the validated data, not the clock
        runs = httpx.get(f"{base}/api/v2/dags/{checks}/dagRuns", headers=owner, timeout=30).json()["dag_runs"]
        assert [r["state"] for r in runs if r["run_type"] == "asset_triggered"] == ["success"]  # the reload's checks
        events = httpx.get(f"{base}/api/v2/assets/events", params={"source_dag_id": checks}, headers=owner, timeout=30).json()[
            "asset_events"
        ]
        # the checks announced June's validated data as an asset of its own: the event that started this run
        assert [(e["name"], e["extra"]["period"]) for e in events] == [("reportpack_monthly_brief_2023-06_validated", "2023-06")]
        assert request["subject"] == "请审批：2023年6月报告包 v1（3份文稿）"
        # the owner sends it back: the option and the reason reach the version through the REST API
        # (what a rejection then does — a draft, no targets stored — test_pipeline checks in process)
        assert _answer_dag(base, dag, request, "退回修改", reason="存款数据待核实").status_code == 200
        # a deadline of its own: the wait for the request above may have used most of its 600 s on a
        # loaded machine (a clean clone's .ci/run found the run still "running" with its time spent)
        deadline = time.time() + 300
        state = None
        while time.time() < deadline:
            state = httpx.get(f"{base}/api/v2/dags/{dag}/dagRuns/{run_id}", headers=owner, timeout=30).json()["state"]
            if state in ("success", "failed"):
                break
            time.sleep(2)
        assert state == "success", (state, (tmp_path / "scheduler.log").read_text()[-3000:])
        m = pack.read_manifest(out / "2023-06" / "v1")
        assert m["pack"] == "monthly_brief" and m["approval"]["status"] == "rejected"
        assert m["approval"]["reason"] == "存款数据待核实" and m["approval"]["by"] == {"id": "wangfang", "name": "王芳"}
        assert "已退回（王芳" in (out / "2023-06" / "v1" / "index.html").read_text("utf-8")
    finally:
        for p in daemons:
            os.killpg(p.pid, signal.SIGTERM)
        for p in daemons:
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:  # (a slow scheduler) forced, and reaped: a process left
                os.killpg(p.pid, signal.SIGKILL)  # unwaited fails the test with a ResourceWarning at
                p.wait()  # its garbage collection (a clean clone's .ci/run did)
