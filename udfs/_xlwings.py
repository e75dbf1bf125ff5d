"""xlwings' worksheet-function decorators (``func``, ``arg``, ``ret``), loading xlwings only
where they do something.

In Excel (Windows with pywin32), on an xlwings server (``XLWINGS_ON_SERVER=true``) or in a
runtime of xlwings' own, the decorators record each function for Excel: xlwings is imported,
and the host has usually loaded it already. On Linux and macOS xlwings' decorators return the
function unchanged, and importing xlwings only to get them would load pandas and numpy (about
0.4 s and 60 MiB): the same no-ops are defined here instead. When xlwings is loaded already
(xlwings' own registration, run by a test on Linux), its decorators are used, whatever the
platform.
"""

from __future__ import annotations

import os
import sys
import types
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def needs_xlwings() -> bool:
    """Whether xlwings' decorators may record the functions here (else they are no-ops)."""
    return ("xlwings" in sys.modules or os.environ.get("XLWINGS_ON_SERVER") == "true"
            or not sys.platform.startswith(("linux", "darwin")))


def func(f: Any = None, *args: Any, **kwargs: Any) -> Any:
    """``@xw.func`` or ``@xw.func(...)`` off Windows: the function as it is."""

    def inner(g: F) -> F:
        return g

    return inner if f is None else inner(f)


def arg(*args: Any, **kwargs: Any) -> Callable[[F], F]:
    """``@xw.arg(...)`` off Windows: the function as it is."""

    def inner(g: F) -> F:
        return g

    return inner


def ret(*args: Any, **kwargs: Any) -> Callable[[F], F]:
    """``@xw.ret(...)`` off Windows: the function as it is."""

    def inner(g: F) -> F:
        return g

    return inner


def decorators() -> Any:
    """xlwings itself where its decorators record functions, else the same no-ops."""
    if needs_xlwings():
        import xlwings

        return xlwings
    return types.SimpleNamespace(func=func, arg=arg, ret=ret)
