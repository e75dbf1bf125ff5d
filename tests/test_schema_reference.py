"""The plan file's schema documents every field, and the README's reference is generated from it."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from xlplan import plan_schema

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "plan_reference.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("plan_reference", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def script() -> ModuleType:
    return _script()


def _properties(node: Any, where: str) -> list[tuple[str, dict[str, Any]]]:
    """Every property under ``node``, with its path, through nested objects, lists and
    options (references to ``$defs`` are not followed: each definition is walked itself)."""
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(node, dict):
        for key, prop in node.get("properties", {}).items():
            found.append((f"{where}.{key}", prop))
            found += _properties(prop, f"{where}.{key}")
        for key in ("anyOf", "allOf", "oneOf"):
            for option in node.get(key, []):
                found += _properties(option, where)
        for key in ("items", "additionalProperties"):
            found += _properties(node.get(key), f"{where}[]")
    return found


def _all_properties(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    found = _properties(schema, "(root)")
    for name, definition in schema.get("$defs", {}).items():
        found += _properties(definition, name)
    return found


def test_every_property_has_a_description():
    """Every property of the root and of every $defs object has a non-empty description."""
    properties = _all_properties(plan_schema())
    assert len(properties) > 100  # the walk found the plan's fields
    missing = [path for path, prop in properties
               if not str(prop.get("description", "")).strip()]
    assert missing == [], f"properties without a description: {', '.join(missing)}"


def test_every_object_has_a_description():
    """The root and every object of $defs carry their model's docstring as a description."""
    schema = plan_schema()
    objects = {"(root)": schema} | {name: d for name, d in schema["$defs"].items()
                                     if "properties" in d}
    missing = [name for name, d in objects.items() if not d.get("description", "").strip()]
    assert missing == [], f"objects without a description: {', '.join(missing)}"


def test_readme_reference_is_up_to_date(script):
    """README.md's block between the plan-reference markers is what the schema generates."""
    assert script.check(ROOT / "README.md") is None


def test_check_sees_a_stale_block_and_write_fixes_only_it(script, tmp_path):
    """--check exits 1 with one line on a stale block; --write replaces the block alone."""
    stale = tmp_path / "doc.md"
    before, after = "# Doc\n\nIntro.\n\n", "\nOutro.\n"
    stale.write_text(f"{before}{script.START}\nold table\n{script.END}{after}", "utf-8")
    assert script.main(["--check", str(stale)]) == 1
    message = script.check(stale)
    assert message is not None and "\n" not in message
    assert script.main(["--write", str(stale)]) == 0
    text = stale.read_text("utf-8")
    assert text == f"{before}{script.START}\n{script.block()}{script.END}{after}"
    assert script.main(["--check", str(stale)]) == 0
    missing = tmp_path / "none.md"
    missing.write_text("no markers\n", "utf-8")
    assert script.main(["--check", str(missing)]) == 2


def test_reference_is_deterministic(script):
    """Two runs give the same text."""
    assert script.reference() == script.reference()


def _sections(text: str) -> dict[str, list[str]]:
    """The reference's tables: each section's title (``client``, ``funding.uses[]``, ``Top
    level``) and the fields its rows name."""
    tables: dict[str, list[str]] = {}
    current: list[str] = []
    for line in text.splitlines():
        if line.startswith("**"):
            title = line[2:line.index("**", 2)].strip("`")
            current = tables.setdefault(title, [])
        elif line.startswith("| `"):
            current.append(line.split("`")[1])
    return tables


def test_reference_mentions_every_field(script):
    """Every field of the schema has its row, in the table of the section that holds it."""
    schema = plan_schema()
    defs = schema["$defs"]
    expected: dict[str, list[str]] = {}

    def objects(node: dict[str, Any], suffix: str = "") -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        ref = node.get("$ref")
        if ref and "properties" in defs[ref.rsplit("/", 1)[-1]]:
            found.append((ref.rsplit("/", 1)[-1], suffix))
        for option in node.get("anyOf", []):
            found += objects(option, suffix)
        if isinstance(node.get("items"), dict):
            found += objects(node["items"], suffix + "[]")
        return found

    def walk(node: dict[str, Any], section: str, prefix: str) -> None:
        expected[section] = list(node["properties"])
        for key, prop in node["properties"].items():
            for name, suffix in objects(prop):
                walk(defs[name], f"{prefix}{key}{suffix}", f"{prefix}{key}{suffix}.")

    walk(schema, "Top level", "")
    tables = _sections(script.reference())
    assert sorted(expected) == sorted(tables)
    for section, fields in expected.items():
        assert tables[section] == fields, section
    assert sum(len(f) for f in expected.values()) > 100
