"""Look at a workbook's package before any parser touches it.

Refuses, in small memory and little time, what could exhaust the machine or that the two
readers (openpyxl for ``check``, python-calamine for ``consolidate``) would read differently:
a zip that expands to gigabytes, parts compressed beyond any real spreadsheet's ratio, a
damaged part, XML that is not well-formed or declares a DOCTYPE (entity expansion), and
sheets larger than the limits. Reports, without trusting them, what a client deliverable must
not carry: VBA, an xlwings ``.conf`` sheet, external links, embedded objects.

Every part is decompressed as a stream (its CRC checked). The limits hold on what a sheet
holds, never on what it declares: every ``<row>``, ``<c>`` (cell) and ``ref="..."`` range
(merged cells, hyperlinks, formulas, tables) is counted, in every part whose root element is
a worksheet or a table, and in every part the workbook names as a sheet, whatever its name.

Limits (documented in the README):
- package: at most 2,000 parts and 256 MiB uncompressed in all;
- any part above 1 MiB: compressed at most 200:1;
- a sheet: at most 200,000 rows, and no cell, row or range beyond row 200,000 or column 500
  (the declared ``<dimension>`` included);
- package: at most 1,000,000 cells, and the sheets' and tables' used ranges (from A1 to
  their last row and column: what the readers lay out in memory) cover at most 2,000,000
  cells in all;
- XML parts: well-formed, and no ``<!DOCTYPE`` or ``<!ENTITY`` before the root element (nor
  anywhere else).
"""

from __future__ import annotations

import codecs
import functools
import html
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

from defusedxml import ElementTree

from ..errors import XlplanError

MAX_PARTS = 2_000
MAX_TOTAL_BYTES = 256 * 2**20
MAX_RATIO = 200
RATIO_FLOOR_BYTES = 2**20
MAX_ROWS = 200_000
MAX_COLUMNS = 500
MAX_CELLS = 1_000_000
MAX_AREA = 2_000_000
MAX_PROLOG_BYTES = 64 * 1024  # XML declaration, comments and processing instructions
MAX_TAG_BYTES = 2**20  # one start tag (a real one is a few hundred bytes)
_CHUNK = 2**20

_SHEET_ROOTS = {b"worksheet", b"dialogsheet", b"macrosheet", b"chartsheet"}
_SHEET_RELATIONSHIPS = ("/worksheet", "/dialogsheet", "/macrosheet", "/chartsheet")
_SPACE = b" \t\r\n"
_ROOT_NAME = re.compile(rb"<([^\s<>/!?=\"']+)")
_SHEET_NAME = re.compile(rb'<(?:\w+:)?sheet\b[^>]*\bname="([^"]*)"')

# A sheet as Excel, LibreOffice and openpyxl write it: every <row> and <c> without a prefix,
# its r="..." first and plain. Counted in bulk, with searches that make no object per row or
# cell; anything else is read tag by tag (_TAG).
_PREFIXED = re.compile(rb":(?:c|row)[\s/>]")
_ROW_IRREGULAR = re.compile(rb'<row(?=[\s/>])(?! r="[1-9][0-9]{0,6}"[\s/>])')
_CELL_IRREGULAR = re.compile(rb'<c(?=[\s/>])(?! r="[A-Z]{1,3}[1-9][0-9]{0,6}"[\s/>])')
_LAST_CELL = re.compile(rb'<c r="([A-Z]{1,3})([1-9][0-9]{0,6})"')
_CELL_LETTERS = re.compile(rb'<c r="([A-Z]{1,3})')
_CELL_DIGITS = re.compile(rb'<c r="[A-Z]{1,3}([1-9][0-9]{0,6})"')
_TAG = re.compile(rb"<(?:[^\s<>/!?:=\"']+:)?(row|c)(?=[\s/>])((?:[^<>\"']+|\"[^\"<]*\"|'[^'<]*')*)")
_R_ATTR = re.compile(rb"(?:^|\s)r\s*=\s*(?:\"([^\"<]*)\"|'([^'<]*)')")
_REF_ATTR = re.compile(rb"ref\s*=\s*(?:\"([^\"<]*)\"|'([^'<]*)')")
_COMPLETE_TAG = re.compile(rb"<[^<>\"']*(?:(?:\"[^\"<]*\"|'[^'<]*')[^<>\"']*)*>")
_CELL_REF = re.compile(rb"\s*\$?([A-Za-z]+)\$?([0-9]+)\s*")
_ROW_REF = re.compile(rb"\s*([0-9]+)\s*")
_RANGE_END = re.compile(rb"\$?([A-Za-z]*)\$?([0-9]*)")
_EXCEL_ROWS = 1_048_576
_EXCEL_COLUMNS = 16_384

