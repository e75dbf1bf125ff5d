"""The worksheets' cells read in bulk (``reader/sheetdata.py``) are exactly what openpyxl reads:
the same values of the same types, the same formulas, the same errors for a file openpyxl
refuses; a sheet not written the usual way is left to openpyxl whole."""

from __future__ import annotations

import io
import re
import warnings
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlplan.reader import sheetdata, sources
from xlplan.reader.guard import failure_reason
from xlplan.reader.workbook import read_workbook
from xlplan.workbook import render_bytes

ROOT = Path(__file__).resolve().parent.parent
ROOT_TAG = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')
X14AC = (' xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
         'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" '
         'mc:Ignorable="x14ac"')


def _base() -> bytes:
    """A workbook with shared strings, a date style (s=1), a duration style (s=2) and a table."""
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"in_memory": True})
    ws = wb.add_worksheet("S")
    day = wb.add_format({"num_format": "yyyy-mm-dd"})
    span = wb.add_format({"num_format": "[h]:mm:ss"})
    ws.write_string(0, 0, "alpha")
    ws.write_string(0, 1, "beta & <gamma>\r\nend")
    ws.write_number(1, 0, 1, day)
    ws.write_number(1, 1, 1, span)
    ws.add_table("A20:B22", {"name": "Things", "columns": [{"header": "x"}, {"header": "y"}]})
    wb.add_worksheet("Other").write_string(0, 0, "beta & <gamma>\r\nend")
    wb.close()
    return buffer.getvalue()


BASE = _base()


def _with_sheet_data(cells: str, tmp_path: Path, after: str = "", root: str = ROOT_TAG,
                     name: str = "book.xlsx", strings: str | None = None) -> Path:
    """The base workbook, its first sheet's <sheetData> holding ``cells`` (and ``after`` put
    after it, merged cells or hyperlinks); its shared strings ``strings``, if given."""
    source = zipfile.ZipFile(io.BytesIO(BASE))
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/sharedStrings.xml" and strings is not None:
                data = re.sub(rb"(<sst[^>]*>).*(</sst>)", lambda m: m.group(1) + strings.encode()
                              + m.group(2), data, flags=re.S)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                text = text.replace(ROOT_TAG, root, 1)
                text = re.sub(r"<sheetData>.*</sheetData>",
                              lambda _: f"<sheetData>{cells}</sheetData>{after}", text,
                              flags=re.S)
                data = text.encode()
            out.writestr(info, data)
    return path


def _cells_of(ws: Any) -> dict[tuple[int, int], tuple[Any, bool]]:
    return {(r, c): (_comparable(v), ws.is_formula(r, c)) for r, c, v in ws.cells()}


def _comparable(value: Any) -> Any:
    """A value with its type; openpyxl's formula objects by their attributes."""
    if hasattr(value, "__dict__") and not isinstance(value, str):
        return (type(value).__name__, sorted(vars(value).items()))
    return (type(value).__name__, value)


def _read(path: Path, reader: str) -> Any:
    """What a reader makes of the workbook: each sheet's cells, formulas, tables, or the
    reason it fails; and the warnings given."""
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        try:
            if reader == "bulk":
                book = sources.open_openpyxl(path)
                kinds = {t: type(s).__name__ for t, s in book.sheets.items()}
                sheets = book.sheets
            else:
                wb = openpyxl.load_workbook(path, data_only=False, keep_vba=False,
                                            keep_links=False)
                kinds = {}
                sheets = {ws.title: sources.OpenpyxlSheet(ws) for ws in wb.worksheets}
        except Exception as exc:
            reason = str(exc) if reader == "bulk" else str(
                sources._unreadable(path, "openpyxl", exc))
            return ("unreadable", reason), {}, []
        out = {title: (_cells_of(ws), [(r, c, _comparable(v)) for r, c, v in
                                       ws.formula_cells()],
                       {n: ws.table(n) for n in ("Things", "Nothing")},
                       [ws.value(r, c) == v for r, c, v in ws.cells()])
               for title, ws in sheets.items()}
    return out, kinds, sorted(str(w.message) for w in said if w.category is UserWarning)


