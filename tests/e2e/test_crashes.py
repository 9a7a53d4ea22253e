"""Crashes and concurrent runs (issue #16, findings 5 and 6): two runs of a period never share a
folder or publish over each other; SIGTERM stops a run and its children. (A publication killed at
each of its steps: test_interruptions.py.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from reportpack import pipeline
from reportpack.cli import main
from reportpack.publish import pack
from reportpack.run import PeriodBusy, period_lock
from tests.conftest import AIRFLOW_HOME

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
PACK = "outlet_summaries"  # the smallest pack that sets targets


def _targets(url: str, period: str = "2023H2") -> list[tuple]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("select unit_id, indicator, target, source from plan_target where period = :p order by 1, 2"), {"p": period}
        ).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def test_a_second_run_of_a_period_is_refused_naming_the_first_and_the_lock_dies_with_its_holder(warehouse, make_settings):
    settings = make_settings(warehouse)
    code = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from reportpack.run import period_lock
        with period_lock(Path({str(settings.output_dir)!r}), "2023H1", "first-run"):
            print("holding", flush=True)
            time.sleep(300)
        """
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        with pytest.raises(PeriodBusy, match=rf"period 2023H1 is being built by run first-run \(process {holder.pid} on "):
            pipeline.run_all(settings, "2023H1", pack_name=PACK)
        with period_lock(settings.output_dir, "2023H2", "other"):  # another period is not held
            pass
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    # free once its holder died (SIGKILL: never blocks, it is taken or refused); re-entered by its holder
    with period_lock(settings.output_dir, "2023H1", "second-run"), period_lock(settings.output_dir, "2023H1", "second-run"):
        pass
    assert not (settings.output_dir / "2023H1").exists()  # the refused run wrote nothing


def test_run_ids_are_unique_however_fast_runs_start(monkeypatch, make_settings, warehouse):
    monkeypatch.setattr(pipeline, "now", lambda: "2026-12-02T00:00:00Z")  # every run in the same second
    settings = make_settings(warehouse)
    ids = {pipeline.new_run_id() for _ in range(1000)}
    assert len(ids) == 1000
    folders = {pipeline.start(settings, "2023H1", run_id, pack_name=PACK).folder for run_id in list(ids)[:2]}
    assert len(folders) == 2 and all(json.loads((f / "run.json").read_text())["run_id"] in ids for f in folders)


def test_a_period_that_has_not_ended_is_refused(make_settings, warehouse):
    from reportpack.errors import InputError
    from reportpack.periods import Period, bank_today

    current = Period.containing("half", bank_today()).label
    with pytest.raises(InputError, match=rf"period {current} has not ended .*its figures are not final"):
        pipeline.start(make_settings(warehouse), current, "r", pack_name=PACK)
    assert not Path(make_settings(warehouse).output_dir / ".runs").exists()


def _wait_for(found, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not found():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def _session_gone(pid: int, seconds: float = 30) -> bool:
    """Whether every process of the session ``pid`` led has ended."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        alive = [p for p in Path("/proc").iterdir() if p.name.isdigit() and _session_of(p) == pid]
        if not alive:
            return True
        time.sleep(0.2)
    return False


def _session_of(proc: Path) -> int | None:
    try:
        fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[3]) if fields[0] != "Z" else None  # session id (zombies have ended)


@pytest.mark.parametrize("command", ["pack", pytest.param("airflow-run", marks=pytest.mark.xdist_group(AIRFLOW_HOME))])
def test_sigterm_stops_the_command_and_its_children_publishes_nothing_and_a_rerun_starts_afresh(
    command, monkeypatch, warehouse, make_settings
):
    """Issue #16, finding 7: SIGTERM to ``reportpack airflow-run`` left ``airflow dags test`` running,
    and it still published. Now the command stops its children (LibreOffice, render workers, Airflow
    and its tasks) and says nothing was published."""
    settings = make_settings(warehouse)
    env = {
        **os.environ,
        "REPORTPACK_WAREHOUSE_URL": warehouse,
        "REPORTPACK_OUTPUT_DIR": str(settings.output_dir),
        "REPORTPACK_INPUT_DIR": str(settings.input_dir),
        "REPORTPACK_WORKERS": "2",
    }
    cli = str(Path(sys.executable).with_name("reportpack"))
    proc = subprocess.Popen(
        [cli, command, "--period", "2023H1", "--pack", PACK],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # well into the run: extracted (the pack command) or inside Airflow's task (airflow-run)
        _wait_for(lambda: any(settings.output_dir.glob(".runs/*/data/*")))
        proc.send_signal(subprocess.signal.SIGTERM)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, subprocess.signal.SIGKILL)
            proc.communicate()
    assert proc.returncode == 143, err[-3000:]
    assert "interrupted; nothing was published" in err
    assert _session_gone(proc.pid), "a child of the command is still running"
    time.sleep(2)  # had a child outlived it, this is when it would publish
    assert pack.latest(settings.output_dir, "2023H1") is None
    with period_lock(settings.output_dir, "2023H1", "after"):  # released
        pass
    # a rerun starts afresh and publishes (through Airflow too: the interrupted DAG run is not in its
    # way); in this process, on the same environment (no interpreter to start)
    for name in ("REPORTPACK_WAREHOUSE_URL", "REPORTPACK_OUTPUT_DIR", "REPORTPACK_INPUT_DIR", "REPORTPACK_WORKERS"):
        monkeypatch.setenv(name, env[name])
    assert main([command, "--period", "2023H1", "--pack", PACK]) == 0
    assert pack.latest(settings.output_dir, "2023H1").name == "v1"


def test_a_period_built_before_the_previous_one_published_its_targets_says_so(warehouse, make_settings):
    """Finding 6: 2023H1 and 2023H2 run together published 2023H2 with no period targets and no
    warning. Runs of two periods do not share state, but the later one reads the targets the earlier
    one publishes: without them validation warns (each document's 数据质量说明 quotes the warning:
    the table-level branch of _macros.j2's quality_note)."""
    settings = make_settings(warehouse)
    run = pipeline.start(settings, "2023H2", pipeline.new_run_id(), pack_name=PACK)  # 2023H1 never published here
    for phase in (pipeline.check_source, pipeline.extract, pipeline.validate):
        phase(settings, run)
    validation = run.state.validation
    assert validation.status == "passed with warnings"
    (warning,) = [w for w in validation.warnings if w.suite == "period_targets"]
    assert warning.expectation == "expect_table_row_count_to_be_between" and warning.units == []
