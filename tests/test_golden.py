"""Golden snapshots of the generated workbooks: cells, formulas, names, tables, validations.

A change to the layout shows up as a readable JSON diff. To accept an intended change:
``XLPLAN_UPDATE_GOLDEN=1 pytest tests/test_golden.py`` and review the diff before committing.
"""

from __future__ import annotations

import io
import json
import os
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from xlplan.workbook import render_bytes

GOLDEN = Path(__file__).parent / "golden"


def snapshot(data: bytes) -> dict[str, Any]:
    """A normalised, diff-friendly view of a workbook."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    sheets: dict[str, Any] = {}
    for ws in wb.worksheets:
        cells = {}
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                if value is None:
                    continue
                if isinstance(value, datetime | date):
                    value = value.isoformat()
                cells[cell.coordinate] = [cell.data_type, value, cell.number_format,
                                          bool(cell.protection.locked)]
        sheets[ws.title] = {
            "cells": cells,
            "tables": dict(sorted(ws.tables.items())),
            "validations": sorted(
                [str(dv.sqref), dv.type, dv.operator, dv.formula1, dv.formula2]
                for dv in ws.data_validations.dataValidation),
            "conditional_formats": sorted(
                [str(cf.sqref), rule.type, rule.operator, list(rule.formula)]
                for cf in ws.conditional_formatting for rule in cf.rules),
            "protected": bool(ws.protection.sheet),
            "charts": len(ws._charts),
        }
    names = {name: dn.attr_text for name, dn in sorted(wb.defined_names.items())}
    return {"sheets": sheets, "names": names}


@pytest.mark.parametrize("stem", ["boutique", "andina", "northwind"])
def test_workbook_matches_golden_snapshot(example_plans, stem):
    """The example's workbook equals its reviewed snapshot, cell by cell."""
    actual = snapshot(render_bytes(example_plans[stem]))
    path = GOLDEN / f"{stem}.json"
    if os.environ.get("XLPLAN_UPDATE_GOLDEN") == "1":
        path.write_text(json.dumps(actual, indent=1, ensure_ascii=False, sort_keys=True) + "\n",
                        "utf-8")
    assert path.exists(), f"no golden snapshot {path.name}: run with XLPLAN_UPDATE_GOLDEN=1"
    expected = json.loads(path.read_text("utf-8"))
    assert json.loads(json.dumps(actual)) == expected
