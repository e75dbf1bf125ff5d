"""Fast generation: render a workbook once per shape, then fill in each client's text.

Clients of a batch mostly share everything but their name, sector and consultant. The
workbook is rendered once (the normal, slow path) with a sentinel in each of those texts;
each client's workbook is then that template's parts with the sentinels replaced by the
client's XML-escaped text, hashed and zipped: no spreadsheet object is built again.

Only the parts that hold a sentinel (the string table, the document properties) and the
part that records the content hash change from client to client: the template keeps every
other part as the package holds it (local header and deflated bytes, central record, the
SHA-256 the content hash takes), so a client costs the deflating and hashing of those few
parts, and the package is the template's bytes with them put in (the headers, offsets and
end record zipfile writes, its own bytes for every field but a part's CRC, sizes and offset).

The replacement is one pass over each part: a client's text is never searched again, so a
name holding a sentinel's text stays that text. The sentinels carry a random key drawn when
the process starts, and a plan with the key in any text takes the normal path: no text of a
plan can be taken for a client field.

A client's text equal to another text of the workbook (a consultant who is also an action's
owner, a sector equal to the consultant) is one entry of the string table where the template
has two: the entry that comes second in the table is dropped, the entries after it move up
one, and the cells of the sheets point at the entries' new places, as the writer (one entry
per distinct text, in the order the texts are first written) does on its own.

The result is byte-identical to :func:`xlplan.workbook.render_bytes` (property tests hold
it to that). A text the template cannot stand for takes the normal path: one starting with
``= + - @`` (a quote-prefix style of its own), one the writer escapes its own way (a control
character, ``_xHHHH_``, U+FFFE/U+FFFF), one that makes a cell's text the writer takes for a
rich text's XML (``<r>...</r>``) or cuts (beyond 32,767 UTF-16 units).
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import re
import secrets
import struct
import zipfile
import zlib
from dataclasses import dataclass
from xml.sax.saxutils import escape

from defusedxml import ElementTree

from ..model import Plan
from ..provenance import CUSTOM_PART, HASH_PLACEHOLDER
from ..workbook import build_workbook
from ..workbook.package import zip_parts
from ..workbook.render import needs_quote_prefix

_FIELDS = ("name", "sector", "consultant")
_KEY = secrets.token_hex(8)
_KEY_BYTES = _KEY.encode()
_SENTINELS = {field: f"XLPLANx{field.upper()}x{_KEY}" for field in _FIELDS}
_BY_WORD = {field.upper(): field for field in _FIELDS}
# One pattern for every sentinel (its literal prefix keeps the scan fast), for bytes and text.
_PATTERN = f"XLPLANx({'|'.join(_BY_WORD)})x{_KEY}"
_SENTINEL_BYTES = re.compile(_PATTERN.encode())
_SENTINEL_TEXT = re.compile(_PATTERN)
# What the writer does not write as plain XML text: control characters (\r as _x000D_),
# text that looks like its _xHHHH_ escapes, the non-characters U+FFFE and U+FFFF, surrogates.
_NOT_PLAIN = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]|_x", re.IGNORECASE)
_STRINGS = "xl/sharedStrings.xml"
# The string table as the writer writes it: a head, then one <si> per distinct text, each a
# plain text (a rich text's runs are <si><r>...</r></si>: a table holding one is not
# re-indexed, see _Strings).
_SST_HEAD = re.compile(rb'\A(.*?<sst\b[^>]*? uniqueCount=")(\d+)("[^>]*>)', re.S)
_SI = re.compile(rb'<si><t(?: xml:space="preserve")?>[^<]*</t></si>')
_ANY_SI = re.compile(rb"<si>.*?</si>", re.S)
# A cell holding a string of the table: its index (the writer's markup; text cannot hold
# it, its < and > being escaped).
_STRING_CELL = re.compile(rb'( t="s"><v>)(\d+)(</v>)')
_NEAR = 24  # bytes either side of a sentinel that could make a _xHHHH_ with the client's text

_DEFLATE_LEVEL = zlib.Z_DEFAULT_COMPRESSION  # what zipfile deflates with
# Where zipfile's records hold what changes with a part's content (the rest is the template's)
_SIZES = struct.Struct("<III")  # CRC, compressed and uncompressed sizes
_LOCAL_SIZES = 14  # in a local header
_CENTRAL_SIZES = 16  # in a central directory record
_OFFSET = struct.Struct("<I")
_CENTRAL_OFFSET = 42  # a central record's local header offset
_END_OFFSET = 16  # the end record's central directory offset
_MAX_STRING = 32767  # a cell's text in UTF-16 code units, beyond which the writer cuts it
_MAX_PACKAGE = 2**30  # well below zipfile's zip64 limit (2 GiB): its records never change


def _fillable(value: str) -> bool:
    return not needs_quote_prefix(value) and _NOT_PLAIN.search(value) is None


def _texts(plan: Plan) -> dict[str, str]:
    """The client fields the template stands for: those with a text (an empty one is
    rendered as no text at all, and stays in the template as it is)."""
    return {f: value for f in _FIELDS if (value := getattr(plan.client, f))}


def _shape(plan: Plan, fields: dict[str, str]) -> tuple[bytes, bytes]:
    """What the template of a plan stands for, as its cache's key: the plan but its client
    (as JSON), and its client with a sentinel in each of ``fields`` (as JSON)."""
    client = plan.client.model_copy(update={field: _SENTINELS[field] for field in fields})
    return (plan.__pydantic_serializer__.to_json(plan, exclude={"client"}),
            client.__pydantic_serializer__.to_json(client))


def substitute(data: bytes, texts: dict[str, str]) -> bytes:
    """A template part with each sentinel replaced by its field's XML-escaped text, in one
    pass: what is put in is never searched again."""
    values = {f.upper().encode(): escape(text).encode("utf-8") for f, text in texts.items()}

    def value(match: re.Match[bytes]) -> bytes:
        return values[match[1]]

    return _SENTINEL_BYTES.sub(value, data)


def _deflate(data: bytes) -> bytes:
    """``data`` deflated as zipfile deflates a part (the same stream, byte for byte)."""
    packer = zlib.compressobj(_DEFLATE_LEVEL, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


@dataclass(frozen=True)
class _Entry:
    """A part of the template's package, as zipfile wrote it."""

    data: bytes  # the part, uncompressed (sentinels in)
    form: bytes  # the part as a %-format: each sentinel %(WORD)s, each % doubled
    digest: bytes  # its SHA-256, as the content hash takes it
    local: bytes  # its local header and deflated bytes
    header: bytes  # its local header
    record: int  # where its record is in the central directory
    offset: int  # where its local header is in the package


