"""The people pillar: workload against capacity, actions outside a person's zone, the
shared-priorities survey, and the forms that go out to staff and come back.

The oracle tests compare LibreOffice's values with the issue's definitions computed here
independently (day by day, not month by month as xlplan does)."""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from xlplan import validate_plan
from xlplan.cli import main
from xlplan.engine.libreoffice import recalculate
from xlplan.engine.oracle import compare, defined_name_values, same
from xlplan.reader.check import check_workbook
from xlplan.reader.workbook import read_workbook
from xlplan.workbook import build_workbook, render_bytes
from xlplan.workbook.templates import translations

NAMES = ("PlannedEffort", "TeamCapacity", "OverloadedMonths", "AlignmentScore",
         "ActionsOutsideZone")

PEOPLE = {
    "fr": ("Léa", "Marc", "Zoé", "rédaction", "comptabilité", "Programme de fidélité"),
    "es": ("Lucía", "Jorge", "Ana", "redacción", "contabilidad", "Programa de fidelidad"),
    "en": ("Lea", "Mark", "Zoe", "writing", "bookkeeping", "Loyalty scheme"),
}


def people_plan(language: str) -> dict[str, Any]:
    """A plan with a team, efforts crossing month and year boundaries, one-day actions,
    people over capacity, and survey answers naming retained, unretained and no priorities.
    The plan starts in October, so its months run into the next year."""
    lea, marc, zoe, writing, books, loyalty = PEOPLE[language]
    return {
        "client": {"name": f"People {language}", "language": language},
        "plan": {"year": 2027, "as_of": "2027-11-20", "start_month": "2027-10"},
        "priorities": [
            {"title": loyalty, "quadrant": "defend-sell", "category": "customer", "score": 3},
            {"title": "Web", "quadrant": "attack-sell", "category": "customer", "score": 2},
            {"title": "Site", "quadrant": "attack-manage", "category": "process", "score": 3},
        ],
        "team": [
            {"name": lea, "role": "Marketing", "capacity": 10, "genius": ["events"],
             "excellence": [writing], "competence": ["dashboards", "SEO"],
             "incompetence": [books]},
            {"name": marc, "capacity": 4, "competence": [writing.upper()]},
            {"name": zoe, "capacity": 0.5},
            {"name": "Sans capacité"},
        ],
        "actions": [
            # 20 days over 3 Sep -> 12 Nov: September is before the plan
            {"what": "a1", "who": lea, "start": "2027-09-03", "due": "2027-11-12", "effort": 20,
             "activity": writing},
            # one-day actions, the same day: 7 + 5 > 10 in October
            {"what": "a2", "who": lea.lower(), "start": "2027-10-15", "due": "2027-10-15",
             "effort": 7, "activity": " Dashboards "},
            {"what": "a3", "who": lea, "start": "2027-10-15", "due": "2027-10-15", "effort": 5},
            # across the year end
            {"what": "a4", "who": marc, "start": "2027-12-20", "due": "2028-01-09", "effort": 15,
             "activity": writing},
            # partly after the plan's last month (September 2028)
            {"what": "a5", "who": lea, "start": "2028-09-25", "due": "2028-10-04", "effort": 9,
             "activity": books},
            {"what": "a6", "who": zoe, "start": "2028-02-28", "due": "2028-03-01", "effort": 1.5},
            {"what": "a7", "who": "Nadie", "start": "2027-10-01", "due": "2027-10-02",
             "effort": 2},
            {"what": "a8", "effort": 3, "start": "2027-10-01", "due": "2027-10-01"},
            {"what": "a9", "who": zoe, "effort": 4},
            {"what": "a10", "who": "Sans capacité", "start": "2027-10-01", "due": "2027-10-31",
             "effort": 31},
        ],
        "survey": [
            {"answer": "fidélité", "priority": loyalty},
            {"answer": "le web", "priority": "Web"},
            {"answer": "=1+1"},
            {"answer": "le site", "priority": "Site"},
            {"answer": "rien"},
        ],
    }


def plan_months(start: date) -> list[tuple[int, int]]:
    return [((start.year * 12 + start.month - 1 + i) // 12,
             (start.month - 1 + i) % 12 + 1) for i in range(12)]