_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_TYPES_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_CONTENT_TYPES = "[Content_Types].xml"
_WORKBOOK = "xl/workbook.xml"
_WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"


def sheet_parts(archive: zipfile.ZipFile | Mapping[str, bytes]) -> dict[str, str]:
    """Sheet title -> its part in the package (a zip, or its parts by name), through the
    workbook's relationships."""
    read = archive.read if isinstance(archive, zipfile.ZipFile) else archive.__getitem__
    workbook = ElementTree.fromstring(read(_WORKBOOK))
    rels = ElementTree.fromstring(read(_WORKBOOK_RELS))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_PKG_REL_NS}Relationship")}
    parts = {}
    for sheet in workbook.iter(f"{_MAIN_NS}sheet"):
        target = targets[sheet.get(f"{_REL_NS}id")]
        parts[sheet.get("name", "")] = target.lstrip("/") if target.startswith("/") else (
            "xl/" + target)
    return parts


class UnreadableWorkbook(XlplanError):
    """The file is not a workbook xlplan will read (corrupt, hostile or too large)."""


def is_read_failure(exc: BaseException) -> bool:
    """Whether an exception raised while reading a file says the file cannot be read (any
    error, a Rust panic in python-calamine included), rather than that the user or the
    interpreter is stopping the program."""
    return not isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit)


def failure_reason(exc: BaseException) -> str:
    """A read failure told in one short line: its kind and first words."""
    text = " ".join(str(exc).split())
    if len(text) > 200:
        text = text[:200] + "..."
    kind = type(exc).__name__
    return f"{kind}: {text}" if text else kind


@contextmanager
def read_failures_as_unreadable(what: str) -> Iterator[None]:
    """Any failure of the block (but our own errors, and an interrupt) as UnreadableWorkbook:
    ``what`` (the file, the part) then why, in one line."""
    try:
        yield
    except XlplanError:
        raise
    except BaseException as exc:
        if not is_read_failure(exc):
            raise
        raise UnreadableWorkbook(f"{what} ({failure_reason(exc)})") from None


@dataclass
class PackageReport:
    """What the package carries that a deliverable should not, found without trusting it."""

    vba: bool = False
    xlwings_conf: bool = False
    sheet_parts: dict[str, str] = field(default_factory=dict)  # sheet title -> part
    external_links: list[str] = field(default_factory=list)
    embedded: list[str] = field(default_factory=list)
    # each part the workbook names as a sheet found with no comment, CDATA section or
    # processing instruction (then, well-formed, with no "<!" and no "<?" past its
    # declaration): part -> its CRC and size, to know it again
    plain_sheets: dict[str, tuple[int, int]] = field(default_factory=dict, repr=False,
                                                     compare=False)

    @property
    def warnings(self) -> list[str]:
        out = []
        if self.vba:
            out.append("carries VBA macros (xl/vbaProject.bin); they are not run or trusted")
        if self.xlwings_conf:
            out.append("has an xlwings.conf sheet (add-in settings); not trusted")
        out += [f"external link {name}: not followed" for name in self.external_links]
        out += [f"embedded object {name}: not opened" for name in self.embedded]
        return out


def inspect_package(path: Path) -> PackageReport:
    """Check the limits; raise UnreadableWorkbook, or return what the package carries."""
    path = Path(path)
    with read_failures_as_unreadable(f"{path}: damaged package"):
        return _inspect(path)


