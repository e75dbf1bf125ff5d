"""``xlplan check``: every problem of an edited workbook, each at its cell.

On top of what reading finds (types, lists, required values, the plan's rules), it checks the
method (an action with nobody responsible, an objective missing SMART elements, a quadrant
with no top priority, a month where the cash balance goes below zero) and that no computed
cell was typed over.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NamedTuple

from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from ..calc import arith, people, reviews
from ..calc.funding import MONTHS
from ..collector import collector_paused
from ..model import Plan, Status
from ..results import WORKLOAD_ROWS, PlanResults, compute
from ..workbook.formulas import FormulaRenderer
from ..workbook.layout import FIELD_VALUE_COLUMN, Layout
from ..workbook.locale import client_locale
from .sources import BookSource, CellsSheet, OpenpyxlSheet, SheetSource
from .workbook import CellProblem, ReadBack, cell_getter, read_workbook, table_columns

_QUOTES_AND_SPACES = re.compile(r"[\s'$]")


def _normal(formula: str) -> str:
    """Formula text as engines may rewrite it: sheet quoting, spaces, $ and case ignored."""
    return _QUOTES_AND_SPACES.sub("", formula).upper()


def _method_checks(book: ReadBack, layout: Layout) -> None:
    plan = book.valid_part
    if plan is None:
        return
    results = compute(plan)
    words = book.words
    for index, action in enumerate(plan.actions):
        if not (action.who or action.owner):
            book.problem_at(book.row_cell(("actions",), index, "who"), "method", "no_owner")
        if not action.priority:
            book.problem_at(book.row_cell(("actions",), index, "priority"), "method",
                            "no_priority")
    _link_checks(book, layout, results)
    _year_checks(book, results)
    _people_checks(book, results)
    for index, missing in enumerate(results.objectives_missing):
        if missing:
            shown = " ".join(words.choice("smart", m) if m in ("why", "owner") else m
                             for m in missing)
            book.problem_at(book.row_cell(("objectives",), index, "title"), "method",
                            "smart_missing", missing=shown)
    matrix = layout.blocks["matrix"]
    for quadrant, view in results.matrix.items():
        if view.missing_top:
            attitude, activity = quadrant.value.split("-")
            row = matrix.row_of(f"{attitude}_flag")
            book.problem(matrix.sheet_title, row, matrix.column_of(activity), "method",
                         "no_top_priority", quadrant=words.choice("quadrant", quadrant.value))
    grid = layout.blocks["funding_grid"]
    row = grid.row_of("cumulative")
    for month, balance in zip(MONTHS, results.funding.cumulative, strict=True):
        if arith.lt(balance, 0.0):
            book.problem(grid.sheet_title, row, grid.column_of(f"m{month}"), "method",
                         "funding_negative", balance=money(plan, balance), month=month)


_MONEY: dict[tuple[type, str, str, str], str] = {}  # each amount written once per currency
_MONEY_SIZE = 4096


def money(plan: Plan, amount: float) -> str:
    """An amount of the plan's currency as its locale writes it: -10 000,00 €, -£10,000.00."""
    currency, locale = plan.client.currency, client_locale(plan).replace("-", "_")
    key = (type(amount), repr(amount), currency, locale)  # repr: -0.0 is not 0.0
    text = _MONEY.get(key)
    if text is None:
        from babel.numbers import format_currency

        if len(_MONEY) >= _MONEY_SIZE:
            _MONEY.clear()
        text = _MONEY[key] = format_currency(amount, currency, locale=locale)
    return text


class Expected(NamedTuple):
    """What the template puts in a cell: its formula (``None``: not known, columns moved by
    hand), and whether the cell must hold it (a computed cell) or only may (an input field's
    fallback, ``=TODAY()`` until a date is typed)."""

    formula: str | None
    required: bool = True


TemplateCells = dict[str, dict[tuple[int, int], Expected]]

# What a formula may do to reach outside the workbook: call the web, a DLL or another program
# (DDE: ``cmd|' /C calc'!A0``), or read another workbook (``[1]Sheet!A1``). A hyperlink is
# safe only to a place in the workbook (``"#Sheet!A1"``), as the check report's links are.
_REACHES_OUT = re.compile(r"\b(?:WEBSERVICE|FILTERXML|CALL|REGISTER\.ID|EXEC|RTD)\s*\(|"
                          r"\[\d+\]|[A-Za-z0-9_.]+\|", re.IGNORECASE)