def independent(data: dict[str, Any]) -> dict[str, Any]:
    """The issue's definitions, day by day: each day of an action carries effort / days."""
    start = date.fromisoformat(data["plan"]["start_month"] + "-01")
    months = plan_months(start)
    load: dict[tuple[str, tuple[int, int]], float] = defaultdict(float)
    for action in data["actions"]:
        if not (action.get("who") and action.get("effort") and action.get("start")
                and action.get("due")):
            continue
        first, last = (date.fromisoformat(action[k]) for k in ("start", "due"))
        days = (last - first).days + 1
        for offset in range(days):
            day = first + timedelta(offset)
            load[(action["who"].casefold(), (day.year, day.month))] += action["effort"] / days
    grid = {}
    overloaded = 0
    for person in data["team"]:
        row = [load[(person["name"].casefold(), m)] for m in months]
        grid[person["name"]] = row
        capacity = person.get("capacity")
        if capacity is not None:
            overloaded += sum(1 for x in row if x > capacity + 1e-9)
    retained = {p["title"] for p in data["priorities"] if p["score"] == 3}
    entries = data["survey"]

    def zone_has(person: dict[str, Any], activity: str) -> bool:
        wanted = activity.strip().casefold()
        return any(a.casefold() == wanted for zone in ("competence", "incompetence")
                   for a in person.get(zone, []))

    team = {p["name"].casefold(): p for p in data["team"]}
    outside = sum(1 for a in data["actions"] if a.get("activity") and a.get("who")
                  and a["who"].casefold() in team and zone_has(team[a["who"].casefold()],
                                                               a["activity"]))
    return {
        "grid": grid,
        "PlannedEffort": sum(a.get("effort", 0) for a in data["actions"]),
        "TeamCapacity": sum(p.get("capacity", 0) for p in data["team"]) * 12,
        "OverloadedMonths": overloaded,
        "AlignmentScore": sum(1 for e in entries if e.get("priority") in retained) / len(entries),
        "ActionsOutsideZone": outside,
    }


