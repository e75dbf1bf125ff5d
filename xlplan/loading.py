"""Read a plan file (YAML or JSON) into a :class:`Plan`, reporting every problem at once.

Each problem carries its field path (``priorities[3].score``, indices from 0) and the line it
is on. Duplicate keys are errors: a typo must not silently replace a value.

A plan file may come from anyone, so reading one is bounded, with the same rules for YAML and
JSON: at most :data:`MAX_PLAN_BYTES` of UTF-8 text (a BOM allowed) from a regular file, never
a device or a pipe; collections nested at most :data:`MAX_DEPTH` deep and at most
:data:`MAX_NODES` values, YAML aliases expanded (no "billion laughs"), and no alias inside its
own anchor; number literals of at most :data:`MAX_NUMBER_CHARS` characters; numbers finite.
The limits are checked on the YAML events or the JSON tokens, before anything is built from
them. Every refusal is a :class:`PlanError`, never a traceback.
"""

from __future__ import annotations

import functools
import json
import math
import os
import re
import stat
from collections.abc import Iterator, Mapping
from itertools import islice
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .errors import PlanError, Problem
from .model import Plan
from .plan_rules import Location, canonical_categories, canonical_start_month, cross_checks
from .terminal import shown as _shown

try:
    from yaml import CSafeLoader as _SafeLoader  # libyaml: fast, and its event parser iterative
except ImportError:  # pragma: no cover - a PyYAML built without libyaml
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]


MAX_PLAN_BYTES = 32 * 2**20
"""The largest plan file read (a 10,000-item plan is a few MB)."""
MAX_DEPTH = 64
"""Deepest nesting of collections (mappings and lists) read; a plan needs 4."""
MAX_NODES = 2_000_000
"""Most values (keys included, YAML aliases expanded) read; a 10,000-item plan has ~200,000."""
MAX_NUMBER_CHARS = 1_000
"""Longest number literal read (Python itself refuses integers of more than 4,300 digits)."""
MAX_PROBLEMS = 1_000
"""Most problems listed; the report says when there are more."""


def _too_deep(aliases: bool = False) -> str:
    expanded = " once aliases are expanded" if aliases else ""
    return f"nested deeper than {MAX_DEPTH} levels{expanded} (refused)"


def format_path(loc: Location) -> str:
    """``('priorities', 3, 'score')`` -> ``priorities[3].score``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out or "(top level)"


def _refusal(source: str, message: str, line: int | None = None) -> PlanError:
    return PlanError(source, [Problem("(file)", message, line)])


def _line(mark: Any) -> int | None:
    return mark.line + 1 if mark is not None else None


def _too_many(aliases: bool) -> str:
    expanded = " once aliases are expanded" if aliases else ""
    return f"more than {MAX_NODES:,} values{expanded} (refused)"


def _too_long(chars: int) -> str:
    return f"a number of {chars:,} characters (at most {MAX_NUMBER_CHARS:,}; refused)"


# --- the file --------------------------------------------------------------------------------

def _size(count: int) -> str:
    return f"{count // 2**20} MiB" if count % 2**20 == 0 else f"{count:,} bytes"


def _open_without_blocking(path: str, flags: int) -> int:
    """A FIFO put in place of the file after it was checked must not block the open."""
    return os.open(path, flags | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))


def _read_text(path: Path) -> str:
    """The text of a plan file: a regular file of at most MAX_PLAN_BYTES of UTF-8, its BOM
    dropped and its line ends ``\\n``; or a PlanError saying why not."""
    source = str(path)
    not_a_file = "cannot be read: not a regular file (a device, pipe or socket; refused)"
    too_large = f"larger than {_size(MAX_PLAN_BYTES)} (refused)"
    try:
        mode = path.stat().st_mode
        if stat.S_ISDIR(mode):
            raise _refusal(source, "cannot be read: a folder, not a file")
        if not stat.S_ISREG(mode):
            raise _refusal(source, not_a_file)
        with open(path, "rb", opener=_open_without_blocking) as file:
            info = os.fstat(file.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise _refusal(source, not_a_file)  # swapped since checked
            if info.st_size > MAX_PLAN_BYTES:
                raise _refusal(source, too_large)
            # one more byte than the file's size (never a 32 MiB buffer for a small file), then
            # the rest up to the limit if there was more (a file growing, or one that says 0)
            want = min(info.st_size, MAX_PLAN_BYTES) + 1
            data = file.read(want)
            if len(data) == want and want <= MAX_PLAN_BYTES:
                data += file.read(MAX_PLAN_BYTES + 1 - want)
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        raise _refusal(source, f"cannot be read: {exc}") from None
    if len(data) > MAX_PLAN_BYTES:
        raise _refusal(source, too_large)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _refusal(source, f"cannot be read: not UTF-8 text (byte 0x{data[exc.start]:02x} "
                               f"at offset {exc.start:,}: {exc.reason})",
                       data.count(b"\n", 0, exc.start) + 1) from None
    text = text.removeprefix("\ufeff")
    if "\r" in text:  # as a file opened as text reads it
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


# --- YAML ------------------------------------------------------------------------------------

class _PlanLoader(_SafeLoader):
    """The safe loader; a value its constructor cannot build is a YAML error at its line."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (yaml.YAMLError, RecursionError, MemoryError):
            raise
        except Exception as exc:  # PyYAML's constructors fail in many ways on odd values
            kind = str(node.tag).rsplit(":", 1)[-1]
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read {_shown(node.value)} as {kind} ({exc})",
                node.start_mark) from None


