"""The year after the planning day: reviews by period, the latest measure of each objective,
the latest decision on each priority, actual cash against the plan.

"Latest" is by review date; between two entries of the same date, the one further down the
workbook's table (later in the plan file) wins, as the workbook's formulas rank them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TypeVar

from ..model import Direction, Plan, Review

T = TypeVar("T")


def plan_start(plan: Plan) -> date:
    """The first day of the plan's 12 months: ``start_month``, or January of its year."""
    if plan.plan.start_month:
        year, month = (int(part) for part in plan.plan.start_month.split("-"))
        return date(year, month, 1)
    return date(plan.plan.year, 1, 1)


def next_review(start: date, cadence_months: int, as_of: date) -> date:
    """The first day of the first review period that starts after ``as_of``: periods follow
    the plan's first month ``start`` (past the plan's year, they go on); before the plan
    starts, its first day."""
    months = (as_of.year - start.year) * 12 + as_of.month - start.month
    index = start.month - 1 + (months // cadence_months + 1) * cadence_months
    return max(start, date(start.year + index // 12, index % 12 + 1, 1))


def end_month(period: str) -> int:
    """The plan month (1-12) a period ends with: Q2 -> 6, S1 -> 6, M05 -> 5, Y -> 12."""
    if period == "Y":
        return 12
    number = int(period[1:])
    return number * {"Q": 3, "S": 6, "M": 1}[period[0]]


def latest(entries: Sequence[tuple[str, date | None, T]], key: str) -> T | None:
    """The value of the last entry for ``key`` by date, then by position; entries are
    (key, review date, value)."""
    best: tuple[date, int] | None = None
    found: T | None = None
    for position, (entry_key, when, value) in enumerate(entries):
        if entry_key != key or when is None:
            continue
        rank = (when, position)
        if best is None or rank > best:
            best, found = rank, value
    return found


def latest_by_key(entries: Sequence[tuple[str, date | None, T]]) -> dict[str, T]:
    """``latest`` of every key that has a dated entry, the entries looked through once."""
    best: dict[str, tuple[date, int]] = {}
    found: dict[str, T] = {}
    for position, (entry_key, when, value) in enumerate(entries):
        if when is None:
            continue
        rank = (when, position)
        kept = best.get(entry_key)
        if kept is None or rank > kept:
            best[entry_key], found[entry_key] = rank, value
    return found


def later_entries(entries: Sequence[tuple[str, date | None, object]]) -> list[int | None]:
    """For each entry, how many entries of the same key come after it (by date, then
    position): 0 for the latest, as the workbook's rank column counts; None when undated."""
    groups: dict[str, list[tuple[date, int]]] = {}
    for position, (key, when, _) in enumerate(entries):
        if when is not None:
            groups.setdefault(key, []).append((when, position))
    out: list[int | None] = [None] * len(entries)
    for ranked in groups.values():
        ranked.sort()
        for place, (_, position) in enumerate(ranked):
            out[position] = len(ranked) - 1 - place
    return out


def review_dates(reviews: Sequence[Review]) -> dict[str, date]:
    return {r.period: r.date for r in reviews}


def achieved(target: float | None, value: float | None, direction: Direction) -> bool | None:
    """Whether a measured value meets its target: >= when higher is better, <= when lower."""
    if target is None or value is None:
        return None
    return value >= target if direction is Direction.HIGHER else value <= target


def period_start(period: str, cadence_months: int, start: date) -> date:
    """The first day of a period: ``start`` (the plan's first month) moved on by the months
    before the period begins."""
    months_before = end_month(period) - (12 if period == "Y" else cadence_months)
    index = start.month - 1 + months_before
    return date(start.year + index // 12, index % 12 + 1, 1)
