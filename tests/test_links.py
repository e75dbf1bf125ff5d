"""From objective to action: the method's links in the workbook, the five names checked by
LibreOffice against a computation written here from the issue's definitions, check's warnings
and errors, and the new blocks carried by export and new --from."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from tests.conftest import in_language
from xlplan import Plan, validate_plan
from xlplan.cli import main
from xlplan.engine.libreoffice import recalculate
from xlplan.engine.oracle import compare, defined_name_values, same
from xlplan.model import Language
from xlplan.next_year import next_year_plan
from xlplan.reader.check import check_workbook
from xlplan.reader.workbook import read_workbook
from xlplan.workbook import build_workbook, render_bytes

QUADRANTS = ("attack-sell", "attack-manage", "defend-sell", "defend-manage")


def linked_plan(language: str) -> dict[str, Any]:
    """A plan using every new field: custom categories, links from objective to action,
    risks, segments served, uses funding priorities; built to trip every definition."""
    return {
        "client": {"name": "Links & Co", "language": language, "currency": "EUR"},
        "plan": {"year": 2027, "as_of": "2027-03-31",
                 "categories": ["Rentabilité", "people", "Expérience client"]},
        "objectives": [
            {"title": "Grow", "category": "Rentabilité", "measure": "sales", "target": 100,
             "deadline": "2027-12-31", "why": "because", "owner": "Ann", "ambitious": True,
             "realistic": True},
            {"title": "Keep", "category": "people", "ambitious": True, "realistic": False}],
        "initiatives": [
            {"objective": "Grow", "title": "Partners", "measure": "partners", "target": 10,
             "actual": 4, "due": "2027-06-30", "owner": "Ann"},
            {"objective": "Grow", "title": "Ads", "target": 200, "actual": 250},
            {"objective": "Keep", "title": "Training", "target": 0, "actual": 3}],
        "priorities": [
            {"title": "A1", "quadrant": "attack-sell", "category": "Rentabilité", "score": 3,
             "cost": 1000, "objective": "Grow", "likelihood": 2, "urgency": 3, "ease": 3,
             "ambition": "realistic"},
            {"title": "A2", "quadrant": "attack-sell", "category": "people", "score": 3,
             "cost": 500, "urgency": 3, "ease": 3},
            {"title": "A3", "quadrant": "attack-sell", "category": "people", "score": 3,
             "cost": 0},
            {"title": "D1", "quadrant": "defend-manage", "category": "Expérience client",
             "score": 3, "cost": 5000, "objective": "Keep", "ambition": "ambitious"},
            {"title": "D2", "quadrant": "defend-manage", "category": "people", "score": 3,
             "cost": 100},
            {"title": "E1", "quadrant": "defend-sell", "category": "people", "score": 2,
             "urgency": 3, "ease": 3},
            {"title": "E2", "quadrant": "defend-sell", "category": "people", "score": 1,
             "urgency": 3, "ease": 3},
            {"title": "E3", "quadrant": "attack-manage", "category": "people", "score": 2,
             "urgency": 2, "ease": 3}],
        "risks": [
            {"title": "Fuel", "kind": "external", "likelihood": 3, "impact": 2},
            {"title": "Strike", "kind": "external", "likelihood": 3, "impact": 3,
             "mitigation": "two carriers"},
            {"title": "Key person", "kind": "internal", "likelihood": 2, "impact": 2},
            {"title": "Unscored"}],
        "segments": [
            {"name": "Big", "customers": 10, "margin": 1000, "retention": 0.8, "horizon": 5,
             "service": "dedicated", "channels": "visits", "ideal_efforts": "order early"},
            {"name": "Small", "customers": 100, "margin": 50, "retention": 0.5}],
        "funding": {"uses": [
            {"label": "Monthly for A1", "month": 10, "amount": 300, "monthly": True,
             "priority": "A1"},  # months 10-12: 900 < 1000, unfunded
            {"label": "Once for A2", "month": 2, "amount": 500, "priority": "A2"},
            {"label": "For D1", "month": 1, "amount": 6000, "priority": "D1"},
            {"label": "Not linked", "month": 1, "amount": 99999}]},
        "actions": [
            {"what": "Call partners", "who": "Ann", "priority": "A1", "initiative": "Partners",
             "segment": "Big"},
            {"what": "Orphan", "who": "Bob", "segment": "Big"}],
    }


def independent_names(data: dict[str, Any]) -> dict[str, int]:
    """The five names as the issue defines them, computed from the plan file's data."""
    uses = data["funding"]["uses"]

    def yearly(use: dict[str, Any]) -> float:
        return float(use["amount"]) * ((13 - use["month"]) if use.get("monthly") else 1)

    top = [p for p in data["priorities"] if p["score"] == 3]
    return {
        "UnfundedPriorities": sum(1 for p in top if p.get("cost", 0) > sum(
            yearly(u) for u in uses if u.get("priority") == p["title"])),
        "PrioritiesWithoutObjective": sum(1 for p in top if not p.get("objective")),
        "QuadrantsOverloaded": sum(1 for q in QUADRANTS
                                   if sum(p["quadrant"] == q for p in top) > 1),
        "HighRisks": sum(1 for r in data["risks"] if r.get("likelihood") and r.get("impact")
                         and r["likelihood"] * r["impact"] >= 6),
        "QuickWins": sum(1 for p in data["priorities"] if p["score"] in (2, 3)
                         and p.get("ease") == 3 and p.get("urgency") == 3),
    }


