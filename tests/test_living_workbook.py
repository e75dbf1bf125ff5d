"""The workbook lives in Excel: tables that grow, values typed below a table reported, results
stored, charts that carry their data and show their axes, earlier templates still read.

A table is grown here the way Excel grows one: rows appended below its last row, its range
extended, its calculatedColumnFormula filled into the new rows (translated from the first
row, as Excel fills a relative formula). LibreOffice then recalculates: every workbook name
must count the new rows and equal Python's value for the grown plan.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.formula.translate import Translator
from openpyxl.utils import get_column_letter, range_boundaries

from tests.conftest import ROOT, in_language
from xlplan import Plan, compute, load_plan, validate_plan
from xlplan.cli import main
from xlplan.engine.libreoffice import recalculate
from xlplan.engine.oracle import defined_name_values, error_cells, same
from xlplan.finalize import finalize_workbook
from xlplan.model import Language
from xlplan.reader.check import check_workbook
from xlplan.reader.workbook import read_workbook
from xlplan.workbook import build_workbook, render_bytes
from xlplan.workbook.content import build_content, plan_value
from xlplan.workbook.templates import sheet_specs, translations

pytestmark = pytest.mark.libreoffice

HELD_OUT: dict[str, Any] = {
    "client": {"name": "Held-out Ltd", "sector": "=services", "consultant": "R. Ortega",
               "currency": "CHF"},
    "plan": {"year": 2028, "as_of": "2028-05-31", "opening_cash": 1000,
             "review_cadence": "monthly", "vision": "Grow without losing the soul",
             "categories": ["financial", "customer", "process", "technology"]},
    "objectives": [{"title": "Double repeat sales", "measure": "repeat rate", "target": 0.4,
                    "deadline": "2028-12-31", "why": "loyal clients fund growth",
                    "owner": "Ana", "category": "customer"}],
    "barriers": ["No discounting"],
    "retrospective": {"went_well": ["Launch"], "went_badly": ["Hiring"]},
    "competitors": [{"name": "BigCo", "strengths": "price"}],
    "kpis": [{"name": "Zero target", "target": 0, "actual": 3},
             {"name": "Zero actual, lower", "target": 20, "actual": 0, "direction": "lower"},
             {"name": "Negative", "target": -10, "actual": -12}],
    "segments": [{"name": "Core", "customers": 40, "margin": 900, "retention": 0.8,
                  "discount_rate": 0.1, "horizon": 5, "acquisition_cost": 100}],
    "priorities": [{"title": "Loyalty", "quadrant": "defend-sell", "category": "customer",
                    "score": 3, "impact": 8000, "cost": 2000}],
    "reviews": [{"period": "M01", "date": "2028-02-03", "cash": 900,
                 "objectives": {"Double repeat sales": 0.1},
                 "decisions": [{"priority": "Loyalty", "decision": "keep"}]}],
    "funding": {"uses": [{"label": "Hire", "month": 2, "amount": 1000}],
                "sources": [{"label": "Loan", "month": 4, "amount": 500}]},
    "actions": [{"what": "Due today", "who": "Ana", "due": "2028-05-31", "status": "todo",
                 "priority": "Loyalty"},
                {"what": "Due yesterday", "who": "Ana", "due": "2028-05-30"}],
    "team": [{"name": "Ana", "capacity": 5, "competence": ["calls"]}],
    "survey": [{"answer": "loyalty", "priority": "Loyalty"}],
}

# Three rows appended to each input table (as a person adds them in Excel).
MORE: dict[str, Any] = {
    "plan": {"categories": ["people", "Mine", "Other's [x]"]},
    "objectives": [{"title": f"Extra objective {i}", "target": i} for i in range(3)],
    "initiatives": [{"objective": "Extra objective 0", "title": f"Step {i}", "target": 4,
                     "actual": i} for i in range(3)],
    "risks": [{"title": "Fuel", "kind": "external", "likelihood": 3, "impact": 2},
              {"title": "Strike", "likelihood": 3, "impact": 3, "mitigation": "two carriers"},
              {"title": "Unscored", "kind": "internal"}],
    "barriers": ["No debt", "No new countries", "=No formulas"],
    "retrospective": {"went_well": ["A", "B", "C"], "went_badly": ["D", "E", "F"]},
    "competitors": [{"name": f"Rival {i}"} for i in range(3)],
    "kpis": [{"name": "On target", "target": 10, "actual": 12},
             {"name": "Lower, worse", "target": 5, "actual": 8, "direction": "lower"},
             {"name": "Amber", "target": 100, "actual": 95}],
    "segments": [{"name": f"Seg {i}", "customers": 10 * (i + 1), "margin": 100.5,
                  "retention": 0.5, "horizon": i + 1} for i in range(3)],
    "priorities": [{"title": "Attack new", "quadrant": "attack-sell", "category": "people",
                    "score": 3, "impact": 5000, "cost": 5000, "objective": "Extra objective 1",
                    "urgency": 3, "ease": 3},
                   {"title": "Maybe", "quadrant": "attack-manage", "category": "Mine",
                    "score": 2, "impact": 100},
                   {"title": "Top manage", "quadrant": "defend-manage", "category": "Other's [x]",
                    "score": 3, "impact": 300, "cost": 10}],
    # one measure and one decision per review: each table grows by exactly 3 rows
    "reviews": [{"period": f"M0{i}", "date": f"2028-0{i + 1}-0{i}", "cash": 500 * i,
                 "objectives": {"Extra objective 2": 2 * i},
                 "decisions": [{"priority": "Attack new",
                                "decision": ("keep", "modify", "abandon")[i - 2]}]}
                for i in (2, 3, 4)],
    "funding": {"uses": [{"label": "Rent", "month": 1, "amount": 100, "monthly": True},
                         {"label": "Fair", "month": 6, "amount": 300, "priority": "Attack new"},
                         {"label": "Zero day", "month": 12, "amount": 1}],
                "sources": [{"label": "Grant", "month": 6, "amount": 1300},
                            {"label": "Sale", "month": 12, "amount": 1},
                            {"label": "Tip", "month": 3, "amount": 0}]},
    "actions": [{"what": "New done", "who": "Bo", "due": "2028-01-01", "status": "done"},
                {"what": "New late", "who": "Bo", "start": "2028-01-01", "due": "2028-02-01",
                 "priority": "Attack new", "initiative": "Step 1", "segment": "Seg 0",
                 "effort": 10, "activity": "Filing"},
                {"what": "New open", "owner": "Cy", "due": "2028-12-01", "status": "blocked"}],
    # people added in Excel: the workload grid takes them in, by the team table's rows
    "team": [{"name": "Bo", "capacity": 2, "incompetence": ["filing", "=SUM(1)"]},
             {"name": "Cy", "capacity": 10, "genius": ["sales"]}, {"name": "Di"}],
    "survey": [{"answer": "attack", "priority": "Attack new"},
               {"answer": "maybe", "priority": "Maybe"}, {"answer": "=nothing"}],
}


def _extend(data: dict[str, Any], more: dict[str, Any]) -> dict[str, Any]:
    out = dict(data)
    for key, value in more.items():
        if isinstance(value, dict):
            out[key] = _extend(dict(data.get(key, {})), value)
        else:
            out[key] = list(data.get(key, [])) + list(value)
    return out


def grow(source: bytes, more: Plan, target: Path, rows: int = 3) -> None:
    """Append ``rows`` rows of ``more`` to each input table, as Excel does."""
    wb = openpyxl.load_workbook(io.BytesIO(source))
    words = translations(more.language)
    content = build_content(more, compute(more), words, sheet_specs())
    for sheet in sheet_specs():
        ws = wb[words.sheet(sheet.key)]
        for block in sheet.blocks:
            if block.kind != "table" or not block.bind:
                continue
            table = ws.tables[block.name]
            left, header, right, last = range_boundaries(table.ref)
            for offset, item in enumerate(content.tables[block.key][:rows], start=1):
                row = last + offset
                for index, spec in enumerate(block.cells):
                    col = left + index
                    column = table.tableColumns[index]
                    if spec.computed:
                        formula = column.calculatedColumnFormula
                        assert formula is not None, f"{block.name}: no calculated column"
                        origin = f"{get_column_letter(col)}{header + 1}"
                        text = formula.attr_text if hasattr(formula, "attr_text") else str(formula)
                        ws.cell(row, col).value = Translator(
                            "=" + text, origin=origin).translate_formula(
                                f"{get_column_letter(col)}{row}")
                    else:
                        value = item.get(spec.key)
                        ws.cell(row, col).value = value
                        if isinstance(value, str):
                            ws.cell(row, col).data_type = "s"
            ref = f"{get_column_letter(left)}{header}:{get_column_letter(right)}{last + rows}"
            table.ref = ref
            if table.autoFilter is not None:
                table.autoFilter.ref = ref
    wb.save(target)


@pytest.fixture(scope="module")
def living(soffice, tmp_path_factory) -> dict[str, Any]:
    """Per language: the plan, the grown plan, the generated, grown and recalculated files
    (one LibreOffice run for all)."""
    tmp = tmp_path_factory.mktemp("living")
    src = tmp / "src"
    src.mkdir()
    out: dict[str, Any] = {}
    for language in Language:
        plan = in_language(validate_plan(HELD_OUT), language)
        more = in_language(validate_plan({**MORE, "client": HELD_OUT["client"], "plan": {
            **HELD_OUT["plan"], **MORE["plan"]}}), language)
        grown = in_language(validate_plan(_extend(HELD_OUT, MORE)), language)
        generated = src / f"generated-{language.value}.xlsx"
        generated.write_bytes(render_bytes(plan))
        grown_path = src / f"grown-{language.value}.xlsx"
        grow(generated.read_bytes(), more, grown_path)
        out[language.value] = {"plan": plan, "grown_plan": grown, "generated": generated,
                               "grown": grown_path}
    done = recalculate(sorted(src.glob("*.xlsx")), tmp / "recalculated")
    for path in done:
        kind, language = path.stem.split("-")
        out[language][f"{kind}_recalculated"] = path
    return out


LANGUAGES = [lang.value for lang in Language]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_name_counts_the_rows_a_grown_table_gained(living, language):
    """After 3 rows are added to every input table, LibreOffice's value of every workbook
    name equals Python's for the grown plan (and no cell is in error)."""
    case = living[language]
    path = case["grown_recalculated"]
    assert not error_cells(path)
    built = build_workbook(case["grown_plan"])
    engine = defined_name_values(path, built.names)
    python = compute(case["grown_plan"]).defined_names()
    assert set(python) <= set(engine)
    for name, value in python.items():
        assert same(value, engine[name]), f"{name}: python {value!r} != engine {engine[name]!r}"
    before = compute(case["plan"]).defined_names()
    names = ("TotalUses", "CustomerCapital", "LateActions", "KpisOnTarget",
             "RetainedPriorities", "ActionsCompletion", "ReviewsHeld", "LatestReviewDate",
             "AbandonedPriorities", "PlannedEffort", "TeamCapacity", "OverloadedMonths",
             "AlignmentScore", "ActionsOutsideZone")
    changed = [n for n in names if before[n] != python[n]]
    assert len(changed) == len(names), "the grown rows must change every one of these names"


