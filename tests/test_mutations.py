"""Tests written against a mutation audit: each one fails when a specific piece of logic is
changed (a boundary flipped, a rule inverted, a check or an ordering removed), where before
only golden snapshots, or nothing, noticed.

Everything in a workbook is found by what it is (defined names, table names, header labels,
formula content), never by a cell coordinate: the layout is allowed to change.
"""

from __future__ import annotations

import io
import re
import struct
from datetime import date
from pathlib import Path
from typing import Any

import olefile
import openpyxl
import pytest

from xlplan import Plan, compute, validate_plan
from xlplan.addin.cfb import compound_file
from xlplan.engine.libreoffice import recalculate
from xlplan.engine.oracle import compare, defined_name_values, same
from xlplan.model import Language
from xlplan.next_year import next_year_plan
from xlplan.reader.check import check_workbook
from xlplan.workbook import build_workbook, render_bytes
from xlplan.workbook.templates import translations

# --------------------------------------------------------------------------------------------
# 1. Boundaries the LibreOffice oracle must see: late actions, a zero cash balance, KPIs at 0
#    and below 0.
# --------------------------------------------------------------------------------------------

AS_OF = date(2027, 6, 15)
ON_THE_DAY, DAY_BEFORE, DONE_PAST_DUE = "Due on the as-of date", "Due the day before", "Done late"
LATE_BY_ACTION = {ON_THE_DAY: False, DAY_BEFORE: True, DONE_PAST_DUE: False,
                  "Due the day after": False, "No due date": False, "Blocked long ago": True}


def boundary_plan() -> Plan:
    return validate_plan({
        "client": {"name": "Boundary Co", "language": "en"},
        "plan": {"year": 2027, "as_of": AS_OF.isoformat(), "opening_cash": 1000.0},
        "kpis": [
            {"name": "Zero target, higher", "target": 0.0, "actual": 5.0},
            {"name": "Zero target, lower", "target": 0.0, "actual": 5.0, "direction": "lower"},
            {"name": "Zero actual, higher", "target": 10.0, "actual": 0.0},
            {"name": "Zero actual, lower", "target": 10.0, "actual": 0.0,
             "direction": "lower"},
            {"name": "Both zero, higher", "target": 0.0, "actual": 0.0},
            {"name": "Both zero, lower", "target": 0.0, "actual": 0.0, "direction": "lower"},
            {"name": "Negative, higher", "target": -10.0, "actual": -5.0},
            {"name": "Negative, lower", "target": -10.0, "actual": -20.0,
             "direction": "lower"},
            {"name": "Negative actual, higher", "target": 8.0, "actual": -2.0},
            {"name": "Negative actual, lower", "target": 8.0, "actual": -2.0,
             "direction": "lower"},
            {"name": "Negative target, higher", "target": -4.0, "actual": 4.0},
            {"name": "Negative target, lower", "target": -4.0, "actual": 4.0,
             "direction": "lower"},
            {"name": "Negative, no actual", "target": -3.0, "direction": "lower"},
            {"name": "Negative on target, higher", "target": -5.0, "actual": -5.0},
            {"name": "Negative on target, lower", "target": -5.0, "actual": -5.0,
             "direction": "lower"},
        ],
        # 1000 at the start, +500 in February, -1500 in March: the balance is exactly 0 from
        # March on (and 250 - 250 again in May), never below.
        "funding": {
            "uses": [{"label": "Machine", "month": 3, "amount": 1500.0},
                     {"label": "Rent", "month": 5, "amount": 250.0}],
            "sources": [{"label": "Loan", "month": 2, "amount": 500.0},
                        {"label": "Grant", "month": 5, "amount": 250.0}],
        },
        "actions": [
            {"what": ON_THE_DAY, "who": "Ann", "start": "2027-06-01", "due": "2027-06-15",
             "status": "todo"},
            {"what": DAY_BEFORE, "who": "Bob", "start": "2027-06-01", "due": "2027-06-14",
             "status": "in_progress"},
            {"what": DONE_PAST_DUE, "who": "Cy", "start": "2027-01-01", "due": "2027-01-31",
             "status": "done"},
            {"what": "Due the day after", "who": "Di", "due": "2027-06-16", "status": "todo"},
            {"what": "No due date", "who": "Ed", "status": "blocked"},
            {"what": "Blocked long ago", "who": "Flo", "due": "2027-02-01",
             "status": "blocked"},
        ],
    }, "boundaries")


