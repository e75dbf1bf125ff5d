"""A plan file's YAML: safe-loaded within the limits, with the line of every path and the
duplicate keys found (a typo must not silently replace a value)."""

from __future__ import annotations

import functools
import re
from typing import Any

import yaml

from .errors import Problem
from .plan_rules import Location
from .plan_text import (
    MAX_DEPTH,
    MAX_NODES,
    MAX_NUMBER_CHARS,
    MAX_PROBLEMS,
    _line,
    _refusal,
    _too_deep,
    _too_long,
    _too_many,
    format_path,
)
from .terminal import shown as _shown

try:
    from yaml import CSafeLoader as _SafeLoader  # libyaml: fast, and its event parser iterative
except ImportError:  # pragma: no cover - a PyYAML built without libyaml
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]


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

# The tags of YAML's core scalar types, as PyYAML's resolver names them (export writes them too)
STR_TAG = "tag:yaml.org,2002:str"
INT_TAG = "tag:yaml.org,2002:int"
FLOAT_TAG = "tag:yaml.org,2002:float"
BOOL_TAG = "tag:yaml.org,2002:bool"
NULL_TAG = "tag:yaml.org,2002:null"
TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_NUMBER_TAGS = (INT_TAG, FLOAT_TAG)


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
                if tag == STR_TAG:
                    value = text
                elif tag == INT_TAG and _PLAIN_INT.match(text):
                    value = int(text)
                elif tag == FLOAT_TAG and _NOT_PLAIN_FLOAT.isdisjoint(text):
                    value = float(text)
                elif tag == BOOL_TAG:
                    value = loader.bool_values[text.lower()]
                elif tag == NULL_TAG:
                    value = None
                elif tag in (INT_TAG, FLOAT_TAG, TIMESTAMP_TAG):
                    value = (construct_timestamp if tag == TIMESTAMP_TAG else
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