@pytest.fixture(scope="module")
def recalculated(soffice, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("people")
    (tmp / "in").mkdir()
    plans = {}
    for language in PEOPLE:
        data = people_plan(language)
        plans[language] = (validate_plan(data), data)
        (tmp / "in" / f"{language}.xlsx").write_bytes(render_bytes(plans[language][0]))
    outputs = recalculate(sorted((tmp / "in").glob("*.xlsx")), tmp / "out")
    return {p.stem: (*plans[p.stem], p) for p in outputs}


@pytest.mark.libreoffice
@pytest.mark.parametrize("language", list(PEOPLE))
def test_names_and_workload_grid_equal_the_definitions(recalculated, language):
    """After LibreOffice recalculates: no error cell, every formula equals Python, and the
    five names and every cell of the workload grid equal the definitions computed here."""
    plan, data, path = recalculated[language]
    book = build_workbook(plan)
    assert not compare(path, book.expected)
    expected = independent(data)
    engine = defined_name_values(path, book.names)
    assert expected["OverloadedMonths"] == 4  # Léa Oct, Marc Dec + Jan, Zoé Feb
    assert expected["ActionsOutsideZone"] == 3
    for name in NAMES:
        assert same(expected[name], engine[name]), (name, expected[name], engine[name])
    grid = book.layout.blocks["workload"]
    ws = openpyxl.load_workbook(path, data_only=True)[grid.sheet_title]
    seen = 0
    for n in range(1, 21):
        row = grid.row_of(f"p{n}")
        person = ws.cell(row, grid.column_of("person")).value
        if n > len(data["team"]):
            assert person in (None, "")
            continue
        assert person == data["team"][n - 1]["name"]
        for month, want in enumerate(expected["grid"][person], start=1):
            got = ws.cell(row, grid.column_of(f"m{month}")).value
            assert got == pytest.approx(want, rel=1e-9, abs=1e-9), (person, month, got, want)
            seen += 1
    assert seen == 48


@pytest.mark.libreoffice
def test_the_action_plan_flags_and_the_dashboard_says_who_and_when(recalculated):
    """The action plan flags "delegate?", "not on the team" and "nobody?", and the dashboard
    names the people over capacity with their months (French labels)."""
    plan, _, path = recalculated["fr"]
    book = build_workbook(plan)
    words = translations("fr")
    wb = openpyxl.load_workbook(path, data_only=True)
    actions = book.layout.blocks["actions"]
    ws = wb[actions.sheet_title]
    column = actions.column_of("team_flag")
    flags = [ws.cell(actions.first_row + i, column).value for i in range(len(plan.actions))]
    delegate, outside, nobody = (words.choice("team_flag", k)
                                 for k in ("delegate", "not_on_team", "no_person"))
    assert flags == [None, delegate, None, delegate, delegate, None, outside, nobody, None,
                     None]
    dashboard = book.layout.blocks["dashboard"]
    text = wb[dashboard.sheet_title].cell(dashboard.row_of("over_capacity"), 2).value
    # "Sans capacité" has no capacity: never over it
    assert text == "Léa (oct. 2027); Marc (déc. 2027, janv. 2028); Zoé (févr. 2028)"


def test_check_reports_the_people_problems(tmp_path):
    """`check` warns of an action whose person is over capacity in one of its months, effort
    with nobody, effort with no dates and a person not on the team; a survey answer naming
    an unknown priority is an error at its cell."""
    data = people_plan("en")
    path = tmp_path / "people.xlsx"
    path.write_bytes(render_bytes(validate_plan(data)))
    found = {(p.kind, p.message) for p in check_workbook(path).problems}
    messages = [m for kind, m in found if kind == "method"]
    assert any(m.startswith("Lea is over capacity: Oct 2027 (") for m in messages)
    assert any(m.startswith("Mark is over capacity: Dec 2027 (") and "Jan 2028" in m
               for m in messages)
    assert "3 days of effort with nobody (Who is empty)" in messages
    assert any(m.startswith("4 days of effort with no start or no due date") for m in messages)
    assert "Nadie is not on the team" in messages
    wb = openpyxl.load_workbook(path)
    survey = build_workbook(validate_plan(data)).layout.blocks["survey"]
    ws = wb[survey.sheet_title]
    ws.cell(survey.first_row + 2, survey.column_of("priority")).value = "Nothing like it"
    wb.save(path)
    cell = ws.cell(survey.first_row + 2, survey.column_of("priority")).coordinate
    (unknown,) = [p for p in check_workbook(path).problems
                  if p.cell == f"{survey.sheet_title}!{cell}"]
    assert unknown.message == "names no priority (got 'Nothing like it')"
    assert not unknown.is_warning


def test_a_plan_without_a_team_flags_nothing():
    """Actions given to people, in a plan that lists no team, are not "not on the team"."""
    data = people_plan("en")
    data["team"] = []
    data["actions"] = [a for a in data["actions"] if a.get("who")]
    from xlplan.results import compute

    team = compute(validate_plan(data)).people
    assert team is not None and set(team.action_flags) == {None}


def fill(path: Path, cells: dict[str, str], out: Path) -> None:
    wb = openpyxl.load_workbook(path)
    for ref, value in cells.items():
        wb.active[ref] = value
    wb.save(out)


def test_survey_forms_go_out_and_come_back(tmp_path):
    """`survey` writes a one-question form with nothing of the plan; filled-in forms and a
    forms tool's CSV come back into the survey table exactly, formula-looking text as text,
    and collecting the same folder again adds nothing."""
    data = people_plan("es")
    data["survey"] = []
    book = tmp_path / "book.xlsx"
    book.write_bytes(render_bytes(validate_plan(data)))
    runner = CliRunner()
    form = tmp_path / "form.xlsx"
    result = runner.invoke(main, ["survey", str(book), "-o", str(form)])
    assert result.exit_code == 0, result.output
    texts = {c.value for row in openpyxl.load_workbook(form).active.iter_rows() for c in row
             if c.value is not None}
    assert "¿A qué presta más atención la organización?" in " ".join(map(str, texts))
    assert not any(p["title"] in str(t) for t in texts for p in data["priorities"])
    answers = tmp_path / "answers"
    answers.mkdir()
    typed = ["la fidelidad", '=HYPERLINK("http://evil","clic")', "+34 600", "@todos"]
    for i, text in enumerate(typed):
        fill(form, {"A6": text}, answers / f"r{i}.xlsx")
    with open(answers / "export.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Marca temporal", "Respuesta", "Prioridad"])
        writer.writerow(["2027-11-02 10:00", "=cmd|' /C calc'!A0", "Web"])
    out = tmp_path / "collected.xlsx"
    result = runner.invoke(main, ["survey", str(book), "--collect", str(answers), "-o",
                                  str(out)])
    assert result.exit_code == 0, result.output
    plan = read_workbook(out).plan
    assert plan is not None
    got = [(e.answer, e.priority) for e in plan.survey]
    assert got == [("=cmd|' /C calc'!A0", "Web")] + [(t, None) for t in typed]
    raw = openpyxl.load_workbook(out)
    survey = build_workbook(plan).layout.blocks["survey"]
    cells = [raw[survey.sheet_title].cell(survey.first_row + i, survey.column_of("answer"))
             for i in range(5)]
    assert all(c.data_type == "s" for c in cells)
    again = tmp_path / "again.xlsx"
    result = runner.invoke(main, ["survey", str(out), "--collect", str(answers), "-o",
                                  str(again)])
    assert result.exit_code == 0 and "0 answers added" in result.output
    assert not book.with_name("book-survey.xlsx").exists()


