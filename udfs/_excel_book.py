"""The live-Excel ``Book``: the workbook open in Excel, through xlwings (Windows).

A thin translation of the Book interface (xlplan/macros/_book.py) into xlwings calls; the
macros themselves are the same functions ``xlplan run`` uses on a file.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from xlplan.macros import Area, Cell, CellValue, Formula, MacroError
from xlplan.macros._book import ALERT_COLOR, NORMAL_COMPUTED_COLOR


def excel_value(value: CellValue) -> Any:
    """What to hand Excel: a Formula as its text, any other text with a leading apostrophe
    (Excel keeps it as text, never a formula, a number or a date), the rest as is."""
    if isinstance(value, Formula):
        return value.text
    if isinstance(value, str) and value:
        return "'" + value
    return value


# What a protected sheet may still allow (Excel's Protection.Allow*, Protect's arguments).
ALLOWED = ("AllowFormattingCells", "AllowFormattingColumns", "AllowFormattingRows",
           "AllowInsertingColumns", "AllowInsertingRows", "AllowInsertingHyperlinks",
           "AllowDeletingColumns", "AllowDeletingRows", "AllowSorting", "AllowFiltering",
           "AllowUsingPivotTables")


@contextmanager
def unprotected(sheet: Any) -> Iterator[None]:
    """Lift a sheet's protection (xlplan protects without a password) for a change, and put
    it back as it was: the same permissions, not a bare Protect() that drops them."""
    api = sheet.api
    if not api.ProtectContents:
        yield
        return
    allowed = {name: bool(getattr(api.Protection, name)) for name in ALLOWED}
    objects, scenarios = bool(api.ProtectDrawingObjects), bool(api.ProtectScenarios)
    api.Unprotect()
    try:
        yield
    finally:
        api.Protect(DrawingObjects=objects, Contents=True, Scenarios=scenarios, **allowed)


class ExcelBook:
    """A workbook open in Excel as a Book."""

    def __init__(self, book: Any) -> None:
        self.book = book

    @classmethod
    def caller(cls) -> ExcelBook:
        import xlwings as xw  # here, not at import: Excel's host has loaded it already

        return cls(xw.Book.caller())

    @property
    def path(self) -> Path:
        path = Path(self.book.fullname)
        if not path.is_absolute():
            raise MacroError("save the workbook first: its files are written next to it")
        return path

    @contextmanager
    def snapshot(self) -> Iterator[Path]:
        with tempfile.TemporaryDirectory(prefix="xlplan-snapshot-") as tmp:
            copy = Path(tmp) / Path(self.book.name).with_suffix(".xlsx").name
            self.book.api.SaveCopyAs(str(copy))
            yield copy

    def write(self, at: Cell, rows: Sequence[Sequence[CellValue]]) -> None:
        if not rows:
            return
        sheet = self.book.sheets[at.sheet]
        with unprotected(sheet):
            target = sheet.range((at.row, at.column)).resize(len(rows), len(rows[0]))
            target.value = [[excel_value(v) for v in row] for row in rows]

    def mark(self, at: Cell, note: str | None) -> None:
        sheet = self.book.sheets[at.sheet]
        with unprotected(sheet):
            cell = sheet.range((at.row, at.column))
            cell.color = "#" + (NORMAL_COMPUTED_COLOR if note is None else ALERT_COLOR)
            if cell.note is not None:
                cell.note.delete()
            if note is not None:
                cell.add_note(note)

    def replace_sheet(self, title: str, rows: Sequence[Sequence[CellValue]],
                      widths: Sequence[float]) -> None:
        if title in [s.name for s in self.book.sheets]:
            self.book.sheets[title].delete()
        sheet = self.book.sheets.add(title, after=self.book.sheets[-1])
        sheet.range((1, 1)).resize(len(rows), len(rows[0])).value = [
            [excel_value(v) for v in row] for row in rows]
        sheet.range((1, 1)).resize(1, len(rows[0])).font.bold = True
        for column, width in enumerate(widths, start=1):
            sheet.range((1, column)).column_width = width

    def set_chart_source(self, sheet: str, index: int, categories: Area, values: Area) -> None:
        chart = self.book.sheets[sheet].charts[index]
        series = chart.api[1].SeriesCollection(1)  # (ChartObject, Chart) on Windows
        series.Values = "=" + values.address
        series.XValues = "=" + categories.address

    def recalculate(self) -> None:
        self.book.app.calculate()

    def say(self, message: str) -> None:
        self.book.app.alert(message, title="xlplan")

    def confirm(self, question: str) -> bool:
        return bool(self.book.app.alert(question, title="xlplan", buttons="yes_no") == "yes")