@dataclass(frozen=True)
class _Layout:
    """The package and the content hash for one set of changed parts, the runs of unchanged
    parts joined ahead of time."""

    head: bytes  # the local records of the parts before the first changed one
    # from it on: a run of unchanged parts' local records or a changed part's name, and
    # where their central records are and where they were in the template's package
    rest: tuple[tuple[bytes | str, tuple[tuple[int, int], ...]], ...]
    hashed: tuple[bytes | str, ...]  # the content hash's input: unchanged runs, changed parts


@dataclass(frozen=True)
class _Strings:
    """The template's string table, for a client whose text equals another of its texts."""

    head: tuple[bytes, bytes]  # the table up to its uniqueCount, and after it to the first <si>
    items: tuple[bytes, ...]  # each entry's <si>, in order
    tail: bytes
    keys: tuple[str, ...]  # each entry's text, a sentinel standing for its field
    sheets: tuple[tuple[str, int], ...]  # each part with string cells, its highest index


@dataclass(frozen=True)
class Template:
    """A plan's workbook with sentinels for the client's texts, in the pieces a client's
    workbook is made of."""

    entries: dict[str, _Entry]  # in package order
    directory: bytes  # the central directory
    end: bytes  # the end of central directory record
    filled: frozenset[str]  # the parts holding a sentinel
    fixed: frozenset[str]  # the shared strings without a sentinel
    templated: tuple[str, ...]  # the shared strings with one, as %-formats (see _form)
    custom: tuple[bytes, bytes] | None  # the custom properties around the hash placeholder
    strings: _Strings | None  # None: a table that cannot be re-indexed
    layouts: dict[frozenset[str], _Layout]  # by set of changed parts, made when first needed

    def layout(self, changed: frozenset[str]) -> _Layout:
        layout = self.layouts.get(changed)
        if layout is None:
            layout = self.layouts[changed] = _layout(self, changed)
        return layout


