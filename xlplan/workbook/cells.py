"""How a Python value is stored as a cell's result, and what the renderer wrote where."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from .styles import excel_date


def stored(value: Any) -> Any:
    """A Python value as a formula cell stores its result: dates as serial days, nothing as
    the empty string."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return excel_date(value)
    return value


@dataclass
class SheetCells:
    """What the renderer wrote on one sheet, by cell (``"B7"``). Kept per sheet and keyed by
    text, the tens of thousands of cells of a large plan add no tuple each for the garbage
    collector to go through while the workbook is written."""

    shown: dict[str, Any] = field(default_factory=dict)  # every cell: what it shows
    expected: dict[str, Any] = field(default_factory=dict)  # formula cells: their value
    inputs: set[str] = field(default_factory=set)  # the cells a person types in
