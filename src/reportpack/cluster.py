"""docker-compose.yaml's Airflow, run as processes on this machine: the integration test and the
bench start the services the compose file defines (api-server, scheduler, dag-processor, triggerer,
Celery workers) with the environment it gives them, read from the file — its host names and paths
mapped to local ones — so what is tested is what the compose file deploys.

Only what Docker would do differently is changed: the databases and Redis are the local servers
(PostgreSQL and Redis on 127.0.0.1), the container paths are this checkout and private folders,
and each process gets ports of its own (in Docker each container has its own network namespace).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

COMPOSE_FILE = "docker-compose.yaml"
# compose service → what it runs; the integration test starts each of these
SERVICES = (
    "airflow-init",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
)
_VARIABLE = re.compile(r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?-)(?P<default>[^}]*))?\}")


def interpolate(value: str, variables: Mapping[str, str]) -> str:
    """Compose's interpolation of ``value``: ``${VAR}``, ``${VAR:-default}``, ``${VAR-default}``,
    ``$$`` for a literal ``$`` (https://docs.docker.com/reference/compose-file/interpolation/)."""

    def one(m: re.Match) -> str:
        if m.group(0) == "$$":
            return "$"
        name, op, default = m.group("name"), m.group("op"), m.group("default")
        found = variables.get(name)
        if op == ":-" and not found:
            return default
        if op == "-" and found is None:
            return default
        return found or ""

    return _VARIABLE.sub(one, value)


def load(path: Path, variables: Mapping[str, str]) -> dict:
    """The compose file with its variables interpolated (as ``docker compose config`` would)."""

    def walk(node):
        if isinstance(node, str):
            return interpolate(node, variables)
        if isinstance(node, list):
            return [walk(n) for n in node]
        if isinstance(node, dict):
            return {k: walk(v) for k, v in node.items()}
        return node

    return walk(yaml.safe_load(path.read_text("utf-8")))


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: "" if v is None else str(v) for k, v in env.items()}


