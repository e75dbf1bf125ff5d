"""Serialise a workbook to bytes that depend only on its content (byte-identical reruns)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import openpyxl.cell._writer as cell_writer
from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

from ..provenance import CUSTOM_PART, HASH_PLACEHOLDER, content_hash

_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_NO_DATE = datetime(2000, 1, 1)  # a workbook with no document date at all
_openpyxl_safe_string = cell_writer.safe_string


def _round_trip_string(value: Any) -> str:
    """Floats as their shortest exact text (what Excel writes), not openpyxl's %.16g."""
    if isinstance(value, float) and value == value and value not in (float("inf"), float("-inf")):
        return repr(value)
    return str(_openpyxl_safe_string(value))


@contextmanager
def exact_numbers() -> Iterator[None]:
    """openpyxl writes cell numbers with 16 significant digits, which loses the last digit of
    some doubles (247398.19086700724 becomes ...0072): a plan's value would not be the
    workbook's. Cell values are written exactly inside this context (one save, or the
    appends of a write-only workbook, which serialises rows as they come)."""
    cell_writer.safe_string = _round_trip_string
    try:
        yield
    finally:
        cell_writer.safe_string = _openpyxl_safe_string


def workbook_parts(wb: Workbook, stamp: datetime) -> dict[str, bytes]:
    """The package's parts as openpyxl serialises them (numbers exact, dates ``stamp``)."""
    wb.properties.created = stamp
    wb.properties.modified = stamp
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_STORED) as archive, exact_numbers():
        ExcelWriter(wb, archive).write_data()
    with zipfile.ZipFile(raw) as source:
        return {info.filename: source.read(info.filename) for info in source.infolist()}


def workbook_bytes(wb: Workbook, stamp: datetime) -> bytes:
    """The .xlsx bytes, with document dates set to ``stamp`` and fixed zip timestamps."""
    return zip_parts(workbook_parts(wb, stamp))


def resaved_bytes(wb: Workbook) -> bytes:
    """The bytes of a workbook read from a file and changed, keeping its own document date
    (never the clock, so the same input and change give the same bytes)."""
    props = wb.properties
    return workbook_bytes(wb, props.modified or props.created or _NO_DATE)


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
