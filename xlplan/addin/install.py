"""``xlplan addin install``: put xlplan.xlam where Excel loads it, and tell xlwings' runtime in
it which Python to run.

Excel opens every file of its user startup folder (XLSTART) when it starts, and that folder
is one of Office's default trusted locations: its macros run without the security bar. The
runtime reads its settings from ``~/.xlplan/xlplan.conf`` (xlwings' own format: one
``"KEY","value"`` per line), where this sets the interpreter to the Python running xlplan.
"""

from __future__ import annotations

import locale
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from ..errors import OutputError
from ..safe_io import atomic_write
from .build import PROJECT_NAME

ADDIN_FILE = f"{PROJECT_NAME}.xlam"


# Told instead of installing what cannot run (README, "On a Mac").
MAC_UNSUPPORTED = (
    "the xlplan add-in does not run on a Mac (xlwings has no worksheet functions there, and "
    "the ribbon's macros use Windows-only Excel calls); everything else does: the workbooks "
    "work in Excel for Mac with no add-in, and `xlplan run MACRO BOOK.xlsx` does what each "
    "ribbon button does")


def config_path(home: Path) -> Path:
    return home / f".{PROJECT_NAME}" / f"{PROJECT_NAME}.conf"


def config_text(existing: str, settings: dict[str, str]) -> str:
    """xlwings' settings file with ``settings`` set and every other line kept."""
    keys = {f'"{key.upper()}"' for key in settings}
    kept = [line for line in existing.splitlines()
            if line.strip() and line.split(",", 1)[0].strip().upper() not in keys]
    return "".join(f"{line}\n" for line in kept) + "".join(
        f'"{key.upper()}","{value}"\n' for key, value in settings.items())


def config_encoding(platform: str) -> str:
    """The encoding Excel's VBA reads a text file in: the system's ANSI code page on Windows
    (cp1252 in Western Europe and the Americas; the running system's own one when this runs
    on Windows), as xlwings writes its settings."""
    if not platform.startswith("win"):
        return "utf-8"
    return locale.getencoding() if sys.platform.startswith("win") else "cp1252"


@dataclass(frozen=True)
class InstallSteps:
    addin: Path
    config: Path
    settings: dict[str, str]
    encoding: str = "utf-8"  # what Excel's VBA reads the settings file in

    def describe(self) -> list[str]:
        return [
            f"add-in: {self.addin}",
            f"settings: {self.config} ("
            + ", ".join(f"{k} = {v}" for k, v in self.settings.items()) + ")",
            "needs: the xlwings add-in too (run `xlwings addin install` once), and Excel's "
            "Trust Center must not disable all macros without notification",
            "macro security: the startup folder is a trusted location, so the add-in's "
            "macros run without a prompt; if your IT policy removes that trust, add the "
            "folder under File > Options > Trust Center > Trusted Locations, or have the "
            "add-in signed with your organisation's code-signing certificate",
        ]

    def apply(self, addin: bytes) -> None:
        text = config_text(self.config.read_text(self.encoding, errors="replace")
                           if self.config.exists() else "", self.settings)
        try:
            data = text.encode(self.encoding)
        except UnicodeEncodeError:
            raise OutputError(f"{self.config}: the settings hold characters Excel cannot read "
                              f"in this system's code page ({self.encoding}); install Python "
                              "in a folder whose path it can write, or change the system's "
                              "language for non-Unicode programs") from None
        try:
            atomic_write(self.addin, addin)
        except PermissionError:
            raise OutputError(f"{self.addin}: cannot be replaced while Excel has it open; "
                              "quit Excel and run this again") from None
        atomic_write(self.config, data)


def install_steps(xlstart: Path | None, python: str, platform: str,
                  home: Path | None = None) -> InstallSteps:
    """Where the add-in and its settings go for this user (``xlstart`` overrides the
    platform's startup folder)."""
    home = home or Path.home()
    mac = platform == "darwin"
    if xlstart is None:
        if platform.startswith("win"):
            appdata = os.environ.get("APPDATA")
            if not appdata:
                raise OutputError("APPDATA is not set: give --xlstart")
            xlstart = Path(appdata) / "Microsoft" / "Excel" / "XLSTART"
        elif mac:
            raise OutputError(MAC_UNSUPPORTED)
        else:
            raise OutputError("Excel add-ins install on Windows or a Mac; on this system run "
                              "the ribbon's macros with `xlplan run`, or give --xlstart")
    settings = {"INTERPRETER_MAC" if mac else "INTERPRETER_WIN": python,
                "UDF MODULES": "udfs.functions"}
    return InstallSteps(xlstart / ADDIN_FILE, config_path(home), settings,
                        config_encoding(platform))
