"""The worksheet functions: the core calculations' values, readable errors, and xlwings' own
registration accepting every one of them."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from udfs import functions as f
from xlplan import compute
from xlplan.calc import customers, funding

ROOT = Path(__file__).resolve().parent.parent
SIGNATURES = {
    "PLAN_LTV": ["margin", "retention", "discount_rate", "horizon", "acquisition_cost"],
    "PLAN_CUSTOMER_CAPITAL": ["segments"],
    "PLAN_KPI_STATUS": ["target", "actual", "direction", "amber_threshold", "lang"],
    "PLAN_KPI_GAP": ["target", "actual"],
    "PLAN_DECISION": ["score", "lang"],
    "PLAN_FUNDING_BALANCE": ["uses", "sources", "opening_cash"],
    "PLAN_FUNDING_CHECK": ["uses", "sources", "opening_cash", "lang"],
    "PLAN_SMART": ["objective", "lang"],
}


def segment_rows(plan):  # type: ignore[no-untyped-def]
    return [[s.name, s.customers, s.margin, s.retention, s.discount_rate, s.horizon,
             s.acquisition_cost] for s in plan.segments]


def funding_rows(lines, yes="Oui"):  # type: ignore[no-untyped-def]
    return [[line.label, line.month, line.amount, yes if line.monthly else "Non"]
            for line in lines]


def test_functions_give_the_core_values(example_plans):
    """Each function, fed the example's rows as Excel would pass them, equals Python."""
    plan = example_plans["boutique"]
    results = compute(plan)
    seg = plan.segments[0]
    assert f.PLAN_LTV(seg.margin, seg.retention, seg.discount_rate, seg.horizon,
                      seg.acquisition_cost) == customers.lifetime_value(
        seg.margin, seg.retention, seg.discount_rate, seg.horizon, seg.acquisition_cost)
    header = [["Segment", "Clients", "Marge", "Fidélité", "Taux", "Horizon", "Coût"]]
    assert f.PLAN_CUSTOMER_CAPITAL(header + segment_rows(plan) + [[None] * 7]) == (
        results.customer_capital)
    kpi = plan.kpis[3]  # Taux de retour, lower is better: 5 % target, 7 % actual
    assert f.PLAN_KPI_STATUS(kpi.target, kpi.actual, "Moins = mieux", 0.9, "fr") == "Rouge"
    assert f.PLAN_KPI_STATUS(10, 9.5) == "Amber"
    assert f.PLAN_KPI_STATUS(0, 0, "lower") == "Green"  # a zero target: by the actual's sign
    assert f.PLAN_KPI_STATUS(-10, -12) == "Red"  # a negative target does not invert
    for each, result in zip(plan.kpis, results.kpis, strict=True):  # as the bilan sheet says
        if each.actual is None:
            continue
        shown = f.PLAN_KPI_STATUS(each.target, each.actual, each.direction.value, 0.9)
        assert shown == ("" if result.status is None else result.status.value.capitalize())
    assert f.PLAN_KPI_GAP(kpi.target, kpi.actual) == results.kpis[3].gap
    assert [f.PLAN_DECISION(s, "es") for s in (3, 2, 1, 0)] == [
        "Prioritaria", "A evaluar", "En espera", "Descartada"]
    uses, sources = funding_rows(plan.funding.uses), funding_rows(plan.funding.sources)
    balance = f.PLAN_FUNDING_BALANCE(uses, sources, plan.plan.opening_cash)
    assert balance == [list(results.funding.cumulative)]
    assert f.PLAN_FUNDING_CHECK(uses, sources, plan.plan.opening_cash) == (
        "fundable: lowest balance 2,500 in month 4")
    short = funding.funding_plan(0, plan.funding.uses, plan.funding.sources)
    month = short.first_negative_month
    assert f.PLAN_FUNDING_CHECK(uses, sources, 0, "fr") == (
        f"non finançable : solde {short.cumulative[month - 1]:,.0f} au mois {month}".replace(
            ",", "\u202f"))
    objective = plan.objectives[2]  # Réduire les retours: no target, no why
    row = [[objective.title, "Processus", objective.measure, None, objective.deadline, None,
            objective.owner]]
    assert f.PLAN_SMART(row, "fr") == "M pourquoi"


@pytest.mark.parametrize(("call", "message"), [
    (lambda: f.PLAN_LTV("beaucoup", 0.5, 0.1), "margin must be a number (got 'beaucoup')"),
    (lambda: f.PLAN_LTV(100, 1.5, 0, 3), "retention: must be <= 1.0 (got 1.5)"),
    (lambda: f.PLAN_LTV(100, 1, 0), "the lifetime value is infinite"),
    (lambda: f.PLAN_DECISION(5), "score must be 0, 1, 2 or 3 (got 5)"),
    (lambda: f.PLAN_KPI_STATUS(1, 2, "sideways"), "'sideways' is not one of higher, lower"),
    (lambda: f.PLAN_KPI_GAP(None, 2), "target is required"),
    (lambda: f.PLAN_FUNDING_CHECK([["CRM", 13, 50, "Oui"]], None), "uses row 1: month: must "
     "be <= 12 (got 13)"),
    (lambda: f.PLAN_CUSTOMER_CAPITAL([["A", "many", 1, 0.5, 0, 3, 0]]),
     "segment row 1: customers: must be a whole number"),
    (lambda: f.PLAN_DECISION(3, "de"), "language must be fr, es or en (got 'de')"),
])
def test_bad_arguments_give_a_readable_message(call, message):
    """A bad argument shows what is wrong in the cell, never a traceback."""
    result = call()
    assert isinstance(result, str) and result.startswith("#xlplan: ")
    assert message in result


def test_xlwings_registration_accepts_every_function_and_writes_its_vba():
    """xlwings.udfs (COM modules doubled) records each function with its documented
    arguments, and writes a VBA wrapper per function with the right name and arguments."""
    run = subprocess.run([sys.executable, str(ROOT / "tests" / "xlwings_windows_double.py")],
                         capture_output=True, text=True, cwd=ROOT, check=True)
    report = json.loads(run.stdout)
    assert set(report["functions"]) == set(SIGNATURES) == set(f.__all__)
    for name, expected in SIGNATURES.items():
        info = report["functions"][name]
        assert [a["name"] for a in info["args"]] == expected
        assert info["doc"] and all(not a["doc"].startswith("Positional argument")
                                   for a in info["args"]), name
        required = [a["name"] for a in info["args"] if not a["optional"]]
        optional = [a["name"] for a in info["args"] if a["optional"]]
        signature = ", ".join(required + [f"Optional {o}" for o in optional])
        assert f"Function {name}({signature})" in report["vba"]
        assert re.search(rf'XLPy\.CallUDF\("udfs\.functions", "{name}", Array\('
                         rf'{", ".join(expected)}\), ActiveWorkbook', report["vba"])
