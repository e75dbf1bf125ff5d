"""The ribbon's macros: each is one function of a ``Book``, run by Excel or ``xlplan run``."""

from __future__ import annotations

from collections.abc import Callable

from ._book import Area, Book, Cell, CellValue, Formula, MacroError, MacroResult
from ._file_book import FileBook
from .checking import check_plan
from .dashboard import refresh_dashboard
from .deliverables import client_copy, export_actions
from .funding import check_funding
from .priorities import score_priorities

Macro = Callable[[Book], MacroResult]

#: The ribbon's buttons, in order: the name ``xlplan run`` takes -> the macro.
MACROS: dict[str, Macro] = {
    "score-priorities": score_priorities,
    "check-funding": check_funding,
    "refresh-dashboard": refresh_dashboard,
    "check-plan": check_plan,
    "export-actions": export_actions,
    "client-copy": client_copy,
}

#: The macros that change the book itself (the others write files next to it).
CHANGES_BOOK = frozenset({"score-priorities", "check-funding", "refresh-dashboard",
                          "check-plan"})

__all__ = [
    "CHANGES_BOOK",
    "MACROS",
    "Area",
    "Book",
    "Cell",
    "CellValue",
    "FileBook",
    "Formula",
    "Macro",
    "MacroError",
    "MacroResult",
]
