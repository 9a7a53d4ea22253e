"""Policy over every DAG in dags/: imports cleanly, tagged, retried, and touches no database,
connection or variable while being parsed."""

from pathlib import Path

import pytest
import sqlalchemy
from sqlalchemy import event

import reportpack.settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def parse_log():
    """DagBag over dags/ while recording every SQL statement and every Connection/Variable lookup."""
    import airflow.settings
    from airflow.dag_processing.dagbag import DagBag
    from airflow.sdk import Connection, Variable

    statements, lookups = [], []

    def on_sql(conn, cursor, statement, *args):
        statements.append(statement)

    def record(kind):
        return lambda *a, **k: lookups.append((kind, a))

    mp = pytest.MonkeyPatch()
    mp.setattr(Connection, "get", classmethod(record("connection")))
    mp.setattr(Variable, "get", staticmethod(record("variable")))
    mp.setattr(sqlalchemy, "create_engine", record("create_engine"))  # e.g. a warehouse engine
    mp.setattr(reportpack.settings, "load", record("settings"))  # environment read at parse time
    event.listen(airflow.settings.engine, "before_cursor_execute", on_sql)
    try:
        bag = DagBag(dag_folder=ROOT / "dags", safe_mode=False)
    finally:
        event.remove(airflow.settings.engine, "before_cursor_execute", on_sql)
        mp.undo()
    return bag, statements, lookups


def test_no_import_errors(parse_log):
    bag, _, _ = parse_log
    assert bag.import_errors == {}
    assert bag.dags, "no DAG found in dags/"


def test_parsing_touches_no_database_connection_or_variable(parse_log):
    _, statements, lookups = parse_log
    assert statements == []
    assert lookups == []


def test_every_dag_is_tagged_owned_retried_scheduled_and_documented(parse_log):
    bag, _, _ = parse_log
    for dag_id, dag in bag.dags.items():
        assert dag.tags, dag_id
        assert dag.doc_md, dag_id
        assert dag.catchup is False, dag_id
        assert dag.schedule is not None, dag_id
        for task in dag.tasks:
            assert task.owner == "reportpack", (dag_id, task.task_id)
            # issue #16: nothing runs for ever (the review waits for its owners apart, at most 30 days)
            assert task.execution_timeout is not None and task.execution_timeout.total_seconds() <= 4 * 3600, task.task_id
            if task.task_id == "review":
                assert task.response_timeout.days == 30
            if task.task_id == "validate":
                assert task.retries == 0  # a validation failure is never retried
            else:
                assert task.retries >= 1, (dag_id, task.task_id)
                # retries are for an unreachable warehouse only, never for bad data or bugs
                policy = task.retry_policy
                assert policy is not None and policy.default.value == "fail", (dag_id, task.task_id)
                assert policy.evaluate(ValueError("bad"), 1, 3).action.value == "fail"
                from sqlalchemy.exc import OperationalError

                assert policy.evaluate(OperationalError("s", {}, Exception()), 1, 3).action.value == "retry"
                from reportpack.run import PeriodBusy
                from reportpack.warehouse.schema import SchemaMismatch

                assert policy.evaluate(PeriodBusy("busy"), 1, 3).action.value == "retry"  # waits its turn
                assert policy.evaluate(SchemaMismatch("no table"), 1, 3).action.value == "fail"  # never comes by waiting


def test_two_dags_per_pack_definition_each_reading_as_the_flow(parse_log):
    bag, _, _ = parse_log
    packs = sorted(p.stem for p in (ROOT / "templates" / "packs").glob("*.yaml"))
    assert sorted(bag.dags) == sorted([f"reportpack_{n}" for n in packs] + [f"reportpack_{n}_publish" for n in packs])
    for name in packs:
        checks, publishing = bag.dags[f"reportpack_{name}"], bag.dags[f"reportpack_{name}_publish"]
        assert [t.task_id for t in checks.topological_sort()] == ["plan", "check_source", "extract", "validate"]
        order = [t.task_id for t in publishing.topological_sort()]
        assert order == [
            "receive",
            "derive",
            "plan_batches",
            "batch",
            "collect",
            "publish",
            "ask_owners",
            "review",
            "record_decision",
        ]
        # the batches: mapped over what plan returns, in the pool that caps them, collected before publishing
        batch = publishing.get_task("batch")
        assert batch.pool == "reportpack_render" and batch.upstream_task_ids == {"derive", "plan_batches"}
        assert type(batch).__name__ == "DecoratedMappedOperator" and publishing.get_task("collect").upstream_task_ids == {
            "derive",
            "batch",
        }
        assert {t.task_id for t in publishing.get_task("publish").downstream_list} == {"ask_owners", "record_decision"}
        assert publishing.get_task("review").upstream_task_ids == {"ask_owners"}
        # the publish DAG is scheduled on the validated data the checks DAG announces (one asset per period)
        (outlet,) = checks.get_task("validate").outlets
        assert outlet.name == f"reportpack_{name}_validated" and publishing.timetable.asset_condition.name == outlet.name


