"""The XlsxWriter peer: a plain XlsxWriter program that writes exactly what xlplan's one-off
renderer writes, made by recording the renderer and written out as straight-line code.

How it is made (nothing of this is timed):

1. Record. xlplan renders the plan once with ``xlsxwriter.Workbook`` replaced by a recorder:
   every call the renderer makes on the Workbook and on the Worksheets, Formats and Charts it
   gets back (and every attribute it sets on them) is kept, its arguments copied as they were
   at the call (as source text), each object as the variable it will be in the program.
2. Write the program. The calls become one Python function of plain XlsxWriter calls, in the
   renderer's order (``o3.write_formula(6, 2, "=SUM(...)", o17, 1250.0)``), compiled once.
   Nothing is left in it but XlsxWriter's own work: no loop, no lookup, no computed value.
   It is the fastest any program could write this content with these XlsxWriter calls.
   The one-off target compares xlplan with it on XlsxWriter's own Worksheet (``plain``);
   on xlplan's ExactWorksheet, what is left between the two is xlplan's own work.
3. What xlplan writes outside XlsxWriter the peer writes too, by the cheapest direct means:
   - worksheets of xlplan's own class (``ExactWorksheet``: numbers as their shortest exact
     text, ``t="str"`` for an empty text result, formulas without XlsxWriter's 29 regular
     expressions when they name no dynamic-array function): the class is an argument of the
     recorded ``add_worksheet`` calls. ``plain=True`` drops it, for XlsxWriter's own
     Worksheet (its number text and formula preparation);
   - the chart parts as Excel writes them (``xlplan.workbook.writer.excel_chart``: visible
     axes, every data-label flag, unsmoothed lines) and the content hash in
     ``docProps/custom.xml`` (``xlplan.provenance.content_hash``): both done on the parts in
     memory inside XlsxWriter's packaging step (``Workbook._get_packager``, XlsxWriter's
     hook for it), before XlsxWriter's one zip pass. (xlplan zips with XlsxWriter, unzips,
     fixes the charts, hashes and zips again.)

The parity test (tests/test_bench_parity.py) holds the peer's package to xlplan's: the same
parts, cells, styles, conditional formats, charts, and byte for byte the same parts.
"""

from __future__ import annotations

import datetime
import io
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import xlsxwriter
import xlsxwriter.workbook
from xlsxwriter.packager import Packager

from xlplan.provenance import CUSTOM_PART, HASH_PLACEHOLDER, content_hash
from xlplan.workbook.writer import excel_chart


class RecordingError(RuntimeError):
    """The renderer did something the recorder cannot write out as a program: extend it."""


_REAL_WORKBOOK = xlsxwriter.workbook.Workbook


@dataclass(frozen=True)
class Call:
    target: str  # the variable the method is called on
    method: str  # "__setattr__" for an attribute set
    args: tuple[str, ...]  # source text of each argument
    kwargs: tuple[tuple[str, str], ...]
    result: str | None  # the variable the new object it returns is kept in


@dataclass
class Recording:
    options: str  # source text of the Workbook's options
    calls: list[Call] = field(default_factory=list)
    classes: dict[str, type] = field(default_factory=dict)  # names the source uses
    xlplan_bytes: bytes = b""  # what xlplan wrote in the recorded run

    def kinds(self) -> set[str]:
        return {c.method for c in self.calls}


class _Proxy:
    """Stands for one XlsxWriter object in the renderer's hands: each public call is recorded
    and made on the real object."""

    __slots__ = ("_real", "_recorder", "_var")

    def __init__(self, real: Any, var: str, recorder: _Recorder) -> None:
        object.__setattr__(self, "_real", real)
        object.__setattr__(self, "_var", var)
        object.__setattr__(self, "_recorder", recorder)

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._real, name)
        if callable(value):
            if name.startswith("_"):
                raise RecordingError(f"the renderer calls {type(self._real).__name__}.{name}")

            def method(*args: Any, **kwargs: Any) -> Any:
                return self._recorder.call(self, name, args, kwargs)
            return method
        if _is_xlsxwriter(value):
            raise RecordingError(f"the renderer reads {type(self._real).__name__}.{name}, an "
                                 "XlsxWriter object")
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        self._recorder.setattr(self, name, value)


