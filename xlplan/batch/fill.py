"""Fast generation: render a workbook once per shape, then fill in each client's text.

Clients of a batch mostly share everything but their name, sector and consultant. The
workbook is rendered once (the normal, slow path) with a sentinel in each of those texts;
each client's workbook is then that template's parts with the sentinels replaced by the
client's XML-escaped text, hashed and zipped: no spreadsheet object is built again.

The result is byte-identical to :func:`xlplan.workbook.render_bytes` (a property test holds
it to that). A text the template cannot stand for (one starting with ``= + - @``, which gets a
quote-prefix style of its own) takes the normal path, and so does a text equal to another
(the string table keeps one entry for both).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from xml.sax.saxutils import escape

from defusedxml import ElementTree

from ..model import Plan
from ..workbook import build_workbook
from ..workbook.package import zip_parts
from ..workbook.render import needs_quote_prefix

_FIELDS = ("name", "sector", "consultant")
_SENTINELS = {field: f"XLPLANx{field.upper()}x7f3a" for field in _FIELDS}


@dataclass(frozen=True)
class Template:
    parts: tuple[tuple[str, bytes], ...]
    filled: frozenset[str]  # the parts holding a sentinel
    strings: frozenset[str]  # the shared strings: a client text equal to one is shared


def _fillable(value: str | None) -> bool:
    return value is None or not needs_quote_prefix(value)  # a style of its own


def _template_plan(plan: Plan) -> Plan:
    client = plan.client.model_copy(update={
        field: _SENTINELS[field] for field in _FIELDS if getattr(plan.client, field) is not None})
    return plan.model_copy(update={"client": client})


@functools.lru_cache(maxsize=64)
def _template(key: str) -> Template:
    plan = Plan.model_validate_json(key)
    parts = build_workbook(plan).parts
    sentinels = [s.encode() for s in _SENTINELS.values()]
    filled = frozenset(name for name, data in parts.items()
                       if any(s in data for s in sentinels))
    table = parts.get("xl/sharedStrings.xml", b"")
    strings = frozenset("".join(si.itertext()) for si in ElementTree.fromstring(table)
                        ) if table else frozenset()
    return Template(tuple(parts.items()), filled, strings)


def fill_bytes(plan: Plan) -> bytes:
    """The plan's workbook bytes, from a cached template when the plan allows it."""
    from ..workbook import render_bytes

    if not all(_fillable(getattr(plan.client, f)) for f in _FIELDS):
        return render_bytes(plan)
    template = _template(_template_plan(plan).model_dump_json())
    texts = [getattr(plan.client, f) for f in _FIELDS if getattr(plan.client, f) is not None]
    if len(set(texts)) < len(texts) or any(t in template.strings for t in texts):
        # Equal texts share one entry of the string table, where the template has one per
        # sentinel: the normal path writes what the template cannot stand for.
        return render_bytes(plan)
    replacements = [(_SENTINELS[f].encode(), escape(getattr(plan.client, f)).encode("utf-8"))
                    for f in _FIELDS if getattr(plan.client, f) is not None]
    parts: dict[str, bytes] = {}
    for name, data in template.parts:
        if name in template.filled:
            for sentinel, value in replacements:
                data = data.replace(sentinel, value)
        parts[name] = data
    return zip_parts(parts)
