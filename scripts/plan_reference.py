"""Print the plan file's reference as Markdown, generated from its JSON Schema.

    .venv/bin/python scripts/plan_reference.py                    # print the reference
    .venv/bin/python scripts/plan_reference.py --check README.md  # exit 1 if README's is stale
    .venv/bin/python scripts/plan_reference.py --write README.md  # refresh README's copy

The reference comes from ``plan_schema()`` (what ``xlplan schema`` prints), so its text is the
descriptions of ``xlplan/model.py``: one table per part of the plan file (the top level, then
each object in the order the schema reaches it: ``client``, ``plan``, ``objectives[]``...),
with each field's type or allowed values, default and description. The same schema always
gives the same text. In a Markdown file the reference lives between the lines
``<!-- plan-reference:start -->`` and ``<!-- plan-reference:end -->``; ``--write`` replaces
what is between them and nothing else, ``--check`` compares it.

Exit codes: 0 done (or up to date), 1 the file's reference differs from the schema's, 2 the
file cannot be read or its markers are missing, repeated or out of order.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xlplan.loading import plan_schema

START = "<!-- plan-reference:start -->"
END = "<!-- plan-reference:end -->"
NOTE = ("<!-- Generated from the plan file's schema by scripts/plan_reference.py: edit the "
        "descriptions in xlplan/model.py, then run "
        "`.venv/bin/python scripts/plan_reference.py --write README.md`. -->")
ROOT_TITLE = "Top level"
HEADER = ("| field | type / allowed values | default | description |\n"
          "| --- | --- | --- | --- |")

Schema = dict[str, Any]


@dataclass(frozen=True)
class Section:
    """One table of the reference: an object of the schema and where it sits in a plan."""

    paths: tuple[str, ...]  # ("funding.uses[]",); () for the top level
    schema: Schema

    @property
    def title(self) -> str:
        return ", ".join(f"`{p}`" for p in self.paths) if self.paths else ROOT_TITLE


def _def_name(node: Schema) -> str | None:
    ref = node.get("$ref")
    return ref.rsplit("/", 1)[-1] if isinstance(ref, str) else None


def _objects_in(node: Schema, suffix: str = "") -> Iterator[tuple[str, str]]:
    """The object definitions a property holds (through lists and options), each with the
    suffix its path takes: ``[]`` for a list's items."""
    name = _def_name(node)
    if name is not None:
        yield name, suffix
    for option in node.get("anyOf", []) + node.get("allOf", []):
        yield from _objects_in(option, suffix)
    items = node.get("items")
    if isinstance(items, dict):
        yield from _objects_in(items, suffix + "[]")


def sections(schema: Schema) -> list[Section]:
    """The top level, then every object definition in the order the schema reaches it (an
    object reached from several places is one section naming them all; an unreachable one
    comes last, by name)."""
    defs: dict[str, Schema] = schema.get("$defs", {})
    paths: dict[str, list[str]] = {}

    def visit(node: Schema, prefix: str) -> None:
        for key, prop in node.get("properties", {}).items():
            for name, suffix in _objects_in(prop):
                if "properties" not in defs.get(name, {}):
                    continue  # an enumeration, not an object
                path = f"{prefix}{key}{suffix}"
                seen = name in paths
                paths.setdefault(name, []).append(path)
                if not seen:
                    visit(defs[name], path + ".")

    visit(schema, "")
    found = [Section((), schema)]
    found += [Section(tuple(p), defs[name]) for name, p in paths.items()]
    found += [Section((name,), d) for name, d in sorted(defs.items())
              if "properties" in d and name not in paths]
    return found


def _cell(text: str) -> str:
    """Text fit for a Markdown table cell: one line, pipes escaped."""
    return " ".join(text.split()).replace("|", "\\|")


def _number(value: float) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:g}"
    whole = int(value)
    digits = str(abs(whole))
    if abs(whole) >= 10**6 and digits.strip("0") == "1":
        return f"{'-' if whole < 0 else ''}10^{len(digits) - 1}"
    return f"{whole:,}" if abs(whole) >= 10_000 else str(whole)


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _number(value)
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _bounds(node: Schema) -> str:
    low, high = node.get("minimum"), node.get("maximum")
    above, below = node.get("exclusiveMinimum"), node.get("exclusiveMaximum")
    if low is not None and high is not None:
        return f" ({_number(low)} to {_number(high)})"
    parts = ([f">= {_number(low)}"] if low is not None else []) + (
        [f"> {_number(above)}"] if above is not None else []) + (
        [f"<= {_number(high)}"] if high is not None else []) + (
        [f"< {_number(below)}"] if below is not None else [])
    return f" ({' and '.join(parts)})" if parts else ""


def _count(node: Schema, low_key: str, high_key: str, unit: str) -> str:
    low, high = node.get(low_key), node.get(high_key)
    if low and high is not None:
        return f"{_number(low)}-{_number(high)} {unit}"
    if high is not None:
        return f"at most {_number(high)} {unit}"
    if low:
        return f"at least {_number(low)} {unit}"
    return ""