def test_only_the_packs_owners_may_answer_its_review(parse_log):
    from reportpack.owner import packdef

    bag, _, _ = parse_log
    for dag_id, dag in bag.dags.items():
        if not dag_id.endswith("_publish"):
            continue
        name = dag_id.removeprefix("reportpack_").removesuffix("_publish")
        definition = packdef.load(ROOT / "templates" / "packs" / f"{name}.yaml", ROOT / "templates")
        review = dag.get_task("review")
        assert review.assigned_users == [{"id": o.id, "name": o.name} for o in definition.owners] != []
        assert review.options == ["批准定稿", "退回修改"]


# --- What Airflow's plugin manager loads ----------------------------------------------------------

_PLUGIN_PROBE = """
import json, sys
from airflow import plugins_manager, settings
from airflow._shared.module_loading import find_path_from_directory
plugins_manager.ensure_plugins_loaded()
files = [f for f in find_path_from_directory(settings.PLUGINS_FOLDER, ".airflowignore") if f.endswith(".py")]
print(json.dumps({"folder": settings.PLUGINS_FOLDER, "errors": plugins_manager.get_import_errors(), "files": files}))
"""


@pytest.fixture(scope="module")
def plugin_load():
    """Airflow's own plugin manager, run in a fresh interpreter as the scheduler and each task do
    (it installs every file it imports into ``sys.modules``, so not in this test process)."""
    import json
    import os
    import subprocess
    import sys

    env = {**os.environ, "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins")}
    proc = subprocess.run([sys.executable, "-c", _PLUGIN_PROBE], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _third_party_top_level_names() -> set[str]:
    import importlib.metadata
    import sys

    return (set(importlib.metadata.packages_distributions()) | set(sys.stdlib_module_names)) - {"reportpack"}


def test_the_plugin_manager_reports_no_import_error(plugin_load):
    assert plugin_load["folder"] == str(ROOT / "plugins")
    assert plugin_load["errors"] == {}


def test_the_plugin_manager_imports_no_library_module(plugin_load):
    # Every .py file under plugins/ becomes a top-level module: the library must not be among them.
    library = ROOT / "src" / "reportpack"
    assert [f for f in plugin_load["files"] if "reportpack" in Path(f).parts] == []
    assert library.is_dir()


def test_no_plugin_file_shadows_an_installed_or_standard_module(plugin_load):
    shadowing = [f for f in plugin_load["files"] if Path(f).stem in _third_party_top_level_names()]
    assert shadowing == []


def test_no_library_module_is_named_after_a_dependency():
    # Not loaded by the plugin manager any more, but a module named like a dependency (docx.py)
    # would shadow it again the day someone puts src/ on sys.path or copies it into plugins/.
    taken = _third_party_top_level_names()
    named_like = [str(p.relative_to(ROOT)) for p in (ROOT / "src" / "reportpack").rglob("*.py") if p.stem in taken]
    assert named_like == []


def test_each_dag_runs_at_its_packs_cadence_and_takes_only_its_kind_of_period(parse_log):
    from airflow.sdk.exceptions import ParamValidationError

    from reportpack.periods import SCHEDULES

    bag, _, _ = parse_log
    cadences = {"reportpack_half_year": "half", "reportpack_outlet_summaries": "half", "reportpack_monthly_brief": "month"}
    good = {"half": "2023H1", "month": "2023-06"}
    for dag_id, cadence in cadences.items():
        dag = bag.dags[dag_id]
        # at its cadence, or when the bank's loader reports a (re)load of the warehouse
        assert dag.timetable.timetable.expression == SCHEDULES[cadence] and cadence in dag.tags
        assert dag.timetable.asset_condition.name == "reportpack_warehouse"
        period = dag.params.get_param("period")
        assert period.resolve(good[cadence]) == good[cadence] and period.resolve(None) is None
        for wrong in [v for k, v in good.items() if k != cadence] + ["2023H3", "23H1", "2023-13"]:
            with pytest.raises(ParamValidationError):
                period.resolve(wrong)
        as_of = dag.params.get_param("as_of")  # a provisional pack's month end: a date, or nothing (final)
        assert as_of.resolve("2023-09-30") == "2023-09-30" and as_of.resolve(None) is None
        with pytest.raises(ParamValidationError):
            as_of.resolve("30/09/2023")
