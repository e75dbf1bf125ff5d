"""xlplan's worksheet functions for Excel (xlwings, open-source part only).

Each is a thin wrapper over ``xlplan.calc``, the same calculations the generated workbook's
native formulas mirror. A bad argument gives ``#xlplan: ...`` in the cell, never a traceback.
Only ``xlwings.func``, ``arg`` and ``ret`` are used: no ``xlwings.pro``, no ``xlwings.server``.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from xlplan.calc import customers, funding, kpis, objectives, priorities
from xlplan.model import Direction, FundingLine, Objective, Segment
from xlplan.workbook.templates import input_keys, translations

from ._ranges import code, language, number, readable_errors, records, validated
from ._xlwings import decorators

if TYPE_CHECKING:
    import xlwings as xw
else:
    xw = decorators()  # xlwings where its decorators register the functions, else no-ops

# A range "laid out like a table" holds the table's input columns in the table's order, as
# sheets.yaml declares them (the one binding): a column added there is a column read here.
# Read at the first call that needs them, not at import (the sheet specs take a while).
_TABLES = {"SEGMENT_COLUMNS": "segments", "FUNDING_COLUMNS": "uses",
           "OBJECTIVE_COLUMNS": "objectives"}


@functools.cache
def _columns(table: str) -> tuple[str, ...]:
    return input_keys(table)


def __getattr__(name: str) -> Any:
    if name in _TABLES:
        return _columns(_TABLES[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["PLAN_CUSTOMER_CAPITAL", "PLAN_DECISION", "PLAN_FUNDING_BALANCE",
           "PLAN_FUNDING_CHECK", "PLAN_KPI_GAP", "PLAN_KPI_STATUS", "PLAN_LTV", "PLAN_SMART"]


@xw.func
@xw.arg("margin", doc="Yearly margin per customer")
@xw.arg("retention", doc="Share of customers kept each year, 0 to 1")
@xw.arg("discount_rate", doc="Yearly discount rate, e.g. 0.1")
@xw.arg("horizon", doc="Years of customer life; empty for an unbounded life")
@xw.arg("acquisition_cost", doc="What acquiring one customer costs; empty for 0")
@readable_errors
def PLAN_LTV(margin: Any, retention: Any, discount_rate: Any, horizon: Any = None,
             acquisition_cost: Any = None) -> float:
    """Customer lifetime value: discounted margin over the customer's life, less the
    acquisition cost (q = retention / (1 + discount_rate))."""
    segment = validated(Segment, {
        "name": "PLAN_LTV", "customers": 1, "margin": number(margin, "margin"),
        "retention": number(retention, "retention"),
        "discount_rate": number(discount_rate, "discount_rate", 0.0),
        "horizon": None if horizon in (None, "") else _whole(horizon, "horizon"),
        "acquisition_cost": number(acquisition_cost, "acquisition_cost", 0.0)}, "arguments")
    return customers.lifetime_value(segment.margin, segment.retention, segment.discount_rate,
                                    segment.horizon, segment.acquisition_cost)


def _whole(value: Any, name: str) -> int:
    amount = number(value, name)
    if not amount.is_integer():
        raise ValueError(f"{name} must be a whole number of years (got {value!r})")
    return int(amount)


@xw.func
@xw.arg("segments", ndim=2, doc="A range laid out like the Segments table (header optional)")
@readable_errors
def PLAN_CUSTOMER_CAPITAL(segments: Any) -> float:
    """Customer capital: the sum over segments of customers x lifetime value."""
    rows = records(segments, _columns("segments"), Segment, "segments", what="segment row")
    return customers.customer_capital([
        s.customers * customers.lifetime_value(s.margin, s.retention, s.discount_rate,
                                               s.horizon, s.acquisition_cost) for s in rows])


@xw.func
@xw.arg("target", doc="The KPI's target")
@xw.arg("actual", doc="The KPI's actual value")
@xw.arg("direction", doc="higher or lower (is better), in any language; empty for higher")
@xw.arg("amber_threshold", doc="Attainment from which the KPI is amber; empty for 0.9")
@xw.arg("lang", doc="Language of the answer: fr, es or en; empty for en")
@readable_errors
def PLAN_KPI_STATUS(target: Any, actual: Any, direction: Any = None,
                    amber_threshold: Any = None, lang: Any = None) -> str:
    """Traffic light of a KPI, as the bilan sheet gives it: from the relative gap to target
    (green on or past it, amber within the threshold, else red; a zero target by the
    actual's sign). Empty when it cannot be computed."""
    status = kpis.kpi_status(number(target, "target"), number(actual, "actual"),
                             Direction(code("direction", direction, "higher")),
                             number(amber_threshold, "amber_threshold", 0.9))
    return "" if status is None else translations(language(lang)).choice("kpi_status",
                                                                         status.value)


@xw.func
@xw.arg("target", doc="The KPI's target")
@xw.arg("actual", doc="The KPI's actual value")
@readable_errors
def PLAN_KPI_GAP(target: Any, actual: Any) -> float:
    """Gap of a KPI: actual - target."""
    gap = kpis.gap(number(target, "target"), number(actual, "actual"))
    assert gap is not None
    return gap


@xw.func
@xw.arg("score", doc="The idea's score: 3, 2, 1 or 0")
@xw.arg("lang", doc="Language of the answer: fr, es or en; empty for en")
@readable_errors
def PLAN_DECISION(score: Any, lang: Any = None) -> str:
    """What a 3/2/1/0 score means: top priority, evaluate, on hold, discarded."""
    value = number(score, "score")
    if not value.is_integer():
        raise ValueError(f"score must be 0, 1, 2 or 3 (got {score!r})")
    decision = priorities.decision(int(value))
    return translations(language(lang)).choice("decision", decision.value)


def _monthly(row: dict[str, Any]) -> dict[str, Any]:
    """A funding row's yes/no label (in any language) as true or false."""
    if "monthly" in row and not isinstance(row["monthly"], bool):
        row["monthly"] = code("yesno", row["monthly"], "no") == "yes"
    return row


def _funding_lines(rows: Any, what: str) -> list[FundingLine]:
    return records(rows, _columns("uses"), FundingLine, "funding_line", _monthly, what=what)


def _funding(uses: Any, sources: Any, opening_cash: Any) -> funding.FundingPlan:
    return funding.funding_plan(number(opening_cash, "opening_cash", 0.0),
                                _funding_lines(uses, "uses row"),
                                _funding_lines(sources, "sources row"))


@xw.func
@xw.arg("uses", ndim=2, doc="A range laid out like the Uses table (label, month, amount, "
        "monthly)")
@xw.arg("sources", ndim=2, doc="A range laid out like the Sources table")
@xw.arg("opening_cash", doc="Cash at the start of the year; empty for 0")
@readable_errors
def PLAN_FUNDING_BALANCE(uses: Any, sources: Any, opening_cash: Any = None) -> list[list[float]]:
    """The cumulative cash balance of months 1 to 12, as a row: a plain list that Excel
    spills (no legacy array resize over the neighbouring cells)."""
    return [list(_funding(uses, sources, opening_cash).cumulative)]


@xw.func
@xw.arg("uses", ndim=2, doc="A range laid out like the Uses table")
@xw.arg("sources", ndim=2, doc="A range laid out like the Sources table")
@xw.arg("opening_cash", doc="Cash at the start of the year; empty for 0")
@xw.arg("lang", doc="Language of the answer: fr, es or en; empty for en")
@readable_errors
def PLAN_FUNDING_CHECK(uses: Any, sources: Any, opening_cash: Any = None,
                       lang: Any = None) -> str:
    """Can the plan be funded? e.g. "not fundable: balance -4,200 in month 3"."""
    plan = _funding(uses, sources, opening_cash)
    words = translations(language(lang))
    month = plan.first_negative_month
    if month is None:
        low = min(range(12), key=lambda m: plan.cumulative[m])
        return words.udf("fundable", balance=words.amount(plan.cumulative[low]),
                         month=low + 1)
    return words.udf("not_fundable", balance=words.amount(plan.cumulative[month - 1]), month=month)


@xw.func
@xw.arg("objective", ndim=2, doc="A row laid out like the Objectives table: title, "
        "category, measure, target, deadline, why, owner")
@xw.arg("lang", doc="Language of the answer: fr, es or en; empty for en")
@readable_errors
def PLAN_SMART(objective: Any, lang: Any = None) -> str:
    """Which SMART elements an objective lacks (S, M, T, why, owner), or OK."""
    rows = records(objective, _columns("objectives"), Objective, "objectives", _category,
                   what="objective row")
    if len(rows) != 1:
        raise ValueError(f"give one objective row (got {len(rows)})")
    words = translations(language(lang))
    missing = objectives.missing_smart(rows[0])
    shown = [words.choice("smart", m) if m in ("why", "owner") else m for m in missing]
    return " ".join(shown) or words.choice("smart", "complete")


def _category(row: dict[str, Any]) -> dict[str, Any]:
    """An objective row's category label (in any language) as its code."""
    if "category" in row:
        row["category"] = code("category", row["category"], "financial")
    return row
