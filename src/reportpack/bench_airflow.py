"""The pack through Airflow, measured (``reportpack bench``'s ``airflow`` key): docker-compose.yaml's
services as local processes (``reportpack.cluster``) with the LocalExecutor, and with the
CeleryExecutor and one or two workers, on a PostgreSQL warehouse of ``outlets`` outlets — against
``reportpack pack`` on a copy of the same warehouse, measured in the same run.

For each: the wall time from the trigger of the checks DAG to the end of the publish task (the
owner's answer, which comes after, is not the pipeline's time), the task instances created, each
batch's seconds, the share of the wall time in which no task of the pack was running (scheduling,
queueing, task start: Airflow's overhead between tasks), and the peak memory of each worker (the
proportional set size of its process tree: the task processes and LibreOffice included; the
scheduler's tree for the LocalExecutor).
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

from reportpack.cluster import Cluster

CHECKS, PUBLISH = "reportpack_half_year", "reportpack_half_year_publish"
# name → (executor, Celery workers); each Celery worker runs one task at a time (concurrency 1), so
# the workers are the parallelism, as machines would be
CONFIGS = {"local": ("LocalExecutor", 0), "celery_1_worker": ("CeleryExecutor", 1), "celery_2_workers": ("CeleryExecutor", 2)}
BROKER = "redis://127.0.0.1:6379/12"


def measure(root: Path, outlets: int, server: str, configs: dict = CONFIGS) -> dict:
    """Every configuration on a fresh copy of one seeded warehouse, and ``reportpack pack`` on another."""
    from reportpack.warehouse.load import write
    from reportpack.warehouse.sample import SampleSpec, generate

    seeded = database(server, f"reportpack_bench_af_{outlets}")
    try:
        write(generate(SampleSpec(outlets=outlets)), seeded, progress=False)
        result: dict = {"outlets": outlets, "cli_wall_s": _cli(root, database(server, "reportpack_bench_af_cli", seeded))}
        for name, (executor, workers) in configs.items():
            warehouse = database(server, "reportpack_bench_af_wh", seeded)
            metadata = database(server, "reportpack_bench_af_meta")
            result[name] = _through_airflow(root, metadata, warehouse, executor, workers)
            result[name]["vs_cli"] = result[name]["wall_s"] / result["cli_wall_s"]
    finally:
        for name in (
            f"reportpack_bench_af_{outlets}",
            "reportpack_bench_af_cli",
            "reportpack_bench_af_wh",
            "reportpack_bench_af_meta",
        ):
            drop_database(server, name)
    return result


def database(server: str, name: str, template: str | None = None) -> str:
    """A new database ``name`` on ``server`` (a copy of ``template``'s database when given)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    drop_database(server, name)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    copy = f' template "{make_url(template).database}"' if template else ""
    with admin.connect() as conn:
        conn.execute(text(f'create database "{name}"{copy}'))
    admin.dispose()
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def drop_database(server: str, name: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'drop database if exists "{name}" with (force)'))
    admin.dispose()


def _cli(root: Path, warehouse: str) -> float:
    """``reportpack pack``'s wall time on ``warehouse``: the same pack in one process."""
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        cli = Path(sys.executable).with_name("reportpack")
        subprocess.run([cli, "pack", "--period", "2023H1", "--url", warehouse, "--output", out], check=True, capture_output=True)
        return time.perf_counter() - started


def _through_airflow(root: Path, metadata: str, warehouse: str, executor: str, workers: int) -> dict:
    import redis

    redis.Redis.from_url(BROKER).flushdb()
    variables = {
        "POSTGRES_USER": "postgres",
        "WAREHOUSE_USER": "postgres",
        "AIRFLOW_WORKER_CONCURRENCY": "1",
        "REPORTPACK_RENDER_SLOTS": "2",  # the cores of this machine
    }
    with tempfile.TemporaryDirectory() as tmp:
        cluster = Cluster(
            root, Path(tmp) / "airflow", Path(tmp) / "packs", metadata, warehouse, BROKER, workers, executor, variables
        )
        cluster.init()
        with cluster:
            cluster.start()
            cluster.unpause(CHECKS, PUBLISH)
            watch = _Memory(cluster, [k for k in cluster.processes if k.startswith("airflow-worker")] or ["airflow-scheduler"])
            started = time.time()
            checks = cluster.trigger(CHECKS, {"period": "2023H1"})
            cluster.wait(CHECKS, checks, timeout=7200)
            publishing = _publish_run(cluster, timeout=14400)
            watch.stop()
            tis = cluster.task_instances(CHECKS, checks) + cluster.task_instances(PUBLISH, publishing)
    return _summary(tis, started, watch.peaks)


