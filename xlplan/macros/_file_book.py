"""The file twin of live Excel: a workbook file as a ``Book``, through openpyxl.

Changes are made in memory; ``save`` writes them to another file, atomically. The input is
never written to (``xlplan run`` refuses an output that is the input)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import openpyxl
from openpyxl.cell.cell import Cell as OpenpyxlCell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from ..errors import OutputError
from ..provenance import HASH_PLACEHOLDER, HASH_PROPERTY
from ..reader.guard import UnreadableWorkbook, inspect_package
from ..safe_io import atomic_write, check_target
from ..workbook.package import resaved_bytes
from ..workbook.render import needs_quote_prefix
from ._book import ALERT_COLOR, NORMAL_COMPUTED_COLOR, Area, Cell, CellValue, Formula

_NOTE_SIZE = (360, 160)  # points: a note wide enough for a month's reasons


def set_value(cell: OpenpyxlCell, value: CellValue) -> None:
    """Text as text (quote prefix where Excel would read a formula), a Formula as a formula."""
    if isinstance(value, Formula):
        cell.value = value.text
        return
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        cell.quotePrefix = needs_quote_prefix(value)


class FileBook:
    """A workbook file as a Book."""

    def __init__(self, path: Path, *, force: bool = False,
                 say: Callable[[str], None] = print) -> None:
        self._path = Path(path)
        inspect_package(self._path)  # the reading guard first, as for every file we read
        keep_vba = self._path.suffix.lower() in (".xlsm", ".xlam")
        try:
            self.workbook = openpyxl.load_workbook(self._path, keep_vba=keep_vba)
        except Exception as exc:  # openpyxl raises many kinds on a damaged file
            raise UnreadableWorkbook(f"{path}: cannot be read as a workbook ({exc})") from None
        self.force = force
        self._say = say
        self.changed = False

    @property
    def path(self) -> Path:
        return self._path

    def to_bytes(self) -> bytes:
        """The book's bytes; an xlplan workbook records the hash of this new content, so a
        later run may replace the file xlplan wrote but never one a person edits after."""
        for prop in self.workbook.custom_doc_props.props:
            if prop.name == HASH_PROPERTY:
                prop.value = HASH_PLACEHOLDER
        return resaved_bytes(self.workbook)

    @contextmanager
    def snapshot(self) -> Iterator[Path]:
        if not self.changed:
            yield self._path
            return
        with tempfile.TemporaryDirectory(prefix="xlplan-snapshot-") as tmp:
            copy = Path(tmp) / self._path.name
            copy.write_bytes(self.to_bytes())
            yield copy

    def write(self, at: Cell, rows: Sequence[Sequence[CellValue]]) -> None:
        ws = self.workbook[at.sheet]
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                set_value(ws.cell(at.row + r, at.column + c), value)
        self.changed = True

    def mark(self, at: Cell, note: str | None) -> None:
        cell = self.workbook[at.sheet].cell(at.row, at.column)
        color = NORMAL_COMPUTED_COLOR if note is None else ALERT_COLOR
        cell.fill = PatternFill("solid", fgColor=color)
        cell.comment = None if note is None else Comment(note, "xlplan", *_NOTE_SIZE)
        self.changed = True

    def replace_sheet(self, title: str, rows: Sequence[Sequence[CellValue]],
                      widths: Sequence[float]) -> None:
        if title in self.workbook.sheetnames:
            self.workbook.remove(self.workbook[title])
        ws = self.workbook.create_sheet(title)
        for r, values in enumerate(rows, start=1):
            for c, value in enumerate(values, start=1):
                cell = ws.cell(r, c)
                set_value(cell, value)
                if r == 1:
                    cell.font = Font(bold=True)
        for c, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(c)].width = width
        ws.freeze_panes = "A2"
        self.changed = True

    def set_chart_source(self, sheet: str, index: int, categories: Area, values: Area) -> None:
        chart = self.workbook[sheet]._charts[index]
        series = chart.series[0]
        series.val.numRef.f = values.address
        series.val.numRef.numCache = None
        category = series.cat.numRef or series.cat.strRef
        category.f = categories.address
        self.changed = True

    def recalculate(self) -> None:
        """Nothing to do: the workbook asks for a full calculation when it is opened."""
        self.workbook.calculation.fullCalcOnLoad = True

    def say(self, message: str) -> None:
        self._say(message)

    def confirm(self, question: str) -> bool:
        return self.force

    def save(self, output: Path, overwrite_edited: bool = False) -> None:
        """Write the changed book to ``output`` (never to the file it was read from)."""
        output = Path(output)
        if output.resolve() == self._path.resolve():
            raise OutputError(f"{output}: is the workbook being read; write to another file")
        check_target(output, self.force, overwrite_edited)
        atomic_write(output, self.to_bytes())
