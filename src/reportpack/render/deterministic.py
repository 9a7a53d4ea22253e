"""Deterministic bytes for Word packages: fixed document timestamps and zip entry dates."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Member:
    """A zip member, compressed once: written into any number of archives as is."""

    name: bytes
    crc: int
    size: int
    method: int  # 0 stored, 8 deflated
    data: bytes

    @classmethod
    def of(cls, name: str, raw: bytes) -> Member:
        if len(raw) < STORE_BELOW:
            return cls(name.encode("utf-8"), zlib.crc32(raw), len(raw), 0, raw)
        deflater = zlib.compressobj(6, zlib.DEFLATED, -15)
        return cls(name.encode("utf-8"), zlib.crc32(raw), len(raw), 8, deflater.compress(raw) + deflater.flush())


def write_zip(members: list[Member]) -> bytes:
    """A zip archive of already-compressed members, with fixed dates (same members, same bytes).
    Written by hand: ``zipfile`` compresses whatever it is given, so the parts of a style base that
    never change would be deflated again for every document."""
    out, central = [], []
    offset = 0
    for m in members:
        fixed = struct.pack("<HHHHHIII", 20, 0, m.method, 0, _DOS_DATE, m.crc, len(m.data), m.size)
        local = b"PK\x03\x04" + fixed + struct.pack("<HH", len(m.name), 0) + m.name
        out += [local, m.data]
        central.append(
            b"PK\x01\x02"
            + struct.pack("<H", 20)
            + fixed
            + struct.pack("<HHHHHII", len(m.name), 0, 0, 0, 0, 0o600 << 16, offset)
            + m.name
        )
        offset += len(local) + len(m.data)
    directory = b"".join(central)
    end = b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, len(members), len(members), len(directory), offset, 0)
    return b"".join(out) + directory + end
