"""`xlplan check` on workbooks a consultant edited: each problem at its cell, in its language."""

from __future__ import annotations

import io
import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from tests.conftest import in_language
from xlplan.cli import main
from xlplan.engine.libreoffice import recalculate
from xlplan.model import Language
from xlplan.reader.check import check_workbook
from xlplan.workbook import render_bytes
from xlplan.workbook.templates import translations


def edited(plan, path: Path, edit) -> Path:  # type: ignore[no-untyped-def]
    """Generate a plan's workbook, apply ``edit(workbook, words)`` as a person would, save."""
    wb = openpyxl.load_workbook(io.BytesIO(render_bytes(plan)))
    edit(wb, translations(plan.language))
    wb.save(path)
    return path


def column(ws, table: str, label: str) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """(first body row, column) of a table's column, found by its header."""
    ref = ws.tables[table].ref
    header = int("".join(ch for ch in ref.split(":")[0] if ch.isdigit()))
    for cell in ws[header]:
        if cell.value == label:
            return header + 1, cell.column
    raise KeyError(label)


def edit_actions(wb, words) -> None:  # type: ignore[no-untyped-def]
    ws = wb[words.sheet("actions")]
    row, cost = column(ws, "Actions", words.label("actions.cost"))
    _, status = column(ws, "Actions", words.label("actions.status"))
    _, due = column(ws, "Actions", words.label("actions.due"))
    _, start = column(ws, "Actions", words.label("actions.start"))
    _, priority = column(ws, "Actions", words.label("actions.priority"))
    _, who = column(ws, "Actions", words.label("actions.who"))
    _, days = column(ws, "Actions", words.label("actions.days"))
    ws.cell(row, cost).value = "beaucoup"
    ws.cell(row, status).value = "Peut-être"
    ws.cell(row + 1, due).value = ws.cell(row + 1, start).value.replace(year=2020)
    ws.cell(row + 2, priority).value = "Inexistante"
    ws.cell(row + 3, who).value = None
    ws.cell(row + 4, days).value = 12


def test_every_problem_at_its_cell_in_french(example_plans, tmp_path):
    """Text in an amount, a value off its list, due before start, an unknown priority, an
    action with nobody responsible and a typed-over formula: all reported, each at its cell."""
    book = check_workbook(edited(example_plans["boutique"], tmp_path / "b.xlsx", edit_actions))
    found = {p.cell: (p.kind, p.message) for p in book.problems}
    assert found["Plan d'action!I12"] == ("type", "doit être un nombre (trouvé : 'beaucoup')")
    assert found["Plan d'action!H12"][1].startswith("doit être l'une des valeurs : À faire")
    assert found["Plan d'action!E13"] == (
        "rule", "l'échéance 2020-12-01 précède le début 2026-12-01")
    assert found["Plan d'action!G14"][1].startswith("ne désigne aucune priorité")
    assert found["Plan d'action!B15"] == (
        "method", "action sans responsable (Qui et Responsable sont vides)")
    assert found["Plan d'action!N16"][0] == "formula"
    assert found["Priorités!C20"][0] == "method"  # Attaquer-Gérer has no top priority
    assert book.plan is None


def test_messages_follow_the_workbook_language(example_plans, tmp_path):
    """The same edit on a Spanish workbook gives Spanish messages."""
    plan = in_language(example_plans["boutique"], Language.ES)
    book = check_workbook(edited(plan, tmp_path / "b.xlsx", edit_actions))
    assert "debe ser un número (encontrado: 'beaucoup')" in [p.message for p in book.problems]


def test_funding_and_smart_problems(example_plans, tmp_path):
    """Northwind: its months below zero and its incomplete objective are pointed at."""
    path = tmp_path / "n.xlsx"
    path.write_bytes(render_bytes(example_plans["northwind"]))
    messages = [str(p) for p in check_workbook(path).problems]
    assert "Sources & uses!D19: cumulative cash balance -£10,000.00 is below zero in month 3" in (
        messages)
    assert any(m.startswith("Vision & objectives!C") and "M T why owner" in m for m in messages)


