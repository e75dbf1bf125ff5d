"""Turn the formula templates of ``sheets.yaml`` into Excel formulas (Jinja, rendered once).

A table column's template is rendered once with a row placeholder, then the placeholder is
replaced for each row: a thousand rows cost one render. Only functions that Excel 2010+ and
LibreOffice 7.4 both compute are used (no XLOOKUP, LET, FILTER or dynamic arrays).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import jinja2
from openpyxl.utils import get_column_letter

from .layout import Layout, PlacedBlock
from .templates import CellSpec, Translations

ROW = "\x00"  # placeholder for the row number in a rendered column template

_ENV = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False,
                          keep_trailing_newline=False)


def string_literal(text: str) -> str:
    """A string as an Excel formula literal: ``Plan d'action`` -> ``"Plan d'action"``."""
    return '"' + text.replace('"', '""') + '"'


@functools.cache
def _compile(source: str) -> jinja2.Template:
    return _ENV.from_string(source)


class FormulaRenderer:
    """Renders templates with the helpers the layout and translations provide."""

    def __init__(self, layout: Layout, words: Translations) -> None:
        self.layout = layout
        self.globals: dict[str, Callable[..., Any]] = {
            "col": layout.col,
            "cell": layout.cell,
            "row": layout.row,
            "column": layout.grid_column,
            "at": layout.grid_cell,
            "repeated": layout.repeated_rows,
            "text": lambda group, key: string_literal(words.choice(group, key)),
            "choices": words.choice_keys,
        }

    def _render(self, source: str, **context: Any) -> str:
        formula = _compile(source).render(**self.globals, **context).strip()
        if not formula.startswith("=") or "\n" in formula:
            raise ValueError(f"template did not give a one-line formula: {formula!r}")
        return formula

    def table_column(self, block: PlacedBlock, column: CellSpec) -> Callable[[int], str]:
        """The column's formula as a function of the row."""
        assert column.formula is not None
        first = block.first_row
        cells, above = {}, {}
        for index, spec in enumerate(block.spec.cells, start=block.left):
            letter = get_column_letter(index)
            cells[spec.key] = f"{letter}{ROW}"
            above[spec.key] = f"${letter}${first}:{letter}{ROW}"
        rendered = self._render(column.formula, c=cells, above=above)
        return lambda row: rendered.replace(ROW, str(row))

    def field(self, spec: CellSpec) -> str:
        assert spec.formula is not None
        return self._render(spec.formula, params=spec.params)

    def grid_cell(self, block: PlacedBlock, row: CellSpec, column_index: int) -> str:
        assert row.formula is not None
        column = block.grid_columns[column_index]
        letter = get_column_letter(block.left + 1 + column_index)
        previous = get_column_letter(block.left + column_index)

        def here(key: str) -> str:
            return f"{letter}{block.row_of(key)}"

        def prev(key: str) -> str:
            return f"{previous}{block.row_of(key)}" if column_index > 0 else ""

        def header(key: str) -> str:
            return f"{get_column_letter(block.column_of(key))}${block.header_row}"

        return self._render(row.formula, row_params=row.params, col_params=column.params,
                            here=here, prev=prev, across=self.grid_refs(block, row).__getitem__,
                            header=header)

    @staticmethod
    def grid_refs(block: PlacedBlock, row: CellSpec) -> dict[str, str]:
        """This grid row's cell in each column, the column fixed: ``{"capacity": "$D7"}``."""
        return {c.key: f"${get_column_letter(block.column_of(c.key))}{block.row_of(row.key)}"
                for c in block.grid_columns}
