"""Turn the formula templates of ``sheets.yaml`` into Excel formulas (Jinja, rendered once).

A table column's template is rendered once with a row placeholder, then the placeholder is
replaced for each row: a thousand rows cost one render. A grid row's template is likewise
rendered with placeholder column letters, and rendered again only for a column whose params
it reads differently (``_GridRow``): a row of twelve months costs one render, or a few.
Only functions that Excel 2010+ and LibreOffice 7.4 both compute are used (no XLOOKUP, LET,
FILTER or dynamic arrays).

A template is compiled once per process, and its bytecode kept across processes by Jinja's
``FileSystemBytecodeCache`` in xlplan's cache directory (``templates.cache_dir``), with what it
reads from its context: a run whose templates are all cached compiles none.
"""

from __future__ import annotations

import contextlib
import functools
import marshal
import pickle
import sys
from collections.abc import Callable, Iterator, Mapping
from io import BytesIO
from types import CodeType
from typing import IO, Any, BinaryIO

import jinja2
from jinja2 import nodes
from jinja2.bccache import Bucket, bc_magic
from jinja2.compiler import CodeGenerator, Frame

from .cache import cache_dir, seal, unseal
from .layout import Layout, PlacedBlock, get_column_letter
from .templates import CellSpec, GridColumn, Translations

ROW = "\x00"  # placeholder for the row number in a rendered column template
LETTER = "\x01"  # placeholder for a grid cell's column letter in a rendered row template
PREVIOUS = "\x02"  # placeholder for the letter of the column before it
_MISSING = object()  # a column param a template asked for and the column does not have
BlockRef = tuple[str, int, int, str]  # a block (key, top, left) and one of its row/column keys

_READS = "xlplan_reads"  # the compiled module's list of the names the template reads
_FORMAT = "xlplan-formulas/1"  # what _Generator writes: to change with it


def string_literal(text: str) -> str:
    """A string as an Excel formula literal: ``Plan d'action`` -> ``"Plan d'action"``."""
    return '"' + text.replace('"', '""') + '"'


class _Generator(CodeGenerator):
    """Jinja's code generator, noting as it goes the names the template reads from its context
    as ``jinja2.meta.find_undeclared_variables`` does (its ``TrackingCodeGenerator``: the same
    frames, the same test), and writing them into the compiled module (``_READS``): a template
    loaded from the bytecode cache knows them without being parsed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reads: set[str] = set()

    def enter_frame(self, frame: Frame) -> None:
        super().enter_frame(frame)
        for action, param in frame.symbols.loads.values():
            if action == "resolve" and param not in self.environment.globals:
                self.reads.add(param)

    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        super().visit_Template(node, frame)
        self.writeline(f"{_READS} = {sorted(self.reads)!r}")


class _Environment(jinja2.Environment):
    code_generator_class = _Generator


def _source(name: str) -> str:
    """The loader of formula templates: a template's name is its source."""
    return name


class _SealedBucket(Bucket):
    """Jinja's bucket (its magic, which holds Jinja's bytecode format and Python's version, the
    source's checksum, the marshalled code), sealed by a digest of those bytes and its key
    (``templates.seal``): a file changed, truncated or another's is not unmarshalled."""

    def load_bytecode(self, f: BinaryIO) -> None:
        """``Bucket.load_bytecode`` on the sealed bytes, its checks made on the bytes
        ``Bucket.write_bytecode`` writes: 5 times faster than its ``pickle.load`` and
        ``marshal.load`` from a file object (a few ms a run)."""
        self.reset()
        payload = unseal(f.read(), self.key)
        head = bc_magic + pickle.dumps(self.checksum, 2)
        if payload is None or not payload.startswith(head):
            return
        code = marshal.loads(memoryview(payload)[len(head):])
        if isinstance(code, CodeType):
            self.code = code

    def write_bytecode(self, f: IO[bytes]) -> None:
        out = BytesIO()
        super().write_bytecode(out)
        f.write(seal(out.getvalue(), self.key))


class _BytecodeCache(jinja2.FileSystemBytecodeCache):
    """Jinja's file-system bytecode cache (a file per template, written aside and renamed over),
    its keys salted with all a compiled template depends on besides its source, its buckets
    sealed, and never failing a run: a file that cannot be read or written is compiled."""

    def __init__(self, directory: str, salt: str) -> None:
        super().__init__(directory, "jinja-%s.cache")
        self.salt = salt

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        return super().get_cache_key(f"{self.salt}\n{name}", filename)

    def get_bucket(self, environment: jinja2.Environment, name: str, filename: str | None,
                   source: str) -> Bucket:
        bucket = _SealedBucket(environment, self.get_cache_key(name, filename),
                               self.get_source_checksum(source))
        self.load_bytecode(bucket)
        return bucket

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        with contextlib.suppress(Exception):  # Jinja's raises: a cache is not worth a failed run
            super().dump_bytecode(bucket)


