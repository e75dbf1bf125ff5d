"""``xlplan check``: every problem of an edited workbook, each at its cell.

On top of what reading finds (types, lists, required values, the plan's rules), it checks the
method (an action with nobody responsible, an objective missing SMART elements, a quadrant
with no top priority, a month where the cash balance goes below zero) and that no computed
cell was typed over.
"""

from __future__ import annotations

import re
from pathlib import Path

from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from ..calc import arith
from ..calc.funding import MONTHS
from ..results import compute
from ..workbook.formulas import FormulaRenderer
from ..workbook.layout import FIELD_VALUE_COLUMN, Layout
from .sources import OpenpyxlSheet
from .workbook import CellProblem, ReadBack, read_workbook, table_columns

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
                         "funding_negative", balance=f"{balance:,.2f}", month=month)


def _formula_checks(book: ReadBack, layout: Layout, wb: Workbook) -> None:
    formulas = FormulaRenderer(layout, book.words)
    for sheet in layout.sheets:
        if sheet.title not in wb.sheetnames:
            continue
        ws = wb[sheet.title]
        for block in sheet.blocks:
            spec = block.spec
            if spec.kind == "table":
                bounds = OpenpyxlSheet(ws).table(spec.name or "")
                if bounds is None:
                    continue
                found = table_columns(OpenpyxlSheet(ws), bounds, spec, book.words)
                if any(found.get(c.key) != block.column_of(c.key) for c in spec.cells):
                    continue  # columns moved by hand: reading by headers still works
                for column in spec.cells:
                    if column.computed:
                        at = formulas.table_column(block, column)
                        col = block.column_of(column.key)
                        for row in range(block.first_row, block.last_row + 1):
                            _expect(book, ws, row, col, at(row))
            elif spec.kind == "fields":
                for field in spec.cells:
                    if field.computed:
                        _expect(book, ws, block.row_of(field.key), FIELD_VALUE_COLUMN,
                                formulas.field(field))
            elif spec.kind == "grid":
                for row_spec in spec.cells:
                    for index, grid_column in enumerate(block.grid_columns):
                        _expect(book, ws, block.row_of(row_spec.key),
                                block.column_of(grid_column.key),
                                formulas.grid_cell(block, row_spec, index))


def _expect(book: ReadBack, ws: Worksheet, row: int, col: int, formula: str) -> None:
    value = ws.cell(row, col).value
    if not (isinstance(value, str) and _normal(value) == _normal(formula)):
        book.problem(ws.title, row, col, "formula", "formula_replaced", formula=formula)


def check_workbook(path: Path) -> ReadBack:
    """Read and check a workbook; the problems are sorted by sheet, then row and column."""
    book = read_workbook(path)
    layout = book.layout
    _method_checks(book, layout)
    assert book.source.workbook is not None  # read with openpyxl, formulas included
    _formula_checks(book, layout, book.source.workbook)
    for warning in book.report.warnings:
        book.problems.append(CellProblem(-1, 0, 0, "(package)", "package", warning))
    book.problems.sort()
    return book
