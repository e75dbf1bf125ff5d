"""Hostile workbooks are refused before parsing, fast and in small memory; risky content is
reported, not trusted; and a fuzzer over the reader finds no crash other than our errors."""

from __future__ import annotations

import contextlib
import io
import random
import re
import time
import tracemalloc
import zipfile
import zlib
from datetime import datetime
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
from openpyxl.utils.exceptions import IllegalCharacterError

from tests.hostile import BILLION_LAUGHS, MAIN_NS, _damaged_deflate, _rebuild, hostile_files
from xlplan import load_plan
from xlplan.errors import XlplanError
from xlplan.reader import guard, sources
from xlplan.reader import workbook as reader
from xlplan.reader.check import check_workbook
from xlplan.reader.guard import UnreadableWorkbook, inspect_package
from xlplan.reader.workbook import read_workbook
from xlplan.workbook import render_bytes

BOUTIQUE = Path(__file__).resolve().parent.parent / "examples" / "boutique.yaml"
REFUSED = ["zip_bomb", "huge_dimension", "lying_dimension", "far_corner_cell",
           "huge_used_range", "implied_far_cell", "prefixed_far_cell", "escaped_far_cell",
           "utf16_far_cell", "huge_merged_range", "huge_table", "renamed_sheet_part",
           "entities", "entities_after_comment", "entities_after_tag_in_comment",
           "truncated_sheet_xml", "damaged_deflate", "not_a_zip", "no_workbook_part",
           "damaged_workbook_xml"]


@pytest.fixture(scope="module")
def hostile(example_plans, tmp_path_factory):
    return hostile_files(example_plans["boutique"], tmp_path_factory.mktemp("hostile"))


def test_every_hostile_file_is_tested(hostile):
    """Each hostile file is either refused (REFUSED), reported, or the out-of-range date."""
    assert set(hostile) == {*REFUSED, "date_out_of_range", "report_vba",
                            "report_external_link", "report_embedded"}


@pytest.mark.parametrize("name", REFUSED)
@pytest.mark.parametrize("fast", [False, True], ids=["check", "consolidate"])
def test_hostile_files_are_refused_fast_and_small(hostile, name, fast):
    """Each is refused with a clear error naming the file, by both readers (check's and
    consolidate's), in well under 2 seconds and a few MiB."""
    tracemalloc.start()
    start = time.perf_counter()
    with pytest.raises(UnreadableWorkbook) as info:
        if fast:
            read_workbook(hostile[name], fast=True)
        else:
            check_workbook(hostile[name])
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert str(hostile[name]) in str(info.value)
    assert elapsed < 2 and peak < 16 * 2**20


@pytest.mark.parametrize(("name", "words"), [
    ("lying_dimension", "has more than 200,000 rows"),
    ("far_corner_cell", "1,048,576"),
    ("huge_used_range", "used ranges of the package past 2,000,000 cells"),
    ("implied_far_cell", "has a cell at SG1000"),
    ("prefixed_far_cell", "1,048,576"),
    ("escaped_far_cell", "has a cell at XFD1000"),
    ("utf16_far_cell", "1,048,576"),
    ("huge_merged_range", "used ranges"),
    ("huge_table", "xl/tables/table1.xml takes the used ranges"),
    ("renamed_sheet_part", "(xl/worksheets/data.xml) spans 'A1:XFD1048576'"),
    ("entities_after_tag_in_comment", "declares a DOCTYPE"),
    ("truncated_sheet_xml", "xl/worksheets/sheet1.xml is not well-formed XML"),
    ("damaged_deflate", "xl/worksheets/sheet1.xml is damaged"),
])
def test_the_guard_says_which_limit_and_where(hostile, name, words):
    """The refusal names the sheet (or part) and the limit, from what the part holds."""
    with pytest.raises(UnreadableWorkbook, match=re.escape(words)):
        inspect_package(hostile[name])


