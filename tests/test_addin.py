"""The add-in file, xlplan.xlam: valid OOXML for a macro-enabled add-in, every VBA module
readable by oletools, every ribbon button wired to a callback of the right signature, and
every callback's RunPython target importable."""

from __future__ import annotations

import importlib
import io
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import olefile
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from oletools.olevba import VBA_Parser, decompress_stream

from xlplan.addin import build
from xlplan.addin.cfb import compound_file
from xlplan.addin.install import config_text
from xlplan.addin.ovba import compress, decrypt, encrypt
from xlplan.cli import main
from xlplan.engine.libreoffice import to_ods
from xlplan.macros import MACROS
from xlplan.model import Language

TYPES = "{http://schemas.openxmlformats.org/package/2006/content-types}"
RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
UI = "{http://schemas.microsoft.com/office/2009/07/customui}"
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
OFFICE_DOCUMENT = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
                   "officeDocument")
CALLBACK = re.compile(r"^Sub (\w+)\(control As IRibbonControl\)\s*$", re.MULTILINE)
RUN_PYTHON = re.compile(r'RunPython "import ([\w.]+); ([\w.]+)\(\)"')


@pytest.fixture(scope="module")
def addin(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("addin") / "xlplan.xlam"
    path.write_bytes(build.build_addin(Language.FR))
    return path


@pytest.fixture(scope="module")
def modules(addin) -> dict[str, str]:
    """Every VBA module of the add-in as oletools' olevba reads it back."""
    parser = VBA_Parser(str(addin))
    assert parser.detect_vba_macros()
    found = {Path(vba_file).stem: code for _, _, vba_file, code in parser.extract_macros()}
    parser.close()
    return found


def _rels(archive: zipfile.ZipFile, part: str) -> list[ElementTree.Element]:
    return list(ElementTree.fromstring(archive.read(part)).iter(f"{RELS}Relationship"))


def test_package_is_a_macro_enabled_addin(addin):
    """Content types cover every part and name the add-in main part and the VBA project;
    every relationship's target exists; the ribbon is wired from the package root."""
    with zipfile.ZipFile(addin) as archive:
        names = set(archive.namelist())
        types = ElementTree.fromstring(archive.read("[Content_Types].xml"))
        defaults = {d.get("Extension"): d.get("ContentType") for d in types.iter(f"{TYPES}Default")}
        overrides = {o.get("PartName"): o.get("ContentType")
                     for o in types.iter(f"{TYPES}Override")}
        assert overrides["/xl/workbook.xml"] == build.ADDIN_CONTENT_TYPE
        assert overrides["/xl/vbaProject.bin"] == build.VBA_CONTENT_TYPE
        for part in overrides:
            assert part.lstrip("/") in names, f"content type for a missing part {part}"
        for name in names - {"[Content_Types].xml"}:
            assert "/" + name in overrides or name.rsplit(".", 1)[-1] in defaults, name
        root = {r.get("Type"): r.get("Target") for r in _rels(archive, "_rels/.rels")}
        assert root[OFFICE_DOCUMENT] == "xl/workbook.xml"
        assert root[build.UI_RELATIONSHIP] == build.CUSTOM_UI_PART
        book = {r.get("Type"): r.get("Target")
                for r in _rels(archive, "xl/_rels/workbook.xml.rels")}
        assert book[build.VBA_RELATIONSHIP] == "vbaProject.bin"
        for rels, base in (("_rels/.rels", ""), ("xl/_rels/workbook.xml.rels", "xl/")):
            for rel in _rels(archive, rels):
                target = rel.get("Target", "")
                assert (target.lstrip("/") if target.startswith("/") else base + target) in names
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        assert workbook.find(f"{MAIN}workbookPr").get("codeName") == "ThisWorkbook"
        sheet = ElementTree.fromstring(archive.read("xl/worksheets/sheet1.xml"))
        assert sheet.find(f"{MAIN}sheetPr").get("codeName") == "Sheet1"
        ui = ElementTree.fromstring(archive.read(build.CUSTOM_UI_PART))
        assert ui.tag == f"{UI}customUI"


def test_libreoffice_loads_the_package_and_its_vba(addin, modules, soffice, tmp_path):
    """A real engine reads the package and, with its own MS-OVBA reader, every module.
    LibreOffice 7.4 opens no .xlam at all (not even the one xlwings ships, made by Excel), so
    it is given the same package typed as a macro-enabled workbook; it exits 0 even when a
    file fails to load, so the output must exist."""
    twin = tmp_path / "in" / "xlplan-as-xlsm.xlsm"
    twin.parent.mkdir()
    with zipfile.ZipFile(addin) as source, zipfile.ZipFile(twin, "w") as dest:
        for name in source.namelist():
            data = source.read(name)
            if name == "[Content_Types].xml":
                data = data.replace(build.ADDIN_CONTENT_TYPE.encode(),
                                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
            dest.writestr(name, data)
    (ods,) = to_ods([twin], tmp_path / "out")
    with zipfile.ZipFile(ods) as archive:
        basic = {Path(n).stem: archive.read(n).decode() for n in archive.namelist()
                 if n.startswith("Basic/xlplan/") and not n.endswith("script-lb.xml")}
    assert set(basic) == set(modules)
    for sub in CALLBACK.findall(modules["XlplanRibbon"]):
        assert f"Sub {sub}(control As IRibbonControl)" in basic["XlplanRibbon"]


def test_vba_project_reads_back(addin, modules):
    """olefile (strict) reads the compound file, and olevba reads every module: the document
    modules, the callbacks, and xlwings' runtime with its project name set to xlplan."""
    with zipfile.ZipFile(addin) as archive:
        project = archive.read("xl/vbaProject.bin")
    ole = olefile.OleFileIO(io.BytesIO(project), raise_defects=olefile.DEFECT_INCORRECT)
    assert ole.openstream("VBA/_VBA_PROJECT").read() == bytes.fromhex("CC61FFFF000000")
    text = ole.openstream("PROJECT").read().decode("cp1252")
    project_id = re.search(r'^ID="(\{[0-9A-F-]+\})"', text, re.MULTILINE).group(1)
    protection = dict(re.findall(r'^(CMG|DPB|GC)="([0-9A-F]+)"', text, re.MULTILINE))
    assert decrypt(project_id, protection["CMG"]) == bytes(4)  # not protected
    assert decrypt(project_id, protection["DPB"]) == b"\0"  # no password
    assert decrypt(project_id, protection["GC"]) == b"\xff"  # visible
    assert set(modules) == {"ThisWorkbook", "Sheet1", "XlplanRibbon", "xlwings", "Dictionary",
                            "xlwings_udfs"}
    callbacks = build.parse_vba_export(
        (Path(build.__file__).parents[2] / "udfs" / "addin" / "XlplanRibbon.bas").read_text(),
        "XlplanRibbon.bas")
    read_back = modules["XlplanRibbon"].replace("\r\n", "\n").strip().split("\n")
    assert read_back[0] == 'Attribute VB_Name = "XlplanRibbon"'
    assert "\n".join(read_back[1:]) == callbacks.code.strip()
    runtime = modules["xlwings"]
    assert 'Public Const PROJECT_NAME As String = "xlplan"' in runtime
    assert "Public Function RunPython(" in runtime
    import xlwings

    assert f"'Version: {xlwings.__version__}" in runtime


def test_the_addin_declares_every_worksheet_function(modules):
    """The add-in's own VBA declares every PLAN_* function of udfs.functions, with its
    arguments (optional ones as Optional), calling the runtime it carries (XLPy.CallUDF) on
    the active workbook, as xlwings' Import Functions writes it; each function's description
    and argument descriptions are registered for the function wizard when the add-in opens.
    No function asks xlwings for its legacy array resize."""
    import inspect

    from udfs import functions

    code = modules["xlwings_udfs"].replace("\r\n", "\n")
    declared = dict(re.findall(r"^Function (PLAN_\w+)\(([^)]*)\)$", code, re.MULTILINE))
    assert set(declared) == set(functions.__all__)
    for name in functions.__all__:
        parameters = inspect.signature(getattr(functions, name)).parameters.values()
        expected = ", ".join(("Optional " if p.default is not p.empty else "") + p.name
                             for p in parameters)
        assert declared[name] == expected, name
        assert (f'{name} = XLPy.CallUDF("udfs.functions", "{name}", Array('
                f'{", ".join(p.name for p in parameters)}), ActiveWorkbook, '
                f"Application.Caller)") in code
        assert f"& \"'!{name}\"" in code  # its MacroOptions
    assert code.count("ArgumentDescriptions:=Array(") == len(functions.__all__)
    assert '"Yearly margin per customer"' in code
    assert "RegisterXlplanFunctions" in modules["ThisWorkbook"]
    assert "expand" not in Path(functions.__file__).read_text("utf-8")


def test_every_button_has_its_callback_and_python_target(addin, modules):
    """Each ribbon button's onAction names a Sub (control As IRibbonControl) of
    XlplanRibbon; each Sub's RunPython imports a module that has the function it calls; the
    buttons are exactly the macros of `xlplan run`."""
    with zipfile.ZipFile(addin) as archive:
        ui = ElementTree.fromstring(archive.read(build.CUSTOM_UI_PART))
    buttons = list(ui.iter(f"{UI}button"))
    assert {b.get("id").replace("_", "-") for b in buttons} == set(MACROS)
    code = modules["XlplanRibbon"]
    subs = set(CALLBACK.findall(code))
    for button in buttons:
        module, sub = button.get("onAction").split(".")
        assert module == "XlplanRibbon" and sub in subs, button.get("onAction")
        assert button.get("label") and button.get("screentip")
    bodies = re.split(r"^Sub ", code, flags=re.MULTILINE)[1:]
    assert len(bodies) == len(subs) == len(buttons)
    import udfs.ribbon

    for body in bodies:
        (module_name, call), = RUN_PYTHON.findall(body)
        module = importlib.import_module(module_name)
        target = module
        for part in call.split(".")[len(module_name.split(".")):]:
            target = getattr(target, part)
        assert callable(target)
        assert target in udfs.ribbon.TARGETS.values()


def test_ribbon_labels_follow_the_language():
    """The same add-in in each language differs only in the ribbon's labels."""
    built = {lang: zipfile.ZipFile(io.BytesIO(build.build_addin(lang))) for lang in Language}
    en, fr = built[Language.EN], built[Language.FR]
    for name in en.namelist():
        same = en.read(name) == fr.read(name)
        assert same is (name != build.CUSTOM_UI_PART), name
    assert b"Noter et classer" in fr.read(build.CUSTOM_UI_PART)
    assert b"Puntuar y ordenar" in built[Language.ES].read(build.CUSTOM_UI_PART)


def test_build_is_deterministic_and_refuses_other_extensions(tmp_path):
    """Same sources, same bytes; the CLI writes only a .xlam and never replaces silently."""
    assert build.build_addin() == build.build_addin()
    runner = CliRunner()
    target = tmp_path / "xlplan.xlam"
    assert runner.invoke(main, ["addin", "build", "-o", str(target)]).exit_code == 0
    again = runner.invoke(main, ["addin", "build", "-o", str(target)])
    assert again.exit_code == 2 and "--force" in again.output
    wrong = runner.invoke(main, ["addin", "build", "-o", str(tmp_path / "xlplan.xlsm")])
    assert wrong.exit_code == 2 and ".xlam" in wrong.output


def test_a_changed_xlwings_runtime_is_a_clear_error(tmp_path, monkeypatch):
    """If xlwings stops shipping the line the builder sets, the build says so."""
    folder = tmp_path / "xlwings"
    (folder / "addin").mkdir(parents=True)
    real = build.xlwings_folder()
    (folder / "xlwings_custom_addin.bas").write_text(
        'Attribute VB_Name = "xlwings"\r\nPublic Const PROJECT = "x"\r\n', "cp1252")
    (folder / "addin" / "Dictionary.cls").write_bytes(
        (real / "addin" / "Dictionary.cls").read_bytes())
    monkeypatch.setattr(build, "xlwings_folder", lambda: folder)
    with pytest.raises(build.AddinSourceError, match="PROJECT_NAME"):
        build.build_addin()


def test_decryption_matches_office(tmp_path):
    """Our MS-OVBA decryption reads the protection strings Office wrote in xlwings' own
    add-in (unprotected, no password, visible), and our encryption round-trips."""
    with zipfile.ZipFile(build.xlwings_folder() / "quickstart_addin_ribbon.xlam") as archive:
        ole = olefile.OleFileIO(io.BytesIO(archive.read("xl/vbaProject.bin")))
    text = ole.openstream("PROJECT").read().decode("cp1252")
    project_id = re.search(r'^ID="(\{[0-9A-F-]+\})"', text, re.MULTILINE).group(1)
    found = dict(re.findall(r'^(CMG|DPB|GC)="([0-9A-F]+)"', text, re.MULTILINE))
    assert decrypt(project_id, found["CMG"]) == bytes(4)
    assert decrypt(project_id, found["DPB"]) == b"\0"
    assert decrypt(project_id, found["GC"]) == b"\xff"
    for seed in range(256):
        assert decrypt(project_id, encrypt(project_id, b"\x01\x02\xff", seed)) == b"\x01\x02\xff"


@settings(max_examples=60, deadline=None)
@given(st.one_of(st.binary(max_size=9000),
                 st.text(alphabet="Sub End If x = 1\r\n' ", max_size=20000).map(str.encode)))
def test_compression_round_trips_through_oletools(data):
    """oletools' decompressor gives back what we compressed (a last chunk of random bytes
    too long to fit compressed is refused, never written wrong)."""
    try:
        packed = compress(data)
    except ValueError:
        tail = len(data) % 4096
        assert tail > 3600
        return
    assert bytes(decompress_stream(bytearray(packed))) == data


@settings(max_examples=40, deadline=None)
@given(st.dictionaries(
    st.lists(st.text(alphabet="ABCabc_xyz0", min_size=1, max_size=31), min_size=1,
             max_size=3).map("/".join),
    st.binary(max_size=9000), min_size=1, max_size=12))
def test_compound_file_round_trips_through_olefile(streams):
    """olefile, strict about defects, reads back every stream we wrote."""
    folded = [path.upper() for path in streams]
    if len(set(folded)) < len(folded) or any(
            b.startswith(a + "/") for a in folded for b in folded):
        with pytest.raises(ValueError):  # names are case-insensitive; a stream has no children
            compound_file(streams)
        return
    data = compound_file(streams)
    ole = olefile.OleFileIO(io.BytesIO(data), raise_defects=olefile.DEFECT_INCORRECT)
    for path, content in streams.items():
        assert ole.openstream(path).read() == content


def test_install_writes_the_addin_and_settings(tmp_path, monkeypatch):
    """`xlplan addin install --xlstart DIR`: the add-in in DIR, and the settings file
    pointing at this Python, keeping any other setting already there."""
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))
    conf = home / ".xlplan" / "xlplan.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text('"SHOW CONSOLE","True"\n"INTERPRETER_WIN","C:\\old\\python.exe"\n')
    result = CliRunner().invoke(main, ["addin", "install", "--xlstart",
                                       str(tmp_path / "XLSTART"), "--lang", "es"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "XLSTART" / "xlplan.xlam").read_bytes() == build.build_addin(Language.ES)
    lines = conf.read_text().splitlines()
    assert '"SHOW CONSOLE","True"' in lines
    assert not any("old" in line for line in lines)
    assert any(line.startswith('"INTERPRETER_') for line in lines)
    assert "trusted location" in result.output
    assert config_text("", {"UDF MODULES": "udfs.functions"}) == '"UDF MODULES","udfs.functions"\n'


def test_ribbon_run_says_what_happened(example_plans, tmp_path):
    """The ribbon's Python side (udfs.ribbon.run) on the file twin: the macro's message is
    said, and an error is said too, not raised."""
    from udfs.ribbon import run
    from xlplan.macros import FileBook
    from xlplan.workbook import render_bytes

    path = tmp_path / "northwind.xlsx"
    path.write_bytes(render_bytes(example_plans["northwind"]))
    said: list[str] = []
    assert run("export-actions", FileBook(path, say=said.append)) is not None
    assert "northwind - actions.csv" in said[-1]
    (tmp_path / "~$northwind - actions.csv").write_text("lock")
    assert run("export-actions", FileBook(path, force=True, say=said.append)) is None
    assert "open in Excel" in said[-1]


def test_the_core_never_imports_xlwings():
    """Every module of xlplan (the add-in builder and the macros included) imports without
    pulling xlwings in: Excel stays behind the udfs/ seam."""
    import subprocess
    import sys

    code = ("import importlib, pkgutil, sys, xlplan\n"
            "for m in pkgutil.walk_packages(xlplan.__path__, 'xlplan.'):\n"
            "    importlib.import_module(m.name)\n"
            "assert 'xlwings' not in sys.modules, [m for m in sys.modules if 'xlw' in m]\n"
            "print('ok')")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=False, cwd=Path(build.__file__).parents[2])
    assert result.stdout.strip() == "ok", result.stderr


