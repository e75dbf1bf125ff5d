"""What each computed cell of the workbook must show, keyed as ``sheets.yaml`` keys its blocks:
the Python results (``results.py``) laid out as the workbook's fields, tables and grids."""

from __future__ import annotations

from dataclasses import dataclass

from .calc import arith
from .calc.kpis import KpiStatus
from .model import Plan, Status
from .results import WORKLOAD_ROWS, PeopleResults, PlanResults

PRIORITY_FUNDING_ROWS = 6  # the funding sheet's view of the top priorities (sheets.yaml)


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
    measure_of = _measures_by_title(plan)
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
                      "status": e.status, "measure": measure_of.get(m.objective.lower(), "")}
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


def _measures_by_title(plan: Plan) -> dict[str, str]:
    """Each objective's measure by its title, case aside, as the measures table's formula
    finds it (``=`` compares text so in a spreadsheet): a title more than one objective has
    finds none."""
    found: dict[str, list[str]] = {}
    for objective in plan.objectives:
        found.setdefault(objective.title.lower(), []).append(objective.measure or "")
    return {title: measures[0] for title, measures in found.items() if len(measures) == 1}


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


__all__ = ["CellValues", "cell_values"]