def _inspect(path: Path) -> PackageReport:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise UnreadableWorkbook(f"{path}: not an .xlsx workbook ({exc})") from None
    report = PackageReport()
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_PARTS:
            raise UnreadableWorkbook(f"{path}: {len(infos)} parts (limit {MAX_PARTS})")
        total = sum(i.file_size for i in infos)
        if total > MAX_TOTAL_BYTES:
            raise UnreadableWorkbook(f"{path}: expands to {total / 2**20:.0f} MiB "
                                     f"(limit {MAX_TOTAL_BYTES // 2**20} MiB)")
        names = [i.filename for i in infos]
        if len(set(names)) != len(names):
            raise UnreadableWorkbook(f"{path}: two parts have the same name (refused)")
        if _WORKBOOK not in names and "xl/workbook.bin" not in names:
            raise UnreadableWorkbook(f"{path}: not an .xlsx workbook (no xl/workbook.xml)")
        for info in infos:
            if info.file_size > RATIO_FLOOR_BYTES and (
                    info.file_size > MAX_RATIO * max(info.compress_size, 1)):
                ratio = info.file_size // max(info.compress_size, 1)
                raise UnreadableWorkbook(f"{path}: {info.filename} is compressed {ratio}:1 "
                                         f"(limit {MAX_RATIO}:1; a zip bomb?)")
        budget = _Budget()
        first: dict[str, bytes] = {}  # what the other parts are depends on these
        for name in (_CONTENT_TYPES, _WORKBOOK, _WORKBOOK_RELS):
            if name in names:  # checked before they are parsed
                first[name] = _check_part(archive, archive.getinfo(name), path, {}, budget,
                                          xml=True, keep=True)
        try:
            xml_part = _xml_parts(first[_CONTENT_TYPES]) if _CONTENT_TYPES in first else (
                _xml_by_name)
            named: dict[str, str] = {}  # part -> how to name it, for each sheet of the workbook
            if _WORKBOOK in first:
                report.sheet_parts = sheet_parts(first)
                named = _named_sheets(first[_WORKBOOK_RELS], report.sheet_parts)
        except Exception as exc:  # damaged or hostile: defusedxml refuses it
            raise UnreadableWorkbook(f"{path}: xl/workbook.xml, its relationships or the "
                                     f"content types are damaged ({failure_reason(exc)})"
                                     ) from None
        if _WORKBOOK in first:
            sheets = [m.decode("utf-8", "replace") for m in _SHEET_NAME.findall(first[_WORKBOOK])]
            report.xlwings_conf = any(s.lower() in ("xlwings.conf", "_xlwings.conf")
                                      for s in sheets)
        for info in infos:
            name = info.filename
            if name in named:  # a sheet, even one named xl/workbook.xml
                odd: list[bool] = []
                _check_part(archive, info, path, named, budget, xml=True, odd=odd)
                if not odd:
                    report.plain_sheets[name] = (info.CRC, info.file_size)
            elif name not in first:
                _check_part(archive, info, path, named, budget, xml=xml_part(name))
            if name.lower().endswith("vbaproject.bin"):
                report.vba = True
            if name.startswith("xl/externalLinks/") and name.endswith(".xml"):
                report.external_links.append(name)
            if name.startswith("xl/embeddings/"):
                report.embedded.append(name)
    return report


def _named_sheets(workbook_rels: bytes, titles: dict[str, str]) -> dict[str, str]:
    """Every part the workbook's relationships name as a sheet -> its title (or the part),
    resolved both ways readers do (openpyxl normalises ``..``; calamine does not)."""
    rels = ElementTree.fromstring(workbook_rels)
    named: dict[str, str] = {}
    for rel in rels.iter(f"{_PKG_REL_NS}Relationship"):
        if rel.get("TargetMode") == "External" or not rel.get("Type", "").endswith(
                _SHEET_RELATIONSHIPS):
            continue
        target = rel.get("Target", "")
        for part in _resolved(target):
            named.setdefault(part, part)
    for title, part in titles.items():
        for resolved in {part, *_resolved(part.removeprefix("xl/"))}:
            named[resolved] = f"sheet {title!r} ({resolved})"
    return named


