"""Everything the plan's workbook computes, computed in Python (the formulas' twin)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .calc import actions as action_calc
from .calc import arith, customers, funding, kpis, objectives, priorities
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


@dataclass(frozen=True)
class CellValues:
    """What each computed cell of the workbook must show, keyed as ``sheets.yaml`` keys its
    blocks: ``fields["funding_summary.total_uses"]``, ``tables["kpis"][0]["status"]``,
    ``grids["funding_grid.cumulative.m3"]``. Enumerations are codes (the workbook shows them
    translated, by the cell's ``choices``)."""

    fields: dict[str, object]
    tables: dict[str, list[dict[str, object]]]
    grids: dict[str, object]


def cell_values(plan: Plan, results: PlanResults) -> CellValues:
    """The value of every computed cell of ``plan``'s workbook."""
    r = results
    fund = r.funding
    names = r.defined_names()
    by_status = r.kpis_by_status
    fields: dict[str, object] = {
        "settings.as_of": r.as_of,
        "bilan_summary.kpi_count": len(plan.kpis),
        "bilan_summary.on_target": by_status[KpiStatus.GREEN],
        "bilan_summary.amber": by_status[KpiStatus.AMBER],
        "bilan_summary.red": by_status[KpiStatus.RED],
        "customers_summary.customer_capital": r.customer_capital,
        "customers_summary.customers": sum(s.customers for s in plan.segments),
        "priorities_summary.retained": r.retained_priorities,
        "priorities_summary.quadrants_without_top": r.quadrants_without_top,
        "funding_summary.total_uses": fund.total_uses,
        "funding_summary.total_sources": fund.total_sources,
        "funding_summary.funding_gap": fund.gap,
        "funding_summary.min_balance": fund.min_balance,
        "funding_summary.fundable": fund.fundable,
        "funding_summary.first_negative_month": fund.first_negative_month,
        "actions_summary.count": len(plan.actions),
        "actions_summary.done": r.actions_by_status[Status.DONE],
        "actions_summary.completion": r.actions_completion,
        "actions_summary.late": r.late_actions,
        "dashboard.as_of": r.as_of,
        "dashboard.next_review": r.next_review,
        "dashboard.kpi_count": len(plan.kpis),
        "dashboard.kpis_on_target": names["KpisOnTarget"],
        "dashboard.customer_capital": names["CustomerCapital"],
        "dashboard.retained_priorities": names["RetainedPriorities"],
        "dashboard.quadrants_without_top": names["QuadrantsWithoutTop"],
        "dashboard.total_uses": names["TotalUses"],
        "dashboard.total_sources": names["TotalSources"],
        "dashboard.funding_gap": names["FundingGap"],
        "dashboard.min_balance": names["MinCumulativeBalance"],
        "dashboard.fundable": names["FundingOK"],
        "dashboard.first_negative_month": names["FirstNegativeMonth"],
        "dashboard.completion": names["ActionsCompletion"],
        "dashboard.late_actions": names["LateActions"],
    }
    for status, count in r.actions_by_status.items():
        fields[f"status_counts.{status.value}"] = count
    tables: dict[str, list[dict[str, object]]] = {
        "objectives": [{"missing": m} for m in r.objectives_missing],
        "kpis": [{"gap": k.gap, "gap_ratio": k.gap_ratio, "attainment": k.attainment,
                  "status": k.status} for k in r.kpis],
        "segments": [{"retention_factor": s.retention_factor, "ltv": s.ltv, "value": s.value}
                     for s in r.segments],
        "priorities": [{"decision": p.decision, "net": p.net, "roi": p.roi, "rank": p.rank,
                        "slot": p.slot} for p in r.priorities],
        "uses": [{"yearly_total": t} for t in r.uses_yearly],
        "sources": [{"yearly_total": t} for t in r.sources_yearly],
        "actions": [{"days": a.days, "late": a.late} for a in r.actions],
    }
    grids: dict[str, object] = {}
    for quadrant, view in r.matrix.items():
        attitude, activity = quadrant.value.split("-")
        titles = view.top_titles
        cell = f"matrix.{attitude}_{{}}.{activity}"
        grids[cell.format("count")] = len(titles)
        for slot in (1, 2, 3):
            grids[cell.format(slot)] = titles[slot - 1] if len(titles) >= slot else None
        grids[cell.format("more")] = f"+{len(titles) - 3}" if len(titles) > 3 else None
        grids[cell.format("flag")] = None if titles else "no_top_priority"
    monthly = {"uses": fund.uses, "sources": fund.sources, "net": fund.net,
               "cumulative": fund.cumulative,
               "negative": tuple(int(arith.lt(b, 0.0)) for b in fund.cumulative)}
    for key, values in monthly.items():
        for month, value in enumerate(values, start=1):
            grids[f"funding_grid.{key}.m{month}"] = value
    return CellValues(fields, tables, grids)


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


__all__ = ["CellValues", "PlanResults", "cell_values", "compute"]
