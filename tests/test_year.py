"""The year: reviews by period, the latest measure and decision, cash against the plan, the
four names checked by LibreOffice against the issue's definitions, check's period rules, and
next year seeded from a reviewed workbook."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import openpyxl
import pytest
import yaml
from click.testing import CliRunner

from xlplan import compute, validate_plan
from xlplan.cli import main
from xlplan.engine.libreoffice import recalculate
from xlplan.engine.oracle import compare, defined_name_values, same
from xlplan.reader.check import check_workbook
from xlplan.reader.workbook import read_workbook
from xlplan.workbook import build_workbook, render_bytes


def reviewed_plan(language: str, cadence: str = "quarterly") -> dict[str, Any]:
    """Reviews in any order, a start month other than January, an objective where lower is
    better, a review with no cash, two decisions on one priority at one review."""
    first, second = ("Q1", "Q2") if cadence == "quarterly" else ("S1", "S2")
    return {
        "client": {"name": "Year & Co", "language": language},
        "plan": {"year": 2027, "as_of": "2027-12-15", "start_month": "2027-04",
                 "review_cadence": cadence, "opening_cash": 1000},
        "objectives": [
            {"title": "Sell more", "measure": "sales", "target": 500},
            {"title": "Fewer returns", "measure": "returns %", "target": 0.05,
             "direction": "lower"},
            {"title": "Unmeasured", "target": 10},
            {"title": "No target"}],
        "priorities": [
            {"title": "Loyalty", "quadrant": "defend-sell", "category": "customer", "score": 3},
            {"title": "Shop", "quadrant": "attack-sell", "category": "customer", "score": 3},
            {"title": "Someday", "quadrant": "attack-manage", "category": "process", "score": 1},
            {"title": "Never", "quadrant": "defend-manage", "category": "process", "score": 1}],
        "funding": {"uses": [{"label": "Rent", "month": 1, "amount": 100, "monthly": True}],
                    "sources": [{"label": "Sale", "month": 4, "amount": 2000}]},
        "actions": [{"what": "Open on Never", "who": "Ann", "priority": "Never"},
                    {"what": "Open on Shop", "who": "Ann", "priority": "Shop"}],
        "reviews": [
            {"period": second, "date": "2027-10-10", "cash": 2500,
             "objectives": {"Sell more": 520, "Fewer returns": 0.04},
             "decisions": [{"priority": "Shop", "decision": "abandon"},
                           {"priority": "Never", "decision": "abandon", "note": "no budget"},
                           {"priority": "Shop", "decision": "keep", "note": "second thought"}]},
            {"period": first, "date": "2027-07-08",
             "objectives": {"Sell more": 140, "Fewer returns": 0.07, "No target": 3},
             "decisions": [{"priority": "Loyalty", "decision": "modify"},
                           {"priority": "Someday", "decision": "done"}]}],
    }


def independent_names(data: dict[str, Any]) -> dict[str, Any]:
    """The four names as the issue defines them, from the plan file's data."""
    reviews = sorted(enumerate(data["reviews"]), key=lambda item: (item[1]["date"], item[0]))
    latest_value: dict[str, float] = {}
    latest_decision: dict[str, str] = {}
    for _, review in reviews:
        latest_value.update(review.get("objectives", {}))
        for decision in review.get("decisions", []):
            latest_decision[decision["priority"]] = decision["decision"]
    achieved = 0
    for objective in data["objectives"]:
        value, target = latest_value.get(objective["title"]), objective.get("target")
        if value is None or target is None:
            continue
        lower = objective.get("direction") == "lower"
        achieved += (value <= target) if lower else (value >= target)
    return {"ReviewsHeld": len(data["reviews"]),
            "AbandonedPriorities": sum(d == "abandon" for d in latest_decision.values()),
            "ObjectivesAchieved": achieved,
            "LatestReviewDate": date.fromisoformat(max(r["date"] for r in data["reviews"]))}


