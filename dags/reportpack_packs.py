"""
### ReportPack — two DAGs per pack definition (`templates/packs/<pack>.yaml`)

**`reportpack_<pack>`** (checks) runs at the pack definition's cadence (`cadence`: month, quarter,
half or year; 06:00 Beijing time on the 2nd of the month after the period, once the month-end data
has landed) and whenever the bank's loader posts an event of the asset `reportpack_warehouse` (extra
`{"period": "2023-06"}` or `{"through": "2023-06-30"}`: the period of the DAG's cadence that the
(re)load completes is rebuilt). It checks the warehouse's rows where they live (`check_source`:
`expectations/source/`), extracts, validates the extracted tables (`validate`), and announces the
period's validated data as an asset of its own (`reportpack://<pack>/<period>/validated`, through the
alias `reportpack_<pack>_validated`). A validation failure fails the run at once; the offending rows
are in the run folder's `quarantine/`.

**`reportpack_<pack>_publish`** is scheduled on that asset: it derives the figures, cuts the pack into
batches of whole sub-branches (`plan_batches`; `REPORTPACK_BATCH_OUTLETS` outlets or more each), renders each
batch as a mapped task that any worker may run (`batch`, at most the pool `reportpack_render`'s slots
at once: the documents — for `reportpack_half_year` the seven kinds of the seed and a compilation per
sub-branch; for `reportpack_monthly_brief` a 月度经营简报 per sub-branch — and the compilations, their
目录 numbered by LibreOffice's layout), gathers them once every batch is done (`collect`; PDFs with
`{"pdf": true}`) and publishes the period's next version
`REPORTPACK_OUTPUT_DIR/<period>/v<n>` (`latest` points at it) with a manifest, a changes report and
an index page. Then the pack's owners (`review.owners`, by Airflow user name) are asked to approve or
reject it (**Required Actions**; only they may answer): approval makes the version final and writes
the next period's targets into the warehouse (`plan_target`); rejection keeps it a draft, with the
reason. Owners are mailed when a version awaits them, engineers (`review.engineers`) when a task
fails for good, through the connection `reportpack_smtp` when it exists. `{"review": false}`
publishes unattended (recorded as such) — `make pack` does. A run waiting for an answer holds the
DAG (one active run at a time).

Trigger the checks DAG with `{"period": "2023H1"}` (a label of its cadence) to rebuild a period;
with `{"period": "2023H2", "as_of": "2023-09-30"}` for a provisional pack of a period not yet over
(its months ended by that month end; every document marked 临时版; no targets stored); backfill
with `airflow backfill create --dag-id reportpack_<pack> --from-date … --to-date …`. The warehouse
is the connection `reportpack_warehouse` if defined, else `REPORTPACK_WAREHOUSE_URL`; only an
unreachable warehouse is retried.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pendulum
from airflow.providers.standard.operators.hitl import HITLOperator
from airflow.sdk import (
    Asset,
    AssetAlias,
    AssetOrTimeSchedule,
    CronTriggerTimetable,
    ExceptionRetryPolicy,
    Param,
    RetryAction,
    RetryRule,
    dag,
    task,
)

from reportpack.airflow_support import WAREHOUSE_ASSET
from reportpack.notify import PackMail
from reportpack.owner import packdef
from reportpack.periods import EXAMPLE_LABELS, LABEL_PATTERNS, SCHEDULES

# The pack definitions beside this folder, read at parse time (files only: no database, no connection).
TEMPLATES = Path(__file__).resolve().parents[1] / "templates"

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
# Another run of the period holds its lock (reportpack.run.period_lock): this one waits its turn.
BUSY = RetryRule(
    exception=["reportpack.run.PeriodBusy"], action=RetryAction.RETRY, reason="another run of the period is publishing"
)
# No task runs for ever: a hung query or a stuck worker fails the task (a 20,000-outlet pack's longest
# task, source validation, takes minutes; templates have their own budget, render.templating).
TASK_TIMEOUT = timedelta(hours=2)
REVIEW_TIMEOUT = timedelta(days=30)  # the owners' answer; after it the review fails and the version stays pending
# Render batches at once across every worker (an Airflow pool: `airflow pools set reportpack_render 4 …`,
# made by `make airflow-db` and the compose file's init service).
RENDER_POOL = "reportpack_render"
APPROVE, REJECT = "批准定稿", "退回修改"  # = reportpack.airflow_support.APPROVE / REJECT
# The warehouse as an Airflow asset: the bank's loader posts an event when it (re)loads data, with
# extra {"period": "2023-06"} or {"through": "2023-06-30"}; every pack whose period that completes runs.
WAREHOUSE = Asset(name=WAREHOUSE_ASSET, uri="reportpack://warehouse")


def common(definition: packdef.PackDefinition) -> dict:
    """What both DAGs of a pack share: start, no catch-up, one active run, tags, task defaults, docs."""
    return {
        "start_date": pendulum.datetime(2023, 1, 1, tz="Asia/Shanghai"),
        "catchup": False,
        "max_active_runs": 1,
        "tags": ["reportpack", definition.cadence, definition.name],
        "default_args": default_args(definition),
        "doc_md": __doc__,
    }


def default_args(definition: packdef.PackDefinition) -> dict:
    return {
        "owner": "reportpack",
        "retries": 2,
        "retry_delay": timedelta(minutes=5),
        "retry_policy": ExceptionRetryPolicy(rules=[TRANSIENT, BUSY], default=RetryAction.FAIL),
        "execution_timeout": TASK_TIMEOUT,
        # the engineers hear of a task that failed for good (after its retries), with the first error line
        "on_failure_callback": PackMail("mail/run_failed.html.j2", [e.email for e in definition.engineers]),
    }


def checks_dag(definition: packdef.PackDefinition, validated: AssetAlias):
    """``reportpack_<pack>``: which period, then the warehouse checked, extracted and validated; the
    period's validated data is announced as an asset (``validated``), which starts the publish DAG."""

    @dag(
        dag_id=f"reportpack_{definition.name}",
        schedule=AssetOrTimeSchedule(
            timetable=CronTriggerTimetable(SCHEDULES[definition.cadence], timezone="Asia/Shanghai"), assets=WAREHOUSE
        ),
        **common(definition),
        params={
            "period": Param(
                None,
                type=["null", "string"],
                pattern=LABEL_PATTERNS[definition.cadence],
                description=f"a {definition.cadence} such as {EXAMPLE_LABELS[definition.cadence]}; empty = the one that just ended",
            ),
            "as_of": Param(
                None,
                type=["null", "string"],
                format="date",
                description="a provisional pack of a period not yet over: its data cut at this month end (empty = final)",
            ),
        },
    )
    def checks():
        @task
        def plan(params=None, logical_date=None, run_id=None, triggering_asset_events=None, dag_run=None) -> dict:
            """Which period: the ``period`` parameter; else, for a run the warehouse's asset event
            started, the period of this cadence the (re)load completes; else the one that just ended."""
            from airflow.sdk.exceptions import AirflowSkipException

            from reportpack import pipeline, settings
            from reportpack.airflow_support import reloaded_period, warehouse_url
            from reportpack.periods import BANK_TIMEZONE, Period

            s = settings.load()
            when = logical_date or dag_run.run_after  # an asset-triggered run has no logical date
            local_day = when.astimezone(pendulum.timezone(BANK_TIMEZONE)).date()  # the bank's calendar
            events = [e.extra or {} for evs in (triggering_asset_events or {}).values() for e in evs]
            label = params.get("period")
            if not label and events:
                label = reloaded_period(definition.cadence, events, local_day)
                if label is None:
                    raise AirflowSkipException(f"the warehouse load {events} completes no {definition.cadence} yet")
                print(f"warehouse reloaded ({events}): rebuilding {label}")
            label = label or Period.last_before(definition.cadence, local_day).label
            as_of = date.fromisoformat(params["as_of"]) if params.get("as_of") else None
            return pipeline.start(s, label, run_id, warehouse_url(s), pack_name=definition.name, as_of=as_of).ref()

        @task  # retried only while the warehouse is unreachable: bad rows fail at once
        def check_source(run: dict) -> dict:
            """The source-grain suites (expectations/source/), run in the warehouse before extraction."""
            from reportpack.airflow_support import run_validation_phase

            return run_validation_phase("check_source", run)

        @task
        def extract(run: dict) -> dict:
            from reportpack import pipeline, settings
            from reportpack.airflow_support import run_of

            pipeline.extract(settings.load(), run_of(run))
            return run

        @task(retries=0, outlets=[validated])  # bad data does not get better by retrying
        def validate(run: dict, outlet_events=None) -> dict:
            """Validate; then announce the period's validated data as an asset of its own
            (``reportpack://<pack>/<period>/validated``): the publish DAG is scheduled on it."""
            from reportpack.airflow_support import run_validation_phase

            run_validation_phase("validate", run)
            period = Asset(
                name=f"reportpack_{definition.name}_{run['period']}_validated",
                uri=f"reportpack://{definition.name}/{run['period']}/validated",
            )
            # the run folder, not the run reference: an asset event is stored, and the URL may hold a password
            outlet_events[validated].add(period, extra={"period": run["period"], "run_folder": run["folder"]})
            print(f"validated: {run['folder']}")
            return run

        validate(extract(check_source(plan())))

    return checks()


