"""Sources and uses: can the company fund its plan, month by month?"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..model import FundingLine
from . import arith

MONTHS = tuple(range(1, 13))


def applies(line: FundingLine, month: int) -> bool:
    """A line counts in its month, and in every later month when it is monthly."""
    return line.month == month or (line.monthly and line.month < month)


def yearly_total(line: FundingLine) -> float:
    return line.amount * ((13 - line.month) if line.monthly else 1)


def monthly_totals(lines: Sequence[FundingLine]) -> list[float]:
    return [arith.total(line.amount for line in lines if applies(line, m)) for m in MONTHS]


@dataclass(frozen=True)
class FundingPlan:
    opening_cash: float
    uses: tuple[float, ...]  # per month 1..12
    sources: tuple[float, ...]

    @property
    def net(self) -> tuple[float, ...]:
        return tuple(arith.sub(s, u) for s, u in zip(self.sources, self.uses, strict=True))

    @property
    def cumulative(self) -> tuple[float, ...]:
        """Opening cash plus every month's net so far, chained month by month."""
        balance, out = self.opening_cash, []
        for value in self.net:
            balance = arith.add(balance, value)
            out.append(balance)
        return tuple(out)

    @property
    def total_uses(self) -> float:
        return arith.total(self.uses)

    @property
    def total_sources(self) -> float:
        return arith.total(self.sources)

    @property
    def gap(self) -> float:
        """Opening cash + all sources - all uses."""
        return arith.sub(arith.add(self.opening_cash, self.total_sources), self.total_uses)

    @property
    def min_balance(self) -> float:
        return min(self.cumulative)

    @property
    def first_negative_month(self) -> int | None:
        return next((m for m, b in zip(MONTHS, self.cumulative, strict=True)
                     if arith.lt(b, 0.0)), None)

    @property
    def fundable(self) -> bool:
        return self.first_negative_month is None


def funding_plan(opening_cash: float, uses: Sequence[FundingLine],
                 sources: Sequence[FundingLine]) -> FundingPlan:
    return FundingPlan(opening_cash, tuple(monthly_totals(uses)), tuple(monthly_totals(sources)))
