"""Everything the plan's workbook computes, computed in Python (the formulas' twin)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .calc import actions as action_calc
from .calc import arith, customers, funding, kpis, links, objectives, people, priorities, reviews
from .calc.kpis import KpiStatus
from .calc.priorities import Decision, QuadrantView
from .model import Plan, Quadrant, Status

WORKLOAD_ROWS = 20  # the team sheet's workload grid: one row per person (sheets.yaml)


@dataclass(frozen=True)
class PeopleResults:
    """The people pillar: the workload grid, the action plan's flags, the survey."""

    start: date  # the plan's first day
    workload: tuple[people.PersonMonths, ...]
    action_flags: tuple[str | None, ...]
    assigned: tuple[float, ...]  # per team member
    retained: tuple[bool | None, ...]  # per survey entry
    planned_effort: float
    team_capacity: float
    survey_entries: int
    alignment_score: float | None
    named_any: float | None
    named_by: tuple[float | None, ...]  # per priority

    @property
    def months(self) -> list[tuple[date, date]]:
        return people.month_bounds(self.start)

    @property
    def shown_workload(self) -> tuple[people.PersonMonths, ...]:
        """The people the grid has a row for."""
        return self.workload[:WORKLOAD_ROWS]

    @property
    def overloaded_months(self) -> int:
        return sum(p.over_count or 0 for p in self.shown_workload)

    @property
    def actions_outside_zone(self) -> int:
        return sum(flag == "delegate" for flag in self.action_flags)

    def over_months(self, row: people.PersonMonths) -> tuple[date, ...]:
        return tuple(first for (first, _), over in zip(self.months, row.over, strict=True)
                     if over)


def people_results(plan: Plan) -> PeopleResults:
    start = reviews.plan_start(plan)
    entries = people.entry_count(plan.survey)
    return PeopleResults(
        start=start,
        workload=tuple(people.workload(plan.team, plan.actions, start)),
        action_flags=tuple(people.team_flags(plan.actions, plan.team)),
        assigned=tuple(people.assigned_efforts(plan.team, plan.actions)),
        retained=tuple(people.retained_all(plan.survey, plan.priorities)),
        planned_effort=arith.total(a.effort for a in plan.actions if a.effort is not None),
        team_capacity=arith.total(p.capacity for p in plan.team if p.capacity is not None) * 12,
        survey_entries=entries,
        alignment_score=people.alignment_score(plan.survey, plan.priorities),
        named_any=people.named_share(plan.survey),
        named_by=tuple(people.named_shares(plan.survey, [p.title for p in plan.priorities])),
    )


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
    rank: int = 0  # 1 for the most valuable segment
    actions: int = 0  # actions serving it


@dataclass(frozen=True)
class ObjectiveLinks:
    priorities: int  # priorities serving it
    initiatives: int
    progress: float | None  # the mean progress of its initiatives


@dataclass(frozen=True)
class ObjectiveYear:
    """An objective through the year: its latest measure, progress, status, whether met."""

    latest: float | None
    progress: float | None
    status: KpiStatus | None
    achieved: bool | None


@dataclass(frozen=True)
class EntryResult:
    """A row of the measures table or of the decisions log."""

    date: date | None  # its review's date
    number: int  # 1, 2, ... down the table
    rank: int | None  # 0 for the latest of its objective or priority
    progress: float | None = None  # measures only
    status: KpiStatus | None = None


@dataclass(frozen=True)
class ReviewResult:
    end_month: int
    planned: float  # the planned cumulative balance at the period's end
    cash_gap: float | None  # actual - planned


@dataclass(frozen=True)
class RiskResult:
    score: int | None  # likelihood x impact
    high: bool


@dataclass(frozen=True)
class PriorityResult:
    decision: Decision
    net: float
    roi: float | None
    rank: int
    slot: int | None  # place among its quadrant's top priorities
    quick_win: bool = False
    funded: float = 0.0  # the yearly total of the uses linked to it
    unfunded: bool = False
    top_number: int | None = None  # 1, 2, ... for the score-3 ones, in list order
    latest_decision: str | None = None  # the latest review decision's code


@dataclass(frozen=True)
class ActionResult:
    days: int | None
    late: bool


