"""The xlplan ribbon tab's Python side: what each button of xlplan.xlam runs.

Each function is the target of one ``RunPython`` call in ``udfs/addin/XlplanRibbon.bas``. It
runs the macro of the same name (xlplan/macros) on the active workbook and tells the
consultant what happened in a message box; an error becomes a message, never a traceback.
"""

from __future__ import annotations

from xlplan.errors import XlplanError
from xlplan.macros import MACROS, Book, MacroResult

from ._excel_book import ExcelBook


def run(name: str, book: Book | None = None) -> MacroResult | None:
    """Run macro ``name`` on ``book`` (the workbook Excel is calling from by default)."""
    book = book if book is not None else ExcelBook.caller()
    try:
        result = MACROS[name](book)
    except XlplanError as exc:
        book.say(str(exc))
        return None
    lines = [result.message, *(f"-> {path}" for path in result.written)]
    book.say("\n".join(lines))
    return result


def score_priorities() -> None:
    run("score-priorities")


def check_funding() -> None:
    run("check-funding")


def refresh_dashboard() -> None:
    run("refresh-dashboard")


def check_plan() -> None:
    run("check-plan")


def export_actions() -> None:
    run("export-actions")


def client_copy() -> None:
    run("client-copy")


#: The RunPython target of each ribbon button, by macro name (``check-plan`` -> check_plan).
TARGETS = {name: globals()[name.replace("-", "_")] for name in MACROS}

__all__ = ["TARGETS", "check_funding", "check_plan", "client_copy", "export_actions",
           "refresh_dashboard", "run", "score_priorities"]
