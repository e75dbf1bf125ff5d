"""xlplan: strategic-planning workbooks for consultants, with the logic in tested Python."""

from __future__ import annotations

__version__ = "0.1.0"

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
