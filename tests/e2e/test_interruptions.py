"""A publication interrupted at every step boundary (issue #33, cases 4 and 7): SIGKILL at each step
of ``publish.transition`` (and in the middle of the zip), SIGTERM at the steps where it used to lie,
a full disk during the zip. After each: what is visible is the previous published state or the new
one, complete; the next run (of the next period) finishes or rolls back what was left and says so;
then the warehouse's targets, and the next period's extracted targets, are the published version's.
"""

from __future__ import annotations

import errno
import multiprocessing
import os
import shutil
import signal
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import create_engine, text

from reportpack import pipeline
from reportpack.errors import EnvironmentProblem
from reportpack.extract import load_frames
from reportpack.publish import pack, transition
from reportpack.publish import targets as publish_targets
from reportpack.run import Run

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
PACK = "outlet_summaries"  # the smallest pack that sets targets


@pytest.fixture(scope="module")
def assembled(sample_url, tmp_path_factory):
    """A 2023H1 run of PACK taken up to publication, once; each case publishes a copy of it."""
    from reportpack import settings as _settings
    from tests.conftest import ROOT

    root = tmp_path_factory.mktemp("assembled")
    warehouse = root / "wh.sqlite"
    shutil.copyfile(sample_url.removeprefix("sqlite:///"), warehouse)
    settings = _settings.load(
        {
            "REPORTPACK_HOME": str(ROOT),
            "REPORTPACK_WAREHOUSE_URL": f"sqlite:///{warehouse}",
            "REPORTPACK_OUTPUT_DIR": str(root / "output"),
            "REPORTPACK_INPUT_DIR": str(root / "inputs"),
        }
    )
    run = pipeline.start(settings, "2023H1", "assembled", pack_name=PACK)
    for phase in pipeline.BEFORE_PUBLISH:
        phase(settings, run)
    return run


def _copy(assembled: Run, settings, name: str, factor: float) -> Run:
    """A copy of the assembled run in ``settings``' output folder whose plans set ``factor`` times
    the targets (so that each version's targets can be told apart in the warehouse)."""
    folder = settings.output_dir / ".runs" / f"2023H1-{name}"
    shutil.copytree(assembled.folder, folder)
    path = folder / "figures" / "next_targets.parquet"
    targets = pd.read_parquet(path)
    pd.DataFrame(targets.assign(target=targets["target"] * factor)).to_parquet(path)
    return Run(folder, assembled.period, settings.warehouse_url)


def _publish_then(run: Run, settings, step: str, sig: int) -> None:
    """In the child: publish ``run``, sending ``sig`` to itself at ``step`` ("zipping": in the middle
    of the zip), as ``reportpack pack`` would meet it (its SIGTERM handler installed)."""
    from reportpack.cli import _terminated

    signal.signal(signal.SIGTERM, _terminated)
    if step == "zipping":
        real, calls = zipfile.ZipFile.write, []

        def write(self, *args, **kwargs):
            calls.append(1)
            if len(calls) == 3:
                os.kill(os.getpid(), sig)
            return real(self, *args, **kwargs)

        zipfile.ZipFile.write = write
    else:
        transition.LISTENERS.append(lambda reached: reached == step and os.kill(os.getpid(), sig))
    try:
        pipeline.publish(settings, run)
    except KeyboardInterrupt as exc:
        os._exit(3 if getattr(exc, "published", None) else 2)  # 3: it says a version was published whole
    os._exit(0)


def _interrupted(run: Run, settings, step: str, sig: int) -> int:
    child = multiprocessing.get_context("fork").Process(target=_publish_then, args=(run, settings, step, sig))
    child.start()
    child.join(300)
    return child.exitcode


def _warehouse_targets(url: str) -> pd.DataFrame:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = pd.read_sql(text("select unit_id, indicator, target from plan_target where period = '2023H2'"), conn)
    engine.dispose()
    return _sorted(rows)


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame[["unit_id", "indicator", "target"]].astype({"unit_id": str, "indicator": str, "target": float})
    return frame.sort_values(["unit_id", "indicator"]).reset_index(drop=True)


