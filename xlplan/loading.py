"""Read a plan file (YAML or JSON) into a :class:`Plan`, reporting every problem at once.

Each problem carries its field path (``priorities[3].score``, indices from 0) and the line it
is on. Duplicate keys are errors: a typo must not silently replace a value. The file's text
and its limits are ``plan_text``'s, its parsing ``plan_yaml``'s or ``plan_json``'s; what is
here is the validation against the plan's model.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from itertools import islice
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .errors import PlanError, Problem
from .model import Plan
from .plan_json import _parse_json
from .plan_rules import Location, canonical_categories, canonical_start_month, cross_checks
from .plan_text import (  # noqa: F401 - the limits, as loading has always named them
    MAX_DEPTH,
    MAX_NODES,
    MAX_NUMBER_CHARS,
    MAX_PLAN_BYTES,
    MAX_PROBLEMS,
    _read_text,
    _refusal,
    _too_deep,
    format_path,
)
from .plan_yaml import parse_yaml
from .terminal import shown as _shown

_MESSAGES = {
    "missing": "required",
    "extra_forbidden": "unknown field (check the spelling; see `xlplan schema`)",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be text",
    "date_type": "must be a date (YYYY-MM-DD)",
    "date_parsing": "must be a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "must be a date (YYYY-MM-DD)",
    "date_from_datetime_inexact": "must be a date without a time of day",
    "list_type": "must be a list",
    "model_type": "must be a mapping of fields",
    "model_attributes_type": "must be a mapping of fields",
    "dict_type": "must be a mapping of fields",
    "string_too_short": "must not be empty",
}


_CODES = {"missing": "required", "literal_error": "not_in_list", "enum": "not_in_list",
          "due_before_start": "due_before_start", "infinite_ltv": "infinite_ltv"}
_BOUNDS = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<=",
           "less_than": "<"}


def _non_finite(value: Any) -> bool:
    return isinstance(value, float) and not math.isfinite(value)


def _problem(error: Any, lines: Mapping[Location, int]) -> Problem:
    if error["type"] in _BOUNDS and _non_finite(error.get("input")):
        # NaN is neither below nor above a bound: say what is wrong with it
        error = {**error, "type": "finite_number", "ctx": None}
    loc = _clean_loc(error["loc"])
    kind = error["type"]
    ctx = error.get("ctx") or {}
    code = _CODES.get(kind, "out_of_bound" if kind in _BOUNDS else None)
    params: dict[str, str] = {"value": _shown(error.get("input"))}
    if kind in _BOUNDS:
        params.update(op=_BOUNDS[kind], limit=str(next(iter(ctx.values()))))
    if kind in ("literal_error", "enum"):
        params["choices"] = str(ctx.get("expected"))
    params.update({k: str(v) for k, v in ctx.items() if k in ("due", "start")})
    return Problem(format_path(loc), _message(error), _line_of(loc, lines), code,
                   tuple(sorted(params.items())))


def problems_of(exc: ValidationError,
                lines: Mapping[Location, int] | None = None) -> list[Problem]:
    """A pydantic error as our problems: a field path and a message a person can act on."""
    return [_problem(error, {} if lines is None else lines) for error in exc.errors()]


def _line_of(loc: Location, lines: Mapping[Location, int]) -> int | None:
    while loc and loc not in lines:
        loc = loc[:-1]
    return lines.get(loc)


def _message(error: Any) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    got = error.get("input")
    shown = f" (got {_shown(got)})" if kind not in ("missing", "model_type") and not isinstance(
        got, dict | list) else ""
    if kind in ("literal_error", "enum"):
        return f"must be {ctx.get('expected')}{shown}"
    if kind in _BOUNDS:
        limit = next(iter(ctx.values()))
        return f"must be {_BOUNDS[kind]} {limit}{shown}"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters"
    if kind == "string_pattern_mismatch":
        return f"must be a 3-letter upper-case ISO 4217 code such as EUR{shown}"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind in _CODES and kind not in ("missing",):
        return str(error["msg"])
    default = str(error["msg"])
    return _MESSAGES.get(kind, default[:1].lower() + default[1:]) + shown


def _clean_loc(loc: Location) -> Location:
    """Drop pydantic's internal type tags (``function-after[...]``, ``int``) from a location."""
    return tuple(p for p in loc if isinstance(p, int) or ("[" not in p and p not in (
        "int", "float", "str", "date", "bool", "constrained-str")))


