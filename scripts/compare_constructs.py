#!/usr/bin/env python3
"""Print, construct by construct, the XML of one of our workbooks next to files Excel made.

    .venv/bin/python scripts/compare_constructs.py out/boutique.xlsx
    .venv/bin/python scripts/compare_constructs.py out/boutique.xlsx --construct bar_axes --full

Two folders of Excel-made reference files (see docs/excel-constructs.md):

* ``--reference DIR``: XlsxWriter's comparison files (Excel 2007, AppVersion 12.0000), from the
  XlsxWriter repository's ``xlsxwriter/test/comparison/xlsx_files``;
* ``--modern-reference DIR``: a few Apache POI test files saved by Excel 2010-2016 (AppVersion
  14-16), for what Excel 2007 did not write (``<c:delete val="0"/>``, x14 data validations). A
  file missing there is taken from a bare clone of apache/poi (``--poi-git``) when there is one.

The same extractor runs on our file and on each reference, so the snippets compare like for like.
Long runs of chart points are cut to two, and ``spPr``/``txPr`` (drawing properties) to an
ellipsis, unless ``--full``.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

XLSXWRITER_DIR = Path("/tmp/xw/xlsxwriter/test/comparison/xlsx_files")
POI_DIR = Path("/tmp/poi")
POI_GIT = Path("/work/.mirror/apache+poi/repo")
POI_PATH = "test-data/spreadsheet/"

# Reference files. XlsxWriter's (Excel 2007):
XW_TABLE_CALC = "table34.xlsx"  # calculatedColumnFormula with [#This Row], shared strings
XW_BAR = "chart_bar22.xlsx"  # bar chart, strRef/strCache categories, numRef/numCache values
XW_LINE = "chart_line01.xlsx"  # line chart
XW_PIE = "chart_pie01.xlsx"  # pie chart
XW_DV_LIST = "data_validation01.xlsx"  # list validation (literal list)
XW_CF_CELLIS = "cond_format07.xlsx"  # two cellIs rules on one range
XW_DXF = "cond_format01.xlsx"  # the dxf Excel writes for a conditional format
XW_NAMES = "defined_name01.xlsx"  # workbook- and sheet-scoped names, sorted
XW_CUSTOM = "properties04.xlsx"  # docProps/custom.xml
XW_FORMULAS = "escapes01.xlsx"  # formula cells with t="str" cached text
XW_STRINGS = "shared_strings01.xlsx"  # sharedStrings with xml:space="preserve", _xHHHH_
# Apache POI's, saved by Excel 2010-2016:
POI_TABLE = "table-sample.xlsx"  # Excel 16: calculatedColumnFormula, totals row
POI_SREFS = "StructuredReferences.xlsx"  # Excel 16: column name with # escaped as '#
POI_DASHBOARD = "dataValidationTableRange.xlsx"  # Excel 16: bar chart, DV from a name, CF
POI_COMBO = "57362.xlsx"  # Excel 15: bar + line, strRef categories, <c:delete val="0"/>
POI_X14_DV = "56644.xlsx"  # Excel 14: list from another sheet, in the x14 extension
POI_CF = "StructuredRefs-lots-with-lookups.xlsx"  # Excel 16: cellIs + expression rules
POI_CF_CELLIS = "conditional_formatting_cell_is.xlsx"  # Excel 15: cellIs rules and dxfs
POI_BOOL = "ValueFunctionOfBlank.xlsx"  # Excel 16: t="b" and t="e" formula results
POI_CUSTOM = "61605.xlsx"  # Excel 15: docProps/custom.xml

Parts = dict[str, str]
Snippet = tuple[str, str]  # (part name, xml)
Extractor = Callable[[Parts], list[Snippet]]


@dataclass(frozen=True)
class Construct:
    key: str
    title: str
    extract: Extractor
    xlsxwriter: tuple[str, ...]
    poi: tuple[str, ...]


# --- reading --------------------------------------------------------------------------------

def load_parts(path: Path) -> Parts:
    """The package's XML parts as text (the content types and relationships included)."""
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name).decode("utf-8", errors="replace")
                for name in archive.namelist()
                if name.endswith((".xml", ".rels"))}


def _natural(name: str) -> list[object]:
    return [int(piece) if piece.isdigit() else piece for piece in re.split(r"(\d+)", name)]


def parts_like(parts: Parts, pattern: str) -> list[str]:
    return sorted((name for name in parts if re.fullmatch(pattern, name)), key=_natural)