@pytest.fixture(scope="module")
def recalculated(soffice, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("links")
    (tmp / "in").mkdir()
    plans = {}
    for language in ("fr", "es", "en"):
        plan = validate_plan(linked_plan(language))
        plans[language] = plan
        (tmp / "in" / f"{language}.xlsx").write_bytes(render_bytes(plan))
    outputs = recalculate(sorted((tmp / "in").glob("*.xlsx")), tmp / "out")
    return {p.stem: (plans[p.stem], p) for p in outputs}


@pytest.mark.libreoffice
@pytest.mark.parametrize("language", ["fr", "es", "en"])
def test_the_five_names_equal_the_definitions_after_libreoffice(recalculated, language):
    """Every formula cell equals Python with no error cell, and the five names equal the
    issue's definitions computed independently here."""
    plan, path = recalculated[language]
    book = build_workbook(plan)
    assert not compare(path, book.expected)
    engine = defined_name_values(path, book.names)
    expected = independent_names(linked_plan(language))
    assert expected == {"UnfundedPriorities": 2, "PrioritiesWithoutObjective": 3,
                        "QuadrantsOverloaded": 2, "HighRisks": 2, "QuickWins": 3}
    for name, value in expected.items():
        assert same(value, engine[name]), (name, value, engine[name])


def _check(path: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check", str(path), "--format", "json"])
    return result.exit_code, result.stdout


def test_check_lists_each_warning_at_its_cell_and_exits_0(tmp_path):
    """Overloaded quadrant, priority without objective, action without priority, unfunded
    priority, unmitigated high risk, objective not judged: warnings, exit 0."""
    plan = validate_plan(linked_plan("en"))
    path = tmp_path / "links.xlsx"
    path.write_bytes(render_bytes(plan))
    book = check_workbook(path)
    warnings = [p for p in book.problems if p.is_warning]
    assert not [p for p in book.problems if not p.is_warning]
    wb = openpyxl.load_workbook(path)

    def at(problem_text: str) -> set[str]:
        return {p.cell for p in warnings if problem_text in p.message}

    def header(cell: str) -> Any:
        sheet, ref = cell.split("!")
        ws = wb[sheet]
        column = openpyxl.utils.cell.coordinate_from_string(ref)[0]
        for row in range(1, 60):
            value = ws[f"{column}{row}"].value
            if isinstance(value, str) and value in ("Objective served", "Cost", "Mitigation",
                                                    "Ambitious", "Priority"):
                return value
        return None

    assert len(at("serving no objective")) == 3
    assert {header(c) for c in at("serving no objective")} == {"Objective served"}
    assert len(at("not funded")) == 2 and {header(c) for c in at("not funded")} == {"Cost"}
    assert len(at("no mitigation")) == 1  # Fuel (6); Strike (9) has one; Key person is 4
    assert {header(c) for c in at("no mitigation")} == {"Mitigation"}
    assert len(at("quadrant")) >= 2  # two overloaded, and the empty ones
    assert len(at("top priorities in quadrant")) == 2
    assert len(at("not judged")) == 1 and {header(c) for c in at("not judged")} == {"Ambitious"}
    assert len(at("serving no priority")) == 1
    assert {header(c) for c in at("serving no priority")} == {"Priority"}
    code, out = _check(path)
    assert code == 0 and '"severity": "warning"' in out


def test_a_link_naming_nothing_is_an_error(tmp_path):
    """A priority naming an unknown objective (typed in Excel): an error at its cell, exit 1."""
    path = tmp_path / "links.xlsx"
    path.write_bytes(render_bytes(validate_plan(linked_plan("fr"))))
    wb = openpyxl.load_workbook(path)
    ws = wb[wb.sheetnames[3]]
    table = ws.tables["Priorities"]
    first_col, header_row = openpyxl.utils.cell.range_boundaries(table.ref)[:2]
    headers = {ws.cell(header_row, c).value: c for c in range(first_col, first_col + 30)}
    ws.cell(header_row + 2, headers["Objectif servi"], "Nulle part")
    wb.save(path)
    book = check_workbook(path)
    errors = [p for p in book.problems if not p.is_warning]
    assert [p.message for p in errors] == ["ne désigne aucun objectif (trouvé : 'Nulle part')"]
    assert errors[0].column == headers["Objectif servi"] and errors[0].row == header_row + 2
    assert _check(path)[0] == 1


@pytest.mark.parametrize("language", ["fr", "es", "en"])
def test_export_then_new_gives_the_same_plan(tmp_path, language):
    """Every new block (custom categories included) is read back as it was written."""
    plan = validate_plan(linked_plan(language))
    path = tmp_path / "links.xlsx"
    path.write_bytes(render_bytes(plan))
    back = read_workbook(path)
    assert back.plan == plan, [str(p) for p in back.problems]
    assert render_bytes(back.plan) == render_bytes(plan)


def test_categories_name_built_ins_in_any_case_or_language():
    """``People``, ``Humain``, ``people`` all name the built-in people category."""
    for label, language in (("People", "en"), ("Humain", "fr"), ("people", "es")):
        data = linked_plan(language)
        data["plan"]["categories"] = [label, "Mine"]
        data["objectives"] = [{"title": "X", "category": label}]
        data["priorities"] = [{"title": "P", "quadrant": "attack-sell", "category": "Mine",
                               "score": 1}]
        data.pop("funding")
        data["actions"] = []
        data["initiatives"] = []
        plan = validate_plan(data)
        assert plan.plan.categories == ["people", "Mine"]
        assert plan.objectives[0].category == "people"


def test_the_category_dropdowns_follow_the_categories_table():
    """Objective and priority categories take their list from the Categories table."""
    plan = validate_plan(linked_plan("en"))
    wb = openpyxl.load_workbook(io.BytesIO(render_bytes(plan)))
    assert wb.defined_names["List_categories_label"].attr_text == "Categories[Category]"
    formulas = {dv.formula1 for ws in wb.worksheets for dv in ws.data_validations.dataValidation}
    assert "List_categories_label" in formulas


def test_next_year_carries_the_links_that_still_hold():
    """Initiatives of kept objectives, risks and categories carry over; a link to what did
    not carry over is dropped, so the seeded plan is valid."""
    data = linked_plan("en")
    data["objectives"][0]["deadline"] = "2028-06-30"  # goes on next year: carried
    data["objectives"][1]["deadline"] = "2027-06-30"  # ends this year: not carried
    data["actions"][0]["status"] = "todo"
    data["actions"].append({"what": "Train", "who": "Ann", "priority": "D1",
                            "initiative": "Training"})
    nxt = next_year_plan(validate_plan(data))
    assert [o.title for o in nxt.objectives] == ["Grow"]
    assert [i.title for i in nxt.initiatives] == ["Partners", "Ads"]
    assert len(nxt.risks) == 4 and nxt.plan.categories == ["Rentabilité", "people",
                                                             "Expérience client"]
    by_title = {p.title: p for p in nxt.priorities}
    assert by_title["D1"].objective is None and by_title["A1"].objective == "Grow"
    train = next(a for a in nxt.actions if a.what == "Train")
    assert train.initiative is None
    validate_plan(nxt.model_dump(mode="json"))


def test_examples_in_every_language_read_back(example_plans):
    """The bundled examples (every new field among them) read back to themselves."""
    for name, plan in example_plans.items():
        for language in Language:
            localized: Plan = in_language(plan, language)
            wb = render_bytes(localized)
            path = Path(f"/tmp/xlplan-links-{name}-{language.value}.xlsx")
            path.write_bytes(wb)
            try:
                assert read_workbook(path).plan == localized, (name, language)
            finally:
                path.unlink()