def _publish_run(cluster: Cluster, timeout: float) -> str:
    """The publish run, once its publish task is done (then the owner's review waits: answered, so
    the run ends cleanly)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        cluster.check_alive()
        for run in cluster.runs(PUBLISH):
            if run["state"] == "failed":
                raise RuntimeError(f"{PUBLISH} failed:\n{cluster.failures(PUBLISH, run['dag_run_id'])}")
            states = {t["task_id"]: t["state"] for t in cluster.task_instances(PUBLISH, run["dag_run_id"])}
            if states.get("publish") == "success":
                return run["dag_run_id"]
        time.sleep(2)
    raise RuntimeError(f"{PUBLISH}: not published in {timeout:.0f} s")


def _summary(tis: list[dict], started: float, peaks: dict[str, float]) -> dict:
    def at(stamp: str) -> float:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()

    ran = [
        t for t in tis if t["start_date"] and t["end_date"] and t["task_id"] not in ("ask_owners", "review", "record_decision")
    ]
    end = max(at(t["end_date"]) for t in ran if t["task_id"] == "publish")
    intervals = sorted((at(t["start_date"]), at(t["end_date"])) for t in ran)
    busy, reach = 0.0, started
    for begin, finish in intervals:  # the union of the task instances' runs
        begin = max(begin, reach)
        if finish > begin:
            busy += finish - begin
            reach = finish
    wall = end - started
    batches = [t["duration"] for t in ran if t["task_id"] == "batch"]
    tasks: dict[str, float] = {}
    for t in ran:
        if t["task_id"] != "batch":
            tasks[t["task_id"]] = round(tasks.get(t["task_id"], 0) + t["duration"], 1)
    return {
        "wall_s": wall,
        "task_instances": len(tis),
        "batches": len(batches),
        "batch_s": {"mean": sum(batches) / len(batches), "max": max(batches), "each": [round(b, 1) for b in batches]},
        "task_s": tasks,
        "idle_share": 1 - busy / wall,
        "peak_pss_mb": {k: round(v) for k, v in peaks.items()},
        "hosts": sorted({t["hostname"] for t in ran if t["task_id"] == "batch"}),
    }


class _Memory:
    """The peak memory of each of ``keys``' process trees (proportional set size, summed), sampled
    every second."""

    def __init__(self, cluster: Cluster, keys: list[str]) -> None:
        self.cluster, self.keys = cluster, keys
        self.peaks = dict.fromkeys(keys, 0.0)
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _sample(self) -> None:
        import psutil

        while not self.done.wait(1.0):
            for key in self.keys:
                try:
                    root = psutil.Process(self.cluster.processes[key].pid)
                    tree = [root, *root.children(recursive=True)]
                except psutil.NoSuchProcess:
                    continue
                pss = 0  # proportional: the pages forked processes share are counted once in all
                for p in tree:
                    with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):  # one that ended meanwhile
                        pss += p.memory_full_info().pss
                self.peaks[key] = max(self.peaks[key], pss / 2**20)

    def stop(self) -> None:
        self.done.set()
        self.thread.join()


def table(results: dict) -> list[str]:
    """The printed lines of the ``airflow`` results."""
    lines = ["", "through Airflow (docker-compose.yaml's services as local processes; wall: trigger → published):"]
    lines.append(
        f"{'outlets':>8} {'config':<17} {'wall s':>8} {'× pack':>7} {'TIs':>5} {'batches':>8} {'batch s':>14} {'idle':>6}  peak PSS MB"
    )
    for r in results:
        lines.append(f"{r['outlets']:>8} {'reportpack pack':<17} {r['cli_wall_s']:>8.1f}")
        for name in CONFIGS:
            if name in r:
                m = r[name]
                batch = f"{m['batch_s']['mean']:.1f} (≤{m['batch_s']['max']:.1f})"
                rss = ", ".join(f"{k.removeprefix('airflow-')} {v}" for k, v in m["peak_pss_mb"].items())
                lines.append(
                    f"{'':>8} {name:<17} {m['wall_s']:>8.1f} {m['vs_cli']:>6.2f}× {m['task_instances']:>5} {m['batches']:>8} "
                    f"{batch:>14} {m['idle_share']:>6.0%}  {rss}"
                )
    return lines


if __name__ == "__main__":  # python -m reportpack.bench_airflow OUTLETS [SERVER]: one size, printed as JSON
    from reportpack.bench import DEFAULT_SERVER

    size = int(sys.argv[1])
    found = measure(Path(__file__).resolve().parents[2], size, sys.argv[2] if len(sys.argv) > 2 else DEFAULT_SERVER)
    print(json.dumps(found, ensure_ascii=False))
