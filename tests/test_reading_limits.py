"""Hostile workbooks are refused before parsing, fast and in small memory; risky content is
reported, not trusted; and a fuzzer over the reader finds no crash other than our errors."""

from __future__ import annotations

import contextlib
import io
import time
import tracemalloc
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.utils.exceptions import IllegalCharacterError

from tests.hostile import hostile_files
from xlplan import load_plan
from xlplan.errors import XlplanError
from xlplan.reader import guard
from xlplan.reader.check import check_workbook
from xlplan.reader.guard import UnreadableWorkbook, inspect_package
from xlplan.workbook import render_bytes

BOUTIQUE = Path(__file__).resolve().parent.parent / "examples" / "boutique.yaml"


@pytest.fixture(scope="module")
def hostile(example_plans, tmp_path_factory):
    return hostile_files(example_plans["boutique"], tmp_path_factory.mktemp("hostile"))


@pytest.mark.parametrize("name", ["zip_bomb", "huge_dimension", "entities",
                                  "entities_after_comment", "not_a_zip", "no_workbook_part",
                                  "damaged_workbook_xml"])
def test_hostile_files_are_refused_fast_and_small(hostile, name):
    """Each is refused with a clear error in well under a second and a few MiB."""
    tracemalloc.start()
    start = time.perf_counter()
    with pytest.raises(UnreadableWorkbook) as info:
        check_workbook(hostile[name])
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert str(hostile[name]) in str(info.value)
    assert elapsed < 2 and peak < 16 * 2**20


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
