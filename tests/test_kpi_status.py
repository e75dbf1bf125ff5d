"""The KPI status rule: from the relative gap g = (actual - target) / |target|, negated when
lower is better; on target when g >= 0, amber when g >= -(1 - AmberThreshold), else red; with
a zero target, on target when actual >= 0 (higher) or <= 0 (lower), else red. LibreOffice's
values are compared with the rule computed here in exact rational arithmetic."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import openpyxl
import pytest

from xlplan import validate_plan
from xlplan.engine.libreoffice import recalculate
from xlplan.engine.oracle import compare
from xlplan.workbook import build_workbook, render_bytes
from xlplan.workbook.templates import translations

KPIS: list[dict[str, Any]] = [
    {"name": "zero target, higher, above", "target": 0, "actual": 3},
    {"name": "zero target, higher, below", "target": 0, "actual": -1},
    {"name": "zero target, lower, zero", "target": 0, "actual": 0, "direction": "lower"},
    {"name": "zero target, lower, above", "target": 0, "actual": 2, "direction": "lower"},
    {"name": "zero actual, lower", "target": 20, "actual": 0, "direction": "lower"},
    {"name": "zero actual, higher", "target": 20, "actual": 0},
    {"name": "negative, higher, worse", "target": -10, "actual": -12},
    {"name": "negative, higher, better", "target": -10, "actual": -9.5},
    {"name": "negative, lower, better", "target": -10, "actual": -10.5, "direction": "lower"},
    {"name": "negative, lower, a little worse", "target": -10, "actual": -9.5,
     "direction": "lower"},
    {"name": "at the amber line", "target": 100, "actual": 90},
    {"name": "amber", "target": 250, "actual": 240},
    {"name": "red", "target": 100, "actual": 80.5},
    {"name": "lower, amber", "target": 100, "actual": 105, "direction": "lower"},
    {"name": "lower, red", "target": 100, "actual": 130, "direction": "lower"},
    {"name": "lower, on target", "target": 0.05, "actual": 0.02, "direction": "lower"},
    {"name": "no actual", "target": 100},
]


def expected_status(kpi: dict[str, Any], amber: str) -> str | None:
    if kpi.get("actual") is None:
        return None
    target, actual = Fraction(str(kpi["target"])), Fraction(str(kpi["actual"]))
    lower = kpi.get("direction") == "lower"
    if target == 0:
        return "green" if (actual <= 0 if lower else actual >= 0) else "red"
    g = (actual - target) / abs(target) * (-1 if lower else 1)
    if g >= 0:
        return "green"
    return "amber" if g >= -(1 - Fraction(amber)) else "red"


@pytest.fixture(scope="module")
def recalculated(soffice, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("kpis")
    (tmp / "in").mkdir()
    plans = {}
    for language, amber in (("fr", "0.9"), ("es", "0.95"), ("en", "0.8")):
        data = {"client": {"name": "KPIs", "language": language},
                "plan": {"year": 2027, "as_of": "2027-03-31", "amber_threshold": float(amber)},
                "kpis": KPIS}
        plans[language] = (validate_plan(data), amber)
        (tmp / "in" / f"{language}.xlsx").write_bytes(render_bytes(plans[language][0]))
    outputs = recalculate(sorted((tmp / "in").glob("*.xlsx")), tmp / "out")
    return {p.stem: (*plans[p.stem], p) for p in outputs}


@pytest.mark.libreoffice
@pytest.mark.parametrize("language", ["fr", "es", "en"])
def test_kpi_status_follows_the_rule(recalculated, language):
    """Each KPI's status, after LibreOffice recalculates, is the rule's, in exact arithmetic
    (zero, negative and lower-is-better values, at the amber line)."""
    plan, amber, path = recalculated[language]
    book = build_workbook(plan)
    assert not compare(path, book.expected)
    words = translations(language)
    kpis = book.layout.blocks["kpis"]
    ws = openpyxl.load_workbook(path, data_only=True)[kpis.sheet_title]
    shown = {words.choice("kpi_status", k): k for k in ("green", "amber", "red")}
    got = [shown.get(ws.cell(kpis.first_row + i, kpis.column_of("status")).value)
           for i in range(len(KPIS))]
    want = [expected_status(k, amber) for k in KPIS]
    assert got == want
    assert {"green", "amber", "red"} <= set(want)
