"""Batch generation: same bytes as one at a time, safe names, re-runs that lose nothing."""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from tests.strategies import NAME, TEXT
from xlplan import validate_plan
from xlplan.batch import fill
from xlplan.batch.fill import fill_bytes
from xlplan.batch.names import MAX_STEM, unique_names
from xlplan.cli import main
from xlplan.errors import PlanError
from xlplan.safe_io import atomic_write
from xlplan.workbook import render_bytes

ROOT = Path(__file__).resolve().parent.parent
WINDOWS_RESERVED = re.compile(r"^(CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])(\..*)?$", re.IGNORECASE)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=NAME, sector=st.one_of(st.none(), NAME), consultant=st.one_of(st.none(), NAME),
       language=st.sampled_from(["fr", "es", "en"]), currency=st.sampled_from(["EUR", "MXN"]),
       cadence=st.sampled_from(["quarterly", "annual"]))
def test_template_fill_gives_the_same_bytes(name, sector, consultant, language, currency,
                                            cadence):
    """The fast path is byte-identical to generating the workbook on its own."""
    plan = validate_plan({"client": {"name": name, "sector": sector, "consultant": consultant,
                                     "language": language, "currency": currency},
                          "plan": {"year": 2027, "review_cadence": cadence}})
    assert fill_bytes(plan) == render_bytes(plan)


SENTINELS = list(fill._SENTINELS.values())
# Pieces of text that could confuse a template fill: the sentinels themselves (all but
# impossible in real data, whose key is random: the worst case), XML's special characters,
# what the writer escapes its own way, and what starts a formula.
_PIECES = st.sampled_from([*SENTINELS, "XLPLANx", "&", "<", ">", "&amp;", "&#x41;", '"', "'",
                           "]]>", "_x0041_", "_X000D_", "\r", "\n", "\t", "\x85", "\u202e",
                           "\uffff", "😀", "=", "@", " "])
TRICKY = st.lists(st.one_of(_PIECES, TEXT), min_size=1, max_size=5).map("".join)


def _plan(name: str, sector: str | None, consultant: str | None, title: str = "Grow"):
    try:
        return validate_plan({"client": {"name": name, "sector": sector, "consultant": consultant},
                              "priorities": [{"title": title, "quadrant": "attack-sell",
                                              "category": "customer", "score": 3}],
                              "plan": {"year": 2027}})
    except PlanError:
        reject()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=TRICKY, sector=st.one_of(st.none(), st.just(""), TRICKY),
       consultant=st.one_of(st.none(), st.just(""), TRICKY),
       title=st.one_of(st.just("Grow"), TRICKY))
def test_no_text_reaches_a_placeholder(name, sector, consultant, title):
    """A client text holding another field's sentinel, XML's special characters or the
    writer's own escapes, and a plan text holding a sentinel: still the same bytes."""
    plan = _plan(name, sector, consultant, title)
    identical = fill_bytes(plan) == render_bytes(plan)  # (no diff of two workbooks' bytes)
    assert identical, f"the filled workbook differs for {plan.client!r}"


def test_a_sentinel_in_a_client_text_is_filled_in_once(monkeypatch):
    """The fast path itself (not the normal path it falls back to) puts a name that holds the
    sector's sentinel in as it is: one pass, what is put in is never searched again; and a
    sentinel in another text of the plan stays that text."""
    calls = []
    monkeypatch.setattr("xlplan.workbook.render_bytes", lambda plan: calls.append(plan))
    name = f"Acme {fill._SENTINELS['sector']} & <{fill._SENTINELS['consultant']}>"
    plan = _plan(name, "Retail", f"Zoé {fill._SENTINELS['name']}")
    data = fill_bytes(plan)
    assert calls == []  # the template was used
    monkeypatch.undo()
    assert data == render_bytes(plan)
    part = (b"<t>" + fill._SENTINELS["name"].encode() + b"</t><t>"
            + fill._SENTINELS["sector"].encode() + b"</t>")
    assert fill.substitute(part, {"name": f"a {SENTINELS[1]} & b", "sector": "c"}) == (
        f"<t>a {SENTINELS[1]} &amp; b</t><t>c</t>".encode())
    # A text of the plan that is not a client field is never filled in either.
    plan = _plan("Acme", "Retail", None, title=f"Grow {fill._SENTINELS['name']}")
    assert fill_bytes(plan) == render_bytes(plan)