def _resolved(target: str) -> set[str]:
    if target.startswith("/"):
        return {target[1:]}
    return {"xl/" + target, posixpath.normpath("xl/" + target)}


def _xml_by_name(name: str) -> bool:
    return name.lower().endswith((".xml", ".rels"))


def _xml_parts(content_types: bytes) -> Callable[[str], bool]:
    """Whether a part is XML a reader parses: named .xml or .rels, or given an XML content
    type (images aside: an SVG logo is no reader's business)."""
    types = ElementTree.fromstring(content_types)

    def xml_type(content_type: str) -> bool:
        content_type = content_type.split(";")[0].strip().lower()
        return not content_type.startswith("image/") and (
            content_type.endswith("+xml") or content_type in ("application/xml", "text/xml"))

    overrides = {o.get("PartName", "").lstrip("/").lower(): xml_type(o.get("ContentType", ""))
                 for o in types.iter(f"{_TYPES_NS}Override")}
    defaults = {d.get("Extension", "").lower(): xml_type(d.get("ContentType", ""))
                for d in types.iter(f"{_TYPES_NS}Default")}

    def is_xml(name: str) -> bool:
        lower = name.lower()
        if lower in overrides:
            return overrides[lower] or _xml_by_name(name)
        return defaults.get(posixpath.splitext(lower)[1].lstrip("."), False) or _xml_by_name(
            name)

    return is_xml


@dataclass
class _Budget:
    """What the package's sheets hold so far, against the package limits."""

    cells: int = 0
    area: int = 0


class _Refused(Exception):
    """A limit is exceeded: the message says which (the caller names the file)."""


class _Irregular(Exception):
    """A sheet not written the usual way: it is read again, tag by tag."""


class _DoctypeFound(Exception):
    pass


def _xml_codec(first: bytes) -> str | None:
    """The codec a part must be decoded with before a byte scan (None: ASCII-compatible)."""
    for marks, codec in (((b"\xff\xfe\x00\x00", b"<\x00\x00\x00"), "utf-32-le"),
                         ((b"\x00\x00\xfe\xff", b"\x00\x00\x00<"), "utf-32-be"),
                         ((b"\xff\xfe", b"<\x00"), "utf-16-le"),
                         ((b"\xfe\xff", b"\x00<"), "utf-16-be")):
        if first.startswith(marks):
            return codec
    return None


def _root_element(head: bytes, complete: bool) -> bytes | None:
    """The local name of the root element, after the prolog (XML declaration, comments,
    processing instructions, white space, in any order) of at most MAX_PROLOG_BYTES; None if
    more bytes are needed; b"" for an empty part. Raises _DoctypeFound for a DOCTYPE (or any
    other declaration) before the root, and _Refused for anything else that is not XML."""
    if not complete and len(head) < 3 and codecs.BOM_UTF8.startswith(head):
        return None
    pos = 3 if head.startswith(codecs.BOM_UTF8) else 0
    size = len(head)
    while True:
        while pos < size and head[pos] in _SPACE:
            pos += 1
        if pos > MAX_PROLOG_BYTES:
            raise _Refused(f"has no root element in its first {MAX_PROLOG_BYTES // 1024} KiB "
                           "(refused)")
        if pos >= size:
            if not complete:
                return None
            if size == 0:
                return b""  # an empty part: no reader gets anything from it
            raise _Refused("has no root element")
        if head[pos] != ord("<"):
            raise _Refused("is not XML (text before its root element)")
        if size - pos < 4 and not complete:
            return None
        for start, end in ((b"<?", b"?>"), (b"<!--", b"-->")):
            if head.startswith(start, pos):
                close = head.find(end, pos + len(start))
                if close < 0:
                    if complete:
                        raise _Refused("is not XML (an unterminated comment or instruction)")
                    return None
                pos = close + len(end)
                break
        else:
            if head.startswith(b"<!", pos):
                raise _DoctypeFound
            match = _ROOT_NAME.match(head, pos)
            if match is None:
                raise _Refused("is not XML (no root element)")
            if match.end() >= size and not complete:
                return None
            return match.group(1).rpartition(b":")[2]


