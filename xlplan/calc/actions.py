"""The action plan: how long, late or not, and how far along."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from ..model import Action, Status


def duration_days(start: date | None, due: date | None) -> int | None:
    """How long: calendar days from start to due."""
    return None if start is None or due is None else (due - start).days


def is_late(action: Action, as_of: date) -> bool:
    """Not done and due before the as-of date."""
    return action.status is not Status.DONE and action.due is not None and action.due < as_of


def completion(actions: Sequence[Action]) -> float:
    """Done / all; 0 when there is no action."""
    if not actions:
        return 0.0
    return sum(a.status is Status.DONE for a in actions) / len(actions)


def count_by_status(actions: Sequence[Action]) -> dict[Status, int]:
    return {s: sum(a.status is s for a in actions) for s in Status}
