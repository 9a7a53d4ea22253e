"""Glue used only inside Airflow tasks: the warehouse connection (``reportpack_warehouse``).

Imported lazily by the DAG's task bodies, never at parse time.
"""

from __future__ import annotations

from reportpack.settings import Settings, redact
from reportpack.settings import secrets as settings_secrets

CONN_ID = "reportpack_warehouse"
_SCHEMES = {"postgres": "postgresql+psycopg", "postgresql": "postgresql+psycopg"}


def warehouse_url(settings: Settings) -> str:
    """The SQLAlchemy URL of connection ``reportpack_warehouse``, else ``REPORTPACK_WAREHOUSE_URL``.

    The connection may carry the URL in its extra as ``{"sqlalchemy_url": "…"}``; otherwise its URI
    is used, with ``postgres://`` mapped to the psycopg driver.
    """
    from airflow.sdk import Connection
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        conn = Connection.get(CONN_ID)
    except AirflowNotFoundException:
        return _masked(settings.warehouse_url)
    explicit = conn.extra_dejson.get("sqlalchemy_url")
    if explicit:
        return _masked(explicit)
    uri = conn.get_uri()
    scheme, sep, rest = uri.partition("://")
    return _masked(f"{_SCHEMES.get(scheme, scheme)}{sep}{rest}")


def _masked(url: str) -> str:
    """``url``, its password now known to Airflow's secret masker: a log line that prints it shows
    ``***`` (a connection's own password is masked by Airflow; one in an extra or the environment is not)."""
    from airflow.sdk.log import mask_secret

    for secret in settings_secrets(url):
        mask_secret(secret)
    return url


def run_of(ref: dict):
    """The ``pipeline.Run`` a task was handed (``Run.ref``: no password), on the warehouse this task
    resolves — the connection, else the environment."""
    from reportpack import pipeline, settings

    return pipeline.Run.from_ref(ref, warehouse_url(settings.load()))


def run_validation_phase(name: str, run_ref: dict) -> dict:
    """Run the validation phase ``name`` of ``pipeline`` (``check_source`` or ``validate``): bad data
    or a warehouse without a table the pack reads fails the task at once (``AirflowFailException``: never retried); an unreachable warehouse
    raises as it is, for the DAG's retry policy."""
    from airflow.sdk.exceptions import AirflowFailException

    from reportpack import pipeline, settings
    from reportpack.errors import DataFailedValidation

    try:
        getattr(pipeline, name)(settings.load(), run_of(run_ref))
    except DataFailedValidation as exc:  # failed rules, a missing table or column: waiting will not fix them
        raise AirflowFailException(str(exc)) from exc
    return run_ref


# --- review by the pack's owners (#13) ------------------------------------------------------------

PAGES_PREFIX = "/reportpack"  # where plugins/reportpack_pages.py serves the packs inside Airflow


def pack_link(period: str, version: str) -> str | None:
    """The version's index page as served inside Airflow (``[api] base_url`` + the plugin's prefix)."""
    from airflow.configuration import conf

    base = conf.get("api", "base_url", fallback=None)
    return f"{base.rstrip('/')}{PAGES_PREFIX}/{period}/{version}/" if base else None


def review_request(version_dir: str) -> dict[str, str]:
    """Subject and body of the review request of a published version (``templates/review_request.md.j2``)."""
    from pathlib import Path

    from reportpack import settings
    from reportpack.publish import approval

    folder = Path(version_dir)
    return approval.request(folder, settings.load().templates_dir, pack_link(folder.parent.name, folder.name))


APPROVE, REJECT = "批准定稿", "退回修改"  # the options the owners choose from


