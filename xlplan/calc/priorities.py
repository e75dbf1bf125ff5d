"""Ideas scored 3/2/1/0: net cash impact, ranking, and the attack/defend x sell/manage matrix."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from ..model import Quadrant
from . import arith

TOP_SCORE = 3


class Decision(StrEnum):
    """What a score means in the method."""

    DISCARDED = "discarded"  # 0
    ON_HOLD = "on_hold"  # 1
    EVALUATE = "evaluate"  # 2
    TOP = "top"  # 3


_DECISIONS = (Decision.DISCARDED, Decision.ON_HOLD, Decision.EVALUATE, Decision.TOP)


def decision(score: int) -> Decision:
    if score not in (0, 1, 2, 3):
        raise ValueError(f"score must be 0, 1, 2 or 3 (got {score!r})")
    return _DECISIONS[score]


def net(impact: float, cost: float) -> float:
    return arith.sub(impact, cost)


def roi(impact: float, cost: float) -> float | None:
    """net / cost; None when the priority costs nothing."""
    return None if cost == 0 else net(impact, cost) / cost


def ranks(scores: Sequence[int], nets: Sequence[float]) -> list[int]:
    """1 + how many priorities come before: a higher score, or the same score and a higher net.

    Ties share a rank, as with Excel's RANK. Counted score by score (O(n log n)): the nets
    above each one among its score's (``arith.count_greater``), and every priority of a
    higher score.
    """
    if len(scores) != len(nets):
        raise ValueError("scores and nets differ in length")
    by_score: dict[int, list[int]] = {}
    for index, score in enumerate(scores):
        by_score.setdefault(score, []).append(index)
    above: dict[int, int] = {}  # score -> how many priorities have a higher one
    higher = 0
    for score in sorted(by_score, reverse=True):
        above[score] = higher
        higher += len(by_score[score])
    out = [0] * len(scores)
    for score, indexes in by_score.items():
        greater = arith.count_greater([nets[i] for i in indexes])
        for index, count in zip(indexes, greater, strict=True):
            out[index] = 1 + above[score] + count
    return out


@dataclass(frozen=True)
class QuadrantView:
    """A matrix cell: its score-3 priorities in list order."""

    quadrant: Quadrant
    top_titles: tuple[str, ...]

    @property
    def missing_top(self) -> bool:
        return not self.top_titles


def matrix(items: Sequence[tuple[str, Quadrant, int]]) -> dict[Quadrant, QuadrantView]:
    """Each quadrant with its top (score 3) priorities, given (title, quadrant, score) items."""
    return {
        quadrant: QuadrantView(quadrant, tuple(
            title for title, q, score in items if q is quadrant and score == TOP_SCORE))
        for quadrant in Quadrant
    }


def quadrant_slots(items: Sequence[tuple[str, Quadrant, int]]) -> list[int | None]:
    """For each priority, its place among the quadrant's top priorities (1, 2, ...) or None."""
    counts: dict[Quadrant, int] = {}
    slots: list[int | None] = []
    for _, quadrant, score in items:
        if score == TOP_SCORE:
            counts[quadrant] = counts.get(quadrant, 0) + 1
            slots.append(counts[quadrant])
        else:
            slots.append(None)
    return slots