def test_check_cli_exit_codes_and_json(example_plans, tmp_path):
    """0 clean, 1 problems (JSON lists them), 2 unreadable."""
    runner = CliRunner()
    plan = example_plans["boutique"]
    clean = plan.model_copy(update={"objectives": plan.objectives[:2]})
    prios = list(plan.priorities)
    prios[3] = prios[3].model_copy(update={"score": 3})
    clean = clean.model_copy(update={"priorities": prios})
    path = tmp_path / "clean.xlsx"
    path.write_bytes(render_bytes(clean))
    result = runner.invoke(main, ["check", str(path)])
    assert result.exit_code == 0, result.output
    bad = edited(plan, tmp_path / "bad.xlsx", edit_actions)
    result = runner.invoke(main, ["check", str(bad), "--format", "json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["language"] == "fr" and len(report["problems"]) >= 7
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a workbook")
    assert runner.invoke(main, ["check", str(junk)]).exit_code == 2


def test_export_refuses_a_workbook_with_problems(example_plans, tmp_path):
    """An edited workbook with errors is not exported; a clean one is, and round-trips."""
    runner = CliRunner()
    bad = edited(example_plans["boutique"], tmp_path / "bad.xlsx", edit_actions)
    result = runner.invoke(main, ["export", str(bad), "-o", str(tmp_path / "p.yaml")])
    assert result.exit_code == 1 and not (tmp_path / "p.yaml").exists()
    good = tmp_path / "good.xlsx"
    good.write_bytes(render_bytes(example_plans["andina"]))
    assert runner.invoke(main, ["export", str(good), "-o", str(tmp_path / "p.yaml")]).exit_code == 0
    assert runner.invoke(main, ["validate", str(tmp_path / "p.yaml")]).exit_code == 0


def test_input_workbook_is_never_modified(example_plans, tmp_path):
    """check and export leave the consultant's file byte-for-byte as it was."""
    path = edited(example_plans["boutique"], tmp_path / "b.xlsx", edit_actions)
    before = path.read_bytes()
    runner = CliRunner()
    runner.invoke(main, ["check", str(path)])
    runner.invoke(main, ["export", str(path), "-o", str(tmp_path / "x.yaml")])
    assert path.read_bytes() == before


@pytest.mark.libreoffice
def test_a_workbook_saved_by_libreoffice_keeps_its_formulas(example_plans, soffice, tmp_path):
    """After a real engine re-saves the workbook, no formula is taken for a typed-over cell."""
    source = tmp_path / "in" / "b.xlsx"
    source.parent.mkdir()
    source.write_bytes(render_bytes(example_plans["andina"]))
    (saved,) = recalculate([source], tmp_path / "out")
    book = check_workbook(saved)
    assert [str(p) for p in book.problems if p.kind in ("formula", "type", "structure")] == []


def test_workbooks_of_one_shape_share_the_template_formulas(example_plans, tmp_path,
                                                             monkeypatch):
    """The template's formulas are rendered once per workbook shape: a second workbook of the
    same shape reuses them, and a formula typed over in it is still found at its cell."""
    from xlplan.reader import check as checking

    checking._TEMPLATE_CACHE.clear()
    renders = []
    render = checking._render_template_cells
    monkeypatch.setattr(checking, "_render_template_cells",
                        lambda *args: renders.append(1) or render(*args))
    first = tmp_path / "first.xlsx"
    first.write_bytes(render_bytes(example_plans["boutique"]))
    assert not [p for p in check_workbook(first).problems if p.kind == "formula"]
    assert len(checking._TEMPLATE_CACHE) == 1

    def type_over(wb, words) -> None:  # type: ignore[no-untyped-def]
        ws = wb[words.sheet("actions")]
        row, late = column(ws, "Actions", words.label("actions.late"))
        ws.cell(row, late).value = 7

    second = edited(example_plans["boutique"], tmp_path / "second.xlsx", type_over)
    found = [p for p in check_workbook(second).problems if p.kind == "formula"]
    assert len(checking._TEMPLATE_CACHE) == 1 and len(renders) == 1
    assert len(found) == 1 and found[0].message.startswith("cellule calculée écrasée")
