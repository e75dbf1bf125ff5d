"""The fast paths of reading and checking a large workbook give what the slow ones give.

- the plainest cells (``sheetdata._read_plainest``) read as ``read_any_cells`` reads them, or
  are left to it;
- a worksheet the guard has read is taken as it read it (``PackageReport.sheets_read``), its
  markup not scanned again when the guard found it plain;
- reading and checking a workbook whose sheets are read in bulk (``CellsSheet``: the dict's
  own look-ups, cells and formulas in bulk, values taken without ``convert``) gives the same
  data, cells, problems and failures as reading it all with openpyxl (``OpenpyxlSheet``);
- the collector is paused while reading, and only then.
"""

from __future__ import annotations

import gc
import io
import re
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from babel.numbers import format_currency
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.utils.datetime import CALENDAR_WINDOWS_1900

from xlplan.collector import collector_paused
from xlplan.model import Plan
from xlplan.reader import check, guard, sheetdata, sources, workbook
from xlplan.reader.guard import UnreadableWorkbook, inspect_package
from xlplan.workbook import render_bytes
from xlplan.workbook.templates import translations

STRINGS = ["alpha", "beta & <gamma>", " spaced ", ""]
STYLES = sheetdata.Styles(STRINGS, 3, {1, 2}, {2}, CALENDAR_WINDOWS_1900)

# Cells the plainest form takes (a reference, a style, a type, a formula, a value): {ref}
# and the style are filled in; some values are refused (a string out of range, a date out of
# range, a boolean that is not a number), some kinds left to read_any_cells (d, inlineStr).
PLAIN_CELLS = [
    '<c r="{ref}"{s}/>', '<c r="{ref}"{s}><v>{n}</v></c>', '<c r="{ref}"{s}><v>{n}.25</v></c>',
    '<c r="{ref}"{s}><v>{n}E2</v></c>', '<c r="{ref}"{s}><v>-0</v></c>',
    '<c r="{ref}"{s}><v> {n} </v></c>', '<c r="{ref}"><v>12345678901234567890</v></c>',
    '<c r="{ref}"{s} t="s"><v>{i}</v></c>', '<c r="{ref}" t="s"><v>-1</v></c>',
    '<c r="{ref}" t="s"/>', '<c r="{ref}"{s} t="b"><v>{b}</v></c>',
    '<c r="{ref}" t="str"><v>a &amp; b &lt;c&gt; &#233;{n}</v></c>',
    '<c r="{ref}" t="str"><v>one\r\ntwo{n}</v></c>', '<c r="{ref}" t="str"><v></v></c>',
    '<c r="{ref}" t="e"><v>#N/A</v></c>', '<c r="{ref}" t="n"><v>{n}</v></c>',
    '<c r="{ref}"{s}><f>SUM(A1:B{n})</f><v>2.5</v></c>', '<c r="{ref}"><f></f></c>',
    '<c r="{ref}" t="str"><f>IF(A1&lt;&gt;"","x&amp;y{n}","")</f><v></v></c>',
    '<c r="{ref}"><f>\r\n1+{n}</f></c>', '<c r="{ref}" t="inlineStr"><f>"a"</f></c>',
    '<c r="{ref}" s="1"><v>1e308</v></c>', '<c r="{ref}" s="2"><v>0.{n}</v></c>',
    '<c r="{ref}" t="d"><v>2027-01-15</v></c>', '<c r="{ref}" t="inlineStr"><v>9</v></c>',
    '<c r="{ref}" t="inlineStr"/>', '<c r="{ref}" t="odd"><v>x</v></c>',
    '<c r="{ref}" t="b"><v>x</v></c>', '<c r="{ref}"><v>abc</v></c>',
    '<c r="{ref}" s="7"><v>1</v></c>',
]
# Cells only read_any_cells reads (or refuses): other attributes, formula attributes, inline
# strings, spaces between elements, an empty <v/>, an unknown element.
OTHER_CELLS = [
    '<c r="{ref}" s="0" t="n" cm="1"><v>3</v></c>', '<c r="{ref}" t="s" s="0"><v>1</v></c>',
    '<c r="{ref}"><f t="shared" ref="{ref}" si="0">A1+1</f><v>1</v></c>',
    '<c r="{ref}"><f t="array" ref="{ref}">1</f></c>',
    '<c r="{ref}" t="inlineStr"><is><t>hi &amp; x</t></is></c>',
    '<c r="{ref}">\n  <v>{n}</v>\n</c>', '<c r="{ref}"><v/></c>', '<c r="{ref}"><x/></c>',
    '<c r="{ref}" s="1"><v>{n}</v><extLst/></c>',
]
ROWS = ['<row r="{r}">', '<row r="{r}" spans="1:7">', '<row r="{r}" ht="30" customHeight="1">',
        '<row r="{r}" spans="1:2" x14ac:dyDescent="0.25">']


