"""Read an xlplan workbook (possibly edited by a consultant) back into plan-file data.

Tables are found by their Excel names, their columns by their translated headers, fields by
their label in the first column: inserted columns or moved blocks do not confuse the reader.
Each value keeps the cell it came from, so a problem is reported as ``Actions!C14``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter

from ..collector import collector_paused
from ..errors import PlanError
from ..loading import validate_plan
from ..model import Language, Plan
from ..plan_rules import Location
from ..workbook.layout import (
    FIELD_LABEL_COLUMN,
    FIELD_VALUE_COLUMN,
    Layout,
    SheetLayout,
    TableBounds,
    legend_texts,
)
from ..workbook.templates import (
    LIST_SEPARATOR,
    BlockSpec,
    CellSpec,
    Translations,
    sheet_specs,
    template_version,
    translations,
)
from .guard import (
    PackageReport,
    UnreadableWorkbook,
    inspect_package,
    read_failures_as_unreadable,
)
from .sources import (
    BookSource,
    CellsSheet,
    SheetSource,
    guard_found_plain,
    open_calamine,
    open_openpyxl,
)

_INVALID = object()  # a value that could not be read; its cell already has a problem
_FIELD_SCAN_ROWS = 400
_NO_END = 2**63  # a row below every row
WARNING_KINDS = frozenset({"method"})


@dataclass(frozen=True, order=True)
class CellProblem:
    """A problem at a cell, in the workbook's language."""

    sheet_order: int
    row: int
    column: int
    sheet: str
    kind: str
    message: str

    @property
    def is_warning(self) -> bool:
        """Advice on the method (an action with no priority, a quadrant with two top
        priorities): reported, but the workbook can be used; anything else is an error."""
        return self.kind in WARNING_KINDS

    @property
    def cell(self) -> str:
        if self.row == 0:  # about the file as a whole
            return self.sheet
        return f"{self.sheet}!{get_column_letter(self.column)}{self.row}"

    def __str__(self) -> str:
        return f"{self.cell}: {self.message}"


@dataclass
class ReadBack:
    """What was read: plan-file data, the cell of each value, and the problems found."""

    path: Path
    words: Translations
    source: BookSource
    report: PackageReport
    version: int  # the template version the workbook was made with
    layout: Layout  # where its blocks are now (tables as grown, fields under their titles)
    data: dict[str, Any] = field(default_factory=dict)
    cells: dict[Location, tuple[str, int, int]] = field(default_factory=dict)
    problems: list[CellProblem] = field(default_factory=list)
    plan: Plan | None = None  # the plan, when the workbook has no problem at all
    valid_part: Plan | None = None  # the plan without the rows in error, if it validates
    kept_rows: dict[Location, list[int]] = field(default_factory=dict)  # valid_part -> rows

    def row_cell(self, base: Location, index: int, key: str) -> Location:
        """The cell location of ``valid_part``'s row ``index`` (rows in error were left out)."""
        kept = self.kept_rows.get(base)
        return (*base, kept[index] if kept is not None else index, key)

    def problem(self, sheet: str, row: int, column: int, kind: str, key: str,
                **values: object) -> None:
        names = self.source.sheet_names
        order = names.index(sheet) if sheet in names else 99
        self.problems.append(CellProblem(order, row, column, sheet, kind,
                                         self.words.check(key, **values)))

    def problem_at(self, loc: Location, kind: str, key: str, **values: object) -> None:
        where = self.cells.get(loc)
        while where is None and loc:
            loc = loc[:-1]
            where = self.cells.get(loc)
        sheet, row, col = where or (self.source.sheet_names[0], 1, 1)
        self.problem(sheet, row, col, kind, key, **values)


def _language(source: BookSource) -> Language:
    if source.language in {lang.value for lang in Language}:
        return Language(source.language)
    for language in Language:
        if translations(language).sheet("dashboard") in source.sheet_names:
            return language
    raise UnreadableWorkbook("not an xlplan workbook (no xlplan sheets in any language)")


