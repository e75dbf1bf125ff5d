"""``xlplan review``: the brief for the next review, in the workbook's language.

What needs a decision at the next review:
- objectives behind plan: an objective with a target whose latest measure does not reach it
  (attainment below 100 %, direction-aware), or that no review has measured yet;
- top priorities (score 3) with no decision at the latest review;
- late actions (due before the as-of date, not done) and blocked ones;
- cash below plan: the latest review that recorded cash found less than the planned
  cumulative balance at its period's end;
and when the next review is: the first day of the period after the as-of date's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .calc import reviews as review_calc
from .model import Plan, Status
from .results import compute
from .workbook.locale import client_locale
from .workbook.templates import Translations


@dataclass
class Brief:
    as_of: date
    next_review: date
    objectives_behind: list[tuple[str, float | None, float | None]] = field(
        default_factory=list)  # (title, latest measure, target)
    undecided: list[str] = field(default_factory=list)  # top priorities
    late: list[tuple[str, date | None]] = field(default_factory=list)  # (what, due)
    blocked: list[str] = field(default_factory=list)
    cash_below: tuple[str, float, float] | None = None  # (period, actual, planned)
    locale: str = "en-GB"  # how its numbers, amounts and dates are written
    currency: str = "EUR"

    @property
    def needs_decision(self) -> bool:
        return bool(self.objectives_behind or self.undecided or self.late or self.blocked
                    or self.cash_below)


def next_review(plan: Plan, as_of: date) -> date:
    """The first day of the first review period that starts after ``as_of``."""
    return review_calc.next_review(review_calc.plan_start(plan), plan.plan.review_cadence.months,
                                   as_of)


def review_brief(plan: Plan, as_of: date | None = None) -> Brief:
    as_of = as_of or plan.plan.as_of or date.today()
    results = compute(plan.model_copy(update={"plan": plan.plan.model_copy(
        update={"as_of": as_of})}))
    brief = Brief(as_of, next_review(plan, as_of), locale=client_locale(plan),
                  currency=plan.client.currency)
    for objective, year in zip(plan.objectives, results.objectives_year, strict=True):
        if objective.target is None:
            continue
        if (year.latest is None and plan.reviews) or year.achieved is False:
            brief.objectives_behind.append((objective.title, year.latest, objective.target))
    latest = max(plan.reviews, key=lambda r: r.date, default=None)
    decided = {d.priority for d in latest.decisions} if latest else set()
    brief.undecided = [p.title for p in plan.priorities if p.score == 3
                       and p.title not in decided]
    for action, result in zip(plan.actions, results.actions, strict=True):
        if result.late:
            brief.late.append((action.what, action.due))
        if action.status is Status.BLOCKED:
            brief.blocked.append(action.what)
    with_cash = [(r, v) for r, v in zip(plan.reviews, results.reviews, strict=True)
                 if r.cash is not None]
    if with_cash:
        held, cash = max(with_cash, key=lambda item: item[0].date)
        assert held.cash is not None
        if cash.cash_gap is not None and cash.cash_gap < 0:
            brief.cash_below = (held.period, held.cash, cash.planned)
    return brief


def brief_text(brief: Brief, words: Translations) -> str:
    """The brief as text, its numbers, amounts and dates as the plan's locale writes them."""
    from babel.dates import format_date
    from babel.numbers import format_currency, format_decimal

    tag = brief.locale.replace("-", "_")

    def number(value: float | None) -> str:
        return "-" if value is None else format_decimal(value, format="#,##0.##", locale=tag)

    def money(value: float) -> str:
        return format_currency(value, brief.currency, locale=tag)

    def day(value: date) -> str:
        return format_date(value, "medium", locale=tag)

    lines = [words.review("title", as_of=day(brief.as_of))]
    sections: list[tuple[str, list[str]]] = [
        ("objectives_behind", [words.review("objective_line", title=t, latest=number(v),
                                            target=number(g))
                               for t, v, g in brief.objectives_behind]),
        ("undecided", brief.undecided),
        ("late", [words.review("late_line", what=w, due=day(d) if d else "-")
                  for w, d in brief.late]),
        ("blocked", brief.blocked),
    ]
    if brief.cash_below:
        period, actual, planned = brief.cash_below
        sections.append(("cash_below", [words.review("cash_line", period=period,
                                                     actual=money(actual),
                                                     planned=money(planned))]))
    for key, items in sections:
        if items:
            lines.append(f"{words.review(key)} ({len(items)})")
            lines += [f"  - {item}" for item in items]
    if not brief.needs_decision:
        lines.append(words.review("nothing"))
    lines.append(words.review("next_review", date=day(brief.next_review)))
    return "\n".join(lines)


def brief_json(brief: Brief) -> dict[str, object]:
    return {
        "as_of": brief.as_of.isoformat(), "next_review": brief.next_review.isoformat(),
        "objectives_behind": [{"objective": t, "latest": v, "target": g}
                              for t, v, g in brief.objectives_behind],
        "priorities_without_decision": brief.undecided,
        "late_actions": [{"what": w, "due": d.isoformat() if d else None}
                         for w, d in brief.late],
        "blocked_actions": brief.blocked,
        "cash_below_plan": None if brief.cash_below is None else dict(zip(
            ("period", "actual", "planned"), brief.cash_below, strict=True)),
        "needs_decision": brief.needs_decision,
    }
