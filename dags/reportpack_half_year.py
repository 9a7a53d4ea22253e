"""
### ReportPack — half-year pack of summaries and plans

Every half year, after the month-end data has landed (2 January and 2 July, 06:00 Beijing time),
build the pack for the half that just ended — the documents of the pack definition
(`templates/packs/<pack>.yaml`: by default the seven kinds of the seed, 营业经理履职总结 … 保密工作方案)
and a compilation per sub-branch — published to `REPORTPACK_OUTPUT_DIR/<period>` with a manifest.
Publishing also stores the targets the plans set for the next half in the warehouse (`plan_target`).

Trigger with `{"period": "2023H1"}` to (re)build a given half year, `{"pack": "outlet_summaries"}`
for another pack definition. The warehouse is the
connection `reportpack_warehouse` if defined, else `REPORTPACK_WAREHOUSE_URL`.
Only an unreachable warehouse is retried. The warehouse's rows are checked where they live, at their
own grain (`check_source`: the suites in `expectations/source/`), before anything is extracted; the
extracted tables are checked again (`validate`). A validation failure fails the run at once and
publishes nothing; the offending rows are in the run folder's `quarantine/` (`quarantine/source/`).
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import CronTriggerTimetable, ExceptionRetryPolicy, Param, RetryAction, RetryRule, dag, task

# Only an unreachable warehouse is worth retrying; bad data, a template error or a bug fail at once.
TRANSIENT = RetryRule(
    exception=[
        "reportpack.errors.WarehouseUnreachable",
        "sqlalchemy.exc.OperationalError",
        "sqlalchemy.exc.InterfaceError",
        "builtins.ConnectionError",
        "builtins.TimeoutError",
    ],
    action=RetryAction.RETRY,
    reason="warehouse unreachable",
)


@dag(
    dag_id="reportpack_half_year",
    schedule=CronTriggerTimetable("0 6 2 1,7 *", timezone="Asia/Shanghai"),
    start_date=pendulum.datetime(2023, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    tags=["reportpack", "half-year"],
    default_args={
        "owner": "reportpack",
        "retries": 2,
        "retry_delay": timedelta(minutes=5),
        "retry_policy": ExceptionRetryPolicy(rules=[TRANSIENT], default=RetryAction.FAIL),
    },
    params={
        "period": Param(None, type=["null", "string"], description="e.g. 2023H1; empty = the half that just ended"),
        "pdf": Param(False, type="boolean", description="also write PDF renditions with LibreOffice"),
        "pack": Param("half_year", type="string", description="pack definition: templates/packs/<name>.yaml"),
    },
    doc_md=__doc__,
)
def reportpack_half_year():
    @task
    def plan(params=None, logical_date=None, run_id=None) -> dict:
        from reportpack import pipeline, settings
        from reportpack.airflow_support import warehouse_url
        from reportpack.periods import BANK_TIMEZONE, Period

        s = settings.load()
        local_day = logical_date.astimezone(pendulum.timezone(BANK_TIMEZONE)).date()  # the bank's calendar
        label = params.get("period") or Period.last_half_before(local_day).label
        return pipeline.start(s, label, run_id, warehouse_url(s), pack_name=params.get("pack") or pipeline.DEFAULT_PACK).ref()

    @task  # retried only while the warehouse is unreachable: bad rows fail at once
    def check_source(run: dict) -> dict:
        """The source-grain suites (expectations/source/), run in the warehouse before extraction."""
        from reportpack.airflow_support import run_validation_phase

        return run_validation_phase("check_source", run)

    @task
    def extract(run: dict) -> dict:
        from reportpack import pipeline, settings

        pipeline.extract(settings.load(), pipeline.Run.from_ref(run))
        return run

    @task(retries=0)  # bad data does not get better by retrying
    def validate(run: dict) -> dict:
        from reportpack.airflow_support import run_validation_phase

        return run_validation_phase("validate", run)

    @task
    def derive(run: dict) -> dict:
        from reportpack import pipeline, settings

        pipeline.derive(settings.load(), pipeline.Run.from_ref(run))
        return run

    @task
    def render(run: dict, params=None) -> dict:
        from reportpack import pipeline, settings

        pipeline.render(settings.load(), pipeline.Run.from_ref(run), pdf=bool(params.get("pdf")))
        return run

    @task
    def publish(run: dict) -> str:
        from reportpack import pipeline, settings

        path = pipeline.publish(settings.load(), pipeline.Run.from_ref(run))
        print(f"Pack published: {path}")
        return str(path)

    publish(render(derive(validate(extract(check_source(plan()))))))


reportpack_half_year()
