"""Generate the planning workbook from a plan: layout, content and rendering."""

from __future__ import annotations

from datetime import date, datetime

from .. import __version__
from ..calc.reviews import plan_start
from ..collector import collector_paused
from ..model import Plan
from ..provenance import HASH_PLACEHOLDER, HASH_PROPERTY
from ..results import compute
from .content import build_content
from .layout import Layout
from .locale import client_locale, locale_formats
from .package import zip_parts
from .render import BuiltWorkbook, Document, Renderer
from .templates import sheet_specs, template_version, translations


def build_workbook(plan: Plan, today: date | None = None) -> BuiltWorkbook:
    """The workbook of a plan, with the value each of its formulas must give."""
    with collector_paused(collect_young_after=True):
        return _build_workbook(plan, today)


def _build_workbook(plan: Plan, today: date | None) -> BuiltWorkbook:
    words = translations(plan.language)
    results = compute(plan, today)
    specs = sheet_specs()
    content = build_content(plan, results, words, specs)
    layout = Layout(specs, words, {k: len(v) for k, v in content.tables.items()},
                    TEMPLATE_VERSION)
    built = BuiltWorkbook(layout)
    document = Document(
        title=f"{plan.client.name} - {plan.plan.year}",
        author=plan.client.consultant or "xlplan", created=document_stamp(plan),
        custom=(("xlplan.version", __version__), ("xlplan.language", plan.language.value),
                ("xlplan.template", str(TEMPLATE_VERSION)), (HASH_PROPERTY, HASH_PLACEHOLDER)))
    formats = locale_formats(client_locale(plan), plan.client.currency)
    Renderer(layout, words, content, formats, plan.client.name,
             plan.plan.year, plan_start(plan)).render(built, document)
    return built


def document_stamp(plan: Plan) -> datetime:
    """The workbook's created/modified date: from the plan, never the clock (determinism)."""
    day = plan.plan.as_of or date(plan.plan.year, 1, 1)
    return datetime(day.year, day.month, day.day)


def render_bytes(plan: Plan, today: date | None = None) -> bytes:
    """The .xlsx bytes of a plan's workbook; the same plan always gives the same bytes."""
    return zip_parts(build_workbook(plan, today).parts)


TEMPLATE_VERSION = template_version()

__all__ = ["TEMPLATE_VERSION", "BuiltWorkbook", "build_workbook", "document_stamp",
           "render_bytes"]
