"""Look at a workbook's package before any parser touches it.

Refuses, in milliseconds and small memory, what could exhaust the machine: a zip that expands
to gigabytes, parts compressed beyond any real spreadsheet's ratio, sheets that claim a
million rows, XML with a DOCTYPE (entity expansion). Reports, without trusting them, what a
client deliverable must not carry: VBA, an xlwings ``.conf`` sheet, external links, embedded
objects.

Limits (documented in the README):
- package: at most 2,000 parts and 256 MiB uncompressed in all;
- any part above 1 MiB: compressed at most 200:1;
- a sheet: at most 200,000 rows and 500 columns (from its ``<dimension>``);
- XML parts: no ``<!DOCTYPE``.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from defusedxml import ElementTree
from openpyxl.utils.cell import range_boundaries

from ..errors import XlplanError

MAX_PARTS = 2_000
MAX_TOTAL_BYTES = 256 * 2**20
MAX_RATIO = 200
RATIO_FLOOR_BYTES = 2**20
MAX_ROWS = 200_000
MAX_COLUMNS = 500
_HEAD_BYTES = 64 * 1024
_STEP_BYTES = 1024
_FIRST_ELEMENT = re.compile(rb"<[A-Za-z_]")
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)"')
_SHEET_NAME = re.compile(rb'<(?:\w+:)?sheet\b[^>]*\bname="([^"]*)"')


_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def sheet_parts(archive: zipfile.ZipFile | Mapping[str, bytes]) -> dict[str, str]:
    """Sheet title -> its part in the package (a zip, or its parts by name), through the
    workbook's relationships."""
    read = archive.read if isinstance(archive, zipfile.ZipFile) else archive.__getitem__
    workbook = ElementTree.fromstring(read("xl/workbook.xml"))
    rels = ElementTree.fromstring(read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_PKG_REL_NS}Relationship")}
    parts = {}
    for sheet in workbook.iter(f"{_MAIN_NS}sheet"):
        target = targets[sheet.get(f"{_REL_NS}id")]
        parts[sheet.get("name", "")] = target.lstrip("/") if target.startswith("/") else (
            "xl/" + target)
    return parts



class UnreadableWorkbook(XlplanError):
    """The file is not a workbook xlplan will read (corrupt, hostile or too large)."""


@dataclass
class PackageReport:
    """What the package carries that a deliverable should not, found without trusting it."""

    vba: bool = False
    xlwings_conf: bool = False
    sheet_parts: dict[str, str] = field(default_factory=dict)  # sheet title -> part
    external_links: list[str] = field(default_factory=list)
    embedded: list[str] = field(default_factory=list)

    @property
    def warnings(self) -> list[str]:
        out = []
        if self.vba:
            out.append("carries VBA macros (xl/vbaProject.bin); they are not run or trusted")
        if self.xlwings_conf:
            out.append("has an xlwings.conf sheet (add-in settings); not trusted")
        out += [f"external link {name}: not followed" for name in self.external_links]
        out += [f"embedded object {name}: not opened" for name in self.embedded]
        return out


def _read_head(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """Enough of a part to check it: up to its first element and, for a sheet, up to its
    dimension (or its data); read in small steps, since both usually come early."""
    is_sheet = info.filename.startswith("xl/worksheets/")
    head = b""
    with archive.open(info) as part:
        while len(head) < _HEAD_BYTES:
            chunk = part.read(_STEP_BYTES)
            if not chunk:
                break
            head += chunk
            if _FIRST_ELEMENT.search(head) and (
                    not is_sheet or _DIMENSION.search(head) or b"<sheetData" in head):
                break
    return head


def _check_xml_head(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path) -> bytes:
    head = _read_head(archive, info)
    first = _FIRST_ELEMENT.search(head)
    if first is None and info.file_size > 0:
        raise UnreadableWorkbook(f"{path}: {info.filename} has no element in its first "
                                 f"{_HEAD_BYTES // 1024} KiB (refused)")
    prolog = head[: first.start()] if first else head
    if b"<!DOCTYPE" in prolog.upper() or b"<!ENTITY" in prolog.upper():
        raise UnreadableWorkbook(f"{path}: {info.filename} declares a DOCTYPE or entities "
                                 "(refused: XML entity expansion)")
    return head


def inspect_package(path: Path) -> PackageReport:
    """Check the limits; raise UnreadableWorkbook, or return what the package carries."""
    path = Path(path)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnreadableWorkbook(f"{path}: not an .xlsx workbook ({exc})") from None
    report = PackageReport()
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_PARTS:
            raise UnreadableWorkbook(f"{path}: {len(infos)} parts (limit {MAX_PARTS})")
        total = sum(i.file_size for i in infos)
        if total > MAX_TOTAL_BYTES:
            raise UnreadableWorkbook(f"{path}: expands to {total / 2**20:.0f} MiB "
                                     f"(limit {MAX_TOTAL_BYTES // 2**20} MiB)")
        names = {i.filename for i in infos}
        if "xl/workbook.xml" not in names and "xl/workbook.bin" not in names:
            raise UnreadableWorkbook(f"{path}: not an .xlsx workbook (no xl/workbook.xml)")
        for info in infos:
            if info.file_size > RATIO_FLOOR_BYTES and (
                    info.file_size > MAX_RATIO * max(info.compress_size, 1)):
                ratio = info.file_size // max(info.compress_size, 1)
                raise UnreadableWorkbook(f"{path}: {info.filename} is compressed {ratio}:1 "
                                         f"(limit {MAX_RATIO}:1; a zip bomb?)")
            name = info.filename
            if name.endswith(".xml") or name.endswith(".rels"):
                head = _check_xml_head(archive, info, path)
                if name.startswith("xl/worksheets/sheet"):
                    _check_dimension(head, name, path)
                if name == "xl/workbook.xml":
                    try:
                        report.sheet_parts = sheet_parts(archive)
                    except (ElementTree.ParseError, KeyError, ValueError) as exc:
                        raise UnreadableWorkbook(f"{path}: xl/workbook.xml or its relationships "
                                                 f"are damaged ({exc})") from None
                    sheets = [m.decode("utf-8", "replace") for m in _SHEET_NAME.findall(
                        archive.read(info))]
                    report.xlwings_conf = any(s.lower() in ("xlwings.conf", "_xlwings.conf")
                                              for s in sheets)
            if name.lower().endswith("vbaproject.bin"):
                report.vba = True
            if name.startswith("xl/externalLinks/") and name.endswith(".xml"):
                report.external_links.append(name)
            if name.startswith("xl/embeddings/"):
                report.embedded.append(name)
    return report


def _check_dimension(head: bytes, name: str, path: Path) -> None:
    match = _DIMENSION.search(head)
    if not match:
        return
    ref = match.group(1).decode()
    _, _, max_col, max_row = range_boundaries(ref if ":" in ref else f"{ref}:{ref}")
    if (max_row or 0) > MAX_ROWS or (max_col or 0) > MAX_COLUMNS:
        raise UnreadableWorkbook(f"{path}: {name} spans {ref} (limit {MAX_ROWS} rows, "
                                 f"{MAX_COLUMNS} columns)")
