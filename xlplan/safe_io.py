"""Writing files without ever leaving a half-written one or clobbering a person's work."""

from __future__ import annotations

import functools
import hashlib
import os
import re
import socket
import sys
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


# A temporary file is hidden, beside its target, and says whose it is:
# ``.{target name}.{pid}.{host}.{random}.xlplan-tmp``. A run killed before its rename leaves
# it behind; the next run removes those of processes that are gone (remove_stale_temporaries).
TMP_SUFFIX = ".xlplan-tmp"
_TMP_NAME = re.compile(r"\..*\.(?P<pid>[0-9]{1,10})\.(?P<host>[0-9a-f]{8})\.[a-z0-9_]+"
                       + re.escape(TMP_SUFFIX))
_TMP_NAME_BYTES = 96  # of the target's name in it: the whole within 255 bytes (NAME_MAX)


@functools.cache
def _host_tag() -> str:
    """This machine, in 8 hex digits: a process id means something only on its own host (a
    shared or network folder is written from several)."""
    return hashlib.sha256(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:8]


def _running(pid: int) -> bool:
    """Whether a process of this host has that id (when unsure: yes)."""
    if pid <= 0:
        return True
    if pid == os.getpid():
        return True
    if sys.platform == "win32":  # os.kill(pid, 0) would end the process there
        import ctypes
        from ctypes import wintypes

        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        kernel32.OpenProcess.restype = wintypes.HANDLE
        kernel32.OpenProcess.argtypes = (wintypes.DWORD, wintypes.BOOL, wintypes.DWORD)
        kernel32.GetExitCodeProcess.argtypes = (wintypes.HANDLE, ctypes.POINTER(wintypes.DWORD))
        kernel32.CloseHandle.argtypes = (wintypes.HANDLE,)
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return ctypes.get_last_error() != 87  # ERROR_INVALID_PARAMETER: no such process
        try:
            code = wintypes.DWORD()
            if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
                return True
            return code.value == 259  # STILL_ACTIVE
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):
        return True  # another user's process (PermissionError), or a pid too large here
    return True


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Remove the temporary files that xlplan processes of this host left in ``folder`` and
    that are no longer running (a run killed before its rename); return them. Only regular
    files named as :func:`atomic_target` names them are touched: never a link, a folder,
    another program's file, one of a running process or of another host."""
    removed: list[Path] = []
    host = _host_tag()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _TMP_NAME.fullmatch(entry.name)
        if match is None or match["host"] != host:
            continue
        try:
            if not entry.is_file(follow_symlinks=False) or _running(int(match["pid"])):
                continue
            os.unlink(entry.path)
        except OSError:
            continue
        removed.append(Path(entry.path))
    return removed


@contextmanager
def atomic_target(path: Path, durable: bool = True) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to (streaming, for large outputs); flushed
    to disk (unless not ``durable``), renamed into place when the block ends, removed if it
    fails. Its name (hidden, ending ``.xlplan-tmp``) carries this process's id and host, so
    that one left by a killed run can be told from one being written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    name = path.name.encode("utf-8", "surrogatepass")[:_TMP_NAME_BYTES].decode("utf-8", "ignore")
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.{os.getpid()}.{_host_tag()}.",
                               suffix=TMP_SUFFIX, dir=path.parent)
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
