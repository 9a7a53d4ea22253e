"""In Airflow the warehouse is the connection reportpack_warehouse; without it, the environment."""

import json
from datetime import date

import pytest

from reportpack import settings
from reportpack.airflow_support import warehouse_url


@pytest.mark.parametrize(
    "conn,url",
    [
        ('{"conn_type": "generic", "extra": {"sqlalchemy_url": "sqlite:////data/w.sqlite"}}', "sqlite:////data/w.sqlite"),
        ("postgres://reporter:secret-pw@db.bank:5432/dw", "postgresql+psycopg://reporter:secret-pw@db.bank:5432/dw"),
    ],
)
def test_the_connection_wins(monkeypatch, conn, url):
    monkeypatch.setenv("AIRFLOW_CONN_REPORTPACK_WAREHOUSE", conn)
    assert warehouse_url(settings.load({"REPORTPACK_WAREHOUSE_URL": "sqlite:////elsewhere.sqlite"})) == url


def test_without_the_connection_the_environment_decides(monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_REPORTPACK_WAREHOUSE", raising=False)
    assert (
        warehouse_url(settings.load({"REPORTPACK_WAREHOUSE_URL": "sqlite:////elsewhere.sqlite"})) == "sqlite:////elsewhere.sqlite"
    )


def test_a_warehouse_reload_rebuilds_the_period_it_completes():
    from datetime import date

    import pytest

    from reportpack.airflow_support import reloaded_period

    june = [{"period": "2023-06"}]
    today = date(2023, 7, 3)
    assert reloaded_period("month", june, today) == "2023-06"
    assert reloaded_period("quarter", june, today) == "2023Q2"
    assert reloaded_period("half", june, today) == "2023H1"
    assert reloaded_period("year", june, today) is None  # 2023 has not ended: nothing to rebuild yet
    assert reloaded_period("year", june, date(2024, 1, 2)) == "2023"
    assert reloaded_period("half", [{"through": "2023-03-31"}, {"period": "2022-12"}], today) == "2023H1"  # the newest
    assert reloaded_period("half", [], today) is None
    with pytest.raises(ValueError, match=r"extra \{'tables': \['daily_balance'\]\}: say what was loaded"):
        reloaded_period("half", [{"tables": ["daily_balance"]}], today)


def _validated(folder, *, status="passed", period="2023-06", pack="monthly_brief", failed=None, data=True, **extra):
    """A run folder as the checks DAG leaves it: its state, and its extracted data with their fingerprint."""
    import pandas as pd

    from reportpack.extract import save_frames
    from reportpack.publish.pack import tree_sha256
    from reportpack.run import Failure, RunState, ValidationLayer, ValidationState, write_state

    folder.mkdir(exist_ok=True)
    frames = {"outlets": pd.DataFrame({"unit_id": ["O1", "O2"], "name": ["解放路", "滨河路"]})}
    if data:
        save_frames(frames, folder / "data")
    critical = ["outlet_balances: balance is null (3 rows)"] if status == "failed" else []
    layer = ValidationLayer(status=status, expectations={}, warnings=[], critical=critical, quarantine=None)
    write_state(
        folder,
        RunState(
            run_id="r",
            started_at="t",
            pack=pack,
            period=period,
            inputs=[],
            validation=ValidationState.of({"extracted": layer}),
            data_files_sha256=tree_sha256(folder / "data") if data else "0" * 64,
            failed=Failure(phase="render", exit_code=4, message="boom") if failed else None,
            **extra,
        ),
    )
    return folder


def test_the_publish_dag_takes_the_validated_run_from_its_parameters_or_the_asset_event(tmp_path):
    from reportpack.airflow_support import validated_run
    from reportpack.run import RunState, write_state

    folder = tmp_path / "2023-06-manual"
    folder.mkdir()
    write_state(folder, RunState(run_id="r", started_at="t", pack="monthly_brief", period="2023-06", inputs=[]))
    with pytest.raises(ValueError, match="not a validated run"):  # extracted, perhaps, but never validated
        validated_run(str(folder), "2023-06", [], "sqlite:///w", "monthly_brief")
    _validated(folder)
    url = "postgresql+psycopg://reporter:S3cr3t-pw@db.example/warehouse"
    ref = {
        "folder": str(folder),
        "period": "2023-06",
        "as_of": None,
        "warehouse": "postgresql+psycopg://reporter:***@db.example/warehouse",
    }
    assert validated_run(str(folder), "2023-06", [], url, "monthly_brief") == ref  # no password: it becomes an XCom
    events = [{"run_folder": "/elsewhere", "period": "2023-05"}, {"run_folder": str(folder), "period": "2023-06"}]
    assert validated_run(None, None, events, url, "monthly_brief") == ref  # the newest event
    with pytest.raises(ValueError, match="no validated run to publish"):
        validated_run(None, None, [], "sqlite:///w", "monthly_brief")
    # a provisional run: its as-of date travels with it (Run.from_ref cuts the period again)
    _validated(folder, period="2023H2", as_of="2023-09-30")
    assert validated_run(str(folder), "2023H2", [], url, "monthly_brief")["as_of"] == "2023-09-30"


@pytest.mark.parametrize(
    ("made", "asked", "says"),
    [
        # issue #33: a run that failed a critical rule was published as latest
        ({"status": "failed"}, {}, r"failed validation \(1 critical: outlet_balances: balance is null"),
        ({"failed": True}, {}, "stopped in its render phase"),
        # a 2023H1 run published as 2023H2: June's figures printed as 截至12月末
        ({"period": "2023H1"}, {"period": "2023H2"}, "a run of period 2023H1, not of 2023H2"),
        ({"period": None}, {}, r"a run of period \(none recorded\), not of 2023-06"),
        ({"pack": "half_year"}, {}, "a run of pack half_year, not of monthly_brief"),
        ({"data": False}, {}, "not the data it validated"),
    ],
)
def test_publish_refuses_a_run_that_is_not_validated_and_passed_for_this_period_and_pack(tmp_path, made, asked, says):
    from reportpack.airflow_support import validated_run

    folder = _validated(tmp_path / "run", **made)
    with pytest.raises(ValueError, match=says):
        validated_run(str(folder), asked.get("period", "2023-06"), [], "sqlite:///w", "monthly_brief")


def test_publish_refuses_data_changed_after_validation(tmp_path):
    import pandas as pd

    from reportpack.airflow_support import validated_run
    from reportpack.extract import save_frames

    folder = _validated(tmp_path / "run")
    save_frames({"outlets": pd.DataFrame({"unit_id": ["O1", "O2"], "name": ["解放路", "滨河路（改）"]})}, folder / "data")
    with pytest.raises(ValueError, match="not the data it validated"):
        validated_run(str(folder), "2023-06", [], "sqlite:///w", "monthly_brief")


def test_workers_come_from_the_environment_default_one_per_core_and_a_bad_value_is_named():
    import os

    import pytest

    from reportpack.errors import InputError

    assert settings.load({"REPORTPACK_WORKERS": "3"}).workers == 3
    assert settings.load({}).workers == (os.cpu_count() or 1)
    for bad in ("0", "two", "-1"):
        with pytest.raises(InputError, match=f"REPORTPACK_WORKERS '{bad}'"):
            settings.load({"REPORTPACK_WORKERS": bad})


def test_a_run_reference_holds_no_password_and_a_task_on_another_warehouse_is_refused(tmp_path):
    from reportpack.errors import InputError
    from reportpack.periods import Period
    from reportpack.run import Run
    from reportpack.settings import redact, secrets

    url = "postgresql+psycopg://reporter:S3cr3t-pw@db.example/warehouse?sslpassword=K3y-pw"
    run = Run(tmp_path, Period.parse("2023H1"), url)
    assert "S3cr3t" not in json.dumps(run.ref()) and "K3y" not in json.dumps(run.ref())
    assert redact(url) == "postgresql+psycopg://reporter:***@db.example/warehouse?sslpassword=%2A%2A%2A"
    assert set(secrets(url)) == {"S3cr3t-pw", "K3y-pw", url} and secrets("sqlite:///w.sqlite") == []
    assert Run.from_ref(run.ref(), url) == run  # the task resolved the same warehouse
    provisional = Run(tmp_path, Period.parse("2023H2").until(date(2023, 9, 30)), url)
    assert provisional.ref()["as_of"] == "2023-09-30" and Run.from_ref(provisional.ref(), url) == provisional
    with pytest.raises(InputError, match=r"started on warehouse postgresql\+psycopg://reporter:\*\*\*@db.example"):
        Run.from_ref(run.ref(), "postgresql+psycopg://reporter:S3cr3t-pw@other.example/warehouse")
