"""No command overwrites its own input, and none writes through a link or into a device."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import ROOT
from xlplan.cli import main

BOUTIQUE = ROOT / "examples" / "boutique.yaml"


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    path = tmp_path / "t.xlsx"
    assert CliRunner().invoke(main, ["new", str(BOUTIQUE), "-o", str(path)]).exit_code == 0
    return path


@pytest.mark.parametrize("command", [
    ["export", "{wb}", "-o", "{out}", "--force"],
    ["actions", "{wb}", "--format", "csv", "-o", "{out}", "--force"],
    ["new", "--from", "{wb}", "-o", "{out}", "--force", "--overwrite-edited"],
    ["finalize", "{wb}", "-o", "{out}", "--force", "--overwrite-edited"],
])
@pytest.mark.parametrize("spelling", ["same", "dotdot", "link"])
def test_a_command_never_writes_over_its_input(workbook, tmp_path, command, spelling):
    """Whatever path names it (the same, through .., through a link), a command's input is
    never its output: exit 2, the input's bytes unchanged."""
    if spelling == "same":
        out = workbook
    elif spelling == "dotdot":
        (tmp_path / "sub").mkdir()
        out = tmp_path / "sub" / ".." / workbook.name
    else:
        out = tmp_path / "link.xlsx"
        out.symlink_to(workbook)
    before = workbook.read_bytes()
    args = [a.format(wb=workbook, out=out) for a in command]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert workbook.read_bytes() == before


def test_new_never_writes_over_its_plan_file(tmp_path):
    """`new PLAN -o PLAN` (renamed .xlsx through a link) leaves the plan file alone."""
    plan = tmp_path / "plan.yaml"
    plan.write_bytes(BOUTIQUE.read_bytes())
    link = tmp_path / "plan.xlsx"
    link.symlink_to(plan)
    result = CliRunner().invoke(main, ["new", str(plan), "-o", str(link), "--force"])
    assert result.exit_code == 2
    assert plan.read_bytes() == BOUTIQUE.read_bytes()


def test_a_link_or_a_device_is_not_a_target(workbook, tmp_path):
    """A link given as -o is refused (its target keeps its content and mode); so is a device."""
    target = tmp_path / "elsewhere.yaml"
    target.write_text("keep me")
    os.chmod(target, 0o600)
    link = tmp_path / "out.yaml"
    link.symlink_to(target)
    result = CliRunner().invoke(main, ["export", str(workbook), "-o", str(link), "--force"])
    assert result.exit_code == 2 and "link" in result.output
    assert link.is_symlink() and target.read_text() == "keep me"
    assert target.stat().st_mode & 0o777 == 0o600
    result = CliRunner().invoke(main, ["export", str(workbook), "-o", "/dev/null", "--force"])
    assert result.exit_code == 2 and "regular file" in result.output
