"""The command line: generation, refusals that protect files, exit codes."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import openpyxl
from click.testing import CliRunner

from xlplan.cli import default_year, main

ROOT = Path(__file__).resolve().parent.parent
BOUTIQUE = str(ROOT / "examples" / "boutique.yaml")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_new_writes_a_workbook_and_never_overwrites(tmp_path):
    """A second run refuses to replace the file; --force replaces it with the same bytes."""
    out = tmp_path / "b.xlsx"
    assert run("new", BOUTIQUE, "-o", str(out))[0] == 0
    first = out.read_bytes()
    code, output = run("new", BOUTIQUE, "-o", str(out))
    assert code == 2 and "already exists" in output
    assert run("new", BOUTIQUE, "-o", str(out), "--force")[0] == 0
    assert out.read_bytes() == first
    assert not list(tmp_path.glob(".*tmp"))
    assert out.stat().st_mode & 0o044, "a generated workbook is readable like any new file"


def test_excel_lock_file_blocks_even_with_force(tmp_path):
    """A workbook open in Excel (~$name.xlsx beside it) is never written over."""
    out = tmp_path / "b.xlsx"
    out.write_bytes(b"consultant's work")
    (tmp_path / "~$b.xlsx").write_bytes(b"")
    code, output = run("new", BOUTIQUE, "-o", str(out), "--force")
    assert code == 2 and "open in Excel" in output
    assert out.read_bytes() == b"consultant's work"


def test_invalid_plan_exits_1_with_every_problem(tmp_path):
    """Problems go to stderr with paths; nothing is written."""
    plan = tmp_path / "bad.yaml"
    plan.write_text("client: {name: X}\nplan: {year: 2027, yeer: 1}\n"
                    "priorities:\n  - {title: A, quadrant: up, category: financial, score: 5}\n",
                    "utf-8")
    out = tmp_path / "bad.xlsx"
    code, output = run("new", str(plan), "-o", str(out))
    assert code == 1
    assert "plan.yeer: unknown field" in output
    assert "priorities[0].score: must be 0, 1, 2 or 3 (got 5)" in output
    assert "priorities[0].quadrant: must be" in output
    assert not out.exists()
    assert run("validate", str(plan))[0] == 1
    assert run("validate", BOUTIQUE)[0] == 0


def test_empty_plan_for_a_client(tmp_path):
    """`new --client X --lang es` gives a Spanish workbook with empty tables ready to fill."""
    out = tmp_path / "acme.xlsx"
    assert run("new", "--client", "Acme", "--lang", "es", "-o", str(out))[0] == 0
    wb = openpyxl.load_workbook(out)
    assert "Cuadro de mando" in wb.sheetnames
    assert "Kpis" in wb["Balance (KPI)"].tables


def test_usage_errors(tmp_path):
    """No plan and no client, or a non-xlsx target, are usage errors."""
    assert run("new", "-o", str(tmp_path / "x.xlsx"))[0] == 2
    assert run("new", BOUTIQUE, "-o", str(tmp_path / "x.csv"))[0] == 2


def test_schema_is_json_schema():
    """`xlplan schema` prints a JSON Schema that forbids unknown keys."""
    code, output = run("schema")
    schema = json.loads(output)
    assert code == 0 and schema["additionalProperties"] is False
    assert "priorities" in schema["properties"]


def test_default_year_is_the_year_being_planned():
    """From July on, a sprint plans next year."""
    assert default_year(date(2026, 11, 21)) == 2027
    assert default_year(date(2027, 2, 1)) == 2027


def test_a_workbook_edited_by_a_person_is_never_overwritten(tmp_path):
    """Even --force refuses a generated workbook that someone has since saved;
    --overwrite-edited is the explicit way through."""
    out = tmp_path / "b.xlsx"
    assert run("new", BOUTIQUE, "-o", str(out))[0] == 0
    assert run("new", BOUTIQUE, "-o", str(out), "--force")[0] == 0  # untouched: may be replaced
    wb = openpyxl.load_workbook(out)
    wb.worksheets[0]["B3"] = "edited on the planning day"
    wb.save(out)
    edited = out.read_bytes()
    code, output = run("new", BOUTIQUE, "-o", str(out), "--force")
    assert code == 2 and "edited since xlplan generated it" in output
    assert out.read_bytes() == edited
    assert run("new", BOUTIQUE, "-o", str(out), "--overwrite-edited")[0] == 0
    assert out.read_bytes() != edited


def test_the_command_line_languages_are_the_models():
    """The CLI offers the languages without loading the model: the same codes, in order."""
    from xlplan.languages import LANGUAGES
    from xlplan.model import Language

    assert tuple(language.value for language in Language) == LANGUAGES


def test_help_and_validate_load_only_what_they_need():
    """`--help` loads neither the model nor openpyxl; `validate` does not load the writer
    (start-up is most of a command's time)."""
    import subprocess
    import sys

    code = ("import sys\nfrom click.testing import CliRunner\nfrom xlplan.cli import main\n"
            "CliRunner().invoke(main, ['--help'])\n"
            "print(sorted(m for m in ('xlplan.model', 'openpyxl', 'pydantic', 'xlsxwriter')"
            " if m in sys.modules))\n"
            f"CliRunner().invoke(main, ['validate', {BOUTIQUE!r}])\n"
            "print(sorted(m for m in ('openpyxl', 'xlsxwriter', 'xlplan.workbook.build')"
            " if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert out == ["[]", "[]"]
