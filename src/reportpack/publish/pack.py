"""The pack: manifest with sha256 of every file, and atomic publication as immutable versions.

A pack is assembled in the run's private folder. Each run of a period that gets as far as publishing
becomes a new version ``<output>/<period>/v<n>``, never changed afterwards, with ``v<n>.zip`` beside
it; ``<output>/<period>/latest`` is a symbolic link to the newest version, switched atomically (a new
link renamed over the old) only once the version and its zip are complete — a failed run never moves
it, and a reader following ``latest`` sees either the old version or the new one, never half of one.

Version numbers are reserved by creating the empty folder (``mkdir`` fails if another run took the
number), so two runs of a period never share one; the pack folder is then renamed onto it. A pack
published before versions existed (manifest directly in ``<output>/<period>``) is moved to
``<output>/.superseded/`` on the next publication, never deleted.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

MANIFEST = "manifest.json"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def frames_sha256(frames: dict[str, pd.DataFrame]) -> str:
    """A hash of the extracted data's content (not of its file encoding)."""
    digest = hashlib.sha256()
    for name in sorted(frames):
        digest.update(name.encode())
        digest.update(pd.util.hash_pandas_object(frames[name], index=False).to_numpy().tobytes())
    return digest.hexdigest()


def tree_sha256(folder: Path, pattern: str = "**/*") -> str:
    """A hash over every file under ``folder`` (relative paths and contents)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.glob(pattern) if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode())
        digest.update(sha256_file(path).encode())
    return digest.hexdigest()


def file_hashes(pack_dir: Path) -> dict[str, str]:
    """Relative path → sha256 of every file of ``pack_dir`` but the manifest."""
    return {
        p.relative_to(pack_dir).as_posix(): sha256_file(p)
        for p in sorted(pack_dir.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }


def write_manifest(pack_dir: Path, meta: dict, kinds: dict[str, str], known: dict[str, str] | None = None) -> dict:
    """Write ``manifest.json`` listing every file of ``pack_dir`` with its sha256 (``known``: hashes
    already taken, e.g. by the changes report, not read again).

    ``kinds`` maps a relative path to its kind; other files take their top folder as kind
    (``validation/…`` → ``validation``)."""
    known = known or {}
    files = []
    for path in sorted(p for p in pack_dir.rglob("*") if p.is_file() and p.name != MANIFEST and not p.name.endswith(".partial")):
        rel = path.relative_to(pack_dir).as_posix()
        files.append(
            {
                "path": rel,
                "sha256": known.get(rel) or sha256_file(path),
                "bytes": path.stat().st_size,
                "kind": kinds.get(rel, rel.split("/")[0] if "/" in rel else "other"),
            }
        )
    manifest = {**meta, "files": files}
    replace_text(pack_dir / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
    return manifest


def replace_text(path: Path, text: str) -> None:
    """Write ``path`` whole: into a hidden file beside it, then renamed over it (a reader sees the
    old file or the new one, never half of one)."""
    aside = path.with_name(f".{path.name}.partial")
    aside.write_text(text, "utf-8")
    os.replace(aside, path)


LATEST = "latest"
_VERSION = re.compile(r"v([1-9][0-9]*)")


def versions(period_dir: Path) -> list[int]:
    """The version numbers published (or reserved) under ``period_dir``, ascending."""
    if not period_dir.is_dir():
        return []
    return sorted(int(m.group(1)) for p in period_dir.iterdir() if p.is_dir() and (m := _VERSION.fullmatch(p.name)))


def latest(output_dir: Path, period_label: str) -> Path | None:
    """The folder of the period's newest published version (``latest``), or ``None``; a pack published
    before versions existed is its own folder."""
    period_dir = output_dir / period_label
    if (period_dir / LATEST / MANIFEST).is_file():
        return (period_dir / LATEST).resolve()
    if (period_dir / MANIFEST).is_file():
        return period_dir
    return None


def reserve(output_dir: Path, period_label: str) -> Path:
    """Reserve the period's next version: create ``<output>/<period>/v<n>`` empty (atomic: a number
    another run took is skipped). A pack of the old layout is moved aside first."""
    period_dir = output_dir / period_label
    if (period_dir / MANIFEST).is_file():  # published before versions: kept, out of the way
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        aside = output_dir / ".superseded" / f"{period_label}-{stamp}"
        aside.parent.mkdir(parents=True, exist_ok=True)
        os.replace(period_dir, aside)
    period_dir.mkdir(parents=True, exist_ok=True)
    n = (versions(period_dir) or [0])[-1] + 1
    while True:
        try:
            (period_dir / f"v{n}").mkdir()
            return period_dir / f"v{n}"
        except FileExistsError:
            n += 1


def publish(pack_dir: Path, version_dir: Path) -> Path:
    """Publish the complete ``pack_dir`` as its reserved ``version_dir`` (its zip already written
    beside it from ``pack_dir``: ``zip_version(version_dir, source=pack_dir)``): the folder renamed
    onto it — the step that makes the version exist, whole — then ``latest`` pointed at it (unless a
    newer version was published meanwhile). The steps are ``publish.transition``'s."""
    from reportpack.publish import transition

    if not (pack_dir / MANIFEST).is_file():
        raise FileNotFoundError(f"{pack_dir}: no {MANIFEST}; refusing to publish an incomplete pack")
    if not (version_dir.parent / f"{version_dir.name}.zip").is_file():
        raise FileNotFoundError(f"{version_dir}: no zip written beside it; refusing to publish it without one")
    os.replace(pack_dir, version_dir)  # onto the empty reserved folder; same filesystem as the run folder
    transition.reached("published", version_dir)
    point_latest(version_dir)
    transition.reached("latest", version_dir)
    return version_dir


