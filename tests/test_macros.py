"""The ribbon's macros, run through the file twin on generated workbooks: each does what it
says, and where values are involved LibreOffice recalculates the result and must agree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from tests.conftest import in_language
from xlplan import Plan, compute
from xlplan.cli import main
from xlplan.engine.libreoffice import recalculate
from xlplan.engine.oracle import compare, error_cells
from xlplan.finalize import finalize_workbook
from xlplan.macros import MACROS, Cell, FileBook, MacroError, MacroResult
from xlplan.macros._book import ALERT_COLOR
from xlplan.macros.funding import month_reason
from xlplan.model import FundingLine, Language
from xlplan.reader.workbook import read_workbook
from xlplan.workbook import build_workbook, render_bytes
from xlplan.workbook.locale import client_locale
from xlplan.workbook.templates import translations

pytestmark = pytest.mark.libreoffice
AS_OF = date(2027, 3, 31)


def dated(plan: Plan) -> Plan:
    """The plan with a fixed as-of date, so the engine's TODAY() plays no part."""
    return plan.model_copy(update={"plan": plan.plan.model_copy(update={"as_of": AS_OF})})


@dataclass
class Run:
    plan: Plan
    result: MacroResult
    output: Path
    recalculated: Path | None = None


def run_macro(name: str, plan: Plan, folder: Path, before=None) -> Run:  # type: ignore[no-untyped-def]
    """Generate the plan's workbook, let ``before(book, words)`` type into it as a consultant
    would, run the macro on the file twin and save the result."""
    source = folder / "in" / f"{name}.xlsx"
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_bytes(render_bytes(plan))
    if before is not None:
        typed = FileBook(source)
        before(typed, translations(plan.language))
        typed.save(source.with_name(f"{name}-typed.xlsx"))
        source = source.with_name(f"{name}-typed.xlsx")
    said: list[str] = []
    book = FileBook(source, say=said.append)
    result = MACROS[name](book)
    output = folder / "out" / f"{name}.xlsx"
    book.save(output)
    return Run(plan, result, output)


def ranked_plan(plan: Plan) -> Plan:
    """The example's priorities in reverse, with one whose title reads like a formula."""
    items = list(reversed(plan.priorities))
    hostile = items[-1].model_copy(update={"title": "=1+1 Formula-like", "score": 3})
    return dated(plan.model_copy(update={"priorities": [*items[:-1], hostile], "actions": [],
                                         "survey": []}))


def type_a_kpi(book: FileBook, words) -> None:  # type: ignore[no-untyped-def]
    """A KPI typed into the first spare row of the Kpis table."""
    ws = book.workbook[words.sheet("bilan")]
    first, last = (int("".join(c for c in part if c.isdigit()))
                   for part in ws.tables["Kpis"].ref.split(":"))
    row = next(r for r in range(first + 1, last + 1) if ws.cell(r, 1).value is None)
    book.write(Cell(ws.title, row, 1), [["Typed later", "%", 0.5, 0.4]])


@pytest.fixture(scope="module")
def runs(example_plans, soffice, tmp_path_factory) -> dict[str, Run]:
    """Every macro that changes values, run once, then all recalculated in one LibreOffice
    batch."""
    folder = tmp_path_factory.mktemp("macros")
    northwind = dated(example_plans["northwind"])
    out = {
        "score-priorities": run_macro("score-priorities",
                                      ranked_plan(example_plans["boutique"]), folder),
        "check-funding": run_macro("check-funding", northwind, folder),
        "refresh-dashboard": run_macro("refresh-dashboard", dated(example_plans["andina"]),
                                       folder, type_a_kpi),
        "check-plan": run_macro("check-plan", in_language(dated(example_plans["boutique"]),
                                                          Language.EN), folder),
    }
    for path in recalculate([r.output for r in out.values()], folder / "recalculated"):
        out[path.stem].recalculated = path
    return out


