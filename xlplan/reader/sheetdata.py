"""A worksheet's cells read in bulk, as openpyxl would read them, at a fraction of the cost.

openpyxl parses a sheet element by element and makes a Cell object of each cell: most of the
time ``check`` and ``export`` spent on a large workbook. Here a worksheet written the usual way
(every cell with its plain ``r="B7"`` reference, no comment, CDATA or namespace declaration
among the cells, no hyperlink) has its ``<sheetData>`` cut out before openpyxl sees the part:
openpyxl reads the rest of the sheet (merged cells, tables, validations, row heights...)
exactly as usual, raising what it raises, and the cells are read here into a dict of values,
each converted by openpyxl's own rules and helpers (numbers, shared strings, dates by the
cell's style, booleans, formulas with their shared and array forms, errors). Anything that
is not written the usual way is left to openpyxl whole: the same values, the same errors.
"""

from __future__ import annotations

import io
import re
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from openpyxl.formula.translate import Translator
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

_MAIN_NS = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_BOM = b"\xef\xbb\xbf"
_DECLARATION = re.compile(rb"<\?xml(?:\s+[A-Za-z]+\s*=\s*(?:\"[^\"<>]*\"|'[^'<>]*'))*\s*\?>")
_ENCODING = re.compile(rb"encoding\s*=\s*[\"']([^\"']*)[\"']")
_ROOT = re.compile(rb"\s*<worksheet(?=[\s>])[^<>]*\sxmlns\s*=\s*\"" + re.escape(_MAIN_NS)
                   + rb"\"")
_SHEET_DATA_TAG = re.compile(rb"<sheetData(?=[\s/>])")
_DEFAULT_NAMESPACE = re.compile(rb"\sxmlns\s*=")
_CELL_OR_ROW_TAG = re.compile(rb"<(?:[^\s<>/!?:]+:)?(?:row|c)(?=[\s/>])")

_ATTRS = rb"(?:\s+[^\s=/<>\"']+\s*=\s*(?:\"[^\"<]*\"|'[^'<]*'))*\s*"
# One item of <sheetData>: a cell (its reference first, then at most a formula and a value or
# a plain inline string), a row's start or end, or any other tag (then the sheet is not the
# usual form). Text between them, which openpyxl ignores, is skipped.
_ITEM = re.compile(
    rb'<c r="([A-Z]{1,3})([1-9][0-9]{0,6})"(?: s="([0-9]{1,9})")?(?: t="([A-Za-z]{1,9})")?('
    + _ATTRS + rb")(?:/>|>\s*(?:(<f)(" + _ATTRS + rb")(?:/>|>([^<]*)</f>)\s*)?"
    rb"(?:(?:<v>([^<]*)</v>|<v\s*/>)\s*|(<is)(?:\s*/>|>\s*(?:<t(?:\s+xml:space=\"preserve\")?\s*"
    rb"(?:/>|>([^<]*)</t>)\s*)?</is>)\s*)?</c>)|<row(" + _ATTRS + rb")(/?)>|(</row>)|(<)")
# The same items written the plainest way (a cell's reference, style and type, then at most a
# formula with no attributes and a value, nothing between them): each one _ITEM reads alike.
_PLAINEST = re.compile(
    rb'<c r="([A-Z]{1,3})([1-9][0-9]{0,6})"(?: s="([0-9]{1,9})")?(?: t="([A-Za-z]{1,9})")?'
    rb"(?:/>|>(?:(<f>[^<]*)</f>)?(?:<v>([^<]*)</v>)?</c>)|<row(" + _ATTRS + rb")(/?)>|(</row>)|(<)")
# A row openpyxl does nothing with but count: its number, spans, attributes of other
# namespaces (Excel's x14ac:dyDescent).
_PLAIN_ROW = re.compile(rb'(?:\s+(?:r="[0-9]{1,9}"|spans="[^"<]*"|'
                        rb'[A-Za-z_][\w.-]*:[\w.-]+="[^"<]*"))*\s*')
