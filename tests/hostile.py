"""Hostile workbooks, made from a real generated one: each breaks one reading rule."""

from __future__ import annotations

import io
import re
import struct
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import openpyxl

from xlplan import Plan
from xlplan.workbook import render_bytes

BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
                  b'<worksheet>&lol2;</worksheet>')


SHEET = "xl/worksheets/sheet1.xml"
NARROW_SHEET = "xl/worksheets/sheet9.xml"  # the dashboard: fields in A:B, charts
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
Content = bytes | Iterable[bytes] | None  # a part's bytes, streamed chunks, or None: dropped


def _rebuild(data: bytes, change: Callable[[str, bytes], Content],
             extra: dict[str, bytes] | None = None,
             rename: Callable[[str], str] = lambda name: name) -> bytes:
    """The package with each part changed (streamed when ``change`` gives chunks, so a part
    of many MB is never built in memory), renamed, and ``extra`` parts added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w",
                                                                   zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = change(info.filename, src.read(info.filename))
            if isinstance(content, bytes):
                dst.writestr(rename(info.filename), content)
            elif content is not None:
                with dst.open(rename(info.filename), "w") as part:
                    for chunk in content:
                        part.write(chunk)
        for name, content in (extra or {}).items():
            dst.writestr(name, content)
    return out.getvalue()


def _in_sheet_data(sheet: bytes, rows: bytes) -> bytes:
    """Rows added at the end of a sheet's data."""
    end = sheet.index(b"</sheetData>")
    return sheet[:end] + rows + sheet[end:]


def _lying_dimension(sheet: bytes, rows: int = 300_000) -> Iterator[bytes]:
    """The sheet's small declared dimension kept, and ``rows`` real rows added below its own:
    streamed (300,000 rows are about 12 MB of XML), and varied enough that the part stays
    under the compression-ratio limit."""
    end = sheet.index(b"</sheetData>")
    yield sheet[:end]
    for start in range(1_001, 1_001 + rows, 10_000):
        yield b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (r, r, r * 7_919 % 100_003)
                       for r in range(start, min(start + 10_000, 1_001 + rows)))
    yield sheet[end:]


def _no_dimension(sheet: bytes) -> bytes:
    return re.sub(rb"<dimension [^>]*/>", b"", sheet, count=1)


def _renamed_sheet_part(good: bytes) -> bytes:
    """The first sheet moved to xl/worksheets/data.xml (its relationships and content type
    following it), claiming the whole grid as its dimension."""
    def change(name: str, content: bytes) -> bytes:
        if name == SHEET:
            return _huge_dimension(content)
        if name in ("xl/_rels/workbook.xml.rels", "[Content_Types].xml"):
            return content.replace(b"worksheets/sheet1.xml", b"worksheets/data.xml")
        return content

    return _rebuild(good, change, rename=lambda name: name.replace("sheet1.xml", "data.xml"))