_LINK_OUT = re.compile(r'\bHYPERLINK\s*\(\s*(?!"#)', re.IGNORECASE)
_STRING_LITERAL = re.compile(r'"(?:[^"]|"")*"')


def formula_text(value: object) -> str:
    """A formula cell's text (openpyxl keeps array and data-table formulas as objects)."""
    text = getattr(value, "text", value)
    return str(text) if text is not None else ""


_BRACKET_NUMBER = re.compile(r"\[\d")


# The four non-ASCII letters that Python's case-insensitive matching takes for ASCII ones
# (re's documentation: [a-z] with IGNORECASE): mapped to them, lower() misses no match.
_ASCII_LOOKALIKES = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s",
                                   "\u212a": "k"})
_LOOKALIKE_LETTERS = "\u0130\u0131\u017f\u212a"


def reaches_out(formula: str) -> bool:
    """Whether a formula calls the web, a program or another file."""
    lowered = formula.lower()
    if not formula.isascii() and any(c in formula for c in _LOOKALIKE_LETTERS):
        lowered = formula.translate(_ASCII_LOOKALIKES).lower()
    if not ("|" in formula or "call" in lowered or "exec" in lowered or "rtd" in lowered
            or "hyperlink" in lowered or "webservice" in lowered or "filterxml" in lowered
            or "register.id" in lowered or _BRACKET_NUMBER.search(formula)):
        return False  # what each pattern needs is not there (most formulas): no regex run
    return bool(_LINK_OUT.search(formula) or _REACHES_OUT.search(
        _STRING_LITERAL.sub('""', formula)))


def template_cells(book: ReadBack, wb: Workbook) -> TemplateCells:
    """Sheet -> (row, column) -> the formula the template puts there, for every computed cell
    of the workbook's located layout (``None`` for a computed column whose columns were moved
    by hand: found by its header, its formula not compared)."""
    return _template_cells(book, wb.sheetnames, lambda title: OpenpyxlSheet(wb[title]))


_TEMPLATE_CACHE: dict[tuple[object, ...], TemplateCells] = {}
_TEMPLATE_CACHE_SIZE = 16  # workbook shapes kept: a consolidation's workbooks share a few


def _template_cells(book: ReadBack, titles: list[str],
                    sheet_of: Callable[[str], SheetSource]) -> TemplateCells:
    """``template_cells`` for the sheets named ``titles``, each given by ``sheet_of``.

    The formulas depend only on the template version, the language, where each block lies and
    where each table's columns were found: workbooks of the same shape (a consolidation's,
    mostly) share one answer, rendered once. Callers only read it."""
    layout = book.layout
    found_columns: dict[str, dict[str, int]] = {}
    for sheet in layout.sheets:
        if sheet.title not in titles:
            continue
        for block in sheet.blocks:
            if block.spec.kind == "table":
                ws = sheet_of(sheet.title)
                bounds = ws.table(block.spec.name or "")
                if bounds is not None:
                    found_columns[block.spec.key] = table_columns(ws, bounds, block.spec,
                                                                  book.words)
    shape = (layout.version, book.words.language, tuple(titles),
             tuple((b.spec.key, b.top, b.left, b.rows) for s in layout.sheets for b in s.blocks),
             tuple((k, tuple(sorted(v.items()))) for k, v in sorted(found_columns.items())))
    cached = _TEMPLATE_CACHE.get(shape)
    if cached is None:
        cached = _render_template_cells(book, titles, found_columns)
        if len(_TEMPLATE_CACHE) >= _TEMPLATE_CACHE_SIZE:
            _TEMPLATE_CACHE.pop(next(iter(_TEMPLATE_CACHE)))
        _TEMPLATE_CACHE[shape] = cached
    return cached


