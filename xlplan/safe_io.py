"""Writing files without ever leaving a half-written one or clobbering a person's work."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import OutputError
from .provenance import Provenance, provenance

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_text(text: str) -> str:
    """A CSV cell a spreadsheet will not take for a formula (OWASP CSV injection): text
    starting with = + - @, a tab or a carriage return gets a leading apostrophe."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def lock_file(path: Path) -> Path:
    """The lock file Excel keeps next to a workbook it has open: ``~$name.xlsx``."""
    return path.with_name("~$" + path.name)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
    except OSError:
        return False


def check_target(path: Path, force: bool, overwrite_edited: bool = False,
                 inputs: Iterable[Path | None] = ()) -> None:
    """Refuse a target that is one of the command's ``inputs`` (whatever the path says:
    links and ``..`` resolved), a link or a special file (a device, a pipe), that Excel has
    open, that a person edited since xlplan generated it (unless ``overwrite_edited``), or
    that exists (unless ``force``)."""
    path = Path(path)
    for source in inputs:
        if source is not None and _same_file(path, Path(source)):
            raise OutputError(f"{path}: is this command's input {source}; write to another file")
    if path.is_symlink():
        raise OutputError(f"{path}: is a link; give the file itself")
    if path.exists() and not path.is_file() and not path.is_dir():
        raise OutputError(f"{path}: is not a regular file (a device or a pipe); give a file")
    if lock_file(path).exists():
        raise OutputError(f"{path}: open in Excel ({lock_file(path).name} exists); close it first")
    if path.is_dir():
        raise OutputError(f"{path}: is a folder")
    if not path.exists():
        return
    if provenance(path) is Provenance.EDITED and not overwrite_edited:
        raise OutputError(f"{path}: edited since xlplan generated it; not replaced "
                          "(use --overwrite-edited to replace it anyway)")
    if not (force or overwrite_edited):
        raise OutputError(f"{path}: already exists; use --force to replace it")


def _mode_for(path: Path) -> int:
    """An existing file's mode, else what a plain open() would give (0666 less the umask)."""
    if path.exists():
        return path.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextmanager
def atomic_target(path: Path, durable: bool = True) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to (streaming, for large outputs); flushed
    to disk (unless not ``durable``), renamed into place when the block ends, removed if it
    fails."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        if durable:
            with open(tmp, "rb+") as handle:
                os.fsync(handle.fileno())
        os.chmod(tmp, _mode_for(path))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write(path: Path, data: bytes, durable: bool = True) -> None:
    """Write through a temporary file in the same folder, flushed, then renamed into place.

    ``durable=False`` skips the per-file fsync (the rename is still atomic): a batch writing
    thousands of files syncs once at the end instead."""
    with atomic_target(path, durable) as tmp:
        tmp.write_bytes(data)
