"""xlplan: strategic-planning workbooks for consultants, with the logic in tested Python.

The public names are loaded when first used (PEP 562): the command line's start-up pays only
for what a command needs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "Plan": ".model", "PlanError": ".errors", "PlanResults": ".results", "Problem": ".errors",
    "XlplanError": ".errors", "compute": ".results", "load_plan": ".loading",
    "plan_schema": ".loading", "validate_plan": ".loading",
}

if TYPE_CHECKING:
    from .errors import PlanError, Problem, XlplanError
    from .loading import load_plan, plan_schema, validate_plan
    from .model import Plan
    from .results import PlanResults, compute

__all__ = [
    "Plan",
    "PlanError",
    "PlanResults",
    "Problem",
    "XlplanError",
    "__version__",
    "compute",
    "load_plan",
    "plan_schema",
    "validate_plan",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
