"""The true floor of the batch path: a client's workbook written by deflating only the parts
that change from client to client, every other part copied as it is already compressed.

Which parts change is found, not assumed: two clients with different texts in every field
the batch fills (name, sector, consultant) are filled and their parts compared. The floor
then writes a whole, valid package for one client: the changed parts deflated (zlib level 6,
as zipfile does) with their CRC, the others' compressed bytes, CRC and sizes copied from a
filled workbook, local headers, central directory and end record. Nothing else: no
substitution of the client's texts, no content hash (those are the batch's own work).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass

_DOS_DATE = (0 << 9) | (1 << 5) | 1  # 1980-01-01, as xlplan and XlsxWriter date the parts
_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")


def parts_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def changed_parts(first: bytes, second: bytes) -> list[str]:
    """The parts two workbooks of the same shape do not share (in package order)."""
    a, b = parts_of(first), parts_of(second)
    if list(a) != list(b):
        raise ValueError("the two workbooks do not have the same parts")
    return [name for name in a if a[name] != b[name]]


@dataclass(frozen=True)
class _Stored:
    name: bytes
    crc: int
    compressed: bytes
    size: int


def _stored(data: bytes) -> list[_Stored]:
    """Each part's compressed bytes, CRC and size, as the package holds them."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
    out = []
    for info in infos:
        if info.compress_type != zipfile.ZIP_DEFLATED:
            raise ValueError(f"{info.filename} is not deflated")
        header = _LOCAL.unpack_from(data, info.header_offset)
        start = info.header_offset + _LOCAL.size + header[9] + header[10]
        out.append(_Stored(info.filename.encode("utf-8"), info.CRC,
                           data[start:start + info.compress_size], info.file_size))
    return out


def floor_writer(workbook: bytes, changed: list[str]) -> Callable[[], bytes]:
    """A function writing ``workbook`` again at the floor's cost: its ``changed`` parts
    deflated anew, the others copied compressed."""
    content = parts_of(workbook)
    entries = [(s, content[s.name.decode()] if s.name.decode() in changed else None)
               for s in _stored(workbook)]

    def write() -> bytes:
        out = bytearray()
        central = bytearray()
        for stored, fresh in entries:
            if fresh is None:
                crc, compressed, size = stored.crc, stored.compressed, stored.size
            else:
                packer = zlib.compressobj(6, zlib.DEFLATED, -15)
                compressed = packer.compress(fresh) + packer.flush()
                crc, size = zlib.crc32(fresh), len(fresh)
            name = stored.name
            central += _CENTRAL.pack(0x02014B50, 20, 20, 0x800, 8, 0, _DOS_DATE, crc,
                                     len(compressed), size, len(name), 0, 0, 0, 0, 0o600 << 16,
                                     len(out)) + name
            out += _LOCAL.pack(0x04034B50, 20, 0x800, 8, 0, _DOS_DATE, crc, len(compressed),
                               size, len(name), 0) + name
            out += compressed
        start = len(out)
        out += central
        out += _END.pack(0x06054B50, 0, 0, len(entries), len(entries), len(central), start, 0)
        return bytes(out)
    return write


def deflate_all(workbook: bytes) -> Callable[[], None]:
    """The old floor: every part deflated, nothing else (no container)."""
    parts = list(parts_of(workbook).values())

    def run() -> None:
        for part in parts:
            packer = zlib.compressobj(6, zlib.DEFLATED, -15)
            packer.compress(part)
            packer.flush()
    return run


__all__ = ["changed_parts", "deflate_all", "floor_writer", "parts_of"]