def _timestamp(loader: _PlanLoader, node: yaml.ScalarNode) -> Any:
    """A date that does not exist (2027-02-30) stays text: its field then says what it wants."""
    try:
        return loader.construct_yaml_timestamp(node)
    except (ValueError, TypeError, AttributeError, OverflowError, LookupError):
        return loader.construct_scalar(node)


_PlanLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)

_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")


def _is_number(loader: _PlanLoader, event: yaml.ScalarEvent) -> bool:
    tag = event.tag
    if tag is None or tag == "!":
        resolve: Any = loader.resolve  # (untyped in the stubs)
        tag = resolve(yaml.ScalarNode, event.value, event.implicit)
    return tag in _NUMBER_TAGS


def _scan_yaml(text: str, source: str) -> None:
    """Refuse, before composing, what would be too deep or too big once built.

    Streams the parser's events (libyaml's parser is iterative; its composer is not), keeping
    for each anchor the size and height of its node with aliases expanded: a billion laughs is
    refused after a few hundred events, in a few KiB."""
    loader = _PlanLoader(text)
    anchors: dict[str, tuple[int, int]] = {}  # anchor -> (values, height), aliases expanded
    stack: list[list[Any]] = []  # open collections: [anchor, values, highest child's height]
    total = 0  # values so far, aliases expanded
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.CollectionStartEvent):
                if len(stack) >= MAX_DEPTH:
                    raise _refusal(source, _too_deep(), _line(event.start_mark))
                stack.append([event.anchor, 1, 0])
                total += 1
                continue
            if isinstance(event, yaml.ScalarEvent):
                anchor, size, height = event.anchor, 1, 0
                if len(event.value) > MAX_NUMBER_CHARS and _is_number(loader, event):
                    raise _refusal(source, _too_long(len(event.value)), _line(event.start_mark))
                total += 1
            elif isinstance(event, yaml.AliasEvent):
                if any(frame[0] == event.anchor for frame in stack):
                    raise _refusal(source, f"the alias *{event.anchor} is inside its own anchor "
                                           "(a recursive structure; refused)",
                                   _line(event.start_mark))
                anchor = None
                size, height = anchors.get(str(event.anchor), (1, 0))  # undefined: composer's
                total += size
            elif isinstance(event, yaml.CollectionEndEvent) and stack:
                anchor, size, height = stack.pop()  # counted in total as it grew
                height += 1
            else:
                continue
            if total > MAX_NODES:
                raise _refusal(source, _too_many(bool(anchors)), _line(event.start_mark))
            if anchor is not None:
                anchors[anchor] = (size, height)
            if stack:
                frame = stack[-1]
                frame[1] += size
                frame[2] = max(frame[2], height)
                if len(stack) + height > MAX_DEPTH:
                    raise _refusal(source, _too_deep(True), _line(event.start_mark))
    finally:
        loader.dispose()