def _shown(value: Any) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    return repr(value) if isinstance(value, str) else str(value)


Issue = tuple[str, dict[str, object]]


def convert(spec: CellSpec, value: Any, words: Translations) -> tuple[Any, Issue | None]:
    """A cell's value as the plan file wants it, or the (message key, values) of a problem."""
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None, None
    kind = spec.type
    if kind in ("text", "ref", "category"):  # a category's label: validate_plan gives its code
        if isinstance(value, datetime):
            return value.date().isoformat(), None
        if isinstance(value, float) and value.is_integer():
            return str(int(value)), None
        return str(value).strip(), None
    if kind == "list":  # "rédaction; tableaux de bord": one text each
        text, issue = convert(replace(spec, type="text"), value, words)
        return [part.strip() for part in str(text).split(LIST_SEPARATOR) if part.strip()], issue
    if kind in ("money", "number", "percent", "days"):
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value), None
        return None, ("not_a_number", {"value": _shown(value)})
    if kind in ("integer", "month", "score"):
        if isinstance(value, int | float) and not isinstance(value, bool) and float(
                value).is_integer():
            return int(value), None
        return None, ("not_a_whole_number", {"value": _shown(value)})
    if kind == "date":
        if isinstance(value, datetime):
            return value.date(), None
        if isinstance(value, date):
            return value, None
        return None, ("not_a_date", {"value": _shown(value)})
    if kind in ("choice", "yesno"):
        group = spec.choices or "yesno"
        code = words.choice_code(group, str(value)) if isinstance(value, str) else None
        if code is None:
            return None, ("not_in_list", {"value": _shown(value),
                                          "choices": ", ".join(words.choice_labels(group))})
        return (code == "yes") if kind == "yesno" else code, None
    raise ValueError(f"no reader for type {kind!r}")


_AS_TEXT = frozenset({"text", "ref", "category"})
_AS_NUMBER = frozenset({"money", "number", "percent", "days"})
_CHOICES = frozenset({"choice", "yesno"})


def label_rows(ws: SheetSource) -> dict[str, int]:
    """The first row of each text in a sheet's first column (field labels, block titles)."""
    rows: dict[str, int] = {}
    for row in range(1, min(ws.max_row, _FIELD_SCAN_ROWS) + 1):
        value = ws.value(row, FIELD_LABEL_COLUMN)
        if isinstance(value, str):
            rows.setdefault(value.strip(), row)
    return rows


def field_path(spec: CellSpec) -> Location:
    """The plan path an input field binds to: ``("client", "name")``."""
    assert spec.bind is not None
    return tuple(spec.bind.split("."))


def _read_fields(book: ReadBack, ws: SheetSource, block: BlockSpec,
                 labels: dict[str, int]) -> None:
    for spec in block.cells:
        if spec.computed or not spec.bind:
            continue
        label = book.words.label(f"{block.label_prefix}.{spec.key}")
        row = labels.get(label)
        if row is None:
            book.problem(ws.title, 1, 1, "structure", "missing_field", label=label)
            continue
        path = field_path(spec)
        book.cells[path] = (ws.title, row, FIELD_VALUE_COLUMN)
        if ws.is_formula(row, FIELD_VALUE_COLUMN):  # AsOfDate = TODAY(): no fixed value
            continue
        value, issue = convert(spec, ws.value(row, FIELD_VALUE_COLUMN), book.words)
        if issue:
            book.problem(ws.title, row, FIELD_VALUE_COLUMN, "type", issue[0], **issue[1])
        elif value is not None:
            _put(book.data, path, value)


def _put(data: dict[str, Any], path: Location, value: Any) -> None:
    node = data
    for part in path[:-1]:
        node = node.setdefault(str(part), {})
    node[str(path[-1])] = value


