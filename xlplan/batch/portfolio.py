"""``xlplan consolidate``: every client's workbook read back, one portfolio workbook out.

Workbooks are read in parallel with the fast (calamine) reader, after the same bounded-reading
guard as everywhere; each gives one row, computed by the Python calculations from its inputs
(so a workbook never recalculated by Excel consolidates the same as one that was). Rows are
streamed to a write-only workbook: memory stays flat in the number of clients.
"""

from __future__ import annotations

import heapq
import os
import warnings
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from itertools import zip_longest
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, PieChart, Reference
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo
from tqdm import tqdm

from ..calc.kpis import KpiStatus
from ..errors import XlplanError
from ..model import Language
from ..results import compute
from ..safe_io import atomic_target
from ..workbook.package import exact_numbers
from ..workbook.templates import Translations, translations

TOP_CLIENTS = 30
_FORMATS = {"customer_capital": "#,##0", "funding_gap": "#,##0", "min_balance": "#,##0",
            "completion": "0%", "next_review": "yyyy-mm-dd"}
COLUMNS = ("client", "file", "language", "currency", "customer_capital", "funding_gap",
           "fundable", "min_balance", "first_negative_month", "kpis_on_target", "kpi_count",
           "retained_priorities", "quadrants_without_top", "completion", "late_actions",
           "next_review", "problems")


@dataclass(frozen=True)
class ClientSummary:
    values: tuple[object, ...]  # in COLUMNS order
    customer_capital: float
    fundable: bool
    late_actions: int


@dataclass
class Totals:
    clients: int = 0
    fundable: int = 0
    customer_capital: float = 0.0
    late_actions: int = 0


@dataclass(frozen=True)
class Unreadable:
    file: str
    reason: str


def summarise(path: Path) -> ClientSummary | Unreadable:
    """One workbook's portfolio row, or why it cannot give one."""
    from ..reader.workbook import read_workbook

    try:
        book = read_workbook(path, fast=True)
    except XlplanError as exc:
        return Unreadable(path.name, str(exc).removeprefix(f"{path}: "))
    plan = book.valid_part
    if plan is None:
        first = "; ".join(str(p) for p in sorted(book.problems)[:3])
        return Unreadable(path.name, f"{len(book.problems)} problems: {first}")
    results = compute(plan)
    fund = results.funding
    return ClientSummary((
        plan.client.name, path.name, plan.language.value, plan.client.currency,
        results.customer_capital, fund.gap, fund.fundable, fund.min_balance,
        fund.first_negative_month, results.kpis_by_status[KpiStatus.GREEN], len(plan.kpis),
        results.retained_priorities, results.quadrants_without_top,
        results.actions_completion, results.late_actions, results.next_review,
        len(book.problems)), results.customer_capital, fund.fundable, results.late_actions)


def workbooks_in(folder: Path, exclude: Path | None = None) -> list[Path]:
    """The .xlsx files of a folder, in name order, without Excel lock files or the output."""
    skip = exclude.resolve() if exclude else None
    return sorted(p for p in folder.glob("*.xlsx") if not p.name.startswith("~$")
                  and p.is_file() and p.resolve() != skip)


