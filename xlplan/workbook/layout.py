"""Where every block lands, and the references formulas and charts use to reach them.

Blocks flow down a sheet, one blank row apart; from template 2 on, the tables come last and
stand side by side, one blank column apart, so that nothing lies below a table and each can
grow in Excel. A whole table column is reached by a structured reference (``Kpis[Statut]``),
which follows the table as it grows (template 1 used fixed ranges, ``'Bilan'!$I$8:$I$23``).

The layout is computed for all sheets before anything is written, so a formula can refer to
a table or a grid on any sheet whatever the order of the sheets. A layout can also be located
in an existing workbook (``located``): tables where the file has them, fields and grids under
their block titles, so that a table grown in Excel is checked where it now is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from xlsxwriter.utility import xl_col_to_name

from .templates import BlockSpec, CellSpec, GridColumn, SheetSpec, Translations

MONTH_COLUMNS = tuple(GridColumn(f"m{m}", {"month": m}, 11) for m in range(1, 13))
FIELD_LABEL_COLUMN = 1
FIELD_VALUE_COLUMN = 2
LEGEND_WIDTH = 3  # the legend under a sheet's title: its label, an input cell, a computed one
TableBounds = tuple[int, int, int, int]  # first column, header row, last column, last row
_STRUCTURED_SPECIALS = str.maketrans({"'": "''", "[": "'[", "]": "']", "#": "'#"})


@dataclass
class PlacedBlock:
    spec: BlockSpec
    sheet_title: str
    top: int  # the block's title row
    left: int = 1  # the block's first column
    rows: int = 0  # table body rows (data and spare)
    data_rows: int = 0
    grid_columns: tuple[GridColumn, ...] = ()
    legend: bool = False  # a title with the legend of cell colours below it (template 6 on)
    # each key's position among the cells and among the grid columns, built once (rendering
    # asks for a row or a column over a hundred thousand times): (the tuple indexed, index)
    _offsets: dict[str, tuple[object, dict[str, int]]] = field(
        default_factory=dict, init=False, repr=False, compare=False)

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
        return self.top + 1 if self.legend else self.top

    @property
    def width(self) -> int:
        """Columns the block spans."""
        if self.spec.kind == "table":
            return len(self.spec.cells)
        if self.spec.kind == "grid":
            return 1 + len(self.grid_columns)
        if self.legend:
            return LEGEND_WIDTH
        return 2 if self.spec.kind == "fields" else 1

    @property
    def right(self) -> int:
        return self.left + self.width - 1

    def column_of(self, key: str) -> int:
        """1-based sheet column of a table column or of a grid column."""
        if self.spec.kind == "table":
            return self.left + self._offset("cells", self.spec.cells, key)
        return self.left + 1 + self._offset("columns", self.grid_columns, key)

    def row_of(self, key: str) -> int:
        """Row of a field or of a grid row."""
        return self.first_row + self._offset("cells", self.spec.cells, key)

    def _offset(self, kind: str, items: Sequence[CellSpec | GridColumn], key: str) -> int:
        """The position of ``key`` among ``items``, from an index built once (again only if
        the block is given other items). A key not there raises ValueError, as
        ``list.index`` does."""
        found = self._offsets.get(kind)
        if found is None or found[0] is not items:
            found = self._offsets[kind] = (items, {c.key: i for i, c in enumerate(items)})
        try:
            return found[1][key]
        except KeyError:
            raise ValueError(f"{key!r} is not in block {self.spec.key!r}") from None

    def cell_spec(self, key: str) -> CellSpec:
        return self.spec.cell(key)


@dataclass
class SheetLayout:
    key: str
    title: str
    blocks: list[PlacedBlock] = field(default_factory=list)


def get_column_letter(col: int) -> str:
    """A 1-based column's letters, ``28`` -> ``AB`` (XlsxWriter's, whose numbering is 0-based:
    openpyxl, which has the same, would load numpy into a command that only writes)."""
    return str(xl_col_to_name(col - 1))


def quote_sheetname(title: str) -> str:
    """A sheet's name in a reference, always quoted, its quotes doubled: ``'Bilan'``, as every
    xlplan template has written it (openpyxl's rule; XlsxWriter's leaves ``Bilan`` bare, and a
    reference written differently would read as a formula typed over)."""
    return "'" + title.replace("'", "''") + "'"


def legend_texts(words: Translations) -> tuple[str, ...]:
    """The legend's cells, left to right: its label, then a cell in each style it explains."""
    return tuple(words.label(f"legend.{key}") for key in ("title", "input", "computed"))


def absolute(sheet_title: str, col: int, row: int, last_col: int | None = None,
             last_row: int | None = None) -> str:
    ref = f"{quote_sheetname(sheet_title)}!${get_column_letter(col)}${row}"
    if last_col is not None and last_row is not None:
        ref += f":${get_column_letter(last_col)}${last_row}"
    return ref


