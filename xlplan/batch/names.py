"""File names from client names: always safe on Windows, macOS and Linux, never shared."""

from __future__ import annotations

from pathvalidate import ValidationError, sanitize_filename, validate_filename
from pathvalidate.error import ErrorReason

MAX_STEM = 100
_CONSOLE = ("CONIN$", "CONOUT$")  # reserved on Windows, as CON and NUL are (pathvalidate
_LOCK_PREFIX = "~$"  # knows the others); ~$name.xlsx is the lock file Excel keeps for name


def name_problem(name: str) -> str | None:
    """Why a text cannot be used as a file name as it is (an id is a name, never a path),
    or None."""
    if name in (".", ".."):
        return "must be a name, not a path (no / \\ : and not . or ..)"
    try:
        validate_filename(name, platform="windows")
    except ValidationError as exc:
        if exc.reason is ErrorReason.RESERVED_NAME:
            return "is a name Windows reserves"
        if exc.reason is ErrorReason.INVALID_CHARACTER:
            return "must be a name, not a path (no / \\ : and no control character)"
        return "is not a usable file name"
    if name.startswith(_LOCK_PREFIX):
        return "must not start with ~$ (Excel's lock-file names)"
    if name.split(".")[0].upper() in _CONSOLE:
        return "is a name Windows reserves"
    return None


def safe_stem(name: str) -> str:
    """A file name stem: no path, no reserved name (CON, LPT1...), no forbidden character,
    no trailing dot or space, at most MAX_STEM characters."""
    stem = sanitize_filename(name, platform="windows", max_len=MAX_STEM).strip(" .")
    if stem.startswith("~"):  # never Excel's lock-file form
        stem = "_" + stem[1:]
    if stem.split(".")[0].upper() in _CONSOLE:
        stem = "_" + stem
    return stem or "client"


def unique_names(names: list[tuple[str, str]]) -> list[str]:
    """``(client name, tie-breaker)`` pairs to distinct ``.xlsx`` file names, distinct even
    case-insensitively (Windows and macOS file systems ignore case)."""
    taken: set[str] = set()
    out = []
    for name, tie in names:
        stem = safe_stem(name)
        candidate = f"{stem}.xlsx"
        if candidate.casefold() in taken:
            base = safe_stem(f"{stem[: MAX_STEM - len(tie) - 3]} ({tie})")
            candidate, n = f"{base}.xlsx", 2
            while candidate.casefold() in taken:
                candidate, n = f"{base} {n}.xlsx", n + 1
        taken.add(candidate.casefold())
        out.append(candidate)
    return out