def _render_template_cells(book: ReadBack, titles: list[str],
                           found_columns: dict[str, dict[str, int]]) -> TemplateCells:
    """The template's formula of every computed cell of the located layout; a table is
    covered when it was found (``found_columns``: its columns, where their headers are)."""
    layout = book.layout
    formulas = FormulaRenderer(layout, book.words)
    make = Expected._make
    out: TemplateCells = {}
    for sheet in layout.sheets:
        if sheet.title not in titles:
            continue
        cells = out.setdefault(sheet.title, {})
        for block in sheet.blocks:
            spec = block.spec
            if spec.kind == "table":
                found = found_columns.get(spec.key)
                if found is None:
                    continue
                moved = any(found.get(c.key) != block.column_of(c.key) for c in spec.cells)
                for column in spec.cells:
                    col = found.get(column.key) if moved else block.column_of(column.key)
                    if not column.computed or col is None:
                        continue
                    at = formulas.table_column(block, column)
                    rows = range(block.first_row, block.last_row + 1)
                    if moved:
                        unknown = Expected(None)
                        cells.update(((row, col), unknown) for row in rows)
                    else:
                        cells.update(((row, col), make((at(row), True))) for row in rows)
            elif spec.kind == "fields":
                for field in spec.cells:
                    at_field = (block.row_of(field.key), FIELD_VALUE_COLUMN)
                    if field.computed:
                        cells[at_field] = Expected(formulas.field(field))
                    elif field.fallback_formula:
                        cells[at_field] = Expected(field.fallback_formula, required=False)
            elif spec.kind == "grid":
                for row_spec in spec.cells:
                    for index, grid_column in enumerate(block.grid_columns):
                        cells[(block.row_of(row_spec.key), block.column_of(grid_column.key))] = (
                            Expected(formulas.grid_cell(block, row_spec, index)))
    return out


def foreign_formulas(wb: Workbook, expected: TemplateCells
                     ) -> list[tuple[Worksheet, int, int, str]]:
    """Formulas a person typed where the template has none (``input_formula``: an input cell,
    or a cell of a template sheet outside every block), or that reach outside the workbook,
    on any sheet (``outside_formula``): (sheet, row, column, which)."""
    sheets = {ws.title: ws for ws in wb.worksheets}
    return [(sheets[title], row, col, which) for title, row, col, which in _foreign_formulas(
        [(ws.title, OpenpyxlSheet(ws)) for ws in wb.worksheets], expected)]


def _foreign_formulas(sheets: list[tuple[str, SheetSource]], expected: TemplateCells
                      ) -> list[tuple[str, int, int, str]]:
    """``foreign_formulas`` on the given worksheets: (sheet title, row, column, which)."""
    found = []
    for title, ws in sheets:
        cells = expected.get(title)
        for (row, col), value in _formula_items(ws):
            text = value if type(value) is str else formula_text(value)
            if reaches_out(text):
                found.append((title, row, col, "outside_formula"))
            elif cells is not None:
                here = cells.get((row, col))  # the template's formula is expected here
                if here is None or not (here.required or _normal(text) == _normal(
                        here.formula or "")):
                    found.append((title, row, col, "input_formula"))
    return found


def _formula_items(ws: SheetSource) -> Iterable[tuple[tuple[int, int], Any]]:
    """``ws.formula_cells()`` as ((row, column), formula): a sheet read in bulk gives them
    at once."""
    if type(ws) is CellsSheet:
        return ws.formula_items()
    return (((row, col), value) for row, col, value in ws.formula_cells())


def _link_checks(book: ReadBack, layout: Layout, results: PlanResults) -> None:
    """The method's links (003, 004): one top priority per quadrant, each serving an
    objective and funded, risks mitigated, objectives judged ambitious and realistic."""
    plan = book.valid_part
    assert plan is not None
    words = book.words
    matrix = layout.blocks["matrix"]
    for quadrant, view in results.matrix.items():
        if len(view.top_titles) > 1:
            attitude, activity = quadrant.value.split("-")
            book.problem(matrix.sheet_title, matrix.row_of(f"{attitude}_count"),
                         matrix.column_of(activity), "method", "quadrant_overloaded",
                         quadrant=words.choice("quadrant", quadrant.value),
                         count=len(view.top_titles))
    for index, (priority, result) in enumerate(zip(plan.priorities, results.priorities,
                                                    strict=True)):
        if result.top_number is None:
            continue
        if not priority.objective:
            book.problem_at(book.row_cell(("priorities",), index, "objective"), "method",
                            "no_objective")
        if result.unfunded:
            book.problem_at(book.row_cell(("priorities",), index, "cost"), "method",
                            "unfunded", cost=money(plan, priority.cost),
                            funded=money(plan, result.funded))
    for index, (risk, risk_result) in enumerate(zip(plan.risks, results.risks, strict=True)):
        if risk_result.high and not risk.mitigation:
            book.problem_at(book.row_cell(("risks",), index, "mitigation"), "method",
                            "risk_unmitigated", score=risk_result.score)
    for index, objective in enumerate(plan.objectives):
        if not (objective.ambitious and objective.realistic):
            book.problem_at(book.row_cell(("objectives",), index, "ambitious"), "method",
                            "not_judged")


