"""Two ways to look at a workbook's cells, behind one small interface.

- openpyxl: everything, formulas included (``check`` compares them with the templates); the
  cells of a worksheet written the usual way are read in bulk by ``sheetdata`` (openpyxl's
  values, at a fraction of its cost), the rest of the package by openpyxl itself;
- python-calamine: values and tables only, about 30x faster (``consolidate`` reads thousands).

Both give 1-based rows and columns, and the same values for the same file.
"""

from __future__ import annotations

import functools
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import openpyxl
import openpyxl.reader.excel
import python_calamine
from openpyxl.cell import MergedCell
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.xml.constants import SHARED_STRINGS

from ..provenance import CUSTOM_PART, custom_property
from ..workbook.layout import TableBounds
from .guard import UnreadableWorkbook, failure_reason, is_read_failure
from .sheetdata import SheetCells, SheetDataAside, Styles, shared_strings

PlainParts = dict[str, tuple[int, int]]  # found plain by the guard: PackageReport.plain_sheets
_FORMULA_CELL = re.compile(rb'<c r="([A-Z]+[0-9]+)"[^>]*?>\s*<f[\s>/]')


class SheetSource(Protocol):
    title: str

    @property
    def max_row(self) -> int: ...

    def value(self, row: int, col: int) -> Any: ...

    def is_formula(self, row: int, col: int) -> bool: ...

    def table(self, name: str) -> TableBounds | None: ...

    def cells(self) -> Iterator[tuple[int, int, Any]]:
        """Every cell holding something other than blank text: (row, column, value)."""
        ...

    def formula_cells(self) -> Iterator[tuple[int, int, Any]]:
        """Every formula cell, row by row: (row, column, its formula as openpyxl gives it)."""
        ...


@dataclass
class BookSource:
    sheet_names: list[str]
    sheets: dict[str, SheetSource]
    language: str | None  # from the xlplan.language property, when it can be read
    workbook: Workbook | None = None  # openpyxl only (without the cells of a CellsSheet)
    template: int | None = None  # the xlplan.template property: the template version


