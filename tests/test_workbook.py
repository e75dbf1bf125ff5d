"""The generated workbook's structure: names, tables, validation, protection, text as text."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.utils import get_column_letter

from tests.conftest import in_language
from xlplan.model import Language
from xlplan.workbook import build_workbook, render_bytes
from xlplan.workbook.templates import translations

TABLES = {"Kpis", "Segments", "Priorities", "Uses", "Sources", "Actions", "Objectives",
          "Reviews", "Measures", "Decisions", "Team", "Survey"}
NAMES = {"AsOfDate", "OpeningCash", "KpisOnTarget", "CustomerCapital", "RetainedPriorities",
         "TotalUses", "TotalSources", "FundingGap", "MinCumulativeBalance", "FundingOK",
         "ActionsCompletion", "LateActions", "ReviewsHeld", "AbandonedPriorities",
         "ObjectivesAchieved", "LatestReviewDate", "PlannedEffort", "TeamCapacity",
         "OverloadedMonths", "AlignmentScore", "ActionsOutsideZone", "PlanStart"}


def load(plan):
    return openpyxl.load_workbook(io.BytesIO(render_bytes(plan)))


@pytest.mark.parametrize("language", list(Language))
def test_sheets_tables_and_names_in_every_language(example_plans, language):
    """Nine translated sheets, the stable table names and the workbook-level names."""
    plan = in_language(example_plans["boutique"], language)
    wb = load(plan)
    words = translations(language)
    assert wb.sheetnames == [words.sheet(k) for k in (
        "vision", "bilan", "customers", "priorities", "funding", "actions", "team", "reviews",
        "dashboard")]
    tables = {name for ws in wb.worksheets for name in ws.tables}
    assert tables >= TABLES
    assert set(wb.defined_names) >= NAMES
    assert len(wb[words.sheet("dashboard")]._charts) == 4


def test_same_plan_same_bytes(example_plans):
    """Generation is deterministic: byte-identical output for the same plan."""
    plan = example_plans["boutique"]
    assert render_bytes(plan) == render_bytes(plan)


def test_no_as_of_means_today_formula(example_plans):
    """A plan with no as_of puts =TODAY() in AsOfDate, so a live plan ages by itself."""
    wb = load(example_plans["northwind"])
    sheet, ref = next(iter(wb.defined_names["AsOfDate"].destinations))
    assert wb[sheet][ref.replace("$", "")].value == "=TODAY()"


def test_inputs_are_unlocked_computed_cells_locked(example_plans):
    """A sheet a person types in is not protected (Excel grows no table on a protected
    sheet), the dashboard is; inputs unlocked and filled differently from computed cells."""
    built = build_workbook(example_plans["boutique"])
    wb = openpyxl.load_workbook(io.BytesIO(render_bytes(example_plans["boutique"])))
    inputs_on = {sheet for sheet, _ in built.inputs}
    for ws in wb.worksheets:
        assert ws.protection.sheet == (ws.title not in inputs_on), ws.title
    assert len(inputs_on) == len(wb.worksheets) - 1
    for sheet, ref in list(built.expected)[:200]:
        assert wb[sheet][ref].protection.locked
    for sheet, ref in list(built.inputs)[:200]:
        cell = wb[sheet][ref]
        assert not cell.protection.locked
        assert cell.fill.fgColor.rgb != wb[built.names["CustomerCapital"][0]][
            built.names["CustomerCapital"][1]].fill.fgColor.rgb


def test_input_validation_lists_and_checks(example_plans):
    """Dropdowns for quadrant, status, score, direction, ambition, risk kind; the category
    dropdowns follow the Categories table; numeric and date checks."""
    plan = example_plans["boutique"]
    words = translations(plan.language)
    wb = load(plan)
    formulas = {(dv.type, dv.formula1) for ws in wb.worksheets
                for dv in ws.data_validations.dataValidation}
    for group in ("quadrant", "status", "direction", "cadence", "yesno", "ambition",
                  "risk_kind"):
        assert ("list", '"' + ",".join(words.choice_labels(group)) + '"') in formulas
    assert ("list", '"3,2,1,0"') in formulas
    assert ("list", "List_categories_label") in formulas
    assert {"whole", "decimal", "date"} <= {t for t, _ in formulas}


def test_hostile_text_stays_text(example_plans):
    """Text from data is written as text, never as a formula."""
    hostile = ['=HYPERLINK("http://x","y")', "+33 6 12 34 56 78", "@foo", "-1+2", "#N/A"]
    plan = example_plans["boutique"]
    plan = plan.model_copy(update={
        "client": plan.client.model_copy(update={"name": hostile[0]}),
        "barriers": hostile})
    wb = load(plan)
    written = {c.value: c.data_type for ws in wb.worksheets
               for row in ws.iter_rows() for c in row if c.value in hostile}
    assert set(written) == set(hostile)
    assert set(written.values()) == {"s"}


def test_choice_labels_fit_in_list_validation():
    """List-validation labels contain no comma or quote, and the list stays under 255 chars."""
    for language in Language:
        words = translations(language)
        for group in ("quadrant", "category", "status", "direction", "cadence", "yesno"):
            labels = words.choice_labels(group)
            assert all("," not in label and '"' not in label for label in labels)
            assert len(",".join(labels)) < 255
            assert len(set(labels)) == len(labels)


def test_spare_rows_let_the_consultant_add_lines(example_plans):
    """Tables extend past the plan's rows, with the formulas already in place."""
    built = build_workbook(example_plans["boutique"])
    block = built.layout.blocks["kpis"]
    assert block.rows == block.data_rows + block.spec.spare_rows
    sheet = block.sheet_title
    last = block.last_row
    status = get_column_letter(block.column_of("status"))
    assert load(example_plans["boutique"])[sheet][f"{status}{last}"].value.startswith("=IF(")
    assert built.expected[(sheet, f"{status}{last}")] is None