def cell_getter(ws: SheetSource) -> Callable[[tuple[int, int]], Any]:
    """``ws.value`` taking a (row, column) pair: the dict's own look-up for a sheet read in
    bulk (the same value, without a call of ours per cell)."""
    if type(ws) is CellsSheet:
        return ws.values.get
    return lambda at: ws.value(*at)


def table_columns(ws: SheetSource, bounds: TableBounds, block: BlockSpec,
                  words: Translations) -> dict[str, int]:
    """Each column of a table found by its translated header: column key -> sheet column."""
    min_col, header, max_col, _ = bounds
    headers = {str(ws.value(header, c)).strip(): c for c in range(min_col, max_col + 1)}
    labels = {spec.key: words.label(f"{block.label_prefix}.{spec.key}") for spec in block.cells}
    return {key: headers[label] for key, label in labels.items() if label in headers}


def _read_table(book: ReadBack, ws: SheetSource, block: BlockSpec) -> None:
    assert block.name is not None
    bounds: TableBounds | None = ws.table(block.name)
    if bounds is None:
        book.problem(ws.title, 1, 1, "structure", "missing_table", name=block.name)
        return
    min_col, header, _, max_row = bounds
    columns = table_columns(ws, bounds, block, book.words)
    for spec in block.cells:
        if spec.key not in columns and not spec.computed:
            book.problem(ws.title, header, min_col, "structure", "missing_column",
                         label=book.words.label(f"{block.label_prefix}.{spec.key}"),
                         name=block.name)
    base: Location = block.path
    rows: list[Any] = []
    # each input column: its spec, sheet column, item key, and whether a plain text (text
    # kinds), a number (number kinds: as a float) or a date and time (dates: its day) is
    # taken as convert() would take it, without a call
    inputs = [(spec, columns[spec.key], spec.item_key, spec.type in _AS_TEXT,
               spec.type in _AS_NUMBER, spec.type == "date")
              for spec in block.cells if not spec.computed and spec.key in columns]
    cell_keys = [(block.cell(spec.key).item_key, col) for spec, col, *_ in inputs]
    words, title, where = book.words, ws.title, book.cells
    value = cell_getter(ws)
    choices: dict[tuple[str, str | None, str], tuple[Any, Issue | None]] = {}
    scalar = next(c.key for c in block.inputs if c.bind == ".") if block.scalar else None
    for row in range(header + 1, max_row + 1):
        record: dict[str, Any] = {}
        invalid = False
        for spec, col, item_key, as_text, as_number, as_date in inputs:
            raw = value((row, col))
            if raw is None:
                continue
            kind = type(raw)
            if kind is str and as_text:  # what convert() gives a text: stripped, or nothing
                text = raw.strip()
                if text:
                    record[item_key] = text
                continue
            if kind is float and as_number:
                record[item_key] = raw
                continue
            if kind is datetime and as_date:
                record[item_key] = raw.date()
                continue
            if kind is int and as_number:
                record[item_key] = float(raw)  # raising as convert() does, past a float's range
                continue
            if kind is str and spec.type in _CHOICES:  # a list's label: looked up once
                found = choices.get((spec.type, spec.choices, raw))
                if found is None:
                    found = choices[(spec.type, spec.choices, raw)] = convert(spec, raw, words)
                item, issue = found
            else:
                item, issue = convert(spec, raw, words)
            if issue:
                book.problem(title, row, col, "type", issue[0], **issue[1])
                record[spec.key] = _INVALID
                invalid = True
            elif item is not None:
                record[item_key] = item
        if not record:
            continue
        at = (*base, len(rows))
        where[at] = (title, row, min_col)
        for cell_key, col in cell_keys:
            where[(*at, cell_key)] = (title, row, col)
        clean = {k: v for k, v in record.items() if v is not _INVALID} if invalid else record
        if scalar is not None:
            rows.append(clean.get(".", ""))
            where[at] = (title, row, columns[scalar])
        else:
            rows.append(clean)
    if rows:
        _put(book.data, base, rows)