def _walk_yaml(node: yaml.Node, loc: Location, lines: dict[Location, int],
               problems: list[Problem], walked: set[int] | None = None) -> None:
    """The line of every path and the duplicate keys. A node reached again through an alias is
    not walked again: its paths there take the line of the path the alias is at, and its
    duplicate keys are reported once (the walk is as long as the text, not its expansion)."""
    lines.setdefault(loc, node.start_mark.line + 1)
    if walked is None:
        walked = set()
    if isinstance(node, yaml.ScalarNode) or id(node) in walked:
        return
    walked.add(id(node))
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue  # a list or mapping as a key: the constructor refuses it
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen and len(problems) <= MAX_PROBLEMS:
                problems.append(Problem(format_path((*loc, key)),
                                        f"duplicate key (first given on line {seen[key]})", line))
            seen[key] = line
            lines[(*loc, key)] = line
            _walk_yaml(value_node, (*loc, key), lines, problems, walked)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk_yaml(item, (*loc, index), lines, problems, walked)


# The plain path of a plan file, built from the parser's events in one pass (see _fast_yaml).
_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_PLAIN_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)\Z")
_NOT_PLAIN_FLOAT = frozenset("_:nN")  # PyYAML's own path: underscores, base 60, .inf, .nan


class _Unusual(Exception):
    """Something the one-pass build leaves to PyYAML's composer and constructor."""


def _fast_yaml(text: str) -> tuple[Any, dict[Location, int], list[Problem]] | None:
    """What :func:`parse_yaml` returns, built from the parser's events in one pass; or None
    when the text has anything but plain mappings, lists and scalars of the core types.

    A plan file is plain: no anchor, alias, explicit tag, merge key or complex key. For such
    a text this is PyYAML's safe load exactly (each scalar resolved by the loader's own
    resolver; an int, float, bool or null built as PyYAML's constructor builds it when its
    text is a plain literal; a timestamp, or any other literal, built by the constructor
    itself), and the lines and duplicate keys are those :func:`_walk_yaml` finds. Anything
    else (an alias, a tag, a limit reached, a syntax error, any failure) returns None, and
    the composing path decides, refusing or reporting as it always did: a test holds the two
    equal wherever this one answers. It is about three times as fast: PyYAML composes a node
    for every value, constructs each through a chain of calls and resolves every scalar
    with regular expressions, where a plan repeats the same few words."""
    loader = _PlanLoader(text)
    try:
        return _build(loader)
    except Exception:  # the composing path says what is wrong, as it always did
        return None
    finally:
        loader.dispose()


