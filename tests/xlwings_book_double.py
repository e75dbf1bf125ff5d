"""A file-based double of the part of xlwings' object model the live ExcelBook uses.

It stands in for ``xlwings.Book.caller()`` and keeps the workbook in openpyxl, with Excel's
rules where they matter: a value starting with an apostrophe is text (the apostrophe is not
part of it), a string starting with ``=`` is a formula, a protected sheet refuses changes.
tests/test_excel_book.py runs every macro through ExcelBook on this double and through the
file twin, and the two results must be the same workbook.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from xlplan.workbook.render import needs_quote_prefix


class ProtectedSheetError(Exception):
    """What Excel raises when a macro changes a protected sheet."""


class SheetApi:
    """A sheet's COM side; the method names are COM's."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws

    @property
    def ProtectContents(self) -> bool:
        return bool(self.ws.protection.sheet)

    @property
    def ProtectDrawingObjects(self) -> bool:
        return bool(self.ws.protection.objects)

    @property
    def ProtectScenarios(self) -> bool:
        return bool(self.ws.protection.scenarios)

    @property
    def Protection(self) -> Protection:
        return Protection(self.ws.protection)

    def Unprotect(self) -> None:
        self.ws.protection.sheet = False

    def Protect(self, DrawingObjects: bool = True, Contents: bool = True,
                Scenarios: bool = True, **allow: bool) -> None:
        """Excel's Worksheet.Protect: what is not allowed is locked (an Allow* left out is
        False, as Excel takes it)."""
        protection = self.ws.protection
        protection.sheet = Contents
        protection.objects, protection.scenarios = DrawingObjects, Scenarios
        for name, attribute in ALLOW.items():
            setattr(protection, attribute, not allow.get(name, False))


# Excel's Protection.Allow* and the OOXML attribute that locks it (True: not allowed).
ALLOW = {"AllowFormattingCells": "formatCells", "AllowFormattingColumns": "formatColumns",
         "AllowFormattingRows": "formatRows", "AllowInsertingColumns": "insertColumns",
         "AllowInsertingRows": "insertRows", "AllowInsertingHyperlinks": "insertHyperlinks",
         "AllowDeletingColumns": "deleteColumns", "AllowDeletingRows": "deleteRows",
         "AllowSorting": "sort", "AllowFiltering": "autoFilter",
         "AllowUsingPivotTables": "pivotTables"}


class Protection:
    """A sheet's Protection object: what a protected sheet still allows."""

    def __init__(self, protection: Any) -> None:
        self.protection = protection

    def __getattr__(self, name: str) -> bool:
        if name in ALLOW:
            return not bool(getattr(self.protection, ALLOW[name]))
        raise AttributeError(name)


class Note:
    def __init__(self, cell: Any) -> None:
        self.cell = cell

    @property
    def text(self) -> str:
        return str(self.cell.comment.text)

    def delete(self) -> None:
        self.cell.comment = None


class Range:
    def __init__(self, sheet: Sheet, row: int, column: int, rows: int = 1, columns: int = 1):
        self.sheet, self.row, self.column = sheet, row, column
        self.rows, self.columns = rows, columns

    def resize(self, rows: int, columns: int) -> Range:
        return Range(self.sheet, self.row, self.column, rows, columns)

    def _cells(self) -> list[list[Any]]:
        return [[self.sheet.ws.cell(self.row + r, self.column + c) for c in range(self.columns)]
                for r in range(self.rows)]

    def _check(self) -> None:
        if self.sheet.ws.protection.sheet:
            raise ProtectedSheetError(f"{self.sheet.name} is protected")

    @property
    def value(self) -> Any:
        return [[c.value for c in row] for row in self._cells()]

    @value.setter
    def value(self, values: Any) -> None:
        self._check()
        for row, row_values in zip(self._cells(), values, strict=True):
            for cell, value in zip(row, row_values, strict=True):
                if isinstance(value, str) and value.startswith("'"):
                    cell.value = value[1:]
                    cell.data_type = "s"
                    cell.quotePrefix = needs_quote_prefix(value[1:])
                else:
                    cell.value = value

    @property
    def color(self) -> str:
        return str(self._cells()[0][0].fill.fgColor.rgb)

    @color.setter
    def color(self, hex_color: str) -> None:
        self._check()
        for row in self._cells():
            for cell in row:
                cell.fill = PatternFill("solid", fgColor=hex_color.lstrip("#").upper())

    @property
    def note(self) -> Note | None:
        cell = self._cells()[0][0]
        return Note(cell) if cell.comment is not None else None

    def add_note(self, text: str) -> Note:
        self._check()
        cell = self._cells()[0][0]
        cell.comment = Comment(text, "xlplan", 360, 160)
        return Note(cell)

    @property
    def font(self) -> Range:
        return self

    @property
    def bold(self) -> bool:
        return bool(self._cells()[0][0].font.bold)

    @bold.setter
    def bold(self, value: bool) -> None:
        for row in self._cells():
            for cell in row:
                cell.font = Font(bold=value)

    @property
    def column_width(self) -> float:
        return float(self.sheet.ws.column_dimensions[get_column_letter(self.column)].width)

    @column_width.setter
    def column_width(self, width: float) -> None:
        self.sheet.ws.column_dimensions[get_column_letter(self.column)].width = width


