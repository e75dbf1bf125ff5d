"""Next year's plan, seeded from last year's workbook (``xlplan new --from``).

- the bilan to review is last year's objectives: each one with a target becomes a KPI with
  that target, its latest measured value as the actual, and the same direction (last year's
  own bilan, the year before, is not carried);
- objectives carry over unless their deadline has passed, with their initiatives;
- priorities on hold (score 1: "don't drop them") carry over with score 1, and so do those
  open actions still serve; an abandoned or done priority (its latest review decision) does
  not, nor do the open actions of an abandoned one;
- the categories, the risks, the vision, barriers, competitors, segments, the team (with
  its zones and capacities) and the cadence carry over; a carried priority or action keeps
  its links to what carried over, and only those;
- the opening cash is the latest review's cash where one was recorded, otherwise the planned
  year-end balance (``SeededPlan.cash_from`` says which);
- the funding lines, the retrospective, the reviews, the survey and the as-of date start
  empty; a plan
  starting in another month than January starts in that month of the next year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .calc import reviews as review_calc
from .model import Funding, Kpi, Plan, Retrospective, Status
from .results import compute


@dataclass(frozen=True)
class SeededPlan:
    plan: Plan
    cash_from: str  # "review" (the latest review's cash) or "plan" (the planned year end)
    cash_review: date | None = None  # the review the cash comes from


def _bilan(last: Plan) -> list[Kpi]:
    results = compute(last, today=date(last.plan.year + 1, 1, 1))
    return [Kpi(name=o.title, unit=o.measure, target=o.target, actual=year.latest,
                direction=o.direction)
            for o, year in zip(last.objectives, results.objectives_year, strict=True)
            if o.target is not None]


def _opening_cash(last: Plan) -> tuple[float, str, date | None]:
    with_cash = [r for r in last.reviews if r.cash is not None]
    if with_cash:
        latest = max(enumerate(with_cash), key=lambda item: (item[1].date, item[0]))[1]
        assert latest.cash is not None
        return latest.cash, "review", latest.date
    return compute(last, today=date(last.plan.year + 1, 1, 1)).funding.gap, "plan", None


def seed_next_year(last: Plan) -> SeededPlan:
    year = last.plan.year + 1
    new_year = date(year, 1, 1)
    decided = {p.title: r.latest_decision for p, r in zip(
        last.priorities, compute(last, today=new_year).priorities, strict=True)}
    gone = {title for title, decision in decided.items() if decision in ("abandon", "done")}
    abandoned = {title for title, decision in decided.items() if decision == "abandon"}
    open_actions = [a for a in last.actions
                    if a.status is not Status.DONE and a.priority not in abandoned]
    served = {a.priority for a in open_actions if a.priority}
    priorities = [p.model_copy(update={"score": 1}) if p.score == 1 else p
                  for p in last.priorities
                  if p.title not in gone and (p.score == 1 or p.title in served)]
    kept_priorities = {p.title for p in priorities}
    objectives = [o for o in last.objectives if o.deadline is None or o.deadline >= new_year]
    kept_objectives = {o.title for o in objectives}
    initiatives = [i for i in last.initiatives if i.objective in kept_objectives]
    kept_initiatives = {i.title for i in initiatives}
    priorities = [p if p.objective in kept_objectives else p.model_copy(update={"objective": None})
                  for p in priorities]
    open_actions = [a.model_copy(update={
        "initiative": a.initiative if a.initiative in kept_initiatives else None,
        "priority": a.priority if a.priority in kept_priorities else None})
        for a in open_actions]
    cash, cash_from, cash_review = _opening_cash(last)
    start = review_calc.plan_start(last)
    settings = last.plan.model_copy(update={
        "year": year, "as_of": None, "opening_cash": cash,
        "start_month": f"{start.year + 1:04d}-{start.month:02d}" if last.plan.start_month
        else None})
    plan = last.model_copy(update={
        "plan": settings, "objectives": objectives, "initiatives": initiatives,
        "priorities": priorities, "kpis": _bilan(last), "actions": open_actions,
        "funding": Funding(), "retrospective": Retrospective(), "reviews": [],
        "survey": []})
    return SeededPlan(plan, cash_from, cash_review)


def next_year_plan(last: Plan) -> Plan:
    return seed_next_year(last).plan