@pytest.mark.parametrize("language", LANGUAGES)
def test_grown_rows_compute_their_columns(living, language):
    """The calculated columns filled into the new rows give Python's values."""
    case = living[language]
    values = openpyxl.load_workbook(case["grown_recalculated"], data_only=True)
    words = translations(case["plan"].language)
    content = build_content(case["grown_plan"], compute(case["grown_plan"]), words,
                            sheet_specs())
    checked = 0
    for sheet in sheet_specs():
        ws = values[words.sheet(sheet.key)]
        for block in sheet.blocks:
            if block.kind != "table" or not block.bind:
                continue
            left, _, _, last = range_boundaries(ws.tables[block.name].ref)
            rows = content.tables[block.key]
            for back in range(1, 4):
                expected = rows[-back]
                for index, spec in enumerate(block.cells):
                    if spec.computed:
                        got = ws.cell(last + 1 - back, left + index).value
                        assert same(expected[spec.key], got), (
                            f"{block.name} row {last + 1 - back} {spec.key}: "
                            f"{expected[spec.key]!r} != {got!r}")
                        checked += 1
    assert checked > 50


@pytest.mark.parametrize("language", LANGUAGES)
def test_export_and_check_read_every_row_of_a_grown_table(living, language):
    """`export` gives the grown plan, every row; `check` finds no false problem."""
    case = living[language]
    for path in (case["grown"], case["grown_recalculated"]):
        book = read_workbook(path)
        assert not book.problems, [str(p) for p in book.problems]
        assert book.plan == case["grown_plan"]
        checked = check_workbook(path)
        assert {p.kind for p in checked.problems} <= {"method"}, [
            str(p) for p in checked.problems if p.kind != "method"]


