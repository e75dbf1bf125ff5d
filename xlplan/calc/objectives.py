"""SMART objectives and the review calendar."""

from __future__ import annotations

from ..model import Objective

# The criteria a file can check. Ambitious and Realistic are the leader's judgement; the
# method asks instead for the objective's reason for being (why) and an owner.
SMART_CHECKS = ("S", "M", "T", "why", "owner")


def missing_smart(objective: Objective) -> tuple[str, ...]:
    """What an objective lacks: S (a title), M (a measure and a target), T (a deadline),
    why (its reason for being) and owner (who answers for it)."""
    present = {
        "S": bool(objective.title),
        "M": bool(objective.measure) and objective.target is not None,
        "T": objective.deadline is not None,
        "why": bool(objective.why),
        "owner": bool(objective.owner),
    }
    return tuple(check for check in SMART_CHECKS if not present[check])


