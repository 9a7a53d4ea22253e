"""``reportpack airflow-run``'s Airflow process: ``airflow dags test`` of a pack's checks DAG, then —
if it validated the period — of its publish DAG given the validated run folder, as the asset event
would in a deployment.

Both go through Airflow's own ``dags test`` command (its CLI parser and command function), in one
process: an Airflow process pays ~12 s before its first task runs (imports, the DAG bundle parsed
and synced, the in-process execution API built — cached per process), so two ``airflow dags test``
processes cost a run ~12 s more than this one (measured: `airflow-run --pack outlet_summaries` on
the sample, 47.5 s → 35 s).

Run as ``python -m reportpack.dags_test '<json>'`` by :func:`reportpack.cli.cmd_airflow_run`, in a
session of its own that the CLI stops whole on SIGTERM/Ctrl-C. Exit 0: both DAGs ran;
``CHECKS_FAILED`` or ``PUBLISH_FAILED``: which one did not (the CLI then says why, from the run
folder)."""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path

DAG_PREFIX = "reportpack_"  # dags/reportpack_packs.py: reportpack_<pack> (checks) and reportpack_<pack>_publish
CHECKS_FAILED, PUBLISH_FAILED = 3, 4


def validated_folder(runs: Path, label: str, since: float) -> Path | None:
    """The run folder the checks DAG just validated (newest of ``label`` since ``since``), if it did."""
    from reportpack.run import load_state

    folders = sorted((p for p in runs.glob(f"{label}-*") if p.stat().st_mtime >= since), key=lambda p: p.stat().st_mtime)
    state = load_state(folders[-1]) if folders else None
    if state is None or state.failed is not None or state.validation is None or "extracted" not in state.validation.layers:
        return None
    return folders[-1]


def _dags_test(parser, dag_id: str, *args: str) -> bool:
    """``airflow dags test <dag_id> <args>``, printed as typed; whether its DAG run succeeded."""
    argv = ["dags", "test", dag_id, *args]
    print("$ airflow " + " ".join(argv), flush=True)
    parsed = parser.parse_args(argv)
    try:
        parsed.func(parsed)
    except SystemExit as exc:  # "DagRun failed"
        print(exc, file=sys.stderr, flush=True)
        return False
    return True


_interrupted = False


def _interrupt(signum, frame):
    """SIGINT (the CLI stopping this run): stop here, and never start the publish DAG after it."""
    global _interrupted
    _interrupted = True
    raise KeyboardInterrupt


def main(argv: list[str]) -> int:
    (spec,) = argv
    signal.signal(signal.SIGINT, _interrupt)  # Airflow's in-process task runner leaves SIGINT alone
    job = json.loads(spec)  # pack, period, logical, as_of, pdf, review, runs, started
    from airflow.cli import cli_parser
    from airflow.configuration import write_default_airflow_configuration_if_needed

    parser = cli_parser.get_parser()
    write_default_airflow_configuration_if_needed()  # as `airflow`'s main does before a command
    conf = {"period": job["period"]} | ({"as_of": job["as_of"]} if job["as_of"] else {})
    if not _dags_test(parser, DAG_PREFIX + job["pack"], job["logical"], "--conf", json.dumps(conf)):
        return CHECKS_FAILED
    folder = validated_folder(Path(job["runs"]), job["period"], job["started"])
    if folder is None or _interrupted:  # an interruption a task took as its failure: the checks did not finish
        return CHECKS_FAILED
    conf = {"run_folder": str(folder), "period": job["period"], "pdf": job["pdf"], "review": job["review"]}
    return 0 if _dags_test(parser, DAG_PREFIX + job["pack"] + "_publish", "--conf", json.dumps(conf)) else PUBLISH_FAILED


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