def _build(loader: _PlanLoader) -> tuple[Any, dict[Location, int], list[Problem]]:
    resolve: Any = loader.resolve  # (untyped in the stubs)
    get_event = loader.get_event
    construct_timestamp = functools.partial(_timestamp, loader)
    resolved: dict[str, Any] = {}  # a plain scalar's text -> its value (or _Unusual)
    lines: dict[Location, int] = {}
    problems: list[Problem] = []
    # open collections: [container, location, is_mapping, next index or pending key, seen keys]
    stack: list[list[Any]] = []
    root: Any = None
    documents = 0
    total = 0
    scalar_node = yaml.ScalarNode
    while True:
        event: Any = get_event()
        kind = type(event)
        if kind is yaml.ScalarEvent:
            if event.anchor is not None or event.tag is not None:
                raise _Unusual
            text = event.value
            if not event.implicit[0]:  # quoted, or a block scalar: text
                value: Any = text
            elif text in resolved:
                value = resolved[text]
            else:
                tag = resolve(scalar_node, text, event.implicit)
                if len(text) > MAX_NUMBER_CHARS and tag in _NUMBER_TAGS:
                    raise _Unusual  # refused by the scan
                if tag == _STR:
                    value = text
                elif tag == _INT and _PLAIN_INT.match(text):
                    value = int(text)
                elif tag == _FLOAT and _NOT_PLAIN_FLOAT.isdisjoint(text):
                    value = float(text)
                elif tag == _BOOL:
                    value = loader.bool_values[text.lower()]
                elif tag == _NULL:
                    value = None
                elif tag in (_INT, _FLOAT, _TIMESTAMP):
                    value = (construct_timestamp if tag == _TIMESTAMP else
                             loader.construct_object)(
                        scalar_node(tag, text, event.start_mark, event.end_mark, event.style))
                else:
                    raise _Unusual  # a merge key, '=': the constructor's own rules
                resolved[text] = value
            line = event.start_mark.line + 1
            collection: dict[Any, Any] | list[Any] | None = None
        elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            if event.anchor is not None or event.tag is not None or len(stack) >= MAX_DEPTH - 1:
                raise _Unusual
            value = collection = {} if kind is yaml.MappingStartEvent else []
            line = event.start_mark.line + 1
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            stack.pop()
            continue
        elif kind is yaml.DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise _Unusual  # more than one document: the composer refuses it
            continue
        elif kind is yaml.StreamEndEvent:
            return root, lines, problems
        elif kind is yaml.StreamStartEvent or kind is yaml.DocumentEndEvent:
            continue
        else:  # an alias
            raise _Unusual
        total += 1
        if total > MAX_NODES:
            raise _Unusual
        if not stack:
            lines.setdefault((), line)
            root = value
        else:
            frame = stack[-1]
            container, loc = frame[0], frame[1]
            if not frame[2]:  # a list item
                index = frame[3]
                frame[3] = index + 1
                lines.setdefault((*loc, index), line)
                container.append(value)
            elif frame[3] is None:  # a key
                if collection is not None:
                    raise _Unusual  # a list or mapping as a key: the constructor refuses it
                key = str(text)
                seen = frame[4]
                if key in seen and len(problems) <= MAX_PROBLEMS:
                    problems.append(Problem(format_path((*loc, key)),
                                            f"duplicate key (first given on line {seen[key]})",
                                            line))
                seen[key] = line
                lines[(*loc, key)] = line
                frame[3] = (value, (*loc, key))
                continue
            else:  # a value
                key_value, child = frame[3]
                frame[3] = None
                container[key_value] = value
                if collection is not None:
                    stack.append([collection, child, kind is yaml.MappingStartEvent,
                                  None if kind is yaml.MappingStartEvent else 0, {}])
                continue
        if collection is not None:
            loc = () if not stack else (*stack[-1][1], stack[-1][3] - 1)
            stack.append([collection, loc, kind is yaml.MappingStartEvent,
                          None if kind is yaml.MappingStartEvent else 0, {}])


def parse_yaml(text: str, source: str) -> tuple[Any, dict[Location, int], list[Problem]]:
    """Safe-load YAML, with the line of every path and the duplicate keys found.

    The event stream is checked first (see :func:`_scan_yaml`), so the node graph walked and
    built after it is at most MAX_DEPTH deep and MAX_NODES large, aliases expanded. A plain
    text (most plan files) is built in one pass instead, with the same result (see
    :func:`_fast_yaml`)."""
    return _fast_yaml(text) or _composed_yaml(text, source)


def _composed_yaml(text: str, source: str) -> tuple[Any, dict[Location, int], list[Problem]]:
    """:func:`parse_yaml` for any text: scanned, composed, walked, then constructed."""
    try:
        _scan_yaml(text, source)
        loader = _PlanLoader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None, {}, []
            lines: dict[Location, int] = {}
            problems: list[Problem] = []
            _walk_yaml(node, (), lines, problems)
            return loader.construct_document(node), lines, problems
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        reason = getattr(exc, "problem", None) or str(exc)
        if "maximum nesting depth" in reason:  # libyaml's own limit (1,000), met in look-ahead
            raise _refusal(source, _too_deep(), _line(mark)) from None
        raise _refusal(source, f"not valid YAML: {reason}", _line(mark)) from None
    except RecursionError:  # not expected after the scan: belt and braces
        raise _refusal(source, _too_deep()) from None


# --- JSON ------------------------------------------------------------------------------------

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


# --- validation ------------------------------------------------------------------------------

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
