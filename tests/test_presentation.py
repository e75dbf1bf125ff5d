"""How the workbook presents itself to the person using it: the legend of cell colours, input
prompts, frozen panes, the 2x2 matrix, number formats from a measure's unit, and the figures of
the review brief and the macros in the client's locale. Held-out plans, in each language."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from xlplan import validate_plan
from xlplan.model import Language
from xlplan.reader.workbook import read_workbook
from xlplan.review import brief_text, review_brief
from xlplan.workbook import build_workbook, render_bytes
from xlplan.workbook.layout import legend_texts
from xlplan.workbook.templates import sheet_specs, translations

LANGUAGES = [language.value for language in Language]


def held_out(language: str, **client: Any) -> dict[str, Any]:
    return {
        "client": {"name": "Presentación", "language": language, "currency": "EUR", **client},
        "plan": {"year": 2028, "as_of": "2028-05-15", "opening_cash": 800},
        "objectives": [
            {"title": "Entregas", "measure": "% de entregas a tiempo", "target": 0.95},
            {"title": "Cesta", "measure": "cesta media (€)", "target": 84.5},
            {"title": "Miles", "measure": "ventas (k€)", "target": 1200},
            {"title": "Clientes", "measure": "clientes activos", "target": 1500}],
        "priorities": [{"title": f"Idea {n}", "quadrant": "attack-sell", "score": 3,
                        "category": "customer", "impact": 100, "cost": 10} for n in range(4)]
        + [{"title": "Defensa", "quadrant": "defend-manage", "score": 3, "impact": 5,
            "category": "process"}],
        "actions": [{"what": f"Acción {n}", "who": "Ana", "due": "2028-03-01"}
                    for n in range(12)],
        "reviews": [{"period": "Q1", "date": "2028-04-02", "cash": -1234.5}],
    }


def workbook(plan: dict[str, Any]) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(render_bytes(validate_plan(plan))))


def validation_at(ws: Worksheet, cell: str) -> Any:
    return next((dv for dv in ws.data_validations.dataValidation if cell in dv.sqref), None)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_sheet_has_the_legend_of_its_cell_colours(language):
    """Under each sheet's title: the legend's label, then a cell styled as an input and one
    styled as a calculation, the very styles of the sheets' cells."""
    words = translations(language)
    wb = workbook(held_out(language))
    label, typed, calculated = legend_texts(words)
    actions = wb[words.sheet("actions")]
    table = actions.tables["Actions"]
    first = openpyxl.utils.range_boundaries(table.ref)
    input_fill = actions.cell(first[1] + 1, first[0]).fill.fgColor.rgb  # "what": typed
    computed = next(c for c in actions[first[1] + 1] if c.data_type == "f").fill.fgColor.rgb
    assert input_fill != computed
    for ws in wb.worksheets:
        assert [ws["A2"].value, ws["B2"].value, ws["C2"].value] == [label, typed, calculated]
        assert ws["B2"].fill.fgColor.rgb == input_fill, ws.title
        assert ws["C2"].fill.fgColor.rgb == computed, ws.title


