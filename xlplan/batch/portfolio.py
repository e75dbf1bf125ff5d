"""``xlplan consolidate``: every client's workbook read back, one portfolio workbook out.

Workbooks are read in parallel with the fast (calamine) reader, after the same bounded-reading
guard as everywhere; each gives one row, computed by the Python calculations from its inputs
(so a workbook never recalculated by Excel consolidates the same as one that was). Rows are
streamed to a write-only workbook: memory stays flat in the number of clients.

Each file is read in isolation, in a worker process (one at least): a file that fails in any
way, even by killing the process reading it, is listed on the unreadable sheet with a reason,
and the others are read. Spreadsheets xlplan does not read (.xlsm, .xlsb, .xls, .ods...) are
listed there too, never skipped in silence; Excel's lock files (``~$name.xlsx``) are skipped.
"""

from __future__ import annotations

import heapq
import os
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
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

from ..calc import reviews as review_calc
from ..calc.kpis import KpiStatus
from ..errors import XlplanError
from ..model import Language, Plan
from ..reader.guard import failure_reason, is_read_failure
from ..results import PlanResults, compute
from ..safe_io import atomic_target
from ..workbook.package import exact_numbers
from ..workbook.templates import Translations, translations
from .workers import worker_pool

TOP_CLIENTS = 30
_FORMATS = {"customer_capital": "#,##0", "funding_gap": "#,##0", "min_balance": "#,##0",
            "completion": "0%", "next_review": "yyyy-mm-dd", "latest_review": "yyyy-mm-dd",
            "alignment": "0%"}
COLUMNS = ("client", "file", "language", "currency", "customer_capital", "funding_gap",
           "fundable", "min_balance", "first_negative_month", "kpis_on_target", "kpi_count",
           "retained_priorities", "quadrants_without_top", "completion", "late_actions",
           "next_review", "latest_review", "latest_period", "review_overdue",
           "objectives_achieved", "priorities_abandoned", "overloaded_months", "alignment",
           "problems")
NOT_READ = {  # suffix -> why a file is listed as unreadable without being opened
    ".xlsm": "macro-enabled workbook (.xlsm): not read; save it as .xlsx",
    ".xltm": "macro-enabled template (.xltm): not read; save it as .xlsx",
    ".xltx": "Excel template (.xltx): not read; save it as .xlsx",
    ".xlsb": "binary workbook (.xlsb): not read; save it as .xlsx",
    ".xls": "Excel 97-2003 workbook (.xls): not read; save it as .xlsx",
    ".ods": "OpenDocument spreadsheet (.ods): not read; save it as .xlsx",
}
CRASHED = ("the reader crashed on this file (its process died: out of memory, or a fault in "
           "a library); not read")


@dataclass(frozen=True)
class ClientSummary:
    values: tuple[object, ...]  # in COLUMNS order
    customer_capital: float
    fundable: bool
    late_actions: int
    currency: str = ""


@dataclass
class Totals:
    clients: int = 0
    fundable: int = 0
    late_actions: int = 0
    # an amount is summed per currency: a total adding MXN, EUR and GBP means nothing
    customer_capital: dict[str, float] = field(default_factory=dict)
    clients_by_currency: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Unreadable:
    file: str
    reason: str


def summarise(path: Path) -> ClientSummary | Unreadable:
    """One workbook's portfolio row, or why it cannot give one (never an exception, but
    KeyboardInterrupt and SystemExit)."""
    from ..reader.check import check_workbook

    try:
        book = check_workbook(path)  # its problems are what `check` reports, to the one
        plan = book.valid_part
        if plan is None:
            first = "; ".join(str(p) for p in sorted(book.problems)[:3])
            return Unreadable(path.name, f"{len(book.problems)} problems: {first}")
        results = compute(plan)
        fund = results.funding
        return ClientSummary((
            plan.client.name, path.name, plan.language.value, plan.client.currency,
            results.customer_capital, fund.gap, fund.fundable, fund.min_balance,
            fund.first_negative_month, results.kpis_by_status[KpiStatus.GREEN],
            len(plan.kpis), results.retained_priorities, results.quadrants_without_top,
            results.actions_completion, results.late_actions, results.next_review,
            *_review_status(plan, results), results.objectives_achieved,
            results.abandoned_priorities, *_people(results), len(book.problems)),
            results.customer_capital, fund.fundable, results.late_actions, plan.client.currency)
    except XlplanError as exc:
        return Unreadable(path.name, str(exc).removeprefix(f"{path}: "))
    except BaseException as exc:
        if not is_read_failure(exc):
            raise
        return Unreadable(path.name, f"cannot be summarised ({failure_reason(exc)})")


