"""The one engine that renders every sheet of ``sheets.yaml`` with XlsxWriter: cells, tables
with their calculated columns, names, validation, highlights and charts.

Every formula cell is written with the value the Python calculations give (stored results:
Protected View, previews and viewers show the figures), and that value is recorded
(``BuiltWorkbook.expected``) for the oracle tests, which compare it with a spreadsheet
engine's; a formula with no Python value is a bug caught at build time.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from . import styles
from .cells import SheetCells, stored
from .charts import add_chart
from .content import Content
from .formulas import FormulaRenderer
from .layout import (
    FIELD_LABEL_COLUMN,
    FIELD_VALUE_COLUMN,
    Layout,
    PlacedBlock,
    absolute,
    get_column_letter,
    legend_texts,
)
from .locale import LocaleFormats
from .printing import set_up_sheet
from .templates import BlockSpec, CellSpec, Translations
from .writer import ExactWorksheet, PackageParts, excel_chart

CellKey = tuple[str, str]  # (sheet title, "B7")
# what a cell's format depends on: its type and format, computed, quote prefix, box borders
_CellFormatKey = tuple[str, str | None, bool, bool, tuple[tuple[str, Any], ...] | None]
QUOTE_PREFIX_STARTS = ("=", "+", "-", "@")
MAX_COLUMN_WIDTH = 40  # a label longer than this wraps instead of widening its column
MAX_HEADER_LINES = 4


def needs_quote_prefix(text: str) -> bool:
    """Text Excel would take for a formula if retyped: written with a quote prefix."""
    return text.startswith(QUOTE_PREFIX_STARTS)


@dataclass
class BuiltWorkbook:
    layout: Layout
    parts: dict[str, bytes] = field(default_factory=dict)  # the package, before zipping
    names: dict[str, CellKey] = field(default_factory=dict)
    sheets: dict[str, SheetCells] = field(default_factory=dict)  # by title, in sheet order

    @property
    def expected(self) -> dict[CellKey, Any]:
        """The value each formula cell must give, (sheet title, cell) -> value, in the order
        written (for the oracle tests, which compare it with a spreadsheet engine's)."""
        return {(title, ref): value for title, cells in self.sheets.items()
                for ref, value in cells.expected.items()}

    @property
    def inputs(self) -> set[CellKey]:
        """The cells a person types in: (sheet title, cell)."""
        return {(title, ref) for title, cells in self.sheets.items() for ref in cells.inputs}


@dataclass(frozen=True)
class Document:
    """Document properties: title, author, date (from the plan, never the clock)."""

    title: str
    author: str
    created: datetime
    custom: tuple[tuple[str, str], ...]


def _coordinate(row: int, col: int) -> str:
    return f"{get_column_letter(col)}{row}"


class Renderer:
    def __init__(self, layout: Layout, words: Translations, content: Content,
                 formats: LocaleFormats, client_name: str, year: int,
                 start: date | None = None) -> None:
        self.layout = layout
        self.words = words
        self.content = content
        self.formats = formats
        self.client_name = client_name
        self.year = year
        self.start = start or date(year, 1, 1)  # the plan's first month
        self.formulas = FormulaRenderer(layout, words)
        self.widths: dict[tuple[str, int], float] = defaultdict(float)
        self._formats: dict[tuple[tuple[str, Any], ...], Format] = {}
        self._cell_formats: dict[_CellFormatKey, Format] = {}
        self._unit_specs: dict[tuple[str, str, Any, bool], CellSpec] = {}
        self.workbook: Any = None
        self.sheets: dict[str, SheetCells] = {}  # what is written where (charts' caches)
        self.header_lines: dict[tuple[str, int], int] = {}  # header rows' lines of text

    # -- widths --------------------------------------------------------------------------
    def _row_spec(self, column: CellSpec, table: BlockSpec, rows: list[dict[str, Any]],
                  offset: int) -> CellSpec:
        """A column's cell of one row, shown as the row says (a KPI's figures by its unit).
        Kept per column, unit and kind of figures: the rows of a table share a few units."""
        if column.format_by is None or offset >= len(rows):
            return column
        row = rows[offset]
        unit = row.get(column.format_by)
        whole = styles.whole_figures([row.get(c.key) for c in table.cells
                                      if c.format_by == column.format_by])
        key = (table.key, column.key, unit, whole)
        found = self._unit_specs.get(key)
        if found is None:
            found = self._unit_specs[key] = styles.unit_spec(column, unit, whole, self.formats)
        return found

    def _fit_header(self, ws: Worksheet, row: int, col: int, label: str,
                    width: float) -> None:
        """A header's column wide enough for its longest word, and its row tall enough for
        the label's lines (labels are longer in French and Spanish than in English)."""
        longest = max((len(word) for word in label.split()), default=0)
        width = max(width, min(longest + 2, MAX_COLUMN_WIDTH))
        self.widths[(ws.name, col)] = max(self.widths[(ws.name, col)], width)
        lines = min(math.ceil(len(label) * 1.1 / max(self.widths[(ws.name, col)] - 1, 1)),
                    MAX_HEADER_LINES)
        self.header_lines[(ws.name, row)] = max(self.header_lines.get((ws.name, row), 1), lines)

    # -- formats -------------------------------------------------------------------------
    def _format(self, **properties: Any) -> Format:
        key = tuple(sorted(properties.items()))
        found = self._formats.get(key)
        if found is None:
            found = self._formats[key] = self.workbook.add_format(properties)
        return found

    def _cell_format(self, spec: CellSpec, computed: bool, quote: bool = False,
                     box: dict[str, Any] | None = None, kind: str | None = None) -> Format:
        """The format of an input or computed cell, shown as ``kind`` (the spec's type by
        default). Kept per what it depends on: a workbook has tens of thousands of cells
        and a few dozen such formats."""
        key = (kind or spec.type, spec.format, computed, quote,
               None if box is None else tuple(box.items()))
        found = self._cell_formats.get(key)
        if found is None:
            if kind is not None:
                spec = replace(spec, type=kind)
            found = self._cell_formats[key] = self._new_cell_format(spec, computed, quote, box)
        return found

    def _new_cell_format(self, spec: CellSpec, computed: bool, quote: bool,
                         box: dict[str, Any] | None) -> Format:
        base = styles.COMPUTED if computed else styles.INPUT
        extra = {"quote_prefix": True} if quote else {}
        if spec.format and spec.format.startswith("label:"):
            spec = replace(spec, format=self.words.label(spec.format.removeprefix("label:")))
        return self._format(**base, num_format=styles.number_format(spec, self.formats),
                            **extra, **(box or {}))

    # -- cells ---------------------------------------------------------------------------
    def _input(self, ws: Worksheet, row: int, col: int, spec: CellSpec, value: Any) -> None:
        self._write_input(ws, row - 1, col - 1, spec, value)
        cells, ref = self.sheets[ws.name], _coordinate(row, col)
        cells.inputs.add(ref)
        cells.shown[ref] = value

    def _write_input(self, ws: Worksheet, r: int, c: int, spec: CellSpec, value: Any) -> None:
        """An input cell's value, at 0-based row ``r`` and column ``c``, as its type."""
        if isinstance(value, str):
            # data is text, never a formula, whatever it starts with
            ws.write_string(r, c, value, self._cell_format(spec, False, needs_quote_prefix(value)))
        elif isinstance(value, datetime | date):
            ws.write_datetime(r, c, value, self._cell_format(spec, False))
        elif isinstance(value, bool):
            ws.write_boolean(r, c, value, self._cell_format(spec, False))
        elif value is not None:
            ws.write_number(r, c, value, self._cell_format(spec, False))
        else:
            ws.write_blank(r, c, None, self._cell_format(spec, False))

    def _formula(self, ws: Worksheet, row: int, col: int, spec: CellSpec, formula: str,
                 expected: Any, box: dict[str, Any] | None = None,
                 kind: str | None = None) -> None:
        ws.write_formula(row - 1, col - 1, formula,
                         self._cell_format(spec, True, box=box, kind=kind), stored(expected))
        cells, ref = self.sheets[ws.name], _coordinate(row, col)
        cells.expected[ref] = expected
        cells.shown[ref] = expected

    def _text(self, ws: Worksheet, row: int, col: int, text: str, fmt: dict[str, Any]) -> None:
        ws.write_string(row - 1, col - 1, text, self._format(**fmt))
        self.sheets[ws.name].shown[_coordinate(row, col)] = text

    def _highlight(self, ws: Worksheet, spec: CellSpec, col: int, first: int, last: int,
                   last_col: int | None = None, refs: dict[str, str] | None = None) -> None:
        if spec.highlight:
            top_left = _coordinate(first, col)
            for rule, fmt in styles.highlight_rules(spec.highlight, self.words, top_left,
                                                    refs or {}):
                ws.conditional_format(first - 1, col - 1, last - 1, (last_col or col) - 1,
                                      {**rule, "format": self._format(**fmt)})

    def _grid_highlight(self, ws: Worksheet, block: PlacedBlock, row_spec: CellSpec,
                        row: int) -> None:
        """A grid row's highlight, on the columns shown as the row's type (a column with a
        type of its own, a name or a count beside the figures, is left plain)."""
        if not row_spec.highlight:
            return
        runs: list[list[int]] = []
        for column in block.grid_columns:
            col = block.column_of(column.key)
            if column.type is not None:
                continue
            if runs and runs[-1][-1] == col - 1:
                runs[-1].append(col)
            else:
                runs.append([col])
        for run in runs:
            self._highlight(ws, row_spec, run[0], row, row, run[-1],
                            refs=self.formulas.grid_refs(block, row_spec))

    def _validate(self, ws: Worksheet, spec: CellSpec, label_key: str, col: int, first: int,
                  last: int) -> None:
        """What an input accepts, and the prompt shown when it is selected."""
        name = self.layout.list_name(spec.source) if spec.source else None
        options = styles.validation(spec, self.words, name,
                                    self.words.label(label_key), self.words.prompt(label_key))
        if options is not None:
            ws.data_validation(first - 1, col - 1, last - 1, col - 1, options)


    # -- blocks --------------------------------------------------------------------------
    def _fields(self, ws: Worksheet, block: PlacedBlock, built: BuiltWorkbook) -> None:
        prefix = block.spec.label_prefix
        for spec in block.spec.cells:
            row = block.row_of(spec.key)
            key = f"{block.spec.key}.{spec.key}"
            self._text(ws, row, FIELD_LABEL_COLUMN, self.words.label(f"{prefix}.{spec.key}"),
                       styles.LABEL)
            value = self.content.fields.get(key)
            if spec.computed:
                self._formula(ws, row, FIELD_VALUE_COLUMN, spec, self.formulas.field(spec),
                              self.content.fields[key])
            elif value is None and spec.fallback_formula:
                self._formula(ws, row, FIELD_VALUE_COLUMN, spec, spec.fallback_formula,
                              self.content.fallbacks[key])
            else:
                self._input(ws, row, FIELD_VALUE_COLUMN, spec, value)
                self._validate(ws, spec, f"{prefix}.{spec.key}", FIELD_VALUE_COLUMN, row, row)
            self._highlight(ws, spec, FIELD_VALUE_COLUMN, row, row)
            if spec.hidden:
                ws.set_row(row - 1, None, None, {"hidden": True})
            if spec.name:
                self.workbook.define_name(spec.name,
                                          f"={absolute(ws.name, FIELD_VALUE_COLUMN, row)}")
                built.names[spec.name] = (ws.name, _coordinate(row, FIELD_VALUE_COLUMN))
        labels = [self.words.label(f"{prefix}.{c.key}") for c in block.spec.cells]
        label_width = min(max([30, *(len(text) * 1.05 + 2 for text in labels)]),
                          MAX_COLUMN_WIDTH)
        for col, width in ((FIELD_LABEL_COLUMN, label_width), (FIELD_VALUE_COLUMN, 16)):
            self.widths[(ws.name, col)] = max(self.widths[(ws.name, col)], width)

    def _table(self, ws: Worksheet, block: PlacedBlock, built: BuiltWorkbook) -> None:
        spec = block.spec
        assert spec.name is not None
        rows = self.content.tables.get(spec.key, [])
        first, last = block.first_row, block.last_row
        header = self._format(**styles.HEADER)
        columns = []
        for column in spec.cells:
            label = self.words.label(f"{spec.label_prefix}.{column.key}")
            options: dict[str, Any] = {"header": label, "header_format": header}
            if column.computed:
                # What Excel fills into a new row: the first row's formula, relative (A1).
                options["formula"] = self.formulas.table_column(block, column)(first)
            columns.append(options)
        ws.add_table(block.header_row - 1, block.left - 1, last - 1, block.right - 1,
                     {"name": spec.name, "style": "Table Style Light 1", "banded_rows": False,
                      "columns": columns})
        refs = {c.key: f"${get_column_letter(block.column_of(c.key))}{first}"
                for c in spec.cells}  # each column's first cell, for a rule that reads it
        for column in spec.cells:
            col = block.column_of(column.key)
            if column.computed:
                self._formula_column(ws, block, column, rows)
            else:
                self._input_column(ws, block, column, rows)
                self._validate(ws, column, f"{spec.label_prefix}.{column.key}", col, first,
                               last)
            self._highlight(ws, column, col, first, last, refs=refs)
            self._fit_header(ws, block.header_row, col,
                             self.words.label(f"{spec.label_prefix}.{column.key}"),
                             column.width or 14)

    # A table column's cells, top to bottom (its data rows, then the spare ones): the cells
    # of ``_input`` and ``_formula``, written in one loop (a large plan has tens of thousands).
    def _input_column(self, ws: Worksheet, block: PlacedBlock, column: CellSpec,
                      rows: list[dict[str, Any]]) -> None:
        col = block.column_of(column.key)
        c, letter, cells = col - 1, get_column_letter(col), self.sheets[ws.name]
        key, spec = column.key, column
        for offset, row in enumerate(range(block.first_row, block.last_row + 1)):
            value = rows[offset].get(key) if offset < len(rows) else None
            if column.format_by:
                spec = self._row_spec(column, block.spec, rows, offset)
            self._write_input(ws, row - 1, c, spec, value)
            ref = f"{letter}{row}"
            cells.inputs.add(ref)
            cells.shown[ref] = value

    def _formula_column(self, ws: Worksheet, block: PlacedBlock, column: CellSpec,
                        rows: list[dict[str, Any]]) -> None:
        col = block.column_of(column.key)
        c, letter, cells = col - 1, get_column_letter(col), self.sheets[ws.name]
        key, spec = column.key, column
        formula_at = self.formulas.table_column(block, column)
        for offset, row in enumerate(range(block.first_row, block.last_row + 1)):
            expected = rows[offset][key] if offset < len(rows) else None
            if column.format_by:
                spec = self._row_spec(column, block.spec, rows, offset)
            ws.write_formula(row - 1, c, formula_at(row), self._cell_format(spec, True),
                             stored(expected))
            ref = f"{letter}{row}"
            cells.expected[ref] = expected
            cells.shown[ref] = expected

    def _month_label(self, month: int) -> str:
        """Plan month 1-12 as the calendar month it is: ``avr. 2027`` for month 1 of a plan
        starting in April 2027."""
        index = self.start.month - 1 + month - 1
        return self.words.month_label(date(self.start.year + index // 12, index % 12 + 1, 1))

    def _grid(self, ws: Worksheet, block: PlacedBlock, built: BuiltWorkbook) -> None:
        spec = block.spec
        corner = self.words.label(spec.corner) if spec.corner else ""
        self._text(ws, block.header_row, block.left, corner, styles.HEADER)
        for column in block.grid_columns:
            label = (self._month_label(column.params["month"]) if "month" in column.params
                     else self.words.label(f"{spec.key}.{column.key}"))
            col = block.column_of(column.key)
            self._text(ws, block.header_row, col, label, styles.HEADER)
            self._fit_header(ws, block.header_row, col, label, column.width or 12)
        groups = _groups(spec)
        for row_spec in spec.cells:
            row = block.row_of(row_spec.key)
            shown_as = row_spec
            if row_spec.format_from:  # formatted as the table's row n says (its unit)
                shown_as = self._row_spec(row_spec, self.layout.blocks[row_spec.format_from].spec,
                                          self.content.tables.get(row_spec.format_from, []),
                                          row_spec.params["n"] - 1)
            group = groups.get(row_spec.key)
            if group is None:
                label = row_spec.label or self.words.label(f"{spec.key}.{row_spec.key}")
                self._text(ws, row, block.left, label, styles.LABEL)
            elif group[0] == row_spec.key:  # the group's label, down its rows
                last = block.row_of(group[-1])
                text = self.words.label(f"{spec.key}.{row_spec.params[spec.groups or '']}")
                ws.merge_range(row - 1, block.left - 1, last - 1, block.left - 1, text,
                               self._format(**styles.GROUP_LABEL))
                self.sheets[ws.name].shown[_coordinate(row, block.left)] = text
            for index, column in enumerate(block.grid_columns):
                expected = self.content.grids[f"{spec.key}.{row_spec.key}.{column.key}"]
                box = None if group is None else styles.box(
                    top=group[0] == row_spec.key, bottom=group[-1] == row_spec.key)
                self._formula(ws, row, block.column_of(column.key),
                              row_spec if column.type else shown_as,
                              self.formulas.grid_cell(block, row_spec, index), expected, box,
                              column.type)
            self._grid_highlight(ws, block, row_spec, row)
            if row_spec.hidden:
                ws.set_row(row - 1, None, None, {"hidden": True})

    def _legend(self, ws: Worksheet, row: int) -> None:
        """The key to the cell colours under a sheet's title: what a person types in, what
        the workbook calculates."""
        label, typed, calculated = legend_texts(self.words)
        self._text(ws, row, 1, label, styles.LEGEND_LABEL)
        self._text(ws, row, 2, typed, {**styles.INPUT, "locked": True})
        self._text(ws, row, 3, calculated, styles.COMPUTED)

    def _list_names(self) -> None:
        """A name for each table column a dropdown offers (Excel's validation lists take a
        name that holds a structured reference, not the reference itself)."""
        for block in self.layout.blocks.values():
            for spec in block.spec.cells:
                if spec.source and block.spec.kind in ("table", "fields"):
                    self.workbook.define_name(self.layout.list_name(spec.source),
                                              f"={self.layout.col(spec.source)}")

    # -- sheets --------------------------------------------------------------------------
    def render(self, built: BuiltWorkbook, document: Document) -> None:
        output = PackageParts()  # XlsxWriter leaves the parts there, unzipped
        wb = xlsxwriter.Workbook(output, {
            "in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
            "strings_to_urls": False})
        self.workbook = wb
        sheets = {s.title: wb.add_worksheet(s.title, worksheet_class=ExactWorksheet)
                  for s in self.layout.sheets}
        self.sheets = built.sheets = {title: SheetCells() for title in sheets}
        charts: list[tuple[Worksheet, PlacedBlock]] = []
        for sheet in self.layout.sheets:
            ws = sheets[sheet.title]
            has_inputs = False
            for block in sheet.blocks:
                kind = block.spec.kind
                if kind == "title":
                    text = f"{self.words.title(block.spec.key)} - {self.client_name} - {self.year}"
                    self._text(ws, block.top, 1, text, styles.TITLE)
                    if block.legend:
                        self._legend(ws, block.last_row)
                    continue
                if kind == "chart":
                    charts.append((ws, block))
                    continue
                self._text(ws, block.top, block.left, self.words.title(block.spec.key),
                           styles.BLOCK)
                {"fields": self._fields, "table": self._table, "grid": self._grid}[kind](
                    ws, block, built)
                has_inputs = has_inputs or any(not c.computed for c in block.spec.cells
                                               if kind in ("fields", "table"))
            for (title, col), width in sorted(self.widths.items()):
                if title == ws.name:
                    ws.set_column(col - 1, col - 1, width)
            for (title, row), lines in sorted(self.header_lines.items()):
                if title == ws.name and lines > 1:
                    ws.set_row(row - 1, 15 * lines)
            set_up_sheet(ws, sheet, {col: width for (title, col), width in self.widths.items()
                                     if title == ws.name},
                         self.formats, self.words, self.year, protect=not has_inputs)
        for ws, block in charts:
            add_chart(wb, ws, block, self.layout, self.words, self.sheets, self.formats.money)
        self._list_names()
        wb.set_properties({"title": document.title, "author": document.author,
                           "created": document.created})
        for name, value in document.custom:
            wb.set_custom_property(name, value)
        wb.set_calc_mode("auto")
        wb.close()
        built.parts = output.parts
        for name, data in built.parts.items():
            if name.startswith("xl/charts/chart"):
                built.parts[name] = excel_chart(data)


def _groups(spec: BlockSpec) -> dict[str, list[str]]:
    """Each grouped grid row's group: the keys of the rows sharing its ``groups`` param."""
    if spec.groups is None:
        return {}
    by_value: dict[Any, list[str]] = defaultdict(list)
    for row_spec in spec.cells:
        by_value[row_spec.params[spec.groups]].append(row_spec.key)
    return {key: keys for keys in by_value.values() for key in keys}


__all__ = ["BuiltWorkbook", "Document", "Renderer", "SheetCells"]
