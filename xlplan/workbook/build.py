"""Generate the planning workbook from a plan: layout, content and rendering."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

from .. import __version__
from ..calc.reviews import plan_start
from ..model import Plan
from ..provenance import HASH_PLACEHOLDER, HASH_PROPERTY
from ..results import compute
from .content import build_content
from .layout import Layout
from .locale import client_locale, locale_formats
from .package import zip_parts
from .render import BuiltWorkbook, Document, Renderer
from .templates import sheet_specs, template_version, translations


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector (the process's) paused while a workbook is built, then
    run once on the young objects. Building one makes tens of thousands of objects that all
    live until the workbook is written, then die together (XlsxWriter's workbook holds
    cycles, so they die only when collected): a collection during the build goes through
    live objects only, and those it promotes bring on full collections of the whole process
    (a quarter of a large plan's time, in a process holding much else). The pass at the
    end frees the workbook, so no later collection pays for it. Nothing changes when the
    collector is already off (a caller's choice)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect(0)


def build_workbook(plan: Plan, today: date | None = None) -> BuiltWorkbook:
    """The workbook of a plan, with the value each of its formulas must give."""
    with _collector_paused():
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
