"""Turning what Excel passes to a worksheet function into the plan's own values.

A range laid out like one of the workbook's tables may come with its header row and with
empty spare rows: both are skipped. Choice labels are accepted in any of the workbook's
languages. Every bad value becomes a :class:`UdfError` that says which row and what is wrong.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any, ParamSpec, TypeVar

from pydantic import BaseModel, ValidationError

from xlplan.errors import XlplanError
from xlplan.model import Language
from xlplan.workbook.templates import translations

P = ParamSpec("P")
R = TypeVar("R")


class UdfError(XlplanError):
    """A bad argument of a worksheet function."""


def readable_errors(function: Callable[P, R]) -> Callable[P, R | str]:
    """Return ``#xlplan: what is wrong`` in the cell instead of a Python traceback."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | str:
        try:
            return function(*args, **kwargs)
        except (XlplanError, ValueError, TypeError, ZeroDivisionError) as exc:
            return f"#xlplan: {exc}"

    return wrapper


def language(value: Any) -> Language:
    text = str(value or "en").strip().lower()
    try:
        return Language(text)
    except ValueError:
        raise UdfError(f"language must be fr, es or en (got {value!r})") from None


def number(value: Any, name: str, default: float | None = None) -> float:
    if value is None or value == "":
        if default is None:
            raise UdfError(f"{name} is required")
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UdfError(f"{name} must be a number (got {value!r})")
    return float(value)


def code(group: str, value: Any, default: str) -> str:
    """A choice's code from its code or its label in any language (case ignored)."""
    if value is None or value == "":
        return default
    found = _code(group, str(value))
    if found is not None:
        return found
    labels = ", ".join(translations(Language.EN).choice_keys(group))
    raise UdfError(f"{value!r} is not one of {labels} (or their translations)")


@functools.lru_cache(maxsize=1024)
def _code(group: str, text: str) -> str | None:
    """The code a text names, in the first language that has it (remembered: a sheet passes
    the same few labels again and again)."""
    for lang in Language:
        found = translations(lang).choice_code(group, text)
        if found is not None:
            return found
    return None


M = TypeVar("M", bound=BaseModel)


def validated(model: type[M], data: dict[str, Any], what: str) -> M:
    """A model from values, or a UdfError naming the first problem."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _invalid(exc, what) from None


def _invalid(exc: ValidationError, what: str) -> UdfError:
    from xlplan.loading import problems_of  # only for a bad argument: the YAML reader with it

    problem = problems_of(exc)[0]
    where = f"{what}: {problem.where}: " if problem.where != "(top level)" else f"{what}: "
    return UdfError(where + problem.message)


def _cell(value: Any) -> Any:
    """A cell's value as the plan has it: a whole number as an int, a datetime as its date,
    an empty cell (blank text included) as None."""
    kind = type(value)
    if kind is float:  # what Excel passes most: the common cases first, by exact type
        return int(value) if value.is_integer() else value
    if kind is str:
        return value if value.strip() else None
    if value is None or kind is int:
        return value
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None if isinstance(value, str) and not value.strip() else value


def records(rows: Any, keys: Sequence[str], model: type[BaseModel], labels: str,
            convert: Callable[[dict[str, Any]], dict[str, Any]] = lambda r: r,
            what: str = "row") -> list[Any]:
    """Rows of a range as validated models; the header row (the table's column labels in
    any language, ``labels`` being their prefix) and empty rows are skipped."""
    if rows is None:
        return []
    if rows and not isinstance(rows[0], list | tuple):
        rows = [rows]  # a single row comes as a flat list
    out = []
    validate = model.model_validate
    for index, row in enumerate(rows, start=1):
        cells = [_cell(v) for v in row]  # None for an empty cell (None or blank text)
        if all(c is None for c in cells):
            continue
        if index == 1 and isinstance(row[0], str) and row[0].strip().casefold() in (
                _header_words(labels, keys[0])):
            continue
        data = {k: c for k, c in zip(keys, cells, strict=False) if c is not None}
        values = convert(data)
        try:
            out.append(validate(values))
        except ValidationError as exc:
            raise _invalid(exc, f"{what} {index}") from None
    return out


@functools.cache
def _header_words(labels: str, key: str) -> frozenset[str]:
    """What the first header cell of a table may say: its key, or its label in a language."""
    return frozenset({key.casefold()} | {translations(lang).label(f"{labels}.{key}").casefold()
                                         for lang in Language})


def as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None