def publish_dag(definition: packdef.PackDefinition, validated: AssetAlias):
    """``reportpack_<pack>_publish``: scheduled on the period's validated data — figures derived,
    documents rendered, the version published, the owners asked."""

    @dag(
        dag_id=f"reportpack_{definition.name}_publish",
        schedule=validated,
        **common(definition),
        params={
            "run_folder": Param(None, type=["null", "string"], description="a validated run folder (set by the asset event)"),
            "period": Param(None, type=["null", "string"], description="its period (set by the asset event)"),
            "pdf": Param(False, type="boolean", description="also write PDF renditions with LibreOffice"),
            "review": Param(True, type="boolean", description="ask the pack's owners to approve (false: unattended)"),
        },
    )
    def publishing():
        @task
        def receive(params=None, triggering_asset_events=None) -> dict:
            """The validated run to publish: from the ``run_folder`` parameter, else from the newest
            event of the validated-data asset that started this run."""
            from reportpack import settings
            from reportpack.airflow_support import validated_run, warehouse_url

            events = [e.extra or {} for evs in (triggering_asset_events or {}).values() for e in evs]
            return validated_run(
                params.get("run_folder"), params.get("period"), events, warehouse_url(settings.load()), definition.name
            )

        @task
        def derive(run: dict) -> dict:
            from reportpack import pipeline, settings
            from reportpack.airflow_support import run_of

            pipeline.derive(settings.load(), run_of(run))
            return run

        @task
        def plan_batches(run: dict) -> list[int]:
            """Cut the pack into batches of whole sub-branches (``REPORTPACK_BATCH_OUTLETS`` outlets or
            more each) and render the bank's own documents; the batches are mapped below."""
            from reportpack import pipeline, settings
            from reportpack.airflow_support import run_of

            return pipeline.plan(settings.load(), run_of(run))

        @task(pool=RENDER_POOL, map_index_template="{{ batch_label }}")
        def batch(run: dict, n: int) -> dict:
            """One batch: its sub-branches' documents, then their compilations with the 目录 numbered by
            LibreOffice. Retried alone; the pack is published only once every batch is done."""
            from airflow.sdk import get_current_context

            from reportpack import pipeline, settings
            from reportpack.airflow_support import run_of

            done = pipeline.batch(settings.load(), run_of(run), n)
            get_current_context()["batch_label"] = f"{n + 1}: {done['first']}…{done['last']}"  # the grid's name for it
            return done

        @task
        def collect(run: dict, params=None) -> dict:
            """Every batch done: ``findings.json`` and the pack's list of files (PDFs when asked)."""
            from reportpack import pipeline, settings
            from reportpack.airflow_support import run_of

            pipeline.collect(settings.load(), run_of(run), pdf=bool(params.get("pdf")))
            return run

        @task
        def publish(run: dict, params=None) -> dict:
            from reportpack import pipeline, settings
            from reportpack.airflow_support import review_request, run_of

            review = bool(params.get("review"))
            path = pipeline.publish(settings.load(), run_of(run), review=review)
            print(f"Pack published: {path}")
            return {"path": str(path), "request": review_request(str(path)) if review else None}

        @task.short_circuit
        def ask_owners(published: dict) -> bool:
            """Skip the review when the run publishes unattended (``review: false``)."""
            return published["request"] is not None

        review = HITLOperator(
            task_id="review",
            subject="{{ ti.xcom_pull(task_ids='publish')['request']['subject'] }}",
            body="{{ ti.xcom_pull(task_ids='publish')['request']['body'] }}",
            options=[APPROVE, REJECT],
            params={"reason": Param("", type="string", title="理由", description="退回修改时请写明理由")},
            assigned_users=[{"id": o.id, "name": o.name} for o in definition.owners] or None,
            notifiers=[PackMail("mail/review_request.html.j2", [o.email for o in definition.owners if o.email])],
            response_timeout=REVIEW_TIMEOUT,  # waiting for the owners is not execution: TASK_TIMEOUT bounds the rest
        )

        @task
        def record_decision(published: dict, answer: dict) -> dict:
            from reportpack import settings
            from reportpack.airflow_support import record_answer, warehouse_url

            decided = record_answer(published["path"], answer, warehouse_url(settings.load()))
            print(f"{published['path']}: {decided['status']} by {decided['by']}")
            return decided

        derived = derive(receive())
        collected = collect(derived)
        batch.partial(run=derived).expand(n=plan_batches(derived)) >> collected
        published = publish(collected)
        ask_owners(published) >> review
        record_decision(published, review.output)

    return publishing()


for _definition in (packdef.load(p, TEMPLATES) for p in sorted((TEMPLATES / "packs").glob("*.yaml"))):
    _validated = AssetAlias(f"reportpack_{_definition.name}_validated")
    globals()[f"reportpack_{_definition.name}"] = checks_dag(_definition, _validated)
    globals()[f"reportpack_{_definition.name}_publish"] = publish_dag(_definition, _validated)
