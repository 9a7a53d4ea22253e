"""File and folder names from text: every name ReportPack writes that comes from data or a file a
report owner edits goes through ``portable``, and every path a pack will hold through ``claim``.

The warehouse decides unit ids and names (``U0001_解放路分理处``), a pack definition its folders; none
of them may steer a file outside the pack, overwrite another document or make a name that Windows or
macOS — where report owners unzip packs — cannot hold. ``portable`` maps any text to a name that:

* holds no path separator, no character Windows forbids (``< > : " / \\ | ? *``), no control, format
  (bidi override) or separator character, no surrogate or noncharacter;
* is not ``.``/``..``, does not start with a dot (hidden) nor end with a dot or space, and is not a
  Windows device name (``CON``, ``NUL``, ``COM1`` …);
* is at most ``MAX_UNITS`` UTF-16 code units (Windows counts those) and ``MAX_BYTES`` UTF-8 bytes
  (Linux and macOS count those), its suffix included;
* is the text itself when that is already such a name; otherwise the repaired text followed by
  ``~`` and 8 hex digits of the original's SHA-256, so two texts repaired alike stay apart and the
  same text always gets the same name.

Windows and macOS compare names ignoring case (and macOS ignoring Unicode normalisation): ``claim``
checks a pack's paths that way and refuses a collision naming both sources, rather than letting one
document overwrite another. ``inside`` checks a path on its resolved form before anything is
written there.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from reportpack.errors import DataFailedValidation, InputError

MAX_UNITS = 80  # UTF-16 code units of one name, suffix included (Windows: 255 per name, 260 per path)
MAX_BYTES = 240  # UTF-8 bytes of one name (ext4, APFS: 255)
_FORBIDDEN = frozenset('<>:"/\\|?*')
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_DEVICES = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"]
    + [f"{p}{n}" for p in ("COM", "LPT") for n in [*"0123456789", "¹", "²", "³"]]
)
_HASH = 8


class NameCollision(DataFailedValidation):
    """Two sources would be written to one file (or folder): names both and the path."""


class OutsideFolder(InputError):
    """A path that would leave the folder it must be written in."""


def _bad(ch: str) -> bool:
    if ch in _FORBIDDEN or ch in _BIDI:
        return True
    code = ord(ch)
    if (code & 0xFFFE) == 0xFFFE or 0xFDD0 <= code <= 0xFDEF:  # noncharacters
        return True
    return unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp")


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _fits(text: str, room_units: int, room_bytes: int) -> bool:
    return _units(text) <= room_units and len(text.encode("utf-8")) <= room_bytes


def portable(text: str, suffix: str = "") -> str:
    """A portable, bounded file or folder name for ``text`` (``suffix``, e.g. ``".docx"``, appended;
    it must itself be portable ASCII). See the module's rules."""
    nfc = unicodedata.normalize("NFC", text)
    name = "".join("_" if _bad(ch) else ch for ch in nfc).strip(" ")
    if name.startswith("."):
        name = "_" + name[1:]
    if name.endswith("."):
        name = name[:-1] + "_"
    if name.split(".")[0].rstrip(" ").upper() in _DEVICES:
        name = "_" + name
    if not name:
        name = "_"
    if name == nfc and _fits(name + suffix, MAX_UNITS, MAX_BYTES):
        return name + suffix
    tag = "~" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:_HASH]
    room_units, room_bytes = MAX_UNITS - len(tag) - len(suffix), MAX_BYTES - len(tag) - len(suffix)
    name = name[:room_units]  # every character is at least one unit: cut at once, then trim what is still too long
    while not _fits(name, room_units, room_bytes):
        name = name[:-1]
    # a name cut mid-way may end in a space or dot again, or split a combining sequence: tidy the end
    name = name.rstrip(" .") or "_"
    return name + tag + suffix


def fold(path: str) -> str:
    """The form two file systems that ignore case and normalisation compare ``path`` in."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFD", path).casefold())


def claim(entries: Iterable[tuple[str, str]]) -> None:
    """Check that the paths (``"a/b/c.docx"``, relative), each with the source that wants it, never
    give one file or folder to two sources, compared as Windows and macOS compare names. The same
    source may claim a path again (e.g. a sub-branch's folder, once per document in it)."""
    seen: dict[str, tuple[str, str]] = {}
    for path, source in entries:
        key = fold(path)
        before = seen.setdefault(key, (path, source))
        if before[1] != source:
            same = "the same name" if before[0] == path else f"names that differ only in case or form ({before[0]!r})"
            raise NameCollision(
                f"{path!r} would be written for both {before[1]} and {source} ({same}): "
                "two sources may not share a file or folder name; rename one in the warehouse"
            )


def inside(root: Path, relative: str | Path) -> Path:
    """``root / relative``, refused unless its resolved form lies within ``root``'s (no ``..``, no
    absolute part, no symbolic link leading out)."""
    base = root.resolve()
    target = (root / relative).resolve()
    if not target.is_relative_to(base):
        raise OutsideFolder(f"{relative!s} resolves to {target}, outside {base}: refusing to write there")
    return target