def _assert_complete(version: Path) -> None:
    """Every file the manifest lists is there with its hash, and the zip holds exactly those."""
    manifest = pack.read_manifest(version)
    assert pack.file_hashes(version) == {f["path"]: f["sha256"] for f in manifest["files"]}
    with zipfile.ZipFile(version.parent / f"{version.name}.zip") as z:
        names = {n.removeprefix(f"{version.name}/") for n in z.namelist()}
    assert names == {f["path"] for f in manifest["files"]} | {pack.MANIFEST}


def _debris(period_dir: Path) -> list[str]:
    return sorted(
        p.name
        for p in period_dir.iterdir()
        if p.name.startswith(".") or (p.is_dir() and not p.is_symlink() and not (p / pack.MANIFEST).is_file())
    )


def _published(period_dir: Path) -> list[str]:
    return [f"v{n}" for n in pack.versions(period_dir) if (period_dir / f"v{n}" / pack.MANIFEST).is_file()]


# (step, signal, whether the interrupted version ends up published)
CASES = [
    ("reserved", signal.SIGKILL, False),
    ("zipping", signal.SIGKILL, False),
    ("zipped", signal.SIGKILL, False),
    ("published", signal.SIGKILL, True),
    ("latest", signal.SIGKILL, True),
    ("targets", signal.SIGKILL, True),
    ("zipped", signal.SIGTERM, False),
    ("published", signal.SIGTERM, True),  # it used to say "nothing was published" with v2 latest
    ("latest", signal.SIGTERM, True),
]


def test_a_publication_killed_at_every_step_leaves_the_old_state_or_the_new_and_the_next_run_finishes_it(
    assembled, make_settings, warehouse
):
    settings = make_settings(warehouse)
    period_dir = settings.output_dir / "2023H1"
    pipeline.publish(settings, _copy(assembled, settings, "first", 1.0))
    assert _published(period_dir) == ["v1"]
    for i, (step, sig, published) in enumerate(CASES, start=1):
        case = f"{step}/{signal.Signals(sig).name}"
        before = pack.latest(settings.output_dir, "2023H1")
        before_targets = _warehouse_targets(warehouse)
        run = _copy(assembled, settings, f"case{i}", 1.0 + i / 100)
        code = _interrupted(run, settings, step, sig)

        # what a reader sees right after: the previous version or the new one, either complete
        visible = pack.latest(settings.output_dir, "2023H1")
        _assert_complete(visible)
        new = period_dir / f"v{pack.number(before) + 1}"
        if sig == signal.SIGKILL:
            assert code == -signal.SIGKILL, case
        else:  # SIGTERM waits once the version is published: it finishes, and says what it published
            assert code == (3 if published else 2), case
            assert _debris(period_dir) == [], case
            assert visible == (new.resolve() if published else before), case
            assert run.folder.is_dir() != published, case

        # the next period's run finishes or rolls back what was left, and says so
        following = pipeline.start(settings, "2023H2", f"next-{i}", pack_name=PACK)
        pipeline.check_source(settings, following)
        recovered = following.state.recovered
        if sig == signal.SIGKILL and step != "reserved":
            assert recovered and ("finished" if published else "rolled back") in recovered[0], (case, recovered)
        elif sig == signal.SIGKILL:
            assert recovered == ["2023H1/" + new.name + ": a reserved version never published was released"], case
        else:
            assert recovered == [], case
        assert _debris(period_dir) == [], (case, _debris(period_dir))
        latest = pack.latest(settings.output_dir, "2023H1")
        assert latest == (new.resolve() if published else before), case
        assert _published(period_dir) == [f"v{n}" for n in range(1, pack.number(latest) + 1)], case
        _assert_complete(latest)
        assert not (period_dir / transition.JOURNAL).exists()
        assert run.folder.is_dir() != published, case  # a version not published keeps its run's pack

        # the warehouse's targets are the published version's, and so are the next period's
        expected = _sorted(publish_targets.read_csv(latest / "targets.csv"))
        held = _warehouse_targets(warehouse)
        pd.testing.assert_frame_equal(held, expected, check_exact=False, rtol=1e-9)
        if not published:
            pd.testing.assert_frame_equal(held, before_targets)
        pipeline.extract(settings, following)
        extracted = _sorted(load_frames(following.data)["period_targets"])
        pd.testing.assert_frame_equal(extracted, expected, check_exact=False, rtol=1e-9)
        pack.discard(following.folder)
        pack.discard(run.folder)