def _is_xlsxwriter(value: Any) -> bool:
    """An XlsxWriter object, or one of a subclass (xlplan's ExactWorksheet)."""
    return any(k.__module__.startswith("xlsxwriter.") for k in type(value).__mro__)


class _Recorder:
    def __init__(self) -> None:
        self.recording: Recording | None = None
        self.proxies: dict[int, _Proxy] = {}
        self.alive: list[Any] = []  # every real object, so that no id is reused

    def workbook(self, filename: Any = None, options: dict[str, Any] | None = None) -> _Proxy:
        if self.recording is not None:
            raise RecordingError("the renderer makes a second workbook")
        self.recording = Recording(self.source(options or {}))
        return self.adopt(_REAL_WORKBOOK(filename, options), "o0")

    def adopt(self, real: Any, var: str) -> _Proxy:
        proxy = self.proxies[id(real)] = _Proxy(real, var, self)
        self.alive.append(real)
        return proxy

    def call(self, proxy: _Proxy, name: str, args: tuple[Any, ...],
             kwargs: dict[str, Any]) -> Any:
        assert self.recording is not None
        sources = tuple(self.source(a) for a in args)
        keywords = tuple((k, self.source(v)) for k, v in kwargs.items())
        result = getattr(proxy._real, name)(*self.real(args), **self.real(kwargs))
        var = None
        if _is_xlsxwriter(result):
            known = self.proxies.get(id(result))
            if known is None:
                var = f"o{len(self.alive)}"
                known = self.adopt(result, var)
            result = known
        self.recording.calls.append(Call(proxy._var, name, sources, keywords, var))
        return result

    def setattr(self, proxy: _Proxy, name: str, value: Any) -> None:
        assert self.recording is not None
        self.recording.calls.append(Call(proxy._var, "__setattr__",
                                         (repr(name), self.source(value)), (), None))
        setattr(proxy._real, name, self.real(value))

    def real(self, value: Any) -> Any:
        """The value with each proxy replaced by its real object (containers copied)."""
        if isinstance(value, _Proxy):
            return value._real
        if isinstance(value, dict):
            return {k: self.real(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.real(v) for v in value]
        if isinstance(value, tuple):
            return tuple(self.real(v) for v in value)
        return value

    def source(self, value: Any) -> str:
        """The value as Python source text (the program builds it anew at each run)."""
        if isinstance(value, _Proxy):
            return str(value._var)
        if value is None or isinstance(value, bool | int | str):
            return repr(value)
        if isinstance(value, float):
            return repr(value)  # nan and inf are names in the program's namespace
        if isinstance(value, datetime.date | datetime.time | datetime.timedelta):
            return repr(value)  # datetime.datetime(2027, 1, 1, 0, 0): the module is a name
        if isinstance(value, dict):
            return "{" + ", ".join(f"{self.source(k)}: {self.source(v)}"
                                   for k, v in value.items()) + "}"
        if isinstance(value, list):
            return "[" + ", ".join(self.source(v) for v in value) + "]"
        if isinstance(value, tuple):
            return "(" + "".join(f"{self.source(v)}, " for v in value) + ")"
        if isinstance(value, type) and self.recording is not None:
            name = f"_{value.__name__}"
            if self.recording.classes.setdefault(name, value) is not value:
                raise RecordingError(f"two classes named {value.__name__}")
            return name
        raise RecordingError(f"cannot write a {type(value).__name__} as source: {value!r}")


def _xlsxwriter_names() -> Iterator[tuple[Any, str]]:
    """Every module attribute that is XlsxWriter's Workbook class (xlplan's included)."""
    for name, module in list(sys.modules.items()):
        if module is not None and (name == "xlsxwriter" or name.startswith("xlplan.")):
            for attr, value in list(vars(module).items()):
                if value is _REAL_WORKBOOK:
                    yield module, attr


@contextmanager
def _patched(factory: Callable[..., Any]) -> Iterator[None]:
    patched = list(_xlsxwriter_names())
    for module, attr in patched:
        setattr(module, attr, factory)
    try:
        yield
    finally:
        for module, attr in patched:
            setattr(module, attr, _REAL_WORKBOOK)


def record(render: Callable[[], bytes]) -> Recording:
    """Every call ``render`` (xlplan's one-off path, e.g. ``lambda: render_bytes(plan)``)
    makes on XlsxWriter objects, with what it wrote."""
    import xlplan.workbook.render  # noqa: F401  (loaded before patching: its names are patched)

    recorder = _Recorder()
    with _patched(recorder.workbook):
        data = render()
    if recorder.recording is None:
        raise RecordingError("the renderer made no XlsxWriter workbook")
    recorder.recording.xlplan_bytes = data
    return recorder.recording


class _PeerPackager(Packager):  # type: ignore[misc]
    """XlsxWriter's packaging, then what xlplan writes outside XlsxWriter, on the parts in
    memory before XlsxWriter zips them: charts as Excel writes them, the content hash."""

    def _create_package(self) -> list[tuple[Any, str, bool]]:
        files = super()._create_package()
        parts: dict[str, bytes] = {}
        for handle, name, binary in files:
            data = handle.getvalue()
            parts[name] = data if binary else data.encode("utf-8")
        for name, data in parts.items():
            if name.startswith("xl/charts/chart"):
                parts[name] = excel_chart(data)
        if CUSTOM_PART in parts:
            parts[CUSTOM_PART] = parts[CUSTOM_PART].replace(
                HASH_PLACEHOLDER.encode(), content_hash(parts).encode(), 1)
        return [(io.BytesIO(data), name, True) for name, data in parts.items()]


class PeerWorkbook(_REAL_WORKBOOK):  # type: ignore[misc,valid-type]
    def _get_packager(self) -> Packager:
        if not self.in_memory:
            raise RecordingError("the peer writes in memory")
        return _PeerPackager()


def program_source(recording: Recording, plain: bool = False,
                   drop: Iterable[str] = ()) -> str:
    """The recorded calls as one function ``write(out)``. ``plain``: XlsxWriter's own
    Worksheet class; ``drop``: leave out the calls of these methods (to break the peer)."""
    dropped = set(drop)
    lines = ["def write(out):", f"    o0 = PeerWorkbook(out, {recording.options})"]
    for call in recording.calls:
        if call.method in dropped:
            continue
        kwargs = call.kwargs
        if plain and call.method == "add_worksheet":
            kwargs = tuple((k, v) for k, v in kwargs if k != "worksheet_class")
        if call.method == "__setattr__":
            text = f"setattr({call.target}, {', '.join(call.args)})"
        else:
            arguments = [*call.args, *(f"{k}={v}" for k, v in kwargs)]
            text = f"{call.target}.{call.method}({', '.join(arguments)})"
        lines.append(f"    {call.result} = {text}" if call.result else f"    {text}")
    return "\n".join(lines) + "\n"


def compile_peer(recording: Recording, plain: bool = False,
                 drop: Iterable[str] = ()) -> Callable[[], bytes]:
    """The peer, compiled: each call writes the workbook anew and returns its bytes."""
    namespace: dict[str, Any] = {"PeerWorkbook": PeerWorkbook, "datetime": datetime,
                                 "nan": float("nan"), "inf": float("inf"),
                                 **recording.classes}
    source = program_source(recording, plain, drop)
    exec(compile(source, "<xlsxwriter peer>", "exec"), namespace)
    write = namespace["write"]

    def peer() -> bytes:
        out = io.BytesIO()
        write(out)
        return out.getvalue()
    return peer


__all__ = ["Recording", "RecordingError", "compile_peer", "program_source", "record"]
