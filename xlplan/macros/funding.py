"""Check funding: mark each month the cash balance goes below zero, and say why."""

from __future__ import annotations

from collections.abc import Sequence

from ..calc import arith
from ..calc.funding import MONTHS, FundingPlan, applies
from ..model import FundingLine, Plan
from ..results import compute
from ..workbook.locale import client_locale
from ..workbook.templates import Translations
from ._book import Book, MacroResult
from ._reading import grid_cell, snapshot_of


def _lines(lines: Sequence[FundingLine], month: int, words: Translations, locale: str) -> str:
    shown = [f"{line.label} {words.amount(line.amount, locale)}" for line in lines
             if applies(line, month)]
    return "; ".join(shown) if shown else "-"


def month_reason(plan: Plan, fund: FundingPlan, month: int, words: Translations) -> str:
    """Why month ``month`` of ``plan`` (computed: ``fund``) ends where it does: the cash it
    starts with, what goes out and what comes in, line by line."""
    before = fund.cumulative[month - 2] if month > 1 else fund.opening_cash
    locale = client_locale(plan)
    return words.macro(
        "month_reason", month=words.month(month),
        balance=words.amount(fund.cumulative[month - 1], locale),
        before=words.amount(before, locale), uses=words.amount(fund.uses[month - 1], locale),
        use_lines=_lines(plan.funding.uses, month, words, locale),
        sources=words.amount(fund.sources[month - 1], locale),
        source_lines=_lines(plan.funding.sources, month, words, locale))


def check_funding(book: Book) -> MacroResult:
    """Put a mark and a note on each month whose cumulative balance is below zero (and take
    old marks away), then say whether the plan is fundable and how much it lacks."""
    with snapshot_of(book) as snap:
        plan = snap.plan_without_problems_in("funding")
        words = snap.read.words
        fund = compute(plan).funding
        negative = [m for m in MONTHS if arith.lt(fund.cumulative[m - 1], 0.0)]
        for month in MONTHS:
            note = month_reason(plan, fund, month, words) if month in negative else None
            book.mark(grid_cell(snap, "funding_grid", "cumulative", f"m{month}"), note)
    if not negative:
        low = min(MONTHS, key=lambda m: fund.cumulative[m - 1])
        message = words.macro("fundable", month=words.month(low), balance=words.amount(
            fund.cumulative[low - 1], client_locale(plan)))
    else:
        first = negative[0]
        message = "\n".join([
            words.macro("not_fundable", count=len(negative), first=words.month(first),
                        months=", ".join(words.month(m) for m in negative)),
            month_reason(plan, fund, first, words),
            # A source of -min_balance arriving by the first negative month clears every month.
            words.macro("needs", amount=words.amount(-fund.min_balance, client_locale(plan)),
                        first_month=words.month(first)),
        ])
    return MacroResult(message, changed_book=True, findings=len(negative))