def test_computed_values_are_independent_of_today_when_as_of_is_set(example_plans):
    """A fixed as_of date pins every value, whatever the day the workbook is built."""
    plan = example_plans["boutique"]
    first = build_workbook(plan, today=date(2000, 1, 1)).expected
    assert first == build_workbook(plan, today=date(2030, 1, 1)).expected


def test_the_formula_fast_path_writes_what_xlsxwriter_would(example_plans, monkeypatch):
    """Formulas naming no dynamic-array function skip XlsxWriter's rewriting: the workbook is
    byte-identical to the one XlsxWriter's own path writes, and a formula that names one
    still gets its _xlfn. prefix."""
    from xlsxwriter.worksheet import Worksheet

    from xlplan.workbook.writer import ExactWorksheet

    plan = example_plans["andina"]
    fast = render_bytes(plan)
    sheet = ExactWorksheet()
    assert sheet._prepare_formula("=XLOOKUP(A1,B:B,C:C)") == "_xlfn.XLOOKUP(A1,B:B,C:C)"
    assert sheet._prepare_formula("{=SUM(A1:A3)}") == "SUM(A1:A3)"
    monkeypatch.setattr(ExactWorksheet, "_prepare_formula", Worksheet._prepare_formula)
    assert render_bytes(plan) == fast


_FORMULA_PARTS = st.sampled_from([
    "SUM(", "IF(", "IFNA(", "IFERROR(", "CONCAT(", "XLOOKUP(", "FILTER(", "SINGLE(", "xSINGLE(",
    "1INGLE(", "INGLE(", "STDEV.S(", "T.TEST(", "ISO.CEILING(", "X.IFNA(", "aIFNA(", "_IFNA(",
    "_xlfn.IFNA(", "Sum(", "sum(", "COUNTIFS(", "SUMPRODUCT(", "DAYS(", "A1", "B$2", ")", ",",
    "(", " ", "=", "{", "}", '"IFNA("', "Actions[due]", "'Plan d''action'!A1", "1", "."])


@given(st.lists(_FORMULA_PARTS, max_size=12).map("".join), st.booleans())
def test_the_formula_preparation_is_xlsxwriters_for_any_formula(formula, future):
    """ExactWorksheet prepares any formula as XlsxWriter does, for a cell (dynamic-array
    prefixes) and for a conditional format, validation or table column (future functions
    too): names tried one by one give XlsxWriter's own answer, whatever sits around them."""
    from xlsxwriter.worksheet import Worksheet

    from xlplan.workbook.writer import ExactWorksheet

    sheet = ExactWorksheet()
    assert sheet._prepare_formula(formula, future) == Worksheet._prepare_formula(
        sheet, formula, future)


