"""Generate the planning workbook from a plan: layout, content and rendering."""

from __future__ import annotations

from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.packaging.custom import StringProperty

from .. import __version__
from ..model import Plan
from ..provenance import HASH_PLACEHOLDER, HASH_PROPERTY
from ..results import compute
from .content import build_content
from .layout import Layout
from .package import workbook_bytes
from .render import BuiltWorkbook, Renderer
from .templates import sheet_specs, translations


def build_workbook(plan: Plan, today: date | None = None) -> BuiltWorkbook:
    """The workbook of a plan, with the value each of its formulas must give."""
    words = translations(plan.language)
    results = compute(plan, today)
    content = build_content(plan, results, words)
    layout = Layout(sheet_specs(), words, {k: len(v) for k, v in content.tables.items()})
    built = BuiltWorkbook(Workbook(), layout)
    Renderer(layout, words, content, plan.client.currency, plan.client.name,
             plan.plan.year).render(built)
    wb = built.workbook
    wb.calculation.fullCalcOnLoad = True
    wb.properties.title = f"{plan.client.name} - {plan.plan.year}"
    wb.properties.creator = plan.client.consultant or "xlplan"
    wb.properties.language = plan.language.value
    for name, value in (("xlplan.version", __version__), ("xlplan.language", plan.language.value),
                        ("xlplan.template", str(TEMPLATE_VERSION)),
                        (HASH_PROPERTY, HASH_PLACEHOLDER)):
        wb.custom_doc_props.append(StringProperty(name=name, value=value))
    return built


def document_stamp(plan: Plan) -> datetime:
    """The workbook's created/modified date: from the plan, never the clock (determinism)."""
    day = plan.plan.as_of or date(plan.plan.year, 1, 1)
    return datetime(day.year, day.month, day.day)


def render_bytes(plan: Plan, today: date | None = None) -> bytes:
    """The .xlsx bytes of a plan's workbook; the same plan always gives the same bytes."""
    return workbook_bytes(build_workbook(plan, today).workbook, document_stamp(plan))


TEMPLATE_VERSION = 1

__all__ = ["TEMPLATE_VERSION", "BuiltWorkbook", "build_workbook", "document_stamp",
           "render_bytes"]