def _people(results: PlanResults) -> tuple[int, float | None]:
    """The people pillar: overloaded person-months, and the survey's alignment score."""
    team = results.people
    assert team is not None
    return team.overloaded_months, team.alignment_score


def _review_status(plan: Plan, results: PlanResults) -> tuple[object, object, bool]:
    """The latest review's date and period, and whether the next one is overdue: the period
    after the latest one reviewed (the first period when none was) has ended by the as-of
    date (the plan's, or today) with no review held for it."""
    latest = max(plan.reviews, key=lambda r: (r.date, r.period), default=None)
    periods = plan.plan.review_cadence.periods
    start = review_calc.plan_start(plan)
    following = periods.index(latest.period) + 1 if latest else 0
    when, period = (latest.date, latest.period) if latest else (None, None)
    if following >= len(periods):  # the year's last period is reviewed
        return when, period, False
    months = plan.plan.review_cadence.months
    ends = (review_calc.period_start(periods[following + 1], months, start)
            if following + 1 < len(periods) else date(start.year + 1, start.month, 1))
    return when, period, results.as_of >= ends


def _listed(folder: Path, exclude: Path | None) -> Iterator[Path]:
    skip = exclude.resolve() if exclude else None
    for path in folder.iterdir():
        if not path.name.startswith("~$") and path.is_file() and path.resolve() != skip:
            yield path


def workbooks_in(folder: Path, exclude: Path | None = None) -> list[Path]:
    """The .xlsx files of a folder (any case: .XLSX too), in name order, without Excel lock
    files or the output."""
    return sorted(p for p in _listed(folder, exclude) if p.suffix.lower() == ".xlsx")


def not_read_in(folder: Path, exclude: Path | None = None) -> list[Unreadable]:
    """The spreadsheets of a folder that xlplan does not read (NOT_READ), each with why."""
    return [Unreadable(p.name, NOT_READ[p.suffix.lower()])
            for p in sorted(_listed(folder, exclude)) if p.suffix.lower() in NOT_READ]


Summarise = Callable[[Path], ClientSummary | Unreadable]


def summaries(files: list[Path], workers: int, progress: bool,
              summarise: Summarise = summarise) -> Iterator[ClientSummary | Unreadable]:
    """Each file's summary, in file order, read in ``workers`` processes (one at least).
    ``summarise`` must be a module-level function (it is sent to the workers)."""
    with tqdm(total=len(files), unit="workbook", disable=not progress) as bar:
        for item in _isolated(files, max(1, workers), summarise):
            bar.update()
            yield item


def _summarise_all(summarise: Summarise, paths: list[Path]) -> list[ClientSummary | Unreadable]:
    return [summarise(path) for path in paths]


Flight = deque[tuple[list[Path], "Future[list[ClientSummary | Unreadable]]"]]


