"""The text of a plan file, and the limits a plan file is read within.

A plan file may come from anyone, so reading one is bounded, with the same rules for YAML and
JSON: at most :data:`MAX_PLAN_BYTES` of UTF-8 text (a BOM allowed) from a regular file, never
a device or a pipe; collections nested at most :data:`MAX_DEPTH` deep and at most
:data:`MAX_NODES` values, YAML aliases expanded (no "billion laughs"), and no alias inside its
own anchor; number literals of at most :data:`MAX_NUMBER_CHARS` characters; numbers finite.
The limits are checked on the YAML events (``plan_yaml``) or the JSON tokens (``plan_json``),
before anything is built from them. Every refusal is a :class:`PlanError`, never a traceback.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from .errors import PlanError, Problem
from .plan_rules import Location

MAX_PLAN_BYTES = 32 * 2**20
"""The largest plan file read (a 10,000-item plan is a few MB)."""
MAX_DEPTH = 64
"""Deepest nesting of collections (mappings and lists) read; a plan needs 4."""
MAX_NODES = 2_000_000
"""Most values (keys included, YAML aliases expanded) read; a 10,000-item plan has ~200,000."""
MAX_NUMBER_CHARS = 1_000
"""Longest number literal read (Python itself refuses integers of more than 4,300 digits)."""
MAX_PROBLEMS = 1_000
"""Most problems listed; the report says when there are more."""


def _too_deep(aliases: bool = False) -> str:
    expanded = " once aliases are expanded" if aliases else ""
    return f"nested deeper than {MAX_DEPTH} levels{expanded} (refused)"


def format_path(loc: Location) -> str:
    """``('priorities', 3, 'score')`` -> ``priorities[3].score``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out or "(top level)"


def _refusal(source: str, message: str, line: int | None = None) -> PlanError:
    return PlanError(source, [Problem("(file)", message, line)])


def _line(mark: Any) -> int | None:
    return mark.line + 1 if mark is not None else None


def _too_many(aliases: bool) -> str:
    expanded = " once aliases are expanded" if aliases else ""
    return f"more than {MAX_NODES:,} values{expanded} (refused)"


def _too_long(chars: int) -> str:
    return f"a number of {chars:,} characters (at most {MAX_NUMBER_CHARS:,}; refused)"


# --- the file --------------------------------------------------------------------------------

def _size(count: int) -> str:
    return f"{count // 2**20} MiB" if count % 2**20 == 0 else f"{count:,} bytes"


def _open_without_blocking(path: str, flags: int) -> int:
    """A FIFO put in place of the file after it was checked must not block the open."""
    return os.open(path, flags | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))


def _read_text(path: Path) -> str:
    """The text of a plan file: a regular file of at most MAX_PLAN_BYTES of UTF-8, its BOM
    dropped and its line ends ``\\n``; or a PlanError saying why not."""
    source = str(path)
    not_a_file = "cannot be read: not a regular file (a device, pipe or socket; refused)"
    too_large = f"larger than {_size(MAX_PLAN_BYTES)} (refused)"
    try:
        mode = path.stat().st_mode
        if stat.S_ISDIR(mode):
            raise _refusal(source, "cannot be read: a folder, not a file")
        if not stat.S_ISREG(mode):
            raise _refusal(source, not_a_file)
        with open(path, "rb", opener=_open_without_blocking) as file:
            info = os.fstat(file.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise _refusal(source, not_a_file)  # swapped since checked
            if info.st_size > MAX_PLAN_BYTES:
                raise _refusal(source, too_large)
            # one more byte than the file's size (never a 32 MiB buffer for a small file), then
            # the rest up to the limit if there was more (a file growing, or one that says 0)
            want = min(info.st_size, MAX_PLAN_BYTES) + 1
            data = file.read(want)
            if len(data) == want and want <= MAX_PLAN_BYTES:
                data += file.read(MAX_PLAN_BYTES + 1 - want)
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        raise _refusal(source, f"cannot be read: {exc}") from None
    if len(data) > MAX_PLAN_BYTES:
        raise _refusal(source, too_large)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _refusal(source, f"cannot be read: not UTF-8 text (byte 0x{data[exc.start]:02x} "
                               f"at offset {exc.start:,}: {exc.reason})",
                       data.count(b"\n", 0, exc.start) + 1) from None
    text = text.removeprefix("\ufeff")
    if "\r" in text:  # as a file opened as text reads it
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text