def read_workbook(path: Path, fast: bool = False) -> ReadBack:
    """Read a workbook: raise UnreadableWorkbook if it cannot be read at all, else return the
    data with every problem found (types, lists, values outside the tables, and the plan's
    own rules). ``fast`` reads values with calamine (no formulas: for consolidating many
    workbooks). A workbook is read as the template version that made it describes it.

    Whatever goes wrong while reading (a damaged part, an odd value, a reader's crash, even a
    MemoryError) becomes UnreadableWorkbook naming the file, for every command that reads
    one; only KeyboardInterrupt and SystemExit go through."""
    path = Path(path)
    try:
        with collector_paused(), read_failures_as_unreadable(f"{path}: cannot be read"):
            return _read_workbook(path, fast)
    except UnreadableWorkbook as exc:
        if str(exc).startswith(f"{path}: "):
            raise
        raise UnreadableWorkbook(f"{path}: {exc}") from None


def _read_workbook(path: Path, fast: bool) -> ReadBack:
    report = inspect_package(path)
    if fast:
        source = open_calamine(path, report.sheet_parts)
    else:
        with guard_found_plain(path, report.plain_sheets):
            source = open_openpyxl(path)
    words = translations(_language(source))
    version = template_of(source)
    labels = {title: label_rows(ws) for title, ws in source.sheets.items()}
    book = ReadBack(path, words, source, report, version,
                    located_layout(source, words, version, labels))
    for sheet, placed in zip(sheet_specs(version), book.layout.sheets, strict=True):
        if placed.title not in source.sheets:
            book.problem(source.sheet_names[0], 1, 1, "structure", "missing_table",
                         name=placed.title)
            continue
        ws = source.sheets[placed.title]
        for block in sheet.blocks:
            if block.kind == "fields":
                _read_fields(book, ws, block, labels[placed.title])
            elif block.kind == "table":
                _read_table(book, ws, block)
        if any(b.kind == "table" for b in sheet.blocks):
            _stray_values(book, ws, placed, labels[placed.title])
    book.data.setdefault("client", {}).setdefault("language", words.language.value)
    _fold_reviews(book)
    _validate(book)
    return book


def _fold_reviews(book: ReadBack) -> None:
    """The measures table and the decisions log back into the plan's reviews, grouped by
    period (a period with no row in the reviews table gets one, to be reported there), each
    value keeping its cell so that a problem is reported where it was typed."""
    data, cells = book.data, book.cells
    measures = data.pop("review_measures", None) or []
    decisions = data.pop("review_decisions", None) or []
    reviews: list[Any] = data.setdefault("reviews", [])
    index_of = {r.get("period"): i for i, r in enumerate(reviews) if isinstance(r, dict)}

    def review_for(period: Any, row: Location) -> dict[str, Any]:
        if period not in index_of:
            index_of[period] = len(reviews)
            reviews.append({"period": period})
            for suffix in ((), ("period",)):
                if (*row, *suffix) in cells:
                    cells[("reviews", index_of[period], *suffix)] = cells[(*row, *suffix)]
        review: dict[str, Any] = reviews[index_of[period]]
        return review

    for index, measure in enumerate(measures):
        row = ("review_measures", index)
        review = review_for(measure.get("period"), row)
        objective = measure.get("objective")
        measured = review.setdefault("objectives", {})
        at = ("reviews", index_of[measure.get("period")], "objectives", objective)
        if objective in measured and (*row, "objective") in cells:
            sheet, line, column = cells[(*row, "objective")]
            first = cells.get(at)
            other = f"{first[0]}!{get_column_letter(first[2])}{first[1]}" if first else "?"
            book.problem(sheet, line, column, "rule", "duplicate", other=other,
                         value=_shown(objective))
            continue
        measured[objective] = measure.get("value")
        if (*row, "value") in cells:
            cells[at] = cells[(*row, "value")]
    for index, decision in enumerate(decisions):
        row = ("review_decisions", index)
        review = review_for(decision.get("period"), row)
        logged = review.setdefault("decisions", [])
        at = ("reviews", index_of[decision.get("period")], "decisions", len(logged))
        logged.append({k: v for k, v in decision.items() if k != "period"})
        for key in ((), ("priority",), ("decision",), ("note",)):
            if (*row, *key) in cells:
                cells[(*at, *key)] = cells[(*row, *key)]


