"""Export the action plan and prepare the client copy: files written next to the book."""

from __future__ import annotations

from pathlib import Path

from ..action_export import actions_csv, actions_ics
from ..finalize import finalize_workbook
from ..safe_io import atomic_write, lock_file
from ..workbook.templates import Translations
from ._book import Book, MacroError, MacroResult
from ._reading import snapshot_of


def _beside(book: Book, suffix: str) -> Path:
    return book.path.with_name(f"{book.path.stem} - {suffix}")


def _write(book: Book, path: Path, data: bytes, words: Translations) -> bool:
    """Write ``path`` atomically; a different file already there is replaced only if the
    consultant says so, and never while Excel has it open."""
    if lock_file(path).exists():
        raise MacroError(words.macro("file_open", file=path.name))
    if path.exists() and path.read_bytes() != data and not book.confirm(
            words.macro("replace", file=path.name)):
        return False
    atomic_write(path, data)
    return True


def export_actions(book: Book) -> MacroResult:
    """The action plan as CSV (for Asana, Trello or Jira) and as an iCalendar of due dates."""
    with snapshot_of(book) as snap:
        plan = snap.plan_without_problems_in("actions", "priorities")
        words = snap.read.words
    files = {_beside(book, words.macro("actions_csv")): actions_csv(plan).encode("utf-8-sig"),
             _beside(book, words.macro("actions_ics")): actions_ics(plan)}
    written = [path for path, data in files.items() if _write(book, path, data, words)]
    kept = [path.name for path in files if path not in written]
    message = words.macro("exported", count=len(plan.actions),
                          files=", ".join(p.name for p in written) or "-")
    if kept:
        message += "\n" + words.macro("kept", files=", ".join(kept))
    return MacroResult(message, written)


def client_copy(book: Book) -> MacroResult:
    """The deliverable (``xlplan finalize``): no VBA, no consultant sheet, add-in formulas
    frozen to their values, every sheet protected."""
    with book.snapshot() as path:
        final = finalize_workbook(path)
    words = final.words
    target = _beside(book, words.macro("client_copy_file"))
    if not _write(book, target, final.data, words):
        return MacroResult(words.macro("kept", files=target.name))
    message = words.macro("client_copy", file=target.name,
                          sheets=", ".join(final.removed_sheets) or "-",
                          frozen=len(final.frozen_cells))
    return MacroResult(message, [target])
