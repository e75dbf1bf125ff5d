"""xlplan's cache across runs: what it derives from its own template data alone (the parsed
YAML in ``templates.py``, the compiled formula templates in ``formulas.py``).

Each file is named by a hash of all it depends on and sealed by a digest of its bytes and
name: a file missing, changed, truncated, another's or from another version is not used, the
data is derived again (and nothing fails for it: a directory that cannot be made or written
only means no cache). XLPLAN_NO_CACHE=1 turns the cache off, XLPLAN_CACHE_DIR chooses its
directory.
"""

from __future__ import annotations

import contextlib
import functools
import os
import stat
import sys

NO_CACHE_VARIABLE = "XLPLAN_NO_CACHE"  # set (to anything but 0): no cache read or written
CACHE_DIR_VARIABLE = "XLPLAN_CACHE_DIR"  # the cache directory, instead of the user's own
_SEAL = 32  # a cache file ends with the SHA-256 of its key and of the bytes before


@functools.cache
def cache_dir() -> str | None:
    """The directory of xlplan's cache, made if need be, or None: no cache. By default the
    user's cache directory (``$XDG_CACHE_HOME/xlplan`` or ``~/.cache/xlplan``;
    ``%LOCALAPPDATA%\\xlplan\\Cache`` on Windows), kept across reboots, unlike Jinja's default
    (a directory of the system's temporary one). What it holds is run as code (compiled
    templates): on POSIX a directory another user owns, or others may write to, is not used."""
    if os.environ.get(NO_CACHE_VARIABLE, "") not in ("", "0"):
        return None
    path = os.environ.get(CACHE_DIR_VARIABLE, "")
    if not path:
        if sys.platform == "win32":
            base = os.environ.get("LOCALAPPDATA", "")
            path = os.path.join(base, "xlplan", "Cache") if os.path.isabs(base) else ""
        else:
            base = os.environ.get("XDG_CACHE_HOME", "")
            if not os.path.isabs(base):  # unset, or relative: the XDG spec says to ignore it
                base = os.path.join(os.path.expanduser("~"), ".cache")
            path = os.path.join(base, "xlplan") if os.path.isabs(base) else ""
    if not path:
        return None
    path = os.path.abspath(path)
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)
        found = os.stat(path)
    except (OSError, ValueError):
        return None
    if not stat.S_ISDIR(found.st_mode):
        return None
    if hasattr(os, "getuid") and (found.st_uid != os.getuid()
                                  or found.st_mode & (stat.S_IWGRP | stat.S_IWOTH)):
        return None
    return path


def cache_key(*parts: str | bytes) -> str:
    """A cache file's name part: the hash of all the file's content depends on."""
    import hashlib

    digest = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()


def _digest(key: str, payload: bytes) -> bytes:
    import hashlib

    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass"))
    digest.update(b"\0")
    digest.update(payload)
    return digest.digest()


def seal(payload: bytes, key: str) -> bytes:
    """The bytes of the cache file of ``key``: the payload and its digest, the key's with it."""
    return payload + _digest(key, payload)


def unseal(data: bytes, key: str) -> bytes | None:
    """The payload of the cache file of ``key``, or None if ``seal`` did not write these bytes
    for this key: changed, truncated, or another file's (marshal is not meant for bytes it did
    not write)."""
    payload = data[:-_SEAL]
    if len(data) <= _SEAL or _digest(key, payload) != data[-_SEAL:]:
        return None
    return payload


def read_cached(name: str) -> bytes | None:
    """The payload of cache file ``name``, or None: no cache, no such file, or not sealed."""
    directory = cache_dir()
    if directory is None:
        return None
    try:
        with open(os.path.join(directory, name), "rb") as f:
            data = f.read()
    except (OSError, ValueError):
        return None
    return unseal(data, name)


def write_cached(name: str, payload: bytes) -> None:
    """Keep ``payload`` as cache file ``name``, or nothing if it cannot be written. The file is
    written aside and renamed over: a concurrent reader sees a whole file or none (as Jinja's
    ``FileSystemBytecodeCache.dump_bytecode`` does)."""
    directory = cache_dir()
    if directory is None:
        return
    import tempfile

    target = os.path.join(directory, name)
    try:
        fd, temporary = tempfile.mkstemp(dir=directory, prefix=name, suffix=".tmp")
    except (OSError, ValueError):
        return
    written = False
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(seal(payload, name))
        os.replace(temporary, target)
        written = True
    except OSError:
        pass  # a full disk, a directory removed meanwhile: not kept
    finally:
        if not written:
            with contextlib.suppress(OSError):
                os.remove(temporary)
