"""Publication and an owner's answer as recorded steps that an interruption never leaves half done.

A publication goes through these steps, in this order::

    reserved   the version's number taken (an empty ``v<n>/``)
    zipped     ``v<n>.zip`` written from the run's pack (before anything is visible)
    published  the pack folder renamed onto ``v<n>/`` — the step that decides: before it nothing of the
               version exists, after it the version is complete and the rest is finished, never undone
    latest     ``latest`` pointed at it (unless a newer version is there)
    targets    the next period's targets committed in the warehouse (when the version stores them)

A note in the period's folder (``JOURNAL``) names the version, its run and whether it stores targets
from before ``zipped`` until the last step is done. From ``published`` on, SIGTERM and Ctrl-C wait
(``signals_held``) until the steps are done, so only SIGKILL, a machine that stops or a warehouse that
fails can leave a note behind. ``finish`` (run under the period's lock by the next publication of the
period and, for every period, by each run before it reads the warehouse) then rolls the
interrupted publication forward when its version was published (zip, ``latest``, targets from its
``targets.csv``) or back when it was not (its zip and reserved folder removed), and says which; it
also clears what a process killed before writing the note can leave (an empty reserved folder, a
half-written zip or link).

An owner's answer (approve/reject) is recorded the same way: the new approval is written into a note
in the version's folder first, then the targets are stored and the version's index page, manifest
and zip rewritten; ``finish`` applies a note left behind again (every step of it can be repeated).
"""

from __future__ import annotations

import contextlib
import json
import logging
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from reportpack.publish import pack
from reportpack.settings import redact

log = logging.getLogger(__name__)

JOURNAL = ".publishing.json"  # in the period's folder while a publication is under way
ANSWER = ".answer-{version}.json"  # in the period's folder while an owner's answer on a version is being recorded

STEPS = ("reserved", "zipped", "published", "latest", "targets")  # a publication's
ANSWER_STEPS = ("answer noted", "answer targets")  # an answer's, before its pages are rewritten

# Called with each step's name as it is reached. Logging uses it; the fault tests kill the process
# at every step boundary through it (tests/e2e/test_interruptions.py).
LISTENERS: list[Callable[[str], None]] = []


def reached(step: str, version: Path) -> None:
    log.info("%s/%s: %s", version.parent.name, version.name, step)
    for listener in LISTENERS:
        listener(step)


def begin(version: Path, run_id: str, run_folder: Path, stores_targets: bool, warehouse_url: str) -> None:
    """Note, in the period's folder, that ``version`` is being published by the run of ``run_folder``
    (its targets for the warehouse at ``warehouse_url``, recorded without its password)."""
    note = {
        "version": version.name,
        "run_id": run_id,
        "run_folder": str(run_folder),
        "stores_targets": stores_targets,
        "warehouse": redact(warehouse_url),
    }
    pack.replace_text(version.parent / JOURNAL, json.dumps(note))