def template_of(source: BookSource) -> int:
    """The template version a workbook was made with (a workbook that does not say is read as
    today's); one made by a later xlplan cannot be read right, so it is refused."""
    version = source.template or template_version()
    if version > template_version():
        words = translations(_language(source))
        raise UnreadableWorkbook(words.check("unknown_template", found=version,
                                             known=template_version()))
    return version


def located_layout(source: BookSource, words: Translations, version: int,
                   labels: dict[str, dict[str, int]]) -> Layout:
    """The layout of a workbook as it is now, in the template version that made it: tables
    where the file has them (grown or not), fields and grids under their titles (``labels``:
    each sheet's ``label_rows``)."""
    specs = sheet_specs(version)
    tables: dict[str, TableBounds] = {}
    for sheet in specs:
        ws = source.sheets.get(words.sheet(sheet.key))
        for block in sheet.blocks:
            bounds = ws.table(block.name) if ws is not None and block.name else None
            if bounds:
                tables[block.key] = bounds
    return Layout(specs, words, {}, version, tables,
                  lambda title, text: labels.get(title, {}).get(text))


def _regions(book: ReadBack, ws: SheetSource, sheet: SheetLayout, labels: dict[str, int]
             ) -> list[tuple[int, int, int, int, str | None]]:
    """The blocks of a sheet found in it, as (top, left, bottom, right, table name): tables
    where the file has them, fields row by row at their labels, grids and titles where their
    title is. A block not found covers nothing."""
    words = book.words
    regions: list[tuple[int, int, int, int, str | None]] = []
    for block in sheet.blocks:
        spec = block.spec
        if spec.kind == "table" and spec.name and ws.table(spec.name) is not None:
            regions.append((block.top, block.left, block.last_row, block.right, spec.name))
        elif spec.kind in ("fields", "grid") and labels.get(words.title(spec.key)) == block.top:
            regions.append((block.top, block.left, block.last_row, block.right, None))
        elif spec.kind == "fields":  # its title is gone: each field found at its label
            texts = [words.label(f"{spec.label_prefix}.{c.key}") for c in spec.cells]
            regions += [(row, 1, row, 2, None) for row in map(labels.get, texts)
                        if row is not None]
        elif spec.kind == "title":
            heading = ws.value(block.top, 1)
            if isinstance(heading, str) and heading.startswith(words.title(spec.key)):
                regions.append((block.top, 1, block.top, 1, None))
            if block.legend:  # the legend's own words; anything else typed there is reported
                regions += [(block.last_row, col, block.last_row, col, None)
                            for col, text in enumerate(legend_texts(words), start=1)
                            if ws.value(block.last_row, col) in (None, text)]
    return regions


def _cells_in_order(ws: SheetSource) -> Iterable[tuple[tuple[int, int], Any]]:
    """``ws.cells()`` as ((row, column), value), with blank cells among them for a sheet read
    in bulk (its dict as it is, without a step of ours per cell)."""
    if type(ws) is CellsSheet:
        return ws.items()
    return (((row, col), value) for row, col, value in ws.cells())