def _cell(draw: st.DrawFn, templates: list[str], ref: str, strings: int) -> str:
    return draw(st.sampled_from(templates)).format(
        ref=ref, n=draw(st.integers(0, 99)), i=draw(st.integers(0, strings)),
        b=draw(st.integers(0, 1)), s=draw(st.sampled_from(["", ' s="0"', ' s="1"', ' s="2"'])))


@st.composite
def sheet_bodies(draw: st.DrawFn, cells: list[str]) -> str:
    """Rows of the given cells, most in order, some not, now and then one cell twice, a row
    left open or an empty row."""
    out = []
    for row in draw(st.lists(st.integers(1, 40), max_size=8)):
        start = draw(st.sampled_from(ROWS)).format(r=row)
        if draw(st.integers(0, 15)) == 0:
            out.append(start[:-1] + "/>")
            continue
        columns = draw(st.lists(st.integers(0, 6), max_size=6))
        body = "".join(_cell(draw, cells, f"{'ABCDEFG'[c]}{row}", len(STRINGS)) for c in columns)
        out.append(start + body + ("" if draw(st.integers(0, 30)) == 0 else "</row>"))
    return "".join(out)


@st.composite
def usual_bodies(draw: st.DrawFn, cells: list[str]) -> str:
    """Rows of the given cells as a spreadsheet writes them: each row once and closed, each
    cell once, in order."""
    out = []
    for row in sorted(draw(st.sets(st.integers(1, 40), max_size=8))):
        columns = sorted(draw(st.sets(st.integers(0, 6), max_size=6)))
        out.append(draw(st.sampled_from(ROWS)).format(r=row) + "".join(
            _cell(draw, cells, f"{'ABCDEFG'[c]}{row}", len(STRINGS) - 1) for c in columns)
            + "</row>")
    return "".join(out)


def _typed(values: dict[tuple[int, int], Any]) -> list[tuple[Any, ...]]:
    """A sheet's values in their order, each with its type (1, 1.0 and True differ);
    openpyxl's formula objects by their attributes."""
    return [(at, type(value).__name__, sorted(vars(value).items()) if hasattr(
        value, "__dict__") else value) for at, value in values.items()]


def _both(body: bytes) -> tuple[Any, Any]:
    """What the plainest reading and read_any_cells make of a body (or the error raised)."""
    try:
        cells, rows, said = sheetdata.read_any_cells(body, STYLES)
        general: Any = (_typed(cells.values), cells.formulas, cells.ordered, rows, said)
    except Exception as exc:
        general = ("raised", type(exc).__name__)
    found = sheetdata._read_plainest(body, STYLES)
    plainest = None if found is None else (
        _typed(found[0].values), found[0].formulas, found[0].ordered, found[1], [])
    return plainest, general