@functools.cache
def _field_names() -> frozenset[str]:
    schema = Plan.model_json_schema()
    return frozenset(name for part in (schema, *schema.get("$defs", {}).values())
                     for name in part.get("properties", {}))


def _first_part(value: Any, budget: list[int], done: dict[int, Any]) -> Any:
    """The data with only its first list items and unknown keys (as many as the budget holds)
    and all its known keys: validating it gives only some of the data's problems, the first."""
    if isinstance(value, list | tuple | set | frozenset | dict) and id(value) in done:
        return done[id(value)]
    if isinstance(value, dict):
        part: Any = done.setdefault(id(value), {})
        for key, item in value.items():
            if key in _field_names() or budget[0] > 0:
                budget[0] -= key not in _field_names()
                part[key] = _first_part(item, budget, done)
        return part
    if isinstance(value, list | tuple | set | frozenset):
        part = done.setdefault(id(value), [])
        for item in islice(value, max(budget[0], 0)):
            budget[0] -= 1
            part.append(_first_part(item, budget, done))
        return part
    return value


def _validated(data: Any, lines: Mapping[Location, int]
               ) -> tuple[Plan | None, list[Problem], bool]:
    """The plan, or its problems and whether there are more: past MAX_PROBLEMS, only those of
    the first part of the data are listed (a million wrong items must not take minutes and
    gigabytes to report)."""
    try:
        return Plan.model_validate(data), [], False
    except ValidationError as exc:
        if exc.error_count() <= MAX_PROBLEMS:
            return None, problems_of(exc, lines), False
    try:
        Plan.model_validate(_first_part(data, [MAX_PROBLEMS], {}))
    except ValidationError as exc:
        errors = exc.errors(include_url=False)[:MAX_PROBLEMS]
        return None, [_problem(error, lines) for error in errors], True
    return None, [], True  # not expected: the first part has some of the problems


def validate_plan(data: Any, source: str = "plan", lines: Mapping[Location, int] | None = None,
                  problems: list[Problem] | None = None) -> Plan:
    """Validate raw data into a Plan or raise PlanError listing every problem (at most
    MAX_PROBLEMS of them, saying so when there are more)."""
    lines = {} if lines is None else lines
    found = list(problems or [])
    plan: Plan | None = None
    more = False
    try:
        data = canonical_start_month(canonical_categories(data))
        plan, invalid, more = _validated(data, lines)
        found += invalid
        for loc, message, code, params in islice(cross_checks(data), MAX_PROBLEMS + 1):
            found.append(Problem(format_path(loc), message, _line_of(loc, lines), code,
                                 tuple(sorted(params.items()))))
    except RecursionError:  # data built by a caller, nested past Python's stack
        found.append(Problem("(top level)", _too_deep()))
    if found or plan is None:
        listed = sorted(set(found), key=lambda p: (p.line or 0, p.where))
        if more or len(listed) > MAX_PROBLEMS:
            listed = [Problem("(top level)", f"more than {MAX_PROBLEMS:,} problems: the first "
                                             "ones are listed"), *listed[:MAX_PROBLEMS]]
        raise PlanError(source, listed)
    return plan


def load_plan(path: str | Path) -> Plan:
    """Load a ``.yaml``/``.yml``/``.json`` plan file, or raise PlanError saying why not."""
    path = Path(path)
    source = str(path)
    text = _read_text(path)
    try:
        if path.suffix.lower() == ".json":
            data, lines, problems = _parse_json(text, source)
        else:
            data, lines, problems = parse_yaml(text, source)
        return validate_plan(data, source, lines, problems)
    except RecursionError:  # belt and braces: the scans bound the depth
        raise _refusal(source, _too_deep()) from None


def plan_schema() -> dict[str, Any]:
    """The JSON Schema of the plan file."""
    schema = Plan.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "xlplan plan file"
    return schema