def _same(path: Path) -> dict[str, str]:
    """Both readers agree; returns which kind of sheet the bulk reader made of each."""
    full, _, full_warnings = _read(path, "openpyxl")
    bulk, kinds, bulk_warnings = _read(path, "bulk")
    assert bulk == full
    assert bulk_warnings == full_warnings
    return kinds


USUAL = {
    "numbers": '<row r="1" spans="1:6"><c r="A1"><v>1</v></c><c r="B1"><v>1.5</v></c>'
               '<c r="C1"><v>1E3</v></c><c r="D1"><v> 7 </v></c><c r="E1"><v>-0</v></c>'
               '<c r="F1"><v>12345678901234567890</v></c><c r="G1" s="0"><v>2e-3</v></c></row>',
    "strings": '<row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2" t="s"><v>1</v></c>'
               '<c r="C2" t="s"><v>-1</v></c><c r="D2" t="s"><v> 0</v></c></row>',
    "booleans": '<row r="3"><c r="A3" t="b"><v>1</v></c><c r="B3" t="b"><v>0</v></c></row>',
    "errors and text": '<row r="4"><c r="A4" t="e"><v>#N/A</v></c>'
                       '<c r="B4" t="str"><v>a &amp; b &lt;c&gt; &quot;d&quot; &apos;</v></c>'
                       '<c r="C4" t="str"><v>x&#13;&#10;y&#x41;&#233;</v></c>'
                       '<c r="D4" t="str"><v>one\r\ntwo\rthree\nfour</v></c>'
                       '<c r="E4" t="odd"><v>kept as text</v></c><c r="F4" t="n"><v>3</v></c>'
                       '</row>',
    "dates": '<row r="5"><c r="A5" s="1"><v>46000</v></c><c r="B5" s="1"><v>46000.25</v></c>'
             '<c r="C5" s="2"><v>1.25</v></c><c r="D5" s="1"><v>0.5</v></c>'
             '<c r="E5" s="1"><v>-1e308</v></c><c r="F5" s="1"><v>1e308</v></c>'
             '<c r="G5" t="d"><v>2027-01-15T10:00:00</v></c><c r="H5" t="d"><v>2027-01-15</v>'
             '</c></row>',
    "formulas": '<row r="7"><c r="A7"><f>SUM(A1:B1)</f><v>2.5</v></c>'
                '<c r="B7" t="str"><f>IF(A1&lt;&gt;"","x&amp;y","")</f><v>x</v></c>'
                '<c r="C7"><f/></c><c r="D7"><f t="shared" ref="D7:D9" si="0">A7+$B$1</f>'
                '<v>1</v></c><c r="E7"><f t="array" ref="E7:E8">SUM(A1:A2*B1:B2)</f><v>1</v>'
                '</c><c r="F7"><f t="dataTable" ref="F7:G8" dt2D="1" dtr="1" r1="A1" r2="B1"/>'
                '<v>0</v></c><c r="G7" t="inlineStr"><f>"a"</f></c><c r="H7"><f></f></c>'
                '<c r="I7"><f>\r\n1+1</f></c></row>'
                '<row r="8"><c r="D8"><f t="shared" si="0"/><v>2</v></c></row>'
                '<row r="9"><c r="D9"><f t="shared" si="0"/><v>3</v></c></row>',
    "empty cells": '<row r="10"><c r="A10" s="1"/><c r="B10" t="s"/><c r="C10" t="inlineStr">'
                   '<v>9</v></c><c r="D10"><v></v></c><c r="E10" t="str"><v>   </v></c>'
                   '<c r="F10"><f>1+1</f><v /></c><c r="G10" t="s"><v/></c></row>',
    "attributes": '<row r="11"><c r="A11" t="s" s="0"><v>1</v></c>'
                  '<c r="B11" s="0" t="n" cm="1"><v>3</v></c><c r="C11" vm="1"><v>4</v></c>'
                  '</row>',
    "rows": '<row r="12" ht="30" customHeight="1"><c r="A12"><v>1</v></c></row>'
            '<row r="13" spans="1:2" x14ac:dyDescent="0.25"><c r="A13"><v>2</v></c></row>'
            '<row r="14"/><row><c r="B15"><v>5</v></c></row><row r="16" s="1" customFormat="1">'
            '<c r="C16"><v>6</v></c></row>',
    "spaced": '\n  <row r="17">\n    <c r="A17" t="s">\n      <v>0</v>\n    </c>\n'
              '    <c r="B17">\n <f>1+1</f>\n <v>2</v>\n </c>\n  </row>\n',
    "inline strings": '<row r="20"><c r="A20" t="inlineStr"><is><t>hi &amp; &#233;</t></is></c>'
                      '<c r="B20" s="0" t="inlineStr"><is><t xml:space="preserve"> x </t></is></c>'
                      '<c r="C20" t="inlineStr"><is><t/></is></c><c r="D20" t="inlineStr"><is/>'
                      '</c><c r="E20" t="inlineStr"><is></is></c><c r="F20" t="s"><is><t>x</t>'
                      '</is></c><c r="G20"><is><t>y</t></is></c><c r="H20" t="inlineStr"><f>1'
                      '</f><is><t>z</t></is></c><c r="I20" t="inlineStr"><is>\n<t>a\r\nb</t>'
                      '\n</is></c></row>',
    "out of order": '<row r="19"><c r="C19"><v>3</v></c><c r="A19"><v>1</v></c></row>'
                    '<row r="18"><c r="B18"><v>2</v></c></row>',
}