def _year_checks(book: ReadBack, results: PlanResults) -> None:
    """The year's reviews: nothing measured for a period that has not started (an error:
    typed in the wrong period), and no open action left on an abandoned priority."""
    plan = book.valid_part
    assert plan is not None
    start = reviews.plan_start(plan)
    for index, review in enumerate(plan.reviews):
        begins = reviews.period_start(review.period, plan.plan.review_cadence.months, start)
        if begins > results.as_of:
            for title in review.objectives:
                book.problem_at((*book.row_cell(("reviews",), index, "objectives"), title),
                                "rule", "period_not_started", period=review.period,
                                start=begins.isoformat(), as_of=results.as_of.isoformat())
    abandoned = {p.title for p, r in zip(plan.priorities, results.priorities, strict=True)
                 if r.latest_decision == "abandon"}
    for index, action in enumerate(plan.actions):
        if action.priority in abandoned and action.status is not Status.DONE:
            book.problem_at(book.row_cell(("actions",), index, "priority"), "method",
                            "abandoned_open_action", priority=action.priority)


def _people_checks(book: ReadBack, results: PlanResults) -> None:
    """The people pillar (003, step 4: can the team carry the workload?): an action whose
    person is over capacity in one of its months, effort with nobody or with no dates, a
    person not on the team, a person beyond the workload grid's rows."""
    plan = book.valid_part
    team = results.people
    assert plan is not None and team is not None
    words = book.words
    rows = {row.person.name.lower(): row for row in team.shown_workload}
    for index, action in enumerate(plan.actions):
        where = book.row_cell(("actions",), index, "effort")
        effort = action.effort or 0.0
        if effort > 0 and not action.who:
            book.problem_at(where, "method", "effort_no_person", effort=f"{effort:g}")
        if effort > 0 and (action.start is None or action.due is None):
            book.problem_at(where, "method", "effort_no_dates", effort=f"{effort:g}")
        flag = team.action_flags[index]
        if flag == "not_on_team":
            book.problem_at(book.row_cell(("actions",), index, "who"), "method", "not_on_team",
                            person=action.who)
        row = rows.get((action.who or "").lower())
        if row is None or row.person.capacity is None:
            continue
        over = [f"{words.month_label(first)} ({load:.1f})" for (first, last), load, is_over
                in zip(team.months, row.loads, row.over, strict=True)
                if is_over and people.month_load(action, first, last) > 0]
        if over:
            book.problem_at(book.row_cell(("actions",), index, "who"), "method",
                            "over_capacity", person=row.person.name, months=", ".join(over),
                            capacity=f"{row.person.capacity:g}")
    for index, member in enumerate(plan.team[WORKLOAD_ROWS:], start=WORKLOAD_ROWS):
        book.problem_at(book.row_cell(("team",), index, "name"), "method", "beyond_workload",
                        person=member.name, rows=WORKLOAD_ROWS)


def _formula_checks(book: ReadBack) -> None:
    source = book.source
    expected = _template_cells(book, source.sheet_names, lambda title: _sheet(source, title))
    for title, cells in expected.items():
        value = cell_getter(_sheet(source, title))
        for at, (formula, required) in cells.items():
            if formula is not None and required:
                found = value(at)
                if found != formula and not (isinstance(found, str)
                                             and _normal(found) == _normal(formula)):
                    book.problem(title, *at, "formula", "formula_replaced", formula=formula)
    sheets = list(source.sheets.items())
    for title, row, col, which in _foreign_formulas(sheets, expected):
        book.problem(title, row, col, "formula", which,
                     formula=formula_text(source.sheets[title].value(row, col)))


def _sheet(source: BookSource, title: str) -> SheetSource:
    """A sheet by its title, a chart sheet too (as openpyxl has it: a template sheet turned
    into a chart sheet fails as it always did)."""
    ws = source.sheets.get(title)
    if ws is None:
        assert source.workbook is not None
        return OpenpyxlSheet(source.workbook[title])
    return ws


def check_workbook(path: Path) -> ReadBack:
    """Read and check a workbook; the problems are sorted by sheet, then row and column."""
    with collector_paused():
        return _check_workbook(path)


def _check_workbook(path: Path) -> ReadBack:
    book = read_workbook(path)
    layout = book.layout
    _method_checks(book, layout)
    assert book.source.workbook is not None  # read with openpyxl, formulas included
    _formula_checks(book)
    for warning in book.report.warnings:
        book.problems.append(CellProblem(-1, 0, 0, "(package)", "package", warning))
    book.problems.sort()
    return book