_ATTR = re.compile(rb"([^\s=]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_ENTITY = re.compile(r"&(#x[0-9A-Fa-f]+|#[0-9]+|amp|lt|gt|quot|apos);")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


_SST_ROOT = re.compile(rb"\s*<sst(?=[\s>])[^<>]*\sxmlns\s*=\s*\"" + re.escape(_MAIN_NS)
                       + rb"\"[^<>]*>")
# One shared string: plain text in one <t> (or an empty <t/>); or any other tag.
_STRING_ITEM = re.compile(rb'<si>\s*<t(?:\s+xml:space="preserve")?\s*(?:/>|>([^<]*)</t>)\s*</si>'
                          rb"|(<)")


class NotPlain(Exception):
    """The part is not written the usual way: openpyxl reads it whole."""


@dataclass
class SheetCells:
    """A worksheet's cells as openpyxl gives them: each value (formulas as their ``=...``
    text or openpyxl's formula objects), and which cells hold a formula."""

    values: dict[tuple[int, int], Any] = field(default_factory=dict)
    formulas: set[tuple[int, int]] = field(default_factory=set)
    ordered: bool = True  # values in row, then column order


@dataclass(frozen=True)
class Styles:
    """What converting a cell needs from the rest of the package (read by openpyxl first)."""

    shared_strings: list[str]
    style_count: int
    date_formats: set[int]
    timedelta_formats: set[int]
    epoch: Any


def _entity(match: re.Match[str]) -> str:
    name = match.group(1)
    if name[0] != "#":
        return _NAMED[name]
    return chr(int(name[2:], 16) if name[1] in "xX" else int(name[1:]))


def _text(raw: bytes) -> str:
    """Element text as an XML parser gives it: line ends normalised, references replaced."""
    text = raw.decode("utf-8")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "&" in text:
        if "&#" in text:
            return _ENTITY.sub(_entity, text)
        text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
        text = text.replace("&apos;", "'").replace("&amp;", "&")  # the last: "&amp;lt;"
    return text


def _attributes(raw: bytes) -> dict[str, str]:
    """Attributes by name; refused (NotPlain) when a value would need normalising or
    references replaced, or a name has a prefix (its namespace is not known here)."""
    out: dict[str, str] = {}
    for name, double, single in _ATTR.findall(raw):
        value = double if double or not single else single
        if b"&" in value or b"\t" in value or b"\n" in value or b"\r" in value or b":" in name:
            raise NotPlain
        out[name.decode("utf-8")] = value.decode("utf-8")
    return out


def _content(data: bytes, plain_markup: bool = False) -> bytes | None:
    """A part's XML after its declaration, if it is UTF-8 with no comment, CDATA, DOCTYPE or
    processing instruction anywhere (every ``<`` then starts an element's tag). With
    ``plain_markup`` the part is known to be well-formed and to have none of them (the
    package guard parsed it): they are not looked for again."""
    if data.startswith(_BOM):
        data = data[len(_BOM):]
    declaration = _DECLARATION.match(data)
    if declaration is not None:
        encoding = _ENCODING.search(declaration.group(0))
        if encoding is not None and encoding.group(1).lower() not in (b"utf-8", b"utf8"):
            return None
        data = data[declaration.end():]
    if not plain_markup and (b"<!" in data or b"<?" in data):
        return None
    return data


def shared_strings(data: bytes) -> list[str] | None:
    """The shared strings part read as openpyxl's ``read_string_table`` reads it, when each
    string is plain text (no rich text runs, no phonetic guide): None otherwise."""
    content = _content(data)
    root = _SST_ROOT.match(content) if content is not None else None
    if content is None or root is None:
        return None
    end = content.rfind(b"</sst>")
    if end < 0 or content[end + 6:].strip():
        return None
    strings = []
    for text, other in _STRING_ITEM.findall(content, root.end(), end):
        if other:
            return None
        strings.append(_text(text).replace("x005F_", "") if text else "")
    return strings


def split_sheet(data: bytes, plain_markup: bool = False) -> tuple[bytes, bytes, bytes] | None:
    """A worksheet part as (what comes before its ``<sheetData>``, the cells' XML, what comes
    after), or None when it is not a worksheet written the usual way (openpyxl then reads it
    whole). ``plain_markup``: as for ``_content``."""
    content = _content(data, plain_markup)
    if content is None or _ROOT.match(content) is None or content.count(b"<sheetData") != 1:
        return None
    start = _SHEET_DATA_TAG.search(content)
    if start is None or not content.startswith(b"<sheetData>", start.start()):
        return None
    body_start = start.start() + len(b"<sheetData>")
    body_end = content.find(b"</sheetData>", body_start)
    if body_end < 0 or content.find(b"</sheetData>", body_end + 1) >= 0:
        return None
    before = content[:start.start()]
    body = content[body_start:body_end]
    after = content[body_end + len(b"</sheetData>"):]
    if (_CELL_OR_ROW_TAG.search(before) or _CELL_OR_ROW_TAG.search(after)
            or b"<hyperlink" in before or b"<hyperlink" in after or b"xmlns" in body
            or len(_DEFAULT_NAMESPACE.findall(before)) != 1):  # the root's, and no other
        return None
    return before, body, after


def read_cells(body: bytes, styles: Styles) -> tuple[SheetCells, list[bytes], list[str]]:
    """The cells of a ``<sheetData>``'s content, openpyxl's way; the start tags of the rows
    that carry more than their number (openpyxl reads those); the warnings openpyxl would
    give. NotPlain (or any error) when the XML is not the usual form, or two cells have the
    same reference."""
    plainest = _read_plainest(body, styles)
    if plainest is not None:
        return plainest[0], plainest[1], []
    return read_any_cells(body, styles)


def _read_plainest(body: bytes, styles: Styles) -> tuple[SheetCells, list[bytes]] | None:
    """``read_any_cells`` of the plainest ``<sheetData>`` (``_PLAINEST``: what Excel,
    XlsxWriter and openpyxl write), in fewer steps; None for any other, or when a value
    gives a warning or an error: ``read_any_cells`` then reads it (and says or raises what
    it says or raises)."""
    try:
        items = _PLAINEST.findall(body)
        cells = SheetCells()
        values, formulas = cells.values, cells.formulas
        strings = styles.shared_strings
        dates, deltas, epoch = styles.date_formats, styles.timedelta_formats, styles.epoch
        style_count = styles.style_count
        columns: dict[bytes, int] = {}
        style_ids: dict[bytes, int] = {}
        last = (0, 0)
        ordered = True
        in_row = False
        rows = 0  # the items that are not cells
        more: list[bytes] = []  # the rows that carry more than their number
        for letters, digits, style, kind, f_part, v_text, row_attrs, closed, row_end, stray in (
                items):
            if not letters:
                if stray:
                    return None
                rows += 1
                if row_end:
                    if not in_row:
                        return None
                    in_row = False
                    continue
                if in_row:
                    return None
                in_row = not closed
                if _PLAIN_ROW.fullmatch(row_attrs) is None:
                    more.append(b"<row" + row_attrs + b"/>")
                continue
            if not in_row:
                return None
            style_id = style_ids.get(style)
            if style_id is None:
                style_id = style_ids[style] = int(style) if style else 0
                if style_id >= style_count:
                    return None
            column = columns.get(letters)
            if column is None:
                column = columns[letters] = column_index_from_string(letters.decode())
            at = (int(digits), column)
            if at <= last:
                ordered = False
            last = at
            if f_part:  # "<f>" and its text
                if len(f_part) == 3:
                    values[at] = "="
                elif b"&" in f_part or b"\r" in f_part:
                    values[at] = "=" + _text(f_part[3:])
                else:
                    values[at] = "=" + f_part[3:].decode()
                formulas.add(at)
            elif not v_text:
                if kind == b"inlineStr":
                    return None
                values[at] = None
            elif kind == b"s":
                values[at] = strings[int(v_text)]
            elif not kind or kind == b"n":
                if b"." in v_text or b"E" in v_text or b"e" in v_text:
                    value: Any = float(v_text)
                else:
                    value = int(v_text)
                if style_id in dates:
                    value = from_excel(value, epoch, timedelta=style_id in deltas)
                values[at] = value
            elif kind == b"b":
                values[at] = bool(int(v_text))
            elif kind == b"str" or kind == b"e":
                values[at] = _text(v_text) if b"&" in v_text or b"\r" in v_text else (
                    v_text.decode("utf-8"))
            else:  # an inline string's value, a date as text, any other kind
                return None
        if in_row or len(values) != len(items) - rows:  # no cell twice
            return None
        cells.ordered = ordered
        return cells, more
    except Exception:  # a value openpyxl may refuse or warn about: read_any_cells says
        return None


def read_any_cells(body: bytes, styles: Styles) -> tuple[SheetCells, list[bytes], list[str]]:
    """``read_cells`` of any ``<sheetData>`` content (``_ITEM``), item by item."""
    cells = SheetCells()
    values, formulas = cells.values, cells.formulas
    rows: list[bytes] = []
    said: list[str] = []
    shared_formulae: dict[str | None, Translator] = {}
    strings = styles.shared_strings
    dates, deltas, epoch = styles.date_formats, styles.timedelta_formats, styles.epoch
    style_count = styles.style_count
    columns: dict[bytes, int] = {}
    style_ids: dict[bytes, int] = {}
    last = (0, 0)
    count = 0
    in_row = False
    for (letters, digits, style, kind, other, formula, f_attrs, f_text, v_text, inline,
         i_text, row_attrs, closed, row_end, stray) in _ITEM.findall(body):
        if not letters:
            if stray:
                raise NotPlain
            if row_end:
                if not in_row:
                    raise NotPlain
                in_row = False
                continue
            if in_row:
                raise NotPlain
            in_row = not closed
            if _PLAIN_ROW.fullmatch(row_attrs) is None:
                rows.append(b"<row" + row_attrs + b"/>")
            continue
        if not in_row:
            raise NotPlain
        if other and not other.isspace():
            style, kind = _more_attributes(other, style, kind)
        style_id = style_ids.get(style)
        if style_id is None:
            style_id = style_ids[style] = int(style) if style else 0
            if style_id >= style_count:
                raise NotPlain
        column = columns.get(letters)
        if column is None:
            column = columns[letters] = column_index_from_string(letters.decode())
        at = (int(digits), column)
        if at <= last:
            cells.ordered = False
        last = at
        count += 1
        if formula:
            if f_attrs and not f_attrs.isspace():
                values[at] = _formula(f_attrs, f_text, (letters + digits).decode(),
                                      shared_formulae)
            elif not f_text:
                values[at] = "="
            elif b"&" in f_text or b"\r" in f_text:
                values[at] = "=" + _text(f_text)
            else:
                values[at] = "=" + f_text.decode()
            formulas.add(at)
        elif kind == b"s" and v_text:
            values[at] = strings[int(v_text)]  # int() reads the digits as bytes as it would
        elif kind == b"inlineStr":  # its <is> text (plain, openpyxl's Text.content), if any
            values[at] = (_text(i_text) if i_text else "") if inline else None
        elif not v_text:  # no value (an <is> counts only in an inline string)
            values[at] = None
        elif not kind or kind == b"n":
            # openpyxl's _cast_number; int() and float() read ASCII bytes as they read text,
            # and refuse anything else (a character reference): openpyxl then reads it
            if b"." in v_text or b"E" in v_text or b"e" in v_text:
                value: Any = float(v_text)
            else:
                value = int(v_text)
            if style_id in dates:
                try:
                    value = from_excel(value, epoch, timedelta=style_id in deltas)
                except (OverflowError, ValueError):
                    reference = (letters + digits).decode()
                    said.append(f"""Cell {reference} is marked as a date but the serial value {value} is outside the limits for dates. The cell will be treated as an error.""")  # noqa: E501
                    value = "#VALUE!"
            values[at] = value
        elif kind == b"b":
            values[at] = bool(int(v_text))
        elif kind == b"d":
            values[at] = from_ISO8601(_text(v_text))
        else:  # str (a formula's text result), e (an error), or any other kind: the text
            values[at] = _text(v_text)
    if in_row or len(values) != count:
        raise NotPlain
    return cells, rows, said


def _more_attributes(other: bytes, style: bytes, kind: bytes) -> tuple[bytes, bytes]:
    """A cell's style and type when they come after other attributes."""
    named = _attributes(other)
    if "r" in named or (style and "s" in named) or (kind and "t" in named):
        raise NotPlain
    style_text = named.get("s")
    if style_text is not None:
        if not style_text.isascii() or not style_text.isdigit():
            raise NotPlain
        style = style_text.encode()
    return style, named["t"].encode() if "t" in named else kind


def _formula(attrs: bytes, text: bytes | None, reference: str,
             shared: dict[str | None, Translator]) -> Any:
    """openpyxl's ``WorkSheetParser.parse_formula``."""
    named = _attributes(attrs) if attrs.strip() else {}
    kind = named.get("t")
    value: Any = "=" + (_text(text) if text else "")
    if kind == "array":
        value = ArrayFormula(ref=named.get("ref"), text=value)
    elif kind == "shared":
        index = named.get("si")
        if index in shared:
            value = shared[index].translate_formula(reference)
        elif value != "=":
            shared[index] = Translator(value, reference)
    elif kind == "dataTable":
        value = DataTableFormula(**named)
    return value


class SheetDataAside:
    """The package as openpyxl's ExcelReader reads it, but each worksheet written the usual
    way is handed over without its cells, which are read here (``taken``: the index the
    worksheet gets in the workbook's sheets -> its cells). ``styles`` gives, when openpyxl
    opens a worksheet, what converting its cells needs (openpyxl has read it by then).
    ``plain``: the parts the package guard found with plain markup (as for ``_content``),
    each by its CRC and size: part -> (CRC, size)."""

    def __init__(self, archive: zipfile.ZipFile, styles: Callable[[], tuple[int, Styles]],
                 plain: dict[str, tuple[int, int]] | None = None) -> None:
        self._archive = archive
        self._styles = styles
        self._plain = plain or {}
        self.taken: dict[int, SheetCells] = {}
        self.warnings: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._archive, name)

    def open(self, name: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if mode != "r" or args or kwargs:
            return self._archive.open(name, mode, *args, **kwargs)  # type: ignore[arg-type]
        data = self._archive.read(name)
        split = split_sheet(data, self._plainly_written(name))
        if split is None:
            return io.BytesIO(data)
        index, styles = self._styles()
        before, body, after = split
        try:
            cells, rows, said = read_cells(body, styles)
        except Exception:  # not the usual form, or a value openpyxl may refuse: its own way
            return io.BytesIO(data)
        self.taken[index] = cells
        self.warnings += said
        return io.BytesIO(b"".join((before, b"<sheetData>", *rows, b"</sheetData>", after)))

    def _plainly_written(self, name: Any) -> bool:
        """Whether the guard found this part (the same CRC and size) with plain markup."""
        found = self._plain.get(name) if isinstance(name, str) else None
        if found is None:
            return False
        info = self._archive.getinfo(name)
        return found == (info.CRC, info.file_size)

    def say_warnings(self) -> None:
        """The warnings openpyxl would have given reading the cells taken."""
        for text in self.warnings:
            warnings.warn(text, UserWarning, stacklevel=2)