def structured_column(table: str, header: str) -> str:
    """A whole table column as Excel writes it: ``Segments[Taux d''actualisation]``."""
    return f"{table}[{header.translate(_STRUCTURED_SPECIALS)}]"


class Layout:
    """Every block's position, and the references formulas and charts use to reach them.

    ``version`` is the template's: from 2 on, tables stand side by side and whole columns are
    structured references. ``tables_at`` places tables where a workbook has them, and
    ``title_rows`` places fields and grids under their block titles (a located layout)."""

    def __init__(self, specs: tuple[SheetSpec, ...], words: Translations,
                 table_rows: Mapping[str, int], version: int,
                 tables_at: Mapping[str, TableBounds] | None = None,
                 title_rows: Callable[[str, str], int | None] | None = None) -> None:
        self.words = words
        self.version = version
        self.sheets: list[SheetLayout] = []
        self.blocks: dict[str, PlacedBlock] = {}
        side_by_side = version >= 2
        for sheet in specs:
            placed = SheetLayout(sheet.key, words.sheet(sheet.key))
            row, col = 1, 1
            for spec in sheet.blocks:
                block = PlacedBlock(spec, placed.title, row, col if spec.kind == "table" else 1,
                                    legend=spec.kind == "title" and version >= 6)
                if spec.kind == "table":
                    block.data_rows = table_rows.get(spec.key, 0)
                    block.rows = max(block.data_rows + spec.spare_rows, 1)
                    found = (tables_at or {}).get(spec.key)
                    if found is not None:
                        block.left, header, _, last = found
                        block.top = header - 1
                        block.rows = max(last - header, 1)
                elif spec.kind in ("fields", "grid") and title_rows is not None:
                    at = title_rows(placed.title, words.title(spec.key))
                    block.top = at if at is not None else block.top
                if spec.kind == "grid":
                    cols = spec.grid_columns
                    block.grid_columns = MONTH_COLUMNS if isinstance(cols, str) else cols
                placed.blocks.append(block)
                self.blocks[spec.key] = block
                if spec.kind == "chart":
                    continue
                if spec.kind == "table" and side_by_side:
                    col = block.left + block.width + 1
                else:
                    row = block.last_row + 2
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

    def header(self, ref: str) -> str:
        """The header (the translated label) of a table column: ``"kpis.status"``."""
        table, column = ref.split(".")
        block = self._block(table, "table")
        return self.words.label(f"{block.spec.label_prefix}.{column}")

    def col(self, ref: str) -> str:
        """A whole table column: ``Kpis[Statut]`` (template 1: ``'Bilan'!$I$8:$I$23``)."""
        block, _ = self.table_column(ref)
        if self.version >= 2:
            assert block.spec.name is not None
            return structured_column(block.spec.name, self.header(ref))
        return self.body(ref)

    def body(self, ref: str) -> str:
        """A table column's body as a fixed range, ``'Bilan'!$I$8:$I$23`` (charts)."""
        block, col = self.table_column(ref)
        return absolute(block.sheet_title, col, block.first_row, col, block.last_row)

    def list_name(self, ref: str) -> str:
        """The workbook name of a table column offered as a dropdown list (Excel takes no
        structured reference in a validation list, a name that holds one it does)."""
        table, column = ref.split(".")
        return f"List_{table}_{column}"

    def cell(self, ref: str) -> str:
        block_key, field_key = ref.split(".")
        block = self._block(block_key, "fields")
        return absolute(block.sheet_title, FIELD_VALUE_COLUMN, block.row_of(field_key))

    def row(self, ref: str) -> str:
        grid_key, row_key = ref.split(".")
        block = self._block(grid_key, "grid")
        row = block.row_of(row_key)
        return absolute(block.sheet_title, block.left + 1, row, block.right, row)

    def grid_column(self, ref: str) -> str:
        """A grid column down all its rows: ``column("workload.over")``."""
        grid_key, column_key = ref.split(".")
        block = self._block(grid_key, "grid")
        col = block.column_of(column_key)
        return absolute(block.sheet_title, col, block.first_row, col, block.last_row)

    def grid_cell(self, ref: str) -> str:
        """One cell of a grid, sheet-qualified: ``at("workload.p3.person")``."""
        grid_key, row_key, column_key = ref.split(".")
        block = self._block(grid_key, "grid")
        return absolute(block.sheet_title, block.column_of(column_key), block.row_of(row_key))

    def repeated_rows(self, ref: str) -> list[str]:
        """The keys of a repeated grid row's rows: ``repeated("workload.p")`` -> p1 ... p20."""
        grid_key, base = ref.split(".")
        block = self._block(grid_key, "grid")
        return [c.key for c in block.spec.cells
                if c.label is not None and c.key == f"{base}{c.params.get('n')}"]
