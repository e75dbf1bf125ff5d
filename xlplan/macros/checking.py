"""Check the plan: a report sheet listing every problem, each linked to its cell."""

from __future__ import annotations

from ..reader.check import check_workbook
from ..workbook.formulas import string_literal
from ._book import Book, Cell, CellValue, Formula, MacroResult

REPORT_WIDTHS = (24.0, 16.0, 90.0)


def check_plan(book: Book) -> MacroResult:
    """Run ``xlplan check`` on the book and put what it finds on a report sheet (a
    consultant-only sheet: ``finalize`` leaves it out of the client copy)."""
    with book.snapshot() as path:
        checked = check_workbook(path)
    words = checked.words
    title = words.macro("check_sheet")
    rows: list[list[CellValue]] = [[words.macro("column_cell"), words.macro("column_kind"),
                                    words.macro("column_problem")]]
    for problem in checked.problems:
        where: CellValue = problem.cell
        if problem.row > 0:
            cell = Cell(problem.sheet, problem.row, problem.column)
            where = Formula(f"=HYPERLINK({string_literal('#' + cell.address)},"
                            f"{string_literal(cell.shown)})")
        rows.append([where, words.macro(f"kind_{problem.kind}"), problem.message])
    if not checked.problems:
        rows.append(["", "", words.macro("no_problem")])
    book.replace_sheet(title, rows, REPORT_WIDTHS)
    count = len(checked.problems)
    message = (words.macro("problems_found", count=count, sheet=title) if count
               else words.macro("no_problem"))
    return MacroResult(message, changed_book=True, findings=count)