def test_genius_forms_go_out_and_come_back(tmp_path):
    """`genius` writes one form per team member; the filled-in forms come back into the team
    sheet's zones exactly as typed, formula-looking text as text; a form for someone not on
    the team is refused with its file named."""
    data = people_plan("fr")
    for person in data["team"]:
        for zone in ("genius", "excellence", "competence", "incompetence"):
            person.pop(zone, None)
    book = tmp_path / "book.xlsx"
    book.write_bytes(render_bytes(validate_plan(data)))
    runner = CliRunner()
    forms = tmp_path / "forms"
    result = runner.invoke(main, ["genius", str(book), "-o", str(forms)])
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in forms.iterdir())
    assert files == sorted(["Léa.xlsx", "Marc.xlsx", "Sans capacité.xlsx", "Zoé.xlsx"])
    fill(forms / "Léa.xlsx", {"B9": "animer", "B10": "=SUM(A1:A3)", "B20": "rédaction",
                              "B42": "-compta"}, forms / "Léa.xlsx")
    fill(forms / "Marc.xlsx", {"B31": "écrire; relire", "B32": "@home"}, forms / "Marc.xlsx")
    result = runner.invoke(main, ["genius", str(book), "--collect", str(forms)])
    assert result.exit_code == 0, result.output
    out = tmp_path / "book-team.xlsx"
    plan = read_workbook(out).plan
    assert plan is not None
    lea, marc = plan.team[0], plan.team[1]
    assert (lea.genius, lea.excellence, lea.competence, lea.incompetence) == (
        ["animer", "=SUM(A1:A3)"], ["rédaction"], [], ["-compta"])
    assert (marc.genius, marc.competence) == ([], ["écrire", "relire", "@home"])
    stranger = forms / "x.xlsx"
    fill(forms / "Zoé.xlsx", {"B2": "Quelqu'un d'autre"}, stranger)
    result = runner.invoke(main, ["genius", str(book), "--collect", str(forms), "-o",
                                  str(tmp_path / "no.xlsx")])
    assert result.exit_code == 2 and "x.xlsx" in result.output
    assert not (tmp_path / "no.xlsx").exists()


def test_consolidate_adds_overloaded_person_months_and_alignment(tmp_path):
    """Each client's row of the portfolio gives its overloaded person-months and its
    alignment score (empty when nobody answered the survey)."""
    from xlplan.batch.portfolio import consolidate

    folder = tmp_path / "clients"
    folder.mkdir()
    with_survey = people_plan("en")
    without = people_plan("es")
    without["survey"] = []
    (folder / "a.xlsx").write_bytes(render_bytes(validate_plan(with_survey)))
    (folder / "b.xlsx").write_bytes(render_bytes(validate_plan(without)))
    out = tmp_path / "portfolio.xlsx"
    assert consolidate(folder, out, workers=1, progress=False) == (2, 0)
    ws = openpyxl.load_workbook(out)["Clients"]
    rows = list(ws.iter_rows(values_only=True))
    header = rows[0]
    by_file = {row[header.index("File")]: row for row in rows[1:]}
    overloaded = header.index("Overloaded person-months")
    alignment = header.index("Alignment (survey)")
    assert by_file["a.xlsx"][overloaded] == 4 and by_file["a.xlsx"][alignment] == 0.4
    assert by_file["b.xlsx"][overloaded] == 4 and by_file["b.xlsx"][alignment] is None


def test_next_year_keeps_the_team_and_starts_a_new_survey():
    """`new --from`: the team, its capacities and zones carry over; the survey starts
    empty (a new year asks again)."""
    from xlplan.next_year import next_year_plan

    last = validate_plan(people_plan("fr"))
    nxt = next_year_plan(last)
    assert nxt.team == last.team and nxt.survey == []