def test_score_priorities_sorts_whole_rows_by_rank(runs):
    """The rows come back sorted by rank, every input moved with its row (text that reads
    like a formula stays text), and LibreOffice's values equal Python's on the sorted plan."""
    run = runs["score-priorities"]
    results = compute(run.plan).priorities
    order = sorted(range(len(results)), key=lambda i: (results[i].rank, i))
    expected = run.plan.model_copy(update={"priorities": [run.plan.priorities[i] for i in order]})
    back = read_workbook(run.output)
    assert back.plan is not None and back.plan.priorities == expected.priorities
    assert order != list(range(len(order))), "the test plan must start out of order"
    mismatches = compare(run.recalculated, build_workbook(expected).expected)
    assert not mismatches, "\n".join(mismatches[:20])
    ws = openpyxl.load_workbook(run.output)[translations(run.plan.language).sheet("priorities")]
    hostile = next(c for row in ws.iter_rows() for c in row if c.value == "=1+1 Formula-like")
    assert hostile.data_type == "s" and hostile.quotePrefix
    assert str(len(run.plan.priorities)) in run.result.message.splitlines()[0]


def test_check_funding_marks_each_negative_month_and_says_why(runs):
    """Each month LibreOffice finds below zero has the alert fill and a note with its
    reasons; every other month has neither; the suggested amount does fund the plan."""
    run = runs["check-funding"]
    words = translations(run.plan.language)
    fund = compute(run.plan).funding
    assert not fund.fundable
    grid = build_workbook(run.plan).layout.blocks["funding_grid"]
    values = openpyxl.load_workbook(run.recalculated, data_only=True)[grid.sheet_title]
    marked = openpyxl.load_workbook(run.output)[grid.sheet_title]
    row = grid.row_of("cumulative")
    negative = []
    for month in range(1, 13):
        col = grid.column_of(f"m{month}")
        engine_balance = values.cell(row, col).value
        cell = marked.cell(row, col)
        if engine_balance < 0:
            negative.append(month)
            assert cell.fill.fgColor.rgb.endswith(ALERT_COLOR)
            assert cell.comment.text == month_reason(run.plan, fund, month, words)
        else:
            assert cell.comment is None and not cell.fill.fgColor.rgb.endswith(ALERT_COLOR)
    assert negative and negative[0] == fund.first_negative_month
    assert words.month(negative[0]) in run.result.message
    assert run.result.findings == len(negative)
    needed = -fund.min_balance
    assert words.amount(needed) in run.result.message
    topped_up = run.plan.funding.model_copy(update={"sources": [
        *run.plan.funding.sources, FundingLine(label="Loan", month=negative[0], amount=needed)]})
    assert compute(run.plan.model_copy(update={"funding": topped_up})).funding.fundable


def test_check_funding_takes_old_marks_away(example_plans, tmp_path):
    """Run on a fundable plan after marks were left: the notes and the alert fill go."""
    plan = dated(example_plans["boutique"])
    first = run_macro("check-funding", plan, tmp_path / "a")
    book = FileBook(first.output)
    grid = build_workbook(plan).layout.blocks["funding_grid"]
    stale = Cell(grid.sheet_title, grid.row_of("cumulative"), grid.column_of("m2"))
    book.mark(stale, "left from an earlier run")
    result = MACROS["check-funding"](book)
    assert result.findings == 0
    cell = book.workbook[stale.sheet].cell(stale.row, stale.column)
    assert cell.comment is None and not cell.fill.fgColor.rgb.endswith(ALERT_COLOR)