def _table_column(ws: Any, table: str, label: str) -> tuple[int, int, int]:
    """(first body row, last row, column) of a table's column, found by its header label."""
    first, last = ws.tables[table].ref.split(":")
    header = int(re.sub(r"\D", "", first))
    end = int(re.sub(r"\D", "", last))
    for cell in ws[header]:
        if cell.value == label:
            return header + 1, end, cell.column
    raise KeyError(f"{table} has no column {label!r}")


@pytest.fixture(scope="module")
def boundaries(soffice: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The boundary plan generated once and recalculated in one LibreOffice run."""
    tmp = tmp_path_factory.mktemp("boundaries")
    plan = boundary_plan()
    source = tmp / "generated" / "boundaries.xlsx"
    source.parent.mkdir()
    source.write_bytes(render_bytes(plan))
    [recalculated] = recalculate([source], tmp / "recalculated")
    book = build_workbook(plan)
    return {"plan": plan, "book": book, "source": source, "path": recalculated,
            "engine": defined_name_values(recalculated, book.names),
            "python": compute(plan).defined_names()}


@pytest.mark.libreoffice
def test_boundary_plan_recalculates_to_python_values(boundaries):
    """LibreOffice gives Python's value in every formula cell and name of the boundary plan."""
    problems = compare(boundaries["path"], boundaries["book"].expected)
    assert not problems, "\n".join(problems[:30])
    engine, python = boundaries["engine"], boundaries["python"]
    for name in python:
        assert name in engine, f"defined name {name} missing"
        assert same(python[name], engine[name]), (
            f"{name}: python {python[name]!r} != engine {engine[name]!r}")


@pytest.mark.libreoffice
def test_late_actions_boundary_in_python_and_in_the_workbook(boundaries):
    """An open action due exactly on the as-of date is not late; the day before it is."""
    expected = sum(LATE_BY_ACTION.values())
    assert boundaries["python"]["LateActions"] == expected
    assert boundaries["engine"]["LateActions"] == expected
    words = translations(Language.EN)
    yes, no = words.choice("yesno", "yes"), words.choice("yesno", "no")
    sheet = words.sheet("actions")
    generated = openpyxl.load_workbook(boundaries["source"])[sheet]
    first, last, what = _table_column(generated, "Actions", words.label("actions.what"))
    _, _, late = _table_column(generated, "Actions", words.label("actions.late"))
    values = openpyxl.load_workbook(boundaries["path"], data_only=True)[sheet]
    shown = {values.cell(row, what).value: values.cell(row, late).value
             for row in range(first, last + 1) if values.cell(row, what).value}
    assert shown == {action: yes if is_late else no for action, is_late in LATE_BY_ACTION.items()}


@pytest.mark.libreoffice
def test_cash_balance_of_exactly_zero_is_fundable(boundaries):
    """A month ending at exactly 0 cash is not negative: FundingOK true, no negative month."""
    results = compute(boundaries["plan"]).funding
    assert results.cumulative[2] == 0.0 and results.cumulative[4] == 0.0
    for side in ("python", "engine"):
        values = boundaries[side]
        assert values["MinCumulativeBalance"] == 0, side
        assert values["FundingOK"] is True, side
        assert values["FirstNegativeMonth"] in (None, ""), side


@pytest.mark.libreoffice
def test_zero_and_negative_kpis_count_the_same_greens(boundaries):
    """KPIs at a zero or negative target/actual, either direction: the status rule of the
    relative gap (a zero target by the actual's sign), and the same greens both sides."""
    plan = boundaries["plan"]
    status = {k.name: r.status for k, r in zip(plan.kpis, compute(plan).kpis, strict=True)}
    green = {"Zero target, higher", "Zero actual, lower", "Both zero, higher",
             "Both zero, lower", "Negative, higher", "Negative, lower", "Negative actual, lower",
             "Negative target, higher", "Negative on target, higher",
             "Negative on target, lower"}
    red = {"Zero target, lower", "Zero actual, higher", "Negative actual, higher",
           "Negative target, lower"}
    assert {n for n, s in status.items() if s == "green"} == green
    assert {n for n, s in status.items() if s == "red"} == red
    assert status["Negative, no actual"] is None
    assert boundaries["python"]["KpisOnTarget"] == len(green)
    assert boundaries["engine"]["KpisOnTarget"] == len(green)


# --------------------------------------------------------------------------------------------
# 2. Next year's plan: which objectives carry over.
# --------------------------------------------------------------------------------------------

def test_next_year_keeps_objectives_not_yet_due_and_drops_past_ones():
    """Objectives due before Jan 1 of next year are dropped; on/after it or undated carry."""
    last = validate_plan({
        "client": {"name": "Carry Co"},
        "plan": {"year": 2027, "as_of": "2027-12-15"},
        "objectives": [
            {"title": "Due mid-year", "deadline": "2027-06-30"},
            {"title": "Due Dec 31", "deadline": "2027-12-31"},
            {"title": "Due Jan 1", "deadline": "2028-01-01"},
            {"title": "No deadline"},
            {"title": "Due later", "deadline": "2028-09-30"},
        ],
    })
    following = next_year_plan(last)
    assert following.plan.year == 2028
    assert [o.title for o in following.objectives] == ["Due Jan 1", "No deadline", "Due later"]


# --------------------------------------------------------------------------------------------
# 3. `xlplan check`: a computed field or grid cell typed over is reported at its cell.
# --------------------------------------------------------------------------------------------

_GRID_FIRST_BALANCE = re.compile(r"^=OpeningCash\+\$?[A-Z]{1,3}\$?\d+$", re.IGNORECASE)


def _name_cell(wb: Any, name: str) -> tuple[str, int, int]:
    sheet, ref = next(iter(wb.defined_names[name].destinations))
    cell = wb[sheet.replace("''", "'")][ref.replace("$", "")]
    return cell.parent.title, cell.row, cell.column


def _grid_cell(wb: Any, sheet: str) -> tuple[str, int, int]:
    """The funding grid's first month of cumulative balance: ``=OpeningCash+<net cell>``."""
    found = [cell for row in wb[sheet].iter_rows() for cell in row
             if isinstance(cell.value, str) and _GRID_FIRST_BALANCE.match(cell.value)]
    assert len(found) == 1, [c.coordinate for c in found]
    return sheet, found[0].row, found[0].column


def _formula_problems(path: Path) -> set[tuple[str, int, int]]:
    return {(p.sheet, p.row, p.column) for p in check_workbook(path).problems
            if p.kind == "formula"}


@pytest.fixture(scope="module")
def typed_over(example_plans, tmp_path_factory) -> dict[str, Any]:
    """The boutique workbook, untouched, and with a field and a grid formula typed over."""
    plan = example_plans["boutique"]
    tmp = tmp_path_factory.mktemp("typed_over")
    clean = tmp / "clean.xlsx"
    clean.write_bytes(render_bytes(plan))
    wb = openpyxl.load_workbook(clean)
    field = _name_cell(wb, "CustomerCapital")
    grid = _grid_cell(wb, translations(plan.language).sheet("funding"))
    for sheet, row, column in (field, grid):
        assert str(wb[sheet].cell(row, column).value).startswith("=")
        wb[sheet].cell(row, column).value = 12345
    edited = tmp / "edited.xlsx"
    wb.save(edited)
    return {"clean": _formula_problems(clean), "edited": _formula_problems(edited),
            "field": field, "grid": grid}


def test_check_untouched_workbook_reports_no_formula_problem(typed_over):
    """A generated workbook, saved by openpyxl but not edited, has no typed-over formula."""
    assert typed_over["clean"] == set()


def test_check_reports_a_typed_over_field_formula_at_its_cell(typed_over):
    """A computed field (CustomerCapital) replaced by a number: a formula problem there."""
    assert typed_over["field"] in typed_over["edited"]


def test_check_reports_a_typed_over_grid_formula_at_its_cell(typed_over):
    """A funding-grid formula replaced by a number: a formula problem at that cell."""
    assert typed_over["grid"] in typed_over["edited"]
    assert typed_over["edited"] == {typed_over["field"], typed_over["grid"]}


# --------------------------------------------------------------------------------------------
# 4. The compound file: each storage's children in a red-black tree ordered as MS-CFB says.
# --------------------------------------------------------------------------------------------

_NOSTREAM = 0xFFFFFFFF
_RED, _BLACK = 0, 1
_STORAGE, _STREAM, _ROOT = 1, 2, 5
# Inserted in an order that is neither (length, upper-case name), nor plain, nor lower-case
# order: "a"/"B" and "BA"/"b_" sort differently by case; "zeta"/"B" by length.
STREAMS = {
    "zeta": b"z" * 10,
    "B": b"B" * 70,
    "a": b"a" * 3,
    "PROJECT": bytes(range(256)) * 20,  # over 4096 bytes: a regular stream, not a mini one
    "PROJECTwm": b"wm",
    "VBA/dir": b"dir",
    "VBA/_VBA_PROJECT": b"\xcc\x61" * 4,
    "VBA/ThisWorkbook": b"Attribute VB_Name",
    "VBA/Module1": b"Sub x()",
    "VBA/b_": b"b_",
    "VBA/BA": b"BA",
    "VBA/Sheet1": b"",
    "Deep/Inner/x": b"x",
    "Deep/y": b"y" * 5000,
    "Deep/Inner/Long_Name_Of_31_Characters_Max": b"l",
}


def _directory(data: bytes) -> list[dict[str, Any]]:
    """The directory entries of a compound file, decoded from its header, FAT and sectors."""
    assert data[:8] == bytes.fromhex("D0CF11E0A1B11AE1")
    sector_size = 1 << struct.unpack_from("<H", data, 30)[0]
    fat_count, dir_start = struct.unpack_from("<I", data, 44)[0], struct.unpack_from(
        "<I", data, 48)[0]
    difat = struct.unpack_from("<109I", data, 76)[:fat_count]

    def sector(number: int) -> bytes:
        at = (number + 1) * sector_size
        return data[at:at + sector_size]

    fat = [n for s in difat for n in struct.unpack(f"<{sector_size // 4}I", sector(s))]
    chain, current = [], dir_start
    while current < 0xFFFFFFFA:
        assert current not in chain, "directory chain loops"
        chain.append(current)
        current = fat[current]
    raw = b"".join(sector(s) for s in chain)
    entries = []
    for at in range(0, len(raw), 128):
        name_length, kind, color, left, right, child = struct.unpack_from("<HBBIII", raw, at + 64)
        name = raw[at:at + max(name_length - 2, 0)].decode("utf-16-le")
        entries.append({"name": name, "kind": kind, "color": color, "left": left,
                        "right": right, "child": child, "name_length": name_length})
    return entries


def _check_tree(entries: list[dict[str, Any]], root: int) -> list[int]:
    """In-order entry ids of the red-black tree at ``root``, asserting its red-black rules."""
    assert entries[root]["color"] == _BLACK, "a tree's root must be black"
    ids: list[int] = []

    def walk(node: int, parent_red: bool) -> int:  # the black height below node
        if node == _NOSTREAM:
            return 1
        entry = entries[node]
        assert entry["color"] in (_RED, _BLACK), entry
        red = entry["color"] == _RED
        assert not (red and parent_red), f"red {entry['name']!r} under a red parent"
        left = walk(entry["left"], red)
        ids.append(node)
        right = walk(entry["right"], red)
        assert left == right, f"unequal black heights under {entry['name']!r}"
        return left + (0 if red else 1)

    walk(root, False)
    return ids


def _order(name: str) -> tuple[int, str]:
    return len(name), name.upper()


@pytest.mark.parametrize("streams", [STREAMS, dict(reversed(STREAMS.items()))],
                         ids=["given-order", "reversed-order"])
def test_compound_file_siblings_form_ordered_red_black_trees(streams):
    """Each storage's children: a red-black tree in (length, upper-case name) order."""
    data = compound_file(streams)
    entries = _directory(data)
    assert entries[0]["kind"] == _ROOT and entries[0]["name"] == "Root Entry"
    expected: dict[str, set[str]] = {}
    for path in streams:
        parts = path.split("/")
        for depth in range(len(parts)):
            expected.setdefault("/".join(parts[:depth]), set()).add(parts[depth])
    seen: dict[str, list[str]] = {}

    def visit(index: int, path: str) -> None:
        children = _check_tree(entries, entries[index]["child"])
        names = [entries[child]["name"] for child in children]
        assert names == sorted(names, key=_order), f"{path or 'root'}: {names}"
        seen[path] = names
        for child in children:
            if entries[child]["kind"] == _STORAGE:
                visit(child, f"{path}/{names[children.index(child)]}".lstrip("/"))

    visit(0, "")
    assert {path: set(names) for path, names in seen.items()} == expected
    for entry in entries:
        if entry["kind"] in (_STORAGE, _STREAM, _ROOT):
            assert entry["name_length"] == 2 * (len(entry["name"]) + 1)
    ole = olefile.OleFileIO(io.BytesIO(data), raise_defects=olefile.DEFECT_INCORRECT)
    for path, content in streams.items():
        assert ole.openstream(path).read() == content