def elements(xml: str, local: str) -> Iterator[str]:
    """Each element whose local name is ``local`` (any prefix), outer ones first."""
    opening = re.compile(rf"<((?:[\w.-]+:)?{re.escape(local)})(?=[\s/>])[^>]*?(/?)>")
    for start in opening.finditer(xml):
        if start.group(2):
            yield start.group(0)
            continue
        name = re.escape(start.group(1))
        depth = 1
        for tag in re.finditer(rf"<(/?){name}(?=[\s/>])[^>]*?(/?)>", xml[start.end():]):
            if tag.group(2):
                continue
            depth += -1 if tag.group(1) else 1
            if depth == 0:
                yield xml[start.start():start.end() + tag.end()]
                break


def first(xml: str, local: str, where: Callable[[str], bool] = lambda _: True) -> str | None:
    return next((found for found in elements(xml, local) if where(found)), None)


def attr(element: str, name: str) -> str | None:
    found = re.match(rf"<[^>]*?\s{re.escape(name)}=\"([^\"]*)\"", element)
    return found.group(1) if found else None


# --- extractors -----------------------------------------------------------------------------

def in_parts(pattern: str, local: str, where: Callable[[str], bool] = lambda _: True,
             limit: int = 1) -> Extractor:
    def extract(parts: Parts) -> list[Snippet]:
        out: list[Snippet] = []
        for name in parts_like(parts, pattern):
            for found in elements(parts[name], local):
                if where(found):
                    out.append((name, found))
                    if len(out) == limit:
                        return out
        return out
    return extract


def has(*needles: str) -> Callable[[str], bool]:
    return lambda xml: all(needle in xml for needle in needles)


SHEETS = r"xl/worksheets/sheet\d+\.xml"
CHARTS = r"xl/charts/chart\d+\.xml"


def table_calculated_column(parts: Parts) -> list[Snippet]:
    found = in_parts(r"xl/tables/table\d+\.xml", "table", has("calculatedColumnFormula"))(parts)
    if found:
        return found
    return [(name, f"<!-- no calculatedColumnFormula in any table; first table: -->{xml}")
            for name, xml in in_parts(r"xl/tables/table\d+\.xml", "table")(parts)]


def calculated_column_cells(parts: Parts) -> list[Snippet]:
    """A formula cell that uses a structured reference ("Table[...]"), as a calculated column's
    cells do; else the first formula cell of a sheet that has a table."""
    structured = re.compile(r"<f[^>]*>[^<]*\w\[[^<]*</f>")
    found = in_parts(SHEETS, "c", lambda c: bool(structured.search(c)))(parts)
    if found:
        return found
    with_tables = [name for name in parts_like(parts, SHEETS) if "<tablePart" in parts[name]]
    for name in with_tables:
        cell = first(parts[name], "c", has("<f"))
        if cell:
            return [(name, f"<!-- no structured reference in any formula; first formula cell "
                           f"of a sheet with a table: -->{cell}")]
    return []


def chart_group(kind: str) -> Extractor:
    """The first <ser> of the first ``kind`` chart group, then the axes it is plotted on."""
    def extract(parts: Parts) -> list[Snippet]:
        for name in parts_like(parts, CHARTS):
            group = first(parts[name], kind)
            if group is None:
                continue
            series = first(group, "ser") or group
            out: list[Snippet] = [(name, series)]
            ids = re.findall(r"<(?:[\w.-]+:)?axId val=\"(-?\d+)\"", group.replace(series, ""))
            plot = first(parts[name], "plotArea") or ""
            for axis_kind in ("catAx", "dateAx", "valAx", "serAx"):
                for axis in elements(plot, axis_kind):
                    own = re.search(r"<(?:[\w.-]+:)?axId val=\"(-?\d+)\"", axis)
                    if own and own.group(1) in ids:
                        out.append((name, axis))
            return out
        return []
    return extract


def chart_frame(parts: Parts) -> list[Snippet]:
    """What surrounds the plot area: chartSpace's first children, and what follows </plotArea>."""
    for name in parts_like(parts, CHARTS):
        xml = parts[name]
        head = re.search(r"<(?:[\w.-]+:)?chartSpace\b.*?<(?:[\w.-]+:)?plotArea\b", xml, re.S)
        tail = re.search(r"</(?:[\w.-]+:)?plotArea>.*", xml, re.S)
        if head and tail:
            return [(name, head.group(0) + "…"), (name, tail.group(0))]
    return []


def pie(parts: Parts) -> list[Snippet]:
    return in_parts(CHARTS, "pieChart")(parts)


