"""Start-up: each command, and the worksheet functions, load only what they need.

Which modules a fresh process has loaded is deterministic, unlike its timings (those are
bench/startup.py's): a heavy import creeping back into ``--help``, ``validate``, ``new`` or
``import udfs.functions`` fails here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from udfs import _ranges, _xlwings
from udfs import functions as f
from xlplan.model import Language
from xlplan.workbook.templates import input_keys, translations

ROOT = Path(__file__).resolve().parent.parent
BOUTIQUE = ROOT / "examples" / "boutique.yaml"

# What numpy and pandas come with (openpyxl loads numpy when it is installed; xlwings, pandas)
HEAVY = ("numpy", "pandas", "xlwings")
# Loaded by the commands that write or read a workbook, never by --help or validate
WORKBOOK = ("openpyxl", "xlsxwriter", "jinja2", "python_calamine", "lxml", "defusedxml",
            "xlplan.workbook.build", "xlplan.workbook.render", "xlplan.reader", "xlplan.results",
            "xlplan.safe_io")


def loaded_after(code: str, *args: str) -> set[str]:
    """The top-level and xlplan modules loaded by ``code`` run in a fresh process."""
    script = (f"import json, sys\nsys.argv = ['xlplan', *{list(args)!r}]\n{code}\n"
              "print(json.dumps(sorted(sys.modules)))")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("XLWINGS_ON_SERVER", None)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         cwd=ROOT, env=env, check=True)
    return set(json.loads(run.stdout.splitlines()[-1]))


def command(*args: str) -> set[str]:
    """The modules ``xlplan ARGS`` loaded, run as the installed script runs it."""
    return loaded_after("from xlplan.cli import main\ntry:\n    main()\nexcept SystemExit as e:\n"
                        "    assert not e.code, e.code", *args)


def found(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(n for n in names if n in modules)


def test_help_loads_no_model_and_no_yaml():
    """``--help`` names the commands: no pydantic, no YAML reader, nothing of a workbook."""
    modules = command("--help")
    assert found(modules, (*HEAVY, *WORKBOOK, "pydantic", "yaml", "babel", "xlplan.model",
                           "xlplan.loading")) == []


def test_validate_loads_the_model_but_nothing_of_a_workbook():
    """``validate`` reads a plan file: the model and the YAML reader, never openpyxl (and its
    numpy), the writer or the file-safety module it has no output for."""
    modules = command("validate", str(BOUTIQUE))
    assert {"pydantic", "yaml", "xlplan.model", "xlplan.loading"} <= modules
    assert found(modules, (*HEAVY, *WORKBOOK)) == []


def test_new_loads_no_pandas_and_no_reader(tmp_path):
    """``new`` writes a workbook: not the reader (for a resaved workbook only), not xlwings
    or pandas, not urllib (xml.sax.saxutils brings it, for resaved workbooks only), not
    openpyxl and its numpy (XlsxWriter writes; openpyxl only re-saves)."""
    modules = command("new", str(BOUTIQUE), "-o", str(tmp_path / "book.xlsx"))
    assert (tmp_path / "book.xlsx").is_file()
    assert "xlplan.workbook.build" in modules
    assert found(modules, ("pandas", "xlwings", "xlplan.reader", "urllib.request", "openpyxl",
                           "numpy")) == []


def test_worksheet_functions_load_no_xlwings_and_no_sheet_specs_off_windows():
    """On Linux xlwings' decorators do nothing: ``import udfs.functions`` does without xlwings
    (and its pandas and numpy), and reads the sheet specs only when a function needs them."""
    modules = loaded_after("import udfs.functions\n"
                           "from xlplan.workbook.templates import sheet_specs\n"
                           "assert sheet_specs.cache_info().currsize == 0")
    assert found(modules, (*HEAVY, "openpyxl", "xlsxwriter", "jinja2", "xlplan.loading",
                           "xlplan.workbook.build")) == []


def test_worksheet_functions_use_xlwings_when_it_is_loaded():
    """Where xlwings is loaded already (Excel's host, or its registration run by a test), its
    own decorators are used, whatever the platform (tests/xlwings_windows_double.py)."""
    modules = loaded_after("import xlwings\nimport udfs.functions as f\n"
                           "assert f.xw is xlwings")
    assert "xlwings" in modules


@pytest.mark.parametrize(("platform", "server", "loaded", "needed"), [
    ("linux", None, False, False),
    ("darwin", None, False, False),
    ("win32", None, False, True),
    ("emscripten", None, False, True),  # xlwings Lite's own package
    ("linux", "true", False, True),
    ("linux", None, True, True),
])
def test_xlwings_is_imported_where_its_decorators_record(monkeypatch, platform, server, loaded,
                                                         needed):
    monkeypatch.setattr(sys, "platform", platform)
    if server is None:
        monkeypatch.delenv("XLWINGS_ON_SERVER", raising=False)
    else:
        monkeypatch.setenv("XLWINGS_ON_SERVER", server)
    if not loaded:
        monkeypatch.delitem(sys.modules, "xlwings", raising=False)
    else:
        monkeypatch.setitem(sys.modules, "xlwings", sys.modules.get("xlwings", object()))
    assert _xlwings.needs_xlwings() is needed


def test_the_no_op_decorators_return_the_function_itself():
    def g(x: int) -> int:
        return x

    assert _xlwings.func(g) is g
    assert _xlwings.func()(g) is g
    assert _xlwings.arg("x", doc="a number")(g) is g
    assert _xlwings.ret(expand="table")(g) is g


def test_the_table_columns_are_still_module_names():
    assert input_keys("segments") == f.SEGMENT_COLUMNS
    assert input_keys("uses") == f.FUNDING_COLUMNS
    assert input_keys("objectives") == f.OBJECTIVE_COLUMNS
    with pytest.raises(AttributeError):
        _ = f.NO_SUCH_COLUMNS


def _code_as_read_in_every_language(group: str, text: str) -> str | None:
    for lang in Language:
        found = translations(lang).choice_code(group, text)
        if found is not None:
            return found
    return None


def test_a_remembered_choice_is_the_one_the_languages_give():
    """The codes remembered by label give what reading each language in turn gives, for
    every label and code of every choice, in any case and with spaces around."""
    for group in translations(Language.EN).data["choices"]:
        texts = {str(t) for lang in Language
                 for pair in translations(lang).data["choices"][group].items() for t in pair}
        for text in texts:
            for variant in (text, text.upper(), f"  {text.lower()} "):
                assert _ranges.code(group, variant, "default") == (
                    _code_as_read_in_every_language(group, variant)), (group, variant)
    with pytest.raises(_ranges.UdfError, match="is not one of"):
        _ranges.code("yesno", "maybe", "no")


def test_rows_read_as_before():
    """Blank rows (None or blank text) and a header are skipped, whole floats become ints,
    and a bad row says which it is."""
    rows = [["Segment", "Clients"], [None, "  "], ["A", 12.0, 100.0, 0.5, 0.1, 3.0, 0.0],
            [], ["B", 2, 10.5, 0.25]]
    got = _ranges.records(rows, f.SEGMENT_COLUMNS, f.Segment, "segments")
    assert [(s.name, s.customers, s.margin, s.horizon) for s in got] == [
        ("A", 12, 100.0, 3), ("B", 2, 10.5, None)]
    assert isinstance(got[0].customers, int)
    with pytest.raises(_ranges.UdfError, match=r"^segment row 3: customers: must be"):
        _ranges.records([["Name"], [], ["C", "many", 1, 0.5]], f.SEGMENT_COLUMNS, f.Segment,
                        "segments", what="segment row")
