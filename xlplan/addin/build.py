"""``xlplan addin build``: the xlplan.xlam add-in, assembled from sources kept as text.

- the ribbon: ``udfs/addin/customUI14.xml``, a Jinja template with the labels of one language;
- the callbacks: ``udfs/addin/XlplanRibbon.bas``, one ``Sub Name(control As IRibbonControl)``
  per button, each calling its Python macro through xlwings' ``RunPython``;
- the xlwings VBA runtime: ``xlwings_custom_addin.bas`` (and ``addin/Dictionary.cls``, which it
  needs on a Mac) from the xlwings package installed here, with its project name set to
  xlplan (so its settings file is ``%USERPROFILE%\\.xlplan\\xlplan.conf``).

The xlwings package is located, not imported: the core never imports xlwings.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from xml.etree import ElementTree

import jinja2
from markupsafe import Markup, escape
from openpyxl import Workbook

from ..errors import XlplanError
from ..model import Language
from ..workbook.package import workbook_parts, zip_parts
from ..workbook.templates import translations
from .ovba import SHEET_BASE, WORKBOOK_BASE, Module, vba_project
from .udf_vba import WORKBOOK_OPEN, declarations_vba, registration_vba, worksheet_functions

PROJECT_NAME = "xlplan"
ADDIN_CONTENT_TYPE = "application/vnd.ms-excel.addin.macroEnabled.main+xml"
VBA_CONTENT_TYPE = "application/vnd.ms-office.vbaProject"
VBA_RELATIONSHIP = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
UI_RELATIONSHIP = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
CUSTOM_UI_PART = "customUI/customUI14.xml"
CONFIG_SHEET = f"{PROJECT_NAME}.conf"
_TYPES_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_STAMP = datetime(2000, 1, 1)
_PROJECT_NAME_LINE = re.compile(r'^(Public Const PROJECT_NAME As String = )"myaddin"',
                                re.MULTILINE)


class AddinSourceError(XlplanError):
    """The xlwings runtime or one of our add-in sources is not what the builder expects."""


@dataclass(frozen=True)
class VbaFile:
    """A VBA module as the VB editor exports it: Attribute lines, then the code."""

    name: str
    attributes: tuple[str, ...]
    code: str


def parse_vba_export(text: str, where: str) -> VbaFile:
    """Split an exported .bas or .cls: its class header (dropped), leading Attribute lines
    (VB_Name gives the name) and code."""
    lines = text.replace("\r\n", "\n").split("\n")
    if lines and lines[0].startswith("VERSION "):
        end = lines.index("END")
        lines = lines[end + 1:]
    attributes = []
    while lines and lines[0].startswith("Attribute "):
        attributes.append(lines.pop(0))
    names = [a for a in attributes if a.startswith("Attribute VB_Name = ")]
    if not names:
        raise AddinSourceError(f"{where}: no 'Attribute VB_Name' line")
    name = names[0].split("=", 1)[1].strip().strip('"')
    return VbaFile(name, tuple(a for a in attributes if a not in names), "\n".join(lines))


def xlwings_folder() -> Path:
    spec = importlib.util.find_spec("xlwings")
    if spec is None or not spec.submodule_search_locations:
        raise AddinSourceError("the xlwings package is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def xlwings_runtime() -> list[Module]:
    """xlwings' VBA runtime for custom add-ins, from the installed package."""
    folder = xlwings_folder()
    bas = folder / "xlwings_custom_addin.bas"
    cls = folder / "addin" / "Dictionary.cls"
    for path in (bas, cls):
        if not path.is_file():
            raise AddinSourceError(f"{path}: missing from the installed xlwings package")
    runtime = parse_vba_export(bas.read_text("cp1252"), str(bas))
    code, count = _PROJECT_NAME_LINE.subn(rf'\1"{PROJECT_NAME}"', runtime.code)
    if count != 1:
        raise AddinSourceError(f"{bas}: expected one PROJECT_NAME line to set, found {count}")
    dictionary = parse_vba_export(cls.read_text("cp1252"), str(cls))
    return [Module(runtime.name, code, attributes=runtime.attributes),
            Module(dictionary.name, dictionary.code, kind="class",
                   attributes=dictionary.attributes)]


