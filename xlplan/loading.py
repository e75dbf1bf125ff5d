"""Read a plan file (YAML or JSON) into a :class:`Plan`, reporting every problem at once.

Each problem carries its field path (``priorities[3].score``, indices from 0) and, for YAML,
the line it is on. Duplicate keys are errors: a typo must not silently replace a value.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .errors import PlanError, Problem
from .model import Plan

Location = tuple[str | int, ...]


def format_path(loc: Location) -> str:
    """``('priorities', 3, 'score')`` -> ``priorities[3].score``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out or "(top level)"


def _walk_yaml(node: yaml.Node, loc: Location, lines: dict[Location, int],
               problems: list[Problem]) -> None:
    lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                problems.append(Problem(format_path((*loc, key)),
                                        f"duplicate key (first given on line {seen[key]})", line))
            seen[key] = line
            lines[(*loc, key)] = line
            _walk_yaml(value_node, (*loc, key), lines, problems)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk_yaml(item, (*loc, index), lines, problems)


def parse_yaml(text: str, source: str) -> tuple[Any, dict[Location, int], list[Problem]]:
    """Safe-load YAML, with the line of every path and the duplicate keys found."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}, []
        lines: dict[Location, int] = {}
        problems: list[Problem] = []
        _walk_yaml(node, (), lines, problems)
        return loader.construct_document(node), lines, problems
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc)
        raise PlanError(source, [Problem("(file)", f"not valid YAML: {reason}", line)]) from None
    finally:
        loader.dispose()


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


def _problem(error: Any, lines: dict[Location, int]) -> Problem:
    loc = _clean_loc(error["loc"])
    kind = error["type"]
    ctx = error.get("ctx") or {}
    code = _CODES.get(kind, "out_of_bound" if kind in _BOUNDS else None)
    params: dict[str, str] = {"value": repr(error.get("input"))}
    if kind in _BOUNDS:
        params.update(op=_BOUNDS[kind], limit=str(next(iter(ctx.values()))))
    if kind in ("literal_error", "enum"):
        params["choices"] = str(ctx.get("expected"))
    params.update({k: str(v) for k, v in ctx.items() if k in ("due", "start")})
    return Problem(format_path(loc), _message(error), _line_of(loc, lines), code,
                   tuple(sorted(params.items())))


def problems_of(exc: ValidationError, lines: dict[Location, int] | None = None) -> list[Problem]:
    """A pydantic error as our problems: a field path and a message a person can act on."""
    return [_problem(error, lines or {}) for error in exc.errors()]


def _line_of(loc: Location, lines: dict[Location, int]) -> int | None:
    while loc and loc not in lines:
        loc = loc[:-1]
    return lines.get(loc)


def _message(error: Any) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    got = error.get("input")
    shown = f" (got {got!r})" if kind not in ("missing", "model_type") and not isinstance(
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


def _items(data: Any, key: str) -> Iterator[tuple[int, dict[str, Any]]]:
    items = data.get(key) if isinstance(data, dict) else None
    if isinstance(items, list):
        for index, item in enumerate(items):
            if isinstance(item, dict):
                yield index, item


def _cross_checks(data: Any) -> Iterator[tuple[Location, str, str, dict[str, str]]]:
    """Checks across lists, run on the raw data so they report alongside field errors."""
    for key, field in (("kpis", "name"), ("segments", "name"), ("priorities", "title"),
                       ("objectives", "title")):
        first: dict[str, int] = {}
        for index, item in _items(data, key):
            value = item.get(field)
            if isinstance(value, str):
                norm = value.strip().casefold()
                if norm in first:
                    other = f"{key}[{first[norm]}].{field}"
                    yield ((key, index, field),
                           f"duplicate of {other} ({value!r}); names must be unique",
                           "duplicate", {"other": other, "value": repr(value)})
                first.setdefault(norm, index)
    titles = {str(item.get("title", "")).strip() for _, item in _items(data, "priorities")}
    for index, action in _items(data, "actions"):
        ref = action.get("priority")
        if isinstance(ref, str) and ref.strip() and ref.strip() not in titles:
            yield (("actions", index, "priority"),
                   f"names no priority (got {ref!r}); must be one of the priorities' titles",
                   "unknown_priority", {"value": repr(ref)})


def validate_plan(data: Any, source: str = "plan", lines: dict[Location, int] | None = None,
                  problems: list[Problem] | None = None) -> Plan:
    """Validate raw data into a Plan or raise PlanError listing every problem."""
    lines = lines or {}
    found = list(problems or [])
    plan: Plan | None = None
    try:
        plan = Plan.model_validate(data)
    except ValidationError as exc:
        found += problems_of(exc, lines)
    for loc, message, code, params in _cross_checks(data):
        found.append(Problem(format_path(loc), message, _line_of(loc, lines), code,
                             tuple(sorted(params.items()))))
    if found or plan is None:
        raise PlanError(source, sorted(set(found), key=lambda p: (p.line or 0, p.where)))
    return plan


def load_plan(path: str | Path) -> Plan:
    """Load a ``.yaml``/``.yml``/``.json`` plan file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanError(str(path), [Problem("(file)", f"cannot be read: {exc}")]) from None
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise PlanError(str(path), [Problem("(file)", f"not valid JSON: {exc.msg}",
                                                exc.lineno)]) from None
        return validate_plan(data, str(path))
    data, lines, problems = parse_yaml(text, str(path))
    return validate_plan(data, str(path), lines, problems)


def plan_schema() -> dict[str, Any]:
    """The JSON Schema of the plan file."""
    schema = Plan.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "xlplan plan file"
    return schema
