"""The command line fails like a tool: one exit code per kind of failure, a message naming what is
wrong, never a raw traceback for a user's mistake."""

from __future__ import annotations

import errno
import os
import shutil
from datetime import date
from pathlib import Path

import pytest

from reportpack import __version__
from reportpack.cli import default_period, main
from reportpack.errors import ExitCode
from tests.conftest import ROOT


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse: usage errors, --help, --version
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """A private copy of the templates (to break) with the real expectations."""
    home = tmp_path / "home"
    shutil.copytree(ROOT / "templates", home / "templates")
    (home / "expectations").symlink_to(ROOT / "expectations")
    monkeypatch.setenv("REPORTPACK_HOME", str(home))
    monkeypatch.setenv("REPORTPACK_OUTPUT_DIR", str(tmp_path / "out"))
    monkeypatch.setenv("REPORTPACK_INPUT_DIR", str(tmp_path / "inputs"))
    return home


def test_success_is_0(tmp_path, capsys):
    code, out, _ = _run(capsys, "seed", "--outlets", "4", "--url", f"sqlite:///{tmp_path / 'w.sqlite'}", "--no-progress")
    assert code == ExitCode.OK == 0
    assert "seeded" in out


@pytest.mark.slow  # renders documents
def test_data_that_fails_validation_is_1(warehouse, tmp_path, capsys):
    import sqlite3

    with sqlite3.connect(warehouse.removeprefix("sqlite:///")) as conn:
        conn.execute("delete from daily_balance where unit_id = 'BR01-S001-O00004' and biz_date = '2023-04-03'")
    code, _, err = _run(capsys, "pack", "--period", "2023H1", "--url", warehouse, "--output", str(tmp_path / "out"))
    assert code == ExitCode.DATA_FAILED_VALIDATION == 1
    assert "BR01-S001-O00004" in err and "nothing was published" in err and "Traceback" not in err
    assert not (tmp_path / "out" / "2023H1").exists()


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["pack", "--period", "2023H3"], "expected a label like 2023-06, 2023Q2, 2023H1 or 2023"),
        (
            ["pack", "--period", "2023H1", "--pack", "no_such_pack"],
            "no such pack definition (known: half_year, monthly_brief, outlet_summaries)",
        ),
        (["pack", "--period", "2023H1", "--url", "sqlite:////nonexistent/w.sqlite"], "no such SQLite file"),
        (["pack", "--period", "2023H1", "--url", "not a url"], "is not a SQLAlchemy URL"),
        (["seed", "--start", "2023-02-30"], "is not a date like 2023-06-30"),
        (["show", "--period", "2019H1"], "no pack published for 2019H1"),
        (["pack", "--no-such-option"], "unrecognized arguments: --no-such-option"),
    ],
)
def test_a_wrong_input_is_2_and_names_it(home, capsys, argv, says):
    code, _, err = _run(capsys, *argv)
    assert code == ExitCode.INPUT_WRONG == 2
    assert says in err
    assert "Traceback" not in err


@pytest.mark.slow  # renders documents
@pytest.mark.parametrize(
    ("file", "old", "new", "says"),
    [
        (
            "commentary.yaml",
            "category: 成效",
            "category: 成绩",
            "rule corporate_growth_first (line {line}): category: Input should be '成效'",
        ),
        (
            "targets.yaml",
            "better: higher",
            "better: more",
            "target rule corporate_growth_peers (line {line}): better: Input should be 'higher' or 'lower'",
        ),
        (
            "packs/half_year.yaml",
            "kind: ",
            "knd: ",
            "half_year.yaml: part 1 (line {line}): knd: unknown key (allowed: kind, name,",
        ),
        (
            "documents/outlet_half_year_summary.md.j2",
            "{{ o.outlet_name }}",
            "{{ o.outlet_nam }}",
            "outlet_half_year_summary.md.j2:line",
        ),
    ],
)
def test_a_malformed_owner_file_is_2_and_names_file_and_rule_in_english_and_chinese(
    home, sample_url, tmp_path, capsys, file, old, new, says
):
    path = home / "templates" / file
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")
    says = says.replace("{line}", str(text[: text.index(old)].count("\n") + 1))  # the line of the wrong field
    code, _, err = _run(capsys, "pack", "--period", "2023H1", "--url", sample_url)
    assert code == ExitCode.INPUT_WRONG
    assert says in err and "Traceback" not in err
    assert any("\u4e00" <= ch <= "\u9fff" for ch in err.splitlines()[-1]), err  # a Chinese line for the owner
    assert not (tmp_path / "out" / "2023H1").exists()