def list_validation(parts: Parts) -> list[Snippet]:
    """List validations whose source is not a literal list (a range or a name), in the sheet's
    <dataValidations> or in its x14 extension; else the first list validation."""
    def not_literal(dv: str) -> bool:
        formula = re.search(r"<(?:[\w.-]+:)?formula1>(?:<xm:f>)?([^<]*)", dv)
        return (dv.startswith("<dataValidation ") and attr(dv, "type") == "list"
                and formula is not None
                and not formula.group(1).startswith(("\"", "&quot;")))
    found = in_parts(SHEETS, "dataValidation", not_literal)(parts)
    x14 = in_parts(SHEETS, "ext", has("{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}"))(parts)
    if found or x14:
        return found + x14
    return in_parts(SHEETS, "dataValidation", lambda dv: attr(dv, "type") == "list")(parts)


def conditional_format(rule_type: str) -> Extractor:
    return in_parts(SHEETS, "conditionalFormatting", has(f'type="{rule_type}"'))


def first_dxf(parts: Parts) -> list[Snippet]:
    return in_parts(r"xl/styles\.xml", "dxf")(parts)


def fonts(parts: Parts) -> list[Snippet]:
    return in_parts(r"xl/styles\.xml", "font", limit=2)(parts)


def defined_names(parts: Parts) -> list[Snippet]:
    return in_parts(r"xl/workbook\.xml", "definedNames")(parts)


def custom_properties(parts: Parts) -> list[Snippet]:
    out = in_parts(r"docProps/custom\.xml", "Properties")(parts)
    out += in_parts(r"\[Content_Types\]\.xml", "Override", has("/docProps/custom.xml"))(parts)
    out += in_parts(r"_rels/\.rels", "Relationship", has("custom-properties"))(parts)
    return out


def _cached_kind(cell: str) -> str | None:
    if "<f" not in cell:
        return None
    kind = attr(cell, "t") or "n"
    value = re.search(r"<v>([^<]*)</v>", cell)
    empty = value is None or value.group(1) == ""
    if kind == "n":
        return "no cached value" if empty else "number"
    if kind == "str":
        return "empty string" if empty else "str"
    return kind


def formula_cells(parts: Parts) -> list[Snippet]:
    """The first formula cell of each kind of cached result: number, str, empty string, b, e,
    and formula cells with no cached value at all."""
    seen: dict[str, Snippet] = {}
    for name in parts_like(parts, SHEETS):
        for cell in elements(parts[name], "c"):
            kind = _cached_kind(cell)
            if kind and kind not in seen:
                seen[kind] = (name, f"<!-- {kind} -->{cell}")
        if len(seen) == 6:
            break
    return list(seen.values())


def shared_strings(parts: Parts) -> list[Snippet]:
    out: list[Snippet] = []
    table = parts.get("xl/sharedStrings.xml")
    if table:
        head = re.search(r"<sst\b[^>]*>", table)
        items = list(elements(table, "si"))
        preserved = [item for item in items if "xml:space" in item][:1]
        out.append(("xl/sharedStrings.xml",
                    (head.group(0) if head else "") + "".join(items[:3]) + "…"
                    + "".join(preserved)))
    out += in_parts(SHEETS, "c", lambda c: attr(c, "t") == "s")(parts)
    out += in_parts(SHEETS, "c", lambda c: attr(c, "t") == "inlineStr")(parts)
    return out


CONSTRUCTS = (
    Construct("table_calculated_column", "(a) table with a calculated column",
              table_calculated_column, (XW_TABLE_CALC,), (POI_TABLE,)),
    Construct("table_column_cells", "(a) cells of a calculated column",
              calculated_column_cells, (XW_TABLE_CALC,), (POI_TABLE, POI_SREFS)),
    Construct("chart_frame", "(b) chart space around the plot area",
              chart_frame, (XW_BAR,), (POI_DASHBOARD,)),
    Construct("bar_axes", "(b) bar chart: first series and its axes",
              chart_group("barChart"), (XW_BAR,), (POI_DASHBOARD, POI_COMBO)),
    Construct("line_axes", "(b) line chart: first series and its axes",
              chart_group("lineChart"), (XW_LINE,), (POI_COMBO,)),
    Construct("pie", "(b) pie chart", pie, (XW_PIE,), ()),
    Construct("list_validation", "(c) list validation from a range or a name",
              list_validation, (XW_DV_LIST,), (POI_DASHBOARD, POI_X14_DV)),
    Construct("cf_expression", "(d) conditional format, formula rule",
              conditional_format("expression"), (), (POI_DASHBOARD, POI_CF)),
    Construct("cf_cellIs", "(d) conditional format, cellIs rule",
              conditional_format("cellIs"), (XW_CF_CELLIS,), (POI_CF_CELLIS,)),
    Construct("dxf", "(d) the differential format of a rule",
              first_dxf, (XW_DXF,), (POI_CF_CELLIS,)),
    Construct("defined_names", "(e) defined names", defined_names, (XW_NAMES,),
              (POI_DASHBOARD,)),
    Construct("custom_properties", "(f) custom document properties",
              custom_properties, (XW_CUSTOM,), (POI_CUSTOM,)),
    Construct("formula_cells", "(g) formula cells and their cached results",
              formula_cells, (XW_FORMULAS,), (POI_BOOL, POI_DASHBOARD)),
    Construct("shared_strings", "(h) shared strings", shared_strings,
              (XW_STRINGS, XW_TABLE_CALC), ()),
    Construct("fonts", "styles: the first fonts (child order)", fonts, (XW_TABLE_CALC,),
              (POI_TABLE,)),
)


