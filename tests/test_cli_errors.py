"""Every way a command can end: exit codes, one-line errors, no traceback, no control
character reaching the terminal, text outputs on standard output."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import icalendar
import openpyxl
import pytest
import yaml
from click.testing import CliRunner

from xlplan import cli, load_plan
from xlplan.action_export import actions_ics
from xlplan.terminal import printable

ROOT = Path(__file__).resolve().parent.parent
BOUTIQUE = str(ROOT / "examples" / "boutique.yaml")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli.main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def workbook(tmp_path):
    path = tmp_path / "b.xlsx"
    assert run("new", BOUTIQUE, "-o", str(path))[0] == 0
    return path


@pytest.mark.parametrize(("content", "code"), [
    (None, 2),  # missing
    (b"\xff\xfe not utf-8", 2),  # undecodable
    (b"client: [unclosed", 2),  # unparsable
    (b"client: {name: 1}\n", 1),  # parsed, with problems
])
def test_a_plan_that_cannot_be_read_exits_2_one_with_problems_1(tmp_path, content, code):
    """As the README says: 2 when the plan file cannot be read at all, 1 for its problems."""
    plan = tmp_path / "p.yaml"
    if content is not None:
        plan.write_bytes(content)
    got, _, err = run("validate", str(plan))
    assert got == code, err
    assert "Traceback" not in err and str(plan) in err


def test_an_unexpected_exception_is_an_internal_error_not_problems(tmp_path, monkeypatch):
    """A defect exits 3 with one line saying so, never 1 ("problems found") or a traceback."""
    def broken(plan):
        raise ZeroDivisionError("boom")
    monkeypatch.setattr("xlplan.workbook.render_bytes", broken)
    code, _, err = run("new", BOUTIQUE, "-o", str(tmp_path / "x.xlsx"))
    assert code == 3
    assert err.startswith("internal error: ZeroDivisionError: boom")
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("number", [errno.ENOSPC, errno.EROFS, errno.EACCES])
def test_a_full_disk_or_read_only_folder_is_a_one_line_error(tmp_path, monkeypatch, number):
    """OSError while writing (disk full, read-only folder) names the file, exits 2."""
    target = tmp_path / "x.xlsx"

    def failing(path, data, durable=True):
        raise OSError(number, "simulated", str(path))
    monkeypatch.setattr(cli, "atomic_write", failing)
    code, _, err = run("new", BOUTIQUE, "-o", str(target))
    assert code == 2 and err.startswith(f"error: {target}: simulated"), err
    assert not target.exists()


def test_control_characters_never_reach_the_terminal(workbook):
    """An escape sequence (clear screen), a C1 control (CSI, 0x9b) or a bidi override in a
    file's name or a cell is shown escaped by check, in text and JSON."""
    wb = openpyxl.load_workbook(workbook)
    wb.worksheets[0]["H40"] = "\x9b2J\u202eevil"
    hostile = workbook.with_name("b\x1b[2J\x9b\u202e.xlsx")
    wb.save(hostile)
    for fmt in ("text", "json"):
        code, out, err = run("check", str(hostile), "--format", fmt)
        assert code == 1
        for char in "\x1b\x9b\u202e":
            assert char not in out + err
        assert "evil" in out
        assert ("\\e[2J" if fmt == "text" else "\\u001b[2J") in out + err
        if fmt == "json":
            assert json.loads(out)["file"] == str(hostile), "still valid JSON, same data"
    assert printable("\x1b[2J\x07") == "\\e[2J\\x07"


def test_export_and_actions_write_to_standard_output(workbook, tmp_path):
    """-o - writes the text output to standard output, the same bytes as to a file; the
    message goes to standard error."""
    code, out, err = run("export", str(workbook), "-o", "-")
    assert code == 0 and "standard output" in err
    assert run("export", str(workbook), "-o", str(tmp_path / "p.yaml"))[0] == 0
    assert yaml.safe_load(out) == yaml.safe_load((tmp_path / "p.yaml").read_text("utf-8"))
    code, out, _ = run("export", str(workbook), "-o", "-", "--format", "json")
    assert code == 0 and out.lstrip().startswith("{")
    code, out, _ = run("actions", str(workbook), "--format", "csv", "-o", "-")
    assert code == 0 and "Name,Description" in out


def test_a_newline_in_a_client_name_is_escaped_in_icalendar():
    """iCalendar text with line breaks (client, action) is escaped, not an AssertionError."""
    plan = load_plan(BOUTIQUE)
    plan = plan.model_copy(update={"client": plan.client.model_copy(
        update={"name": "Acme\nEvil;Co"})})
    action = plan.actions[0].model_copy(update={"what": "Line 1\nLine 2"})
    plan = plan.model_copy(update={"actions": [action, *plan.actions[1:]]})
    calendar = icalendar.Calendar.from_ical(actions_ics(plan))
    first = next(iter(calendar.walk("VEVENT")))
    assert str(first["SUMMARY"]) == "Line 1\nLine 2"
    assert b"Acme\\nEvil\\;Co" in actions_ics(plan)


def test_finalize_says_what_is_missing(workbook, tmp_path):
    """A workbook whose action sheet was deleted is not finalized: exit 2, naming it."""
    wb = openpyxl.load_workbook(workbook)
    title = wb.sheetnames[5]
    del wb[title]
    wb.save(workbook)
    code, _, err = run("finalize", str(workbook), "-o", str(tmp_path / "client.xlsx"))
    assert code == 2 and title in err and "missing" in err
    assert not (tmp_path / "client.xlsx").exists()


def test_amounts_beyond_what_excel_keeps_are_refused_at_their_field(tmp_path):
    """A margin of 1e300 (products and sums would overflow) is a problem at its field, exit 1,
    never an OverflowError; the largest allowed amounts compute."""
    data = yaml.safe_load(Path(BOUTIQUE).read_text("utf-8"))
    data["segments"][0]["margin"] = 1e300
    data["segments"][0]["customers"] = 10**30
    plan = tmp_path / "huge.yaml"
    plan.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    code, _, err = run("validate", str(plan))
    assert code == 1 and "segments[0].margin" in err and "segments[0].customers" in err
    data["segments"][0].update(margin=1e15, customers=10**9)
    for item in data["priorities"]:
        item.update(impact=-1e15, cost=1e15)
    plan.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    assert run("new", str(plan), "-o", str(tmp_path / "h.xlsx"))[0] == 0