def _expat_parser(odd: list[bool] | None = None) -> expat.XMLParserType:
    """A namespace-aware well-formedness check that refuses any DTD or entity declaration
    (a second line behind the prolog check: expat never gets to expand an entity); a
    comment, CDATA section or processing instruction noted in ``odd`` (if given), once."""
    parser = expat.ParserCreate(namespace_separator=" ")

    def refuse(*_: object) -> None:
        raise _DoctypeFound

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    if odd is not None:
        def note(*_: object) -> None:  # the first one is enough: not told of the others
            odd.append(True)
            _quiet(parser)

        parser.CommentHandler = note
        parser.StartCdataSectionHandler = note
        parser.ProcessingInstructionHandler = note
    return parser


def _quiet(parser: expat.XMLParserType) -> None:
    """No more notes of comments, CDATA sections and processing instructions."""
    parser.CommentHandler = None
    parser.StartCdataSectionHandler = None
    parser.ProcessingInstructionHandler = None


def _check_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path,
                named: dict[str, str], budget: _Budget, xml: bool, keep: bool = False,
                odd: list[bool] | None = None) -> bytes:
    """Read one part to its end (its CRC checked); check XML parts' prolog and
    well-formedness; count what a sheet or a table holds. Returns the part if ``keep``;
    notes in ``odd`` (if given) that it has a comment, CDATA section or processing
    instruction."""
    name = info.filename
    with read_failures_as_unreadable(f"{path}: {name} is damaged"):
        try:
            return _read_part(archive, info, named, budget, xml, keep, odd)
        except _DoctypeFound:
            raise UnreadableWorkbook(f"{path}: {name} declares a DOCTYPE or entities "
                                     "(refused: XML entity expansion)") from None
        except _Refused as exc:
            where = named.get(name, name)
            raise UnreadableWorkbook(f"{path}: {where} {exc}") from None
        except expat.ExpatError as exc:
            raise UnreadableWorkbook(f"{path}: {name} is not well-formed XML ({exc})") from None


def _read_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, named: dict[str, str],
               budget: _Budget, xml: bool, keep: bool, odd: list[bool] | None = None) -> bytes:
    name = info.filename
    kept: list[bytes] = []
    with archive.open(info) as raw:
        first = raw.read(_CHUNK)
        if not xml:
            while raw.read(_CHUNK):  # to its end: a damaged stream or CRC is found here
                pass
            return b""
        codec = _xml_codec(first)
        decode = _utf8(codec)
        seen = [first]
        head = decode(first, not first)
        root = _root_element(head, complete=not first)
        while root is None:
            more = raw.read(_CHUNK)
            seen.append(more)
            head += decode(more, not more)
            root = _root_element(head, complete=not more)
        kind = ("sheet" if name in named or root in _SHEET_ROOTS
                else "table" if root == b"table" else None)
        parser = _expat_parser(odd) if root else None
        scan = _Scan(named.get(name, name), budget, kind == "sheet") if kind else None
        try:
            if scan is not None:
                scan.feed(head)
            for chunk in seen:
                if parser is not None:
                    parser.Parse(chunk, False)
            if keep:
                kept += seen
            ended = not seen[-1]
            while not ended:
                chunk = raw.read(_CHUNK)
                ended = not chunk
                if parser is not None:
                    parser.Parse(chunk, False)
                if scan is not None:
                    scan.feed(decode(chunk, ended))
                if keep:
                    kept.append(chunk)
            if parser is not None:
                parser.Parse(b"", True)
        finally:
            if parser is not None:  # its handlers let go (one of them refers to it)
                _quiet(parser)
    if scan is not None:
        if scan.irregular:  # read again, tag by tag, each row and cell where readers put it
            budget.cells -= scan.cells
            scan = _Scan(scan.where, budget, True, exact=True)
            with archive.open(info) as raw:
                decode = _utf8(codec)
                while chunk := raw.read(_CHUNK):
                    scan.feed(decode(chunk, False))
            scan.feed(decode(b"", True))
        scan.finish()
    return b"".join(kept)