def _stray_values(book: ReadBack, ws: SheetSource, sheet: SheetLayout,
                  labels: dict[str, int]) -> None:
    """Report every value on an input sheet that no table or field holds: nothing typed is
    dropped without a word. A value below a table's columns is "outside the X table"."""
    regions = _regions(book, ws, sheet, labels)
    covered: dict[tuple[int, ...], frozenset[int]] = {}  # the regions across a row -> columns
    # the rows from ``since`` to before ``until`` cross the same regions: no region starts or
    # ends within them
    since, until, columns = 0, 0, frozenset[int]()
    for (row, col), value in _cells_in_order(ws):
        if not since <= row < until:  # cells come row by row: the columns covered, anew
            since = row
            until = min([top for top, _, _, _, _ in regions if top > row]
                        + [bottom + 1 for _, _, bottom, _, _ in regions if bottom >= row],
                        default=_NO_END)
            across = tuple(i for i, (top, _, bottom, _, _) in enumerate(regions)
                           if top <= row <= bottom)
            found = covered.get(across)
            if found is None:
                found = covered[across] = frozenset(
                    c for i in across for c in range(regions[i][1], regions[i][3] + 1))
            columns = found
        if col in columns or value is None or (isinstance(value, str) and not value.strip()):
            continue  # covered, or blank (not among ws.cells())
        below = next((name for _, left, bottom, right, name in regions
                      if name is not None and left <= col <= right and row > bottom), None)
        if below is not None:
            book.problem(ws.title, row, col, "outside", "outside_table", name=below,
                         value=_shown(value))
        else:
            book.problem(ws.title, row, col, "outside", "outside_tables", value=_shown(value))


def _validate(book: ReadBack) -> None:
    """The plan's own rules, on the values that were readable, translated, at their cells."""
    flagged = {(p.sheet, p.row, p.column) for p in book.problems}
    try:
        book.valid_part = validate_plan(book.data, str(book.path))
    except PlanError as exc:
        bad_rows: set[Location] = set()
        for problem in exc.problems:
            loc = _parse_path(problem.where)
            if problem.code == "due_before_start":
                loc = (*loc, "due")
            bad_rows.add(_row_of(loc))
            where = book.cells.get(loc)
            if where is not None and where in flagged:
                continue  # that cell already has its problem (an unreadable value)
            params = dict(problem.params)
            if problem.code:
                book.problem_at(loc, "rule", problem.code, **params)
            else:
                book.problem_at(loc, "rule", "invalid",
                                message=f"{problem.where}: {problem.message}")
        book.valid_part = _without_rows(book, bad_rows)
    if not book.problems:
        book.plan = book.valid_part


def _row_of(loc: Location) -> Location:
    """The list item a location is in: ``('actions', 3, 'due')`` -> ``('actions', 3)``."""
    for i in range(len(loc) - 1, -1, -1):
        if isinstance(loc[i], int):
            return loc[: i + 1]
    return loc


def _without_rows(book: ReadBack, bad_rows: set[Location]) -> Plan | None:
    """Validate again without the rows in error, so the method checks still see the rest."""
    data = copy.deepcopy(book.data)
    for base in (b.path for s in sheet_specs(book.version) for b in s.blocks
                 if b.kind == "table" and b.bind):
        node: Any = data
        for part in base[:-1]:
            node = node.get(str(part), {}) if isinstance(node, dict) else {}
        items = node.get(str(base[-1])) if isinstance(node, dict) else None
        if not isinstance(items, list):
            continue
        kept = [i for i in range(len(items)) if (*base, i) not in bad_rows]
        node[str(base[-1])] = [items[i] for i in kept]
        book.kept_rows[base] = kept
    try:
        return validate_plan(data, str(book.path))
    except PlanError:
        return None


def _parse_path(where: str) -> Location:
    """``priorities[3].score`` -> ``('priorities', 3, 'score')`` (inverse of format_path)."""
    out: list[str | int] = []
    for part in where.replace("]", "").replace("[", ".").split("."):
        if part:
            out.append(int(part) if part.isdigit() else part)
    return tuple(out)
