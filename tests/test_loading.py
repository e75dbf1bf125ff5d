"""Reading plan files: every problem at once, with its path and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from xlplan import PlanError, load_plan, plan_schema, validate_plan

ROOT = Path(__file__).resolve().parent.parent


def problems(data: object) -> list[str]:
    with pytest.raises(PlanError) as info:
        validate_plan(data, "test")
    return [f"{p.where}: {p.message}" for p in info.value.problems]


def boutique() -> dict:
    return yaml.safe_load((ROOT / "examples" / "boutique.yaml").read_text("utf-8"))


def test_examples_are_valid_and_use_every_field():
    """Every field of the schema appears in at least one bundled example."""
    used: set[str] = set()

    def walk(node: object, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                used.add(f"{path}.{key}".lstrip("."))
                walk(value, f"{path}.{key}")
        elif isinstance(node, list):
            for item in node:
                walk(item, path)

    for path in sorted((ROOT / "examples").glob("*.yaml")):
        load_plan(path)
        walk(yaml.safe_load(path.read_text("utf-8")), "")
    schema = plan_schema()
    declared: set[str] = set()

    def fields(ref: dict, prefix: str) -> None:
        if "$ref" in ref:
            ref = schema["$defs"][ref["$ref"].split("/")[-1]]
        for option in ref.get("anyOf", []):
            fields(option, prefix)
        if ref.get("type") == "array" and isinstance(ref.get("items"), dict):
            fields(ref["items"], prefix)
        for key, sub in ref.get("properties", {}).items():
            declared.add(f"{prefix}.{key}".lstrip("."))
            fields(sub, f"{prefix}.{key}")

    fields(schema, "")
    assert declared - used == set()


def test_every_problem_is_reported_at_once_with_its_path():
    """Wrong score, typo'd key, text in an amount, dangling reference: all in one report."""
    data = boutique()
    data["priorities"][3]["score"] = 5
    data["priorities"][0]["scroe"] = 1
    data["kpis"][0]["target"] = "beaucoup"
    data["actions"][0]["priority"] = "Nope"
    data["actions"][1]["due"] = "2020-01-01"
    found = problems(data)
    assert "priorities[3].score: must be 0, 1, 2 or 3 (got 5)" in found
    assert any(f.startswith("priorities[0].scroe: unknown field") for f in found)
    assert "kpis[0].target: must be a number (got 'beaucoup')" in found
    assert any(f.startswith("actions[0].priority: names no priority") for f in found)
    assert any(f.startswith("actions[1]: due (2020-01-01) is before start") for f in found)
    assert len(found) == 5


def test_duplicates_and_infinite_ltv_are_refused():
    """Two KPIs with one name, and a segment with q = 1 and no horizon."""
    data = boutique()
    data["kpis"][1]["name"] = data["kpis"][0]["name"].upper()
    data["segments"][0].update(retention=1.0, discount_rate=0.0, horizon=None)
    found = problems(data)
    assert any(f.startswith("kpis[1].name: duplicate of kpis[0].name") for f in found)
    assert any(f.startswith("segments[0]: with no horizon") for f in found)


def test_yaml_errors_carry_lines_and_duplicate_keys(tmp_path):
    """A repeated key is an error (a typo must not vanish), reported on its line."""
    path = tmp_path / "p.yaml"
    path.write_text("client: {name: A}\nplan:\n  year: 2027\n  year: 2028\n", "utf-8")
    with pytest.raises(PlanError) as info:
        load_plan(path)
    (problem,) = info.value.problems
    assert problem.where == "plan.year" and problem.line == 4
    assert "duplicate key (first given on line 3)" in problem.message


def test_json_plans_use_the_same_schema(tmp_path):
    """A JSON plan with ISO date strings loads like its YAML twin."""
    data = boutique()
    path = tmp_path / "b.json"
    path.write_text(json.dumps(data, default=str), "utf-8")
    assert load_plan(path) == load_plan(ROOT / "examples" / "boutique.yaml")
    path.write_text("{not json", "utf-8")
    with pytest.raises(PlanError, match="not valid JSON"):
        load_plan(path)


def test_control_characters_and_bad_currency_are_refused():
    """Excel cannot store control characters; the currency is an ISO code."""
    data = boutique()
    data["client"]["name"] = "Bad\x07name"
    data["client"]["currency"] = "euro"
    found = problems(data)
    assert any(f.startswith("client.name: must not contain control characters") for f in found)
    assert any(f.startswith("client.currency: must be a 3-letter") for f in found)