def command(service: dict) -> list[str]:
    cmd = service["command"]
    return cmd if isinstance(cmd, list) else ["bash", "-c", cmd]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Cluster:
    """The compose file's Airflow as local processes; a context manager that stops every process it
    started (by process group) when it ends.

    ``metadata``, ``warehouse``: SQLAlchemy URLs of local PostgreSQL databases standing for the
    services ``postgres`` and ``warehouse``; ``broker``: a local Redis URL standing for ``redis``;
    ``variables``: what ``.env`` would set (the compose file's own defaults otherwise)."""

    root: Path
    home: Path
    output: Path
    metadata: str
    warehouse: str
    broker: str
    workers: int = 2
    executor: str = "CeleryExecutor"
    variables: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    tokens: dict[str, dict[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        # a Celery queue of this cluster's own: a worker another cluster left running on the same
        # broker (a killed test run) cannot take its tasks (it listens to its own queue)
        self.queue = f"reportpack_{self.port}_{os.getpid()}"
        # a cluster on this machine (tests, the bench) is a developer's own: its development secrets are accepted
        self.compose = load(self.root / COMPOSE_FILE, {"REPORTPACK_DEVELOPMENT": "1", **self.variables})
        self.logs = self.home / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)

    # -- the environment -------------------------------------------------------------------------

    def localize(self, text: str) -> str:
        """A value of the compose file with its container host names and paths mapped to this machine's."""
        from sqlalchemy.engine import make_url

        def netloc(url: str) -> str:
            u = make_url(url)
            return f"{u.host}:{u.port or 5432}/{u.database}"

        replacements = {
            "@postgres:5432/airflow": "@" + netloc(self.metadata),
            "@warehouse:5432/warehouse": "@" + netloc(self.warehouse),
            "redis://redis:6379/0": self.broker,
            "http://airflow-apiserver:8080": self.base,
            "/opt/reportpack/output": str(self.output),
            "/opt/reportpack": str(self.root),
            "/opt/airflow": str(self.home),
        }
        for container, local in replacements.items():
            text = text.replace(container, local)
        return text

    def env(self, service: str, **extra: str) -> dict[str, str]:
        """The environment of ``service`` as the compose file gives it, localized; plus what a
        container would have from the image (AIRFLOW_HOME, PATH) and ``extra``."""
        given = {k: self.localize(v) for k, v in environment(self.compose["services"][service]).items()}
        given["AIRFLOW__CORE__EXECUTOR"] = self.executor
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "REPORTPACK_"))}
        return {
            **env,
            "AIRFLOW_HOME": str(self.home),
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            **given,
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(self.port),
            "AIRFLOW__OPERATORS__DEFAULT_QUEUE": self.queue,
            **extra,
        }

    # -- the processes ---------------------------------------------------------------------------

    def init(self) -> None:
        """The compose file's ``airflow-init``: the metadata migrated, the pool made, the warehouse
        seeded when empty."""
        cmd = [self.localize(c) for c in command(self.compose["services"]["airflow-init"])]
        done = subprocess.run(cmd, env=self.env("airflow-init"), capture_output=True, text=True, timeout=1200)
        if done.returncode:
            raise RuntimeError(f"airflow-init failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")

    def start(self) -> None:
        """Every long-running Airflow service, ``workers`` Celery workers (none with another executor)."""
        services = ["airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer"]
        for name in services:
            extra = {}
            if name == "airflow-scheduler":
                extra["AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT"] = str(free_port())
            if name == "airflow-triggerer":
                extra["AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT"] = str(free_port())
            self._spawn(name, name, [], extra)
        if self.executor == "CeleryExecutor":
            for n in range(1, self.workers + 1):
                # in Docker each worker is a container with a host name of its own
                extra = {
                    "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
                    "AIRFLOW__CORE__HOSTNAME_CALLABLE": "reportpack.cluster.worker_hostname",
                    "REPORTPACK_WORKER_NAME": f"worker{n}",
                }
                self._spawn(f"airflow-worker-{n}", "airflow-worker", ["--celery-hostname", f"worker{n}@%h"], extra)
        self.wait_healthy()

    def _spawn(self, key: str, service: str, args: list[str], extra: dict[str, str]) -> None:
        cmd = [self.localize(c) for c in command(self.compose["services"][service])] + args
        if cmd[:2] == ["bash", "-c"] and args:
            cmd = ["bash", "-c", cmd[2] + " " + " ".join(args)]
        log = (self.logs / f"{key}.log").open("w")
        self.processes[key] = subprocess.Popen(
            cmd, env=self.env(service, **extra), stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=self.home
        )
        log.close()

    def wait_healthy(self, timeout: float = 240) -> None:
        import httpx

        deadline = time.time() + timeout
        while True:
            self.check_alive()
            try:
                if httpx.get(f"{self.base}/api/v2/monitor/health", timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.time() > deadline:
                raise RuntimeError(f"the api-server did not answer in {timeout:.0f} s:\n{self.log('airflow-apiserver')}")
            time.sleep(1)

    def check_alive(self) -> None:
        for key, proc in self.processes.items():
            if proc.poll() is not None:
                raise RuntimeError(f"{key} exited with {proc.returncode}:\n{self.log(key)}")

    def log(self, key: str, tail: int = 4000) -> str:
        path = self.logs / f"{key}.log"
        return path.read_text("utf-8", errors="replace")[-tail:] if path.exists() else ""

    def stop(self) -> None:
        """Stop every process started (SIGTERM to its group, SIGKILL after 30 s)."""
        for proc in self.processes.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.time() + 30
        for proc in self.processes.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        for proc in self.processes.values():  # a child that outlived its leader (a LibreOffice, a task)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- the REST API ----------------------------------------------------------------------------

    def passwords(self) -> dict[str, str]:
        path = Path(self.env("airflow-apiserver")["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"])
        return json.loads(path.read_text("utf-8"))

    def headers(self, user: str = "admin") -> dict[str, str]:
        import httpx

        if user in self.tokens:
            return self.tokens[user]
        r = httpx.post(f"{self.base}/auth/token", json={"username": user, "password": self.passwords()[user]}, timeout=30)
        r.raise_for_status()
        self.tokens[user] = {"Authorization": f"Bearer {r.json()['access_token']}"}
        return self.tokens[user]

    def api(self, method: str, path: str, user: str = "admin", **kwargs):
        import httpx

        r = httpx.request(method, f"{self.base}/api/v2/{path}", headers=self.headers(user), timeout=60, **kwargs)
        if r.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {r.status_code} {r.text[:2000]}")
        return r.json()

    def trigger(self, dag_id: str, conf: dict) -> str:
        """Trigger ``dag_id``; the run id."""
        return self.api("POST", f"dags/{dag_id}/dagRuns", json={"logical_date": None, "conf": conf})["dag_run_id"]

    def unpause(self, *dag_ids: str, timeout: float = 300) -> None:
        """Unpause ``dag_ids`` (the compose file pauses new DAGs), once the dag-processor has parsed them."""
        deadline = time.time() + timeout
        for dag_id in dag_ids:
            while True:
                self.check_alive()
                try:
                    self.api("PATCH", f"dags/{dag_id}", json={"is_paused": False})
                    break
                except RuntimeError as exc:
                    if " 404 " not in str(exc) or time.time() > deadline:
                        raise
                time.sleep(2)

    def fail_scheduled(self, dag_id: str, timeout: float = 30) -> None:
        """Mark failed, as an operator would, the run the scheduler makes when ``dag_id`` is unpaused
        (its latest scheduled period: here today's, which a sample warehouse holds no data for); it
        would hold the DAG (one active run at a time) for the half minute its tasks take to fail."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            self.check_alive()
            scheduled = [r for r in self.runs(dag_id) if r["run_type"] == "scheduled"]
            for run in scheduled:
                if run["state"] in ("queued", "running"):
                    self.api("PATCH", f"dags/{dag_id}/dagRuns/{run['dag_run_id']}", json={"state": "failed"})
            if scheduled:
                return
            time.sleep(1)

    def runs(self, dag_id: str) -> list[dict]:
        try:
            return self.api("GET", f"dags/{dag_id}/dagRuns")["dag_runs"]
        except RuntimeError as exc:
            if "404" in str(exc):
                return []
            raise

    def wait(self, dag_id: str, run_id: str | None = None, timeout: float = 1800, until=("success",)) -> dict:
        """The run (the newest when ``run_id`` is None) once its state is one of ``until``; a failed
        run raises, naming its failed tasks."""
        deadline = time.time() + timeout
        while True:
            self.check_alive()
            runs = [r for r in self.runs(dag_id) if run_id is None or r["dag_run_id"] == run_id]
            run = max(runs, key=lambda r: r["queued_at"] or "", default=None)
            if run is not None and run["state"] in until:
                return run
            if run is not None and run["state"] == "failed":
                raise RuntimeError(f"{dag_id} {run['dag_run_id']} failed:\n{self.failures(dag_id, run['dag_run_id'])}")
            if time.time() > deadline:
                raise RuntimeError(f"{dag_id}: no run reached {until} in {timeout:.0f} s (last: {run})")
            time.sleep(2)

    def failures(self, dag_id: str, run_id: str) -> str:
        """Each failed task of the run with the error its log ends with."""
        lines = []
        for t in self.task_instances(dag_id, run_id):
            if t["state"] != "failed":
                continue
            folder = self.home / "logs" / f"dag_id={dag_id}" / f"run_id={run_id}" / f"task_id={t['task_id']}"
            if t["map_index"] >= 0:
                folder = folder / f"map_index={t['map_index']}"
            log = folder / f"attempt={t['try_number']}.log"
            errors = [line for line in log.read_text("utf-8").splitlines() if '"level":"error"' in line] if log.exists() else []
            lines.append(f"{t['task_id']}[{t['map_index']}] on {t['hostname']}: {errors[-1][:1500] if errors else log}")
        return "\n".join(lines)

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        return self.api("GET", f"dags/{dag_id}/dagRuns/{run_id}/taskInstances", params={"limit": 1000})["task_instances"]


def worker_hostname() -> str:
    """The host name a local Celery worker records on its task instances (``[core] hostname_callable``):
    in Docker each worker container has its own; here they share the machine's, so each is named."""
    return os.environ.get("REPORTPACK_WORKER_NAME") or socket.getfqdn()
