"""Render a plan's dashboard to PNG with LibreOffice, for the README.

    .venv/bin/python scripts/render_dashboard.py examples/boutique.yaml docs/dashboard.png

The workbook is generated as usual, every sheet but the dashboard is hidden (their data still
feeds the charts), LibreOffice recalculates and prints it to PDF, and pdftoppm rasterises it.
"""

from __future__ import annotations

import argparse
import io
import shutil
import subprocess
import tempfile
from pathlib import Path

import openpyxl

from xlplan import load_plan
from xlplan.engine.libreoffice import to_pdf
from xlplan.workbook import render_bytes
from xlplan.workbook.templates import translations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("plan", type=Path)
    parser.add_argument("output", type=Path, help="PNG file to write")
    parser.add_argument("--dpi", type=int, default=110)
    parser.add_argument("--height-inches", type=float, default=4.4,
                        help="crop the page to its top part, where the dashboard is")
    args = parser.parse_args()
    plan = load_plan(args.plan)
    dashboard = translations(plan.language).sheet("dashboard")
    wb = openpyxl.load_workbook(io.BytesIO(render_bytes(plan)))
    for ws in wb.worksheets:
        ws.sheet_state = "visible" if ws.title == dashboard else "hidden"
    wb.active = wb.sheetnames.index(dashboard)
    with tempfile.TemporaryDirectory(prefix="xlplan-render-") as tmp:
        source = Path(tmp) / "in" / "dashboard.xlsx"
        source.parent.mkdir()
        wb.save(source)
        (pdf,) = to_pdf([source], Path(tmp) / "out")
        pdftoppm = shutil.which("pdftoppm")
        if pdftoppm is None:
            raise SystemExit("pdftoppm is missing: apt-get install poppler-utils")
        args.output.parent.mkdir(parents=True, exist_ok=True)
        stem = args.output.with_suffix("")
        height = str(int(args.dpi * args.height_inches))
        subprocess.run([pdftoppm, "-png", "-r", str(args.dpi), "-singlefile", "-f", "1",
                        "-x", "0", "-y", "0", "-W", str(int(args.dpi * 11)), "-H", height,
                        str(pdf), str(stem)], check=True)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
