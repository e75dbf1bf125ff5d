"""Write a plan back to a plan file (YAML or JSON), as ``xlplan export`` does."""

from __future__ import annotations

import json
import re
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.representer import SafeRepresenter
from yaml.resolver import Resolver

from .collector import collector_paused
from .model import Plan
from .plan_yaml import BOOL_TAG, FLOAT_TAG, INT_TAG, NULL_TAG, STR_TAG

# Text libyaml's emitter writes as PyYAML's own does (checked by tests/test_scale_export.py):
# tab, line feed and printable characters of the Basic Multilingual Plane. Outside it (a
# carriage return, NEL, the line and paragraph separators, a byte-order mark, an emoji...)
# the two differ, and the plan is written by PyYAML's emitter, as it always was.
_NOT_LIKE_PYYAML = re.compile("[^\t\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]")
_ESCAPED = re.compile(r"\\[rbfu]")
_FAST_DUMPER = getattr(yaml, "CSafeDumper", None)  # libyaml's emitter, when PyYAML has it

_SEQ = Resolver.DEFAULT_SEQUENCE_TAG
_MAP = Resolver.DEFAULT_MAPPING_TAG


_RESOLVE: Any = Resolver.resolve  # the implicit tag of a value, as PyYAML finds it


class _NotPlain(Exception):
    """Data the plain representation does not take: PyYAML's own representer does it."""


_FLOATS = SafeRepresenter()  # represents nothing but floats: no state of a dump's


def _float_text(value: float) -> str:
    """``SafeRepresenter.represent_float``'s text of a float (its node's, made by it)."""
    return str(_FLOATS.represent_float(value).value)


def plain_nodes(data: Any) -> Node:
    """The node tree PyYAML's SafeRepresenter makes of plain data (``yaml.dump`` with no
    default style, block style and keys in their order), made without its per-value lookups:
    dicts, lists, texts, ints, floats, booleans and None, no dict or list twice (the
    representer would make it an alias). Anything else raises _NotPlain."""
    seen: set[int] = set()

    def node(value: Any) -> Node:
        kind = type(value)
        if kind is str:
            return ScalarNode(STR_TAG, value)
        if kind is dict:
            if id(value) in seen:
                raise _NotPlain
            seen.add(id(value))
            return MappingNode(_MAP, [(node(k), node(v)) for k, v in value.items()],
                               flow_style=False)
        if kind is list:
            if id(value) in seen:
                raise _NotPlain
            seen.add(id(value))
            return SequenceNode(_SEQ, [node(v) for v in value], flow_style=False)
        if kind is float:
            return ScalarNode(FLOAT_TAG, _float_text(value))
        if kind is int:
            return ScalarNode(INT_TAG, str(value))
        if kind is bool:
            return ScalarNode(BOOL_TAG, "true" if value else "false")
        if value is None:
            return ScalarNode(NULL_TAG, "null")
        raise _NotPlain

    return node(data)


class _PlainRepresenting:
    """A dumper's representation of plain data through ``plain_nodes`` (the same nodes, so
    the same text), and its emitter's look-ups of each text's implicit tag remembered: a plan
    repeats its statuses, people and dates thousands of times. Anything else, or another
    style, goes the dumper's own way (a SafeRepresenter and Resolver)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        dumper: Any = self
        self._implicit_tags: dict[str, Any] = {}
        self._default_tag = dumper.DEFAULT_SCALAR_TAG
        self._by_path = bool(dumper.yaml_path_resolvers)  # then each look-up is PyYAML's

    def represent(self, data: Any) -> None:
        dumper: Any = self
        if dumper.default_style is not None or dumper.default_flow_style is not False or (
                dumper.sort_keys):
            SafeRepresenter.represent(dumper, data)
            return
        try:
            node = plain_nodes(data)
        except (_NotPlain, RecursionError):  # PyYAML's way, which says what it says
            SafeRepresenter.represent(dumper, data)
            return
        dumper.serialize(node)  # then reset as BaseRepresenter.represent does
        dumper.represented_objects = {}
        dumper.object_keeper = []
        dumper.alias_key = None

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is not ScalarNode or self._by_path:
            return _RESOLVE(self, kind, value, implicit)
        if not implicit[0]:  # no implicit resolver is tried: the default tag
            return self._default_tag
        tag = self._implicit_tags.get(value)
        if tag is None:  # the implicit resolvers of a text: by its first character, in order
            tag = self._implicit_tags[value] = _RESOLVE(self, kind, value, implicit)
        return tag


class _SafeDumper(_PlainRepresenting, yaml.SafeDumper):
    """PyYAML's emitter, the plain representation."""


_DUMPER: type[Any] = _SafeDumper
if _FAST_DUMPER is not None:
    class _FastDumper(_PlainRepresenting, _FAST_DUMPER):  # type: ignore[misc,valid-type]
        """libyaml's emitter, the plain representation."""

    _DUMPER = _FastDumper


def plan_data(plan: Plan) -> dict[str, Any]:
    """The plan as plain data, leaving out empty values so the file stays readable."""
    data: dict[str, Any] = plan.model_dump(mode="json", exclude_none=True)
    return data


def _like_pyyaml(data: Any) -> bool:
    """Whether libyaml's emitter writes ``data`` as PyYAML's does: every text, keys included,
    of those characters, and no empty key (PyYAML writes it as a complex key, libyaml does
    not). Looked at in the data's JSON, which escapes the other control characters (\\r,
    \\u0001...); a backslash before r, b, f or u, or a quote before ``": "``, in a text
    itself only sends the plan to PyYAML's emitter."""
    try:
        text = json.dumps(data, ensure_ascii=False)
    except (TypeError, ValueError):  # not plain data: PyYAML's emitter, as always
        return False
    return not (_NOT_LIKE_PYYAML.search(text) or _ESCAPED.search(text) or '"": ' in text)


def dump_plan(plan: Plan, fmt: str = "yaml") -> str:
    with collector_paused():  # the nodes of a large plan live until it is written
        data = plan_data(plan)
        if fmt == "json":
            return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        dumper = _SafeDumper
        if _FAST_DUMPER is not None and _like_pyyaml(data):
            dumper = _DUMPER  # the same text; the emitter in C, not in Python
        return str(yaml.dump(data, Dumper=dumper, sort_keys=False, allow_unicode=True,
                             width=100))
