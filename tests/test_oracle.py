"""The oracle: LibreOffice recalculates every generated workbook, and every formula cell and
every defined name must hold the value the Python calculations give, with no error cell."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.conftest import in_language
from tests.strategies import plans
from xlplan import Plan, compute, validate_plan
from xlplan.engine.libreoffice import recalculate
from xlplan.engine.oracle import compare, defined_name_values, same
from xlplan.model import Language
from xlplan.workbook import BuiltWorkbook, build_workbook, render_bytes

pytestmark = pytest.mark.libreoffice

REQUIRED_NAMES = ("AsOfDate", "OpeningCash", "KpisOnTarget", "CustomerCapital",
                  "RetainedPriorities", "TotalUses", "TotalSources", "FundingGap",
                  "MinCumulativeBalance", "FundingOK", "ActionsCompletion", "LateActions",
                  "UnfundedPriorities", "PrioritiesWithoutObjective", "QuadrantsOverloaded",
                  "HighRisks", "QuickWins", "ReviewsHeld", "AbandonedPriorities",
                  "ObjectivesAchieved", "LatestReviewDate")


def recalc_all(plans_by_name: dict[str, Plan], tmp: Path) -> dict[str, tuple[BuiltWorkbook, Path]]:
    """Generate each plan's workbook, recalculate them all in one LibreOffice run."""
    src = tmp / "generated"
    src.mkdir()
    built = {}
    for name, plan in plans_by_name.items():
        (src / f"{name}.xlsx").write_bytes(render_bytes(plan))
        built[name] = build_workbook(plan)
    outputs = recalculate(sorted(src.glob("*.xlsx")), tmp / "recalculated")
    return {p.stem: (built[p.stem], p) for p in outputs}


def check(plan: Plan, book: BuiltWorkbook, path: Path) -> None:
    problems = compare(path, book.expected)
    assert not problems, "\n".join(problems[:30])
    engine = defined_name_values(path, book.names)
    python = compute(plan).defined_names()
    for name in REQUIRED_NAMES:
        assert name in engine, f"defined name {name} missing"
        assert same(python[name], engine[name]), (
            f"{name}: python {python[name]!r} != engine {engine[name]!r}")


@pytest.fixture(scope="module")
def examples_recalculated(example_plans, soffice, tmp_path_factory):
    plans_by_name = {f"{stem}-{lang.value}": in_language(plan, lang)
                     for stem, plan in example_plans.items() for lang in Language}
    plans_by_name["empty-es"] = validate_plan(
        {"client": {"name": "Vacía", "language": "es"}, "plan": {"year": 2027,
                                                                  "as_of": "2027-03-31"}})
    return plans_by_name, recalc_all(plans_by_name, tmp_path_factory.mktemp("examples"))


@pytest.mark.parametrize("stem", ["boutique", "andina", "northwind"])
@pytest.mark.parametrize("language", [lang.value for lang in Language])
def test_examples_match_python_in_every_language(examples_recalculated, stem, language):
    """Each bundled example, in each language, recalculated by LibreOffice, equals Python."""
    plans_by_name, results = examples_recalculated
    name = f"{stem}-{language}"
    book, path = results[name]
    assert len(book.expected) > 300
    check(plans_by_name[name], book, path)


def test_empty_plan_has_no_error_cells(examples_recalculated):
    """A plan with no rows anywhere: every total is 0, nothing divides by zero."""
    plans_by_name, results = examples_recalculated
    book, path = results["empty-es"]
    check(plans_by_name["empty-es"], book, path)
    assert defined_name_values(path, book.names)["ActionsCompletion"] == 0


def test_today_is_used_when_the_plan_has_no_as_of(examples_recalculated):
    """Northwind has no as_of: AsOfDate is =TODAY(), and LibreOffice's today is Python's."""
    _, results = examples_recalculated
    book, path = results["northwind-en"]
    engine = defined_name_values(path, book.names)
    assert engine["AsOfDate"].date() == date.today()


@settings(max_examples=3, deadline=None, derandomize=True,
          phases=[Phase.explicit, Phase.reuse, Phase.generate],  # a shrink step = a LibreOffice run
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(plans(), min_size=6, max_size=6))
def test_random_plans_match_python(soffice, tmp_path_factory, batch):
    """Generated plans (hostile text, zero targets, q = 1, empty lists...) agree with Python."""
    tmp = tmp_path_factory.mktemp("random")
    results = recalc_all({f"plan{i}": p for i, p in enumerate(batch)}, tmp)
    for index, plan in enumerate(batch):
        book, path = results[f"plan{index}"]
        check(plan, book, path)


def big_plan(seed: int = 7) -> Plan:
    rng = random.Random(seed)
    quadrants = ["attack-sell", "attack-manage", "defend-sell", "defend-manage"]
    categories = ["financial", "customer", "process", "technology"]
    titles = [f"Priority {i}" for i in range(300)]
    data = {
        "client": {"name": "Big Co", "language": "fr"},
        "plan": {"year": 2027, "as_of": date(2027, 6, 30), "opening_cash": 50_000.0},
        "kpis": [{"name": f"KPI {i}", "target": float(rng.randint(1, 10_000)),
                  "actual": float(rng.randint(0, 12_000)),
                  "direction": rng.choice(["higher", "lower"])} for i in range(200)],
        "priorities": [{"title": t, "quadrant": rng.choice(quadrants),
                        "category": rng.choice(categories), "score": rng.randint(0, 3),
                        "impact": float(rng.randint(0, 100_000)),
                        "cost": float(rng.randint(0, 50_000))} for t in titles],
        "segments": [{"name": f"Segment {i}", "customers": rng.randint(1, 500),
                      "margin": float(rng.randint(10, 5000)), "retention": rng.random(),
                      "discount_rate": 0.1, "horizon": rng.choice([None, 3, 5])}
                     for i in range(20)],
        "funding": {"uses": [{"label": f"Use {i}", "month": rng.randint(1, 12),
                              "amount": float(rng.randint(0, 9000)),
                              "monthly": rng.random() < 0.2} for i in range(60)],
                    "sources": [{"label": f"Source {i}", "month": rng.randint(1, 12),
                                 "amount": float(rng.randint(0, 9000)),
                                 "monthly": rng.random() < 0.2} for i in range(60)]},
        "actions": [{"what": f"Action {i}", "who": f"P{i % 17}",
                     "start": date(2027, 1, 1 + i % 28), "due": date(2027, 1 + i % 12, 28),
                     "priority": rng.choice(titles),
                     "status": rng.choice(["todo", "in_progress", "done", "blocked"])}
                    for i in range(1000)],
    }
    return validate_plan(data, "big")


def test_large_plan_recalculates_to_python_values(soffice, tmp_path):
    """200 KPIs, 300 priorities and 1,000 actions: every value equal to Python's."""
    plan = big_plan()
    book, path = recalc_all({"big": plan}, tmp_path)["big"]
    assert len(book.expected) >= 4 * 200 + 5 * 300 + 2 * 1000
    check(plan, book, path)
