"""What a macro reads: the plan in a snapshot of the book, and where its tables are."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from ..model import Plan
from ..reader.workbook import ReadBack, read_workbook, table_columns
from ..workbook.layout import Layout
from ..workbook.templates import BlockSpec, block_spec
from ._book import Book, Cell, MacroError


@dataclass(frozen=True)
class TablePlace:
    """A table as it is in the book now: its sheet, body rows and input columns."""

    sheet: str
    first_row: int
    last_row: int
    columns: dict[str, int]  # column key -> sheet column, for the columns found
    spec: BlockSpec


@dataclass
class Snapshot:
    read: ReadBack
    layout: Layout

    def table(self, key: str) -> TablePlace:
        spec = block_spec(key, self.read.version)
        words = self.read.words
        title = self.layout.blocks[key].sheet_title
        sheet = self.read.source.sheets.get(title)
        bounds = sheet.table(spec.name or "") if sheet is not None else None
        if sheet is None or bounds is None:
            raise MacroError(words.macro("missing_table", name=spec.name))
        _, header, _, max_row = bounds
        return TablePlace(title, header + 1, max_row,
                          table_columns(sheet, bounds, spec, words), spec)

    def plan_without_problems_in(self, *sheet_keys: str) -> Plan:
        """The plan, refused with every problem listed if a problem sits on these sheets
        (or, with no sheet given, if the plan does not validate at all)."""
        words = self.read.words
        titles = {words.sheet(key) for key in sheet_keys}
        problems = [p for p in self.read.problems if p.sheet in titles]
        if problems or self.read.valid_part is None:
            shown = "\n".join(f"- {p}" for p in (problems or self.read.problems)[:20])
            raise MacroError(words.macro("fix_first", problems=shown))
        return self.read.valid_part


@contextmanager
def snapshot_of(book: Book) -> Iterator[Snapshot]:
    with book.snapshot() as path:
        read = read_workbook(path)
        yield Snapshot(read, read.layout)


def grid_cell(snap: Snapshot, grid: str, row: str, column: str) -> Cell:
    block = snap.layout.blocks[grid]
    return Cell(block.sheet_title, block.row_of(row), block.column_of(column))
