"""The bilan: each KPI's gap to target, attainment and traffic-light status."""

from __future__ import annotations

from enum import StrEnum

from ..model import Direction
from . import arith


class KpiStatus(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"


def gap(target: float, actual: float | None) -> float | None:
    """actual - target; None until the KPI has an actual."""
    return None if actual is None else arith.sub(actual, target)


def gap_ratio(target: float, actual: float | None) -> float | None:
    """gap / target; None when there is no actual or the target is 0 (or next to it)."""
    value = gap(target, actual)
    return None if value is None else arith.ratio(value, target)


def attainment(target: float, actual: float | None,
               direction: Direction = Direction.HIGHER) -> float | None:
    """actual/target when higher is better, target/actual when lower is; None if undefined."""
    if actual is None:
        return None
    if direction is Direction.LOWER:
        return arith.ratio(target, actual)
    return arith.ratio(actual, target)


def status(attained: float | None, amber_threshold: float = 0.9) -> KpiStatus | None:
    """Green from 100 % attainment, amber from the threshold, else red."""
    if attained is None:
        return None
    if arith.ge(attained, 1.0):
        return KpiStatus.GREEN
    if arith.ge(attained, amber_threshold):
        return KpiStatus.AMBER
    return KpiStatus.RED
