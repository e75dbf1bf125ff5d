"""Read the sheet layouts and translations kept as data in ``workbook_templates/``.

The parsed YAML is kept across runs in xlplan's cache (``cache.py``)."""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass, field, replace
from datetime import date
from importlib import resources
from typing import Any

import yaml

from ..model import Language
from .cache import cache_key, read_cached, write_cached

INPUT_TYPES = frozenset({"text", "money", "number", "percent", "integer", "month", "date",
                         "choice", "score", "yesno", "ref", "category", "days", "list"})
COMPUTED_TYPES = frozenset({"text", "money", "number", "percent", "integer", "date",
                            "boolean", "days"})
LIST_SEPARATOR = ";"  # a "list" cell holds several texts: "rédaction; tableaux de bord"


@dataclass(frozen=True)
class CellSpec:
    """A table column or a field: what it holds, how it is checked, shown and computed."""

    key: str
    type: str
    formula: str | None = None
    fallback_formula: str | None = None
    width: float | None = None
    choices: str | None = None
    source: str | None = None
    min: float | None = None
    max: float | None = None
    highlight: str | None = None
    name: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    bind: str | None = None  # an input field's plan path, or an input column's item key
    display: str | None = None  # a named formatter of a computed value (workbook/content.py)
    label: str | None = None  # a grid row's label as it is (a repeated row's number)
    format: str | None = None  # an Excel number format of its own (a factor: 0.000), or
    # "label:<key>", a translated one (a count shown with its words: "Retenues : "0)
    format_by: str | None = None  # the column whose value says each row's format (a unit)
    format_from: str | None = None  # a grid row's: the table whose row ``n`` (the grid row's
    # param) has the ``format_by`` column (objective n's measured values, by its measure)
    hidden: bool = False  # a helper row a reader need not see (a field or a grid row)

    @property
    def computed(self) -> bool:
        return self.formula is not None

    @property
    def item_key(self) -> str:
        """The key of a table row's item this input column holds ("." for the item itself)."""
        return self.bind or self.key


@dataclass(frozen=True)
class GridColumn:
    key: str
    params: dict[str, Any]
    width: float | None = None
    type: str | None = None  # how its cells are shown, when not as the row's type
    display: str | None = None  # a named formatter of its computed values (content.py)


@dataclass(frozen=True)
class BlockSpec:
    kind: str  # title | fields | table | grid | chart
    key: str
    name: str | None = None  # Excel table name
    labels: str | None = None  # label prefix, when not the block key
    spare_rows: int = 0
    cells: tuple[CellSpec, ...] = ()  # table columns, fields or grid rows
    grid_columns: tuple[GridColumn, ...] | str = ()
    corner: str | None = None
    # a grid's rows grouped by this param, drawn as a box per group and column, the group's
    # label (``<block>.<value>``) down its rows: the 2x2 matrix of attitude x activity
    groups: str | None = None
    chart: str | None = None
    at: str | None = None
    categories: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)
    number_format: str | None = None
    colors: tuple[str, ...] = ()  # a chart's colour of each point (the status colours)
    reference: float | None = None  # a chart's value to draw the category axis at (100 %)
    bind: str | None = None  # a table's plan list, e.g. "funding.uses"

    @property
    def label_prefix(self) -> str:
        return self.labels or self.key

    @property
    def path(self) -> tuple[str, ...]:
        """The plan path of a table's list: ``("funding", "uses")``."""
        assert self.bind is not None, f"{self.key} binds to nothing"
        return tuple(self.bind.split("."))

    @property
    def inputs(self) -> tuple[CellSpec, ...]:
        return tuple(c for c in self.cells if not c.computed)

    @property
    def scalar(self) -> bool:
        """A table of plain texts (its one input column is the item itself)."""
        return any(c.bind == "." for c in self.cells)

    def cell(self, key: str) -> CellSpec:
        return next(c for c in self.cells if c.key == key)


@dataclass(frozen=True)
class SheetSpec:
    key: str
    blocks: tuple[BlockSpec, ...]


def _cell(raw: dict[str, Any], where: str) -> CellSpec:
    spec = CellSpec(**raw)
    allowed = COMPUTED_TYPES if spec.computed else INPUT_TYPES
    if spec.type not in allowed:
        raise ValueError(f"{where}.{spec.key}: type {spec.type!r} is not one of {sorted(allowed)}")
    return spec


