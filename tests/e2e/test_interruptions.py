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
from reportpack.errors import EnvironmentProblem, InputError
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
    return _in_child(_publish_then, run, settings, step, sig)


def _in_child(target, *args) -> int | None:
    """``target(*args)`` in a process forked from this one (everything imported already); its exit code."""
    child = multiprocessing.get_context("fork").Process(target=target, args=args)
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

    assert _in_child(_answer_then, v2, settings, step) == -signal.SIGKILL
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


# -- a property-based fault test ------------------------------------------------------------------

KILLS = [None, "reserved", "zipping", "zipped", "published", "latest", "targets"]
EXAMPLES = int(os.environ.get("REPORTPACK_FAULT_EXAMPLES", "6"))  # more on demand; derandomized in CI


def test_any_sequence_of_runs_kills_answers_and_next_periods_keeps_the_visible_state_whole(assembled, sample_url):
    """Issue #33, What to build 6: runs (unattended or for review), each killed at a random step or
    not, owners' answers (killed or not), next periods' runs. After every step: ``latest`` and every
    version listed are complete, every approved version is; once the next run has finished what was
    left, the warehouse holds the targets of the version that last stored them, and the next
    period's extract reads exactly those."""
    import tempfile

    from hypothesis import HealthCheck, settings
    from hypothesis import strategies as st
    from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

    from reportpack import settings as _settings
    from reportpack.publish import approval
    from tests.conftest import ROOT

    class Publications(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.root = Path(tempfile.mkdtemp(prefix="faults-"))
            shutil.copyfile(sample_url.removeprefix("sqlite:///"), self.root / "wh.sqlite")
            self.url = f"sqlite:///{self.root / 'wh.sqlite'}"
            self.settings = _settings.load(
                {
                    "REPORTPACK_HOME": str(ROOT),
                    "REPORTPACK_WAREHOUSE_URL": self.url,
                    "REPORTPACK_OUTPUT_DIR": str(self.root / "output"),
                    "REPORTPACK_INPUT_DIR": str(self.root / "inputs"),
                }
            )
            self.period_dir = self.settings.output_dir / "2023H1"
            self.runs = 0
            self.before = _warehouse_targets(self.url)  # the sample's own 2023H2 targets (none stored by us yet)
            self.stored_by: Path | None = None  # the version whose targets the warehouse holds (the model)
            self.snapshot: dict[str, tuple[bool, bool]] = {}

        def teardown(self):
            shutil.rmtree(self.root, ignore_errors=True)

        def _versions(self) -> list[Path]:
            """The versions shown as published (as pages.listing shows them)."""
            if not self.period_dir.is_dir():
                return []
            hidden = transition.not_yet_visible(self.period_dir)
            return [self.period_dir / v for v in _published(self.period_dir) if v != hidden]

        def _stored_flags(self) -> dict[str, tuple[bool, bool]]:
            return {
                v.name: (bool((m.get("targets") or {}).get("stored")), m["approval"]["status"] == "approved")
                for v in self._versions()
                for m in [pack.read_manifest(v)]
            }

        def _sync(self) -> None:
            """The model, once nothing is left half done: a version whose manifest newly says it stored
            its targets now holds the warehouse (an approval after an unattended version: an unattended
            one stores nothing once a version is approved, so an approved one stored last)."""
            now = self._stored_flags()
            newly = [n for n, (stored, _) in now.items() if stored and not self.snapshot.get(n, (False,))[0]]
            for name in sorted(newly, key=lambda n: (now[n][1], int(n[1:]))):
                self.stored_by = self.period_dir / name
            self.snapshot = now

        @rule(review=st.booleans(), kill=st.sampled_from(KILLS))
        def publish(self, review, kill):
            self.runs += 1
            run = _copy(assembled, self.settings, f"r{self.runs}", 1.0 + self.runs / 100)
            if kill is None:
                pipeline.publish(self.settings, run, review=review)  # finishes what an earlier one left first
                if not transition.interrupted(self.period_dir):
                    self._sync()
                return
            assert _in_child(_publish_then, run, self.settings, kill, signal.SIGKILL) == -signal.SIGKILL

        @precondition(lambda self: any(pack.read_manifest(v)["approval"]["status"] == "pending" for v in self._versions()))
        @rule(approve=st.booleans(), kill=st.sampled_from([None, *transition.ANSWER_STEPS]), data=st.data())
        def answer(self, approve, kill, data):
            pending = [v for v in self._versions() if pack.read_manifest(v)["approval"]["status"] == "pending"]
            version = data.draw(st.sampled_from(pending))
            if kill is None or not approve:  # (a rejection stores nothing: killed or not, it is the same)
                approval.record(
                    version, approve, {"id": "wangfang"}, "2024-07-03T09:00:00+08:00", None, self.settings.templates_dir, self.url
                )
                if not transition.interrupted(self.period_dir):
                    self._sync()
                return
            assert _in_child(_answer_then, version, self.settings, kill) == -signal.SIGKILL

        @rule()
        def next_period(self):
            following = pipeline.start(self.settings, "2023H2", f"next-{self.runs}", pack_name=PACK)
            transition.finish_all(
                self.settings.output_dir, self.url, self.settings.templates_dir, "next-period"
            )  # as check_source does
            assert not self.period_dir.is_dir() or not transition.interrupted(self.period_dir)
            self._sync()
            expected = _sorted(publish_targets.read_csv(self.stored_by / "targets.csv")) if self.stored_by else self.before
            pd.testing.assert_frame_equal(_warehouse_targets(self.url), expected, check_exact=False, rtol=1e-9)
            pipeline.extract(self.settings, following)
            extracted = _sorted(load_frames(following.data)["period_targets"])
            pd.testing.assert_frame_equal(extracted, expected, check_exact=False, rtol=1e-9)
            pack.discard(following.folder)

        @invariant()
        def what_is_visible_is_whole(self):
            if not self.period_dir.is_dir():
                return
            latest = pack.latest(self.settings.output_dir, "2023H1")
            versions = self._versions()
            for v in versions:  # listed (pages.listing shows these): complete, approved or not
                _assert_complete(v)
            if latest is not None:  # the newest listed
                assert latest == max(versions, key=pack.number).resolve()
            else:
                assert versions == []

    run_state_machine_as_test(
        Publications,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=6,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        ),
    )