def test_an_unreachable_warehouse_is_3_and_hides_the_password(home, capsys):
    # Nothing listens on port 1: the connection is refused at once.
    url = "postgresql+psycopg://reportpack:S3cr3t-pw@127.0.0.1:1/warehouse"
    code, _, err = _run(capsys, "pack", "--period", "2023H1", "--url", url)
    assert code == ExitCode.WAREHOUSE_UNREACHABLE == 3
    assert "cannot be reached" in err and "127.0.0.1:1" in err
    assert "S3cr3t-pw" not in err and "Traceback" not in err


@pytest.mark.slow  # renders documents
@pytest.mark.parametrize(
    ("url", "says"),
    [
        # issue #33: each printed the password, or the rest of it as a host, or was called a bug
        ("postgresql+psycopg//reporter:S3cr3t-pw@127.0.0.1:5432/w", "is not a SQLAlchemy URL"),
        ("postgresql+psycopg://reporter:S3c@r3t-pw@127.0.0.1:5432/w", "percent-encode it (@ as %40"),
        ("postgresql+psycopg://reporter:S3cr3t-pw@127.0.0.1:five/w", "its port is not a number"),
    ],
)
def test_a_warehouse_url_that_does_not_parse_is_2_names_the_setting_and_masks_the_password(home, capsys, monkeypatch, url, says):
    monkeypatch.setenv("REPORTPACK_WAREHOUSE_URL", url)
    code, _, err = _run(capsys, "pack", "--period", "2023H1")
    assert code == ExitCode.INPUT_WRONG, err
    assert "REPORTPACK_WAREHOUSE_URL 'postgresql+psycopg" in err  # the setting named
    assert says in err and "reporter:***@" in err
    assert "S3cr3t" not in err and "r3t-pw" not in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("error", "says"),
    [
        (OSError(errno.ENOSPC, "No space left on device", "/out/2023H1/v2.zip"), "No space left on device: /out/2023H1/v2.zip"),
        (OSError(errno.EROFS, "Read-only file system", "/out/.runs"), "Read-only file system: /out/.runs"),
        (PermissionError(errno.EACCES, "Permission denied", "/out/.locks"), "Permission denied: /out/.locks"),
    ],
)
def test_a_full_or_read_only_disk_is_5_naming_the_path_not_a_bug(home, sample_url, capsys, monkeypatch, error, says):
    """Issue #33: a full or read-only output folder was "internal error (a bug)", exit 4."""
    from reportpack import pipeline

    def refused(*args, **kwargs):
        raise error

    monkeypatch.setattr(pipeline, "derive", refused)
    code, _, err = _run(capsys, "pack", "--period", "2023H1", "--url", sample_url)
    assert code == ExitCode.ENVIRONMENT == 5, err
    assert f"the machine refused: {says}" in err and "a bug" not in err and "Traceback" not in err


def test_an_os_error_that_is_not_the_machines_is_still_a_bug(home, sample_url, capsys, monkeypatch):
    from reportpack import pipeline

    def broken(*args, **kwargs):
        raise FileNotFoundError(errno.ENOENT, "No such file or directory", "/run/data/frames.parquet")

    monkeypatch.setattr(pipeline, "derive", broken)
    code, _, err = _run(capsys, "pack", "--period", "2023H1", "--url", sample_url)
    assert code == ExitCode.INTERNAL_ERROR and "internal error (a bug in ReportPack): FileNotFoundError" in err
    Path(err.split("the traceback is in ", 1)[1].split(";", 1)[0]).unlink()


def test_a_bug_is_4_with_the_traceback_kept_in_a_file(home, sample_url, capsys, monkeypatch):
    from reportpack import pipeline

    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(pipeline, "derive", broken)
    code, _, err = _run(capsys, "pack", "--period", "2023H1", "--url", sample_url)
    assert code == ExitCode.INTERNAL_ERROR == 4
    assert "internal error (a bug in ReportPack): ZeroDivisionError: division by zero" in err
    saved = Path(err.split("the traceback is in ", 1)[1].split(";", 1)[0])
    assert "Traceback" in saved.read_text("utf-8") and "Traceback" not in err
    saved.unlink()