@pytest.fixture(scope="module")
def recalculated(soffice, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("year")
    (tmp / "in").mkdir()
    plans = {}
    for language, cadence in (("fr", "quarterly"), ("es", "semiannual"), ("en", "quarterly")):
        plan = validate_plan(reviewed_plan(language, cadence))
        plans[language] = (plan, reviewed_plan(language, cadence))
        (tmp / "in" / f"{language}.xlsx").write_bytes(render_bytes(plan))
    outputs = recalculate(sorted((tmp / "in").glob("*.xlsx")), tmp / "out")
    return {p.stem: (*plans[p.stem], p) for p in outputs}


@pytest.mark.libreoffice
@pytest.mark.parametrize("language", ["fr", "es", "en"])
def test_the_four_names_equal_the_definitions_after_libreoffice(recalculated, language):
    """Every formula equals Python with no error cell; the four names equal the issue's
    definitions computed here (the latest by date, whatever the order typed)."""
    plan, data, path = recalculated[language]
    book = build_workbook(plan)
    assert not compare(path, book.expected)
    engine = defined_name_values(path, book.names)
    expected = independent_names(data)
    assert expected == {"ReviewsHeld": 2, "AbandonedPriorities": 1, "ObjectivesAchieved": 2,
                        "LatestReviewDate": date(2027, 10, 10)}
    for name, value in expected.items():
        assert same(value, engine[name]), (name, value, engine[name])


def test_no_review_leaves_the_latest_date_empty():
    """LatestReviewDate is empty when no review was held (the oracle recalculates the
    examples, boutique among them with no review, and finds the cell empty)."""
    data = reviewed_plan("en")
    data["reviews"] = []
    assert compute(validate_plan(data)).defined_names()["LatestReviewDate"] is None


@pytest.mark.parametrize("language", ["fr", "es", "en"])
def test_reviews_read_back_as_written(tmp_path, language):
    """Reviews, their measures and decisions come back from the three tables, in order."""
    plan = validate_plan(reviewed_plan(language))
    path = tmp_path / "year.xlsx"
    path.write_bytes(render_bytes(plan))
    back = read_workbook(path)
    assert back.plan == plan, [str(p) for p in back.problems]


def test_check_knows_the_periods(tmp_path):
    """A value measured for a period that has not started is an error at its cell; an
    abandoned priority with an open action is a warning at the action."""
    data = reviewed_plan("en")
    data["plan"]["as_of"] = "2027-08-01"  # Q2 (from July) started; Q3 (from October) not
    data["reviews"][0]["period"] = "Q3"
    path = tmp_path / "year.xlsx"
    path.write_bytes(render_bytes(validate_plan(data)))
    book = check_workbook(path)
    errors = [p for p in book.problems if not p.is_warning]
    assert len(errors) == 2 and all("Q3" in p.message for p in errors)
    wb = openpyxl.load_workbook(path)
    measures = wb["Reviews"].tables["Measures"]
    first_col = openpyxl.utils.cell.range_boundaries(measures.ref)[0]
    assert {p.column for p in errors} == {first_col + 2}  # the Measured column
    warnings = [p.message for p in book.problems if p.is_warning]
    assert any("abandoned priority Never" in m for m in warnings)
    assert not any("abandoned priority Shop" in m for m in warnings)  # kept at last


def test_a_decision_on_an_unknown_priority_is_an_error():
    """Plan file: the decision names no priority."""
    data = reviewed_plan("en")
    data["reviews"][0]["decisions"].append({"priority": "Ghost", "decision": "keep"})
    with pytest.raises(Exception, match=r"reviews\[0\]\.decisions\[3\]\.priority"):
        validate_plan(data)


def test_new_from_a_reviewed_workbook(tmp_path):
    """The bilan is last year's objectives with their latest values; on-hold ideas carry with
    score 1, abandoned and done ones do not; opening cash is the latest review's cash."""
    last = tmp_path / "last.xlsx"
    last.write_bytes(render_bytes(validate_plan(reviewed_plan("en"))))
    runner = CliRunner()
    result = runner.invoke(main, ["new", "--from", str(last), "-o", str(tmp_path / "next.xlsx")])
    assert result.exit_code == 0, result.output
    assert "review of 2027-10-10" in result.output
    result = runner.invoke(main, ["export", str(tmp_path / "next.xlsx"), "-o", "-"])
    nxt = yaml.safe_load(result.stdout)
    kpis = {k["name"]: k for k in nxt["kpis"]}
    assert kpis["Sell more"]["actual"] == 520 and kpis["Sell more"]["target"] == 500
    assert kpis["Fewer returns"]["direction"] == "lower" and kpis["Fewer returns"]["actual"] == 0.04
    assert "actual" not in kpis["Unmeasured"] or kpis["Unmeasured"]["actual"] is None
    assert "No target" not in kpis
    titles = {p["title"]: p["score"] for p in nxt["priorities"]}
    assert titles.get("Someday") is None  # done at the Q1 review
    assert "Never" not in titles  # abandoned
    assert titles == {"Shop": 3}  # kept at last, and served by an open action
    assert nxt["plan"]["opening_cash"] == 2500 and nxt["plan"]["start_month"] == "2028-04"
    assert nxt["reviews"] == [] and [a["what"] for a in nxt["actions"]] == ["Open on Shop"]


def test_new_from_without_review_cash_takes_the_planned_balance(tmp_path):
    """No review recorded the cash: the planned year-end balance, and the message says so."""
    data = reviewed_plan("en")
    for review in data["reviews"]:
        review.pop("cash", None)
    data["priorities"][2]["title"] = "Kept on hold"
    data["reviews"][1]["decisions"] = []
    last = tmp_path / "last.xlsx"
    last.write_bytes(render_bytes(validate_plan(data)))
    result = CliRunner().invoke(main, ["new", "--from", str(last), "-o",
                                       str(tmp_path / "next.xlsx")])
    assert "planned year-end balance" in result.output
    nxt = read_workbook(tmp_path / "next.xlsx").plan
    assert nxt is not None
    assert {p.title: p.score for p in nxt.priorities}["Kept on hold"] == 1
    assert nxt.plan.opening_cash == pytest.approx(1000 + 2000 - 1200)


def test_month_headers_follow_the_start_month(tmp_path):
    """Funding months 1-12 count from start_month: each header shows the real month."""
    from xlplan.workbook.templates import translations

    plan = validate_plan(reviewed_plan("fr"))  # starts 2027-04
    wb = openpyxl.load_workbook(io.BytesIO(render_bytes(plan)))
    words = translations("fr")
    ws = wb[words.sheet("funding")]
    headers = [c.value for row in ws.iter_rows() for c in row
               if isinstance(c.value, str) and c.value.endswith(("2027", "2028"))
               and c.column > 1]
    assert headers[0] == f"{words.month(4)} 2027" and headers[9] == f"{words.month(1)} 2028"
    assert len(headers) == 12


def test_a_start_month_excel_made_a_date_reads_back(tmp_path):
    """Excel turns 2027-04 typed in a cell into a date: it is read as the month it is."""
    from datetime import datetime

    plan = validate_plan(reviewed_plan("en"))
    path = tmp_path / "year.xlsx"
    path.write_bytes(render_bytes(plan))
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    cell = next(c for row in ws.iter_rows(max_col=2) for c in row if c.value == "2027-04")
    cell.value = datetime(2027, 4, 1)
    wb.save(path)
    back = read_workbook(path)
    assert back.plan is not None and back.plan.plan.start_month == "2027-04"


def test_review_brief_lists_what_needs_a_decision(tmp_path):
    """Each late action, each objective behind plan, the top priorities with no decision at
    the latest review, cash below plan; exit 1; JSON says the same."""
    data = reviewed_plan("en")
    data["actions"] += [
        {"what": "Late one", "who": "Bo", "due": "2027-11-30"},
        {"what": "Late two", "who": "Bo", "due": "2027-06-01", "status": "in_progress"},
        {"what": "Done late", "who": "Bo", "due": "2027-06-01", "status": "done"},
        {"what": "Stuck", "who": "Bo", "status": "blocked"}]
    data["reviews"][0]["cash"] = -500  # below the planned balance
    path = tmp_path / "year.xlsx"
    path.write_bytes(render_bytes(validate_plan(data)))
    result = CliRunner().invoke(main, ["review", str(path), "--format", "json"])
    assert result.exit_code == 1, result.output
    import json

    brief = json.loads(result.stdout)
    assert [a["what"] for a in brief["late_actions"]] == ["Late one", "Late two"]
    assert brief["blocked_actions"] == ["Stuck"]
    assert [o["objective"] for o in brief["objectives_behind"]] == ["Unmeasured"]
    assert brief["priorities_without_decision"] == ["Loyalty"]  # Shop decided on 10-10
    assert brief["cash_below_plan"]["period"] == "Q2"
    assert brief["next_review"] == "2028-01-01"
    text = CliRunner().invoke(main, ["review", str(path), "--as-of", "2027-12-31"])
    assert "Late one (due 30 Nov 2027)" in text.stdout and "Unmeasured" in text.stdout
    assert "-€500.00 against €2,400.00 planned" in text.stdout  # in the plan's locale


def test_review_of_a_plan_on_track_exits_0(tmp_path):
    """Nothing behind, nothing late, every top priority decided: exit 0."""
    data = reviewed_plan("es")
    data["objectives"] = data["objectives"][:2]
    del data["reviews"][1]["objectives"]["No target"]
    data["reviews"][0]["decisions"].append({"priority": "Loyalty", "decision": "keep"})
    data["actions"] = []
    path = tmp_path / "year.xlsx"
    path.write_bytes(render_bytes(validate_plan(data)))
    result = CliRunner().invoke(main, ["review", str(path)])
    assert result.exit_code == 0, result.output
    assert "Nada espera una decisión." in result.stdout


def test_consolidate_shows_the_review_status_and_totals_per_currency(tmp_path):
    """Per client: latest review's date and period, whether the next review is overdue,
    objectives achieved, priorities abandoned; customer capital summed per currency."""
    from xlplan.batch.portfolio import COLUMNS, consolidate

    folder = tmp_path / "clients"
    folder.mkdir()
    on_time = reviewed_plan("en")  # Q2 reviewed 2027-10-10; Q3 ends 2028-01-01
    late = reviewed_plan("en")
    late["client"].update(name="Late Ltd", currency="GBP")
    late["reviews"] = late["reviews"][1:]  # only Q1: Q2 ended 2027-10-01, as of 2027-12-15
    for name, data in (("on_time", on_time), ("late", late)):
        data["segments"] = [{"name": "All", "customers": 10, "margin": 100, "retention": 0.5}]
        (folder / f"{name}.xlsx").write_bytes(render_bytes(validate_plan(data)))
    out = tmp_path / "portfolio.xlsx"
    assert consolidate(folder, out, workers=1, progress=False) == (2, 0)
    wb = openpyxl.load_workbook(out)
    rows = {r[1]: dict(zip(COLUMNS, r, strict=True))
            for r in wb.worksheets[0].iter_rows(min_row=2, values_only=True)}
    assert rows["on_time.xlsx"]["latest_period"] == "Q2"
    assert rows["on_time.xlsx"]["latest_review"].date() == date(2027, 10, 10)
    assert rows["on_time.xlsx"]["review_overdue"] is False
    assert rows["late.xlsx"]["latest_period"] == "Q1" and rows["late.xlsx"]["review_overdue"]
    assert rows["on_time.xlsx"]["objectives_achieved"] == 2
    assert rows["on_time.xlsx"]["priorities_abandoned"] == 1
    assert rows["late.xlsx"]["priorities_abandoned"] == 0
    summary = {r[0]: r[1] for r in wb.worksheets[1].iter_rows(values_only=True) if r and r[0]}
    capital = compute(validate_plan(on_time)).customer_capital
    assert summary["Customer capital, all clients (EUR)"] == pytest.approx(capital)
    assert summary["Customer capital, all clients (GBP)"] == pytest.approx(capital)


@pytest.mark.libreoffice
def test_each_objective_has_a_column_per_period(recalculated):
    """The reviews sheet shows, for each objective, its measured value at each period of the
    cadence (the period row reads Q1..Q4), after LibreOffice recalculates it."""
    from xlplan.workbook.templates import translations

    _, _, path = recalculated["en"]
    ws = openpyxl.load_workbook(path, data_only=True)[translations("en").sheet("reviews")]
    cells = {(c.row, c.column): c.value for row in ws.iter_rows() for c in row}
    title = next(at for at, v in cells.items() if v == "Objectives by period: measured")
    period_row = next(r for (r, c), v in cells.items() if r > title[0] and v == "Q1")
    codes = {cells[(period_row, c)]: c for c in range(2, 20) if cells.get((period_row, c))}
    assert list(codes) == ["Q1", "Q2", "Q3", "Q4"]
    sell = next(r for (r, c), v in cells.items() if r > period_row and v == "Sell more")
    assert cells[(sell, codes["Q1"])] == 140 and cells[(sell, codes["Q2"])] == 520
    assert cells[(sell, codes["Q3"])] in (None, "")