def test_a_publication_interrupted_on_another_warehouse_is_left_for_a_run_on_that_one(
    assembled, make_settings, warehouse, tmp_path
):
    """The output folder may serve two warehouses (a test one, the bank's): a publication killed on
    one must not have its targets stored in the other by a run there."""
    settings = make_settings(warehouse)
    run = _copy(assembled, settings, "killed", 1.0)
    assert _interrupted(run, settings, "latest", signal.SIGKILL) == -signal.SIGKILL
    other = tmp_path / "other.sqlite"
    shutil.copyfile(warehouse.removeprefix("sqlite:///"), other)
    untouched = _warehouse_targets(f"sqlite:///{other}")
    period_dir = settings.output_dir / "2023H1"
    assert transition.finish_all(settings.output_dir, f"sqlite:///{other}", settings.templates_dir, "elsewhere") == []
    assert (period_dir / transition.JOURNAL).is_file()
    pd.testing.assert_frame_equal(_warehouse_targets(f"sqlite:///{other}"), untouched)
    elsewhere = make_settings(f"sqlite:///{other}")
    with pytest.raises(InputError, match="a publication from another warehouse was interrupted here"):
        pipeline.publish(elsewhere, _copy(assembled, elsewhere, "elsewhere", 1.1))  # would write over its note
    (done,) = transition.finish_all(settings.output_dir, warehouse, settings.templates_dir, "home")
    assert "was interrupted after it was published; its publication was finished" in done
    expected = _sorted(publish_targets.read_csv(period_dir / "v1" / "targets.csv"))
    pd.testing.assert_frame_equal(_warehouse_targets(warehouse), expected, check_exact=False, rtol=1e-9)
