"""XlsxWriter, made exact and Excel-like where its defaults are not.

- numbers are written as their shortest exact text (XlsxWriter writes 16 significant digits,
  which loses the last digit of some doubles: a plan's value would not be the workbook's);
- a formula whose stored result is the empty string is typed ``t="str"``, as Excel writes it
  (untyped, an empty ``<v>`` is a number to some readers);
- chart axes say ``<c:delete val="0"/>``, as every Excel-made chart does (an axis without it
  may be drawn hidden); data labels state every flag, and line series say they are not
  smoothed, as Excel writes them (a reader left to its defaults shows series names and
  percentages, or curves between month-end balances);
- a workbook written to ``PackageParts`` leaves its parts there, unzipped: xlplan finishes
  some parts (charts, the content hash) and zips the package once, where XlsxWriter would
  deflate every part into a zip xlplan would only inflate again.
"""

from __future__ import annotations

import functools
import io
import re
from types import SimpleNamespace
from typing import Any

from xlsxwriter.packager import Packager
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import CellFormulaTuple, Worksheet


def exact_number(number: float) -> str:
    """Shortest text that reads back as the same double (``5`` rather than ``5.0``)."""
    if isinstance(number, int):
        return str(number)
    text = repr(float(number))
    return text[:-2] if text.endswith(".0") else text


# What XlsxWriter's _prepare_formula rewrites (dynamic-array functions get their _xlfn.
# prefix): a formula naming none of them it only strips of its "=" and braces, so that is all
# we do, without its 29 regular expressions per formula (a third of the time to write a
# workbook). "INGLE" because XlsxWriter's own pattern for SINGLE is "\SINGLE\(".
_DYNAMIC_ARRAY_NAMES = re.compile(
    r"ANCHORARRAY|BYCOL|BYROW|CHOOSECOLS|CHOOSEROWS|DROP|EXPAND|FILTER|HSTACK|LAMBDA|"
    r"MAKEARRAY|MAP|RANDARRAY|REDUCE|SCAN|INGLE|SEQUENCE|SORT|SWITCH|TAKE|TEXTSPLIT|TOCOL|"
    r"TOROW|UNIQUE|VSTACK|WRAPCOLS|WRAPROWS|XLOOKUP|_xlfn\.")


# Where XlsxWriter also gives the functions newer than Excel 2007 their prefix (the formulas
# of conditional formats, validations and table columns: about a hundred more expressions),
# a formula is left as it is when XlsxWriter leaves each function it calls as it is: each
# name (an upper-case run before "(") is tried once through XlsxWriter's own preparation.
_CALLED = re.compile(r"[A-Z][A-Z0-9._]*(?=\()")
_PREPARING = SimpleNamespace(use_future_functions=False)


@functools.cache
def _left_alone(name: str) -> bool:
    """Whether XlsxWriter's preparation, future functions included, leaves a call of ``name``
    as it is. The probe puts "(" before the name: a word boundary, and a character for its
    "\\SINGLE\\(" (any character, then INGLE)."""
    probe = f"({name}("
    return bool(Worksheet._prepare_formula(_PREPARING, probe, True) == probe)


class ExactWorksheet(Worksheet):  # type: ignore[misc]
    def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> str:
        if (self.use_future_functions or _DYNAMIC_ARRAY_NAMES.search(formula)
                or (expand_future_functions
                    and not all(map(_left_alone, _CALLED.findall(formula))))):
            return str(super()._prepare_formula(formula, expand_future_functions))
        return formula.removeprefix("{").removeprefix("=").removesuffix("}")

    def _write_formula(self, row: int, col: int, formula: str, cell_format: Any = None,
                       value: Any = 0) -> int:
        """XlsxWriter's own, less its search for dynamic-array functions (a second regular
        expression per formula) when the formula names none of them: a plain formula is
        stored as XlsxWriter stores it, stripped of its "="."""
        if (not formula or formula.startswith("{") or self.constant_memory
                or self.use_future_functions or _DYNAMIC_ARRAY_NAMES.search(formula)):
            return int(super()._write_formula(row, col, formula, cell_format, value))
        if self._check_dimensions(row, col):
            return -1
        self.table[row][col] = CellFormulaTuple(formula.removeprefix("="), cell_format, value)
        return 0

    def _xml_number_element(self, number: float, attributes: Any = ()) -> None:
        attr = "".join(f' {k}="{self._escape_attributes(v)}"' for k, v in attributes)
        self.fh.write(f"<c{attr}><v>{exact_number(number)}</v></c>")

    def _xml_formula_element(self, formula: str, result: Any, attributes: Any = ()) -> None:
        attributes = list(attributes)
        if result == "" and not any(k == "t" for k, _ in attributes):
            attributes.append(("t", "str"))
        elif isinstance(result, float):
            result = exact_number(result)
        super()._xml_formula_element(formula, result, attributes)