def _utf8(codec: str | None) -> Callable[[bytes, bool], bytes]:
    if codec is None:
        return lambda data, final: data
    decoder = codecs.getincrementaldecoder(codec)("replace")
    return lambda data, final: decoder.decode(data, final).encode("utf-8")


class _Scan:
    """What one sheet (or table) part holds: rows, cells, and the ranges it references;
    fed its UTF-8 text in chunks, each cut before its last ``<`` so no tag is split."""

    def __init__(self, where: str, budget: _Budget, sheet: bool, exact: bool = False) -> None:
        self.where = where
        self.budget = budget
        self.sheet = sheet
        self.exact = exact
        self.irregular = False  # not the usual form: to read again, exactly
        self.pending = b""
        self.rows = 0
        self.cells = 0
        self.last_row = 0  # of the used range: cells and referenced ranges
        self.last_column = 0
        self.row = 0  # where the next row or cell without r="..." goes (exact reading)
        self.column = 0

    def feed(self, data: bytes) -> None:
        data = self.pending + data if self.pending else data
        if not data:
            return
        cut = data.rfind(b"<")
        if cut <= 0:
            block, self.pending = (data, b"") if cut < 0 else (b"", data)
        else:
            block, self.pending = data[:cut], data[cut:]
        if len(self.pending) > MAX_TAG_BYTES:
            if not _COMPLETE_TAG.match(self.pending):
                raise _Refused(f"has a tag longer than {MAX_TAG_BYTES // 2**20} MiB (refused)")
            block, self.pending = data, b""  # a complete tag, then text: no tag is split
        self._block(block)

    def finish(self) -> None:
        if self.irregular:
            return
        if self.pending:
            self._block(self.pending)
            self.pending = b""
        self.budget.area += self.last_row * self.last_column
        self._check_area(0)

    def _block(self, block: bytes) -> None:
        if not block or self.irregular:
            return
        if self.sheet:
            if self.exact:
                self._tags(block)
            else:
                try:
                    self._plain(block)
                except _Irregular:
                    self.irregular = True
                    return
        self._ranges(block)
        self._check_area(self.last_row * self.last_column)

    def _plain(self, block: bytes) -> None:
        """A block of a sheet written the usual way, in bulk (_Irregular if it is not)."""
        if (_PREFIXED.search(block) or _ROW_IRREGULAR.search(block)
                or _CELL_IRREGULAR.search(block)):
            raise _Irregular
        rows = block.count(b'<row r="')
        if rows:
            beyond = _above(b'<row r="', MAX_ROWS).search(block)
            self._add_rows(rows, int(beyond.group(1)) if beyond else 0)
        cells = block.count(b'<c r="')
        if cells:
            last = _LAST_CELL.match(block, block.rfind(b'<c r="'))
            if last is None:
                raise _Irregular
            row = int(last.group(2))  # the last row, unless a cell further down says more
            if _above(b'<c r="[A-Z]{1,3}', row).search(block):
                row = max(map(int, set(_CELL_DIGITS.findall(block))))
            self._add_cells(cells, row, max(map(_column, set(_CELL_LETTERS.findall(block)))))

    def _tags(self, block: bytes) -> None:
        for match in _TAG.finditer(block):
            ref = _attribute(_R_ATTR, match.group(2))
            if match.group(1) == b"row":
                if ref:
                    found = _ROW_REF.fullmatch(ref)
                    if found is None:
                        raise _Refused(f"has a row numbered {_shown(ref)} (refused)")
                    self.row = _number(found.group(1))
                else:
                    self.row += 1
                self.column = 0
                self._add_rows(1, self.row)
            else:
                if ref:
                    found = _CELL_REF.fullmatch(ref)
                    if found is None:
                        raise _Refused(f"has a cell at {_shown(ref)} (refused)")
                    row, self.column = _number(found.group(2)), _column(found.group(1))
                else:
                    row, self.column = max(self.row, 1), self.column + 1
                self._add_cells(1, row, self.column)

    def _ranges(self, block: bytes) -> None:
        """Every ref="..." range: within the limits; all but the declared dimension are in
        the used range (openpyxl makes a cell of each merged or hyperlinked one)."""
        for match in _REF_ATTR.finditer(block):
            at = match.start()
            if at == 0 or block[at - 1] not in _SPACE:
                continue  # another attribute: sqref, x:ref
            value = _attribute_value(match)
            tag = block[block.rfind(b"<", 0, at) + 1:at].split(None, 1)
            declared = bool(tag) and tag[0].rpartition(b":")[2] == b"dimension"
            for ref in value.split():
                for end in ref.split(b":"):
                    found = _RANGE_END.fullmatch(end)
                    if found is None or not (found.group(1) or found.group(2)):
                        continue  # not a range: no reader lays it out
                    row = _number(found.group(2)) if found.group(2) else _EXCEL_ROWS
                    column = _column(found.group(1)) if found.group(1) else _EXCEL_COLUMNS
                    if row > MAX_ROWS or column > MAX_COLUMNS:
                        raise _Refused(f"spans {_shown(ref)} (limit {MAX_ROWS:,} rows, "
                                       f"{MAX_COLUMNS} columns)")
                    if not declared:
                        self.last_row = max(self.last_row, row)
                        self.last_column = max(self.last_column, column)

    def _add_rows(self, count: int, last: int) -> None:
        self.rows += count
        if self.rows > MAX_ROWS:
            raise _Refused(f"has more than {MAX_ROWS:,} rows (limit)")
        if last > MAX_ROWS:
            raise _Refused(f"has a row at {last:,} (limit {MAX_ROWS:,} rows, "
                           f"{MAX_COLUMNS} columns)")

    def _add_cells(self, count: int, row: int, column: int) -> None:
        self.cells += count
        self.budget.cells += count
        if self.budget.cells > MAX_CELLS:
            raise _Refused(f"takes the package past {MAX_CELLS:,} cells (limit)")
        if row > MAX_ROWS or column > MAX_COLUMNS:
            raise _Refused(f"has a cell at {_letters(column)}{row} (limit {MAX_ROWS:,} rows, "
                           f"{MAX_COLUMNS} columns)")
        self.last_row = max(self.last_row, row)
        self.last_column = max(self.last_column, column)

    def _check_area(self, this_part: int) -> None:
        if self.budget.area + this_part > MAX_AREA:
            raise _Refused(f"takes the used ranges of the package past {MAX_AREA:,} cells "
                           f"(limit; this one: {self.last_row:,} rows x "
                           f"{self.last_column} columns from A1)")