def test_values_typed_below_a_table_are_reported_at_their_cells(living, tmp_path):
    """Values under a table (not taken into it) and away from any table: check exits 1 and
    names each cell; export refuses rather than drop them."""
    case = living["fr"]
    wb = openpyxl.load_workbook(case["generated"])
    words = translations(Language.FR)
    actions = wb[words.sheet("actions")]
    left, _, _, last = range_boundaries(actions.tables["Actions"].ref)
    typed = [(actions, last + 1, left, "Appeler le client"), (actions, last + 3, left + 2, 12),
             (wb[words.sheet("customers")], 3, 9, "note libre")]
    for ws, row, col, value in typed:
        ws.cell(row, col).value = value
    path = tmp_path / "typed.xlsx"
    wb.save(path)
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 1
    for ws, row, col, _ in typed:
        cell = f"{ws.title}!{get_column_letter(col)}{row}:"
        assert any(line.startswith(cell) for line in result.output.splitlines()), (
            cell, result.output)
    assert f"{words.sheet('actions')}!A{last + 1}: hors du tableau Actions" in result.output
    exported = CliRunner().invoke(main, ["export", str(path), "-o", str(tmp_path / "p.yaml")])
    assert exported.exit_code == 1 and not (tmp_path / "p.yaml").exists()


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_formula_cell_stores_its_result(living, language):
    """Every formula cell of a generated workbook stores the value LibreOffice recalculates
    (relative 1e-9), so Protected View and previews show the figures."""
    case = living[language]
    stored = openpyxl.load_workbook(case["generated"], data_only=True)
    formulas = openpyxl.load_workbook(case["generated"])
    recalculated = openpyxl.load_workbook(case["generated_recalculated"], data_only=True)
    count = 0
    for ws in formulas.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type != "f":
                    continue
                mine = stored[ws.title][cell.coordinate].value
                engine = recalculated[ws.title][cell.coordinate].value
                assert same(engine, mine), f"{ws.title}!{cell.coordinate}: {mine!r} != {engine!r}"
                count += 1
    assert count > 300