class PackageParts(io.BytesIO):
    """A workbook's output (``xlsxwriter.Workbook(PackageParts(), {"in_memory": True})``):
    after ``close()``, ``parts`` holds the package's parts, name -> bytes, in XlsxWriter's
    order. XlsxWriter still writes a zip here, an empty one."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: dict[str, bytes] = {}


class _PartsPackager(Packager):  # type: ignore[misc]
    """XlsxWriter's packaging, each part kept as bytes instead of given to the zip."""

    def __init__(self, parts: dict[str, bytes]) -> None:
        super().__init__()
        self._parts = parts

    def _create_package(self) -> list[tuple[Any, str, bool]]:
        for handle, name, binary in super()._create_package():
            data = handle.getvalue()
            self._parts[name] = data if binary else data.encode("utf-8")
        return []  # nothing for XlsxWriter to zip


_xlsxwriter_packager = Workbook._get_packager


def _get_packager(workbook: Workbook) -> Packager:
    """XlsxWriter's hook for its packaging (``Workbook._get_packager``): set on the class,
    since the renderer's workbook must be XlsxWriter's own (bench/peer.py records it). Only a
    workbook written to ``PackageParts`` is packaged otherwise."""
    if isinstance(workbook.filename, PackageParts):
        if not workbook.in_memory:
            raise ValueError("a workbook written to PackageParts is written in memory")
        return _PartsPackager(workbook.filename.parts)
    return _xlsxwriter_packager(workbook)


Workbook._get_packager = _get_packager


_AXIS = re.compile(rb"(<c:(?:catAx|valAx|dateAx|serAx)>.*?</c:scaling>)(?!<c:delete)", re.S)


def visible_axes(chart_xml: bytes) -> bytes:
    """Every chart axis with ``<c:delete val="0"/>`` right after its scaling (schema order)."""
    return _AXIS.sub(rb'\1<c:delete val="0"/>', chart_xml)


_LABEL_FLAGS = ("showLegendKey", "showVal", "showCatName", "showSerName", "showPercent",
                "showBubbleSize")
_LABELS = re.compile(rb"<c:dLbls>((?:<c:show\w+ val=\"[01]\"/>)*)</c:dLbls>")
_LINE_SERIES = re.compile(rb"(<c:lineChart>.*?</c:lineChart>)", re.S)


def _labels(match: re.Match[bytes]) -> bytes:
    given = dict(re.findall(rb'<c:(show\w+) val="([01])"/>', match.group(1)))
    flags = b"".join(b'<c:' + f.encode() + b' val="' + given.get(f.encode(), b"0") + b'"/>'
                     for f in _LABEL_FLAGS)
    return b"<c:dLbls>" + flags + b"</c:dLbls>"


def _unsmoothed(match: re.Match[bytes]) -> bytes:
    return re.sub(rb"(?<!<c:smooth val=\"[01]\"/>)</c:ser>", b'<c:smooth val="0"/></c:ser>',
                  match.group(1))


def excel_chart(chart_xml: bytes) -> bytes:
    """A chart part as Excel writes it: visible axes, every data-label flag, straight lines."""
    chart_xml = visible_axes(chart_xml)
    chart_xml = _LABELS.sub(_labels, chart_xml)
    return _LINE_SERIES.sub(_unsmoothed, chart_xml)