@pytest.mark.parametrize("name", list(USUAL))
def test_usual_sheets_are_read_in_bulk_as_openpyxl_reads_them(name, tmp_path):
    path = _with_sheet_data(USUAL[name], tmp_path, root=ROOT_TAG + X14AC)
    assert _same(path) == {"S": "CellsSheet", "Other": "CellsSheet"}


def test_merged_cells_keep_only_their_first_value(tmp_path):
    cells = ('<row r="1"><c r="A1"><v>1</v></c><c r="B1"><v>2</v></c><c r="C1"><f>1</f></c>'
             '</row><row r="2"><c r="A2"><v>3</v></c></row>')
    after = '<mergeCells count="2"><mergeCell ref="A1:C1"/><mergeCell ref="A3:B4"/></mergeCells>'
    path = _with_sheet_data(cells, tmp_path, after=after)
    assert _same(path)["S"] == "CellsSheet"
    assert sources.open_openpyxl(path).sheets["S"].value(1, 2) is None


ODD = {
    "rich inline string": '<row r="1"><c r="A1" t="inlineStr"><is><r><t>hi</t></r></is></c>'
                          '</row>',
    "inline string and value": '<row r="1"><c r="A1" t="inlineStr"><v>1</v><is><t>hi</t></is>'
                               '</c></row>',
    "no reference": '<row r="1"><c t="s"><v>0</v></c><c><v>2</v></c></row>',
    "lower-case reference": '<row r="1"><c r="a1"><v>1</v></c></row>',
    "single quotes": "<row r='1'><c r='A1'><v>1</v></c></row>",
    "reference not first": '<row r="1"><c s="0" r="A1"><v>1</v></c></row>',
    "comment": '<row r="1"><!-- a note --><c r="A1"><v>1</v></c></row>',
    "cdata": '<row r="1"><c r="A1" t="str"><v><![CDATA[<b>]]></v></c></row>',
    "same cell twice": '<row r="1"><c r="A1"><v>1</v></c><c r="A1"><v>2</v></c></row>',
    "value before formula": '<row r="1"><c r="A1"><v>1</v><f>2</f></c></row>',
    "namespace": '<row r="1"><c r="A1" xmlns:q="urn:q" q:x="1"><v>1</v></c></row>',
    "cell outside a row": '<c r="A1"><v>1</v></c>',
    "prefixed attribute": '<row r="1"><c r="A1" x14ac:foo="1"><v>1</v></c></row>',
    "extension in a cell": '<row r="1"><c r="A1"><v>1</v><extLst/></c></row>',
}


