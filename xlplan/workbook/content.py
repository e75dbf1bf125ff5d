"""What goes in the workbook's cells, derived from the binding of ``sheets.yaml``: each input
from the plan path its field or column binds to, each computed cell from the Python
calculation under the same key (``cell_values.py``). Enumerations are translated here,
so a value is exactly what the cell shows (``"Vert"``, ``"Fait"``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any

from ..cell_values import cell_values
from ..model import Plan
from ..results import PlanResults
from .templates import LIST_SEPARATOR, BlockSpec, CellSpec, SheetSpec, Translations

LIST_JOINER = LIST_SEPARATOR + " "


@dataclass
class Content:
    fields: dict[str, Any] = field(default_factory=dict)
    fallbacks: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    grids: dict[str, Any] = field(default_factory=dict)


def _smart_missing(value: Any, row: dict[str, Any], words: Translations) -> str:
    shown = [words.choice("smart", c) if c in ("why", "owner") else c for c in value]
    return " ".join(shown) or words.choice("smart", "complete")


def _quadrant_slot(value: Any, row: dict[str, Any], words: Translations) -> str | None:
    return None if value is None else f"{row['quadrant']} #{value}"


def _month_list(value: Any, row: dict[str, Any], words: Translations) -> str | None:
    return ", ".join(words.month_label(day) for day in value) or None if value else None


def _overloaded_people(value: Any, row: dict[str, Any], words: Translations) -> str | None:
    return "; ".join(f"{name} ({_month_list(months, row, words)})"
                     for name, months in value) or None if value else None


# Formatters a computed cell names with ``display:`` (value, its row as shown, words).
DISPLAYS: dict[str, Callable[[Any, dict[str, Any], Translations], Any]] = {
    "smart_missing": _smart_missing,
    "quadrant_slot": _quadrant_slot,
    "month_list": _month_list,
    "overloaded_people": _overloaded_people,
}


def _computed(spec: CellSpec, value: Any, row: dict[str, Any], words: Translations) -> Any:
    return DISPLAYS[spec.display](value, row, words) if spec.display else shown(
        spec, value, words)


def plan_value(node: Any, path: str | tuple[str, ...]) -> Any:
    """The value at a plan path (``"client.name"``); None where a part is missing."""
    if path == ".":
        return node  # a list of plain texts: the item is the value
    for part in path.split(".") if isinstance(path, str) else path:
        node = getattr(node, part, None)
    return node


def shown(spec: CellSpec, value: Any, words: Translations) -> Any:
    """A plan or Python value as its cell shows it: codes and yes/no translated."""
    if value is None:
        return None
    if spec.type == "list":
        return LIST_JOINER.join(value) or None
    group = spec.choices or ("yesno" if spec.type == "yesno" else None)
    if group is None:
        return value.value if isinstance(value, Enum) else value
    if isinstance(value, bool):
        return words.choice(group, "yes" if value else "no")
    code = value.value if isinstance(value, Enum) else str(value)
    if spec.type == "category" and code not in words.choice_keys(group):
        return code  # the client's own category: shown as it is
    return words.choice(group, code)


def build_content(plan: Plan, results: PlanResults, words: Translations,
                  specs: tuple[SheetSpec, ...]) -> Content:
    computed = cell_values(plan, results)
    out = Content()
    grid_rows = _by_grid_row(computed.grids)
    for sheet in specs:
        for block in sheet.blocks:
            if block.kind == "fields":
                for spec in block.cells:
                    key = f"{block.key}.{spec.key}"
                    if spec.computed:
                        out.fields[key] = _computed(spec, computed.fields[key], {}, words)
                    elif spec.bind:
                        out.fields[key] = shown(spec, plan_value(plan, spec.bind), words)
                    if spec.fallback_formula:
                        out.fallbacks[key] = computed.fields[key]
            elif block.kind == "table":
                out.tables[block.key] = _table_rows(
                    block, plan_value(plan, block.path) or [],
                    computed.tables.get(block.key, []), words)
            elif block.kind == "grid":
                displays = {c.key: c.display for c in block.grid_columns
                            if not isinstance(c, str) and c.display}
                for spec in block.cells:
                    for name, column, value in grid_rows.get(f"{block.key}.{spec.key}", ()):
                        out.grids[name] = _computed(
                            replace(spec, display=displays[column]) if column in displays
                            else spec, value, {}, words)
    return out


def _table_rows(block: BlockSpec, items: list[Any], results_rows: list[dict[str, Any]],
                words: Translations) -> list[dict[str, Any]]:
    """A table's rows as its cells show them: each input from its item, each computed cell
    from the Python results. The columns' paths are split once, not once per row."""
    inputs = [(spec, "." if spec.item_key == "." else tuple(spec.item_key.split(".")))
              for spec in block.inputs]
    computed = [spec for spec in block.cells if spec.computed]
    rows = []
    for index, item in enumerate(items):
        row = {spec.key: shown(spec, plan_value(item, path), words) for spec, path in inputs}
        if computed:
            results = results_rows[index]
            for spec in computed:
                row[spec.key] = _computed(spec, results[spec.key], row, words)
        rows.append(row)
    return rows


def _by_grid_row(grids: dict[str, Any]) -> dict[str, list[tuple[str, str, Any]]]:
    """The grid values (``"funding_grid.cumulative.m3"``) of each grid row
    (``"funding_grid.cumulative"``): (name, column key, value), in their order. Found in
    one pass, not one per row (keys hold no dot)."""
    rows: dict[str, list[tuple[str, str, Any]]] = {}
    for name, value in grids.items():
        row, column = name.rsplit(".", 1)
        rows.setdefault(row, []).append((name, column, value))
    return rows
