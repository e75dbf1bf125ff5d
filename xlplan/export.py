"""Write a plan back to a plan file (YAML or JSON), as ``xlplan export`` does."""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from .model import Plan

# Text libyaml's emitter writes as PyYAML's own does (checked by tests/test_scale_export.py):
# tab, line feed and printable characters of the Basic Multilingual Plane. Outside it (a
# carriage return, NEL, the line and paragraph separators, a byte-order mark, an emoji...)
# the two differ, and the plan is written by PyYAML's emitter, as it always was.
_NOT_LIKE_PYYAML = re.compile("[^\t\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]")
_ESCAPED = re.compile(r"\\[rbfu]")
_FAST_DUMPER = getattr(yaml, "CSafeDumper", None)  # libyaml's emitter, when PyYAML has it


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
    data = plan_data(plan)
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    dumper = yaml.SafeDumper
    if _FAST_DUMPER is not None and _like_pyyaml(data):
        dumper = _FAST_DUMPER  # the same text; the emitter in C, not in Python
    return str(yaml.dump(data, Dumper=dumper, sort_keys=False, allow_unicode=True, width=100))
