"""Serialise a workbook to bytes that depend only on its content (byte-identical reruns)."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..provenance import CUSTOM_PART, HASH_PLACEHOLDER, content_hash
from .cells import stored
from .writer import exact_number

if TYPE_CHECKING:  # openpyxl is loaded where a workbook is re-saved: `xlplan new` never is
    from openpyxl import Workbook

_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_NO_DATE = datetime(2000, 1, 1)  # a workbook with no document date at all


def _round_trip_string(value: Any) -> str:
    """Floats as their shortest exact text (what Excel writes), not openpyxl's %.16g."""
    if isinstance(value, float) and value == value and value not in (float("inf"), float("-inf")):
        return repr(value)
    from openpyxl.compat.strings import safe_string

    return str(safe_string(value))


@contextmanager
def exact_numbers() -> Iterator[None]:
    """openpyxl writes cell numbers with 16 significant digits, which loses the last digit of
    some doubles (247398.19086700724 becomes ...0072): a plan's value would not be the
    workbook's. Cell values are written exactly inside this context (one save, or the
    appends of a write-only workbook, which serialises rows as they come)."""
    import openpyxl.cell._writer as cell_writer

    original = cell_writer.safe_string
    cell_writer.safe_string = _round_trip_string
    try:
        yield
    finally:
        cell_writer.safe_string = original


def workbook_parts(wb: Workbook, stamp: datetime) -> dict[str, bytes]:
    """The package's parts as openpyxl serialises them (numbers exact, dates ``stamp``)."""
    from openpyxl.writer.excel import ExcelWriter

    wb.properties.created = stamp
    wb.properties.modified = stamp
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_STORED) as archive, exact_numbers():
        ExcelWriter(wb, archive).write_data()
    with zipfile.ZipFile(raw) as source:
        parts = {info.filename: source.read(info.filename) for info in source.infolist()}
    return as_excel_writes(parts)


# What openpyxl writes differently from Excel: fonts' children in another order (Excel and
# the Open XML SDK want b, i, ..., sz, color, name, family, charset, scheme), and every text
# as an inline string (Excel keeps text in the shared-strings table).
_FONT_ORDER = (b"b", b"i", b"strike", b"condense", b"extend", b"outline", b"shadow", b"u",
               b"vertAlign", b"sz", b"color", b"name", b"family", b"charset", b"scheme")
_FONT = re.compile(rb"<font>(.*?)</font>", re.S)
_FONT_CHILD = re.compile(rb"<(\w+)\b[^>]*?(?:/>|>.*?</\1>)", re.S)
_INLINE = re.compile(rb'<c ([^>]*?)t="inlineStr"([^>]*)><is><t(?: xml:space="preserve")?>(.*?)'
                     rb"</t></is></c>", re.S)
_SST_TYPE = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml")
_SST_REL = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
            "sharedStrings")
_MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _font(match: re.Match[bytes]) -> bytes:
    rank = {name: i for i, name in enumerate(_FONT_ORDER)}
    children = sorted(_FONT_CHILD.finditer(match.group(1)),
                      key=lambda child: rank.get(child.group(1), len(rank)))
    return b"<font>" + b"".join(child.group(0) for child in children) + b"</font>"


