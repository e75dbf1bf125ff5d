"""Hostile workbooks, made from a real generated one: each breaks one reading rule."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

from xlplan import Plan
from xlplan.workbook import render_bytes

BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
                  b'<worksheet>&lol2;</worksheet>')


def _rebuild(data: bytes, change: Callable[[str, bytes], bytes | None],
             extra: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w",
                                                                   zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = change(info.filename, src.read(info.filename))
            if content is not None:
                dst.writestr(info.filename, content)
        for name, content in (extra or {}).items():
            dst.writestr(name, content)
    return out.getvalue()


def _huge_dimension(sheet: bytes) -> bytes:
    """Claim the whole grid, A1:XFD1048576, as the sheet's used range."""
    claim = b'<dimension ref="A1:XFD1048576"/>'
    if b"<dimension" in sheet:
        start = sheet.index(b"<dimension")
        return sheet[:start] + claim + sheet[sheet.index(b"/>", start) + 2:]
    return sheet.replace(b"<sheetViews>", claim + b"<sheetViews>", 1)


def hostile_files(plan: Plan, folder: Path) -> dict[str, Path]:
    """name -> file; every one but the 'report' ones must be refused with a clear error."""
    good = render_bytes(plan)

    def sheet1(transform: Callable[[bytes], bytes]) -> bytes:
        return _rebuild(good, lambda n, b: transform(b) if n == "xl/worksheets/sheet1.xml" else b)

    files = {
        "zip_bomb": _rebuild(good, lambda n, b: b, {"xl/media/padding.bin": b"\0" * (64 * 2**20)}),
        "huge_dimension": sheet1(_huge_dimension),
        "entities": sheet1(lambda b: BILLION_LAUGHS),
        "entities_after_comment": sheet1(lambda b: b'<?xml version="1.0"?><!--' + b"x" * 9000
                                         + b"-->" + BILLION_LAUGHS[21:]),
        "not_a_zip": b"PK\x03\x04 this is not really a zip",
        "no_workbook_part": _rebuild(good, lambda n, b: None if n == "xl/workbook.xml" else b),
        # found by the fuzzer: one byte of xl/workbook.xml damaged
        "damaged_workbook_xml": _rebuild(good, lambda n, b: b[:1] + b"\0" + b[2:]
                                         if n == "xl/workbook.xml" else b),
        "report_vba": _rebuild(good, lambda n, b: b, {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0"}),
        "report_external_link": _rebuild(good, lambda n, b: b, {
            "xl/externalLinks/externalLink1.xml": b'<?xml version="1.0"?><externalLink/>'}),
        "report_embedded": _rebuild(good, lambda n, b: b, {"xl/embeddings/oleObject1.bin": b"x"}),
    }
    paths = {}
    for name, data in files.items():
        path = folder / f"{name}.xlsx"
        path.write_bytes(data)
        paths[name] = path
    return paths