@settings(max_examples=400, deadline=None)
@given(st.one_of(sheet_bodies(PLAIN_CELLS), sheet_bodies(PLAIN_CELLS + OTHER_CELLS)))
def test_the_plainest_cells_read_as_any_cells_read(body):
    """What the plainest reading takes, it reads as read_any_cells does (values, types, order)."""
    plainest, general = _both(body.encode())
    if plainest is not None:
        assert plainest == general
    cells, rows, said = sheetdata.read_cells(body.encode(), STYLES) if (
        general[0] != "raised") else (None, None, None)
    if cells is not None:
        assert (_typed(cells.values), cells.formulas, cells.ordered, rows, said) == general


TAKEN = ['<c r="{ref}"{s}><v>{n}</v></c>', '<c r="{ref}"{s} t="s"><v>{i}</v></c>',
         '<c r="{ref}" t="str"><f>"a"&amp;B{n}</f><v>a</v></c>', '<c r="{ref}"{s}/>',
         '<c r="{ref}" s="2"><v>0.{n}</v></c>', '<c r="{ref}" t="b"><v>{b}</v></c>']


@settings(max_examples=150, deadline=None)
@given(usual_bodies(TAKEN))
def test_the_usual_cells_are_taken_by_the_plainest_reading(body):
    """Cells written the usual way take the fast path, and read as read_any_cells reads them."""
    plainest, general = _both(body.encode())
    assert plainest is not None
    assert plainest == general


def test_a_stray_tag_or_an_odd_cell_is_left_to_read_any_cells():
    """The plainest reading leaves what it does not know to read_any_cells."""
    for body in (b'<row r="1"><c r="A1"><v>1</v></c><x/></row>',
                 b'<row r="1"><c r="A1" cm="1"><v>1</v></c></row>',
                 b'<row r="1"><c r="A1"><v>1</v></c><c r="A1"><v>2</v></c></row>',
                 b'<row r="1"><c r="A1" s="1"><v>1e308</v></c></row>',
                 b'<c r="A1"><v>1</v></c>'):
        assert sheetdata._read_plainest(body, STYLES) is None


# What the guard keeps of a sheet, and whether it says its markup is plain
MARKUP = {
    "plain": ("", True),
    "comment": ("<!-- a note -->", False),
    "comment after the root": ("", False),
    "cdata": ('<c r="Z9" t="str"><v><![CDATA[<b>]]></v></c>', False),
    "instruction": ("<?pi data?>", False),
}


def _boutique(plans: dict[str, Plan]) -> bytes:
    return render_bytes(plans["boutique"])


