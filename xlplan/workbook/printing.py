"""How each sheet prints and opens: paper, orientation, fit, print titles, header and footer,
protection and frozen panes, all derived from where the blocks lie."""

from __future__ import annotations

import math
from collections.abc import Mapping

from xlsxwriter.worksheet import Worksheet

from .layout import PlacedBlock, SheetLayout
from .locale import PAPER_A4, PAPER_LETTER, LocaleFormats
from .templates import Translations

FREEZE_MAX_ROWS = 12  # a header row further down is not frozen: the panes would fill the screen
WIDE_TABLE_COLUMNS = 8  # a table this wide keeps its first column in view, on screen and paper
MIN_PRINT_SCALE = 0.5  # fit to width, but not much smaller than this: more pages wide instead
PRINT_SCALE_SLACK = 0.1  # a tenth of a page over is shrunk to fit, not spilled onto a page
DEFAULT_COLUMN_WIDTH = 8.43
PAPER_WIDTH_CM = {PAPER_LETTER: 27.94, PAPER_A4: 29.7}  # landscape
MARGIN_INCHES = 0.5  # left and right


def set_up_sheet(ws: Worksheet, sheet: SheetLayout, widths: Mapping[int, float],
                 formats: LocaleFormats, words: Translations, year: int,
                 protect: bool) -> None:
    """A sheet's protection, page setup and panes; ``widths``: its columns' widths, by
    1-based column."""
    tables = [b for b in sheet.blocks if b.spec.kind == "table"]
    _protect_and_orient(ws, protect)
    _print_setup(ws, tables, widths, formats, words, year)
    _panes(ws, tables)


def _protect_and_orient(ws: Worksheet, protect: bool) -> None:
    """Print landscape, no gridlines. A sheet a person types in is not protected (Excel
    grows no table on a protected sheet; the client copy made by ``finalize`` is); a sheet
    with nothing to type is, without a password (a guard against typing over, not a
    secret)."""
    if protect:
        ws.protect("", {"format_columns": True, "format_rows": True, "autofilter": True,
                        "sort": True})
    ws.set_landscape()
    ws.hide_gridlines(2)


def _names_its_rows(tables: list[PlacedBlock]) -> bool:
    """Whether the sheet's first column names its rows: a wide table starts there (KPIs,
    priorities, actions), not a one-column list."""
    first = next((b for b in tables if b.left == 1), None)
    return first is not None and first.width >= WIDE_TABLE_COLUMNS


def _print_setup(ws: Worksheet, tables: list[PlacedBlock], widths: Mapping[int, float],
                 formats: LocaleFormats, words: Translations, year: int) -> None:
    """Paper as the locale has it (A4, or Letter in the Americas' Letter countries), each
    page of the tables with their header row (and their first column when it names the
    rows and the sheet runs over pages wide), and a header and footer: the sheet and the
    year, the page number of the count, confidentiality."""
    ws.set_paper(formats.paper)
    if tables:
        ws.repeat_rows(min(b.header_row for b in tables) - 1)
    # no client text here: the batch fills client texts in where the sheets hold them,
    # and a header escapes "&" and cuts at 255 characters (the first row has the client)
    ws.set_header(f'&L&"-,Bold"&A&R{year}', {"margin": 0.3})
    ws.set_footer(f"&L{words.label('print.confidential')}&C{words.label('print.page')} "
                  "&P / &N", {"margin": 0.3})
    ws.set_margins(left=MARGIN_INCHES, right=MARGIN_INCHES, top=0.75, bottom=0.75)
    pages = _pages_wide(widths, PAPER_WIDTH_CM[formats.paper])
    ws.fit_to_pages(pages, 0)
    if pages > 1 and _names_its_rows(tables):
        ws.repeat_columns(0)  # each page shows what its rows are


def _pages_wide(widths: Mapping[int, float], paper_cm: float) -> int:
    """How many pages wide a sheet prints: one, unless that would shrink it below
    ``MIN_PRINT_SCALE`` (a wide table is then spread over pages, legible)."""
    total = sum(_column_cm(widths.get(col) or DEFAULT_COLUMN_WIDTH)
                for col in range(1, max(widths, default=1) + 1))
    printable = paper_cm - 2 * MARGIN_INCHES * 2.54
    return max(1, math.ceil(total * MIN_PRINT_SCALE / printable - PRINT_SCALE_SLACK))


def _column_cm(width: float) -> float:
    """A column's printed width: Excel's width in characters is 7 pixels each and 5 of
    padding, at 96 pixels an inch."""
    return (7 * width + 5) * 2.54 / 96


def _panes(ws: Worksheet, tables: list[PlacedBlock]) -> None:
    """Frozen panes: the tables' header row stays in view when it is near the top (a table
    further down shows its headers in place of the column letters as one scrolls it, in
    Excel), and the first column when it names the rows."""
    if not tables:
        return
    header = min(b.header_row for b in tables)
    rows = header if header <= FREEZE_MAX_ROWS else 0
    cols = 1 if _names_its_rows(tables) else 0
    if rows or cols:
        ws.freeze_panes(rows, cols)
