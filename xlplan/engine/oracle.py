"""Compare a spreadsheet engine's results with the values the Python calculations give."""

from __future__ import annotations

import math
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
from defusedxml import ElementTree

from ..reader.guard import sheet_parts
from ..workbook.styles import excel_date

REL_TOL = 1e-9
_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


@dataclass(frozen=True)
class Mismatch:
    sheet: str
    cell: str
    expected: Any
    actual: Any

    def __str__(self) -> str:
        return f"{self.sheet}!{self.cell}: expected {self.expected!r}, engine gave {self.actual!r}"


def _normal(value: Any) -> Any:
    if isinstance(value, datetime):
        return excel_date(value.date()) + (value - datetime.combine(value.date(),
                                                                   datetime.min.time())
                                           ).total_seconds() / 86400
    if isinstance(value, date):
        return excel_date(value)
    if value == "":
        return None
    return value


def same(expected: Any, actual: Any) -> bool:
    """Equal as a person reading the cell would see it: numbers within 1e-9 relative."""
    expected, actual = _normal(expected), _normal(actual)
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return math.isclose(expected, actual, rel_tol=REL_TOL, abs_tol=1e-9 * REL_TOL)
    return bool(expected == actual)


def error_cells(path: Path) -> list[tuple[str, str, str]]:
    """Cells whose stored result is an error (``t="e"``), read from the sheet XML itself:
    openpyxl alone cannot tell the error #N/A from the text "#N/A"."""
    found = []
    with zipfile.ZipFile(path) as archive:
        for title, part in sheet_parts(archive).items():
            with archive.open(part) as xml:
                for _, element in ElementTree.iterparse(xml):
                    if element.tag == f"{_MAIN_NS}c":
                        if element.get("t") == "e":
                            value = element.findtext(f"{_MAIN_NS}v") or ""
                            found.append((title, element.get("r", "?"), value))
                        element.clear()
    return found


def compare(recalculated: Path, expected: Mapping[tuple[str, str], Any]) -> list[str]:
    """Every problem found: cells in error anywhere, values that differ, formulas unchecked."""
    problems: list[str] = []
    values = openpyxl.load_workbook(recalculated, data_only=True)
    formulas = openpyxl.load_workbook(recalculated, data_only=False)
    problems += [f"{sheet}!{ref}: error {value}" for sheet, ref, value in error_cells(recalculated)]
    for ws in values.worksheets:
        for row in formulas[ws.title].iter_rows():
            for cell in row:
                if cell.data_type == "f" and (ws.title, cell.coordinate) not in expected:
                    problems.append(f"{ws.title}!{cell.coordinate}: formula with no Python value")
    for (sheet, coordinate), want in expected.items():
        got = values[sheet][coordinate].value
        if not same(want, got):
            problems.append(str(Mismatch(sheet, coordinate, want, got)))
    return problems


def defined_name_values(recalculated: Path, names: Mapping[str, tuple[str, str]]) -> dict[str, Any]:
    """The value each defined name points at, as the engine computed it."""
    values = openpyxl.load_workbook(recalculated, data_only=True)
    out: dict[str, Any] = {}
    for name in names:
        sheet, ref = next(iter(values.defined_names[name].destinations))
        sheet = sheet.replace("''", "'")  # openpyxl leaves a quoted name's '' doubled
        out[name] = values[sheet][ref.replace("$", "")].value
    return out
