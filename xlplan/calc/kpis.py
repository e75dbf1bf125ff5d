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


def relative_gap(target: float, actual: float | None,
                 direction: Direction = Direction.HIGHER) -> float | None:
    """g = (actual - target) / |target|, negated when lower is better: 0 on target, above 0
    better than it. None with no actual, or a zero target (no relative gap to it)."""
    value = gap(target, actual)
    g = None if value is None else arith.ratio(value, abs(target))
    return None if g is None else (-g if direction is Direction.LOWER else g)


def kpi_attainment(target: float, actual: float | None,
                   direction: Direction = Direction.HIGHER) -> float | None:
    """1 + g: 100 % on target, 90 % ten per cent short of it, whatever the signs."""
    g = relative_gap(target, actual, direction)
    return None if g is None else 1 + g


def kpi_status(target: float, actual: float | None, direction: Direction = Direction.HIGHER,
               amber_threshold: float = 0.9) -> KpiStatus | None:
    """On target when g >= 0, amber when g >= -(1 - amber_threshold), else red; with a zero
    target, on target when the actual is >= 0 (higher is better) or <= 0 (lower), else red."""
    if actual is None:
        return None
    g = relative_gap(target, actual, direction)
    if g is None:  # a zero target: the actual's sign decides
        good = arith.ge(actual, 0.0) if direction is Direction.HIGHER else arith.ge(0.0, actual)
        return KpiStatus.GREEN if good else KpiStatus.RED
    if arith.ge(g, 0.0):
        return KpiStatus.GREEN
    if arith.ge(g, -(1 - amber_threshold)):
        return KpiStatus.AMBER
    return KpiStatus.RED


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
