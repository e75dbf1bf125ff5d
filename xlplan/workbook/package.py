"""Serialise a workbook to bytes that depend only on its content (byte-identical reruns)."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def workbook_bytes(wb: Workbook, stamp: datetime) -> bytes:
    """The .xlsx bytes, with document dates set to ``stamp`` and fixed zip timestamps."""
    wb.properties.created = stamp
    wb.properties.modified = stamp
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).write_data()
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dest:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_ZIP_EPOCH)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dest.writestr(fixed, source.read(info.filename))
    return out.getvalue()