@pytest.mark.filterwarnings("ignore:Cell .* is marked as a date:UserWarning")
def test_a_date_out_of_range_is_a_cell_problem_or_unreadable_never_a_crash(hostile):
    """-1e308 in a date cell: python-calamine panics (a BaseException from Rust), which
    consolidate's reader turns into UnreadableWorkbook; check's reader (openpyxl) reads an
    error value and reports it at its cell."""
    path = hostile["date_out_of_range"]
    start = time.perf_counter()
    with pytest.raises(UnreadableWorkbook, match="python-calamine: PanicException"):
        read_workbook(path, fast=True)
    problems = check_workbook(path).problems
    assert time.perf_counter() - start < 2
    assert any(p.kind == "type" and "#VALUE!" in p.message for p in problems)


def _parts(data: bytes) -> list[str]:
    return zipfile.ZipFile(io.BytesIO(data)).namelist()


@pytest.fixture(scope="module")
def good_bytes(example_plans):
    return render_bytes(example_plans["boutique"])


def test_a_damaged_deflate_stream_in_any_part_is_refused(good_bytes, tmp_path):
    """Every part, XML or not, is decompressed to its end (CRC checked) by the guard: damage
    anywhere is UnreadableWorkbook for every command, never zlib.error or BadZipFile."""
    rng = random.Random(1)
    image = bytes(rng.randrange(256) for _ in range(20_000))
    with_image = _rebuild(good_bytes, lambda n, b: b, {"xl/media/image1.png": image})
    for index, part in enumerate(_parts(with_image)):
        path = tmp_path / f"damaged{index}.xlsx"
        path.write_bytes(_damaged_deflate(with_image, part))
        with pytest.raises(UnreadableWorkbook, match=re.escape(part)):
            inspect_package(path)


def test_a_part_that_is_not_well_formed_xml_is_refused_for_both_readers(good_bytes, tmp_path):
    """Any XML part cut short is refused by the guard, so check and consolidate agree (alone,
    python-calamine reads a sheet or a chart cut short; openpyxl does not)."""
    for index, part in enumerate(_parts(good_bytes)):
        path = tmp_path / f"cut{index}.xlsx"
        path.write_bytes(_rebuild(good_bytes, lambda n, b, part=part: b[:b.rindex(b"</")]
                                  if n == part else b))
        with pytest.raises(UnreadableWorkbook, match="not well-formed XML"):
            inspect_package(path)


