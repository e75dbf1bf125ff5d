"""File names from client names: always safe on Windows, macOS and Linux, never shared."""

from __future__ import annotations

from pathvalidate import sanitize_filename

MAX_STEM = 100


def safe_stem(name: str) -> str:
    """A file name stem: no path, no reserved name (CON, LPT1...), no forbidden character,
    no trailing dot or space, at most MAX_STEM characters."""
    stem = sanitize_filename(name, platform="windows", max_len=MAX_STEM).strip(" .")
    if stem.startswith("~"):  # ~$name.xlsx is the lock file Excel keeps for name.xlsx
        stem = "_" + stem[1:]
    if stem.split(".")[0].upper() in ("CONIN$", "CONOUT$"):  # reserved, as CON and NUL are
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
