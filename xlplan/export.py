"""Write a plan back to a plan file (YAML or JSON), as ``xlplan export`` does."""

from __future__ import annotations

import json
from typing import Any

import yaml

from .model import Plan


def plan_data(plan: Plan) -> dict[str, Any]:
    """The plan as plain data, leaving out empty values so the file stays readable."""
    data: dict[str, Any] = plan.model_dump(mode="json", exclude_none=True)
    return data


def dump_plan(plan: Plan, fmt: str = "yaml") -> str:
    data = plan_data(plan)
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return str(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100))