@given(st.lists(st.text(min_size=0, max_size=300), min_size=1, max_size=30))
def test_file_names_are_safe_and_distinct(names):
    """No traversal, reserved name, forbidden character, trailing dot or space, over-long
    name, or two clients on one file (case-insensitively)."""
    files = unique_names([(n, str(i)) for i, n in enumerate(names)])
    assert len({f.casefold() for f in files}) == len(files)
    for file in files:
        stem = file[: -len(".xlsx")]
        assert file.endswith(".xlsx") and stem
        assert not set(stem) & set('<>:"/\\|?*') and "\0" not in stem
        assert not WINDOWS_RESERVED.match(stem)
        assert not stem.endswith((".", " ")) and len(stem) <= MAX_STEM
        assert Path(file).name == file and ".." not in Path(file).parts


def write_list(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


CLIENTS = [
    {"id": "c1", "name": "Boutique Lumière", "language": "fr", "review_cadence": "quarterly"},
    {"id": "c2", "name": "Andina", "language": "es", "review_cadence": "semiannual"},
    {"id": "c3", "name": "../../etc/passwd", "language": "en", "review_cadence": ""},
    {"id": "c4", "name": "BOUTIQUE LUMIÈRE", "language": "fr", "review_cadence": ""},
    {"id": "c5", "name": "Weekly Co", "language": "en", "review_cadence": "weekly"},
]


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_batch_writes_reports_and_reruns_safely(tmp_path):
    """A bad row fails alone (exit 1); a re-run skips unchanged files and keeps edited ones."""
    clients = write_list(tmp_path / "clients.csv", CLIENTS)
    plans = tmp_path / "plans"
    plans.mkdir()
    (plans / "c2.yaml").write_text((ROOT / "examples" / "andina.yaml").read_text("utf-8"), "utf-8")
    out = tmp_path / "out"
    code, output = run("batch", str(clients), "-o", str(out), "--plans", str(plans),
                       "--year", "2027", "--no-progress")
    assert code == 1
    assert "4 written, 0 unchanged (skipped), 0 kept, 1 failed" in output
    assert "row 6 (Weekly Co): failed: plan.review_cadence" in output
    assert sorted(p.name for p in out.iterdir()) == [
        "Andina.xlsx", "BOUTIQUE LUMIÈRE (c4).xlsx", "Boutique Lumière.xlsx", "etcpasswd.xlsx",
        "manifest.csv"]
    assert not [p for p in tmp_path.rglob("*") if "tmp" in p.name]
    andina = openpyxl.load_workbook(out / "Andina.xlsx")
    assert len(andina["Plan de acción"].tables["Actions"].ref) > 0  # the plan file was used
    manifest = list(csv.DictReader((out / "manifest.csv").open(encoding="utf-8")))
    assert [m["status"] for m in manifest] == ["written"] * 4 + ["failed"]
    assert all(len(m["sha256"]) == 64 for m in manifest[:4])

    wb = openpyxl.load_workbook(out / "Andina.xlsx")
    wb.worksheets[0]["B3"] = "edited"
    wb.save(out / "Andina.xlsx")
    edited = (out / "Andina.xlsx").read_bytes()
    code, output = run("batch", str(clients), "-o", str(out), "--plans", str(plans),
                       "--year", "2027", "--no-progress", "--workers", "2")
    assert "0 written, 3 unchanged (skipped), 1 kept, 1 failed" in output
    assert "kept Andina.xlsx: edited since xlplan generated it" in output
    assert (out / "Andina.xlsx").read_bytes() == edited


def test_xlsx_client_list_and_unknown_columns(tmp_path):
    """An XLSX list works; an unknown column (a typo) stops the batch before it starts."""
    wb = openpyxl.Workbook()
    wb.active.append(["name", "language"])
    wb.active.append(["Acme", "es"])
    wb.save(tmp_path / "clients.xlsx")
    code, _ = run("batch", str(tmp_path / "clients.xlsx"), "-o", str(tmp_path / "out"),
                  "--no-progress")
    assert code == 0 and (tmp_path / "out" / "Acme.xlsx").exists()
    bad = write_list(tmp_path / "bad.csv", [{"name": "A", "langauge": "fr"}])
    code, output = run("batch", str(bad), "-o", str(tmp_path / "out2"), "--no-progress")
    assert code == 2 and "unknown column(s) langauge" in output


def test_failed_write_leaves_no_partial_file(tmp_path, monkeypatch):
    """If the final rename fails, the target is untouched and no temporary file remains."""
    target = tmp_path / "b.xlsx"
    target.write_bytes(b"before")

    def broken(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError):
        atomic_write(target, b"after")
    assert target.read_bytes() == b"before"
    assert [p.name for p in tmp_path.iterdir()] == ["b.xlsx"]
