"""Everything the plan's workbook computes, computed in Python (the formulas' twin)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .calc import actions as action_calc
from .calc import customers, funding, kpis, objectives, priorities
from .calc.kpis import KpiStatus
from .calc.priorities import Decision, QuadrantView
from .model import Plan, Quadrant, Status


@dataclass(frozen=True)
class KpiResult:
    gap: float | None
    gap_ratio: float | None
    attainment: float | None
    status: KpiStatus | None


@dataclass(frozen=True)
class SegmentResult:
    retention_factor: float
    ltv: float
    value: float


@dataclass(frozen=True)
class PriorityResult:
    decision: Decision
    net: float
    roi: float | None
    rank: int
    slot: int | None  # place among its quadrant's top priorities


@dataclass(frozen=True)
class ActionResult:
    days: int | None
    late: bool


@dataclass(frozen=True)
class PlanResults:
    as_of: date
    next_review: date
    objectives_missing: tuple[tuple[str, ...], ...]
    kpis: tuple[KpiResult, ...]
    segments: tuple[SegmentResult, ...]
    priorities: tuple[PriorityResult, ...]
    matrix: dict[Quadrant, QuadrantView]
    funding: funding.FundingPlan
    uses_yearly: tuple[float, ...]
    sources_yearly: tuple[float, ...]
    actions: tuple[ActionResult, ...]
    actions_by_status: dict[Status, int]
    actions_completion: float

    @property
    def kpis_by_status(self) -> dict[KpiStatus, int]:
        return {s: sum(k.status is s for k in self.kpis) for s in KpiStatus}

    @property
    def customer_capital(self) -> float:
        return customers.customer_capital([s.value for s in self.segments])

    @property
    def retained_priorities(self) -> int:
        return sum(p.decision is Decision.TOP for p in self.priorities)

    @property
    def quadrants_without_top(self) -> int:
        return sum(view.missing_top for view in self.matrix.values())

    @property
    def late_actions(self) -> int:
        return sum(a.late for a in self.actions)

    def defined_names(self) -> dict[str, object]:
        """The workbook's defined names and the value each must hold."""
        fund = self.funding
        return {
            "AsOfDate": self.as_of,
            "OpeningCash": fund.opening_cash,
            "KpisOnTarget": self.kpis_by_status[KpiStatus.GREEN],
            "CustomerCapital": self.customer_capital,
            "RetainedPriorities": self.retained_priorities,
            "QuadrantsWithoutTop": self.quadrants_without_top,
            "TotalUses": fund.total_uses,
            "TotalSources": fund.total_sources,
            "FundingGap": fund.gap,
            "MinCumulativeBalance": fund.min_balance,
            "FundingOK": fund.fundable,
            "FirstNegativeMonth": fund.first_negative_month,
            "ActionsCompletion": self.actions_completion,
            "LateActions": self.late_actions,
            "NextReviewDate": self.next_review,
        }


def compute(plan: Plan, today: date | None = None) -> PlanResults:
    """Compute the plan. ``today`` stands in for ``=TODAY()`` when the plan has no as-of date."""
    as_of = plan.plan.as_of or today or date.today()
    kpi_results = []
    for kpi in plan.kpis:
        attained = kpis.attainment(kpi.target, kpi.actual, kpi.direction)
        kpi_results.append(KpiResult(
            gap=kpis.gap(kpi.target, kpi.actual),
            gap_ratio=kpis.gap_ratio(kpi.target, kpi.actual),
            attainment=attained,
            status=kpis.status(attained, plan.plan.amber_threshold),
        ))
    segment_results = []
    for seg in plan.segments:
        ltv = customers.lifetime_value(seg.margin, seg.retention, seg.discount_rate,
                                       seg.horizon, seg.acquisition_cost)
        segment_results.append(SegmentResult(
            retention_factor=customers.retention_factor(seg.retention, seg.discount_rate),
            ltv=ltv, value=customers.segment_value(seg.customers, ltv)))
    nets = [priorities.net(p.impact, p.cost) for p in plan.priorities]
    items = [(p.title, p.quadrant, p.score) for p in plan.priorities]
    ranks = priorities.ranks([p.score for p in plan.priorities], nets)
    slots = priorities.quadrant_slots(items)
    priority_results = tuple(
        PriorityResult(priorities.decision(p.score), n, priorities.roi(p.impact, p.cost), r, s)
        for p, n, r, s in zip(plan.priorities, nets, ranks, slots, strict=True))
    fund = funding.funding_plan(plan.plan.opening_cash, plan.funding.uses, plan.funding.sources)
    return PlanResults(
        as_of=as_of,
        next_review=objectives.next_review(as_of, plan.plan.review_cadence),
        objectives_missing=tuple(objectives.missing_smart(o) for o in plan.objectives),
        kpis=tuple(kpi_results),
        segments=tuple(segment_results),
        priorities=priority_results,
        matrix=priorities.matrix(items),
        funding=fund,
        uses_yearly=tuple(funding.yearly_total(u) for u in plan.funding.uses),
        sources_yearly=tuple(funding.yearly_total(s) for s in plan.funding.sources),
        actions=tuple(ActionResult(action_calc.duration_days(a.start, a.due),
                                   action_calc.is_late(a, as_of)) for a in plan.actions),
        actions_by_status=action_calc.count_by_status(plan.actions),
        actions_completion=action_calc.completion(plan.actions),
    )


__all__ = ["PlanResults", "compute"]