def _layout(template: Template, changed: frozenset[str]) -> _Layout:
    names = list(template.entries)
    first = next((i for i, name in enumerate(names) if name in changed), len(names))
    rest: list[tuple[bytes | str, tuple[tuple[int, int], ...]]] = []
    for name in names[first:]:
        entry = template.entries[name]
        records = ((entry.record, entry.offset),)
        if name in changed:
            rest.append((name, records))
        elif rest and isinstance(rest[-1][0], bytes):  # one more in a run of unchanged parts
            rest[-1] = (rest[-1][0] + entry.local, rest[-1][1] + records)
        else:
            rest.append((entry.local, records))
    hashed: list[bytes | str] = []
    for name in sorted(names):
        if name == CUSTOM_PART:
            continue
        prefix = name.encode() + b"\0"
        if name in changed:
            hashed += (prefix, name)
        else:
            hashed.append(prefix + template.entries[name].digest)
    runs: list[bytes | str] = []
    for item in hashed:  # consecutive bytes joined: one update of the hash each
        if isinstance(item, bytes) and runs and isinstance(runs[-1], bytes):
            runs[-1] += item
        else:
            runs.append(item)
    head = b"".join(template.entries[name].local for name in names[:first])
    return _Layout(head, tuple(rest), tuple(runs))


def _stored(package: bytes) -> tuple[list[tuple[bytes, int, int, int]], bytes, bytes]:
    """Each part's local record (header and deflated bytes), its header's length, where its
    central record is in the central directory and where its local record is in the
    package; the central directory and the end record; as zipfile wrote them."""
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        infos = archive.infolist()
        start = archive.start_dir
    records = []
    central = start
    for info in infos:
        offset = info.header_offset
        header = 30 + sum(struct.unpack_from("<HH", package, offset + 26))
        records.append((package[offset:offset + header + info.compress_size], header,
                        central - start, offset))
        central += 46 + sum(struct.unpack_from("<HHH", package, central + 28))
    return records, package[start:central], package[central:]


def _clean_neighbours(parts: dict[str, bytes]) -> bool:
    """No underscore in the text beside any sentinel: a client's text (never holding ``_x``)
    cannot make a ``_xHHHH_`` with it, which the writer would escape."""
    for data in parts.values():
        for match in _SENTINEL_BYTES.finditer(data):
            before = data[max(0, match.start() - _NEAR):match.start()].rpartition(b">")[2]
            after = data[match.end():match.end() + _NEAR].partition(b"<")[0]
            if b"_" in before or b"_" in after:
                return False
    return True


def _string_table(parts: dict[str, bytes], keys: list[str]) -> _Strings | None:
    """The string table in pieces, with the highest index each part's cells point at; None
    when it holds anything but plain texts (never re-indexed)."""
    table = parts.get(_STRINGS)
    head = _SST_HEAD.match(table) if table else None
    if table is None or head is None:
        return None
    items, position = [], head.end()
    for match in _SI.finditer(table, position):
        if match.start() != position:
            return None
        items.append(match[0])
        position = match.end()
    if table[position:] != b"</sst>" or not int(head[2]) == len(items) == len(keys):
        return None
    sheets = []
    for name, data in parts.items():
        indexes = [int(m[2]) for m in _STRING_CELL.finditer(data)]
        if indexes:
            sheets.append((name, max(indexes)))
    return _Strings((head[1], head[3]), tuple(items), table[position:], tuple(keys),
                    tuple(sheets))