def _charts(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {n: archive.read(n).decode() for n in archive.namelist()
                if n.startswith("xl/charts/chart")}


def test_chart_axes_are_visible_and_series_cached(living):
    """Every axis says delete val="0"; text categories are strRef with a cache, values numRef
    with a cache (the data a chart is drawn from before any recalculation)."""
    charts = _charts(living["en"]["generated"].read_bytes())
    assert len(charts) == 4
    for name, xml in charts.items():
        axes = re.findall(r"<c:(?:catAx|valAx)>.*?</c:(?:catAx|valAx)>", xml, re.S)
        assert all('<c:delete val="0"/>' in axis for axis in axes), name
        assert "<c:cat><c:strRef>" in xml and "<c:strCache>" in xml, name
        assert "<c:val><c:numRef>" in xml and "<c:numCache>" in xml, name
        assert "<c:pt idx=" in xml.split("<c:val>")[1], f"{name}: no cached value"
        if "<c:lineChart>" in xml:
            assert '<c:smooth val="0"/>' in xml, f"{name}: month-end balances drawn as a curve"
        if "<c:dLbls>" in xml:
            assert '<c:showSerName val="0"/>' in xml and '<c:showCatName val="0"/>' in xml


def test_working_copy_unprotected_client_copy_protected(living, tmp_path):
    """Sheets holding input tables carry no protection in the working copy (Excel grows no
    table on a protected sheet); the client copy protects every sheet and keeps results."""
    words = translations(Language.EN)
    generated = living["en"]["generated"]
    wb = openpyxl.load_workbook(generated)
    with_tables = {ws.title for ws in wb.worksheets if ws.tables}
    assert len(with_tables) == 8
    assert not any(wb[title].protection.sheet for title in with_tables)
    client = openpyxl.load_workbook(io.BytesIO(finalize_workbook(generated).data),
                                    data_only=True)
    assert all(ws.protection.sheet for ws in client.worksheets)
    names = compute(living["en"]["plan"]).defined_names()
    sheet, ref = next(iter(client.defined_names["CustomerCapital"].destinations))
    assert same(names["CustomerCapital"], client[sheet][ref.replace("$", "")].value)
    assert words.sheet("dashboard") in client.sheetnames


@pytest.mark.parametrize("version", [1, 2, 3, 4, 5, 6])
@pytest.mark.parametrize("stem", ["boutique", "andina", "northwind"])
def test_earlier_templates_read_without_false_problems(stem, version, tmp_path):
    """A workbook made by an earlier xlplan (template 1: 0.1.0; template 2: the living
    workbook), edited nowhere: `check` reports no error, and `export` gives its plan."""
    path = ROOT / "tests" / "fixtures" / f"template-{version}" / f"{stem}.xlsx"
    checked = check_workbook(path)
    plan = load_plan(path.with_suffix(".yaml"))  # the example as it was when it was made
    assert checked.version == version
    current = tmp_path / "current.xlsx"  # the same plan, made by today's template
    current.write_bytes(render_bytes(plan))
    now = check_workbook(current).problems
    # the problems of the plan itself, the same whatever the template (a plan with no as-of
    # date is checked against today: a review dated later is an error until that day)
    for kind in ("rule", "method"):
        assert len([p for p in checked.problems if p.kind == kind]) == len(
            [p for p in now if p.kind == kind]), kind
    assert {p.kind for p in checked.problems} <= {"rule", "method"}
    if not any(p.kind == "rule" for p in checked.problems):
        assert checked.plan == plan


def test_plan_value_follows_the_binding():
    """Each table's binding reaches a list of the plan (no table binds to nothing)."""
    plan = validate_plan(_extend(HELD_OUT, MORE))
    for sheet in sheet_specs():
        for block in sheet.blocks:
            if block.kind == "table":
                assert isinstance(plan_value(plan, block.path), list), block.key
                assert len(plan_value(plan, block.path)) >= 3, block.key


def test_template_1_workbooks_consolidate_and_seed_next_year(tmp_path):
    """`consolidate` and `new --from` read template-1 workbooks like today's."""
    from xlplan.batch.portfolio import consolidate

    folder = ROOT / "tests" / "fixtures" / "template-1"
    clients, unreadable = consolidate(folder, tmp_path / "portfolio.xlsx", workers=1,
                                      progress=False)
    assert (clients, unreadable) == (3, 0)
    result = CliRunner().invoke(main, ["new", "--from", str(folder / "boutique.xlsx"), "-o",
                                       str(tmp_path / "next.xlsx")])
    assert result.exit_code == 0, result.output
    nxt = read_workbook(tmp_path / "next.xlsx")
    assert nxt.plan is not None and nxt.plan.plan.year == 2028


def test_released_templates_are_kept():
    """Each earlier template version is kept in history/, and the current sheets.yaml is the
    one recorded for its version: changing it without a new version (and archiving the old
    one) would make every workbook of that version read with false problems."""
    import hashlib
    from importlib import resources

    from xlplan.workbook.templates import template_version

    files = resources.files("workbook_templates")
    recorded = dict(line.split() for line in files.joinpath(
        "history", "SHA256SUMS").read_text("utf-8").splitlines() if line.strip())
    for version in range(1, template_version()):
        kept = files.joinpath("history", f"sheets-{version}.yaml").read_bytes()
        assert hashlib.sha256(kept).hexdigest() == recorded[f"sheets-{version}.yaml"], (
            f"history/sheets-{version}.yaml was changed: a released template never changes")
        assert sheet_specs(version)
    current = hashlib.sha256(files.joinpath("sheets.yaml").read_bytes()).hexdigest()
    assert recorded.get(f"sheets-{template_version()}.yaml") == current, (
        "sheets.yaml changed: give it a new version, keep the released one in history/, and "
        "record the new one's sha256 in history/SHA256SUMS")
