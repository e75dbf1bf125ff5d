"""Refresh the dashboard: its KPI chart follows the KPIs typed since, and a summary for the
quarterly (or half-yearly) review."""

from __future__ import annotations

from ..calc.kpis import KpiStatus
from ..results import compute
from ..workbook.locale import client_locale
from ..workbook.templates import sheet_specs
from ._book import Area, Book, MacroResult
from ._reading import snapshot_of


def _chart_index(key: str) -> int:
    dashboard = next(s for s in sheet_specs() if s.key == "dashboard")
    return [b.key for b in dashboard.blocks if b.kind == "chart"].index(key)


def refresh_dashboard(book: Book) -> MacroResult:
    """Point the KPI chart at every KPI row now in the table (spare rows included once
    filled), recalculate, and sum the plan up as the client reviews it."""
    with snapshot_of(book) as snap:
        read = snap.read
        words = read.words
        plan = snap.plan_without_problems_in()  # problems anywhere are fine, if it reads
        kpis = snap.table("kpis")
        sheet = read.source.sheets[kpis.sheet]
        name_col = kpis.columns["name"]
        filled = [row for row in range(kpis.first_row, kpis.last_row + 1)
                  if sheet.value(row, name_col) not in (None, "")]
        last = max(filled, default=kpis.first_row)
        attainment = kpis.columns["attainment"]
        book.set_chart_source(
            words.sheet("dashboard"), _chart_index("kpi_chart"),
            Area(kpis.sheet, kpis.first_row, name_col, last, name_col),
            Area(kpis.sheet, kpis.first_row, attainment, last, attainment))
    book.recalculate()
    results = compute(plan)
    fund = results.funding
    funding = (words.macro("dashboard_fundable") if fund.fundable else
               words.macro("dashboard_not_fundable",
                           month=words.month(fund.first_negative_month or 1)))
    message = words.macro(
        "dashboard", as_of=results.as_of.isoformat(),
        on_target=results.kpis_by_status[KpiStatus.GREEN], kpis=len(plan.kpis),
        capital=words.amount(results.customer_capital, client_locale(plan)),
        currency=plan.client.currency,
        top=results.retained_priorities, funding=funding,
        completion=f"{results.actions_completion:.0%}", late=results.late_actions,
        next_review=results.next_review.isoformat())
    return MacroResult(message, changed_book=True)