def test_a_full_disk_during_the_zip_is_the_machines_problem_and_leaves_nothing_behind(
    assembled, make_settings, warehouse, monkeypatch
):
    """Case 7: a full disk during the zip left v1 without zip or latest, exited 4 ("a bug"), and the
    rerun's v2 called itself the first version."""
    settings = make_settings(warehouse)
    period_dir = settings.output_dir / "2023H1"
    pipeline.publish(settings, _copy(assembled, settings, "first", 1.0))
    run = _copy(assembled, settings, "full", 1.1)
    real = zipfile.ZipFile.write

    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(zipfile.ZipFile, "write", full)
    with pytest.raises(EnvironmentProblem, match="disk|space") as caught:
        pipeline.publish(settings, run)
    assert caught.value.exit_code == 5
    assert _published(period_dir) == ["v1"] and _debris(period_dir) == []
    assert pack.latest(settings.output_dir, "2023H1") == (period_dir / "v1").resolve()
    assert run.folder.is_dir()  # the run's pack is kept: published again once there is room

    monkeypatch.setattr(zipfile.ZipFile, "write", real)
    v2 = pipeline.publish(settings, run)
    assert v2.name == "v2" and pack.read_manifest(v2)["previous"] == "v1"
    _assert_complete(v2)


def _answer_then(version: Path, settings, step: str) -> None:
    """In the child: the owner approves ``version``; SIGKILL at ``step`` of recording it."""
    from reportpack.publish import approval

    transition.LISTENERS.append(lambda reached: reached == step and os.kill(os.getpid(), signal.SIGKILL))
    approval.record(
        version,
        True,
        {"id": "wangfang"},
        at="2024-07-03T09:00:00+08:00",
        reason=None,
        templates_dir=settings.templates_dir,
        warehouse_url=settings.warehouse_url,
    )
    os._exit(0)


@pytest.mark.parametrize("step", transition.ANSWER_STEPS)
def test_an_approval_killed_on_its_way_is_recorded_whole_by_the_next_run(assembled, make_settings, warehouse, step):
    settings = make_settings(warehouse)
    period_dir = settings.output_dir / "2023H1"
    pipeline.publish(settings, _copy(assembled, settings, "first", 1.0))  # unattended: its targets stored
    v2 = pipeline.publish(settings, _copy(assembled, settings, "reviewed", 1.5), review=True)
    assert pack.read_manifest(v2)["approval"]["status"] == "pending"
    v1_targets = _warehouse_targets(warehouse)

    child = multiprocessing.get_context("fork").Process(target=_answer_then, args=(v2, settings, step))
    child.start()
    child.join(300)
    assert child.exitcode == -signal.SIGKILL
    assert pack.read_manifest(v2)["approval"]["status"] == "pending"  # not yet recorded: the pages still agree
    _assert_complete(v2)
    if step == "answer noted":
        pd.testing.assert_frame_equal(_warehouse_targets(warehouse), v1_targets)

    following = pipeline.start(settings, "2023H2", "next", pack_name=PACK)
    pipeline.check_source(settings, following)
    assert following.state.recovered == ["2023H1/v2: an owner's answer interrupted while it was being recorded was recorded"]
    manifest = pack.read_manifest(v2)
    assert manifest["approval"]["status"] == "approved" and manifest["approval"]["by"]["name"] == "王芳"
    assert manifest["targets"]["stored"] is True
    assert "已批准（王芳" in (v2 / "index.html").read_text("utf-8")
    _assert_complete(v2)
    assert _debris(period_dir) == []
    expected = _sorted(publish_targets.read_csv(v2 / "targets.csv"))
    pd.testing.assert_frame_equal(_warehouse_targets(warehouse), expected, check_exact=False, rtol=1e-9)