def _filled(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _template_number(text: str | None) -> int | None:
    return int(text) if text is not None and text.strip().isdigit() else None


def read_template_version(path: Path) -> int | None:
    """The ``xlplan.template`` custom property of a package, without loading the workbook."""
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo(CUSTOM_PART)
            if info.file_size > 1_000_000:
                return None
            return _template_number(custom_property(archive.read(info), "xlplan.template"))
    except Exception:  # missing, damaged or hostile (defusedxml refuses it): not ours to trust
        return None


class OpenpyxlSheet:
    def __init__(self, ws: Worksheet) -> None:
        self.ws = ws
        self.title = ws.title

    @property
    def max_row(self) -> int:
        return int(self.ws.max_row)

    def value(self, row: int, col: int) -> Any:
        return self.ws.cell(row, col).value

    def is_formula(self, row: int, col: int) -> bool:
        return bool(self.ws.cell(row, col).data_type == "f")

    def table(self, name: str) -> TableBounds | None:
        table = self.ws.tables.get(name)
        if table is None:
            return None
        min_col, min_row, max_col, max_row = range_boundaries(table.ref)
        return min_col, min_row, max_col, max_row

    def cells(self) -> Iterator[tuple[int, int, Any]]:
        for row in self.ws.iter_rows():
            for cell in row:
                if _filled(cell.value):
                    yield cell.row, cell.column, cell.value

    def formula_cells(self) -> Iterator[tuple[int, int, Any]]:
        for row in self.ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    yield cell.row, cell.column, cell.value


class CellsSheet(OpenpyxlSheet):
    """A worksheet whose cells were read in bulk (``sheetdata``): the values openpyxl gives,
    held in a dict; the rest of the sheet (tables, merged cells) from openpyxl's reading of
    it without its cells. Merged cells and hyperlinks act on the cells as openpyxl's
    reading would: a merged range keeps only its top-left value, and a hyperlink on an
    empty cell shows its target."""

    def __init__(self, ws: Worksheet, cells: SheetCells) -> None:
        super().__init__(ws)
        values, formulas = cells.values, cells.formulas
        ordered = cells.ordered
        for at, cell in ws._cells.items():  # what openpyxl made of the sheet without cells
            ordered = ordered and at in values
            if isinstance(cell, MergedCell):
                values[at] = None
                formulas.discard(at)
            elif values.get(at) is None:
                values[at] = cell.value
                if cell.data_type == "f":
                    formulas.add(at)
                else:
                    formulas.discard(at)
        self.values = values
        self.formulas = formulas
        self._ordered = ordered  # the dict's own order is row by row
        if ordered:  # the last cell's row is the last row
            self._max_row = next(reversed(values))[0] if values else 1
        else:
            self._max_row = max((row for row, _ in values), default=1)

    @property
    def max_row(self) -> int:
        return self._max_row

    def value(self, row: int, col: int) -> Any:
        return self.values.get((row, col))

    def is_formula(self, row: int, col: int) -> bool:
        return (row, col) in self.formulas

    def items(self) -> Iterable[tuple[tuple[int, int], Any]]:
        """Every cell read, blank ones too, row by row: ((row, column), value)."""
        values = self.values
        return values.items() if self._ordered else sorted(values.items())

    def cells(self) -> Iterator[tuple[int, int, Any]]:
        for at, value in self.items():
            if value is not None and not (isinstance(value, str) and not value.strip()):
                yield at[0], at[1], value  # _filled(value), inline: a sheet has many cells

    def formula_cells(self) -> Iterator[tuple[int, int, Any]]:
        for at, value in self.formula_items():
            yield at[0], at[1], value

    def formula_items(self) -> list[tuple[tuple[int, int], Any]]:
        """``formula_cells`` as ((row, column), formula), made at once."""
        values, formulas = self.values, self.formulas
        if self._ordered:
            return [(at, value) for at, value in values.items() if at in formulas]
        return [(at, values[at]) for at in sorted(formulas)]


@dataclass
class CalamineSheet:
    title: str
    rows: list[list[Any]]
    tables: dict[str, TableBounds]
    xml: Callable[[], bytes]  # the sheet's XML, read only if a formula is asked about
    _formulas: set[str] | None = field(default=None, init=False)

    @property
    def max_row(self) -> int:
        return len(self.rows)

    def value(self, row: int, col: int) -> Any:
        if row > len(self.rows) or col > len(self.rows[row - 1]):
            return None
        value = self.rows[row - 1][col - 1]
        return None if value == "" else value

    def is_formula(self, row: int, col: int) -> bool:
        if self._formulas is None:
            self._formulas = {m.decode() for m in _FORMULA_CELL.findall(self.xml())}
        return f"{get_column_letter(col)}{row}" in self._formulas

    def table(self, name: str) -> TableBounds | None:
        return self.tables.get(name)

    def cells(self) -> Iterator[tuple[int, int, Any]]:
        for r, values in enumerate(self.rows, start=1):
            for c, value in enumerate(values, start=1):
                if _filled(value):
                    yield r, c, value

    def formula_cells(self) -> Iterator[tuple[int, int, Any]]:
        raise NotImplementedError("calamine gives values, not formulas")


def _unreadable(path: Path, reader: str, exc: BaseException) -> UnreadableWorkbook:
    """What a reader's failure on a file becomes (never a KeyboardInterrupt or SystemExit,
    which the caller lets through)."""
    return UnreadableWorkbook(f"{path}: cannot be read as a workbook ({reader}: "
                              f"{failure_reason(exc)})")


def _load_openpyxl(path: Path, plain: PlainParts | None = None
                   ) -> tuple[Workbook, dict[int, SheetCells]]:
    """``openpyxl.load_workbook(path, keep_vba=False, keep_links=False)``, but the cells of
    each worksheet written the usual way read in bulk: the workbook (those worksheets without
    their cells), and those cells by the worksheet's index in the workbook's sheets.
    ``plain``: the parts the guard found with plain markup (``PackageReport.plain_sheets``)."""
    reader = openpyxl.reader.excel.ExcelReader(path, read_only=False, keep_vba=False,
                                               data_only=False, keep_links=False,
                                               rich_text=False)

    def styles() -> tuple[int, Styles]:
        wb = reader.wb
        return len(wb._sheets), Styles(reader.shared_strings, len(wb._cell_styles),
                                       wb._date_formats, wb._timedelta_formats, wb.epoch)

    aside = SheetDataAside(reader.archive, styles, plain)
    reader.archive = aside
    read_strings = reader.read_strings

    def strings() -> None:  # openpyxl's, unless every string is plain text: read in bulk
        part = reader.package.find(SHARED_STRINGS)
        try:
            found = shared_strings(aside.read(part.PartName[1:])) if part is not None else None
        except Exception:  # anything odd: openpyxl reads it, and says what it says
            found = None
        if found is None:
            read_strings()
        else:
            reader.shared_strings = found

    reader.read_strings = strings
    reader.read()
    aside.say_warnings()
    return reader.wb, aside.taken


_PLAIN_BY_GUARD: ContextVar[tuple[Path, PlainParts] | None] = ContextVar("plain_by_guard",
                                                                         default=None)


@contextmanager
def guard_found_plain(path: Path, parts: PlainParts) -> Iterator[None]:
    """Within the block, ``open_openpyxl(path)`` knows which parts of ``path`` the guard
    found with plain markup (``PackageReport.plain_sheets``): it does not look for comments,
    CDATA sections and processing instructions in them again."""
    token = _PLAIN_BY_GUARD.set((path, parts))
    try:
        yield
    finally:
        _PLAIN_BY_GUARD.reset(token)


def open_openpyxl(path: Path) -> BookSource:
    """The workbook read with openpyxl (within ``guard_found_plain`` for this path, knowing
    the parts the guard found with plain markup)."""
    found = _PLAIN_BY_GUARD.get()
    plain = found[1] if found is not None and found[0] == path else None
    try:
        wb, taken = _load_openpyxl(path, plain)
        props = {p.name: str(p.value) for p in wb.custom_doc_props.props}
        sheets: dict[str, SheetSource] = {}
        for index, ws in enumerate(wb._sheets):
            if isinstance(ws, Worksheet):
                cells = taken.get(index)
                sheets[ws.title] = OpenpyxlSheet(ws) if cells is None else CellsSheet(ws, cells)
        names = list(wb.sheetnames)
    except BaseException as exc:  # openpyxl raises many kinds on a damaged file
        if not is_read_failure(exc):
            raise
        raise _unreadable(path, "openpyxl", exc) from None
    return BookSource(names, sheets, props.get("xlplan.language"), wb,
                      _template_number(props.get("xlplan.template")))


def open_calamine(path: Path, parts: dict[str, str]) -> BookSource:
    """Values through calamine; formula cells found in the sheet XML (calamine gives values
    only, and a cell holding =TODAY() must not be read as a fixed date). ``parts`` maps sheet
    titles to their parts (the guard has read it already)."""
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path), load_tables=True)
        tables: dict[str, dict[str, TableBounds]] = {}
        for name in book.table_names or []:
            table = book.get_table_by_name(name)
            if table.start is None or table.end is None:
                continue
            # 0-based and inclusive; start is the first data row, the header is the row above
            (first_data, left), (bottom, right) = table.start, table.end
            tables.setdefault(table.sheet, {})[name] = (left + 1, first_data, right + 1,
                                                        bottom + 1)
        sheets: dict[str, SheetSource] = {}
        for title in book.sheet_names:
            rows = book.get_sheet_by_name(title).to_python(skip_empty_area=False)
            sheets[title] = CalamineSheet(title, rows, tables.get(title, {}),
                                          functools.partial(_read_part, path, parts.get(title)))
        names = list(book.sheet_names)
        book.close()
    except UnreadableWorkbook:
        raise
    except BaseException as exc:  # its own errors, and a Rust panic (not an Exception)
        if not is_read_failure(exc):
            raise
        raise _unreadable(path, "python-calamine", exc) from None
    return BookSource(names, sheets, None, None, read_template_version(path))


def _read_part(path: Path, part: str | None) -> bytes:
    if part is None:
        return b""
    with zipfile.ZipFile(path) as archive:
        return archive.read(part)