def end(period_dir: Path) -> None:
    (period_dir / JOURNAL).unlink(missing_ok=True)


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """SIGTERM and SIGINT received inside the block take effect when it ends (the handlers they
    would have met are restored, then the signal raised again): the steps after ``published`` are
    finished before the process stops, so a terminated run has published whole or not at all.
    (Only the main thread may set handlers; elsewhere the block runs unprotected, and ``finish``
    is what completes it.)"""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    held = (signal.SIGTERM, signal.SIGINT)
    before = {s: signal.getsignal(s) for s in held}
    for s in held:
        signal.signal(s, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        for s, handler in before.items():
            signal.signal(s, handler)
        for signum in dict.fromkeys(caught):
            signal.raise_signal(signum)


def rollback(version: Path) -> None:
    """Undo a publication that did not reach ``published``: its zip and reserved folder removed."""
    period_dir = version.parent
    if (version / pack.MANIFEST).is_file():
        raise RuntimeError(f"{version} was published; a published version is finished, never rolled back")
    (period_dir / f"{version.name}.zip").unlink(missing_ok=True)
    (period_dir / f".{version.name}-partial.zip").unlink(missing_ok=True)
    pack.release(version)
    end(period_dir)


def finish(period_dir: Path, warehouse_url: str, templates_dir: Path) -> list[str]:
    """Roll forward or back what an interrupted publication or answer left in ``period_dir`` (the
    caller holds the period's lock); returns what was done, one sentence each, also logged."""
    from reportpack.publish import approval
    from reportpack.run import PeriodBusy

    done: list[str] = []
    note_path = period_dir / JOURNAL
    if note_path.is_file():
        note = json.loads(note_path.read_text("utf-8"))
        version = period_dir / note["version"]
        if note.get("warehouse", redact(warehouse_url)) != redact(warehouse_url):
            # its targets belong to another warehouse: a run on that one finishes it
            log.warning(
                "%s/%s was interrupted while publishing from warehouse %s; left for a run on that warehouse to finish",
                period_dir.name,
                version.name,
                note["warehouse"],
            )
            return done
        if (version / pack.MANIFEST).is_file():
            if not (period_dir / f"{version.name}.zip").is_file():
                pack.zip_version(version)
            pack.point_latest(version)
            stored = 0
            if note.get("stores_targets"):
                stored = _store_if_still_decided(version, warehouse_url, templates_dir)
            end(period_dir)
            if note.get("run_folder"):  # its pack is the version now; the rest of the dead run's folder goes
                pack.discard(Path(note["run_folder"]))
            done.append(
                f"{period_dir.name}/{version.name} (run {note.get('run_id')}) was interrupted after it was published; "
                f"its publication was finished: zip, latest{f', {stored} targets stored' if stored else ''}"
            )
        else:
            rollback(version)  # the run's folder is kept: its pack can still be published (a retried task)
            done.append(
                f"{period_dir.name}/{version.name} (run {note.get('run_id')}) was interrupted before it was published; "
                "it was rolled back: nothing of it was ever visible, its number is free again"
            )
    done += _clear_debris(period_dir)
    for answer in sorted(period_dir.glob(ANSWER.format(version="v*"))):
        version = period_dir / answer.name.removeprefix(".answer-").removesuffix(".json")
        recorded = json.loads(answer.read_text("utf-8"))
        if recorded.get("warehouse", redact(warehouse_url)) != redact(warehouse_url):
            continue  # (as above: its targets belong to another warehouse)
        with contextlib.suppress(PeriodBusy), answer_lock(version, "recovery"):  # busy: being recorded right now
            approval.apply(version, recorded, templates_dir, warehouse_url)
            done.append(
                f"{period_dir.name}/{version.name}: an owner's answer interrupted while it was being recorded was recorded"
            )
    for line in done:
        log.warning("%s", line)
    return done


def _store_if_still_decided(version: Path, warehouse_url: str, templates_dir: Path) -> int:
    """Store the targets of an interrupted publication — unless, since, an owner approved another
    version of the period, whose targets then stay (``approval.targets_decision`` asked again; the
    version's manifest and index page then say why it stored none). Returns the rows stored."""
    from reportpack.publish import approval
    from reportpack.publish import targets as publish_targets

    manifest = pack.read_manifest(version)
    store, why = approval.targets_decision(
        version.parent, pack.number(version), manifest["approval"]["status"], manifest.get("provisional")
    )
    if store:
        return publish_targets.store_published(version, warehouse_url)
    meta = {k: v for k, v in manifest.items() if k != "files"}
    meta["targets"] = {**manifest["targets"], "stored": False, "note": why}
    approval.rewrite(version, meta, manifest["files"], templates_dir)
    return 0


def _debris(period_dir: Path) -> list[tuple[Path, str]]:
    """What a process killed before it wrote its note can leave, each with what it is: an empty
    reserved folder, a half-written zip, a link not yet renamed, a file written aside, a zip of no
    version."""
    found = []
    for path in sorted(period_dir.iterdir()):
        name = path.name
        if path.is_dir() and not path.is_symlink() and pack.is_version_name(name) and not any(path.iterdir()):
            found.append((path, "a reserved version never published was released"))
        elif name.startswith(".") and (name.endswith("-partial.zip") or name.startswith(f".{pack.LATEST}-")):
            found.append((path, "a half-made file of an interrupted publication was removed"))
        elif name.endswith(".zip") and pack.is_version_name(name[:-4]) and not (period_dir / name[:-4] / pack.MANIFEST).is_file():
            found.append((path, "the zip of a version never published was removed"))
    found += [(aside, "a file half-written aside was removed") for aside in sorted(period_dir.glob("v*/.*.partial"))]
    return found


def _clear_debris(period_dir: Path) -> list[str]:
    cleared = []
    for path, what in _debris(period_dir):
        if path.is_dir():
            path.rmdir()
        else:
            path.unlink()
        cleared.append(f"{path.relative_to(period_dir.parent).as_posix()}: {what}")
    return cleared


def answer_lock(version: Path, holder: str) -> contextlib.AbstractContextManager:
    """One answer on a version at a time (``run.period_lock`` on ``<period>-<version>-answer``)."""
    from reportpack.run import period_lock

    return period_lock(version.parent.parent, f"{version.parent.name}-{version.name}-answer", holder)


def finish_all(output_dir: Path, warehouse_url: str, templates_dir: Path, holder: str) -> list[str]:
    """``finish`` every period whose publication or answer was interrupted, each under its lock; a
    period whose lock another run holds is being published right now and is left to it."""
    from reportpack.run import PeriodBusy, period_lock

    done: list[str] = []
    if not output_dir.is_dir():
        return done
    for period_dir in sorted(p for p in output_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if not interrupted(period_dir):
            continue
        with contextlib.suppress(PeriodBusy), period_lock(output_dir, period_dir.name, holder):
            done += finish(period_dir, warehouse_url, templates_dir)
    return done


def in_progress(period_dir: Path) -> str | None:
    """The version a publication under way (or interrupted, not yet finished) is making, if any."""
    note = period_dir / JOURNAL
    try:
        return json.loads(note.read_text("utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        return None


def not_yet_visible(period_dir: Path) -> str | None:
    """The version a publication under way has put in place but not yet pointed ``latest`` at: listed
    nowhere until it is (``latest`` is what makes a version visible)."""
    version = in_progress(period_dir)
    if version is None or (period_dir / pack.LATEST).resolve() == (period_dir / version).resolve():
        return None
    return version


def interrupted(period_dir: Path) -> bool:
    """Whether ``period_dir`` holds a note or debris ``finish`` would deal with."""
    if (period_dir / JOURNAL).is_file() or any(period_dir.glob(ANSWER.format(version="v*"))):
        return True
    return bool(_debris(period_dir))
