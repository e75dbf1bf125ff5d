"""The one engine that renders every sheet of ``sheets.yaml``: cells, tables, names, checks.

It records, for every formula it writes, the value the Python calculations give
(``BuiltWorkbook.expected``): the oracle tests compare a spreadsheet engine's results with it,
and a formula without an expected value is a bug caught at build time.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from . import styles
from .charts import add_chart
from .content import Content
from .formulas import FormulaRenderer
from .layout import FIELD_LABEL_COLUMN, FIELD_VALUE_COLUMN, Layout, PlacedBlock, absolute
from .templates import CellSpec, Translations

CellKey = tuple[str, str]  # (sheet title, "B7")
QUOTE_PREFIX_STARTS = ("=", "+", "-", "@")


def needs_quote_prefix(text: str) -> bool:
    """Text Excel would take for a formula if retyped: written with a quote prefix."""
    return text.startswith(QUOTE_PREFIX_STARTS)


@dataclass
class BuiltWorkbook:
    workbook: Workbook
    layout: Layout
    expected: dict[CellKey, Any] = field(default_factory=dict)
    names: dict[str, CellKey] = field(default_factory=dict)
    inputs: set[CellKey] = field(default_factory=set)


class Renderer:
    def __init__(self, layout: Layout, words: Translations, content: Content,
                 currency: str, client_name: str, year: int) -> None:
        self.layout = layout
        self.words = words
        self.content = content
        self.currency = currency
        self.client_name = client_name
        self.year = year
        self.formulas = FormulaRenderer(layout, words)
        self.widths: dict[tuple[str, int], float] = defaultdict(float)

    # -- cells ---------------------------------------------------------------------------
    def _style(self, cell: Cell, spec: CellSpec, computed: bool) -> None:
        cell.number_format = styles.number_format(spec, self.words, self.currency)
        cell.fill = styles.COMPUTED_FILL if computed else styles.INPUT_FILL
        cell.font = styles.COMPUTED_FONT if computed else styles.INPUT_FONT
        cell.protection = styles.LOCKED if computed else styles.UNLOCKED
        cell.border = styles.BORDER

    def _input(self, ws: Worksheet, row: int, col: int, spec: CellSpec, value: Any,
               built: BuiltWorkbook) -> None:
        cell = ws.cell(row, col)
        if isinstance(value, str):
            cell.value = value
            cell.data_type = "s"  # data is text, never a formula, whatever it starts with
            if needs_quote_prefix(value):
                cell.quotePrefix = True
        elif value is not None:
            cell.value = value
        self._style(cell, spec, computed=False)
        built.inputs.add((ws.title, cell.coordinate))

    def _formula(self, ws: Worksheet, row: int, col: int, spec: CellSpec, formula: str,
                 expected: Any, built: BuiltWorkbook) -> None:
        cell = ws.cell(row, col, formula)
        self._style(cell, spec, computed=True)
        built.expected[(ws.title, cell.coordinate)] = expected

    def _text(self, ws: Worksheet, row: int, col: int, text: str, font: Any = None) -> Cell:
        cell = ws.cell(row, col, text)
        cell.data_type = "s"
        if font is not None:
            cell.font = font
        return cell

    def _header(self, ws: Worksheet, row: int, col: int, text: str) -> None:
        cell = self._text(ws, row, col, text, styles.HEADER_FONT)
        cell.fill = styles.HEADER_FILL
        cell.border = styles.BORDER

    def _highlight(self, ws: Worksheet, spec: CellSpec, col: int, first: int, last: int,
                   last_col: int | None = None) -> None:
        if spec.highlight:
            top_left = f"{get_column_letter(col)}{first}"
            area = f"{top_left}:{get_column_letter(last_col or col)}{last}"
            for rule in styles.highlight_rules(spec.highlight, self.words, top_left):
                ws.conditional_formatting.add(area, rule)

    def _validate(self, ws: Worksheet, spec: CellSpec, area: str) -> None:
        source = self.layout.col(spec.source) if spec.source else None
        dv = styles.validation(spec, self.words, source)
        if dv is not None:
            dv.add(area)
            ws.add_data_validation(dv)

    # -- blocks --------------------------------------------------------------------------
    def _fields(self, ws: Worksheet, block: PlacedBlock, built: BuiltWorkbook) -> None:
        prefix = block.spec.label_prefix
        for spec in block.spec.cells:
            row = block.row_of(spec.key)
            key = f"{block.spec.key}.{spec.key}"
            self._text(ws, row, FIELD_LABEL_COLUMN, self.words.label(f"{prefix}.{spec.key}"),
                       styles.LABEL_FONT)
            value = self.content.fields.get(key)
            if spec.computed:
                self._formula(ws, row, FIELD_VALUE_COLUMN, spec, self.formulas.field(spec),
                              self.content.fields[key], built)
            elif value is None and spec.fallback_formula:
                self._formula(ws, row, FIELD_VALUE_COLUMN, spec, spec.fallback_formula,
                              self.content.fallbacks[key], built)
            else:
                self._input(ws, row, FIELD_VALUE_COLUMN, spec, value, built)
                area = f"{get_column_letter(FIELD_VALUE_COLUMN)}{row}"
                self._validate(ws, spec, area)
            self._highlight(ws, spec, FIELD_VALUE_COLUMN, row, row)
            if spec.name:
                ref = absolute(ws.title, FIELD_VALUE_COLUMN, row)
                built.workbook.defined_names[spec.name] = DefinedName(spec.name, attr_text=ref)
                built.names[spec.name] = (ws.title, f"{get_column_letter(FIELD_VALUE_COLUMN)}{row}")
        self.widths[(ws.title, FIELD_LABEL_COLUMN)] = max(
            self.widths[(ws.title, FIELD_LABEL_COLUMN)], 30)
        self.widths[(ws.title, FIELD_VALUE_COLUMN)] = max(
            self.widths[(ws.title, FIELD_VALUE_COLUMN)], 16)

    def _table(self, ws: Worksheet, block: PlacedBlock, built: BuiltWorkbook) -> None:
        spec = block.spec
        rows = self.content.tables.get(spec.key, [])
        first, last = block.first_row, block.last_row
        for col, column in enumerate(spec.cells, start=1):
            label = self.words.label(f"{spec.label_prefix}.{column.key}")
            self._header(ws, block.header_row, col, label)
            letter = get_column_letter(col)
            if column.computed:
                formula_at = self.formulas.table_column(block, column)
                for offset, row in enumerate(range(first, last + 1)):
                    expected = rows[offset][column.key] if offset < len(rows) else None
                    self._formula(ws, row, col, column, formula_at(row), expected, built)
            else:
                for offset, row in enumerate(range(first, last + 1)):
                    value = rows[offset].get(column.key) if offset < len(rows) else None
                    self._input(ws, row, col, column, value, built)
                self._validate(ws, column, f"{letter}{first}:{letter}{last}")
            self._highlight(ws, column, col, first, last)
            self.widths[(ws.title, col)] = max(self.widths[(ws.title, col)], column.width or 14)
        ref = f"A{block.header_row}:{get_column_letter(len(spec.cells))}{last}"
        table = Table(displayName=spec.name, ref=ref)
        table.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=False)
        ws.add_table(table)

    def _grid(self, ws: Worksheet, block: PlacedBlock, built: BuiltWorkbook) -> None:
        spec = block.spec
        corner = self.words.label(spec.corner) if spec.corner else ""
        self._header(ws, block.header_row, 1, corner)
        for index, column in enumerate(block.grid_columns):
            label = (f"{self.words.month(column.params['month'])} {self.year}"
                     if "month" in column.params
                     else self.words.label(f"{spec.key}.{column.key}"))
            self._header(ws, block.header_row, index + 2, label)
            self.widths[(ws.title, index + 2)] = max(self.widths[(ws.title, index + 2)],
                                                     column.width or 12)
        for row_spec in spec.cells:
            row = block.row_of(row_spec.key)
            self._text(ws, row, 1, self.words.label(f"{spec.key}.{row_spec.key}"),
                       styles.LABEL_FONT)
            for index, column in enumerate(block.grid_columns):
                expected = self.content.grids[f"{spec.key}.{row_spec.key}.{column.key}"]
                self._formula(ws, row, index + 2, row_spec,
                              self.formulas.grid_cell(block, row_spec, index), expected, built)
            self._highlight(ws, row_spec, 2, row, row, 1 + len(block.grid_columns))

    # -- sheets --------------------------------------------------------------------------
    def render(self, built: BuiltWorkbook) -> None:
        wb = built.workbook
        wb.remove(wb.active)
        for sheet in self.layout.sheets:
            wb.create_sheet(sheet.title)
        for sheet in self.layout.sheets:
            ws = wb[sheet.title]
            for block in sheet.blocks:
                kind = block.spec.kind
                if kind == "title":
                    text = f"{self.words.title(block.spec.key)} - {self.client_name} - {self.year}"
                    self._text(ws, block.top, 1, text, styles.TITLE_FONT)
                    continue
                if kind == "chart":
                    add_chart(ws, block, self.layout, self.words)
                    continue
                self._text(ws, block.top, 1, self.words.title(block.spec.key), styles.BLOCK_FONT)
                {"fields": self._fields, "table": self._table, "grid": self._grid}[kind](
                    ws, block, built)
            for (title, col), width in sorted(self.widths.items()):
                if title == ws.title:
                    ws.column_dimensions[get_column_letter(col)].width = width
            _protect_and_print(ws)


def _protect_and_print(ws: Worksheet) -> None:
    """Lock computed cells (no password: a guard against typing over, not a secret)."""
    protection = ws.protection
    protection.sheet = True
    protection.formatColumns = False
    protection.formatRows = False
    protection.autoFilter = False
    protection.sort = False
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.sheet_view.showGridLines = False


__all__ = ["BuiltWorkbook", "Renderer"]