def _rebuilt(data: bytes, change: Any) -> bytes:
    """The package with each part changed by ``change(name, bytes)``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as old, zipfile.ZipFile(out, "w") as new:
        for info in old.infolist():
            new.writestr(info, change(info.filename, old.read(info)))
    return out.getvalue()


def _with_markup(data: bytes, name: str) -> bytes:
    """The package with MARKUP[name] put in its first sheet."""
    extra = MARKUP[name][0].encode()

    def change(part: str, content: bytes) -> bytes:
        if part != "xl/worksheets/sheet1.xml":
            return content
        if name == "comment after the root":
            return content + b"<!-- after -->"
        if name == "cdata":  # a cell at the end of the first row
            return content.replace(b"</row>", extra + b"</row>", 1)
        return content.replace(b"<sheetData>", extra + b"<sheetData>", 1)

    return _rebuilt(data, change)


@pytest.mark.parametrize("name", list(MARKUP))
def test_the_guard_says_which_sheets_have_plain_markup(example_plans, tmp_path, name):
    """Only a sheet with no comment, CDATA or instruction is found plain, and scans alike."""
    path = tmp_path / "book.xlsx"
    path.write_bytes(_with_markup(_boutique(example_plans), name))
    report = inspect_package(path)
    with zipfile.ZipFile(path) as archive:
        for part in report.sheet_parts.values():
            info, data = archive.getinfo(part), archive.read(part)
            if part in report.plain_sheets:
                assert report.plain_sheets[part] == (info.CRC, info.file_size)
                assert sheetdata._content(data, True) == sheetdata._content(data)
            assert (part in report.plain_sheets) is (
                MARKUP[name][1] or part != "xl/worksheets/sheet1.xml")


def _load_all(path: Path) -> sources.BookSource:
    """The workbook read all by openpyxl: every sheet an OpenpyxlSheet (the slow paths)."""
    wb = openpyxl.load_workbook(path, data_only=False, keep_vba=False, keep_links=False)
    props = {p.name: str(p.value) for p in wb.custom_doc_props.props}
    return sources.BookSource(list(wb.sheetnames), {ws.title: sources.OpenpyxlSheet(ws)
                                                    for ws in wb.worksheets},
                              props.get("xlplan.language"), wb,
                              sources._template_number(props.get("xlplan.template")))


def _outcome(path: Path) -> Any:
    """What checking a workbook gives: its data, cells, problems and plan, or its failure."""
    try:
        book = check.check_workbook(path)
    except UnreadableWorkbook as exc:
        return ("unreadable", str(exc))
    return (book.data, book.cells, [(p.cell, p.kind, p.message) for p in book.problems],
            book.plan)


def _edit_cells(wb: openpyxl.Workbook, plan: Plan, values: dict[tuple[str, str, int], Any]
                ) -> None:
    """Set cells by (sheet key, column label key, row below the header): value."""
    words = translations(plan.language)
    for (sheet, label, below), value in values.items():
        ws = wb[words.sheet(sheet)]
        for table in ws.tables.values():
            header = openpyxl.utils.cell.range_boundaries(table.ref)[1]
            for cell in ws[header]:
                if cell.value == words.label(label):
                    ws.cell(header + below, cell.column).value = value
                    break


EDITS: dict[str, dict[tuple[str, str, int], Any]] = {
    "ints, texts and dates where they are not expected": {
        ("actions", "actions.cost", 1): 12, ("actions", "actions.cost", 2): True,
        ("actions", "actions.cost", 3): "  ", ("actions", "actions.due", 1): 46000,
        ("actions", "actions.due", 2): "2027-01-01", ("actions", "actions.start", 3):
            datetime(2027, 3, 4, 15, 30), ("actions", "actions.who", 2): 12,
        ("actions", "actions.who", 3): 1.5, ("actions", "actions.status", 1): 3.0,
        ("actions", "actions.what", 4): datetime(2027, 1, 2),
    },
    "formulas typed in inputs and over computed cells": {
        ("actions", "actions.what", 1): "=1+1", ("actions", "actions.cost", 2): "=SUM(1,2)",
        ("actions", "actions.days", 1): 12, ("actions", "actions.days", 2): "=1",
        ("actions", "actions.who", 3): '=HYPERLINK("http://x","y")',
    },
    "values below and beside the tables": {
        ("actions", "actions.what", 60): "stray", ("actions", "actions.cost", 61): 3,
        ("actions", "actions.what", 62): "   ",
    },
    "a number past a float's range": {("actions", "actions.cost", 1): 987654321},
}
HUGE = b"<v>1" + b"0" * 400 + b"</v>"  # written in place of 987654321 (openpyxl cannot)


@pytest.mark.parametrize("name", list(EDITS))
def test_a_workbook_read_in_bulk_checks_as_one_read_all_by_openpyxl(
        example_plans, tmp_path, monkeypatch, name):
    """Edited values check alike (data, cells, problems, failure) in bulk and by openpyxl."""
    plan = example_plans["boutique"]
    wb = openpyxl.load_workbook(io.BytesIO(render_bytes(plan)))
    _edit_cells(wb, plan, EDITS[name])
    path = tmp_path / "book.xlsx"
    wb.save(path)
    path.write_bytes(_rebuilt(path.read_bytes(), lambda part, data: data.replace(
        b"<v>987654321</v>", HUGE)))
    bulk = _outcome(path)
    monkeypatch.setattr("xlplan.reader.workbook.open_openpyxl", _load_all)
    assert _outcome(path) == bulk


def test_cells_out_of_order_check_as_in_order(example_plans, tmp_path, monkeypatch):
    """Rows written out of order (cells then sorted) check as openpyxl reads them."""
    def swap(part: str, data: bytes) -> bytes:
        rows = re.findall(rb"<row [^>]*>.*?</row>", data)
        if part != "xl/worksheets/sheet6.xml" or len(rows) < 20:
            return data
        return data.replace(rows[12] + rows[13], rows[13] + rows[12], 1)

    path = tmp_path / "book.xlsx"
    path.write_bytes(_rebuilt(_boutique(example_plans), swap))
    source = sources.open_openpyxl(path)
    bulk_sheets = [ws for ws in source.sheets.values() if isinstance(ws, sources.CellsSheet)]
    assert not all(ws._ordered for ws in bulk_sheets)
    for ws in bulk_sheets:  # the last row, found either way
        assert ws.max_row == max((row for row, _ in ws.values), default=1)
    bulk = _outcome(path)
    monkeypatch.setattr("xlplan.reader.workbook.open_openpyxl", _load_all)
    assert _outcome(path) == bulk


def _scans(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each sheet split is told its markup is plain (then not scanned)."""
    told: list[bool] = []
    split = sheetdata.split_sheet

    def spy(data: bytes, plain_markup: bool = False) -> Any:
        told.append(plain_markup)
        return split(data, plain_markup)

    monkeypatch.setattr(sheetdata, "split_sheet", spy)
    return told


