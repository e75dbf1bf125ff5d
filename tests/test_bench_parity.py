"""The benchmark is honest: its XlsxWriter peer writes everything xlplan's one-off renderer
writes (bench/peer.py), and its batch floor writes a whole package (bench/floor.py).

The peer's workbook and xlplan's are compared part by part: the same parts, the same cells
per sheet, the same styles, conditional formats, validations, tables, page setup, names and
charts, and finally the same bytes. A peer with one kind of call left out must fail the
comparison (the comparison is not blind).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from bench.floor import changed_parts, floor_writer, parts_of
from bench.peer import Recording, compile_peer, record
from xlplan import load_plan
from xlplan.batch.fill import fill_bytes
from xlplan.model import Plan
from xlplan.workbook import render_bytes

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))

_SHEET_ELEMENTS = ("sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "mergeCells",
                   "sheetProtection", "dataValidations", "printOptions", "pageMargins",
                   "pageSetup", "headerFooter", "drawing", "tableParts")


def _all(tag: str, xml: bytes) -> list[bytes]:
    """Every element ``tag`` of a part, as written (empty elements included)."""
    return re.findall(rb"<" + tag.encode() + rb"(?:\s[^>]*)?(?:/>|>.*?</" + tag.encode()
                      + rb">)", xml, re.S)


def _count(tag: str, xml: bytes) -> str | None:
    match = re.search(rb"<" + tag.encode() + rb'\b[^>]*\bcount="(\d+)"', xml)
    return match.group(1).decode() if match else None


def summary(data: bytes) -> dict[str, Any]:
    """What the comparison looks at, one key per thing (a failure names it)."""
    parts = parts_of(data)
    out: dict[str, Any] = {"parts": list(parts)}
    for name, xml in parts.items():
        if name.startswith("xl/worksheets/sheet"):
            out[f"{name} cells"] = len(_all("c", xml))
            out[f"{name} formulas"] = len(re.findall(rb"<f[\s>/]", xml))
            out[f"{name} styled cells"] = sorted(re.findall(rb'<c r="([A-Z]+\d+)" s="(\d+)"',
                                                            xml))
            out[f"{name} rows"] = re.findall(rb"<row [^>]*>", xml)
            out[f"{name} conditional formats"] = _all("conditionalFormatting", xml)
            for tag in _SHEET_ELEMENTS:
                out[f"{name} {tag}"] = _all(tag, xml)
        elif name == "xl/styles.xml":
            for tag in ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs",
                        "cellStyles", "dxfs"):
                out[f"styles {tag} count"] = _count(tag, xml)
            out["styles cellXfs"] = _all("cellXfs", xml)
            out["styles dxfs"] = _all("dxfs", xml)
        elif name.startswith(("xl/charts/", "xl/drawings/", "xl/tables/")):
            out[name] = xml
        elif name == "xl/workbook.xml":
            out["defined names"] = _all("definedName", xml)
        elif name == "xl/sharedStrings.xml":
            out["shared strings"] = _count("sst", xml), _all("si", xml)
    out["charts"] = len([n for n in parts if n.startswith("xl/charts/chart")])
    return out


def differences(ours: bytes, theirs: bytes) -> list[str]:
    a, b = summary(ours), summary(theirs)
    return [key for key in sorted(a.keys() | b.keys()) if a.get(key) != b.get(key)]


@cache
def _plan(path: Path) -> Plan:
    return load_plan(path)


@cache
def _recording(path: Path) -> Recording:
    plan = _plan(path)
    return record(lambda: render_bytes(plan))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_peer_writes_what_xlplan_writes(path: Path) -> None:
    xlplan = render_bytes(_plan(path))  # rendered as always, nothing recorded
    assert _recording(path).xlplan_bytes == xlplan  # recording changes nothing it writes
    peer = compile_peer(_recording(path))()
    assert differences(peer, xlplan) == []
    ours, theirs = parts_of(peer), parts_of(xlplan)
    assert [n for n in theirs if ours.get(n) != theirs[n]] == []  # byte for byte


def test_peer_with_xlsxwriters_own_worksheet_writes_the_same_structure() -> None:
    """``plain``: XlsxWriter's own Worksheet (its number text, its formula preparation)."""
    path = ROOT / "examples" / "boutique.yaml"
    peer = compile_peer(_recording(path), plain=True)()
    assert differences(peer, render_bytes(_plan(path))) == []


def test_the_peer_writes_every_kind_of_content() -> None:
    kinds = _recording(ROOT / "examples" / "boutique.yaml").kinds()
    assert {"write_formula", "write_string", "write_number", "write_blank", "add_format",
            "conditional_format", "data_validation", "add_table", "define_name", "add_chart",
            "add_series", "insert_chart", "set_paper", "set_header", "set_footer",
            "set_margins", "fit_to_pages", "set_column", "protect"} <= kinds


@pytest.mark.parametrize("left_out", [
    "write_blank", "write_formula", "write_number", "conditional_format", "data_validation",
    "add_table", "define_name", "insert_chart", "set_paper", "set_header", "set_margins",
    "fit_to_pages", "hide_gridlines", "set_column", "set_row", "protect", "set_title",
    "set_custom_property"])
def test_a_peer_leaving_something_out_is_caught(left_out: str) -> None:
    path = ROOT / "examples" / "boutique.yaml"
    peer = compile_peer(_recording(path), drop={left_out})()
    assert differences(peer, render_bytes(_plan(path))) != []


def _client(plan: Plan, i: int) -> Plan:
    client = plan.client.model_copy(update={
        "name": f"Client {i:05d}", "sector": f"Sector {i}", "consultant": f"Consultant {i}"})
    return plan.model_copy(update={"client": client})


def test_the_batch_floor_writes_the_whole_package() -> None:
    plan = _plan(ROOT / "examples" / "boutique.yaml")
    first, second = fill_bytes(_client(plan, 1)), fill_bytes(_client(plan, 2))
    changed = changed_parts(first, second)
    assert 0 < len(changed) < len(parts_of(first))
    assert "xl/sharedStrings.xml" in changed  # the client's name is a shared string
    written = floor_writer(second, changed)()
    assert parts_of(written) == parts_of(second)
    assert list(parts_of(written)) == list(parts_of(second))