@pytest.mark.parametrize("name", list(ODD))
def test_other_sheets_are_left_to_openpyxl(name, tmp_path):
    path = _with_sheet_data(ODD[name], tmp_path, root=ROOT_TAG + X14AC)
    assert _same(path) == {"S": "OpenpyxlSheet", "Other": "CellsSheet"}


def test_cells_in_another_namespace_are_left_to_openpyxl(tmp_path):
    """Rows under an element that makes another namespace the default are not openpyxl's
    rows: it reads no cell there, and neither does the bulk reader."""
    source = _with_sheet_data('<row r="1"><c r="A1"><v>1</v></c></row>', tmp_path)
    data = zipfile.ZipFile(source).read("xl/worksheets/sheet1.xml").decode()
    data = data.replace("<sheetData>", '<x xmlns="urn:other"><sheetData>').replace(
        "</sheetData>", "</sheetData></x>")
    path = tmp_path / "other.xlsx"
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(path, "w") as out:
        for info in old.infolist():
            out.writestr(info, data if info.filename == "xl/worksheets/sheet1.xml" else
                         old.read(info))
    assert _same(path)["S"] == "OpenpyxlSheet"
    assert sources.open_openpyxl(path).sheets["S"].value(1, 1) is None


def test_a_sheet_with_hyperlinks_is_left_to_openpyxl(tmp_path):
    cells = '<row r="1"><c r="A1"><v>1</v></c></row>'
    after = ('<hyperlinks><hyperlink ref="B1" location="Other!A1" display="go"/>'
             '<hyperlink ref="A1" location="S!B2"/></hyperlinks>')
    path = _with_sheet_data(cells, tmp_path, after=after)
    assert _same(path)["S"] == "OpenpyxlSheet"