def _isolated(files: list[Path], workers: int,
              summarise: Summarise) -> Iterator[ClientSummary | Unreadable]:
    """Files read in chunks by a pool of processes, a bounded number in flight (memory stays
    flat). A process that dies (a reader's abort or segfault, the OOM killer) breaks the pool
    and every chunk in flight with it: those files are read again one at a time, each in a
    fresh process, so the file that kills its reader is reported alone and the others are
    read; then the rest goes on in a new pool."""
    size = max(1, min(64, len(files) // (workers * 8)))
    chunks = deque(files[i:i + size] for i in range(0, len(files), size))
    while chunks:
        flight: Flight = deque()
        broken = False
        pool = worker_pool(workers, quiet=True)
        try:
            while chunks or flight:
                while chunks and len(flight) < workers * 2:
                    future = pool.submit(_summarise_all, summarise, chunks[0])
                    flight.append((chunks.popleft(), future))
                items = flight[0][1].result()
                flight.popleft()
                yield from items
        except BrokenProcessPool:
            broken = True
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        if broken:
            yield from _after_a_crash(flight, summarise)


def _after_a_crash(flight: Flight,
                   summarise: Summarise) -> Iterator[ClientSummary | Unreadable]:
    """The chunks a broken pool held: those it finished as they were, the others read again
    file by file, each alone in a single-worker pool (a new one after each crash)."""
    pool: ProcessPoolExecutor | None = None
    try:
        for paths, future in flight:
            if future.done() and not future.cancelled() and future.exception() is None:
                yield from future.result()
                continue
            for path in paths:
                pool = pool or worker_pool(1, quiet=True)
                try:
                    item = pool.submit(summarise, path).result()
                except BrokenProcessPool:
                    pool.shutdown(wait=True)
                    pool = None
                    item = Unreadable(path.name, CRASHED)
                yield item
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


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
                workers: int | None = None, progress: bool = True,
                summarise: Summarise = summarise) -> tuple[int, int]:
    """Write the portfolio workbook (atomically, streamed: memory stays flat); return the
    number of clients and of unreadable files (those not read included). ``summarise``
    reads one file (a module-level function: tests give one that crashes)."""
    words = translations(language)
    files = workbooks_in(folder, exclude=output)
    count = workers or min(len(files) // 50 + 1, os.cpu_count() or 1)
    wb = Workbook(write_only=True)
    clients = wb.create_sheet(words.portfolio("sheet_clients"))
    headers = [words.portfolio(c) for c in COLUMNS]
    clients.append(_row(clients, headers))
    formats = [_FORMATS.get(c) for c in COLUMNS]
    unreadable = not_read_in(folder, exclude=output)
    top: dict[str, list[tuple[float, int, str]]] = {}  # bounded heaps: memory stays flat
    totals = Totals()
    with exact_numbers():  # a write-only sheet serialises each row as it is appended
        for item in summaries(files, count, progress, summarise):
            if isinstance(item, Unreadable):
                unreadable.append(item)
                continue
            totals.clients += 1
            totals.fundable += item.fundable
            totals.late_actions += item.late_actions
            money = totals.customer_capital
            money[item.currency] = money.get(item.currency, 0.0) + item.customer_capital
            counts = totals.clients_by_currency
            counts[item.currency] = counts.get(item.currency, 0) + 1
            entry = (item.customer_capital, -totals.clients, str(item.values[0]))
            heap = top.setdefault(item.currency, [])
            (heapq.heappush if len(heap) < TOP_CLIENTS else heapq.heappushpop)(heap, entry)
            clients.append(_row(clients, item.values, formats))
    if totals.clients:
        with warnings.catch_warnings():  # openpyxl warns in write-only mode; columns are set
            warnings.simplefilter("ignore", UserWarning)
            clients.add_table(_table("Portfolio", headers, totals.clients))
    with exact_numbers():
        main = max(totals.clients_by_currency, key=lambda c: (totals.clients_by_currency[c], c),
                   default="")
        _summary_sheet(wb, words, totals, len(unreadable), main,
                       sorted(top.get(main, []), reverse=True))
        bad = wb.create_sheet(words.portfolio("sheet_unreadable"))
        bad.append(_row(bad, [words.portfolio("file"), words.portfolio("reason")]))
        for item in sorted(unreadable, key=lambda u: u.file):
            bad.append(_row(bad, [item.file, item.reason]))
    today = datetime.combine(date.today(), datetime.min.time())
    wb.properties.created = wb.properties.modified = today
    with atomic_target(output) as tmp:
        wb.save(tmp)
    return totals.clients, len(unreadable)


def _summary_sheet(wb: Workbook, words: Translations, totals: Totals, unreadable: int,
                   currency: str, top: list[tuple[float, int, str]]) -> None:
    ws = wb.create_sheet(words.portfolio("sheet_summary"))
    ws.append(_row(ws, [words.portfolio("title")]))
    ws.append([])
    figures = [("clients", totals.clients), ("fundable_clients", totals.fundable),
               ("not_fundable_clients", totals.clients - totals.fundable),
               ("unreadable", unreadable), ("total_late_actions", totals.late_actions)]
    for key, value in figures:
        ws.append(_row(ws, [words.portfolio(key), value]))
    for money, total in sorted(totals.customer_capital.items()):
        ws.append(_row(ws, [words.portfolio("total_customer_capital", currency=money), total],
                       [None, "#,##0"]))
    ws.append([])
    first_top = 3 + len(figures) + len(totals.customer_capital) + 2
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
        bar.title = words.portfolio("chart_capital", currency=currency)
        bar.legend = None
        bar.add_data(Reference(ws, min_col=2, min_row=first_top, max_row=first_top + len(top)),
                     titles_from_data=True)
        bar.set_categories(Reference(ws, min_col=1, min_row=first_top + 1,
                                     max_row=first_top + len(top)))
        bar.x_axis.scaling.orientation = "maxMin"
        bar.height = max(7.5, 0.5 * len(top))
        ws.add_chart(bar, "D18")