@pytest.mark.parametrize("name", ["plain", "comment", "cdata"])
def test_the_sheets_the_guard_found_plain_are_not_scanned_again(example_plans, tmp_path,
                                                                monkeypatch, name):
    """Only the sheets the guard found plain skip the markup scan, with the same outcome."""
    path = tmp_path / "book.xlsx"
    path.write_bytes(_with_markup(_boutique(example_plans), name))
    told = _scans(monkeypatch)
    found = _outcome(path)
    assert len(told) == len(inspect_package(path).sheet_parts)
    assert told.count(False) == (0 if name == "plain" else 1)
    told.clear()
    monkeypatch.setattr("xlplan.reader.workbook.guard_found_plain",
                        lambda path, parts: sources.guard_found_plain(path, {}))
    assert _outcome(path) == found
    assert told and not any(told)


def test_what_the_guard_found_serves_only_the_same_parts(example_plans, tmp_path,
                                                         monkeypatch):
    """Another file, or the same file changed since the guard read it, is scanned."""
    path, other = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    path.write_bytes(_boutique(example_plans))
    other.write_bytes(render_bytes(example_plans["andina"]))
    report = inspect_package(path)
    told = _scans(monkeypatch)
    with sources.guard_found_plain(path, report.plain_sheets):
        theirs = sources.open_openpyxl(other)
    assert told and not any(told)
    alone = sources.open_openpyxl(other)
    assert [list(ws.cells()) for ws in theirs.sheets.values()] == [
        list(ws.cells()) for ws in alone.sheets.values()]
    path.write_bytes(_with_markup(_boutique(example_plans), "comment"))
    told.clear()
    with sources.guard_found_plain(path, report.plain_sheets):
        sources.open_openpyxl(path)
    assert told.count(False) == 1


@pytest.mark.parametrize("amount", [0.0, -0.0, 0, 1, 1.0, -1234.5, 1e15, 0.005, 10**20])
def test_an_amount_is_written_as_babel_writes_it(example_plans, amount):
    """Each amount, remembered or not, is written as format_currency writes it (-0.0 too)."""
    plan = example_plans["boutique"]
    expected = format_currency(amount, plan.client.currency,
                               locale=check.client_locale(plan).replace("-", "_"))
    assert check.money(plan, amount) == expected
    assert check.money(plan, amount) == expected


def test_the_collector_is_paused_while_reading_and_only_then():
    """Paused within the block, on again after it (even after an error), off if it was."""
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError), collector_paused():
        raise ValueError
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(["=1+1", 7, 2.5, "x", None, True, datetime(2027, 5, 6)]),
                min_size=6, max_size=6))