def test_a_doctype_anywhere_in_a_reader_part_is_refused_but_not_in_an_image(good_bytes,
                                                                             tmp_path):
    """A DOCTYPE after the root (where no prolog scan looks) is refused by the XML check; an
    SVG logo with its usual DOCTYPE is no reader's business and is accepted."""
    inside = tmp_path / "inside.xlsx"
    inside.write_bytes(_rebuild(good_bytes, lambda n, b: b.replace(
        b"</styleSheet>", b"<!DOCTYPE x></styleSheet>") if n == "xl/styles.xml" else b))
    with pytest.raises(UnreadableWorkbook):
        inspect_package(inside)
    svg = (b'<?xml version="1.0"?><!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
           b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd"><svg/>')
    logo = tmp_path / "logo.xlsx"
    logo.write_bytes(_rebuild(good_bytes, lambda n, b: b.replace(
        b"<Default Extension=\"xml\"", b'<Default Extension="svg" ContentType="image/svg+xml"/>'
        b"<Default Extension=\"xml\"") if n == "[Content_Types].xml" else b,
        {"xl/media/image1.svg": svg}))
    assert not inspect_package(logo).warnings


def test_binary_and_vml_parts_as_excel_writes_them_are_accepted(good_bytes, tmp_path):
    """Printer settings (binary, under an OOXML content type), legacy VML that is not
    well-formed XML, and an embedded workbook are no XML a reader parses: accepted."""
    types = (b'<Default Extension="bin" ContentType="application/vnd.openxmlformats-'
             b'officedocument.spreadsheetml.printerSettings"/><Default Extension="vml" '
             b'ContentType="application/vnd.openxmlformats-officedocument.vmlDrawing"/>'
             b'<Override PartName="/xl/embeddings/Book1.xlsx" ContentType="application/vnd.'
             b'openxmlformats-officedocument.spreadsheetml.sheet"/>')
    path = tmp_path / "excel_parts.xlsx"
    path.write_bytes(_rebuild(good_bytes, lambda n, b: b.replace(
        b"<Default Extension=\"xml\"", types + b"<Default Extension=\"xml\"")
        if n == "[Content_Types].xml" else b, {
            "xl/printerSettings/printerSettings1.bin": "HP LaserJet".encode("utf-16-le")
            + bytes(range(256)),
            "xl/drawings/vmlDrawing1.vml": b'<xml xmlns:v="urn:schemas-microsoft-com:vml">'
            b"<o:shapelayout><br></xml>",
            "xl/embeddings/Book1.xlsx": good_bytes}))
    assert inspect_package(path).embedded == ["xl/embeddings/Book1.xlsx"]


def test_the_doctype_check_reads_the_whole_prolog(good_bytes, tmp_path):
    """Declarations, comments and processing instructions, in any order and split across
    reads, come before a DOCTYPE: it is still found; a prolog past its cap is refused."""
    prologs = [b'<?xml version="1.0"?>\n<!-- <a b="c"> -->\n<?pi <x ?><!-- -->',
               b"\xef\xbb\xbf \n<!--" + b"<y " * 5000 + b"-->"]
    for index, prolog in enumerate(prologs):
        path = tmp_path / f"prolog{index}.xlsx"
        path.write_bytes(_rebuild(good_bytes, lambda n, b, p=prolog: p + BILLION_LAUGHS[21:]
                                  if n == "xl/worksheets/sheet2.xml" else b))
        with pytest.raises(UnreadableWorkbook, match="DOCTYPE"):
            inspect_package(path)
    long = tmp_path / "long.xlsx"
    long.write_bytes(_rebuild(good_bytes, lambda n, b: b"<!--" + b"x" * 70_000 + b"-->" + b
                              if n == "xl/styles.xml" else b))
    with pytest.raises(UnreadableWorkbook, match="no root element in its first 64 KiB"):
        inspect_package(long)


@pytest.mark.parametrize(("prolog", "root"), [
    (b'<?xml version="1.0"?><!-- <a --><worksheet/>', b"worksheet"),
    (b"\xef\xbb\xbf\n <?pi <b?>\t<!-- <!DOCTYPE x> --><x:table xmlns:x='y'/>", b"table"),
    (b'<?xml version="1.0"?><!-- <a --><!DOCTYPE w [<!ENTITY e "e">]><w/>', None),
    (b"<!-- --><?x?><!ENTITY e 'e'><w/>", None),
])
def test_the_prolog_is_read_in_order_whatever_the_reads_give(prolog, root):
    """Declaration, comments, instructions and white space are skipped in order (markup in a
    comment is not an element), across reads cut anywhere; a DOCTYPE or ENTITY before the
    root element is found however the bytes arrive."""
    for cut in range(1, len(prolog) + 1):
        try:
            found = guard._root_element(prolog[:cut], complete=cut == len(prolog))
        except guard._DoctypeFound:
            assert root is None
            return
        if found is not None:
            assert found == root
            return
    pytest.fail("the prolog was never decided")


def test_a_part_the_workbook_names_as_a_sheet_is_scanned_whatever_its_root(good_bytes,
                                                                             tmp_path):
    """openpyxl and calamine read the rows of a part the workbook names as a sheet, whatever
    its root element: so does the guard."""
    path = tmp_path / "odd_root.xlsx"
    path.write_bytes(_rebuild(good_bytes, lambda n, b: re.sub(
        rb"</?worksheet", lambda m: m.group(0).replace(b"worksheet", b"data"), b).replace(
        b"</sheetData>", b'<row r="1048576"><c r="A1048576"><v>1</v></c></row></sheetData>')
        if n == "xl/worksheets/sheet2.xml" else b))
    with pytest.raises(UnreadableWorkbook, match=r"sheet '.*' \(xl/worksheets/sheet2.xml\)"):
        inspect_package(path)


def test_a_sheet_reached_through_another_workbook_part_is_scanned(good_bytes, tmp_path):
    """openpyxl finds the workbook through the content types: a sheet only another workbook
    part names (xl/workbook.xml left as a decoy) is still scanned, by its root element."""
    def change(name: str, content: bytes) -> bytes:
        if name == "[Content_Types].xml":
            return content.replace(b'"/xl/workbook.xml"', b'"/xl/book.xml"').replace(
                b"</Types>", b'<Override PartName="/xl/worksheets/data.xml" ContentType="'
                b'application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                b"</Types>")
        return content

    with zipfile.ZipFile(io.BytesIO(good_bytes)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
        extra = {"xl/book.xml": archive.read("xl/workbook.xml"),
                 "xl/_rels/book.xml.rels": archive.read("xl/_rels/workbook.xml.rels").replace(
                     b"worksheets/sheet1.xml", b"worksheets/data.xml"),
                 "xl/worksheets/data.xml": sheet.replace(b"</sheetData>", b'<row r="1048576">'
                                                         b'<c r="A1048576"><v>1</v></c></row>'
                                                         b"</sheetData>")}
    path = tmp_path / "decoy.xlsx"
    path.write_bytes(_rebuild(good_bytes, change, extra))
    with pytest.raises(UnreadableWorkbook, match=r"xl/worksheets/data.xml has a row at"):
        inspect_package(path)


class PanicException(BaseException):
    """What pyo3 raises when Rust code panics: not an Exception."""


READ_FAILURES = [zlib.error("invalid distance too far back"), zipfile.BadZipFile("Bad CRC-32"),
                 EOFError(), KeyError("xl/sharedStrings.xml"), ValueError("odd value"),
                 OverflowError("date value out of range"), IndexError("list index"),
                 MemoryError(), RecursionError("maximum recursion depth exceeded"),
                 PanicException("TimeDelta::milliseconds out of bounds")]


class _Failing:
    """A stand-in for a reader module whose every entry point raises ``error``."""

    def __init__(self, error: BaseException) -> None:
        self.error = error

    def __getattr__(self, name: str) -> object:
        return self

    def __call__(self, *args: object, **kwargs: object) -> object:
        raise self.error


@pytest.mark.parametrize("error", READ_FAILURES, ids=lambda e: type(e).__name__)
@pytest.mark.parametrize("where", ["openpyxl", "python_calamine", "reading"])
def test_any_failure_while_reading_is_unreadable_workbook(good_bytes, tmp_path, monkeypatch,
                                                          error, where):
    """Whatever a reader (or the reading after it) raises becomes UnreadableWorkbook naming
    the file and the kind of failure, for check's reader and consolidate's."""
    path = tmp_path / "good.xlsx"
    path.write_bytes(good_bytes)
    if where == "reading":
        monkeypatch.setattr(reader, "label_rows", _Failing(error))
    else:
        monkeypatch.setattr(sources, where, _Failing(error))
    for fast in (False, True):
        if (where == "openpyxl" and fast) or (where == "python_calamine" and not fast):
            continue
        with pytest.raises(UnreadableWorkbook) as info:
            read_workbook(path, fast=fast)
        assert str(path) in str(info.value) and type(error).__name__ in str(info.value)
        if where != "reading":  # said by the reader that failed
            assert f"({where.replace('_', '-')}: " in str(info.value)


@pytest.mark.parametrize("error", [KeyboardInterrupt(), SystemExit(3)], ids=repr)
@pytest.mark.parametrize("where", ["openpyxl", "python_calamine", "reading"])
def test_an_interrupt_is_never_turned_into_unreadable(good_bytes, tmp_path, monkeypatch, error,
                                                      where):
    """Ctrl-C and sys.exit go through every reader untouched."""
    path = tmp_path / "good.xlsx"
    path.write_bytes(good_bytes)
    if where == "reading":
        monkeypatch.setattr(reader, "label_rows", _Failing(error))
    else:
        monkeypatch.setattr(sources, where, _Failing(error))
    with pytest.raises(type(error)):
        read_workbook(path, fast=where != "openpyxl")


def _sheet_xml(rows: list[tuple[int | None, list[str | None]]], prefix: str = "",
               quote: str = '"', space: str = " ", empty: bool = False,
               r_first: bool = True) -> bytes:
    p = f"{prefix}:" if prefix else ""
    ns = f' xmlns{":" + prefix if prefix else ""}="{MAIN_NS}"'
    out = [f"<{p}worksheet{ns}><{p}sheetData>"]
    for number, cells in rows:
        r = f"{space}r={quote}{number}{quote}" if number is not None else ""
        out.append(f"<{p}row{r}{space}spans={quote}1:3{quote}>")
        for ref in cells:
            r = f"{space}r={quote}{ref}{quote}" if ref is not None else ""
            style = f"{space}s={quote}1{quote}"
            attributes = r + style if r_first else style + r
            value = "/>" if empty else f"><{p}v>1</{p}v></{p}c>"
            out.append(f"<{p}c{attributes}{value}")
        out.append(f"</{p}row>")
    out.append(f"</{p}sheetData></{p}worksheet>")
    return "".join(out).encode()


def _expected(xml: bytes) -> tuple[int, int, int, int]:
    """Rows, cells, last row and last column of the used range, as openpyxl places them."""
    rows = cells = last_row = last_col = row = 0
    for element in ElementTree.fromstring(xml).iter():
        if element.tag == f"{{{MAIN_NS}}}row":
            rows += 1
            row = int(element.get("r") or row + 1)
            col = 0
        elif element.tag == f"{{{MAIN_NS}}}c":
            cells += 1
            ref = element.get("r")
            if ref:
                letters, cell_row = coordinate_from_string(ref)
                col = column_index_from_string(letters)
            else:
                cell_row, col = row, col + 1
            last_row, last_col = max(last_row, cell_row), max(last_col, col)
    return rows, cells, last_row, last_col


SHEET_ROWS = st.lists(st.tuples(
    st.one_of(st.none(), st.integers(1, 300)),
    st.lists(st.one_of(st.none(), st.builds(lambda c, r: f"{c}{r}", st.sampled_from(
        ["A", "B", "Z", "AA", "SF"]), st.integers(1, 300))), max_size=6)), max_size=12)


def _scanned(xml: bytes, chunk: int, seed: int) -> tuple[guard._Scan, guard._Budget]:
    """The guard's count of a sheet fed in chunks of random sizes up to ``chunk``, read again
    tag by tag if it is not written the usual way (as the guard does)."""
    budget = guard._Budget()
    scan = guard._Scan("s", budget, sheet=True)
    pieces = random.Random(seed)
    at = 0
    while at < len(xml):
        step = pieces.randint(1, chunk)
        scan.feed(xml[at:at + step])
        at += step
    if scan.irregular:
        budget = guard._Budget()
        scan = guard._Scan("s", budget, sheet=True, exact=True)
        scan.feed(xml)
    scan.finish()
    return scan, budget


@settings(max_examples=200, deadline=None)
@given(rows=SHEET_ROWS, prefix=st.sampled_from(["", "x"]), quote=st.sampled_from(['"', "'"]),
       space=st.sampled_from([" ", "\n  "]), empty=st.booleans(), r_first=st.booleans(),
       chunk=st.integers(1, 64), seed=st.integers(0, 9))
def test_the_sheet_scan_places_every_row_and_cell_as_readers_do(rows, prefix, quote, space,
                                                                empty, r_first, chunk, seed):
    """Any mix of rows and cells with or without r="...", prefixed or not, quoted either way,
    fed in chunks cut anywhere: the guard counts them and places them as openpyxl does, and
    refuses a cell past column 500 (SF) wherever it is placed."""
    xml = _sheet_xml(rows, prefix, quote, space, empty, r_first)
    rows_count, cells, last_row, last_col = _expected(xml)
    if last_col > guard.MAX_COLUMNS:
        with pytest.raises(guard._Refused, match="has a cell at"):
            _scanned(xml, chunk, seed)
        return
    scan, budget = _scanned(xml, chunk, seed)
    assert (scan.rows, budget.cells) == (rows_count, cells)
    assert (scan.last_row, scan.last_column) == (last_row, last_col)
    assert budget.area == last_row * last_col


@pytest.mark.parametrize("name", ["andina", "boutique", "northwind"])
def test_generated_sheets_are_counted_in_bulk(example_plans, name):
    """Sheets as xlplan (openpyxl) writes them take the bulk count, and it agrees with the
    tag-by-tag one."""
    with zipfile.ZipFile(io.BytesIO(render_bytes(example_plans[name]))) as archive:
        sheets = [archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/s")]
    for xml in sheets:
        plain, plain_budget = _scanned(xml, 2**20, 0)
        assert not plain.irregular
        exact_budget = guard._Budget()
        exact = guard._Scan("s", exact_budget, sheet=True, exact=True)
        exact.feed(xml)
        exact.finish()
        assert (plain.rows, plain.last_row, plain.last_column, plain_budget.cells) == (
            exact.rows, exact.last_row, exact.last_column, exact_budget.cells)


def test_a_package_expanding_past_the_limit_is_refused(hostile, monkeypatch):
    """The total uncompressed size is bounded (limit lowered here to keep the test small)."""
    monkeypatch.setattr(guard, "MAX_TOTAL_BYTES", 100_000)
    with pytest.raises(UnreadableWorkbook, match="expands to"):
        inspect_package(hostile["report_vba"])


@pytest.mark.parametrize(("name", "words"), [("report_vba", "VBA"),
                                             ("report_external_link", "external link"),
                                             ("report_embedded", "embedded object")])
def test_risky_content_is_reported(hostile, name, words):
    """VBA, external links and embedded objects are listed as problems, never run."""
    problems = [p for p in check_workbook(hostile[name]).problems if p.kind == "package"]
    assert any(words in p.message for p in problems)


def test_xlwings_conf_sheet_is_reported(example_plans, tmp_path):
    """An xlwings.conf sheet (add-in settings that could point at code) is reported."""
    wb = openpyxl.load_workbook(io.BytesIO(render_bytes(example_plans["boutique"])))
    wb.create_sheet("xlwings.conf")["A1"] = "INTERPRETER"
    path = tmp_path / "conf.xlsx"
    wb.save(path)
    assert inspect_package(path).xlwings_conf


CELL_VALUES = st.one_of(st.none(), st.text(max_size=30), st.integers(-10**12, 10**12),
                        st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
                        st.datetimes(datetime(1900, 3, 1), datetime(2100, 1, 1)),
                        st.sampled_from(["=1/0", "=NA()", "#N/A", "=SUM(A1:A3)", "Oui", "3"]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits=st.lists(st.tuples(st.integers(0, 6), st.integers(1, 60), st.integers(1, 14),
                                CELL_VALUES), max_size=25),
       drop_table=st.one_of(st.none(), st.sampled_from(["Kpis", "Actions", "Priorities"])))
def test_fuzzed_edits_never_crash_the_reader(tmp_path_factory, edits, drop_table):
    """Random values in random cells (and a deleted table): check returns or raises our error."""
    wb = openpyxl.load_workbook(io.BytesIO(render_bytes(load_plan(BOUTIQUE))))
    for sheet, row, col, value in edits:
        cell = wb.worksheets[sheet].cell(row, col)
        try:
            cell.value = value
        except IllegalCharacterError:
            continue  # openpyxl will not put control characters in a cell; Excel neither
    if drop_table:
        for ws in wb.worksheets:
            if drop_table in ws.tables:
                del ws.tables[drop_table]
    path = tmp_path_factory.mktemp("fuzz") / "f.xlsx"
    try:
        wb.save(path)
    except (ValueError, TypeError):
        return  # openpyxl itself refuses to write that value: not our reader's case
    try:
        book = check_workbook(path)
    except XlplanError:
        return
    assert all(p.message for p in book.problems)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_fuzzed_bytes_never_crash_the_reader(tmp_path_factory, data):
    """Corrupted XML inside the package: check returns or raises our error, nothing else."""
    good = render_bytes(load_plan(BOUTIQUE))
    source = zipfile.ZipFile(io.BytesIO(good))
    names = source.namelist()
    target = data.draw(st.sampled_from(names))
    content = bytearray(source.read(target))
    for _ in range(data.draw(st.integers(1, 8))):
        if not content:
            break
        at = data.draw(st.integers(0, len(content) - 1))
        content[at] = data.draw(st.integers(0, 255))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dest:
        for name in names:
            dest.writestr(name, bytes(content) if name == target else source.read(name))
    path = tmp_path_factory.mktemp("bytes") / "f.xlsx"
    path.write_bytes(out.getvalue())
    with contextlib.suppress(XlplanError):
        check_workbook(path)