def test_only_the_open_source_part_of_xlwings_is_used():
    """No module imports xlwings.pro or xlwings.server (they need a commercial licence), and
    the VBA runtime built in is the BSD-licensed one."""
    import ast

    root = Path(build.__file__).parents[2]
    for path in [*root.glob("udfs/**/*.py"), *root.glob("xlplan/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                assert not name.startswith(("xlwings.pro", "xlwings.server")), (path, name)
    runtime = (build.xlwings_folder() / "xlwings_custom_addin.bas").read_text("cp1252")
    assert "BSD 3-clause license" in runtime


def test_install_writes_settings_excel_can_read_in_its_code_page(tmp_path):
    """On Windows the settings file is in the ANSI code page VBA reads (cp1252 here): a home
    folder and a Python path with accents and spaces read back exactly; one the code page
    cannot hold is refused in one line, not written wrong."""
    from xlplan.addin.install import install_steps
    from xlplan.errors import OutputError

    home = tmp_path / "Hélène Núñez"
    python = "C:\\Users\\Hélène Núñez\\AppData\\Local\\Programs\\Python\\python.exe"
    steps = install_steps(tmp_path / "XLSTART", python, "win32", home)
    steps.apply(b"addin")
    assert steps.config.parent.parent == home
    assert f'"INTERPRETER_WIN","{python}"' in steps.config.read_bytes().decode("cp1252")
    greek = install_steps(tmp_path / "XLSTART", "C:\\Χρήστες\\python.exe", "win32", home)
    with pytest.raises(OutputError, match="code page"):
        greek.apply(b"addin")


def test_install_on_a_mac_says_what_works_there(tmp_path):
    """On a Mac, `addin install` installs nothing and says what works instead (exit 2)."""
    from xlplan.addin.install import install_steps
    from xlplan.errors import OutputError

    with pytest.raises(OutputError, match=r"does not run on a Mac.*xlplan run"):
        install_steps(None, "/usr/bin/python3", "darwin", tmp_path)
    assert not any(tmp_path.iterdir())


def test_vba_records_match_what_office_writes(addin):
    """The class module carries the attribute lines Office stores for one (VB_Base,
    VB_TemplateDerived, VB_Customizable), exactly as in xlwings' Excel-saved add-in; every
    storage of the compound file starts at sector 0, as MS-CFB says."""
    from oletools.olevba import VBA_Parser

    def attributes(data: bytes, module: str) -> list[str]:
        parser = VBA_Parser("x.xlam", data=data)
        code = next(code for _, _, name, code in parser.extract_macros()
                    if name.startswith(module + "."))
        return [line for line in code.splitlines() if line.startswith("Attribute ")]

    with zipfile.ZipFile(build.xlwings_folder() / "quickstart_addin_ribbon.xlam") as archive:
        office = archive.read("xl/vbaProject.bin")
    with zipfile.ZipFile(addin) as archive:
        ours = archive.read("xl/vbaProject.bin")
    assert attributes(ours, "Dictionary") == attributes(office, "Dictionary")
    assert attributes(ours, "ThisWorkbook") == attributes(office, "ThisWorkbook")
    ole = olefile.OleFileIO(io.BytesIO(ours))
    storages = [e for e in ole.direntries
                if e is not None and e.entry_type == olefile.STGTY_STORAGE]
    assert storages and all(e.isectStart == 0 and e.size == 0 for e in storages)
