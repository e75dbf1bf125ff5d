"""Worker processes for batch and consolidate: each ends with the process that started it,
even one killed outright, and a quiet one says nothing on standard error."""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import suppress
from multiprocessing import get_context

_PR_SET_PDEATHSIG = 1  # linux/prctl.h
_WATCH_SECONDS = 0.5


def _watch_parent(parent: int) -> None:
    """End this process soon after ``parent`` ends (polled: any platform). On POSIX an
    orphan is adopted by another process, so its parent id changes; on Windows it does not,
    and the parent's handle says whether it still runs."""
    if sys.platform == "win32":
        from multiprocessing import parent_process

        handle = parent_process()

        def gone() -> bool:
            return handle is not None and not handle.is_alive()
    else:
        def gone() -> bool:
            return os.getppid() != parent

    def watch() -> None:
        while not gone():
            time.sleep(_WATCH_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="xlplan-parent-watch", daemon=True).start()


def _die_with_parent(parent: int | None) -> None:
    """Initialiser of a worker process: the worker ends with the batch that started it, even
    one killed outright (SIGKILL gives it no chance to stop its workers). ``parent`` is the
    process that starts workers, when it is the batch itself (None under forkserver)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the batch's, which stops its pool
    if sys.platform.startswith("linux"):
        with suppress(OSError, AttributeError):  # the kernel kills it when its parent ends
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    watched = os.getppid() if parent is None else parent
    if os.getppid() != watched:  # the parent ended before the line above
        os._exit(1)
    _watch_parent(watched)


def _worker_init(parent: int | None, quiet: bool) -> None:
    _die_with_parent(parent)
    if quiet:  # a native reader's own report of its crash (a Rust panic and its backtrace):
        # the crash is reported as that file's failure, never as noise on the terminal
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)


def worker_pool(workers: int, quiet: bool = False) -> ProcessPoolExecutor:
    """Worker processes that end with the process that started them; ``quiet`` ones write
    nothing to standard error (their failures come back as results)."""
    context = get_context()
    parent = os.getpid() if context.get_start_method() in ("fork", "spawn") else None
    return ProcessPoolExecutor(max_workers=workers, mp_context=context,
                               initializer=_worker_init, initargs=(parent, quiet))
