"""Native Excel charts for the dashboard, fed by table columns, grid rows or fields.

A chart fed by a table covers the whole table column, so Excel extends it as the table grows.
Each series carries its cached data (the values Python computed, text categories as text):
a chart is drawn before any recalculation (Protected View, previews, viewers).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from .cells import SheetCells, stored
from .layout import (
    FIELD_LABEL_COLUMN,
    FIELD_VALUE_COLUMN,
    Layout,
    PlacedBlock,
    absolute,
    get_column_letter,
)
from .templates import Translations

_SIZE_PX = (567, 283)  # 15 x 7.5 cm


def _cells(layout: Layout, source: dict[str, str]) -> tuple[str, list[tuple[int, int]]]:
    """A chart source's range (``'Bilan'!$A$8:$A$23``) and its cells (row, column)."""
    (kind, ref), = source.items()
    if kind == "table":
        block, col = layout.table_column(ref)
        rows = range(block.first_row, block.last_row + 1)
        return layout.body(ref), [(r, col) for r in rows]
    if kind in ("grid_row", "grid_header"):
        block = layout.blocks[ref.split(".")[0]]
        row = block.header_row if kind == "grid_header" else block.row_of(ref.split(".")[1])
        cols = range(block.left + 1, block.right + 1)
        return (absolute(block.sheet_title, block.left + 1, row, block.right, row),
                [(row, c) for c in cols])
    if kind in ("field_labels", "field_values"):
        block = layout.blocks[ref]
        col = FIELD_LABEL_COLUMN if kind == "field_labels" else FIELD_VALUE_COLUMN
        rows = range(block.first_row, block.last_row + 1)
        return (absolute(block.sheet_title, col, block.first_row, col, block.last_row),
                [(r, col) for r in rows])
    raise ValueError(f"unknown chart source {kind!r}")


def _series(layout: Layout, source: dict[str, str],
            sheets: Mapping[str, SheetCells]) -> tuple[str, list[Any]]:
    """A chart source's range and its cached data: what each of its cells shows
    (``sheets``: every cell the renderer wrote), None for an empty cell."""
    (_, ref), = source.items()
    written = sheets[layout.blocks[ref.split(".")[0]].sheet_title].shown
    area, cells = _cells(layout, source)
    shown = [written.get(f"{get_column_letter(col)}{row}") for row, col in cells]
    return area, [None if value in (None, "") else stored(value) for value in shown]


def add_chart(wb: Workbook, ws: Worksheet, block: PlacedBlock, layout: Layout,
              words: Translations, sheets: Mapping[str, SheetCells],
              money_format: str) -> None:
    """A native chart; its value axis in ``number_format``, ``money`` being the plan's
    money format (``money_format``)."""
    spec = block.spec
    chart: Any = wb.add_chart({"type": spec.chart})
    if chart is None:
        raise ValueError(f"unknown chart type {spec.chart!r}")
    categories, categories_data = _series(layout, spec.categories, sheets)
    values_ref, values_data = _series(layout, spec.values, sheets)
    series: dict[str, Any] = {
        "categories": f"={categories}", "values": f"={values_ref}",
        "categories_data": categories_data, "values_data": values_data}
    if spec.chart == "pie":
        series["data_labels"] = {"value": True}
    if spec.chart == "bar":
        series["gap"] = 40  # the spare rows are empty slots: wider bars for the rest
    if spec.colors:
        series["points"] = [{"fill": {"color": color}} for color in spec.colors]
    chart.add_series(series)
    chart.set_title({"name": words.title(spec.key)})
    if spec.chart != "pie":
        chart.set_legend({"none": True})
        value_axis: dict[str, Any] = {"major_gridlines": {"visible": False}}
        if spec.number_format:
            value_axis["num_format"] = (money_format if spec.number_format == "money"
                                        else spec.number_format)
        if spec.reference is not None:  # the other axis drawn at 100 %: a reference line
            value_axis["crossing"] = spec.reference
            # attainment from 0 to twice the reference, in quarters of it: below zero is a bar
            # to the left edge, twice the target or more one to the right edge, and a plan
            # with nothing measured yet reads 0 % to 200 % (the engine's own range: -1000 %)
            value_axis.update({"min": 0, "max": 2 * spec.reference,
                               "major_unit": spec.reference / 2})
        if spec.chart == "bar":  # XlsxWriter's bar chart: x is the value axis
            chart.set_x_axis(value_axis)
            # first KPI on top, names at the left edge even when the axis crosses at 100 %
            chart.set_y_axis({"reverse": True, "label_position": "low"})
        else:
            chart.set_y_axis(value_axis)
            # month labels below the plot, clear of a balance that goes below zero
            chart.set_x_axis({"label_position": "low"})
    chart.set_size({"width": _SIZE_PX[0], "height": _SIZE_PX[1]})
    assert spec.at is not None
    ws.insert_chart(spec.at, chart)