def test_the_locale_comes_from_language_and_currency_and_sets_the_formats():
    """With no client.locale, the language's locale for the currency's country; the money
    format puts CLDR's symbol where the locale writes it, with the currency's decimals."""
    from xlplan.workbook.locale import PAPER_A4, PAPER_LETTER, default_locale, locale_formats

    assert [default_locale(*pair) for pair in (("es", "MXN"), ("fr", "CAD"), ("en", "USD"),
                                                ("fr", "EUR"), ("es", "EUR"), ("en", "CHF"))] == [
        "es-MX", "fr-CA", "en-US", "fr-FR", "es-ES", "en-GB"]
    assert locale_formats("fr-FR", "EUR").money == '[$-40C]#,##0.00"\u00a0€"'
    assert locale_formats("es-MX", "MXN").money == '[$-80A]"$"#,##0.00'
    assert locale_formats("en-GB", "CHF").money == '[$-809]"CHF\u00a0"#,##0.00'
    assert locale_formats("en-US", "JPY").money == '[$-409]"¥"#,##0'
    assert locale_formats("es-ES", "EUR").money.startswith("[$-C0A]")
    assert locale_formats("en-US", "USD").date == "[$-409]m/d/yyyy"
    assert locale_formats("es-MX", "MXN").paper == PAPER_LETTER
    assert locale_formats("es-ES", "EUR").paper == PAPER_A4


def test_charts_speak_the_tables_colours_and_mark_100_percent(example_plans):
    """The status pie paints each status in the action plan's colour for it (to do grey, in
    progress amber, done green, blocked red); the KPI and objectives bars start from a 100 %
    line with their names at the left edge; the cash chart's months sit below the plot, clear
    of a balance below zero."""
    import re as regex
    import zipfile as zf

    parts = zf.ZipFile(io.BytesIO(render_bytes(example_plans["andina"])))
    charts = {name: parts.read(name).decode() for name in parts.namelist()
              if name.startswith("xl/charts/chart")}
    pie = next(xml for xml in charts.values() if "<c:pieChart>" in xml)
    assert regex.findall(r'<c:dPt>.*?<a:srgbClr val="(\w+)"/>', pie) == [
        "A6A6A6", "FFC000", "70AD47", "C00000"]
    bars = [xml for xml in charts.values() if "<c:barChart>" in xml]
    assert len(bars) == 2
    for xml in bars:
        assert '<c:crossesAt val="1"/>' in xml and '<c:tickLblPos val="low"/>' in xml
    line = next(xml for xml in charts.values() if "<c:lineChart>" in xml)
    assert '<c:tickLblPos val="low"/>' in line


def test_kpi_figures_are_shown_as_their_unit_says(example_plans):
    """A KPI's target, actual and gap take its unit's format: % a percent (0.025 is 2.5 %),
    the plan's currency money, a count with separators and decimals only where the row has
    some; a factor three decimals; spare rows stay General."""
    plan = example_plans["boutique"]
    wb = load(plan)
    book = build_workbook(plan)
    kpis = book.layout.blocks["kpis"]
    ws = wb[kpis.sheet_title]
    formats = {k.name: ws.cell(kpis.first_row + i, kpis.column_of("target")).number_format
               for i, k in enumerate(plan.kpis)}
    assert formats["Taux de conversion"] == "[$-40C]0.0\u00a0%"
    assert formats["Chiffre d'affaires"] == '[$-40C]#,##0.00"\u00a0€"'
    assert formats["Délai de livraison"] == "[$-40C]#,##0.0#"  # 3 and 3.2
    assert formats["Clients actifs"] == "[$-40C]#,##0"
    gap = ws.cell(kpis.first_row + 2, kpis.column_of("gap")).number_format
    assert gap == formats["Taux de conversion"]
    spare = ws.cell(kpis.first_row + len(plan.kpis), kpis.column_of("target")).number_format
    assert spare == "General"
    segments = book.layout.blocks["segments"]
    factor = wb[segments.sheet_title].cell(segments.first_row,
                                           segments.column_of("retention_factor"))
    assert factor.number_format == "[$-40C]0.000"
