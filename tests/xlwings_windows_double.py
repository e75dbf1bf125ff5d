"""Run xlwings' own Windows UDF registration on Linux, with test doubles for COM only.

Used by tests/test_udfs.py in a subprocess (it patches sys.modules and sys.platform):
prints, as JSON, what xlwings.udfs recorded for each function of udfs.functions and the VBA
wrapper its generate_vba_wrapper writes for Excel to import.
"""

from __future__ import annotations

import ctypes
import json
import sys
import tempfile
from unittest import mock

COM_MODULES = ["pythoncom", "pywintypes", "win32api", "win32con", "win32gui", "win32process",
               "win32timezone", "win32com", "win32com.client", "win32com.client.gencache",
               "win32com.client.dynamic", "win32com.server", "win32com.server.util",
               "win32com.server.dispatcher", "win32com.server.policy",
               "win32com.server.register", "win32event", "win32clipboard"]


def main() -> None:
    for name in COM_MODULES:
        sys.modules[name] = mock.MagicMock(__file__=f"{name}.pyd")
    ctypes.windll = mock.MagicMock()  # type: ignore[attr-defined]
    ctypes.oledll = mock.MagicMock()  # type: ignore[attr-defined]
    ctypes.PyDLL = mock.MagicMock()  # type: ignore[misc]
    real_platform = sys.platform
    sys.platform = "win32"
    try:
        import xlwings
    finally:
        sys.platform = real_platform
    import xlwings.udfs

    assert xlwings.func is xlwings.udfs.xlfunc, "xlwings did not take its Windows path"
    import udfs.functions as module

    functions = {}
    for name in module.__all__:
        info = getattr(module, name).__xlfunc__
        functions[name] = {"doc": info["ret"]["doc"], "args": [
            {"name": a["name"], "optional": "optional" in a, "doc": a["doc"]}
            for a in info["args"]]}
    with tempfile.NamedTemporaryFile("w+", suffix=".bas") as handle:
        xlwings.udfs.generate_vba_wrapper("udfs.functions", module, handle,
                                          mock.Mock(Name="xlplan.xlam"))
        handle.flush()
        handle.seek(0)
        vba = handle.read()
    print(json.dumps({"functions": functions, "vba": vba}))


if __name__ == "__main__":
    main()