@dataclass(frozen=True)
class PlanResults:
    as_of: date
    next_review: date
    objectives_missing: tuple[tuple[str, ...], ...]
    objective_links: tuple[ObjectiveLinks, ...]
    initiatives_progress: tuple[float | None, ...]
    risks: tuple[RiskResult, ...]
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
    priorities_without_objective: int
    quadrants_overloaded: int
    objectives_year: tuple[ObjectiveYear, ...]
    measures: tuple[EntryResult, ...]
    decisions: tuple[EntryResult, ...]
    reviews: tuple[ReviewResult, ...]

    latest_review_date: date | None = None

    latest_cash: tuple[float | None, float | None] = (None, None)  # actual, planned
    people: PeopleResults | None = None

    @property
    def reviews_held(self) -> int:
        return len(self.reviews)

    @property
    def objectives_achieved(self) -> int:
        return sum(bool(o.achieved) for o in self.objectives_year)

    @property
    def abandoned_priorities(self) -> int:
        return sum(p.latest_decision == "abandon" for p in self.priorities)

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

    @property
    def quick_wins(self) -> int:
        return sum(p.quick_win for p in self.priorities)

    @property
    def unfunded_priorities(self) -> int:
        return sum(p.unfunded for p in self.priorities)

    @property
    def high_risks(self) -> int:
        return sum(r.high for r in self.risks)

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
            "UnfundedPriorities": self.unfunded_priorities,
            "PrioritiesWithoutObjective": self.priorities_without_objective,
            "QuadrantsOverloaded": self.quadrants_overloaded,
            "HighRisks": self.high_risks,
            "QuickWins": self.quick_wins,
            "ReviewsHeld": self.reviews_held,
            "AbandonedPriorities": self.abandoned_priorities,
            "ObjectivesAchieved": self.objectives_achieved,
            "LatestReviewDate": self.latest_review_date,
            **(self._people_names() if self.people is not None else {}),
        }

    def _people_names(self) -> dict[str, object]:
        team = self.people
        assert team is not None
        return {
            "PlanStart": team.start,
            "PlannedEffort": team.planned_effort,
            "TeamCapacity": team.team_capacity,
            "OverloadedMonths": team.overloaded_months,
            "ActionsOutsideZone": team.actions_outside_zone,
            "SurveyEntries": team.survey_entries,
            "AlignmentScore": team.alignment_score,
        }


def _latest_cash(plan: Plan, fund: funding.FundingPlan) -> tuple[float | None, float | None]:
    """The cash recorded at the latest review that recorded one, and the planned balance at
    its period's end (reviews held the same day add up, as the dashboard's formula does)."""
    with_cash = [r for r in plan.reviews if r.cash is not None]
    if not with_cash:
        return None, None
    day = max(r.date for r in with_cash)
    same = [r for r in with_cash if r.date == day]
    return (arith.total([r.cash for r in same if r.cash is not None]),
            arith.total([fund.cumulative[reviews.end_month(r.period) - 1] for r in same]))


