"""The worksheet functions declared in the add-in's own VBA, so that ``=PLAN_LTV(...)`` works in
any open workbook, .xlsx included, with the add-in installed and nothing else (no trust of
the VBA object model, no reference to set, no .xlsm).

The declarations are what xlwings' "Import Functions" writes into an add-in
(``generate_vba_wrapper``: each function calls ``XLPy.CallUDF`` of the runtime the add-in
carries). xlwings' ``udfs`` module imports pywin32, so it cannot be imported where the add-in is
built; its ``generate_vba_wrapper`` and its ``VBAWriter`` are taken from the installed
package's source, as the VBA runtime is, and run on a description of ``udfs/functions.py``
read from its source (the ``@xw.func`` and ``@xw.arg`` decorators are no-ops off Windows).

The argument descriptions reach Excel's function wizard through ``Application.MacroOptions``,
which the add-in calls when it opens (as xlwings' import does through COM).
"""

from __future__ import annotations

import ast
import io
import types
from dataclasses import dataclass
from importlib import resources
from typing import Any

UDF_MODULE = "udfs.functions"
CATEGORY = "xlplan"
_DOC_LIMIT = 255  # what Excel keeps of a description


@dataclass(frozen=True)
class WorksheetFunction:
    name: str
    args: tuple[str, ...]
    optional: frozenset[str]
    doc: str
    arg_docs: tuple[str, ...]


def _decorator(node: ast.expr) -> tuple[str, ast.Call | None]:
    call = node if isinstance(node, ast.Call) else None
    target = call.func if call is not None else node
    name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
    return name, call


def worksheet_functions(source: str | None = None) -> list[WorksheetFunction]:
    """Every ``@xw.func`` of ``udfs/functions.py``: its arguments (those with a default are
    optional), its docstring and each argument's ``doc``."""
    text = source if source is not None else resources.files("udfs").joinpath(
        "functions.py").read_text("utf-8")
    found = []
    for node in ast.parse(text).body:
        if not isinstance(node, ast.FunctionDef):
            continue
        decorators = [_decorator(d) for d in node.decorator_list]
        if not any(name == "func" for name, _ in decorators):
            continue
        docs: dict[str, str] = {}
        for name, call in decorators:
            if name == "arg" and call is not None and call.args:
                arg = ast.literal_eval(call.args[0])
                doc = next((ast.literal_eval(k.value) for k in call.keywords
                            if k.arg == "doc"), "")
                docs[str(arg)] = str(doc)
        args = tuple(a.arg for a in node.args.args)
        with_defaults = args[len(args) - len(node.args.defaults):] if node.args.defaults else ()
        found.append(WorksheetFunction(
            node.name, args, frozenset(with_defaults),
            " ".join((ast.get_docstring(node) or "").split())[:_DOC_LIMIT],
            tuple(docs.get(a, a)[:_DOC_LIMIT] for a in args)))
    return found


def _xlwings_code(path: str, names: tuple[str, ...]) -> dict[str, Any]:
    """Top-level definitions of one xlwings source file, run without importing xlwings."""
    from .build import AddinSourceError, xlwings_folder

    file = xlwings_folder() / path
    if not file.is_file():
        raise AddinSourceError(f"{file}: missing from the installed xlwings package")
    tree = ast.parse(file.read_text("utf-8"))
    picked: list[ast.stmt] = [n for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)
                              and n.name in names]
    if len(picked) != len(names):
        raise AddinSourceError(f"{file}: expected {', '.join(names)} in it")
    namespace: dict[str, Any] = {}
    exec(compile(ast.Module(picked, []), f"xlwings/{path}", "exec"), namespace)
    return namespace


def _xlfunc(function: WorksheetFunction) -> dict[str, Any]:
    """What xlwings' ``@xw.func`` records of a function (the part its wrapper reads)."""
    args = []
    for name in function.args:
        arg: dict[str, Any] = {"name": name, "vba": None, "vararg": False}
        if name in function.optional:
            arg["optional"] = None
        args.append(arg)
    return {"name": function.name, "call_in_wizard": True, "volatile": False, "sub": False,
            "args": args}


def declarations_vba(functions: list[WorksheetFunction]) -> str:
    """The VBA module declaring each function, as xlwings' import writes it in an add-in."""
    writer = _xlwings_code("utils.py", ("VBAWriter",))
    wrapper = _xlwings_code("udfs.py", ("generate_vba_wrapper",))
    wrapper["generate_vba_wrapper"].__globals__["VBAWriter"] = writer["VBAWriter"]
    module = types.SimpleNamespace()
    for function in functions:
        def stand_in() -> None: ...
        stand_in.__xlfunc__ = _xlfunc(function)  # type: ignore[attr-defined]
        setattr(module, function.name, stand_in)
    out = io.StringIO()
    out.write("'Autogenerated by xlplan addin build from udfs/functions.py, as xlwings' "
              "Import Functions writes it\n")
    out.write('#Const App = "Microsoft Excel"\n')
    wrapper["generate_vba_wrapper"](UDF_MODULE, module, out,
                                    types.SimpleNamespace(Name="xlplan.xlam"))
    return out.getvalue()


def _vba_text(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def registration_vba(functions: list[WorksheetFunction]) -> str:
    """``RegisterXlplanFunctions``: each function's description, category and argument
    descriptions for Excel's function wizard (never an error that stops the add-in)."""
    lines = ["Sub RegisterXlplanFunctions()",
             "    ' Called when the add-in opens (ThisWorkbook.Workbook_Open)",
             "    On Error Resume Next"]
    for function in functions:
        docs = ", ".join(_vba_text(d) for d in function.arg_docs)
        lines += [f'    Application.MacroOptions Macro:="\'" & ThisWorkbook.Name & "\'!'
                  f'{function.name}", _',
                  f"        Description:={_vba_text(function.doc)}, _",
                  f"        Category:={_vba_text(CATEGORY)}, _",
                  f"        ArgumentDescriptions:=Array({docs})"]
    lines += ["End Sub", ""]
    return "\n".join(lines)


WORKBOOK_OPEN = """Private Sub Workbook_Open()
    RegisterXlplanFunctions
End Sub
"""