# --- output ---------------------------------------------------------------------------------

_POINT = r"<(?:[\w.-]+:)?pt idx=\"\d+\"[^>]*>.*?</(?:[\w.-]+:)?pt>"
_POINTS = re.compile(rf"((?:{_POINT}){{2}})((?:{_POINT})+)", re.S)
_DRAWING = re.compile(r"<((?:[\w.-]+:)?(?:spPr|txPr))\b[^>]*>.*?</\1>", re.S)


def shorten(xml: str, limit: int) -> str:
    xml = _POINTS.sub(lambda m: m.group(1) + f"<!-- +{len(re.findall(_POINT, m.group(2)))} pt -->",
                      xml)
    xml = _DRAWING.sub(lambda m: f"<{m.group(1)}>…</{m.group(1)}>", xml)
    return xml if len(xml) <= limit else xml[:limit] + f"…[+{len(xml) - limit} chars]"


def reference_path(name: str, folder: Path, poi_git: Path | None) -> Path | None:
    path = folder / name
    if path.exists() or poi_git is None or not poi_git.exists():
        return path if path.exists() else None
    done = subprocess.run(["git", "--git-dir", str(poi_git), "show", f"HEAD:{POI_PATH}{name}"],
                          capture_output=True, check=False)
    if done.returncode != 0:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    path.write_bytes(done.stdout)
    return path


def show(label: str, snippets: Sequence[Snippet], limit: int) -> None:
    if not snippets:
        print(f"  {label}: (not found)")
    for part, xml in snippets:
        print(f"  {label} {part}:\n    {shorten(xml, limit)}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("workbook", type=Path, help="one of our .xlsx files")
    parser.add_argument("--reference", type=Path, default=XLSXWRITER_DIR,
                        help=f"XlsxWriter's Excel-made files (default {XLSXWRITER_DIR})")
    parser.add_argument("--modern-reference", type=Path, default=POI_DIR,
                        help=f"Apache POI's Excel 2010-2016 files (default {POI_DIR})")
    parser.add_argument("--poi-git", type=Path, default=POI_GIT,
                        help=f"bare clone of apache/poi to take missing files from ({POI_GIT})")
    parser.add_argument("--construct", action="append", choices=[c.key for c in CONSTRUCTS],
                        help="only this construct (repeatable)")
    parser.add_argument("--max-chars", type=int, default=1500, help="per snippet (default 1500)")
    parser.add_argument("--full", action="store_true", help="no cutting at all")
    args = parser.parse_args(argv)
    limit = sys.maxsize if args.full else args.max_chars
    try:
        ours = load_parts(args.workbook)
    except (OSError, zipfile.BadZipFile) as exc:
        print(f"{args.workbook}: cannot be read ({exc})", file=sys.stderr)
        return 2
    for construct in CONSTRUCTS:
        if args.construct and construct.key not in args.construct:
            continue
        print(f"== {construct.key}: {construct.title}")
        show(f"OURS {args.workbook.name}", construct.extract(ours), limit)
        sources = [(name, reference_path(name, args.reference, None), "Excel 2007")
                   for name in construct.xlsxwriter]
        sources += [(name, reference_path(name, args.modern_reference, args.poi_git),
                     "Excel 2010+") for name in construct.poi]
        for name, path, made_by in sources:
            if path is None:
                print(f"  EXCEL {name}: reference file not found")
                continue
            show(f"EXCEL ({made_by}) {name}", construct.extract(load_parts(path)), limit)
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
