"""Headless LibreOffice: recalculate workbooks for real, and render them to PDF.

LibreOffice keeps the cached results of an .xlsx unless told to recalculate on load, so each
run uses a throwaway profile with ``OOXMLRecalcMode`` set to 0 (always). LibreOffice exits 0
even when a file failed to load, so every expected output is checked. Outputs always go to a
folder of their own, never next to the input.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ..errors import XlplanError

_ITEM = ('<item oor:path="{path}"><prop oor:name="{name}" oor:op="fuse">'
         "<value>{value}</value></prop></item>")
_PROFILE_SETTINGS = "\n".join([
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
    'xmlns:xs="http://www.w3.org/2001/XMLSchema" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">',
    # 0 = always recalculate on load, so stored (or missing) results are never trusted
    _ITEM.format(path="/org.openoffice.Office.Calc/Formula/Load", name="OOXMLRecalcMode",
                 value=0),
    _ITEM.format(path="/org.openoffice.Office.Calc/Formula/Load", name="ODFRecalcMode", value=0),
    _ITEM.format(path="/org.openoffice.Office.Common/Misc", name="FirstRun", value="false"),
    "</oor:items>", ""])


class LibreOfficeError(XlplanError):
    """LibreOffice is missing, failed, or did not produce an output."""


def soffice_path() -> str:
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    raise LibreOfficeError(
        "LibreOffice is not installed (no soffice on PATH); "
        "on Debian/Ubuntu: apt-get install libreoffice-calc-nogui")


def _convert(inputs: Sequence[Path], out_dir: Path, target: str, timeout: float) -> list[Path]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    inputs = [Path(p).resolve() for p in inputs]
    for path in inputs:
        if path.parent == out_dir.resolve():
            raise LibreOfficeError(f"{path}: output folder must differ from the input's")
    with tempfile.TemporaryDirectory(prefix="xlplan-lo-profile-") as profile:
        user = Path(profile) / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(_PROFILE_SETTINGS, encoding="utf-8")
        command = [soffice_path(), f"-env:UserInstallation={Path(profile).as_uri()}",
                   "--headless", "--norestore", "--nolockcheck", "--convert-to", target,
                   "--outdir", str(out_dir), *map(str, inputs)]
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                                    check=False)
        except subprocess.TimeoutExpired:
            raise LibreOfficeError(f"LibreOffice took more than {timeout:.0f} s") from None
    suffix = "." + target.split(":")[0]
    outputs = [out_dir / (p.stem + suffix) for p in inputs]
    missing = [str(p) for p in outputs if not p.exists()]
    if missing:
        raise LibreOfficeError(
            f"LibreOffice produced no output for {', '.join(missing)} (exit {result.returncode})"
            f"\n{result.stdout}\n{result.stderr}".rstrip())
    return outputs


def recalculate(inputs: Sequence[Path], out_dir: Path, timeout: float = 600) -> list[Path]:
    """Recalculate each workbook in LibreOffice and save it as .xlsx (with the new results)
    into ``out_dir``; one LibreOffice start for the whole batch."""
    return _convert(inputs, out_dir, 'xlsx:Calc MS Excel 2007 XML', timeout)


def to_pdf(inputs: Sequence[Path], out_dir: Path, timeout: float = 600) -> list[Path]:
    """Recalculate and print each workbook to PDF into ``out_dir``."""
    return _convert(inputs, out_dir, "pdf:calc_pdf_Export", timeout)


def to_ods(inputs: Sequence[Path], out_dir: Path, timeout: float = 600) -> list[Path]:
    """Open each file in LibreOffice and save it as ODS: its VBA modules, as LibreOffice's
    own importer read them, become Basic modules of the ODS (how tests check a VBA project
    with a second, independent reader)."""
    return _convert(inputs, out_dir, "ods:calc8", timeout)
