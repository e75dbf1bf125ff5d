"""Everything the plan's workbook computes, computed in Python (the formulas' twin)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from .calc import actions as action_calc
from .calc import arith, customers, funding, kpis, links, objectives, people, priorities, reviews
from .calc.kpis import KpiStatus
from .calc.priorities import Decision, QuadrantView
from .model import Plan, Quadrant, Status

PRIORITY_FUNDING_ROWS = 6  # the funding sheet's view of the top priorities (sheets.yaml)
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
        action_flags=tuple(people.team_flag(a, plan.team) for a in plan.actions),
        assigned=tuple(people.assigned_effort(p.name, plan.actions) for p in plan.team),
        retained=tuple(people.retained(e, plan.priorities) for e in plan.survey),
        planned_effort=arith.total(a.effort for a in plan.actions if a.effort is not None),
        team_capacity=arith.total(p.capacity for p in plan.team if p.capacity is not None) * 12,
        survey_entries=entries,
        alignment_score=people.alignment_score(plan.survey, plan.priorities),
        named_any=people.named_share(plan.survey),
        named_by=tuple(people.named_share(plan.survey, p.title) for p in plan.priorities),
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
        "priorities_summary.quick_wins": r.quick_wins,
        "priorities_summary.quadrants_overloaded": r.quadrants_overloaded,
        "priorities_summary.without_objective": r.priorities_without_objective,
        "priorities_summary.unfunded": r.unfunded_priorities,
        "priorities_summary.high_risks": r.high_risks,
        "funding_summary.total_uses": fund.total_uses,
        "funding_summary.total_sources": fund.total_sources,
        "funding_summary.funding_gap": fund.gap,
        "funding_summary.min_balance": fund.min_balance,
        "funding_summary.fundable": fund.fundable,
        "funding_summary.fundable_shown": fund.fundable,
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
        "dashboard.quick_wins": names["QuickWins"],
        "dashboard.unfunded_priorities": names["UnfundedPriorities"],
        "dashboard.high_risks": names["HighRisks"],
        "dashboard.reviews_held": names["ReviewsHeld"],
        "dashboard.latest_review": names["LatestReviewDate"],
        "dashboard.objectives_achieved": names["ObjectivesAchieved"],
        "dashboard.abandoned": names["AbandonedPriorities"],
        "dashboard.cash_actual": r.latest_cash[0],
        "dashboard.cash_planned": r.latest_cash[1],
        "reviews_summary.reviews_held": names["ReviewsHeld"],
        "reviews_summary.latest_review": names["LatestReviewDate"],
        "reviews_summary.objectives_achieved": names["ObjectivesAchieved"],
        "reviews_summary.abandoned": names["AbandonedPriorities"],
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
    team = r.people
    assert team is not None
    fields.update({
        "settings.plan_start": team.start,
        "team_summary.planned_effort": team.planned_effort,
        "team_summary.team_capacity": team.team_capacity,
        "team_summary.overloaded_months": team.overloaded_months,
        "team_summary.outside_zone": team.actions_outside_zone,
        "team_summary.survey_entries": team.survey_entries,
        "team_summary.alignment": team.alignment_score,
        "team_summary.named_any": team.named_any,
        "dashboard.overloaded_months": team.overloaded_months,
        "dashboard.over_capacity": tuple((row.person.name, team.over_months(row))
                                         for row in team.shown_workload if any(row.over)),
        "dashboard.outside_zone": team.actions_outside_zone,
        "dashboard.alignment": team.alignment_score,
    })
    tables: dict[str, list[dict[str, object]]] = {
        "objectives": [{"missing": m, "priorities": linked.priorities, "initiatives":
                        linked.initiatives, "progress": linked.progress, "latest": year.latest,
                        "year_progress": year.progress, "year_status": year.status,
                        "achieved": year.achieved}
                       for m, linked, year in zip(r.objectives_missing, r.objective_links,
                                                  r.objectives_year, strict=True)],
        "reviews": [{"end_month": v.end_month, "planned": v.planned, "cash_gap": v.cash_gap}
                    for v in r.reviews],
        "measures": [{"date": e.date, "number": e.number, "rank": e.rank,
                      "label": f"{m.period} - {m.objective}", "progress": e.progress,
                      "status": e.status}
                     for m, e in zip(plan.review_measures, r.measures, strict=True)],
        "decisions": [{"date": e.date, "number": e.number, "rank": e.rank}
                      for e in r.decisions],
        "initiatives": [{"progress": p} for p in r.initiatives_progress],
        "risks": [{"score": k.score, "high": k.high if k.score is not None else None}
                  for k in r.risks],
        "kpis": [{"gap": k.gap, "gap_ratio": k.gap_ratio, "attainment": k.attainment,
                  "status": k.status} for k in r.kpis],
        "segments": [{"retention_factor": s.retention_factor, "ltv": s.ltv, "value": s.value,
                      "rank": s.rank, "actions": s.actions} for s in r.segments],
        "priorities": [{"decision": p.decision, "net": p.net, "roi": p.roi, "rank": p.rank,
                        "slot": p.slot, "quick_win": p.quick_win, "funded": p.funded,
                        "unfunded": p.unfunded, "top_number": p.top_number,
                        "latest_decision": p.latest_decision}
                       for p in r.priorities],
        "uses": [{"yearly_total": t} for t in r.uses_yearly],
        "sources": [{"yearly_total": t} for t in r.sources_yearly],
        "actions": [{"days": a.days, "late": a.late, "team_flag": flag}
                    for a, flag in zip(r.actions, team.action_flags, strict=True)],
        "team": [{"assigned": assigned, "usage": None if not member.capacity else
                  assigned / (member.capacity * 12)}
                 for member, assigned in zip(plan.team, team.assigned, strict=True)],
        "survey": [{"retained": retained} for retained in team.retained],
    }
    for row, share in zip(tables["priorities"], team.named_by, strict=True):
        row["named_by"] = share
    grids: dict[str, object] = {}
    top = [(item, result) for item, result in zip(plan.priorities, r.priorities, strict=True)
           if result.top_number is not None]
    for number in range(1, PRIORITY_FUNDING_ROWS + 1):
        item, result = top[number - 1] if number <= len(top) else (None, None)
        row = {"title": item.title if item else None, "cost": item.cost if item else None,
               "funded": result.funded if result else None}
        for column, value in row.items():
            grids[f"priority_funding.top_{number}.{column}"] = value
    for quadrant, view in r.matrix.items():
        attitude, activity = quadrant.value.split("-")
        titles = view.top_titles
        cell = f"matrix.{attitude}_{{}}.{activity}"
        grids[cell.format("count")] = len(titles)
        for slot in (1, 2, 3):
            grids[cell.format(slot)] = titles[slot - 1] if len(titles) >= slot else None
        grids[cell.format("more")] = f"+{len(titles) - 3}" if len(titles) > 3 else None
        grids[cell.format("flag")] = None if titles else "no_top_priority"
    grids.update(_by_period(plan, r))
    grids.update(_workload(team))
    monthly = {"uses": fund.uses, "sources": fund.sources, "net": fund.net,
               "cumulative": fund.cumulative,
               "negative": tuple(int(arith.lt(b, 0.0)) for b in fund.cumulative)}
    for key, values in monthly.items():
        for month, value in enumerate(values, start=1):
            grids[f"funding_grid.{key}.m{month}"] = value
    return CellValues(fields, tables, grids)


def _workload(team: PeopleResults) -> dict[str, object]:
    """The team sheet's person x month grid: each month's bounds, each person's load."""
    out: dict[str, object] = {}
    for part in ("person", "capacity", "over", "when"):
        out[f"workload.from.{part}"] = out[f"workload.to.{part}"] = None
    for month, (first, last) in enumerate(team.months, start=1):
        out[f"workload.from.m{month}"], out[f"workload.to.m{month}"] = first, last
    for n in range(1, WORKLOAD_ROWS + 1):
        row = team.workload[n - 1] if n <= len(team.workload) else None
        cells: dict[str, object] = {
            "person": row.person.name if row else None,
            "capacity": row.person.capacity if row else None,
            "over": row.over_count if row else None,
            "when": team.over_months(row) if row and row.person.capacity is not None else None,
        }
        for month in range(1, 13):
            cells[f"m{month}"] = row.loads[month - 1] if row else None
        for column, value in cells.items():
            out[f"workload.p{n}.{column}"] = value
    return out