@functools.lru_cache(maxsize=256)
def _above(prefix: bytes, number: int) -> re.Pattern[bytes]:
    """``prefix`` followed by a number above ``number`` (written without a leading zero, up
    to 7 digits, as in a plain sheet) and a closing quote; the number is group 1."""
    digits = str(number).encode()
    options = [rb"[1-9][0-9]{%d,6}" % len(digits)] if len(digits) < 7 else []
    for at in range(len(digits)):
        if digits[at] != ord("9"):
            options.append(digits[:at] + b"[%c-9][0-9]{%d}" % (digits[at] + 1,
                                                               len(digits) - at - 1))
    return re.compile(prefix + b"(" + (b"|".join(options) or b"(?!)") + b')"')


def _attribute(pattern: re.Pattern[bytes], attributes: bytes) -> bytes | None:
    match = pattern.search(attributes)
    return _attribute_value(match) if match else None


def _attribute_value(match: re.Match[bytes]) -> bytes:
    value = match.group(1) if match.group(1) is not None else match.group(2)
    if b"&" in value:  # a character reference: what a parser would see
        value = html.unescape(value.decode("utf-8", "replace")).encode("utf-8")
    return value


def _number(digits: bytes) -> int:
    return int(digits) if len(digits) <= 12 else 10**13


def _column(letters: bytes) -> int:
    if len(letters) > 6:
        return 10**9
    number = 0
    for char in letters.upper():
        number = number * 26 + char - 64
    return number


def _letters(column: int) -> str:
    if column > 10**6:
        return "(column past XFD)"
    out = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        out = chr(65 + rest) + out
    return out


def _shown(value: bytes) -> str:
    text = value.decode("utf-8", "replace")
    return repr(text if len(text) <= 40 else text[:40] + "...")

