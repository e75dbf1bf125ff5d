"""A plan file's JSON: read within the limits (the same as YAML's), with the line of every
path and the duplicate keys found when there is a use for them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from .errors import PlanError, Problem
from .plan_rules import Location
from .plan_text import (
    MAX_DEPTH,
    MAX_NODES,
    MAX_NUMBER_CHARS,
    MAX_PROBLEMS,
    _refusal,
    _too_deep,
    _too_long,
    _too_many,
    format_path,
)

_STRING = r'"[^"\\]*+(?:\\.[^"\\]*+)*+"'
_SCALAR = r'[^\s,:\[\]{}"]++'
# A key, with its value when that is a string or a scalar (as most are); a string; a bracket;
# a scalar (a number, a literal). A string with no end runs to the end of the text: no match
# is tried twice from a place, and the scan is linear.
_JSON_TOKEN = re.compile(
    rf'(?P<key>{_STRING})\s*+:\s*+(?:(?P<text>{_STRING})|(?P<scalar>{_SCALAR}))?'
    rf'|{_STRING}?|[\[{{]|[\]}}]|(?P<bare>{_SCALAR})', re.DOTALL)


class _Open:
    """A collection open in the JSON scan."""

    __slots__ = ("index", "key", "loc", "mapping", "seen")

    def __init__(self, loc: Location, mapping: bool) -> None:
        self.loc = loc
        self.mapping = mapping
        self.key = ""
        self.index = 0
        self.seen: dict[str, int] = {}


def _json_key(token: str) -> str:
    if "\\" not in token:
        return token[1:-1]
    try:
        key = json.loads(token)
    except ValueError:  # json.loads of the whole text then says what is wrong
        return token
    return key if isinstance(key, str) else token


def _scan_json(text: str, source: str, record: bool = True
               ) -> tuple[dict[Location, int], list[Problem]]:
    """The line of every path and the duplicate keys (unless not ``record``), as
    :func:`_walk_yaml` finds them; and, before json.loads builds anything, the limits YAML
    has (depth, values, numbers).

    Exact on valid JSON. On invalid JSON the limits hold for the part json.loads reads before
    it stops at its first error (a closing bracket too many ends the scan)."""
    lines: dict[Location, int] = {}
    problems: list[Problem] = []
    stack: list[_Open] = []
    line, pos, values = 1, 0, 0
    for match in _JSON_TOKEN.finditer(text):
        start = match.start()
        line += text.count("\n", pos, start)
        pos = start
        key_token, value, scalar = match.group("key", "text", "scalar")
        first = match.group()[0]
        top = stack[-1] if stack else None
        if first in "]}":
            if top is None:
                break
            stack.pop()
            continue
        loc: Location = ()
        if key_token is not None:
            values += 1 + (value is not None or scalar is not None)
            if record:
                frame = top or _Open((), True)
                key = _json_key(key_token)
                loc = (*frame.loc, key)
                if key in frame.seen and len(problems) <= MAX_PROBLEMS:
                    problems.append(Problem(
                        format_path(loc), f"duplicate key (first given on line "
                                          f"{frame.seen[key]})", line))
                frame.seen[key] = line
                frame.key = key
                lines[loc] = line
        else:
            values += 1
            scalar = match.group("bare")
            if record:
                if top is not None and top.mapping:
                    loc = (*top.loc, top.key)
                elif top is not None:
                    loc = (*top.loc, top.index)
                    top.index += 1
                lines.setdefault(loc, line)
        if values > MAX_NODES:
            raise _refusal(source, _too_many(False), line)
        if scalar is not None:
            if len(scalar) > MAX_NUMBER_CHARS and scalar[0] in "-0123456789":
                raise _refusal(source, _too_long(len(scalar)), line)
        elif first in "[{":
            if len(stack) >= MAX_DEPTH:
                raise _refusal(source, _too_deep(), line)
            stack.append(_Open(loc, first == "{"))
    return lines, problems


_JSON_STRING = re.compile(rf"{_STRING}?", re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
# Each byte as a separator (b" ": white space as ``\s`` has it in ASCII, punctuation) or as
# part of a scalar (b"a")
_SCALAR_BYTES = bytes(32 if b in b' \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f,:[]{}"' else 97
                      for b in range(256))


def _json_within_limits(text: str) -> bool:
    """Whether the text keeps the limits :func:`_scan_json` checks, found in C, with no Python
    step per token (if not, the scan says where the text breaks them)."""
    if text.count('"') > 2 * MAX_NODES:  # more strings than that, maybe: let the scan count
        return False
    bare, values = _JSON_STRING.subn(" ", text)
    if re.search(rf'[-0-9][^\s,:\[\]{{}}"]{{{MAX_NUMBER_CHARS}}}', bare):
        return False
    encoded = bare.encode()
    brackets = encoded.translate(None, _NOT_BRACKETS)
    scalars = encoded.translate(_SCALAR_BYTES)
    values += scalars.count(b" a") + scalars.startswith(b"a")
    if values + brackets.count(b"[") + brackets.count(b"{") > MAX_NODES:
        return False
    depth = 0
    for byte in brackets:
        if byte in b"[{":
            depth += 1
            if depth > MAX_DEPTH:
                return False
        elif depth:
            depth -= 1
        else:
            break  # a closing bracket too many: json.loads stops there
    return True


class _LinesOnDemand(Mapping[Location, int]):
    """The line of every path of a JSON text, scanned for when a problem first needs one."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._lines: dict[Location, int] | None = None

    def _found(self) -> dict[Location, int]:
        if self._lines is None:
            try:
                self._lines = _scan_json(self._text, "")[0]
            except PlanError:  # not expected: the text was found within the limits
                self._lines = {}
            self._text = ""
        return self._lines

    def __getitem__(self, loc: Location) -> int:
        return self._found()[loc]

    def __iter__(self) -> Iterator[Location]:
        return iter(self._found())

    def __len__(self) -> int:
        return len(self._found())


def _json_constant(name: str) -> float:
    """``NaN``, ``Infinity``, ``-Infinity`` (not JSON, but Python writes them) are read as the
    numbers they name, so that their field refuses them at its path and line, as it does
    YAML's ``.nan`` and ``.inf``: numbers must be finite."""
    return float(name)


def _parse_json(text: str, source: str) -> tuple[Any, Mapping[Location, int], list[Problem]]:
    """json.loads, once the text is known to be within the limits; the lines of its paths
    and its duplicate keys are found by :func:`_scan_json` when there is a use for them."""
    if not _json_within_limits(text):
        _scan_json(text, source, record=False)  # refuses it, saying where
    repeated = False

    def mapping(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal repeated
        found = dict(pairs)
        repeated = repeated or len(found) < len(pairs)
        return found

    try:
        data = json.loads(text, object_pairs_hook=mapping, parse_constant=_json_constant)
    except json.JSONDecodeError as exc:
        raise _refusal(source, f"not valid JSON: {exc.msg}", exc.lineno) from None
    except ValueError as exc:  # an integer too long for Python: refused by the scan already
        raise _refusal(source, f"not valid JSON: {exc}") from None
    except RecursionError:  # not expected after the scan: belt and braces
        raise _refusal(source, _too_deep()) from None
    if repeated:
        return data, *_scan_json(text, source)
    return data, _LinesOnDemand(text), []