def point_latest(version_dir: Path) -> None:
    """Point the period's ``latest`` at ``version_dir`` unless it points at a newer version already
    (a link made aside, then renamed over the old one: a reader sees one or the other)."""
    period_dir = version_dir.parent.resolve()
    current = latest(output_dir=period_dir.parent, period_label=period_dir.name)
    if current is None or current.parent.resolve() != period_dir or number(current) < number(version_dir):
        link = period_dir / f".{LATEST}-{version_dir.name}"
        link.unlink(missing_ok=True)
        link.symlink_to(version_dir.name, target_is_directory=True)  # relative: the zip and moves keep working
        os.replace(link, period_dir / LATEST)


# already compressed: stored as they are (deflating them again costs time and gains nothing)
_STORED = {".docx", ".xlsx", ".png", ".jpg", ".jpeg", ".pdf", ".zip", ".parquet"}


def zip_version(version_dir: Path, source: Path | None = None) -> Path:
    """(Re)write ``v<n>.zip`` beside the version: its folder (``v<n>/…``) — or ``source``, the pack
    about to become it — built under a hidden name and renamed when complete."""
    period_dir = version_dir.parent.resolve()
    source = (source or version_dir).resolve()
    partial = period_dir / f".{version_dir.name}-partial.zip"
    try:
        with zipfile.ZipFile(partial, "w") as z:
            for path in sorted(source.rglob("*")):
                if path.is_file() and not path.name.endswith(".partial"):
                    method = zipfile.ZIP_STORED if path.suffix.lower() in _STORED else zipfile.ZIP_DEFLATED
                    z.write(path, f"{version_dir.name}/{path.relative_to(source).as_posix()}", compress_type=method)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    target = period_dir / f"{version_dir.name}.zip"
    os.replace(partial, target)
    return target


def release(version_dir: Path) -> None:
    """Give back a reserved version that was never published (its folder is still empty)."""
    with contextlib.suppress(OSError):  # not empty: it was published after all, leave it
        version_dir.rmdir()


def is_version_name(name: str) -> bool:
    return _VERSION.fullmatch(name) is not None


def number(version_dir: Path) -> int:
    """3 for ``…/v3``."""
    return int(_VERSION.fullmatch(version_dir.name).group(1))


def read_manifest(pack_dir: Path) -> dict:
    return json.loads((pack_dir / MANIFEST).read_text("utf-8"))


def discard(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