@functools.lru_cache(maxsize=64)
def _template(rest: bytes, client: bytes) -> Template | None:
    """The template of a plan's shape (see :func:`_shape`); None when it cannot stand for its
    clients: one of the plan's own texts holds the sentinels' key (it would be filled in)."""
    if _KEY_BYTES in rest or client.count(_KEY_BYTES) != sum(
            client.count(sentinel.encode()) for sentinel in _SENTINELS.values()):
        return None
    plan = Plan.model_validate_json(json.dumps({**json.loads(rest), "client": json.loads(client)}))
    parts = build_workbook(plan).parts
    if not _clean_neighbours(parts) or sum(map(len, parts.values())) > _MAX_PACKAGE:
        return None
    table = parts.get(_STRINGS, b"")
    if any(_KEY_BYTES in item and not _SI.fullmatch(item) for item in _ANY_SI.findall(table)):
        return None  # a sentinel in a rich text: put in as its XML, not as text
    filled = frozenset(name for name, data in parts.items() if _SENTINEL_BYTES.search(data))
    strings = ["".join(si.itertext()) for si in ElementTree.fromstring(table)] if table else []
    templated = tuple(_form(s) for s in strings if _KEY in s)
    fixed = frozenset(s for s in strings if _KEY not in s)
    records, directory, end = _stored(zip_parts(parts))
    entries = {name: _Entry(data, _form_bytes(data) if name in filled else b"",
                            hashlib.sha256(data).digest(), local, local[:header], record, offset)
               for (name, data), (local, header, record, offset) in zip(parts.items(), records,
                                                                       strict=True)}
    custom = None
    if CUSTOM_PART in parts and CUSTOM_PART not in filled:
        before, found, after = parts[CUSTOM_PART].partition(HASH_PLACEHOLDER.encode())
        custom = (before, after) if found else None
    return Template(entries, directory, end, filled, fixed, templated, custom,
                    _string_table(parts, strings), {})


def _form(text: str) -> str:
    """A text with sentinels as a %-format: ``form % values`` (``values`` by field word,
    NAME...) fills each in, in one pass (what is put in is never read again)."""
    return _SENTINEL_TEXT.sub(r"%(\1)s", text.replace("%", "%%"))


def _form_bytes(data: bytes) -> bytes:
    """A part with sentinels as a %-format (see :func:`_form`)."""
    return _SENTINEL_BYTES.sub(rb"%(\1)s", data.replace(b"%", b"%%"))


def _shared(template: Template, texts: dict[str, str]) -> dict[str, bytes] | None:
    """The parts that change when a client's text equals another text of the string table,
    which then keeps one entry for both (the first): the table (its sentinels still in), and
    the parts whose cells point at entries that moved. None when the table cannot be
    re-indexed."""
    strings = template.strings
    if strings is None:
        return None
    place: dict[str, int] = {}
    index: list[int] = []
    kept: list[bytes] = []
    first_moved = None
    words = {word: texts[field] for word, field in _BY_WORD.items() if field in texts}
    for i, (key, item) in enumerate(zip(strings.keys, strings.items, strict=True)):
        if _KEY in key:
            key = _form(key) % words
        at = place.setdefault(key, len(place))
        if at == len(kept):
            kept.append(item)
        elif first_moved is None:
            first_moved = i
        index.append(at)
    if first_moved is None:
        return {}
    changed = {_STRINGS: strings.head[0] + str(len(kept)).encode() + strings.head[1]
               + b"".join(kept) + strings.tail}
    new = [str(i).encode() for i in index]

    def cell(match: re.Match[bytes]) -> bytes:
        return match[1] + new[int(match[2])] + match[3]

    for name, highest in strings.sheets:
        if highest >= first_moved:
            changed[name] = _STRING_CELL.sub(cell, template.entries[name].data)
    return changed


