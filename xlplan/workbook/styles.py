"""How cells look and what they accept: number formats, fills, validation and highlights."""

from __future__ import annotations

import functools
from datetime import date
from importlib import resources

import yaml
from openpyxl.formatting.rule import CellIsRule, FormulaRule, Rule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.worksheet.datavalidation import DataValidation

from .formulas import string_literal
from .templates import CellSpec, Translations

INPUT_FILL = PatternFill("solid", fgColor="FFF7E1")
COMPUTED_FILL = PatternFill("solid", fgColor="EEF1F5")
INPUT_FONT = Font(color="1F3864")
COMPUTED_FONT = Font(color="262626")
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="305496")
TITLE_FONT = Font(bold=True, size=15, color="1F3864")
BLOCK_FONT = Font(bold=True, size=11, color="305496")
LABEL_FONT = Font(bold=True, color="404040")
THIN = Side(style="thin", color="D0D7E2")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
UNLOCKED = Protection(locked=False)
LOCKED = Protection(locked=True)
WRAP = Alignment(vertical="top", wrap_text=False)

GOOD = PatternFill("solid", fgColor="C6EFCE", bgColor="C6EFCE")
WARN = PatternFill("solid", fgColor="FFEB9C", bgColor="FFEB9C")
BAD = PatternFill("solid", fgColor="FFC7CE", bgColor="FFC7CE")
BAD_FONT = Font(color="9C0006")
MUTED_FONT = Font(color="808080")

_EXCEL_FIRST_DAY = 1  # 1900-01-01
_EXCEL_LAST_DAY = 2958465  # 9999-12-31


@functools.cache
def _currency_symbols() -> dict[str, str]:
    text = resources.files("workbook_templates").joinpath("currencies.yaml").read_text("utf-8")
    return {str(k): str(v) for k, v in yaml.safe_load(text).items()}


def number_format(spec: CellSpec, words: Translations, currency: str) -> str:
    if spec.type == "money":
        symbol = _currency_symbols().get(currency, currency).replace('"', "")
        return words.format("money_pattern").format(symbol=symbol)
    return {
        "percent": "0.0%", "integer": "0", "month": "0", "score": "0",
        "date": words.format("date"), "text": "@", "choice": "@", "yesno": "@", "ref": "@",
    }.get(spec.type, "General")


def validation(spec: CellSpec, words: Translations,
               ref_source: str | None) -> DataValidation | None:
    """The data validation of an input column or field, or None for free text."""
    kind = spec.type
    dv: DataValidation
    if kind in ("choice", "yesno"):
        group = spec.choices or "yesno"
        dv = DataValidation("list", formula1=string_literal(",".join(words.choice_labels(group))))
        message = words.validation("choice")
    elif kind == "score":
        dv = DataValidation("list", formula1='"3,2,1,0"')
        message = words.validation("choice")
    elif kind == "ref":
        dv = DataValidation("list", formula1=ref_source, allow_blank=True)
        message = words.validation("ref")
    elif kind in ("integer", "month"):
        low, high = (1, 12) if kind == "month" else (spec.min, spec.max)
        low = int(low) if low is not None else -(10**9)
        high = int(high) if high is not None else 10**9
        dv = DataValidation("whole", operator="between", formula1=str(low), formula2=str(high))
        message = words.validation("whole", min=low, max=high)
    elif kind in ("number", "money", "percent"):
        low_f = spec.min if spec.min is not None else -1e15
        high_f = spec.max if spec.max is not None else 1e15
        dv = DataValidation("decimal", operator="between", formula1=f"{low_f:g}",
                            formula2=f"{high_f:g}")
        message = (words.validation("decimal", min=f"{low_f:g}", max=f"{high_f:g}")
                   if spec.min is not None or spec.max is not None else words.validation("number"))
    elif kind == "date":
        dv = DataValidation("date", operator="between", formula1=str(_EXCEL_FIRST_DAY),
                            formula2=str(_EXCEL_LAST_DAY))
        message = words.validation("date")
    else:
        return None
    dv.allow_blank = True
    dv.showErrorMessage = True
    dv.errorStyle = "stop"
    dv.errorTitle = words.validation("title")
    dv.error = message
    return dv


def highlight_rules(kind: str, words: Translations, top_left: str) -> list[Rule]:
    """Conditional formatting for a highlighted column or field."""

    def equals(group: str, key: str, fill: PatternFill | None = None,
               font: Font | None = None) -> Rule:
        return CellIsRule(operator="equal", formula=[string_literal(words.choice(group, key))],
                          fill=fill, font=font)

    if kind == "kpi_status":
        return [equals("kpi_status", "green", GOOD), equals("kpi_status", "amber", WARN),
                equals("kpi_status", "red", BAD, BAD_FONT)]
    if kind == "action_status":
        return [equals("status", "done", GOOD), equals("status", "in_progress", WARN),
                equals("status", "blocked", BAD, BAD_FONT)]
    if kind == "decision":
        return [equals("decision", "top", GOOD), equals("decision", "discarded", font=MUTED_FONT)]
    if kind == "late":
        return [equals("yesno", "yes", BAD, BAD_FONT)]
    if kind == "negative":
        return [FormulaRule(formula=[f"AND(ISNUMBER({top_left}),{top_left}<0)"], font=BAD_FONT,
                            fill=BAD)]
    if kind == "positive_is_bad":
        return [FormulaRule(formula=[f"AND(ISNUMBER({top_left}),{top_left}>0)"], fill=WARN)]
    if kind == "false_is_bad":
        return [CellIsRule(operator="equal", formula=["FALSE"], fill=BAD, font=BAD_FONT),
                CellIsRule(operator="equal", formula=["TRUE"], fill=GOOD)]
    if kind == "flag":
        return [FormulaRule(formula=[f"LEN({top_left})>0"], fill=WARN)]
    raise ValueError(f"unknown highlight {kind!r}")


def excel_date(value: date) -> int:
    """Serial day number of a date, as spreadsheets count (1900 system)."""
    return (value - date(1899, 12, 30)).days
