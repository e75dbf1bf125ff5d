"""How a Python value is stored as a cell's result."""

from __future__ import annotations

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