def test_help_of_every_command_lists_the_exit_codes(capsys):
    from reportpack.cli import build_parser, default_period

    commands = build_parser()._subparsers._group_actions[0].choices
    for name in ["", *commands]:
        code, out, _ = _run(capsys, *([name] if name else []), "--help")
        assert code == 0
        assert "exit codes:" in out and "3  the warehouse cannot be reached" in out, name
        assert "Period(" not in out and "datetime" not in out, (name, out)  # a label, not Python's repr
        if "--period" in out:
            assert f"now {default_period().label}" in " ".join(out.split()), (name, out)


def test_version(capsys):
    code, out, _ = _run(capsys, "--version")
    assert code == 0 and out.strip() == f"reportpack {__version__}"


@pytest.mark.parametrize(
    ("today", "period"),
    [(date(2026, 11, 28), "2026H1"), (date(2026, 7, 1), "2026H1"), (date(2026, 6, 30), "2025H2"), (date(2027, 1, 2), "2026H2")],
)
def test_the_default_period_is_the_last_complete_half_year(today, period):
    assert default_period(today).label == period


def test_a_phase_stopped_by_a_full_disk_records_it_for_airflow_run(home, sample_url, tmp_path, monkeypatch):
    """The phase itself turns the machine's refusal into exit 5 and records it in the run's state,
    so `reportpack airflow-run`, which reads the state of the run a task failed, says 5 too."""
    from reportpack import pipeline, settings
    from reportpack.errors import EnvironmentProblem
    from reportpack.run import load_state

    s = settings.load({**os.environ, "REPORTPACK_WAREHOUSE_URL": sample_url})
    run = pipeline.start(s, "2023H1", "full-disk")

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(run.data))

    monkeypatch.setattr(pipeline, "save_frames", full)
    with pytest.raises(EnvironmentProblem, match="No space left on device"):
        pipeline.extract(s, run)
    state = load_state(run.folder)
    assert state.failed.phase == "extract" and state.failed.exit_code == ExitCode.ENVIRONMENT == 5


def test_sigterm_after_a_version_is_published_says_what_was_published(home, monkeypatch, capsys, tmp_path):
    """Issue #33, case 7: SIGTERM right after ``latest`` switched printed "interrupted; nothing was
    published" while v2 was published. Publication holds the signal until it is whole
    (tests/e2e/test_interruptions.py); the message then names the version."""
    from reportpack import cli, pipeline

    def published_then_terminated(*args, **kwargs):
        exc = cli.Terminated("signal 15")
        exc.published = tmp_path / "out" / "2023H1" / "v2"  # as pipeline.publish records it
        raise exc

    monkeypatch.setattr(pipeline, "run_all", published_then_terminated)
    code, _, err = _run(capsys, "pack", "--period", "2023H1")
    assert code == 143
    assert "interrupted; 2023H1 v2 was published whole before it stopped" in err and "nothing was published" not in err


def test_the_readme_names_every_error_class_with_its_exit_code():
    """Issue #33: the README's "What happens when…" covers every error class with its exit code."""
    import importlib
    import pkgutil
    import re

    import reportpack
    from reportpack.errors import ReportPackError

    skip = ("reportpack.bench", "reportpack.cluster", "reportpack.dags_test")  # tools that import Airflow's CLI or docker
    for info in pkgutil.walk_packages(reportpack.__path__, "reportpack."):
        if not info.name.startswith(skip):
            importlib.import_module(info.name)

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    classes = {c for c in subclasses(ReportPackError) if c.__module__.startswith("reportpack.")}
    section = (ROOT / "README.md").read_text("utf-8").split("## What happens when…")[1].split("\n## ")[0]
    table = dict(re.findall(r"^\| `(\w+)` \| (\d) \|", section, re.M))
    assert {c.__name__ for c in classes} <= set(table), sorted({c.__name__ for c in classes} - set(table))
    assert {c.__name__: str(int(c.exit_code)) for c in classes} == {n: table[n] for n in (c.__name__ for c in classes)}