BY_PERIOD_ROWS = 8  # the reviews sheet's view of the objectives, period by period
BY_PERIOD_SLOTS = 12  # (sheets.yaml): twelve period columns, as many as months


def _by_period(plan: Plan, r: PlanResults) -> dict[str, object]:
    """The reviews sheet's objective x period grids: each of the first objectives' value,
    attainment and status at each period of the cadence."""
    periods = plan.plan.review_cadence.periods
    found = {(m.objective, m.period): (m, e)
             for m, e in zip(plan.review_measures, r.measures, strict=True)}
    out: dict[str, object] = {"by_period.period.title": None}
    for slot in range(1, BY_PERIOD_SLOTS + 1):
        code = periods[slot - 1] if slot <= len(periods) else None
        for grid in ("by_period", "by_period_progress", "by_period_status"):
            out[f"{grid}.period.p{slot}"] = code
        for n in range(1, BY_PERIOD_ROWS + 1):
            title = plan.objectives[n - 1].title if n <= len(plan.objectives) else None
            measure, entry = found.get((title, code), (None, None)) if title and code else (
                None, None)
            out[f"by_period.o{n}.title"] = title
            out[f"by_period.o{n}.p{slot}"] = measure.value if measure else None
            out[f"by_period_progress.o{n}.p{slot}"] = entry.progress if entry else None
            out[f"by_period_status.o{n}.p{slot}"] = entry.status if entry else None
    return out


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


