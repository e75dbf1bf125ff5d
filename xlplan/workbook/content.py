"""What goes in the workbook's cells: the plan's inputs, and the value every formula must give.

Keys follow ``sheets.yaml``: ``fields["settings.as_of"]``, ``tables["kpis"][0]["status"]``,
``grids["funding_grid.cumulative.m3"]``. Enumerations are translated here, so an expected
value is exactly what the formula shows (``"Vert"``, ``"Fait"``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..calc import arith
from ..calc.funding import MONTHS
from ..calc.kpis import KpiStatus
from ..model import Category, FundingLine, Plan, Quadrant, Status
from ..results import PlanResults
from .templates import Translations


@dataclass
class Content:
    fields: dict[str, Any] = field(default_factory=dict)
    fallbacks: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    grids: dict[str, Any] = field(default_factory=dict)


def _choice(words: Translations, group: str, value: Any) -> str | None:
    return None if value is None else words.choice(group, str(value))


def _funding_rows(words: Translations, lines: list[FundingLine],
                  yearly: tuple[float, ...]) -> list[dict[str, Any]]:
    return [{"label": line.label, "month": line.month, "amount": line.amount,
             "monthly": words.choice("yesno", "yes" if line.monthly else "no"),
             "yearly_total": total} for line, total in zip(lines, yearly, strict=True)]


def _settings(plan: Plan, results: PlanResults, words: Translations, out: Content) -> None:
    settings, client = plan.plan, plan.client
    out.fields.update({
        "settings.client_name": client.name, "settings.sector": client.sector,
        "settings.consultant": client.consultant, "settings.currency": client.currency,
        "settings.year": settings.year, "settings.as_of": settings.as_of,
        "settings.review_cadence": words.choice("cadence", settings.review_cadence.value),
        "settings.amber_threshold": settings.amber_threshold, "settings.vision": settings.vision,
        "funding_summary.opening_cash": settings.opening_cash,
    })
    out.fallbacks["settings.as_of"] = results.as_of


def _objectives(plan: Plan, results: PlanResults, words: Translations) -> list[dict[str, Any]]:
    def missing(codes: tuple[str, ...]) -> str:
        shown = [words.choice("smart", c) if c in ("why", "owner") else c for c in codes]
        return " ".join(shown) or words.choice("smart", "complete")

    return [{"title": o.title, "category": _choice(words, "category", o.category),
             "measure": o.measure, "target": o.target, "deadline": o.deadline, "why": o.why,
             "owner": o.owner, "missing": missing(m)}
            for o, m in zip(plan.objectives, results.objectives_missing, strict=True)]


def _bilan(plan: Plan, results: PlanResults, words: Translations, out: Content) -> None:
    out.tables["kpis"] = [
        {"name": k.name, "unit": k.unit, "target": k.target, "actual": k.actual,
         "direction": words.choice("direction", k.direction.value), "gap": r.gap,
         "gap_ratio": r.gap_ratio, "attainment": r.attainment,
         "status": _choice(words, "kpi_status", r.status)}
        for k, r in zip(plan.kpis, results.kpis, strict=True)]
    by_status = results.kpis_by_status
    out.fields.update({
        "bilan_summary.kpi_count": len(plan.kpis),
        "bilan_summary.on_target": by_status[KpiStatus.GREEN],
        "bilan_summary.amber": by_status[KpiStatus.AMBER],
        "bilan_summary.red": by_status[KpiStatus.RED],
    })
    out.tables["went_well"] = [{"note": n} for n in plan.retrospective.went_well]
    out.tables["went_badly"] = [{"note": n} for n in plan.retrospective.went_badly]
    out.tables["competitors"] = [c.model_dump() for c in plan.competitors]


def _customers(plan: Plan, results: PlanResults, out: Content) -> None:
    out.tables["segments"] = [
        {**s.model_dump(), "retention_factor": r.retention_factor, "ltv": r.ltv, "value": r.value}
        for s, r in zip(plan.segments, results.segments, strict=True)]
    out.fields["customers_summary.customer_capital"] = results.customer_capital
    out.fields["customers_summary.customers"] = sum(s.customers for s in plan.segments)


def _priorities(plan: Plan, results: PlanResults, words: Translations, out: Content) -> None:
    rows = []
    for p, r in zip(plan.priorities, results.priorities, strict=True):
        quadrant = words.choice("quadrant", p.quadrant.value)
        rows.append({
            "title": p.title, "quadrant": quadrant,
            "category": words.choice("category", Category(p.category).value), "score": p.score,
            "impact": p.impact, "cost": p.cost, "owner": p.owner, "notes": p.notes,
            "decision": words.choice("decision", r.decision.value), "net": r.net, "roi": r.roi,
            "rank": r.rank, "slot": None if r.slot is None else f"{quadrant} #{r.slot}"})
    out.tables["priorities"] = rows
    out.fields["priorities_summary.retained"] = results.retained_priorities
    out.fields["priorities_summary.quadrants_without_top"] = results.quadrants_without_top
    for attitude in ("attack", "defend"):
        for activity in ("sell", "manage"):
            titles = results.matrix[Quadrant(f"{attitude}-{activity}")].top_titles
            cell = f"matrix.{attitude}_{{}}.{activity}"
            out.grids[cell.format("count")] = len(titles)
            for slot in (1, 2, 3):
                out.grids[cell.format(slot)] = titles[slot - 1] if len(titles) >= slot else None
            out.grids[cell.format("more")] = f"+{len(titles) - 3}" if len(titles) > 3 else None
            out.grids[cell.format("flag")] = (
                None if titles else words.choice("messages", "no_top_priority"))


def _funding(plan: Plan, results: PlanResults, words: Translations, out: Content) -> None:
    fund = results.funding
    out.tables["uses"] = _funding_rows(words, plan.funding.uses, results.uses_yearly)
    out.tables["sources"] = _funding_rows(words, plan.funding.sources, results.sources_yearly)
    rows = {"uses": fund.uses, "sources": fund.sources, "net": fund.net,
            "cumulative": fund.cumulative,
            "negative": tuple(int(arith.lt(b, 0.0)) for b in fund.cumulative)}
    for key, values in rows.items():
        for month, value in zip(MONTHS, values, strict=True):
            out.grids[f"funding_grid.{key}.m{month}"] = value
    out.fields.update({
        "funding_summary.total_uses": fund.total_uses,
        "funding_summary.total_sources": fund.total_sources,
        "funding_summary.funding_gap": fund.gap,
        "funding_summary.min_balance": fund.min_balance,
        "funding_summary.fundable": fund.fundable,
        "funding_summary.first_negative_month": fund.first_negative_month,
    })


def _actions(plan: Plan, results: PlanResults, words: Translations, out: Content) -> None:
    out.tables["actions"] = [
        {"what": a.what, "who": a.who, "owner": a.owner, "start": a.start, "due": a.due,
         "how": a.how, "priority": a.priority, "status": words.choice("status", a.status.value),
         "cost": a.cost, "days": r.days, "late": words.choice("yesno", "yes" if r.late else "no")}
        for a, r in zip(plan.actions, results.actions, strict=True)]
    done = results.actions_by_status
    out.fields.update({
        "actions_summary.count": len(plan.actions),
        "actions_summary.done": done[Status.DONE],
        "actions_summary.completion": results.actions_completion,
        "actions_summary.late": results.late_actions,
    })
    for status, count in done.items():
        out.fields[f"status_counts.{status.value}"] = count


def _dashboard(plan: Plan, results: PlanResults, out: Content) -> None:
    names = results.defined_names()
    out.fields.update({
        "dashboard.as_of": results.as_of,
        "dashboard.next_review": results.next_review,
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
    })


def build_content(plan: Plan, results: PlanResults, words: Translations) -> Content:
    out = Content()
    _settings(plan, results, words, out)
    out.tables["barriers"] = [{"barrier": b} for b in plan.barriers]
    out.tables["objectives"] = _objectives(plan, results, words)
    _bilan(plan, results, words, out)
    _customers(plan, results, out)
    _priorities(plan, results, words, out)
    _funding(plan, results, words, out)
    _actions(plan, results, words, out)
    _dashboard(plan, results, out)
    return out