def test_any_values_in_the_actions_check_alike_read_either_way(example_plans, tmp_path,
                                                               values):
    """Values of any kind in an action's inputs check alike read in bulk or by openpyxl."""
    plan = example_plans["boutique"]
    wb = openpyxl.load_workbook(io.BytesIO(render_bytes(plan)))
    keys = ["actions.what", "actions.who", "actions.start", "actions.due", "actions.cost",
            "actions.status"]
    _edit_cells(wb, plan, {("actions", key, 2): value for key, value in zip(keys, values,
                                                                             strict=True)})
    path = tmp_path / "book.xlsx"
    wb.save(path)
    bulk = _outcome(path)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("xlplan.reader.workbook.open_openpyxl", _load_all)
        assert _outcome(path) == bulk


class _Cells:
    """A sheet of the given cells (row by row), as a SheetSource gives them."""

    title = "S"

    def __init__(self, cells: list[tuple[int, int, Any]]) -> None:
        self._cells = cells

    def cells(self) -> Any:
        return iter(self._cells)


class _Problems:
    """A book that only notes its problems."""

    def __init__(self) -> None:
        self.found: list[tuple[Any, ...]] = []

    def problem(self, sheet: str, row: int, col: int, kind: str, key: str, **values: Any
                ) -> None:
        self.found.append((sheet, row, col, kind, key, sorted(values.items())))


def _strays_row_by_row(regions: list[tuple[int, int, int, int, str | None]],
                       cells: list[tuple[int, int, Any]]) -> list[tuple[Any, ...]]:
    """The stray values as found before: the regions across each row looked up anew."""
    out = _Problems()
    for row, col, value in cells:
        columns = {c for top, left, bottom, right, _ in regions if top <= row <= bottom
                   for c in range(left, right + 1)}
        if col in columns:
            continue
        below = next((name for _, left, bottom, right, name in regions
                      if name is not None and left <= col <= right and row > bottom), None)
        if below is not None:
            out.problem("S", row, col, "outside", "outside_table", name=below,
                        value=workbook._shown(value))
        else:
            out.problem("S", row, col, "outside", "outside_tables", value=workbook._shown(value))
    return out.found


REGION = st.tuples(st.integers(1, 30), st.integers(1, 8), st.integers(0, 10),
                   st.integers(0, 4), st.sampled_from([None, "T1", "T2"])).map(
    lambda r: (r[0], r[1], r[0] + r[2], r[1] + r[3], r[4]))


@settings(max_examples=300, deadline=None)
@given(st.lists(REGION, max_size=6),
       st.sets(st.tuples(st.integers(1, 50), st.integers(1, 14)), max_size=60))
def test_stray_values_are_found_as_row_by_row(regions, places):
    """Regions looked up once per band of rows find the strays a look-up per row finds."""
    cells = [(row, col, f"v{row}.{col}") for row, col in sorted(places)]
    book = _Problems()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(workbook, "_regions", lambda *_: regions)
        workbook._stray_values(book, _Cells(cells), None, {})  # type: ignore[arg-type]
    assert book.found == _strays_row_by_row(regions, cells)


def test_the_guard_notes_odd_markup_once():
    """The first comment, CDATA section or instruction is noted, and no later one."""
    for document in (b"<a><!--x--><!--y--><?p q?><![CDATA[z]]></a>",
                     b"<a><?p q?><!--x--></a>", b"<a><![CDATA[z]]><!--x--></a>",
                     b"<a>" + b"<!--x-->" * 10_000 + b"</a>"):
        odd: list[bool] = []
        parser = guard._expat_parser(odd)
        parser.Parse(document, True)
        assert odd == [True]
        assert parser.CommentHandler is None and parser.ProcessingInstructionHandler is None
    plain: list[bool] = []
    guard._expat_parser(plain).Parse(b'<?xml version="1.0"?><a b="&lt;!--"/>', True)
    assert plain == []
