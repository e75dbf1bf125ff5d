"""Compare a spreadsheet engine's results with the values the Python calculations give."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl

from ..workbook.styles import excel_date

REL_TOL = 1e-9
ERROR_VALUES = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A",
                          "Err:502", "Err:504", "Err:508", "Err:511", "Err:522"})


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


def compare(recalculated: Path, expected: Mapping[tuple[str, str], Any]) -> list[str]:
    """Every problem found: cells in error anywhere, values that differ, formulas unchecked."""
    problems: list[str] = []
    values = openpyxl.load_workbook(recalculated, data_only=True)
    formulas = openpyxl.load_workbook(recalculated, data_only=False)
    for ws in values.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "e" or (isinstance(cell.value, str)
                                             and cell.value in ERROR_VALUES):
                    problems.append(f"{ws.title}!{cell.coordinate}: error {cell.value}")
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
        out[name] = values[sheet][ref.replace("$", "")].value
    return out
