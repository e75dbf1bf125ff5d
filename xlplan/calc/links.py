"""The method's links, from objective to action: which priority serves which objective, what
funds it, the quick wins, the risks, the segments served.

Links name their target by its title (or name), exactly: ``check`` refuses a link that names
nothing, so a valid plan's links always resolve, in Python as in the workbook's formulas.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from . import arith
from .priorities import TOP_SCORE

HIGH_RISK = 6  # likelihood x impact, each 1-3: 6 or 9 is high
QUICK = 3  # ease and urgency both at the top of their 1-3 scale


def quick_win(score: int, ease: int | None, urgency: int | None) -> bool:
    """Scored 2 or 3, easy (3) and urgent (3)."""
    return score >= 2 and ease == QUICK and urgency == QUICK


def risk_score(likelihood: int | None, impact: int | None) -> int | None:
    return None if likelihood is None or impact is None else likelihood * impact


def is_high_risk(score: int | None) -> bool:
    return score is not None and score >= HIGH_RISK


def linked_total(title: str, links: Iterable[tuple[str | None, float]]) -> float:
    """The sum of the amounts whose link names ``title``."""
    return arith.total([amount for link, amount in links if link == title])


def linked_totals(titles: Iterable[str], links: Iterable[tuple[str | None, float]]
                  ) -> list[float]:
    """``linked_total`` of each title, the links looked through once."""
    amounts: dict[str | None, list[float]] = {}
    for link, amount in links:
        amounts.setdefault(link, []).append(amount)
    return [arith.total(amounts.get(title, [])) for title in titles]


def unfunded(score: int, cost: float, funded: float) -> bool:
    """A retained priority whose cost exceeds the uses linked to it."""
    return score == TOP_SCORE and arith.gt(cost, funded)


def quadrants_overloaded(quadrants_of_top: Sequence[object]) -> int:
    """How many quadrants hold more than one score-3 priority (given each one's quadrant)."""
    return sum(1 for q in set(quadrants_of_top) if quadrants_of_top.count(q) > 1)


def count_naming(title: str, links: Iterable[str | None]) -> int:
    return sum(1 for link in links if link == title)


def counts_naming(titles: Iterable[str], links: Iterable[str | None]) -> list[int]:
    """``count_naming`` of each title, the links looked through once."""
    counts: dict[str | None, int] = {}
    for link in links:
        counts[link] = counts.get(link, 0) + 1
    return [counts.get(title, 0) for title in titles]


def means_by(titles: Iterable[str], values: Iterable[tuple[str | None, float | None]]
             ) -> list[float | None]:
    """For each title, the ``mean`` of the values whose link names it."""
    grouped: dict[str | None, list[float | None]] = {}
    for link, value in values:
        grouped.setdefault(link, []).append(value)
    return [mean(grouped.get(title, [])) for title in titles]


def progress(target: float | None, actual: float | None) -> float | None:
    """actual / target, when both are given and the target is not zero."""
    if target is None or actual is None or target == 0:
        return None
    return actual / target


def mean(values: Iterable[float | None]) -> float | None:
    """The mean of the given values (blanks left out, as AVERAGE does); None when none."""
    given = [v for v in values if v is not None]
    return arith.total(given) / len(given) if given else None


def ranks_by_value(values: Sequence[float]) -> list[int]:
    """1 for the most valuable; ties share a rank (Excel's RANK, descending)."""
    return [1 + count for count in arith.count_greater(values)]


def top_numbers(scores: Sequence[int]) -> list[int | None]:
    """1, 2, ... for the score-3 priorities in list order; None for the others."""
    out: list[int | None] = []
    count = 0
    for score in scores:
        count += score == TOP_SCORE
        out.append(count if score == TOP_SCORE else None)
    return out