def _salt(env: jinja2.Environment) -> str:
    """What a template's compiled code depends on besides its source: Jinja's and Python's
    versions (the bucket's magic has only Jinja's bytecode format and Python's major and minor
    version), our generator, and the environment's settings that the code generator reads."""
    return repr((_FORMAT, jinja2.__version__, sys.version, sys.implementation.cache_tag,
                 env.block_start_string, env.block_end_string, env.variable_start_string,
                 env.variable_end_string, env.comment_start_string, env.comment_end_string,
                 env.line_statement_prefix, env.line_comment_prefix, env.trim_blocks,
                 env.lstrip_blocks, env.newline_sequence, env.keep_trailing_newline,
                 env.optimized, env.is_async, env.sandboxed, env.autoescape,
                 env.finalize is not None, sorted(env.extensions), sorted(env.filters),
                 sorted(env.tests), sorted(env.globals)))


@functools.cache
def _environment() -> jinja2.Environment:
    env = _Environment(undefined=jinja2.StrictUndefined, autoescape=False,
                       keep_trailing_newline=False, loader=jinja2.FunctionLoader(_source),
                       cache_size=0)  # _template keeps each template
    directory = cache_dir()
    if directory is not None:
        env.bytecode_cache = _BytecodeCache(directory, _salt(env))
    return env


def _loaded(env: jinja2.Environment, source: str) -> tuple[jinja2.Template, frozenset[str]]:
    template = env.get_template(source)
    module: dict[str, Any] = template.root_render_func.__globals__
    return template, frozenset(module[_READS])


@functools.cache
def _template(source: str) -> tuple[jinja2.Template, frozenset[str]]:
    """A template, compiled or loaded from the bytecode cache, and the names it reads."""
    env = _environment()
    try:
        return _loaded(env, source)
    except Exception:
        if env.bytecode_cache is None:
            raise
    # cached code that did not load (or not as this module writes it): compiled as the loader
    # does (the same code, the same error if the template has one), and cached in its place
    code = env.compile(source, source)
    template = env.template_class.from_code(env, code, env.make_globals(None))
    module: dict[str, Any] = template.root_render_func.__globals__
    reads = frozenset(module[_READS])
    cache = env.bytecode_cache
    bucket = _SealedBucket(env, cache.get_cache_key(source), cache.get_source_checksum(source))
    bucket.code = code
    cache.set_bucket(bucket)
    return template, reads


def _compile(source: str) -> jinja2.Template:
    return _template(source)[0]


def _reads(source: str) -> frozenset[str]:
    """The names a template reads from its context (``prev``, ``col_params``...)."""
    return _template(source)[1]


def _ref(block: PlacedBlock, key: str) -> BlockRef:
    """What a block's rendered formula depends on besides the layout: where the block is."""
    return (block.spec.key, block.top, block.left, key)


class _ReadParams(Mapping[str, Any]):
    """A grid column's params as a template sees them, noting each key it reads (and what it
    found there): two columns agreeing on every key read give the same formula, letters
    apart. A template that takes in all the params (iterates them, counts or prints them)
    is ``opaque``: its formula is known for that column only."""

    __slots__ = ("_opaque", "_params", "_read")

    def __init__(self, params: Mapping[str, Any]) -> None:
        self._params = params
        self._read: dict[str, Any] = {}
        self._opaque = False

    def __getitem__(self, key: str) -> Any:
        value = self._params.get(key, _MISSING)
        self._read[key] = value
        if value is _MISSING:
            raise KeyError(key)
        return value

    def __iter__(self) -> Iterator[str]:
        self._opaque = True
        return iter(self._params)

    def __len__(self) -> int:
        self._opaque = True
        return len(self._params)

    def __repr__(self) -> str:
        self._opaque = True
        return repr(self._params)  # as the params themselves print


def _same(a: Any, b: Any) -> bool:
    """Equal and of one type (``1`` and ``True`` are equal, but render differently)."""
    return a is b or (type(a) is type(b) and a == b)