def test_a_value_typed_over_the_legend_is_reported_at_its_cell(tmp_path):
    """The legend's own words are read as nothing; anything else typed there is reported."""
    words = translations("fr")
    wb = workbook(held_out("fr"))
    ws = wb[words.sheet("bilan")]
    ws["C2"] = "12 500"
    path = tmp_path / "legend.xlsx"
    wb.save(path)
    found = [p for p in read_workbook(path).problems if p.kind == "outside"]
    assert [p.cell for p in found] == [f"{ws.title}!C2"]
    pristine = tmp_path / "pristine.xlsx"
    pristine.write_bytes(render_bytes(validate_plan(held_out("fr"))))
    assert not [p for p in read_workbook(pristine).problems if p.kind == "outside"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_input_prompts_for_what_it_takes(language):
    """Each input column and field shows, when selected, a prompt in the workbook's language
    (Excel's limits: a title of 32 characters, a message of 255), and no prompt is unused."""
    words = translations(language)
    wb = workbook(held_out(language))
    used = set()
    for sheet in sheet_specs():
        ws = wb[words.sheet(sheet.key)]
        for block in sheet.blocks:
            if block.kind not in ("fields", "table"):
                continue
            for spec in block.inputs:
                key = f"{block.label_prefix}.{spec.key}"
                if block.kind == "table":
                    header = words.label(key)
                    table = ws.tables[block.name]
                    left, top, right, _ = openpyxl.utils.range_boundaries(table.ref)
                    col = next(c.column for c in ws[top][left - 1:right] if c.value == header)
                    cell = f"{get_column_letter(col)}{top + 1}"
                else:
                    row = next(c.row for c in ws["A"] if c.value == words.label(key))
                    cell = f"B{row}"
                rule = validation_at(ws, cell)
                assert rule is not None and rule.prompt, f"{ws.title}!{cell} ({key})"
                assert rule.prompt == words.prompt(key)
                assert len(rule.prompt) <= 255
                assert rule.promptTitle is None or len(rule.promptTitle) <= 32
                assert rule.showInputMessage
                used.add(key)
    from xlplan.workbook.templates import _prompts

    assert set(_prompts()[language]) == used


@pytest.mark.parametrize("language", LANGUAGES)
def test_panes_keep_headers_and_names_in_view(language):
    """A table whose header is near the top keeps it in view; a wide table keeps its first
    column (what each row is) in view, on screen and on each printed page."""
    words = translations(language)
    wb = workbook(held_out(language))
    actions = wb[words.sheet("actions")]
    top = openpyxl.utils.range_boundaries(actions.tables["Actions"].ref)[1]
    assert actions.freeze_panes == f"B{top + 1}"
    priorities = wb[words.sheet("priorities")]  # its table starts far down: column A only
    assert priorities.freeze_panes == "B1"
    assert priorities.print_title_cols == "$A:$A"
    vision = wb[words.sheet("vision")]  # a one-column table of barriers at the left
    assert vision.freeze_panes is None
    assert wb[words.sheet("dashboard")].freeze_panes is None


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_matrix_is_drawn_as_two_by_two(language):
    """Attack / defend down, sell / manage across: each quadrant a box of its own, the
    attitude's name down its rows, the count of retained priorities in words."""
    words = translations(language)
    wb = workbook(held_out(language))
    ws = wb[words.sheet("priorities")]
    title_row = next(c.row for c in ws["A"] if c.value == words.title("matrix"))
    header = title_row + 1
    assert [ws.cell(header, c).value for c in (2, 3)] == [words.label("matrix.sell"),
                                                          words.label("matrix.manage")]
    merged = sorted(str(r) for r in ws.merged_cells.ranges)
    attack, defend = f"A{header + 1}:A{header + 6}", f"A{header + 7}:A{header + 12}"
    assert merged == sorted([attack, defend])
    assert ws[f"A{header + 1}"].value == words.label("matrix.attack")
    assert ws[f"A{header + 7}"].value == words.label("matrix.defend")
    for first in (header + 1, header + 7):
        for col in (2, 3):
            box = [ws.cell(row, col).border for row in range(first, first + 6)]
            assert box[0].top.style == "medium" and box[-1].bottom.style == "medium"
            assert all(b.left.style == b.right.style == "medium" for b in box)
            assert all(b.top.style != "medium" for b in box[1:])
    count = ws.cell(header + 1, 2)  # attack x sell: four retained
    assert count.number_format.endswith(words.label("matrix.count_format"))
    assert count.value.startswith("=")


@pytest.mark.parametrize("language", LANGUAGES)
def test_objective_figures_follow_their_measure(language):
    """An objective's target reads as its measure says: a rate as a percent, an amount in the
    plan's currency as money, thousands ("k€") and counts as numbers with separators."""
    words = translations(language)
    ws = workbook(held_out(language))[words.sheet("vision")]
    left, top, right, _ = openpyxl.utils.range_boundaries(ws.tables["Objectives"].ref)
    target = next(c.column for c in ws[top][left - 1:right]
                  if c.value == words.label("objectives.target"))
    formats = [ws.cell(top + n, target).number_format for n in range(1, 5)]
    assert "%" in formats[0]
    assert "€" in formats[1] and "0.00" in formats[1]
    assert "€" not in formats[2] and "%" not in formats[2] and "#,##0" in formats[2]
    assert formats[3].endswith("#,##0")


@pytest.mark.parametrize("language", LANGUAGES)
def test_measured_values_by_period_follow_their_objectives_measure(language):
    """The reviews sheet's values by period read as each objective's measure says, row by
    row: a rate as a percent (0.93 shows 93 %), an amount as money, thousands and counts as
    numbers with separators."""
    plan = validate_plan(held_out(language))
    built = build_workbook(plan)
    block = built.layout.blocks["by_period"]
    ws = openpyxl.load_workbook(io.BytesIO(render_bytes(plan)))[block.sheet_title]
    formats = [ws.cell(block.row_of(f"o{n}"), block.column_of("p1")).number_format
               for n in range(1, 5)]
    assert "%" in formats[0]
    assert "€" in formats[1] and "0.00" in formats[1]
    assert "€" not in formats[2] and "%" not in formats[2] and "#,##0" in formats[2]
    assert formats[3].endswith("#,##0")
    unmeasured = ws.cell(block.row_of("o5"), block.column_of("p1")).number_format
    assert "%" not in unmeasured and "€" not in unmeasured  # no objective 5: a plain number


@pytest.mark.parametrize(("tag", "currency", "cash", "as_of"), [
    ("fr-FR", "EUR", "-1\u202f234,50\xa0€", "15 mai 2028"),
    ("es-MX", "MXN", "-$1,234.50", "15 may 2028"),
    ("en-GB", "GBP", "-£1,234.50", "15 May 2028"),
])
def test_the_review_brief_writes_figures_as_the_locale_does(tag, currency, cash, as_of):
    """Amounts in the plan's currency and dates as the client's locale writes them (CLDR),
    not in one hard-wired convention."""
    plan = validate_plan(held_out(tag[:2], locale=tag, currency=currency))
    text = brief_text(review_brief(plan, date(2028, 5, 15)), translations(tag[:2]))
    assert cash in text
    assert as_of in text
    assert "2028-05-15" not in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_tables_headers_are_distinct(language):
    """Excel renames a table's second column of the same header (case aside): a structured
    reference to either would then point at the wrong one, or at none."""
    words = translations(language)
    for sheet in sheet_specs():
        for block in sheet.blocks:
            if block.kind == "table":
                headers = [words.label(f"{block.label_prefix}.{c.key}").casefold()
                           for c in block.cells]
                assert len(headers) == len(set(headers)), (block.key, headers)