def summaries(files: list[Path], workers: int,
              progress: bool) -> Iterator[ClientSummary | Unreadable]:
    if workers <= 1:
        results: Iterator[ClientSummary | Unreadable] = map(summarise, files)
        yield from tqdm(results, total=len(files), unit="workbook", disable=not progress)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool, tqdm(
            total=len(files), unit="workbook", disable=not progress) as bar:
        chunk = max(1, min(64, len(files) // (workers * 8)))
        window = chunk * workers * 8  # a bounded number of files in flight: flat memory
        for start in range(0, len(files), window):
            for item in pool.map(summarise, files[start:start + window], chunksize=chunk):
                bar.update()
                yield item


def _row(ws: Any, values: Iterable[object], formats: Iterable[str | None] = ()) -> list[Any]:
    """Cells for a write-only row: text always as text (a client called =HYPERLINK(...)
    stays that string), numbers and dates with their format."""
    cells = []
    for value, number_format in zip_longest(values, formats):
        cell = WriteOnlyCell(ws, value)
        if isinstance(value, str):
            cell.data_type = "s"
        if number_format:
            cell.number_format = number_format
        cells.append(cell)
    return cells


def _table(name: str, headers: list[str], rows: int) -> Table:
    table = Table(displayName=name, ref=f"A1:{get_column_letter(len(headers))}{rows + 1}")
    table.tableColumns = [TableColumn(id=i + 1, name=h) for i, h in enumerate(headers)]
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    return table


def consolidate(folder: Path, output: Path, language: Language = Language.EN,
                workers: int | None = None, progress: bool = True) -> tuple[int, int]:
    """Write the portfolio workbook (atomically, streamed: memory stays flat); return the
    number of clients and of unreadable files."""
    words = translations(language)
    files = workbooks_in(folder, exclude=output)
    count = workers or min(len(files) // 50 + 1, os.cpu_count() or 1)
    wb = Workbook(write_only=True)
    clients = wb.create_sheet(words.portfolio("sheet_clients"))
    headers = [words.portfolio(c) for c in COLUMNS]
    clients.append(_row(clients, headers))
    formats = [_FORMATS.get(c) for c in COLUMNS]
    unreadable: list[Unreadable] = []
    top: list[tuple[float, int, str]] = []  # a bounded heap: memory stays flat
    totals = Totals()
    with exact_numbers():  # a write-only sheet serialises each row as it is appended
        for item in summaries(files, count, progress):
            if isinstance(item, Unreadable):
                unreadable.append(item)
                continue
            totals.clients += 1
            totals.fundable += item.fundable
            totals.customer_capital += item.customer_capital
            totals.late_actions += item.late_actions
            entry = (item.customer_capital, -totals.clients, str(item.values[0]))
            (heapq.heappush if len(top) < TOP_CLIENTS else heapq.heappushpop)(top, entry)
            clients.append(_row(clients, item.values, formats))
    if totals.clients:
        with warnings.catch_warnings():  # openpyxl warns in write-only mode; columns are set
            warnings.simplefilter("ignore", UserWarning)
            clients.add_table(_table("Portfolio", headers, totals.clients))
    with exact_numbers():
        _summary_sheet(wb, words, totals, len(unreadable), sorted(top, reverse=True))
        bad = wb.create_sheet(words.portfolio("sheet_unreadable"))
        bad.append(_row(bad, [words.portfolio("file"), words.portfolio("reason")]))
        for item in unreadable:
            bad.append(_row(bad, [item.file, item.reason]))
    today = datetime.combine(date.today(), datetime.min.time())
    wb.properties.created = wb.properties.modified = today
    with atomic_target(output) as tmp:
        wb.save(tmp)
    return totals.clients, len(unreadable)


def _summary_sheet(wb: Workbook, words: Translations, totals: Totals, unreadable: int,
                   top: list[tuple[float, int, str]]) -> None:
    ws = wb.create_sheet(words.portfolio("sheet_summary"))
    ws.append(_row(ws, [words.portfolio("title")]))
    ws.append([])
    figures = [("clients", totals.clients), ("fundable_clients", totals.fundable),
               ("not_fundable_clients", totals.clients - totals.fundable),
               ("unreadable", unreadable), ("total_customer_capital", totals.customer_capital),
               ("total_late_actions", totals.late_actions)]
    for key, value in figures:
        ws.append(_row(ws, [words.portfolio(key), value]))
    ws.append([])
    first_top = 3 + len(figures) + 2
    ws.append(_row(ws, [words.portfolio("client"), words.portfolio("customer_capital")]))
    for capital, _, name in top:
        ws.append(_row(ws, [name, capital], [None, "#,##0"]))
    pie = PieChart()
    pie.title = words.portfolio("chart_fundable")
    pie.add_data(Reference(ws, min_col=2, min_row=4, max_row=5), titles_from_data=False)
    pie.set_categories(Reference(ws, min_col=1, min_row=4, max_row=5))
    ws.add_chart(pie, "D2")
    if top:
        bar = BarChart()
        bar.type = "bar"
        bar.title = words.portfolio("chart_capital")
        bar.legend = None
        bar.add_data(Reference(ws, min_col=2, min_row=first_top, max_row=first_top + len(top)),
                     titles_from_data=True)
        bar.set_categories(Reference(ws, min_col=1, min_row=first_top + 1,
                                     max_row=first_top + len(top)))
        bar.x_axis.scaling.orientation = "maxMin"
        bar.height = max(7.5, 0.5 * len(top))
        ws.add_chart(bar, "D18")