def _client_parts(template: Template, texts: dict[str, str]) -> dict[str, bytes] | None:
    """The parts a client's texts change, uncompressed, but for the custom properties (which
    hold the content hash); None when the template cannot stand for them."""
    words = {word: texts[field] for word, field in _BY_WORD.items() if field in texts}
    shown = [form % words for form in template.templated]
    for text in shown:
        if text.startswith("<r>") and text.endswith("</r>"):
            return None  # the writer puts such a text in as a rich text's XML, unescaped
        if len(text) > _MAX_STRING // 2 and len(text.encode("utf-16-le")) > 2 * _MAX_STRING:
            return None  # the writer cuts it to Excel's longest
    changed: dict[str, bytes] = {}
    if len(set(shown)) < len(shown) or not template.fixed.isdisjoint(shown):
        shared = _shared(template, texts)
        if shared is None:
            return None
        changed = shared
    values = {word.encode(): escape(text).encode("utf-8") for word, text in words.items()}
    for name in template.filled:
        if name in changed:  # re-indexed: its sentinels are elsewhere
            changed[name] = substitute(changed[name], texts)
        else:
            changed[name] = template.entries[name].form % values
    return changed


def _package(template: Template, changed: dict[str, bytes]) -> bytes:
    """The template's package with the ``changed`` parts (uncompressed) put in, the content
    hash recorded: as zipfile writes it, every part's records the template's but for its
    CRC, sizes and offset."""
    layout = template.layout(frozenset(changed))
    digest = hashlib.sha256()
    for item in layout.hashed:
        digest.update(hashlib.sha256(changed[item]).digest() if isinstance(item, str) else item)
    content = digest.hexdigest().encode()  # provenance.content_hash of the package
    if template.custom is not None:
        changed[CUSTOM_PART] = template.custom[0] + content + template.custom[1]
        layout = template.layout(frozenset(changed))
    elif CUSTOM_PART in changed:
        changed[CUSTOM_PART] = changed[CUSTOM_PART].replace(HASH_PLACEHOLDER.encode(), content, 1)
    out: list[bytes | bytearray] = [layout.head]
    directory = bytearray(template.directory)
    moved = 0  # how much later than in the template the local records start
    for item, records in layout.rest:
        if isinstance(item, bytes):
            for record, offset in records:
                _OFFSET.pack_into(directory, record + _CENTRAL_OFFSET, offset + moved)
            out.append(item)
            continue
        entry, data = template.entries[item], changed[item]
        compressed = _deflate(data)
        header = bytearray(entry.header)
        sizes = (zlib.crc32(data), len(compressed), len(data))
        _SIZES.pack_into(header, _LOCAL_SIZES, *sizes)
        record, offset = records[0]
        _SIZES.pack_into(directory, record + _CENTRAL_SIZES, *sizes)
        _OFFSET.pack_into(directory, record + _CENTRAL_OFFSET, offset + moved)
        out += (header, compressed)
        moved += len(header) + len(compressed) - len(entry.local)
    end = bytearray(template.end)
    _OFFSET.pack_into(end, _END_OFFSET, _OFFSET.unpack_from(end, _END_OFFSET)[0] + moved)
    out += (directory, end)
    return b"".join(out)


def fill_bytes(plan: Plan) -> bytes:
    """The plan's workbook bytes, from a cached template when the plan allows it."""
    texts = _texts(plan)
    if all(_fillable(text) for text in texts.values()):
        template = _template(*_shape(plan, texts))
        changed = None if template is None else _client_parts(template, texts)
        if template is not None and changed is not None:
            return _package(template, changed)
    from ..workbook import render_bytes  # the normal path (looked up here: tests replace it)

    return render_bytes(plan)