def _rank(entries: Sequence[tuple[str, date | None, object]], index: int) -> int | None:
    """How many entries of the same key come after this one (by date, then position): 0 for
    the latest, as the workbook's rank column counts."""
    key, when, _ = entries[index]
    if when is None:
        return None
    return sum(1 for position, (other, other_when, _) in enumerate(entries)
               if other == key and other_when is not None
               and (other_when > when or (other_when == when and position > index)))


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
    served = [a.segment for a in plan.actions]
    segment_results = [SegmentResult(s.retention_factor, s.ltv, s.value, rank,
                                     links.count_naming(seg.name, served))
                       for s, rank, seg in zip(segment_results, segment_ranks, plan.segments,
                                               strict=True)]
    nets = [priorities.net(p.impact, p.cost) for p in plan.priorities]
    uses_yearly = tuple(funding.yearly_total(u) for u in plan.funding.uses)
    linked_uses = [(u.priority, total) for u, total in zip(plan.funding.uses, uses_yearly,
                                                            strict=True)]
    funded = [links.linked_total(p.title, linked_uses) for p in plan.priorities]
    items = [(p.title, p.quadrant, p.score) for p in plan.priorities]
    ranks = priorities.ranks([p.score for p in plan.priorities], nets)
    slots = priorities.quadrant_slots(items)
    dates = reviews.review_dates(plan.reviews)
    logged = [(d.priority, dates.get(d.period), d.decision.value)
              for d in plan.review_decisions]
    priority_results = tuple(
        PriorityResult(priorities.decision(p.score), n, priorities.roi(p.impact, p.cost), r, s,
                       links.quick_win(p.score, p.ease, p.urgency), f,
                       links.unfunded(p.score, p.cost, f), t,
                       reviews.latest(logged, p.title))
        for p, n, r, s, f, t in zip(plan.priorities, nets, ranks, slots, funded,
                                    links.top_numbers([p.score for p in plan.priorities]),
                                    strict=True))
    top = [p for p in plan.priorities if p.score == priorities.TOP_SCORE]
    initiative_progress = tuple(links.progress(i.target, i.actual) for i in plan.initiatives)
    objective_links = tuple(ObjectiveLinks(
        links.count_naming(o.title, (p.objective for p in plan.priorities)),
        links.count_naming(o.title, (i.objective for i in plan.initiatives)),
        links.mean(g for i, g in zip(plan.initiatives, initiative_progress, strict=True)
                   if i.objective == o.title)) for o in plan.objectives)
    risk_scores = [links.risk_score(r.likelihood, r.impact) for r in plan.risks]
    measures = plan.review_measures
    measured = [(m.objective, dates.get(m.period), m.value) for m in measures]
    by_title = {o.title: o for o in plan.objectives}
    amber = plan.plan.amber_threshold
    objectives_year = []
    for o in plan.objectives:
        value = reviews.latest(measured, o.title)
        progress = (None if value is None or o.target is None
                    else kpis.attainment(o.target, value, o.direction))
        objectives_year.append(ObjectiveYear(value, progress, kpis.status(progress, amber),
                                             reviews.achieved(o.target, value, o.direction)))
    measure_results = []
    for number, (m, (_, when, _)) in enumerate(zip(measures, measured, strict=True), start=1):
        goal = by_title.get(m.objective)
        progress = (None if goal is None or goal.target is None
                    else kpis.attainment(goal.target, m.value, goal.direction))
        measure_results.append(EntryResult(when, number, _rank(measured, number - 1),
                                           progress, kpis.status(progress, amber)))
    decision_results = tuple(EntryResult(when, number, _rank(logged, number - 1))
                             for number, (_, when, _) in enumerate(logged, start=1))
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


__all__ = ["CellValues", "PlanResults", "cell_values", "compute"]
