"""A writer of compound files (MS-CFB, version 3): the container a vbaProject.bin is.

Python's well-kept OLE libraries only read (olefile can rewrite a stream of the same size),
so this writes one from scratch: 512-byte sectors, small streams in the mini stream, and each
storage's children in a balanced red-black tree. The output is read back by olefile in the
tests, and by oletools' olevba.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass, field

SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096
FREE, END_OF_CHAIN, FAT_SECTOR, NO_STREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
_IDS_PER_SECTOR = SECTOR // 4
_HEADER_DIFAT = 109
_STORAGE, _STREAM, _ROOT = 1, 2, 5
_RED, _BLACK = 0, 1


@dataclass
class _Entry:
    name: str
    kind: int
    data: bytes = b""
    children: list[_Entry] = field(default_factory=list)
    left: int = NO_STREAM
    right: int = NO_STREAM
    child: int = NO_STREAM
    color: int = _BLACK
    start: int = END_OF_CHAIN
    size: int = 0


def _order(name: str) -> tuple[int, str]:
    """Siblings are ordered by name length first, then by upper-cased name (MS-CFB 2.6.4)."""
    return len(name), name.upper()


def _tree(entries: list[_Entry], ids: dict[int, int], depth: int, full: bool,
          height: int) -> int:
    """Link ``entries`` (sorted) as a size-balanced tree; return its root's id. Every level
    but the last is full, so all-black except a partial last level (red) is a valid
    red-black tree."""
    if not entries:
        return NO_STREAM
    middle = len(entries) // 2
    node = entries[middle]
    node.color = _RED if depth == height and not full else _BLACK
    node.left = _tree(entries[:middle], ids, depth + 1, full, height)
    node.right = _tree(entries[middle + 1:], ids, depth + 1, full, height)
    return ids[id(node)]


def _link(storage: _Entry, ids: dict[int, int]) -> None:
    children = sorted(storage.children, key=lambda e: _order(e.name))
    count = len(children)
    height = count.bit_length() - 1  # depth of the last level
    full = count == (1 << (height + 1)) - 1
    storage.child = _tree(children, ids, 0, full, height)
    for child in children:
        if child.kind == _STORAGE:
            _link(child, ids)


def _pad(data: bytes, unit: int) -> bytes:
    return data + b"\0" * (-len(data) % unit)


def _chain(start: int, count: int) -> list[int]:
    return [start + i + 1 for i in range(count - 1)] + [END_OF_CHAIN] if count else []


def _entry_bytes(entry: _Entry) -> bytes:
    name = entry.name.encode("utf-16-le")
    if len(entry.name) > 31:
        raise ValueError(f"compound file names have at most 31 characters: {entry.name!r}")
    return struct.pack("<64sHBBIII16sIQQIQ", name, len(name) + 2 if entry.name else 0,
                       entry.kind, entry.color, entry.left, entry.right, entry.child,
                       b"\0" * 16, 0, 0, 0, entry.start, entry.size)


def compound_file(streams: Mapping[str, bytes]) -> bytes:
    """A compound file holding ``streams``, keyed by path (``"VBA/dir"``); storages are
    made for the folders. The same streams always give the same bytes."""
    root = _Entry("Root Entry", _ROOT)
    storages: dict[str, _Entry] = {"": root}
    folded = {path.upper() for path in streams}
    if len(folded) < len(streams):
        raise ValueError("compound file names are case-insensitive: two streams collide")
    for path in folded:
        if any(other.startswith(path + "/") for other in folded):
            raise ValueError(f"{path!r} cannot be both a stream and a storage")
    for path, data in streams.items():
        parent = root
        parts = path.split("/")
        for depth in range(1, len(parts)):
            key = "/".join(parts[:depth]).upper()
            if key not in storages:
                # a storage's start sector and size are zero (MS-CFB 2.6.3)
                storages[key] = _Entry(parts[depth - 1], _STORAGE, start=0)
                parent.children.append(storages[key])
            parent = storages[key]
        parent.children.append(_Entry(parts[-1], _STREAM, bytes(data), size=len(data)))
    entries = [root]
    for entry in entries:  # breadth first: a storage's children follow it
        entries.extend(entry.children)
    ids = {id(entry): index for index, entry in enumerate(entries)}
    _link(root, ids)

    mini = bytearray()
    mini_fat: list[int] = []
    big = [e for e in entries if e.kind == _STREAM and e.size >= MINI_CUTOFF]
    for entry in entries:
        if entry.kind == _STREAM and 0 < entry.size < MINI_CUTOFF:
            entry.start = len(mini) // MINI_SECTOR
            sectors = -(-entry.size // MINI_SECTOR)
            mini_fat += _chain(entry.start, sectors)
            mini += _pad(entry.data, MINI_SECTOR)
    mini_fat_sectors = -(-len(mini_fat) // _IDS_PER_SECTOR)
    mini_fat += [FREE] * (mini_fat_sectors * _IDS_PER_SECTOR - len(mini_fat))
    mini_fat_bytes = struct.pack(f"<{len(mini_fat)}I", *mini_fat)
    dir_sectors = -(-len(entries) * 128 // SECTOR)
    mini_sectors = -(-len(mini) // SECTOR)
    data_sectors = mini_fat_sectors + dir_sectors + mini_sectors + sum(
        -(-e.size // SECTOR) for e in big)
    fat_sectors = 1
    while fat_sectors * _IDS_PER_SECTOR < fat_sectors + data_sectors:
        fat_sectors += 1
    if fat_sectors > _HEADER_DIFAT:
        raise ValueError("compound file too large for this writer (no DIFAT sectors)")

    fat = [FAT_SECTOR] * fat_sectors
    body = bytearray()
    mini_fat_start = len(fat) if mini_fat_sectors else END_OF_CHAIN
    fat += _chain(len(fat), mini_fat_sectors)
    body += mini_fat_bytes
    dir_start = len(fat)
    fat += _chain(dir_start, dir_sectors)
    dir_at = len(body)
    body += b"\0" * (dir_sectors * SECTOR)
    root.start = len(fat) if mini else END_OF_CHAIN
    root.size = len(mini)
    fat += _chain(len(fat), mini_sectors)
    body += _pad(bytes(mini), SECTOR)
    for entry in big:
        entry.start = len(fat)
        sectors = -(-entry.size // SECTOR)
        fat += _chain(entry.start, sectors)
        body += _pad(entry.data, SECTOR)
    directory = b"".join(_entry_bytes(e) for e in entries)
    free_entry = struct.pack("<64sHBBIII16sIQQIQ", b"", 0, 0, 0, NO_STREAM, NO_STREAM,
                             NO_STREAM, b"\0" * 16, 0, 0, 0, 0, 0)
    directory += free_entry * (dir_sectors * 4 - len(entries))
    body[dir_at:dir_at + len(directory)] = directory
    fat += [FREE] * (fat_sectors * _IDS_PER_SECTOR - len(fat))
    difat = list(range(fat_sectors)) + [FREE] * (_HEADER_DIFAT - fat_sectors)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII", bytes.fromhex("D0CF11E0A1B11AE1"), b"\0" * 16, 0x003E, 3,
        0xFFFE, 9, 6, b"\0" * 6, 0, fat_sectors, dir_start, 0, MINI_CUTOFF, mini_fat_start,
        mini_fat_sectors, END_OF_CHAIN, 0) + struct.pack(f"<{_HEADER_DIFAT}I", *difat)
    return header + struct.pack(f"<{len(fat)}I", *fat) + bytes(body)