def type_text(node: Schema, schema: Schema, titles: dict[str, str]) -> str:
    """What a property holds, in plain words: ``whole number (1 to 12)``, ``one of `fr`,
    `es`, `en```, ``list of objects: see `objectives[]```."""
    name = _def_name(node)
    if name is not None:
        target = schema["$defs"][name]
        if "properties" in target:
            return f"object: see {titles[name]}"
        return type_text(target, schema, titles)
    if "const" in node:
        return f"`{_literal(node['const'])}`"
    if "enum" in node:
        return "one of " + ", ".join(f"`{_literal(v)}`" for v in node["enum"])
    if "anyOf" in node or "allOf" in node:
        choices: list[Schema] = node.get("anyOf") or node.get("allOf") or []
        options = [o for o in choices if o.get("type") != "null"]
        text = " or ".join(type_text(o, schema, titles) for o in options)
        return text + ", or empty" if len(options) < len(choices) else text
    kind = node.get("type")
    if kind == "string":
        if node.get("format") == "date":
            return "date (YYYY-MM-DD)"
        if "pattern" in node:
            return f"text matching `{node['pattern']}`"
        length = _count(node, "minLength", "maxLength", "characters")
        return f"text ({length})" if length else "text"
    if kind in ("number", "integer"):
        return ("number" if kind == "number" else "whole number") + _bounds(node)
    if kind == "boolean":
        return "true or false"
    if kind == "array":
        items = node.get("items", {})
        if (name := _def_name(items)) and "properties" in schema["$defs"][name]:
            what = f"objects: see {titles[name]}"
        else:
            what = type_text(items, schema, titles) if items else "values"
        size = _count(node, "minItems", "maxItems", "items")
        return f"list of {what}, {size}" if size else f"list of {what}"
    if kind == "object":
        keys = type_text({"type": "string", **node.get("propertyNames", {})}, schema, titles)
        values = node.get("additionalProperties")
        shown = type_text(values, schema, titles) if isinstance(values, dict) else "anything"
        return f"map from {keys} to {shown}"
    return "anything"


def default_text(name: str, node: Schema, required: Sequence[str]) -> str:
    """``required``, ``none`` (null), ``empty``, or the default's value."""
    if name in required:
        return "required"
    if "default" not in node:
        return ""
    value = node["default"]
    if value is None:
        return "none"
    if value in ([], {}) or (isinstance(value, dict)
                             and all(v in ([], {}, None) for v in value.values())):
        return "empty"
    return f"`{_literal(value)}`"


def reference(schema: Schema | None = None) -> str:
    """The Markdown reference of the plan file: a table per section, each row a field."""
    schema = plan_schema() if schema is None else schema
    found = sections(schema)
    defs = schema.get("$defs", {})
    titles = {name: section.title for name, d in defs.items()
              for section in found if section.schema is d}
    out: list[str] = []
    for section in found:
        about = _cell(section.schema.get("description", ""))
        out.append(f"**{section.title}**" + (f": {about}" if about else ""))
        out.append("")
        out.append(HEADER)
        required = section.schema.get("required", [])
        for key, prop in section.schema.get("properties", {}).items():
            cells = (f"`{key}`", type_text(prop, schema, titles),
                     default_text(key, prop, required), prop.get("description", ""))
            out.append("| " + " | ".join(_cell(c) for c in cells) + " |")
        out.append("")
    return "\n".join(out)


def block(schema: Schema | None = None) -> str:
    """What goes between the markers, the markers' lines excluded."""
    return f"{NOTE}\n\n{reference(schema)}\n"


class MarkerError(ValueError):
    """The markers are missing, repeated or out of order."""


def _span(text: str, where: str) -> tuple[int, int]:
    """Where the reference lies in ``text``: from the end of the start marker's line to the
    start of the end marker's line."""
    lines = text.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line.strip() == START]
    ends = [i for i, line in enumerate(lines) if line.strip() == END]
    if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
        raise MarkerError(f"{where}: needs one line {START} and, after it, one line {END}")
    offset = sum(len(line) for line in lines[:starts[0] + 1])
    return offset, offset + sum(len(line) for line in lines[starts[0] + 1:ends[0]])


def updated(text: str, where: str = "the file", schema: Schema | None = None) -> str:
    """``text`` with the reference between its markers replaced by the schema's (in the
    text's own line endings)."""
    begin, end = _span(text, where)
    new = block(schema)
    if "\r\n" in text:
        new = new.replace("\n", "\r\n")
    return text[:begin] + new + text[end:]


def _read(path: Path) -> str:
    """The file's text as it is, line endings included."""
    with path.open(encoding="utf-8", newline="") as file:
        return file.read()


def check(path: Path, schema: Schema | None = None) -> str | None:
    """None when ``path``'s reference is the schema's, else a one-line message saying so."""
    text = _read(path)
    if updated(text, str(path), schema) == text:
        return None
    return (f"{path}: the plan file reference is out of date; run "
            f".venv/bin/python scripts/plan_reference.py --write {path}")


def write(path: Path, schema: Schema | None = None) -> bool:
    """Replace ``path``'s reference by the schema's; whether anything changed."""
    text = _read(path)
    new = updated(text, str(path), schema)
    if new == text:
        return False
    path.write_text(new, encoding="utf-8", newline="")
    return True


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--check", type=Path, metavar="FILE",
                        help="exit 1 if FILE's reference differs from the schema's")
    action.add_argument("--write", type=Path, metavar="FILE",
                        help="replace FILE's reference (between the markers) by the schema's")
    args = parser.parse_args(argv)
    try:
        if args.check is not None:
            message = check(args.check)
            if message is not None:
                print(message, file=sys.stderr)
                return 1
            print(f"{args.check}: the plan file reference is up to date")
        elif args.write is not None:
            changed = write(args.write)
            print(f"{args.write}: " + ("plan file reference written" if changed
                                       else "the plan file reference was already up to date"))
        else:
            sys.stdout.write(reference())
    except (OSError, UnicodeDecodeError, MarkerError) as error:
        print(f"plan_reference: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