def compute(plan: Plan, today: date | None = None) -> PlanResults:
    """Compute the plan. ``today`` stands in for ``=TODAY()`` when the plan has no as-of date."""
    as_of = plan.plan.as_of or today or date.today()
    kpi_results = []
    for kpi in plan.kpis:
        kpi_results.append(KpiResult(
            gap=kpis.gap(kpi.target, kpi.actual),
            gap_ratio=kpis.relative_gap(kpi.target, kpi.actual, kpi.direction),
            attainment=kpis.kpi_attainment(kpi.target, kpi.actual, kpi.direction),
            status=kpis.kpi_status(kpi.target, kpi.actual, kpi.direction,
                                   plan.plan.amber_threshold),
        ))
    segment_results = []
    for seg in plan.segments:
        ltv = customers.lifetime_value(seg.margin, seg.retention, seg.discount_rate,
                                       seg.horizon, seg.acquisition_cost)
        segment_results.append(SegmentResult(
            retention_factor=customers.retention_factor(seg.retention, seg.discount_rate),
            ltv=ltv, value=customers.segment_value(seg.customers, ltv)))
    segment_ranks = links.ranks_by_value([s.value for s in segment_results])
    served = links.counts_naming([seg.name for seg in plan.segments],
                                 (a.segment for a in plan.actions))
    segment_results = [SegmentResult(s.retention_factor, s.ltv, s.value, rank, count)
                       for s, rank, count in zip(segment_results, segment_ranks, served,
                                                 strict=True)]
    nets = [priorities.net(p.impact, p.cost) for p in plan.priorities]
    uses_yearly = tuple(funding.yearly_total(u) for u in plan.funding.uses)
    linked_uses = [(u.priority, total) for u, total in zip(plan.funding.uses, uses_yearly,
                                                            strict=True)]
    funded = links.linked_totals([p.title for p in plan.priorities], linked_uses)
    items = [(p.title, p.quadrant, p.score) for p in plan.priorities]
    ranks = priorities.ranks([p.score for p in plan.priorities], nets)
    slots = priorities.quadrant_slots(items)
    dates = reviews.review_dates(plan.reviews)
    logged = [(d.priority, dates.get(d.period), d.decision.value)
              for d in plan.review_decisions]
    latest_decisions = reviews.latest_by_key(logged)
    priority_results = tuple(
        PriorityResult(priorities.decision(p.score), n, priorities.roi(p.impact, p.cost), r, s,
                       links.quick_win(p.score, p.ease, p.urgency), f,
                       links.unfunded(p.score, p.cost, f), t,
                       latest_decisions.get(p.title))
        for p, n, r, s, f, t in zip(plan.priorities, nets, ranks, slots, funded,
                                    links.top_numbers([p.score for p in plan.priorities]),
                                    strict=True))
    top = [p for p in plan.priorities if p.score == priorities.TOP_SCORE]
    initiative_progress = tuple(links.progress(i.target, i.actual) for i in plan.initiatives)
    titles = [o.title for o in plan.objectives]
    objective_links = tuple(ObjectiveLinks(*linked) for linked in zip(
        links.counts_naming(titles, (p.objective for p in plan.priorities)),
        links.counts_naming(titles, (i.objective for i in plan.initiatives)),
        links.means_by(titles, zip((i.objective for i in plan.initiatives),
                                   initiative_progress, strict=True)), strict=True))
    risk_scores = [links.risk_score(r.likelihood, r.impact) for r in plan.risks]
    measures = plan.review_measures
    measured = [(m.objective, dates.get(m.period), m.value) for m in measures]
    by_title = {o.title: o for o in plan.objectives}
    amber = plan.plan.amber_threshold
    latest_measures = reviews.latest_by_key(measured)
    objectives_year = []
    for o in plan.objectives:
        value = latest_measures.get(o.title)
        progress = (None if value is None or o.target is None
                    else kpis.attainment(o.target, value, o.direction))
        objectives_year.append(ObjectiveYear(value, progress, kpis.status(progress, amber),
                                             reviews.achieved(o.target, value, o.direction)))
    measure_results = []
    measure_ranks = reviews.later_entries(measured)
    for number, (m, (_, when, _), rank) in enumerate(zip(measures, measured, measure_ranks,
                                                         strict=True), start=1):
        goal = by_title.get(m.objective)
        progress = (None if goal is None or goal.target is None
                    else kpis.attainment(goal.target, m.value, goal.direction))
        measure_results.append(EntryResult(when, number, rank, progress,
                                           kpis.status(progress, amber)))
    decision_results = tuple(EntryResult(when, number, rank)
                             for number, ((_, when, _), rank) in enumerate(
                                 zip(logged, reviews.later_entries(logged), strict=True),
                                 start=1))
    fund = funding.funding_plan(plan.plan.opening_cash, plan.funding.uses, plan.funding.sources)
    return PlanResults(
        as_of=as_of,
        next_review=reviews.next_review(reviews.plan_start(plan),
                                        plan.plan.review_cadence.months, as_of),
        objectives_missing=tuple(objectives.missing_smart(o) for o in plan.objectives),
        objective_links=objective_links,
        initiatives_progress=initiative_progress,
        risks=tuple(RiskResult(score, links.is_high_risk(score)) for score in risk_scores),
        kpis=tuple(kpi_results),
        segments=tuple(segment_results),
        priorities=priority_results,
        matrix=priorities.matrix(items),
        funding=fund,
        uses_yearly=uses_yearly,
        sources_yearly=tuple(funding.yearly_total(s) for s in plan.funding.sources),
        actions=tuple(ActionResult(action_calc.duration_days(a.start, a.due),
                                   action_calc.is_late(a, as_of)) for a in plan.actions),
        actions_by_status=action_calc.count_by_status(plan.actions),
        actions_completion=action_calc.completion(plan.actions),
        priorities_without_objective=sum(1 for p in top if not p.objective),
        quadrants_overloaded=links.quadrants_overloaded([p.quadrant for p in top]),
        objectives_year=tuple(objectives_year),
        measures=tuple(measure_results),
        decisions=decision_results,
        reviews=tuple(ReviewResult(
            reviews.end_month(r.period), fund.cumulative[reviews.end_month(r.period) - 1],
            None if r.cash is None else arith.sub(
                r.cash, fund.cumulative[reviews.end_month(r.period) - 1]))
            for r in plan.reviews),
        latest_review_date=max(dates.values(), default=None),
        latest_cash=_latest_cash(plan, fund),
        people=people_results(plan),
    )


__all__ = ["PlanResults", "compute"]
