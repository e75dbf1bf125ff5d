"""The deliverable: the client's copy of the consultant's workbook.

A plain .xlsx: no VBA, no external links, no consultant-only sheet, no formula that needs the
add-in (any ``PLAN_*`` call is replaced by the value Excel last computed), every sheet
protected (computed cells locked), document properties set, each sheet's print area its
filled part. Optionally every sheet printed to PDF by LibreOffice (a briefing book).
"""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from .engine.libreoffice import to_pdf
from .errors import XlplanError
from .reader.check import foreign_formulas, formula_text, template_cells
from .reader.guard import UnreadableWorkbook, sheet_parts
from .reader.workbook import ReadBack, read_workbook
from .workbook.package import resaved_bytes, zip_parts
from .workbook.templates import Translations

ADDIN_CALL = re.compile(r"\bPLAN_[A-Z0-9_]+\s*\(", re.IGNORECASE)
CONSULTANT_ONLY = re.compile(r"^(_?xlwings\.conf|_.*|xlplan[ _-].*)$", re.IGNORECASE)


@dataclass
class Finalized:
    data: bytes
    words: Translations
    removed_sheets: list[str] = field(default_factory=list)
    frozen_cells: list[str] = field(default_factory=list)
    frozen_inputs: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)


def _freeze_addin_formulas(formulas: Workbook, values: Workbook) -> list[str]:
    frozen = []
    missing = []
    for ws in formulas.worksheets:
        cached = values[ws.title]
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f" and ADDIN_CALL.search(formula_text(cell.value)):
                    value = cached[cell.coordinate].value
                    ref = f"{ws.title}!{cell.coordinate}"
                    if value is None:
                        missing.append(ref)
                    cell.value = value
                    frozen.append(ref)
    if missing:
        raise XlplanError("no computed value stored for add-in formulas at "
                          f"{', '.join(missing[:10])}: open and save the workbook in Excel "
                          "with the xlplan add-in first")
    return frozen


def _missing_parts(book: ReadBack) -> None:
    """A client copy is the whole workbook: refuse one whose sheets, tables or columns are
    gone, saying which."""
    missing = [f"{p.cell}: {p.message}" for p in sorted(book.problems) if p.kind == "structure"]
    if missing:
        raise XlplanError(f"{book.path}: not finalized, parts of the workbook are missing: "
                          + "; ".join(missing))


def _freeze_foreign_formulas(book: ReadBack, formulas: Workbook, values: Workbook,
                             freeze: bool) -> list[str]:
    """No formula a person typed in an input cell, or one reaching outside the workbook, goes
    live into the client copy: refused, or with ``freeze`` replaced by the value Excel last
    computed for it (its text, as text, when none is stored)."""
    found = foreign_formulas(formulas, template_cells(book, formulas))
    cells = [f"{ws.title}!{get_column_letter(col)}{row}" for ws, row, col, _ in found]
    if found and not freeze:
        shown = ", ".join(cells[:10]) + (f" and {len(cells) - 10} more" if len(cells) > 10
                                         else "")
        raise XlplanError(f"{book.path}: formulas typed in input cells or reaching outside the "
                          f"workbook at {shown}: type their values instead (`xlplan check` "
                          "lists them), or give --freeze-input-formulas to put the values "
                          "in the client copy")
    for ws, row, col, _ in found:
        cell = ws.cell(row, col)
        value = values[ws.title].cell(row, col).value
        if value is None or (isinstance(value, str) and value.startswith("#")):
            value = formula_text(cell.value)
        cell.value = value
        if isinstance(value, str):
            cell.data_type = "s"
            cell.quotePrefix = True
    return cells


# Data validations Excel keeps as an x14 extension (a list from another sheet): openpyxl drops
# them when it saves, so they are carried over from the consultant's file as they were.
_X14_VALIDATIONS = re.compile(
    rb'<(?:\w+:)?ext\b[^>]*uri="\{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF\}"[^>]*>.*?</(?:\w+:)?ext>',
    re.S)
_XMLNS = re.compile(rb'\sxmlns:(\w+)="[^"]*"')
_ROOT_TAG = re.compile(rb"<(?:\w+:)?worksheet\b[^>]*>")