def _source(name: str) -> str:
    return resources.files("udfs").joinpath("addin", name).read_text("utf-8")


def ribbon_callbacks() -> Module:
    callbacks = parse_vba_export(_source("XlplanRibbon.bas"), "udfs/addin/XlplanRibbon.bas")
    return Module(callbacks.name, callbacks.code, attributes=callbacks.attributes)


def custom_ui(language: Language) -> str:
    words = translations(language)
    ribbon = words.data["ribbon"]

    def button(key: str, callback: str, image: str) -> Markup:
        text = ribbon[key]
        return Markup('<button id="{}" label="{}" screentip="{}" size="large" imageMso="{}" '
                      'onAction="XlplanRibbon.{}"/>').format(
            key.replace("-", "_"), escape(text["label"]), escape(text["tip"]), image, callback)

    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=True)
    return env.from_string(_source("customUI14.xml")).render(ribbon=ribbon, button=button)


def worksheet_function_module() -> Module:
    """The PLAN_* functions declared in the add-in itself (``udf_vba.py``)."""
    functions = worksheet_functions()
    return Module("xlwings_udfs", declarations_vba(functions) + "\n" +
                  registration_vba(functions))


def vba_modules() -> list[Module]:
    return [Module("ThisWorkbook", WORKBOOK_OPEN, kind="document", base=WORKBOOK_BASE),
            Module("Sheet1", "", kind="document", base=SHEET_BASE),
            ribbon_callbacks(), *xlwings_runtime(), worksheet_function_module()]


def _xml(root: ElementTree.Element, namespace: str) -> bytes:
    ElementTree.register_namespace("", namespace)
    body: bytes = ElementTree.tostring(root, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + body


def _add_relationship(part: bytes, rel_type: str, target: str) -> bytes:
    root = ElementTree.fromstring(part)
    taken = {el.get("Id") for el in root}
    number = next(n for n in range(1, len(taken) + 2) if f"rId{n}" not in taken)
    ElementTree.SubElement(root, f"{{{_RELS_NS}}}Relationship",
                           {"Id": f"rId{number}", "Type": rel_type, "Target": target})
    return _xml(root, _RELS_NS)


def _content_types(part: bytes) -> bytes:
    root = ElementTree.fromstring(part)
    for override in root.findall(f"{{{_TYPES_NS}}}Override"):
        if override.get("PartName") == "/xl/workbook.xml":
            override.set("ContentType", ADDIN_CONTENT_TYPE)
    ElementTree.SubElement(root, f"{{{_TYPES_NS}}}Override",
                           {"PartName": "/xl/vbaProject.bin", "ContentType": VBA_CONTENT_TYPE})
    if not any(d.get("Extension") == "xml" for d in root.findall(f"{{{_TYPES_NS}}}Default")):
        ElementTree.SubElement(root, f"{{{_TYPES_NS}}}Default",
                               {"Extension": "xml", "ContentType": "application/xml"})
    return _xml(root, _TYPES_NS)


def build_addin(language: Language = Language.EN) -> bytes:
    """The .xlam bytes; the same sources and language give the same bytes."""
    wb = Workbook()
    ws = wb.active
    ws.title = CONFIG_SHEET
    ws["A1"], ws["B1"] = "UDF Modules", "udfs.functions"
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 24
    ws.sheet_properties.codeName = "Sheet1"
    wb.code_name = "ThisWorkbook"
    wb.properties.title = "xlplan"
    wb.properties.creator = "xlplan"
    parts = workbook_parts(wb, _STAMP)
    parts["[Content_Types].xml"] = _content_types(parts["[Content_Types].xml"])
    parts["xl/_rels/workbook.xml.rels"] = _add_relationship(
        parts["xl/_rels/workbook.xml.rels"], VBA_RELATIONSHIP, "vbaProject.bin")
    parts["_rels/.rels"] = _add_relationship(parts["_rels/.rels"], UI_RELATIONSHIP,
                                             CUSTOM_UI_PART)
    parts["xl/vbaProject.bin"] = vba_project(PROJECT_NAME, vba_modules())
    parts[CUSTOM_UI_PART] = custom_ui(language).encode("utf-8")
    return zip_parts(parts)
