"""The book a ribbon macro works on: a small interface with two implementations.

``FileBook`` (``xlplan/macros/_file_book.py``) works on a file through openpyxl; it is also
``xlplan run``. ``ExcelBook`` (``udfs/_excel_book.py``) works on the workbook open in Excel,
through ``xlwings.Book.caller()``. A macro reads the plan from a snapshot of the book (a file
with the book's current content, read by the same code as ``xlplan check``) and changes the
book only through the methods below, so both implementations do the same thing.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Protocol

from openpyxl.utils import get_column_letter, quote_sheetname

from ..errors import XlplanError


@dataclass(frozen=True)
class Formula:
    """A formula the macro itself wrote; any other text is written as text."""

    text: str


CellValue = str | int | float | bool | date | Formula | None


@dataclass(frozen=True, order=True)
class Cell:
    sheet: str
    row: int
    column: int

    @property
    def address(self) -> str:
        """``'Sheet'!B12``: the cell as a formula or a hyperlink names it."""
        return f"{quote_sheetname(self.sheet)}!{get_column_letter(self.column)}{self.row}"

    @property
    def shown(self) -> str:
        """``Sheet!B12``: the cell as the consultant reads it."""
        return f"{self.sheet}!{get_column_letter(self.column)}{self.row}"


@dataclass(frozen=True)
class Area:
    """A rectangle of cells on one sheet (a chart's categories or values)."""

    sheet: str
    first_row: int
    first_column: int
    last_row: int
    last_column: int

    @property
    def address(self) -> str:
        return (f"{quote_sheetname(self.sheet)}!${get_column_letter(self.first_column)}"
                f"${self.first_row}:${get_column_letter(self.last_column)}${self.last_row}")


ALERT_COLOR = "FFC7CE"  # the workbook's "bad" fill (xlplan/workbook/styles.py)
NORMAL_COMPUTED_COLOR = "EEF1F5"  # the fill of a computed cell


class Book(Protocol):
    """What a macro may do to a workbook."""

    @property
    def path(self) -> Path:
        """Where the workbook is saved; files a macro writes go next to it."""
        ...

    def snapshot(self) -> AbstractContextManager[Path]:
        """A file holding the book as it is now, for reading (removed afterwards)."""
        ...

    def write(self, at: Cell, rows: Sequence[Sequence[CellValue]]) -> None:
        """Values from ``at`` rightwards and down; text is always written as text."""
        ...

    def mark(self, at: Cell, note: str | None) -> None:
        """Mark a computed cell with the alert fill and a note saying why; ``None``
        takes the mark and the note away."""
        ...

    def replace_sheet(self, title: str, rows: Sequence[Sequence[CellValue]],
                      widths: Sequence[float]) -> None:
        """Put a report sheet ``title`` after the last sheet (replacing one of that name)."""
        ...

    def set_chart_source(self, sheet: str, index: int, categories: Area,
                         values: Area) -> None:
        """Point chart ``index`` (in the sheet's order) of ``sheet`` at new rows."""
        ...

    def recalculate(self) -> None: ...

    def say(self, message: str) -> None:
        """Tell the consultant (a message box in Excel, standard output for a file)."""
        ...

    def confirm(self, question: str) -> bool:
        """Ask before replacing a file (Excel asks; a file book answers its --force)."""
        ...


@dataclass
class MacroResult:
    message: str
    written: list[Path] = field(default_factory=list)
    changed_book: bool = False
    findings: int = 0  # problems the macro found (check-plan) or months below zero


class MacroError(XlplanError):
    """A macro that cannot run on this book; the message says why and where."""