def _x14_validations(path: Path) -> dict[str, bytes]:
    """Each sheet's x14 data-validation extension, its namespace prefixes declared in it."""
    found = {}
    with zipfile.ZipFile(path) as archive:
        for title, part in sheet_parts(archive).items():
            xml = archive.read(part)
            match = _X14_VALIDATIONS.search(xml)
            root = _ROOT_TAG.search(xml)
            if match is None or root is None:
                continue
            fragment = match.group(0)
            declared = {m.group(1) for m in _XMLNS.finditer(fragment)}
            used = set(re.findall(rb"</?(\w+):", fragment))
            missing = b"".join(m.group(0) for m in _XMLNS.finditer(root.group(0))
                               if m.group(1) in used - declared)
            tag_end = fragment.index(b">")
            found[title] = fragment[:tag_end] + missing + fragment[tag_end:]
    return found


def _with_x14_validations(data: bytes, found: dict[str, bytes]) -> bytes:
    if not found:
        return data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    for title, part in sheet_parts(parts).items():
        ext = found.get(title)
        if ext is None or part not in parts:
            continue
        xml = parts[part]
        if b"</extLst>" in xml:
            xml = xml.replace(b"</extLst>", ext + b"</extLst>", 1)
        else:
            xml = xml.replace(b"</worksheet>", b"<extLst>" + ext + b"</extLst></worksheet>", 1)
        parts[part] = xml
    return zip_parts(parts)


CHART_ROWS, CHART_COLUMNS = 16, 9  # what a chart anchored at a cell covers (charts.py)


def _print_area(ws: Worksheet, values: Worksheet) -> None:
    """Print what the sheet holds, not the empty rows left for the day: up to the last row
    and column showing something (a value, or a chart)."""
    last_row = last_col = 1
    for row in values.iter_rows():
        for cell in row:
            if cell.value is not None and cell.value != "":
                last_row, last_col = max(last_row, cell.row), max(last_col, cell.column)
    for chart in ws._charts:
        anchor = chart.anchor._from
        last_row = max(last_row, anchor.row + CHART_ROWS)
        last_col = max(last_col, anchor.col + CHART_COLUMNS)
    ws.print_area = f"A1:{get_column_letter(last_col)}{last_row}"


def finalize_workbook(path: Path, freeze_input_formulas: bool = False) -> Finalized:
    """The client's copy of ``path`` as bytes; the input is only read."""
    book = read_workbook(path)
    report = book.report
    _missing_parts(book)
    words: Translations = book.words
    plan = book.valid_part
    try:
        formulas = openpyxl.load_workbook(path, keep_vba=False, keep_links=False)
        values = openpyxl.load_workbook(path, data_only=True, keep_links=False)
    except Exception as exc:
        raise UnreadableWorkbook(f"{path}: cannot be read as a workbook ({exc})") from None
    out = Finalized(b"", words)
    out.dropped = report.warnings
    for ws in list(formulas.worksheets):
        if CONSULTANT_ONLY.match(ws.title):
            formulas.remove(ws)
            out.removed_sheets.append(ws.title)
    out.frozen_cells = _freeze_addin_formulas(formulas, values)
    out.frozen_inputs = _freeze_foreign_formulas(book, formulas, values, freeze_input_formulas)
    for ws in formulas.worksheets:
        ws.protection.sheet = True
        _print_area(ws, values[ws.title])
    formulas.custom_doc_props.props = [p for p in formulas.custom_doc_props.props
                                       if p.name in ("xlplan.language", "xlplan.version")]
    props = formulas.properties
    if plan is not None:
        props.title = f"{plan.client.name} - {plan.plan.year}"
        props.subject = words.title("vision_title")
        props.creator = plan.client.consultant or "xlplan"
        props.description = plan.plan.vision
    props.keywords = "xlplan"
    props.lastModifiedBy = props.creator
    props.language = words.language.value
    results = {ws.title: {c.coordinate: values[ws.title][c.coordinate].value
                          for row in ws.iter_rows() for c in row if c.data_type == "f"}
               for ws in formulas.worksheets}
    out.data = _with_x14_validations(resaved_bytes(formulas, results), _x14_validations(path))
    return out


def render_pdf(client_copy: bytes, words: Translations) -> bytes:
    """The briefing book: every sheet of the client copy, printed by LibreOffice as the
    workbook sets it up (paper, print areas, header rows on each page, header and footer,
    number formats in the client's locale)."""
    with tempfile.TemporaryDirectory(prefix="xlplan-pdf-") as tmp:
        source = Path(tmp) / "in" / "deliverable.xlsx"
        source.parent.mkdir()
        source.write_bytes(client_copy)
        (pdf,) = to_pdf([source], Path(tmp) / "out")
        return pdf.read_bytes()
