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


_LANGUAGES = {lang.value: lang for lang in Language}  # Language(text), by a dict's lookup


def language(value: Any) -> Language:
    found = _LANGUAGES.get(str(value or "en").strip().lower())
    if found is None:
        raise UdfError(f"language must be fr, es or en (got {value!r})")
    return found


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


def _same(row: dict[str, Any]) -> dict[str, Any]:
    return row


def records(rows: Any, keys: Sequence[str], model: type[BaseModel], labels: str,
            convert: Callable[[dict[str, Any]], dict[str, Any]] = _same,
            what: str = "row") -> list[Any]:
    """Rows of a range as validated models; the header row (the table's column labels in
    any language, ``labels`` being their prefix) and empty rows are skipped.

    The rows are validated together, by one call of the model's own validator over the list
    (a row validates there exactly as alone: tests/test_udfs_ranges.py). When that fails, or
    reading a row does, the rows read so far are validated again one by one, in order: what
    is told is what validating each row as soon as it was read told (the first bad row, by
    its number in the range; else the reading's own error)."""
    if rows is None:
        return []
    if rows and not isinstance(rows[0], list | tuple):
        rows = [rows]  # a single row comes as a flat list
    found: list[dict[str, Any]] = []  # each row's values, as the model is given them
    skipped: list[int] = []  # the numbers of the header and empty rows
    width = len(keys)
    try:
        for index, row in enumerate(rows, start=1):
            kind = type(row)
            if kind is list or kind is tuple:
                data = {}
                # _cell, inlined; zip without strict=False, a keyword that costs per row
                for key, value in zip(keys, row):  # noqa: B905
                    kind = type(value)
                    if kind is float:
                        data[key] = int(value) if value.is_integer() else value
                    elif kind is str:
                        if value.strip():
                            data[key] = value
                    elif kind is int:
                        data[key] = value
                    elif value is not None:
                        value = _cell(value)
                        if value is not None:
                            data[key] = value
                # nothing read: an empty row, if the cells past the keys are empty too
                if not data and all(_cell(v) is None for v in row[width:]):
                    skipped.append(index)
                    continue
            else:  # not a row as Excel passes one: read as always, cell by cell
                cells = [_cell(v) for v in row]
                if all(c is None for c in cells):
                    skipped.append(index)
                    continue
                data = {k: c for k, c in zip(keys, cells, strict=False) if c is not None}
            if index == 1 and isinstance(row[0], str) and row[0].strip().casefold() in (
                    _header_words(labels, keys[0])):
                skipped.append(index)
                continue
            found.append(data if convert is _same else convert(data))
    except Exception:
        _first_problem(model, found, skipped, what)  # a bad row before this one tells first
        raise
    try:
        return (_VALIDATORS.get(model) or _validator(model))(found)
    except Exception:
        _first_problem(model, found, skipped, what)
        raise  # not expected: each row validates alone as in the list


_VALIDATORS: dict[type[BaseModel], Callable[[list[dict[str, Any]]], list[Any]]] = {}


def _validator(model: type[BaseModel]) -> Callable[[list[dict[str, Any]]], list[Any]]:
    """What validates a list of the model's rows: the model's own validator, over a list,
    built at the first call that needs it (pydantic's TypeAdapter is not imported before)."""
    from pydantic import TypeAdapter

    validate = _VALIDATORS[model] = TypeAdapter(
        list[model]).validator.validate_python  # type: ignore[valid-type]
    return validate


def _first_problem(model: type[BaseModel], found: list[dict[str, Any]], skipped: list[int],
                   what: str) -> None:
    """Validate the rows one by one, in order, as each was before: the first bad row raises,
    numbered as in the range (the skipped rows counted)."""
    validate = model.model_validate
    gaps, index = set(skipped), 0
    for data in found:
        index += 1
        while index in gaps:
            index += 1
        try:
            validate(data)
        except ValidationError as exc:
            raise _invalid(exc, f"{what} {index}") from None


@functools.cache
def _header_words(labels: str, key: str) -> frozenset[str]:
    """What the first header cell of a table may say: its key, or its label in a language."""
    return frozenset({key.casefold()} | {translations(lang).label(f"{labels}.{key}").casefold()
                                         for lang in Language})


def as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None
