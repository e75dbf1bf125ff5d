"""The cyclic garbage collector paused while a workbook is built or read, or a plan written.

Each of these makes tens or hundreds of thousands of objects (cells, formats, values, rows read
back, YAML nodes) that live until the command is done with them: a collection meanwhile goes
through live objects only, and those it promotes bring on full collections of the whole
process (a quarter of a large plan's build, a fifth of ``check``'s time on a plan of 10,000
items, more of ``export``'s). What dies while it is paused dies by its reference count as
always; a cycle waits for the first collection after it. Nothing changes when the collector is
already off (a caller's choice, or a pause around this one).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused(collect_young_after: bool = False) -> Iterator[None]:
    """The collector off for the block, then on again if it was on. ``collect_young_after``:
    then one pass over the young objects (a built workbook holds cycles, XlsxWriter's: the
    pass frees it, so that no later collection pays for it)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        if collect_young_after:
            gc.collect(0)
