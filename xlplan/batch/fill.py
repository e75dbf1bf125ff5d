"""Fast generation: render a workbook once per shape, then fill in each client's text.

Clients of a batch mostly share everything but their name, sector and consultant. The
workbook is rendered once (the normal, slow path) with a sentinel in each of those texts;
each client's workbook is then that template's parts with the sentinels replaced by the
client's XML-escaped text, hashed and zipped: no spreadsheet object is built again.

The replacement is one pass over each part: a client's text is never searched again, so a
name holding a sentinel's text stays that text. The sentinels carry a random key drawn when
the process starts, and a plan with the key in any text takes the normal path: no text of a
plan can be taken for a client field.

The result is byte-identical to :func:`xlplan.workbook.render_bytes` (a property test holds
it to that). A text the template cannot stand for takes the normal path: one starting with
``= + - @`` (a quote-prefix style of its own), one the writer escapes its own way (a control
character, ``_xHHHH_``, U+FFFE/U+FFFF), and one that makes two entries of the string table
equal (the table keeps one entry for both).
"""

from __future__ import annotations

import functools
import re
import secrets
from dataclasses import dataclass
from xml.sax.saxutils import escape

from defusedxml import ElementTree

from ..model import Plan
from ..workbook import build_workbook
from ..workbook.package import zip_parts
from ..workbook.render import needs_quote_prefix

_FIELDS = ("name", "sector", "consultant")
_KEY = secrets.token_hex(8)
_SENTINELS = {field: f"XLPLANx{field.upper()}x{_KEY}" for field in _FIELDS}
_BY_WORD = {field.upper(): field for field in _FIELDS}
# One pattern for every sentinel (its literal prefix keeps the scan fast), for bytes and text.
_PATTERN = f"XLPLANx({'|'.join(_BY_WORD)})x{_KEY}"
_SENTINEL_BYTES = re.compile(_PATTERN.encode())
_SENTINEL_TEXT = re.compile(_PATTERN)
# What the writer does not write as plain XML text: control characters (\r as _x000D_),
# text that looks like its _xHHHH_ escapes, the non-characters U+FFFE and U+FFFF, surrogates.
_NOT_PLAIN = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]|_x", re.IGNORECASE)


@dataclass(frozen=True)
class Template:
    parts: tuple[tuple[str, bytes], ...]
    filled: frozenset[str]  # the parts holding a sentinel
    fixed: frozenset[str]  # the shared strings without a sentinel
    templated: tuple[str, ...]  # the shared strings with one


def _fillable(value: str) -> bool:
    return not needs_quote_prefix(value) and _NOT_PLAIN.search(value) is None


def _texts(plan: Plan) -> dict[str, str]:
    """The client fields the template stands for: those with a text (an empty one is
    rendered as no text at all, and stays in the template as it is)."""
    return {f: value for f in _FIELDS if (value := getattr(plan.client, f))}


def _template_plan(plan: Plan, fields: dict[str, str]) -> Plan:
    client = plan.client.model_copy(update={field: _SENTINELS[field] for field in fields})
    return plan.model_copy(update={"client": client})


@functools.lru_cache(maxsize=64)
def _template(key: str) -> Template:
    plan = Plan.model_validate_json(key)
    parts = build_workbook(plan).parts
    filled = frozenset(name for name, data in parts.items() if _SENTINEL_BYTES.search(data))
    table = parts.get("xl/sharedStrings.xml", b"")
    strings = ["".join(si.itertext()) for si in ElementTree.fromstring(table)] if table else []
    templated = tuple(s for s in strings if _SENTINEL_TEXT.search(s))
    return Template(tuple(parts.items()), filled,
                    frozenset(s for s in strings if not _SENTINEL_TEXT.search(s)), templated)


def substitute(data: bytes, texts: dict[str, str]) -> bytes:
    """A template part with each sentinel replaced by its field's XML-escaped text, in one
    pass: what is put in is never searched again."""
    values = {f.upper().encode(): escape(text).encode("utf-8") for f, text in texts.items()}

    def value(match: re.Match[bytes]) -> bytes:
        return values[match[1]]

    return _SENTINEL_BYTES.sub(value, data)


def fill_bytes(plan: Plan) -> bytes:
    """The plan's workbook bytes, from a cached template when the plan allows it."""
    from ..workbook import render_bytes

    texts = _texts(plan)
    if not all(_fillable(text) for text in texts.values()):
        return render_bytes(plan)
    key = _template_plan(plan, texts).model_dump_json()
    if key.count(_KEY) != len(texts):  # the key in a text of the plan: it would be filled in
        return render_bytes(plan)
    template = _template(key)
    shown = [_SENTINEL_TEXT.sub(lambda m: texts[_BY_WORD[m[1]]], s) for s in template.templated]
    if len(set(shown)) < len(shown) or not template.fixed.isdisjoint(shown):
        # The string table keeps one entry for equal texts, where the template has one per
        # sentinel: the normal path writes what the template cannot stand for.
        return render_bytes(plan)
    return zip_parts({name: substitute(data, texts) if name in template.filled else data
                      for name, data in template.parts})