class _GridRow:
    """The formulas of one grid row, column by column. The row's template is rendered with
    ``LETTER`` and ``PREVIOUS`` for the column letters, which are put in for each column: a
    column takes the rendering of an earlier one that read the same values from its params
    (and, if the template reads ``prev``, is first or not alike: the first column has nothing
    before it). A template uses the references it is given as text, it does not look into
    them (as a table column's template does not look into its row placeholder)."""

    def __init__(self, block: PlacedBlock, row: CellSpec) -> None:
        assert row.formula is not None
        self.block = block
        self.row = row
        self.reads_prev = "prev" in _reads(row.formula)
        self.rendered: list[tuple[dict[str, Any], bool, str]] = []  # (params read, first, text)

    def formula(self, formulas: FormulaRenderer, index: int) -> str:
        block = self.block
        column = block.grid_columns[index]
        first = index == 0 and self.reads_prev
        text = self._known(column, first)
        if text is None:
            text = self._render(formulas, column, first)
        letter = get_column_letter(block.left + 1 + index)
        return text.replace(LETTER, letter).replace(PREVIOUS, get_column_letter(block.left + index))

    def _known(self, column: GridColumn, first: bool) -> str | None:
        params = column.params
        for read, was_first, text in self.rendered:
            if was_first == first and all(_same(params.get(k, _MISSING), v)
                                          for k, v in read.items()):
                return text
        return None

    def _render(self, formulas: FormulaRenderer, column: GridColumn, first: bool) -> str:
        block, row = self.block, self.row
        assert row.formula is not None

        def here(key: str) -> str:
            return f"{LETTER}{block.row_of(key)}"

        def prev(key: str) -> str:
            return "" if first else f"{PREVIOUS}{block.row_of(key)}"

        def header(key: str) -> str:
            return f"{get_column_letter(block.column_of(key))}${block.header_row}"

        params = _ReadParams(column.params)
        text = formulas._render(
            row.formula, row_params=row.params, col_params=params, here=here, prev=prev,
            across=formulas.grid_refs(block, row).__getitem__, header=header)
        if not params._opaque:
            self.rendered.append((params._read, first, text))
        return text


class FormulaRenderer:
    """Renders templates with the helpers the layout and translations provide. What it
    renders is kept: each table column, grid row and grid row's references is rendered once
    (per place of its block), whatever the number of rows or columns."""

    def __init__(self, layout: Layout, words: Translations) -> None:
        self.layout = layout
        # the references and texts a template asks for, each looked up once (a workbook's
        # templates ask for a few hundred, thousands of times)
        self.globals: dict[str, Callable[..., Any]] = {
            "col": functools.cache(layout.col),
            "cell": functools.cache(layout.cell),
            "row": functools.cache(layout.row),
            "column": functools.cache(layout.grid_column),
            "at": functools.cache(layout.grid_cell),
            "repeated": layout.repeated_rows,
            "text": functools.cache(lambda group, key: string_literal(words.choice(group, key))),
            "choices": words.choice_keys,
        }
        self._columns: dict[BlockRef, str] = {}
        self._grid_rows: dict[BlockRef, _GridRow] = {}
        self._grid_refs: dict[BlockRef, dict[str, str]] = {}

    def _render(self, source: str, **context: Any) -> str:
        formula = _compile(source).render(**self.globals, **context).strip()
        if not formula.startswith("=") or "\n" in formula:
            raise ValueError(f"template did not give a one-line formula: {formula!r}")
        return formula

    def table_column(self, block: PlacedBlock, column: CellSpec) -> Callable[[int], str]:
        """The column's formula as a function of the row."""
        key = _ref(block, column.key)
        rendered = self._columns.get(key)
        if rendered is None:
            rendered = self._columns[key] = self._table_column(block, column)
        return lambda row: rendered.replace(ROW, str(row))

    def _table_column(self, block: PlacedBlock, column: CellSpec) -> str:
        assert column.formula is not None
        first = block.first_row
        cells, above = {}, {}
        for index, spec in enumerate(block.spec.cells, start=block.left):
            letter = get_column_letter(index)
            cells[spec.key] = f"{letter}{ROW}"
            above[spec.key] = f"${letter}${first}:{letter}{ROW}"
        return self._render(column.formula, c=cells, above=above)

    def field(self, spec: CellSpec) -> str:
        assert spec.formula is not None
        return self._render(spec.formula, params=spec.params)

    def grid_cell(self, block: PlacedBlock, row: CellSpec, column_index: int) -> str:
        """The formula of a grid row in one of its columns (0 for the first)."""
        key = _ref(block, row.key)
        found = self._grid_rows.get(key)
        if found is None:
            found = self._grid_rows[key] = _GridRow(block, row)
        return found.formula(self, column_index)

    def grid_refs(self, block: PlacedBlock, row: CellSpec) -> dict[str, str]:
        """This grid row's cell in each column, the column fixed: ``{"capacity": "$D7"}``
        (shared: not to be changed)."""
        key = _ref(block, row.key)
        refs = self._grid_refs.get(key)
        if refs is None:
            at = block.row_of(row.key)
            refs = self._grid_refs[key] = {
                c.key: f"${get_column_letter(block.column_of(c.key))}{at}"
                for c in block.grid_columns}
        return refs
