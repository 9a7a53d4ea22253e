"""Deterministic bytes for Word packages: fixed document timestamps and zip entry dates."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

# Fixed document timestamps: a document's bytes depend on its content only.
FIXED_TIME = datetime(2000, 1, 1, tzinfo=UTC)
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def normalise_zip(data: bytes) -> bytes:
    # python-docx stamps zip entries with the current time; rewrite them with a fixed one.
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


_DOS_DATE = ((ZIP_TIME[0] - 1980) << 9) | (ZIP_TIME[1] << 5) | ZIP_TIME[2]
STORE_BELOW = 4096  # bytes: smaller parts are stored, not deflated (zlib's set-up costs more than it saves)
# Deflate levels: a part written for one document is deflated fast (level 1: 40 % less time than
# zlib's default 6 for 15 % more bytes); a part written once per process and copied into every
# document (``STATIC``: the style base's) is deflated hard, which more than wins those bytes back.
PER_DOCUMENT = 1
STATIC = 9
_CENTRAL = struct.Struct("<HHHHHI")
_OFFSET = struct.Struct("<I")


@dataclass(frozen=True)
class Member:
    """A zip member, compressed once, its headers made once: written into any number of archives as is."""

    name: bytes
    crc: int
    size: int
    method: int  # 0 stored, 8 deflated
    data: bytes
    local: bytes = field(init=False, repr=False, compare=False)  # the local file header
    central: bytes = field(init=False, repr=False, compare=False)  # its central directory entry up to the offset

    def __post_init__(self) -> None:
        fixed = struct.pack("<HHHHHIII", 20, 0, self.method, 0, _DOS_DATE, self.crc, len(self.data), self.size)
        object.__setattr__(self, "local", b"PK\x03\x04" + fixed + struct.pack("<HH", len(self.name), 0) + self.name)
        central = b"PK\x01\x02" + struct.pack("<H", 20) + fixed + _CENTRAL.pack(len(self.name), 0, 0, 0, 0, 0o600 << 16)
        object.__setattr__(self, "central", central)

    @classmethod
    def of(cls, name: str, raw: bytes, level: int = PER_DOCUMENT) -> Member:
        if len(raw) < STORE_BELOW:
            return cls(name.encode("utf-8"), zlib.crc32(raw), len(raw), 0, raw)
        deflater = zlib.compressobj(level, zlib.DEFLATED, -15)
        return cls(name.encode("utf-8"), zlib.crc32(raw), len(raw), 8, deflater.compress(raw) + deflater.flush())


def write_zip(members: list[Member]) -> bytes:
    """A zip archive of already-compressed members, with fixed dates (same members, same bytes).
    Written by hand: ``zipfile`` compresses whatever it is given, so the parts of a style base that
    never change would be deflated again for every document."""
    out, central = [], []
    offset = 0
    for m in members:
        out += (m.local, m.data)
        central += (m.central, _OFFSET.pack(offset), m.name)
        offset += len(m.local) + len(m.data)
    directory = b"".join(central)
    end = b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, len(members), len(members), len(directory), offset, 0)
    return b"".join(out) + directory + end