def as_excel_writes(parts: dict[str, bytes]) -> dict[str, bytes]:
    """openpyxl's package made like Excel's: fonts in schema order, shared strings."""
    if "xl/styles.xml" in parts:
        parts["xl/styles.xml"] = _FONT.sub(_font, parts["xl/styles.xml"])
    if "xl/sharedStrings.xml" in parts:
        return parts
    table: dict[bytes, int] = {}
    count = 0

    def shared(match: re.Match[bytes]) -> bytes:
        nonlocal count
        count += 1
        index = table.setdefault(match.group(3), len(table))
        return b"<c " + match.group(1) + b't="s"' + match.group(2) + b"><v>" + (
            str(index).encode() + b"</v></c>")

    for name in [n for n in parts if n.startswith("xl/worksheets/sheet")]:
        parts[name] = _INLINE.sub(shared, parts[name])
    if not table:
        return parts
    items = b"".join(b"<si><t" + (b' xml:space="preserve"' if t[:1].isspace() or t[-1:].isspace()
                                  else b"") + b">" + t + b"</t></si>" for t in table)
    parts["xl/sharedStrings.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="' + _MAIN
        + b'" count="' + str(count).encode() + b'" uniqueCount="' + str(len(table)).encode()
        + b'">' + items + b"</sst>")
    types = parts["[Content_Types].xml"]
    parts["[Content_Types].xml"] = types.replace(b"</Types>", (
        '<Override PartName="/xl/sharedStrings.xml" ContentType="' + _SST_TYPE
        + '"/></Types>').encode())
    rels = parts["xl/_rels/workbook.xml.rels"]
    taken = {int(i) for i in re.findall(rb'Id="rId(\d+)"', rels)}
    rid = f"rId{max(taken, default=0) + 1}"
    parts["xl/_rels/workbook.xml.rels"] = rels.replace(b"</Relationships>", (
        f'<Relationship Id="{rid}" Type="{_SST_REL}" Target="sharedStrings.xml"/>'
        "</Relationships>").encode())
    return parts


def workbook_bytes(wb: Workbook, stamp: datetime) -> bytes:
    """The .xlsx bytes, with document dates set to ``stamp`` and fixed zip timestamps."""
    return zip_parts(workbook_parts(wb, stamp))


def resaved_bytes(wb: Workbook, results: Mapping[str, Mapping[str, Any]] | None = None) -> bytes:
    """The bytes of a workbook read from a file and changed, keeping its own document date
    (never the clock, so the same input and change give the same bytes). ``results``
    (sheet title -> cell -> value) are stored as the formula cells' results: openpyxl keeps
    none of those it read, and a file without them shows blank figures until recalculated
    (Protected View, previews, viewers)."""
    from ..reader.guard import sheet_parts  # here: `xlplan new` never resaves a workbook

    props = wb.properties
    parts = workbook_parts(wb, props.modified or props.created or _NO_DATE)
    if results:
        for title, part in sheet_parts(parts).items():
            if part in parts and results.get(title):
                parts[part] = store_results(parts[part], results[title])
    return zip_parts(parts)


_FORMULA_CELL = re.compile(rb'<c r="([A-Z]+[0-9]+)"([^>]*)>(<f(?:\s[^>]*)?>.*?</f>|<f[^>]*/>)'
                           rb'(?:<v\s*/>|<v></v>)?</c>', re.S)


def _result_xml(value: Any) -> tuple[bytes, bytes] | None:
    """A cell result as (type attribute, <v> content), as Excel writes it."""
    if value is None:
        return None
    value = stored(value)
    if isinstance(value, bool):
        return b' t="b"', b"1" if value else b"0"
    if isinstance(value, int | float):
        return b"", exact_number(value).encode()
    if isinstance(value, str):
        from xml.sax.saxutils import escape  # here: it loads urllib.request, http and ssl

        return b' t="str"', escape(value).encode("utf-8")
    return None


def store_results(sheet_xml: bytes, results: Mapping[str, Any]) -> bytes:
    """A sheet part whose formula cells carry the results given (cell -> value)."""

    def cell(match: re.Match[bytes]) -> bytes:
        ref, attributes, formula = match.group(1), match.group(2), match.group(3)
        shown = _result_xml(results.get(ref.decode()))
        if shown is None or b" t=" in attributes:
            return match.group(0)
        kind, value = shown
        return b'<c r="' + ref + b'"' + attributes + kind + b">" + formula + b"<v>" + value + (
            b"</v></c>")

    return _FORMULA_CELL.sub(cell, sheet_xml)


def zip_parts(parts: dict[str, bytes]) -> bytes:
    """Record the content hash, then zip the parts in order with fixed metadata."""
    parts = dict(parts)
    if CUSTOM_PART in parts:  # record the content's hash, so later edits can be told apart
        parts[CUSTOM_PART] = parts[CUSTOM_PART].replace(
            HASH_PLACEHOLDER.encode(), content_hash(parts).encode(), 1)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dest:
        for name, content in parts.items():
            fixed = zipfile.ZipInfo(name, date_time=_ZIP_EPOCH)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dest.writestr(fixed, content)
    return out.getvalue()