def _repeated(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A grid row with ``repeat: N`` stands for N rows, keyed ``<key>1`` to ``<key>N``, each
    with ``n`` in its params and its number as its label (people 1 to 20 of the team)."""
    out = []
    for raw in rows:
        count = raw.get("repeat")
        if count is None:
            out.append(raw)
            continue
        base = {k: v for k, v in raw.items() if k != "repeat"}
        out.extend({**base, "key": f"{base['key']}{n}", "label": str(n),
                    "params": {**base.get("params", {}), "n": n}} for n in range(1, count + 1))
    return out


def _block(raw: dict[str, Any], sheet: str) -> BlockSpec:
    raw = dict(raw)
    where = f"{sheet}.{raw.get('key')}"
    cells = raw.pop("columns", None) if raw.get("kind") == "table" else None
    cells = cells or raw.pop("fields", None) or _repeated(raw.pop("rows", None) or [])
    grid_columns: tuple[GridColumn, ...] | str = ()
    if raw.get("kind") == "grid":
        columns = raw.pop("columns")
        if isinstance(columns, str) and columns != "months":
            raise ValueError(f"{where}: grid columns are a list or 'months' (got {columns!r})")
        grid_columns = columns if isinstance(columns, str) else tuple(
            GridColumn(**c) for c in columns)
    specs = tuple(_cell(c, where) for c in cells)
    for spec in specs:
        if spec.format_from and (raw.get("kind") != "grid" or not spec.format_by
                                 or not isinstance(spec.params.get("n"), int)):
            raise ValueError(f"{where}.{spec.key}: format_from is a grid row's, with "
                             "format_by and a param n (the table's row it is formatted by)")
    return BlockSpec(cells=specs, grid_columns=grid_columns, **raw)


def _check_tables_last(sheet: SheetSpec) -> SheetSpec:
    """Nothing may lie below a table, so that it can grow: tables come last on a sheet."""
    kinds = [b.kind for b in sheet.blocks if b.kind != "chart"]
    if "table" in kinds and any(k != "table" for k in kinds[kinds.index("table"):]):
        raise ValueError(f"{sheet.key}: a block follows a table (tables come last)")
    return sheet


def _yaml_loader() -> type[Any]:
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _parse_yaml(text: str) -> Any:
    """Our own template data, read with libyaml's safe loader when PyYAML has it (7-8 times
    faster than the pure-Python one, the same values and types)."""
    return yaml.load(text, Loader=_yaml_loader())


def _yaml(text: str) -> Any:
    """``_parse_yaml``, kept across runs (marshal, one file per text): the same values and types
    (marshal keeps them, and which objects are shared), read 10 times faster. Data marshal
    cannot write (a date) is parsed each time."""
    import marshal

    loader = _yaml_loader()
    name = "yaml-" + cache_key("xlplan-yaml/1", sys.version, yaml.__version__,
                               f"{loader.__module__}.{loader.__qualname__}", text) + ".marshal"
    payload = read_cached(name)
    if payload is not None:
        try:
            return marshal.loads(payload)
        except (EOFError, ValueError, TypeError):
            pass
    data = _parse_yaml(text)
    try:
        payload = marshal.dumps(data)
    except ValueError:
        return data
    write_cached(name, payload)
    return data


@functools.cache
def _load(path: str) -> tuple[int, tuple[SheetSpec, ...]]:
    text = resources.files("workbook_templates").joinpath(path).read_text("utf-8")
    data = _yaml(text)
    sheets = tuple(SheetSpec(s["key"], tuple(_block(b, s["key"]) for b in s["blocks"]))
                   for s in data["sheets"])
    return int(data["version"]), sheets


@functools.cache
def template_version() -> int:
    """The version of the current template (``sheets.yaml``); each release that changes it
    keeps the earlier one as ``history/sheets-<version>.yaml``."""
    return _load("sheets.yaml")[0]


def _with_current_binding(sheets: tuple[SheetSpec, ...]) -> tuple[SheetSpec, ...]:
    """An earlier template's blocks, bound to the plan as today's blocks of the same keys."""
    current = {b.key: b for s in sheet_specs() for b in s.blocks}
    out = []
    for sheet in sheets:
        blocks = []
        for block in sheet.blocks:
            now = current.get(block.key)
            if now is None:
                blocks.append(block)
                continue
            today = {c.key: c for c in now.cells}
            cells = tuple(
                replace(c, bind=t.bind, display=t.display, choices=c.choices or t.choices)
                if (t := today.get(c.key)) is not None else c for c in block.cells)
            blocks.append(replace(block, bind=now.bind, cells=cells))
        out.append(SheetSpec(sheet.key, tuple(blocks)))
    return tuple(out)


@functools.cache
def sheet_specs(version: int | None = None) -> tuple[SheetSpec, ...]:
    """The workbook's sheets, in order, as ``workbook_templates/sheets.yaml`` describes them,
    or as template ``version`` did (an earlier one, bound to the plan as today's)."""
    if version is None or version == template_version():
        return tuple(_check_tables_last(s) for s in _load("sheets.yaml")[1])
    if version > template_version() or version < 1:
        raise ValueError(f"no template version {version} (this xlplan knows 1 to "
                         f"{template_version()})")
    found, sheets = _load(f"history/sheets-{version}.yaml")
    assert found == version, f"history/sheets-{version}.yaml says version {found}"
    return _with_current_binding(sheets)


def block_spec(key: str, version: int | None = None) -> BlockSpec:
    return next(b for s in sheet_specs(version) for b in s.blocks if b.key == key)


def input_keys(table: str) -> tuple[str, ...]:
    """The item keys of a table's input columns, in the table's order: the layout of a range
    "laid out like the table" that a worksheet function takes."""
    return tuple(c.item_key for c in block_spec(table).inputs)


@dataclass(frozen=True)
class Translations:
    """The user-facing words of one language."""

    language: Language
    data: dict[str, Any]

    def sheet(self, key: str) -> str:
        return str(self.data["sheets"][key])

    def title(self, key: str) -> str:
        return str(self.data["titles"][key])

    def label(self, key: str) -> str:
        return str(self.data["labels"][key])

    def choice(self, group: str, key: str) -> str:
        return str(self.data["choices"][group][key])

    def choice_keys(self, group: str) -> list[str]:
        return list(self.data["choices"][group])

    def choice_labels(self, group: str) -> list[str]:
        return [str(v) for v in self.data["choices"][group].values()]

    def month(self, month: int) -> str:
        return str(self.data["months"][month - 1])

    def month_label(self, day: date) -> str:
        """A calendar month as the workbook heads its columns: ``avr. 2027``."""
        return f"{self.month(day.month)} {day.year}"

    def validation(self, key: str, **values: object) -> str:
        return str(self.data["validation"][key]).format(**values)

    def prompt(self, key: str) -> str | None:
        """What an input cell asks for, shown when it is selected (``i18n/prompts.yaml``)."""
        found = _prompts().get(self.language.value, {}).get(key)
        return None if found is None else str(found)

    def udf(self, key: str, **values: object) -> str:
        """A sentence of a worksheet function, in this language."""
        return str(self.data["udf"][key]).format(**values)

    def portfolio(self, key: str, **values: object) -> str:
        return str(self.data["portfolio"][key]).format(**values)

    def check(self, key: str, **values: object) -> str:
        """A message of ``xlplan check``, in this language."""
        return str(self.data["check"][key]).format(**values)

    def amount(self, value: float, locale: str | None = None) -> str:
        """A sum of money as the locale writes it (CLDR, through Babel): 4,200.5 (en-GB),
        4 200,5 (fr-FR), 4200 or 42.000 (es-ES); the language's own locale by default."""
        from babel.numbers import format_decimal

        from .locale import default_locale
        tag = locale or default_locale(self.language.value, "")
        return format_decimal(value, format="#,##0.##", locale=tag.replace("-", "_"))

    def review(self, key: str, **values: object) -> str:
        """A line of ``xlplan review``'s brief, in this language."""
        return str(self.data["review"][key]).format(**values)

    def macro(self, key: str, **values: object) -> str:
        """A message of a ribbon macro (``xlplan run``), in this language."""
        return str(self.data["macros"][key]).format(**values)

    def choice_code(self, group: str, label: str) -> str | None:
        """The code of a translated label (case and surrounding spaces ignored), or None."""
        wanted = label.strip().casefold()
        for code, shown in self.data["choices"][group].items():
            if str(shown).casefold() == wanted or str(code).casefold() == wanted:
                return str(code)
        return None


@functools.cache
def _prompts() -> dict[str, dict[str, str]]:
    path = resources.files("workbook_templates").joinpath("i18n", "prompts.yaml")
    return dict(_yaml(path.read_text("utf-8")))


def translations(language: Language | str) -> Translations:
    return _translations(Language(language))


@functools.cache  # by Language: "fr" and Language.FR are not one key to functools.cache
def _translations(language: Language) -> Translations:
    path = resources.files("workbook_templates").joinpath("i18n", f"{language.value}.yaml")
    return Translations(language, _yaml(path.read_text("utf-8")))