def test_refresh_dashboard_charts_a_kpi_typed_later(runs):
    """A KPI typed into a spare row is in the KPI chart after the refresh, LibreOffice
    computes its attainment, and the summary's figures are Python's."""
    run = runs["refresh-dashboard"]
    words = translations(run.plan.language)
    layout = build_workbook(run.plan).layout
    kpis = layout.blocks["kpis"]
    typed_row = kpis.first_row + len(run.plan.kpis)
    chart = openpyxl.load_workbook(run.output)[words.sheet("dashboard")]._charts[0]
    series = chart.series[0]
    assert series.val.numRef.f.endswith(f"{typed_row}")
    assert (series.cat.numRef or series.cat.strRef).f.endswith(f"{typed_row}")
    values = openpyxl.load_workbook(run.recalculated, data_only=True)[kpis.sheet_title]
    assert values.cell(typed_row, kpis.column_of("attainment")).value == pytest.approx(0.8)
    assert not error_cells(run.recalculated)
    with_typed = read_workbook(run.output).plan
    assert with_typed is not None
    results = compute(with_typed)
    assert f"{results.kpis_by_status[next(iter(results.kpis_by_status))]} " in run.result.message
    # in the plan's locale (es-MX: 15,569,122.87), not the language's default (es-ES)
    assert words.amount(results.customer_capital, client_locale(with_typed)) in (
        run.result.message)
    assert results.next_review.isoformat() in run.result.message


def test_check_plan_lists_every_problem_with_a_link(runs, tmp_path):
    """The report sheet has one row per problem `xlplan check` finds, each a link to its
    cell that LibreOffice computes without error; the client copy leaves the sheet out."""
    run = runs["check-plan"]
    words = translations(run.plan.language)
    title = words.macro("check_sheet")
    wb = openpyxl.load_workbook(run.output)
    ws = wb[title]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    from xlplan.reader.check import check_workbook

    expected = check_workbook(run.output).problems
    assert len(rows) == len(expected) == run.result.findings > 0
    for (link, _, message), problem in zip(rows, expected, strict=True):
        assert link.startswith("=HYPERLINK(") and f"!{problem.cell.split('!')[1]}" in link
        assert message == problem.message
    shown = openpyxl.load_workbook(run.recalculated, data_only=True)[title]
    assert [r[0].value for r in shown.iter_rows(min_row=2)] == [p.cell for p in expected]
    assert not error_cells(run.recalculated)
    final = finalize_workbook(run.output)
    assert title in final.removed_sheets


def test_check_plan_on_a_clean_plan_says_so(example_plans, tmp_path):
    """No problem: the sheet says so and the macro reports nothing found."""
    boutique = dated(example_plans["boutique"])
    complete = [o.model_copy(update={"ambitious": True, "realistic": True})
                for o in boutique.objectives if o.measure and o.why and o.owner]
    first = next(p for p in boutique.priorities if p.quadrant.value == "attack-manage")
    priorities = [p.model_copy(update={"score": 3}) if p is first else p
                  for p in boutique.priorities]
    priorities = [p.model_copy(update={"objective": complete[0].title, "cost": 0.0})
                  if p.score == 3 else p for p in priorities]  # one per quadrant, each funded
    risks = [r.model_copy(update={"mitigation": "plan B"}) for r in boutique.risks]
    actions = [a.model_copy(update={"priority": a.priority or priorities[0].title})
               for a in boutique.actions]
    team = [m.model_copy(update={"capacity": 100.0}) for m in boutique.team]  # nobody over
    plan = boutique.model_copy(update={"objectives": complete, "priorities": priorities,
                                       "risks": risks, "actions": actions, "team": team})
    run = run_macro("check-plan", plan, tmp_path)
    words = translations(plan.language)
    if run.result.findings:
        pytest.fail(f"andina should have no problem: {run.result.message}")
    ws = openpyxl.load_workbook(run.output)[words.macro("check_sheet")]
    assert ws.cell(2, 3).value == words.macro("no_problem")


