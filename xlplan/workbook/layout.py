"""Where every block lands: blocks flow down a sheet, one blank row apart.

The layout is computed for all sheets before anything is written, so a formula can refer to
a table or a grid on any sheet (``col("kpis.status")``) whatever the order of the sheets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter, quote_sheetname

from .templates import BlockSpec, CellSpec, GridColumn, SheetSpec, Translations

MONTH_COLUMNS = tuple(GridColumn(f"m{m}", {"month": m}, 11) for m in range(1, 13))
FIELD_LABEL_COLUMN = 1
FIELD_VALUE_COLUMN = 2


@dataclass
class PlacedBlock:
    spec: BlockSpec
    sheet_title: str
    top: int  # the block's title row
    rows: int = 0  # table body rows (data and spare)
    data_rows: int = 0
    grid_columns: tuple[GridColumn, ...] = ()

    @property
    def header_row(self) -> int:
        return self.top + 1

    @property
    def first_row(self) -> int:
        """First table body row, first field row, or first grid row."""
        return self.top + 2 if self.spec.kind in ("table", "grid") else self.top + 1

    @property
    def last_row(self) -> int:
        if self.spec.kind == "table":
            return self.first_row + self.rows - 1
        if self.spec.kind in ("fields", "grid"):
            return self.first_row + len(self.spec.cells) - 1
        return self.top

    def column_of(self, key: str) -> int:
        """1-based column of a table column or of a grid column."""
        if self.spec.kind == "table":
            keys = [c.key for c in self.spec.cells]
        else:
            keys = [c.key for c in self.grid_columns]
            return keys.index(key) + 2
        return keys.index(key) + 1

    def row_of(self, key: str) -> int:
        """Row of a field or of a grid row."""
        return self.first_row + [c.key for c in self.spec.cells].index(key)

    def cell_spec(self, key: str) -> CellSpec:
        return next(c for c in self.spec.cells if c.key == key)


@dataclass
class SheetLayout:
    key: str
    title: str
    blocks: list[PlacedBlock] = field(default_factory=list)


def absolute(sheet_title: str, col: int, row: int, last_col: int | None = None,
             last_row: int | None = None) -> str:
    ref = f"{quote_sheetname(sheet_title)}!${get_column_letter(col)}${row}"
    if last_col is not None and last_row is not None:
        ref += f":${get_column_letter(last_col)}${last_row}"
    return ref


class Layout:
    """Every block's position, and the references formulas and charts use to reach them."""

    def __init__(self, specs: tuple[SheetSpec, ...], words: Translations,
                 table_rows: Mapping[str, int]) -> None:
        self.sheets: list[SheetLayout] = []
        self.blocks: dict[str, PlacedBlock] = {}
        for sheet in specs:
            placed = SheetLayout(sheet.key, words.sheet(sheet.key))
            row = 1
            for spec in sheet.blocks:
                block = PlacedBlock(spec, placed.title, row)
                if spec.kind == "table":
                    block.data_rows = table_rows.get(spec.key, 0)
                    block.rows = max(block.data_rows + spec.spare_rows, 1)
                if spec.kind == "grid":
                    cols = spec.grid_columns
                    block.grid_columns = MONTH_COLUMNS if isinstance(cols, str) else cols
                placed.blocks.append(block)
                self.blocks[spec.key] = block
                if spec.kind != "chart":
                    row = (block.top + 2) if spec.kind == "title" else block.last_row + 2
            self.sheets.append(placed)

    def _block(self, key: str, kind: str) -> PlacedBlock:
        block = self.blocks.get(key)
        if block is None or block.spec.kind != kind:
            raise KeyError(f"no {kind} named {key!r} in the layout")
        return block

    def table_column(self, ref: str) -> tuple[PlacedBlock, int]:
        table, column = ref.split(".")
        block = self._block(table, "table")
        return block, block.column_of(column)

    def col(self, ref: str) -> str:
        """A table column's body, e.g. ``'Bilan'!$I$8:$I$23``."""
        block, col = self.table_column(ref)
        return absolute(block.sheet_title, col, block.first_row, col, block.last_row)

    def cell(self, ref: str) -> str:
        block_key, field_key = ref.split(".")
        block = self._block(block_key, "fields")
        return absolute(block.sheet_title, FIELD_VALUE_COLUMN, block.row_of(field_key))

    def row(self, ref: str) -> str:
        grid_key, row_key = ref.split(".")
        block = self._block(grid_key, "grid")
        row = block.row_of(row_key)
        return absolute(block.sheet_title, 2, row, 1 + len(block.grid_columns), row)

    def grid_header(self, grid_key: str) -> str:
        block = self._block(grid_key, "grid")
        return absolute(block.sheet_title, 2, block.header_row, 1 + len(block.grid_columns),
                        block.header_row)

    def field_range(self, block_key: str, column: int) -> str:
        block = self._block(block_key, "fields")
        return absolute(block.sheet_title, column, block.first_row, column, block.last_row)
