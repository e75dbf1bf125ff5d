"""Generate the planning workbook from a plan: layout, content and rendering (``build``).

The names below are loaded when first used (PEP 562): reading the translations or the sheet
specs (``workbook.templates``) does not load the writer.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .build import (
        TEMPLATE_VERSION,
        BuiltWorkbook,
        build_workbook,
        document_stamp,
        render_bytes,
    )

__all__ = ["TEMPLATE_VERSION", "BuiltWorkbook", "build_workbook", "document_stamp",
           "render_bytes"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        value = getattr(importlib.import_module(".build", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