def test_export_actions_writes_beside_the_book_and_asks_before_replacing(example_plans,
                                                                          tmp_path):
    """The CSV and iCalendar files land next to the workbook; a different file already
    there is kept unless the consultant agrees; Excel's lock file stops everything."""
    from xlplan.action_export import actions_csv, actions_ics

    plan = dated(example_plans["boutique"])
    book_path = tmp_path / "boutique.xlsx"
    book_path.write_bytes(render_bytes(plan))
    result = MACROS["export-actions"](FileBook(book_path))
    csv_path = tmp_path / "boutique - actions.csv"
    assert csv_path.read_bytes() == actions_csv(plan).encode("utf-8-sig")
    assert (tmp_path / "boutique - actions.ics").read_bytes() == actions_ics(plan)
    assert set(result.written) == {csv_path, tmp_path / "boutique - actions.ics"}
    csv_path.write_text("edited by hand")
    again = MACROS["export-actions"](FileBook(book_path, force=False))
    assert csv_path.read_text() == "edited by hand" and csv_path not in again.written
    MACROS["export-actions"](FileBook(book_path, force=True))
    assert csv_path.read_bytes() == actions_csv(plan).encode("utf-8-sig")
    (tmp_path / "~$boutique - actions.csv").write_text("lock")
    with pytest.raises(MacroError, match="Excel"):
        MACROS["export-actions"](FileBook(book_path, force=True))


def test_client_copy_is_the_finalized_workbook(example_plans, tmp_path):
    """The client copy written next to the book is exactly `xlplan finalize`'s output."""
    plan = dated(example_plans["northwind"])
    book_path = tmp_path / "northwind.xlsx"
    book_path.write_bytes(render_bytes(plan))
    result = MACROS["client-copy"](FileBook(book_path))
    (written,) = result.written
    assert written.name == "northwind - client copy.xlsx"
    assert written.read_bytes() == finalize_workbook(book_path).data


def test_a_macro_refuses_a_table_with_problems(example_plans, tmp_path):
    """Sorting priorities with a score typed as text would lose that row: refused, with
    the cell named."""
    plan = dated(example_plans["boutique"])

    def bad_score(book: FileBook, words) -> None:  # type: ignore[no-untyped-def]
        ws = book.workbook[words.sheet("priorities")]
        header = int("".join(c for c in ws.tables["Priorities"].ref.split(":")[0]
                             if c.isdigit()))
        col = next(c.column for c in ws[header] if c.value == words.label("priorities.score"))
        book.write(Cell(ws.title, header + 1, col), [["trois"]])

    with pytest.raises(MacroError, match=r"Priorités!D\d+"):
        run_macro("score-priorities", plan, tmp_path, bad_score)


def test_run_cli(example_plans, tmp_path):
    """`xlplan run`: -o is required for a macro that changes the book and may not be the
    input; exit 1 when the macro found problems; the input is never written."""
    plan = dated(example_plans["northwind"])
    book_path = tmp_path / "northwind.xlsx"
    book_path.write_bytes(render_bytes(plan))
    before = book_path.read_bytes()
    runner = CliRunner()
    missing_output = runner.invoke(main, ["run", "check-funding", str(book_path)])
    assert missing_output.exit_code == 2 and "-o OUTPUT" in missing_output.output
    same = runner.invoke(main, ["run", "check-funding", str(book_path), "-o", str(book_path)])
    assert same.exit_code == 2 and "being read" in same.output
    found = runner.invoke(main, ["run", "check-funding", str(book_path), "-o",
                                 str(tmp_path / "checked.xlsx")])
    assert found.exit_code == 1 and "Not fundable" in found.output
    ranked = runner.invoke(main, ["run", "score-priorities", str(book_path), "-o",
                                  str(tmp_path / "ranked.xlsx")])
    assert ranked.exit_code == 0, ranked.output
    assert book_path.read_bytes() == before
    again = [str(tmp_path / "ranked.xlsx")]
    assert runner.invoke(main, ["run", "score-priorities", str(book_path), "-o", *again]
                         ).exit_code == 2  # exists: --force needed
    assert runner.invoke(main, ["run", "score-priorities", str(book_path), "-o", *again,
                                "--force"]).exit_code == 0  # xlplan wrote it: replaceable
    edited = openpyxl.load_workbook(tmp_path / "ranked.xlsx")
    edited.worksheets[0]["A1"] = "a person's edit"
    edited.save(tmp_path / "ranked.xlsx")
    refused = runner.invoke(main, ["run", "score-priorities", str(book_path), "-o", *again,
                                   "--force"])
    assert refused.exit_code == 2 and "edited" in refused.output