REFUSED = {
    "style out of range": '<row r="1"><c r="A1" s="999"><v>1</v></c></row>',
    "empty style": '<row r="1"><c r="A1" t="n" s=""><v>1</v></c></row>',
    "string out of range": '<row r="1"><c r="A1" t="s"><v>999</v></c></row>',
    "not a number": '<row r="1"><c r="A1"><v>abc</v></c></row>',
    "not a boolean": '<row r="1"><c r="A1" t="b"><v>x</v></c></row>',
    "row not a number": '<row r="x"><c r="A1"><v>1</v></c></row>',
    "row height not a number": '<row r="1" ht="tall"><c r="A1"><v>1</v></c></row>',
    "not a date": '<row r="1"><c r="A1" t="d"><v>soon</v></c></row>',
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_what_openpyxl_refuses_is_refused_with_its_words(name, tmp_path):
    path = _with_sheet_data(REFUSED[name], tmp_path)
    full, _, _ = _read(path, "openpyxl")
    assert full[0] == "unreadable"
    _same(path)


STRINGS = {
    "plain": "<si><t>one</t></si><si><t>two &amp; &lt;three&gt;</t></si>",
    "kept spaces": '<si><t xml:space="preserve">  one </t></si><si><t>two</t></si>',
    "empty": "<si><t/></si><si><t></t></si>",
    "escaped": "<si><t>a_x005F_x000D_b</t></si><si><t>x&#13;\r\ny&#x1F600;</t></si>",
    "spaced": "\n  <si>\n <t>one</t>\n </si>\n  <si><t>two</t></si>\n",
    "rich text": "<si><r><t>one</t></r><r><rPr><b/></rPr><t>two</t></r></si><si><t>x</t></si>",
    "phonetic": "<si><t>one</t><rPh sb=\"0\" eb=\"1\"><t>o</t></rPh></si><si><t>x</t></si>",
    "two texts": "<si><t>one</t><t>two</t></si><si><t>x</t></si>",
    "attribute": '<si foo="1"><t>one</t></si><si><t>x</t></si>',
    "comment": "<si><t>one</t></si><!-- c --><si><t>x</t></si>",
}


@pytest.mark.parametrize("name", list(STRINGS))
def test_shared_strings_are_read_as_openpyxl_reads_them(name, tmp_path):
    """Plain shared strings are read in bulk; rich text, phonetic guides and anything else go
    to openpyxl: the same strings either way (or the same refusal)."""
    cells = '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
    path = _with_sheet_data(cells, tmp_path, strings=STRINGS[name])
    _same(path)
    part = zipfile.ZipFile(path).read("xl/sharedStrings.xml")
    in_bulk = name in ("plain", "kept spaces", "empty", "escaped", "spaced")
    assert (sheetdata.shared_strings(part) is not None) == in_bulk


CELLS = st.sampled_from([
    '<c r="{ref}"><v>{n}</v></c>', '<c r="{ref}" t="s"><v>{s}</v></c>',
    '<c r="{ref}" s="1"><v>{n}</v></c>', '<c r="{ref}" s="2"><v>0.{n}</v></c>',
    '<c r="{ref}" t="b"><v>{b}</v></c>', '<c r="{ref}" t="str"><v>a&amp;{n}</v></c>',
    '<c r="{ref}" t="e"><v>#DIV/0!</v></c>', '<c r="{ref}"><f>A1+{n}</f><v>1</v></c>',
    '<c r="{ref}" t="str"><f>"x"&amp;"{n}"</f><v>x</v></c>', '<c r="{ref}" s="1"/>',
    '<c r="{ref}" t="inlineStr"><is><t>t{n}</t></is></c>', '<c r="{ref}"><v>{n}E2</v></c>',
    '<c r="{ref}" t="s" s="0"><v>{s}</v></c>', '<c r="{ref}"><f t="array" ref="{ref}">1</f></c>',
    '<c r="{ref}"><v> {n} </v></c>', '<c r="{ref}" t="str"><v>\r\n{n}</v></c>',
])


@st.composite
def sheet_data(draw: st.DrawFn) -> str:
    """Rows of cells of every kind, most in order, some not; now and then two at one place."""
    rows = []
    for row in sorted(draw(st.sets(st.integers(1, 30), max_size=8))):
        columns = draw(st.lists(st.integers(0, 6), max_size=6))
        cells = "".join(draw(CELLS).format(ref=f"{'ABCDEFG'[c]}{row}", n=draw(st.integers(
            0, 99)), s=draw(st.integers(0, 1)), b=draw(st.integers(0, 1))) for c in columns)
        rows.append(f'<row r="{row}">{cells}</row>')
    return "".join(rows)


@settings(max_examples=150, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture])
@given(sheet_data())
def test_any_mix_of_cells_reads_as_openpyxl_reads_it(tmp_path, cells):
    _same(_with_sheet_data(cells, tmp_path))


@pytest.mark.parametrize("example", ["boutique", "andina", "northwind"])
def test_generated_workbooks_read_in_bulk_give_the_same_plan(example_plans, tmp_path,
                                                             monkeypatch, example):
    """A generated workbook: every sheet read in bulk, and reading gives what reading it all
    with openpyxl gives (the plan, and each value's cell)."""
    path = tmp_path / "plan.xlsx"
    path.write_bytes(render_bytes(example_plans[example]))
    assert set(_same(path).values()) == {"CellsSheet"}
    bulk = read_workbook(path)

    def load_all(path: Path) -> sources.BookSource:
        wb = openpyxl.load_workbook(path, data_only=False, keep_vba=False, keep_links=False)
        props = {p.name: str(p.value) for p in wb.custom_doc_props.props}
        return sources.BookSource(list(wb.sheetnames), {ws.title: sources.OpenpyxlSheet(ws)
                                                        for ws in wb.worksheets},
                                  props.get("xlplan.language"), wb,
                                  sources._template_number(props.get("xlplan.template")))

    monkeypatch.setattr("xlplan.reader.workbook.open_openpyxl", load_all)
    whole = read_workbook(path)
    assert (bulk.data, bulk.cells, bulk.problems, bulk.plan) == (
        whole.data, whole.cells, whole.problems, whole.plan)
    assert bulk.plan == example_plans[example]
    assert failure_reason(ValueError("x")) == "ValueError: x"
