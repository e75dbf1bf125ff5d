"""Next year's plan, seeded from last year's workbook (``xlplan new --from``).

- last year's KPIs, with their targets and actuals, become the bilan to review;
- actions not done carry over, with the priorities they serve (and only those);
- the vision, barriers, competitors, customer segments and the cadence carry over;
- objectives carry over unless their deadline has passed, with their initiatives;
- the categories and the risks carry over; a carried priority or action keeps its links to
  what carried over (an objective, an initiative, a segment), and only those;
- the opening cash is last year's cash at year end (its funding gap);
- the funding lines, the retrospective and the as-of date start empty.
"""

from __future__ import annotations

from datetime import date

from .model import Funding, Plan, Retrospective, Status
from .results import compute


def next_year_plan(last: Plan) -> Plan:
    year = last.plan.year + 1
    open_actions = [a for a in last.actions if a.status is not Status.DONE]
    served = {a.priority for a in open_actions if a.priority}
    priorities = [p for p in last.priorities if p.title in served]
    new_year = date(year, 1, 1)
    objectives = [o for o in last.objectives if o.deadline is None or o.deadline >= new_year]
    kept_objectives = {o.title for o in objectives}
    initiatives = [i for i in last.initiatives if i.objective in kept_objectives]
    kept_initiatives = {i.title for i in initiatives}
    priorities = [p if p.objective in kept_objectives else p.model_copy(update={"objective": None})
                  for p in priorities]
    open_actions = [a if a.initiative is None or a.initiative in kept_initiatives
                    else a.model_copy(update={"initiative": None}) for a in open_actions]
    settings = last.plan.model_copy(update={
        "year": year, "as_of": None,
        "opening_cash": compute(last, today=new_year).funding.gap})
    return last.model_copy(update={
        "plan": settings, "objectives": objectives, "initiatives": initiatives,
        "priorities": priorities,
        "actions": open_actions, "funding": Funding(), "retrospective": Retrospective()})
