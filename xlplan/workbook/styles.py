"""How cells look and what they accept: number formats, fills, validation and highlights.

Everything here is data for XlsxWriter (format properties, validation and conditional-format
options); the renderer turns them into the workbook's styles.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from typing import Any

from babel.numbers import get_currency_name, get_currency_symbol

from ..model import MAX_AMOUNT, MAX_COUNT
from .formulas import string_literal
from .locale import LocaleFormats, locale_formats
from .templates import CellSpec, Translations

_BORDER = {"border": 1, "border_color": "#D0D7E2"}
INPUT = {"bg_color": "#FFF7E1", "font_color": "#1F3864", "locked": False, **_BORDER}
COMPUTED = {"bg_color": "#EEF1F5", "font_color": "#262626", "locked": True, **_BORDER}
HEADER = {"bold": True, "font_color": "#FFFFFF", "bg_color": "#305496", "text_wrap": True,
          "valign": "top", **_BORDER}
TITLE = {"bold": True, "font_size": 15, "font_color": "#1F3864"}
BLOCK = {"bold": True, "font_size": 11, "font_color": "#305496"}
LABEL = {"bold": True, "font_color": "#404040"}
GROUP_LABEL = {"bold": True, "font_size": 12, "font_color": "#1F3864", "bg_color": "#DDE4F0",
               "align": "center", "valign": "vcenter", "border": 2, "border_color": "#305496"}
LEGEND_LABEL = {"italic": True, "font_color": "#595959", "align": "right"}

GOOD = {"bg_color": "#C6EFCE"}
WARN = {"bg_color": "#FFEB9C"}
BAD = {"bg_color": "#FFC7CE", "font_color": "#9C0006"}
MUTED = {"font_color": "#808080"}

MAX_PROMPT_TITLE = 32  # Excel's limit on a prompt's title (its message: 255)
_EXCEL_FIRST_DAY = date(1900, 1, 1)
_EXCEL_LAST_DAY = date(9999, 12, 31)


def box(top: bool, bottom: bool) -> dict[str, Any]:
    """The borders of a cell of a boxed group (a quadrant of the matrix): a strong line
    around the box, the usual thin one inside it."""
    strong = {"left": 2, "left_color": "#305496", "right": 2, "right_color": "#305496"}
    if top:
        strong |= {"top": 2, "top_color": "#305496"}
    if bottom:
        strong |= {"bottom": 2, "bottom_color": "#305496"}
    return strong


def number_format(spec: CellSpec, formats: LocaleFormats) -> str:
    """The cell's number format: amounts, percents and dates as the client's locale sets
    them out (``locale.py``), counts as integers, days to one decimal."""
    if spec.format:
        return spec.format if spec.format.startswith("[$") else formats.number(spec.format)
    if spec.type == "money":
        return formats.money
    return {
        "percent": formats.percent, "integer": "0", "month": "0", "score": "0",
        "date": formats.date, "text": "@", "choice": "@", "yesno": "@", "ref": "@",
        "list": "@", "days": formats.number("0.0"),
    }.get(spec.type, "General")


def whole_figures(values: list[object]) -> bool:
    """No figure among ``values`` has decimals (texts and blanks aside)."""
    return all(float(v).is_integer() for v in values if isinstance(v, int | float))


def unit_spec(spec: CellSpec, unit: object, whole: bool, formats: LocaleFormats) -> CellSpec:
    """A figure's cell as its unit says (a KPI's unit, an objective's measure): ``%``, or a
    ``%`` standing apart in it ("% de entregas a tiempo"), a percent (0.025 is 2.5 %); the
    plan's currency, code or symbol, alone or standing apart ("panier moyen (€)"), money;
    another currency code that currency's money; anything else a number with separators
    (decimals only where a figure of the row has them: ``whole`` if none has)."""
    text = str(unit or "").strip()
    if _stands_apart("%", text):
        return replace(spec, type="percent")
    currency = formats.currency
    symbol = get_currency_symbol(currency, locale=formats.locale.replace("-", "_"))
    if _stands_apart(currency, text.upper()) or (symbol and _stands_apart(symbol, text)):
        return replace(spec, type="money")
    known = len(text) == 3 and text.isalpha() and text.isupper() and get_currency_name(
        text, locale="en") != text  # a currency code Babel knows
    if known:
        return replace(spec, type="money", format=locale_formats(formats.locale, text).money)
    return replace(spec, format=formats.number("#,##0" if whole else "#,##0.0#"))


def _stands_apart(token: str, text: str) -> bool:
    """``token`` is in ``text`` with no letter or digit against it: "%" in "taux (%)", not
    "€" in "k€" (thousands)."""
    return re.search(rf"(?<!\w){re.escape(token)}(?!\w)", text) is not None


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def validation(spec: CellSpec, words: Translations, list_name: str | None,
               label: str = "", prompt: str | None = None) -> dict[str, Any] | None:
    """The data validation of an input column or field (XlsxWriter options), with the prompt
    Excel shows when the cell is selected (titled by its label), or None."""
    kind = spec.type
    options: dict[str, Any]
    if kind in ("choice", "yesno"):
        group = spec.choices or "yesno"
        options = {"validate": "list",
                   "source": string_literal(",".join(words.choice_labels(group)))}
        message = words.validation("choice")
    elif kind == "score":
        options = {"validate": "list", "source": '"3,2,1,0"'}
        message = words.validation("choice")
    elif kind == "ref" or (kind == "category" and list_name):
        options = {"validate": "list", "source": f"={list_name}"}
        message = words.validation("ref")
    elif kind in ("integer", "month"):
        low, high = (1, 12) if kind == "month" else (spec.min, spec.max)
        low = int(low) if low is not None else -MAX_COUNT
        high = int(high) if high is not None else MAX_COUNT
        options = {"validate": "integer", "criteria": "between", "minimum": low,
                   "maximum": high}
        message = words.validation("whole", min=low, max=high)
    elif kind in ("number", "money", "percent", "days"):
        low_f = spec.min if spec.min is not None else -float(MAX_AMOUNT)
        high_f = spec.max if spec.max is not None else float(MAX_AMOUNT)
        options = {"validate": "decimal", "criteria": "between", "minimum": _number(low_f),
                   "maximum": _number(high_f)}
        message = (words.validation("decimal", min=f"{low_f:g}", max=f"{high_f:g}")
                   if spec.min is not None or spec.max is not None else words.validation("number"))
    elif kind == "date":
        options = {"validate": "date", "criteria": "between", "minimum": _EXCEL_FIRST_DAY,
                   "maximum": _EXCEL_LAST_DAY}
        message = words.validation("date")
    else:
        options, message = {"validate": "any"}, ""
    if message:
        options.update({"ignore_blank": True, "error_type": "stop",
                        "error_title": words.validation("title"), "error_message": message})
    if prompt:
        options["input_message"] = prompt
        if len(label) <= MAX_PROMPT_TITLE:
            options["input_title"] = label
    return options if len(options) > 1 else None


def highlight_rules(kind: str, words: Translations, top_left: str,
                    refs: dict[str, str] | None = None
                    ) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Conditional formatting of a highlighted column or field: (rule, format) pairs.
    ``refs`` are the top-left row's cells of a grid's other columns (``$D7``)."""

    def equals(group: str, key: str) -> dict[str, Any]:
        return {"type": "cell", "criteria": "equal to",
                "value": string_literal(words.choice(group, key))}

    def formula(text: str) -> dict[str, Any]:
        return {"type": "formula", "criteria": f"={text}"}

    if kind == "kpi_status":
        return [(equals("kpi_status", "green"), GOOD), (equals("kpi_status", "amber"), WARN),
                (equals("kpi_status", "red"), BAD)]
    if kind == "action_status":
        return [(equals("status", "done"), GOOD), (equals("status", "in_progress"), WARN),
                (equals("status", "blocked"), BAD)]
    if kind == "decision":
        return [(equals("decision", "top"), GOOD), (equals("decision", "discarded"), MUTED)]
    if kind == "late":
        return [(equals("yesno", "yes"), BAD)]
    if kind == "negative":
        return [(formula(f"AND(ISNUMBER({top_left}),{top_left}<0)"), BAD)]
    if kind == "positive_is_bad":
        return [(formula(f"AND(ISNUMBER({top_left}),{top_left}>0)"), WARN)]
    if kind == "false_is_bad":
        return [({"type": "cell", "criteria": "equal to", "value": "FALSE"}, BAD),
                ({"type": "cell", "criteria": "equal to", "value": "TRUE"}, GOOD)]
    if kind == "flag":
        return [(formula(f"LEN({top_left})>0"), WARN)]
    if kind == "gap":  # worse than target: below it, or above it when lower is better
        direction = (refs or {})["direction"]
        lower = string_literal(words.choice("direction", "lower"))
        return [(formula(f"AND(ISNUMBER({top_left}),IF({direction}={lower},{top_left}>0,"
                         f"{top_left}<0))"), BAD)]
    if kind == "no_is_bad":
        return [(equals("yesno", "no"), BAD), (equals("yesno", "yes"), GOOD)]
    if kind == "over_one":
        return [(formula(f"AND(ISNUMBER({top_left}),{top_left}>1)"), BAD)]
    if kind == "over_capacity":
        capacity = (refs or {})["capacity"]
        return [(formula(f"AND(ISNUMBER({top_left}),ISNUMBER({capacity}),"
                         f"{top_left}>{capacity})"), BAD)]
    raise ValueError(f"unknown highlight {kind!r}")


def excel_date(value: date) -> int:
    """Serial day number of a date, as spreadsheets count (1900 system)."""
    return (value - date(1899, 12, 30)).days