def _damaged_deflate(good: bytes, part: str) -> bytes:
    """The package with bytes zeroed in the middle of one part's deflate stream: its
    decompression fails (or its CRC does)."""
    data = bytearray(_rebuild(good, lambda n, b: b))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(part)
    name_length, extra_length = struct.unpack(
        "<HH", data[info.header_offset + 26:info.header_offset + 30])
    start = info.header_offset + 30 + name_length + extra_length
    length = max(1, min(16, info.compress_size // 4))  # within the part's data, however small
    middle = start + (info.compress_size - length) // 2
    data[middle:middle + length] = bytes(length)
    return bytes(data)


def _date_cell_holding(good: bytes, value: bytes) -> bytes:
    """The first date-formatted cell of the workbook given ``value`` (python-calamine
    panics, in Rust, on a date far out of range)."""
    wb = openpyxl.load_workbook(io.BytesIO(good))
    index, ref = next((i, cell.coordinate) for i, ws in enumerate(wb.worksheets)
                      for row in ws.iter_rows() for cell in row
                      if cell.is_date and cell.value is not None)
    part = f"xl/worksheets/sheet{index + 1}.xml"

    def change(name: str, content: bytes) -> bytes:
        if name != part:
            return content
        pattern = rb'(<c r="%s"[^>]*>)<v>[^<]*</v>' % ref.encode()
        changed, count = re.subn(pattern, rb"\1<v>" + value + rb"</v>", content, count=1)
        assert count == 1, f"no value at {ref} in {part}"
        return changed

    return _rebuild(good, change)


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

    def rows(content: bytes) -> Callable[[bytes], bytes]:
        return lambda sheet: _in_sheet_data(sheet, content)

    files = {
        "zip_bomb": _rebuild(good, lambda n, b: b, {"xl/media/padding.bin": b"\0" * (64 * 2**20)}),
        "huge_dimension": sheet1(_huge_dimension),
        # the declared dimension says A1:J26; 300,000 real rows follow
        # on the dashboard, whose used range is narrow: the row limit is the one it meets
        "lying_dimension": _rebuild(good, lambda n, b: _lying_dimension(b) if n == NARROW_SHEET
                                    else b),
        # no dimension, one cell at the far corner: calamine would lay out 17 billion cells
        "far_corner_cell": sheet1(lambda b: _in_sheet_data(
            _no_dimension(b), b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')),
        # within the row and column limits, but a used range of 100 million cells
        "huge_used_range": sheet1(rows(b'<row r="200000"><c r="SF200000"><v>1</v></c></row>')),
        # the far cell where no r="..." says so: the 501st column of its row
        "implied_far_cell": sheet1(rows(b'<row r="1000"><c r="SF1000"><v>1</v></c>'
                                        b"<c><v>2</v></c></row>")),
        # the far cell in elements with a namespace prefix, and through a character reference
        "prefixed_far_cell": sheet1(rows(
            b'<x:row xmlns:x="' + MAIN_NS.encode() + b'" r="1048576">'
            b'<x:c r="XFD1048576"><x:v>1</x:v></x:c></x:row>')),
        "escaped_far_cell": sheet1(rows(b'<row r="1000"><c r="&#88;FD1000"><v>1</v></c></row>')),
        # the far cell in a sheet encoded in UTF-16 (a byte scan that does not decode sees none)
        "utf16_far_cell": sheet1(lambda b: _in_sheet_data(
            b, b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>').replace(
            b'encoding="UTF-8"', b'encoding="UTF-16"').decode("utf-8").encode("utf-16")),
        # a merged range openpyxl would make 100 million cells of
        "huge_merged_range": sheet1(lambda b: b.replace(
            b"</sheetData>", b'</sheetData><mergeCells count="1"><mergeCell ref="A1:SF200000"/>'
            b"</mergeCells>", 1)),
        # a table the reader would walk down for 200,000 rows and 500 columns
        "huge_table": _rebuild(good, lambda n, b: re.sub(
            rb'\bref="[^"]*"', b'ref="A1:SF200000"', b) if n == "xl/tables/table1.xml" else b),
        # a sheet under another part name (through the workbook's relationships)
        "renamed_sheet_part": _renamed_sheet_part(good),
        "entities": sheet1(lambda b: BILLION_LAUGHS),
        "entities_after_comment": sheet1(lambda b: b'<?xml version="1.0"?><!--' + b"x" * 9000
                                         + b"-->" + BILLION_LAUGHS[21:]),
        # a comment holding something like an element before the DOCTYPE
        "entities_after_tag_in_comment": sheet1(
            lambda b: b'<?xml version="1.0"?><!-- <a -->' + BILLION_LAUGHS[21:]),
        # the end of a sheet cut off: calamine reads it, openpyxl does not
        "truncated_sheet_xml": sheet1(lambda b: b[:b.rindex(b"</worksheet>")]),
        "damaged_deflate": _damaged_deflate(good, SHEET),
        # a date far out of range (python-calamine panics; openpyxl reads an error value)
        "date_out_of_range": _date_cell_holding(good, b"-1e308"),
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
