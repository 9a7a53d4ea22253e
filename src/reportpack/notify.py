"""Mail from the pack DAGs (#13): the owners when a version awaits their review, the engineers when
a run fails (with the first line of the error).

Sent through Airflow's SMTP provider (``SmtpNotifier``) over the connection ``reportpack_smtp``
(host, port, login; ``from_email`` in its extra). Without that connection nothing is sent and the
task log says so once — a machine with no mail server (``make pack``, a laptop) still runs. The
wording is in ``templates/mail/*.html.j2``: first line the subject, the rest the HTML body.

Imported by the DAG file at parse time (the notifiers are built with the DAG); nothing here touches
a connection or a file until a notification is sent.
"""

from __future__ import annotations

import logging

from airflow.sdk.bases.notifier import BaseNotifier

log = logging.getLogger(__name__)

CONN_ID = "reportpack_smtp"


class PackMail(BaseNotifier):
    """Mail ``template`` (under ``templates/``) to ``to``, with facts taken from the task's context."""

    def __init__(self, template: str, to: list[str]) -> None:
        super().__init__()
        self.template = template
        self.to = list(to)

    def notify(self, context) -> None:
        from airflow.providers.smtp.notifications.smtp import SmtpNotifier
        from airflow.sdk import Connection
        from airflow.sdk.exceptions import AirflowNotFoundException

        if not self.to:
            log.info("%s: nobody to mail (no e-mail addresses in the pack definition)", self.template)
            return
        try:
            Connection.get(CONN_ID)
        except AirflowNotFoundException:
            log.info("no Airflow connection %r: %s not mailed to %s", CONN_ID, self.template, ", ".join(self.to))
            return
        subject, html = render(self.template, facts(context))
        SmtpNotifier(to=self.to, subject=subject, html_content=html, smtp_conn_id=CONN_ID).notify(context)
        log.info("mailed %r to %s", subject, ", ".join(self.to))


def facts(context) -> dict:
    """What a mail may say about the run: DAG, run, task, period, the error's first line, the review
    request (from ``publish``'s result) and links into Airflow."""
    from airflow.configuration import conf

    ti = context.get("ti")
    dag_run = context.get("dag_run")
    dag_id = getattr(ti, "dag_id", None) or getattr(context.get("dag"), "dag_id", "")
    run_id = getattr(dag_run, "run_id", None) or getattr(ti, "run_id", "")
    task_id = getattr(ti, "task_id", "")
    base = (conf.get("api", "base_url", fallback="") or "").rstrip("/")
    published = _pulled(ti, "publish") or {}
    planned = _pulled(ti, "plan") or _pulled(ti, "receive") or {}  # the checks DAG, or the publish DAG
    planned = planned if isinstance(planned, dict) else {}
    error = context.get("exception")
    lines = [line.strip() for line in str(error or "").splitlines() if line.strip()]
    first_line = lines[0] if lines else ""
    if first_line.endswith(":") and len(lines) > 1:  # "2 critical expectation(s) failed:" — and the first of them
        first_line = f"{first_line} {lines[1]}"
    return {
        "dag_id": dag_id,
        "run_id": run_id,
        "task_id": task_id,
        "try_number": getattr(ti, "try_number", None),
        "period": planned.get("period") or (context.get("params") or {}).get("period") or "",
        "error": f"{type(error).__name__}: {first_line}" if error is not None else "",
        "request": published.get("request"),
        "pack_path": published.get("path"),
        "run_url": f"{base}/dags/{dag_id}/runs/{run_id}" if base else None,
        "task_url": f"{base}/dags/{dag_id}/runs/{run_id}/tasks/{task_id}" if base else None,
    }


def _pulled(ti, task_id: str):
    return ti.xcom_pull(task_ids=task_id) if ti is not None else None


def render(template: str, context: dict) -> tuple[str, str]:
    """(subject, HTML body) of a mail template."""
    from reportpack import settings
    from reportpack.render import templating

    text = templating.render(settings.load().templates_dir, template, context)
    subject, _, body = text.strip().partition("\n")
    return subject.strip(), body.strip()
