"""Excel-grade packages: an independent OOXML validator (openxml-audit, a port of the Open XML
SDK's checks) finds no error in what xlplan writes, the client copy included."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES
from xlplan import Plan
from xlplan.engine.ooxml import package_findings, validate_package
from xlplan.finalize import finalize_workbook
from xlplan.workbook import render_bytes


def _report(path: Path) -> str:
    found = package_findings(path)
    return "\n".join([f"{len(found.errors)} error(s):", *found.errors,
                      f"{len(found.warnings)} warning(s):", *found.warnings])


@pytest.mark.parametrize("name", [path.stem for path in EXAMPLES])
def test_generated_workbook_has_no_ooxml_error(
        name: str, example_plans: dict[str, Plan], tmp_path: Path) -> None:
    """Each example's generated workbook passes the validator with no error or warning."""
    path = tmp_path / f"{name}.xlsx"
    path.write_bytes(render_bytes(example_plans[name]))
    assert validate_package(path) == [], _report(path)
    assert package_findings(path).warnings == [], _report(path)


def test_client_copy_has_no_ooxml_error(example_plans: dict[str, Plan], tmp_path: Path) -> None:
    """The finalized client copy (sheets removed, protected, properties rewritten) passes the
    validator with no error too."""
    source = tmp_path / "boutique.xlsx"
    source.write_bytes(render_bytes(example_plans["boutique"]))
    path = tmp_path / "client.xlsx"
    path.write_bytes(finalize_workbook(source).data)
    assert validate_package(path) == [], _report(path)
    # and no warning: its text is in a shared-strings table, as Excel keeps it
    assert package_findings(path).warnings == [], _report(path)


def test_validator_reports_a_broken_package(
        example_plans: dict[str, Plan], tmp_path: Path) -> None:
    """The check is not vacuous: an element the schema does not allow, put first in a
    generated worksheet, is reported as an error of that worksheet part."""
    good = tmp_path / "good.xlsx"
    good.write_bytes(render_bytes(example_plans["boutique"]))
    bad = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb"(<worksheet\b[^>]*>)", rb"\1<notAnElement/>", data, count=1)
            dst.writestr(info, data)
    errors = validate_package(bad)
    assert any(line.startswith("/xl/worksheets/sheet1.xml:") and "notAnElement" in line
               for line in errors), errors


def test_cli_start_up_does_not_load_the_validator() -> None:
    """The validator is imported only when a package is validated, never by the CLI's import."""
    code = "import sys, xlplan.cli, xlplan.engine.ooxml; print('openxml_audit' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "False"


@pytest.mark.parametrize("form", ["survey", "genius"])
def test_staff_forms_have_no_ooxml_error(form: str, tmp_path: Path) -> None:
    """The forms sent to staff (the survey, a zone-of-genius form) pass the validator with no
    error or warning."""
    from xlplan.forms import genius_form, survey_form
    from xlplan.model import Language

    path = tmp_path / f"{form}.xlsx"
    path.write_bytes(survey_form(Language.ES, "=Cliente", 2027) if form == "survey" else
                     genius_form(Language.FR, "Client", 2027, "@Léa", "Marketing"))
    assert validate_package(path) == [], _report(path)
    assert package_findings(path).warnings == [], _report(path)