def record_answer(version_dir: str, answer: dict, warehouse: str) -> dict:
    """Record the owner's answer (the review task's result: chosen_options, params_input,
    responded_by_user, responded_at) in the version's manifest."""
    from pathlib import Path

    from reportpack import settings
    from reportpack.publish import approval

    (chosen,) = answer["chosen_options"]
    at = answer.get("responded_at")
    return approval.record(
        Path(version_dir),
        approve=chosen == APPROVE,
        by=answer.get("responded_by_user") or {},
        at=at.isoformat() if hasattr(at, "isoformat") else str(at),
        reason=(answer.get("params_input") or {}).get("reason"),
        templates_dir=settings.load().templates_dir,
        warehouse_url=warehouse,
    )


# --- data-aware scheduling (#13) --------------------------------------------------------------------

WAREHOUSE_ASSET = "reportpack_warehouse"  # updated by the bank's loader: POST /api/v2/assets/events


def reloaded_period(cadence: str, extras: list[dict], today) -> str | None:
    """The period of ``cadence`` a warehouse (re)load calls for: the loader's asset events say what
    they loaded (``{"period": "2023-06"}`` or ``{"through": "2023-06-30"}``); the period of the
    DAG's cadence that holds the newest of them is rebuilt — once it has ended (a reload of June
    2023 rebuilds 2023-06, 2023Q2, 2023H1; the 2023 annual pack waits for the year to end).

    Returns ``None`` when the events name nothing this DAG reports yet (skip the run); raises
    ``ValueError`` naming the event when one says neither."""
    from datetime import date

    from reportpack.periods import Period

    days = []
    for extra in extras:
        if extra.get("period"):
            days.append(Period.parse(str(extra["period"])).end)
        elif extra.get("through"):
            days.append(date.fromisoformat(str(extra["through"])))
        else:
            raise ValueError(
                f"asset event of {WAREHOUSE_ASSET} with extra {extra!r}: say what was loaded, "
                '{"period": "2023-06"} or {"through": "2023-06-30"}'
            )
    if not days:
        return None
    period = Period.containing(cadence, max(days))
    return period.label if period.end < today else None


def validated_run(folder: str | None, period: str | None, events: list[dict], warehouse: str, pack: str) -> dict:
    """The run reference (``pipeline.Run.ref``) of the validated run a publish-DAG run of ``pack``
    publishes: ``folder``/``period`` given as parameters, else the newest asset event's.

    Nothing it is handed is trusted: the run folder's own record must say it was validated and
    passed (warnings allowed), stopped in no phase, is of this ``period`` and this ``pack``, and its
    extracted data must still be the data validated (their fingerprint). Raises ``ValueError``
    naming what did not match."""
    from pathlib import Path

    from reportpack.publish.pack import tree_sha256
    from reportpack.run import load_state

    if not folder:
        found = [e for e in events if e.get("run_folder")]
        if not found:
            raise ValueError("no validated run to publish: give run_folder and period, or let the checks DAG start this run")
        folder, period = found[-1]["run_folder"], found[-1].get("period")
    state = load_state(Path(folder))
    if state is None or state.validation is None or not period:
        raise ValueError(f"{folder}: not a validated run of ReportPack (period {period!r}); run the checks DAG first")
    refused = f"{folder}: not published"
    if state.validation.status == "failed":
        first = state.validation.critical[0] if state.validation.critical else "a critical expectation failed"
        raise ValueError(f"{refused}: its data failed validation ({len(state.validation.critical)} critical: {first})")
    if state.failed is not None:
        raise ValueError(f"{refused}: the run stopped in its {state.failed.phase} phase ({state.failed.message})")
    if state.period != period:
        raise ValueError(f"{refused}: it is a run of period {state.period or '(none recorded)'}, not of {period}")
    if state.pack != pack:
        raise ValueError(f"{refused}: it is a run of pack {state.pack}, not of {pack}")
    data = Path(folder) / "data"
    if state.data_files_sha256 is None or not data.is_dir() or tree_sha256(data) != state.data_files_sha256:
        raise ValueError(f"{refused}: its extracted data are not the data it validated (their fingerprint differs)")
    return {"folder": str(folder), "period": period, "as_of": state.as_of, "warehouse": redact(warehouse)}