class Series:
    def __init__(self, series: Any) -> None:
        self.series = series

    @property
    def Values(self) -> str:
        return "=" + self.series.val.numRef.f

    @Values.setter
    def Values(self, formula: str) -> None:
        self.series.val.numRef.f = formula.lstrip("=")
        self.series.val.numRef.numCache = None

    @property
    def XValues(self) -> str:
        return "=" + (self.series.cat.numRef or self.series.cat.strRef).f

    @XValues.setter
    def XValues(self, formula: str) -> None:
        (self.series.cat.numRef or self.series.cat.strRef).f = formula.lstrip("=")


class ChartApi:
    def __init__(self, chart: Any) -> None:
        self.chart = chart

    def SeriesCollection(self, index: int) -> Series:
        return Series(self.chart.series[index - 1])


class Chart:
    def __init__(self, chart: Any) -> None:
        self.api = (None, ChartApi(chart))  # (ChartObject, Chart), as on Windows


class Sheet:
    def __init__(self, book: Book, ws: Any) -> None:
        self.book, self.ws = book, ws
        self.api = SheetApi(ws)

    @property
    def name(self) -> str:
        return str(self.ws.title)

    def range(self, cell: tuple[int, int]) -> Range:
        return Range(self, *cell)

    @property
    def charts(self) -> list[Chart]:
        return [Chart(chart) for chart in self.ws._charts]

    def delete(self) -> None:
        self.book.wb.remove(self.ws)


class Sheets:
    def __init__(self, book: Book) -> None:
        self.book = book

    def _all(self) -> list[Sheet]:
        return [Sheet(self.book, ws) for ws in self.book.wb.worksheets]

    def __iter__(self) -> Any:
        return iter(self._all())

    def __getitem__(self, key: str | int) -> Sheet:
        if isinstance(key, int):
            return self._all()[key]
        return Sheet(self.book, self.book.wb[key])

    def add(self, name: str, after: Sheet) -> Sheet:
        index = self.book.wb.worksheets.index(after.ws) + 1
        return Sheet(self.book, self.book.wb.create_sheet(name, index))


class App:
    def __init__(self, answer: str) -> None:
        self.answer = answer
        self.alerts: list[tuple[str, str]] = []
        self.calculations = 0

    def calculate(self) -> None:
        self.calculations += 1

    def alert(self, prompt: str, title: str = "", buttons: str = "ok") -> str:
        self.alerts.append((prompt, buttons))
        return self.answer if buttons == "yes_no" else "ok"


class BookApi:
    def __init__(self, book: Book) -> None:
        self.book = book

    def SaveCopyAs(self, filename: str) -> None:
        self.book.wb.save(filename)


class Book:
    """The workbook at ``path``, open as in Excel."""

    def __init__(self, path: Path, answer: str = "no") -> None:
        self.wb = openpyxl.load_workbook(path)
        self.fullname = str(path)
        self.name = path.name
        self.sheets = Sheets(self)
        self.app = App(answer)
        self.api = BookApi(self)
