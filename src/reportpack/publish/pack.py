"""The pack: manifest with sha256 of every file, and atomic publication.

A pack is assembled in the run's private folder and moved into ``<output>/<period>`` only when
complete. A pack already published for the period is moved aside to ``<output>/.superseded/``,
never deleted, so no signed-off version is lost.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
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


def write_manifest(pack_dir: Path, meta: dict, kinds: dict[str, str]) -> dict:
    """Write ``manifest.json`` listing every file of ``pack_dir`` with its sha256.

    ``kinds`` maps a relative path to its kind; other files take their top folder as kind
    (``validation/…`` → ``validation``)."""
    files = []
    for path in sorted(p for p in pack_dir.rglob("*") if p.is_file() and p.name != MANIFEST):
        rel = path.relative_to(pack_dir).as_posix()
        files.append(
            {
                "path": rel,
                "sha256": sha256_file(path),
                "bytes": path.stat().st_size,
                "kind": kinds.get(rel, rel.split("/")[0] if "/" in rel else "other"),
            }
        )
    manifest = {**meta, "files": files}
    (pack_dir / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), "utf-8")
    return manifest


def publish(pack_dir: Path, output_dir: Path, period_label: str) -> Path:
    """Move the complete ``pack_dir`` to ``output_dir/period_label``; the old pack is kept aside."""
    if not (pack_dir / MANIFEST).is_file():
        raise FileNotFoundError(f"{pack_dir}: no {MANIFEST}; refusing to publish an incomplete pack")
    output_dir.mkdir(parents=True, exist_ok=True)
    target = output_dir / period_label
    if target.exists():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        aside = output_dir / ".superseded" / f"{period_label}-{stamp}"
        aside.parent.mkdir(parents=True, exist_ok=True)
        os.replace(target, aside)
    os.replace(pack_dir, target)  # same filesystem: the run folder lives under output_dir
    return target


def read_manifest(pack_dir: Path) -> dict:
    return json.loads((pack_dir / MANIFEST).read_text("utf-8"))


def discard(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
