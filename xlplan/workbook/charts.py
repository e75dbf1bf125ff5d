"""Native Excel charts for the dashboard, fed by table columns, grid rows or fields."""

from __future__ import annotations

from openpyxl.chart import BarChart, LineChart, PieChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.worksheet.worksheet import Worksheet

from .layout import FIELD_LABEL_COLUMN, FIELD_VALUE_COLUMN, Layout, PlacedBlock
from .templates import Translations

_SIZE_CM = (15.0, 7.5)


def _reference(ws: Worksheet, layout: Layout, source: dict[str, str]) -> Reference:
    (kind, ref), = source.items()
    if kind == "table":
        # The plan's rows only: a chart stretched over empty spare rows is mostly blank.
        block, col = layout.table_column(ref)
        sheet = ws.parent[block.sheet_title]
        last = block.first_row + max(block.data_rows, 1) - 1
        return Reference(sheet, min_col=col, max_col=col, min_row=block.first_row, max_row=last)
    if kind in ("grid_row", "grid_header"):
        grid_key = ref.split(".")[0]
        block = layout.blocks[grid_key]
        row = block.header_row if kind == "grid_header" else block.row_of(ref.split(".")[1])
        sheet = ws.parent[block.sheet_title]
        return Reference(sheet, min_col=2, max_col=1 + len(block.grid_columns), min_row=row,
                         max_row=row)
    if kind in ("field_labels", "field_values"):
        block = layout.blocks[ref]
        col = FIELD_LABEL_COLUMN if kind == "field_labels" else FIELD_VALUE_COLUMN
        sheet = ws.parent[block.sheet_title]
        return Reference(sheet, min_col=col, max_col=col, min_row=block.first_row,
                         max_row=block.last_row)
    raise ValueError(f"unknown chart source {kind!r}")


def add_chart(ws: Worksheet, block: PlacedBlock, layout: Layout, words: Translations) -> None:
    spec = block.spec
    chart: BarChart | LineChart | PieChart
    if spec.chart == "bar":
        chart = BarChart()
        chart.type = "bar"
        chart.legend = None
        chart.x_axis.scaling.orientation = "maxMin"  # first KPI on top
    elif spec.chart == "line":
        chart = LineChart()
        chart.legend = None
    elif spec.chart == "pie":
        chart = PieChart()
        chart.dataLabels = DataLabelList()
        chart.dataLabels.showVal = True
        for flag in ("showSerName", "showCatName", "showPercent", "showLegendKey"):
            setattr(chart.dataLabels, flag, False)
    else:
        raise ValueError(f"unknown chart type {spec.chart!r}")
    chart.title = words.title(spec.key)
    values = spec.values
    chart.add_data(_reference(ws, layout, values), titles_from_data=False,
                   from_rows="grid_row" in values)
    chart.set_categories(_reference(ws, layout, spec.categories))
    for series in chart.series:
        series.smooth = False  # month-end balances: no invented curve between them
    if spec.number_format and not isinstance(chart, PieChart):
        chart.y_axis.number_format = spec.number_format
        chart.y_axis.majorGridlines = None
    chart.width, chart.height = _SIZE_CM
    assert spec.at is not None
    ws.add_chart(chart, spec.at)
