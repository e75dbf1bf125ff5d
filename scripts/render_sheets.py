"""Render every sheet of a plan's workbook to PNG with LibreOffice, for docs/sheets/.

    .venv/bin/python scripts/render_sheets.py examples/boutique.yaml docs/sheets

The workbook is generated as usual, LibreOffice recalculates and prints it to PDF (each sheet
one page wide, maybe several pages long), each page is matched to its sheet by its printed
header (the sheet's tab name, then the year), and pdftoppm rasterises the first page of each
sheet to ``<NN>-<sheet key>.png``. A README.md lists the pictures; stale PNGs are removed.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from xlplan import load_plan
from xlplan.engine.libreoffice import LibreOfficeError, soffice_path, to_pdf
from xlplan.workbook import render_bytes
from xlplan.workbook.templates import sheet_specs, translations

DESCRIPTIONS = {
    "vision": "The plan's settings, strategic barriers, SMART objectives, their initiatives "
              "and the categories",
    "bilan": "Last year's KPIs against target, what went well and badly, the competitors",
    "customers": "Customer segments with their lifetime value and the customer capital",
    "priorities": "Ideas scored 3/2/1/0, the top priority of each quadrant, and the risks",
    "funding": "Sources and uses of funds, month by month, and the cost of top priorities",
    "actions": "The action plan: who does what by when, and its progress",
    "team": "The team's zones of genius, workload by person and month, and the survey",
    "reviews": "The year period by period: objectives measured, attainment, decisions",
    "dashboard": "Key figures and charts: KPI attainment, cash balance, objectives, actions",
}
FALLBACK = "One sheet of the workbook, as LibreOffice prints it"


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        print(f"{name} is missing: apt-get install poppler-utils", file=sys.stderr)
        raise SystemExit(2)
    return found


def page_count(pdfinfo: str, pdf: Path) -> int:
    info = subprocess.run([pdfinfo, str(pdf)], capture_output=True, text=True, check=True)
    match = re.search(r"^Pages:\s+(\d+)", info.stdout, re.MULTILINE)
    if match is None:
        raise SystemExit(f"pdfinfo gave no page count for {pdf}")
    return int(match.group(1))


def header(pdftotext: str, pdf: Path, page: int) -> str:
    """The left part of a page's printed header: the sheet's tab name (``&A``)."""
    text = subprocess.run([pdftotext, "-layout", "-f", str(page), "-l", str(page), str(pdf),
                           "-"], capture_output=True, text=True, check=True).stdout
    first = next((line for line in text.splitlines() if line.strip()), "")
    return re.split(r"\s{2,}", first.strip())[0]


def first_pages(pdfinfo: str, pdftotext: str, pdf: Path, names: list[str]) -> list[int]:
    """The first PDF page (1-based) of each sheet named in ``names``, in that order."""
    found: dict[str, int] = {}
    for page in range(1, page_count(pdfinfo, pdf) + 1):
        found.setdefault(header(pdftotext, pdf, page), page)
    missing = [name for name in names if name not in found]
    if missing:
        raise SystemExit(f"no PDF page has the header of sheet(s) {', '.join(missing)}")
    pages = [found[name] for name in names]
    if pages != sorted(pages):
        raise SystemExit(f"sheets printed out of workbook order: pages {pages}")
    return pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("plan", type=Path, nargs="?", default=Path("examples/boutique.yaml"))
    parser.add_argument("output", type=Path, nargs="?", default=Path("docs/sheets"),
                        help="folder to write the PNGs and README.md into")
    parser.add_argument("--dpi", type=int, default=80)
    args = parser.parse_args()
    try:
        soffice_path()
    except LibreOfficeError as error:
        print(str(error), file=sys.stderr)
        raise SystemExit(2) from None
    pdftoppm, pdftotext, pdfinfo = tool("pdftoppm"), tool("pdftotext"), tool("pdfinfo")
    plan = load_plan(args.plan)
    keys = [spec.key for spec in sheet_specs()]
    local, english = translations(plan.language), translations("en")
    out: Path = args.output
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="xlplan-sheets-") as tmp:
        source = Path(tmp) / "in" / "workbook.xlsx"
        source.parent.mkdir()
        source.write_bytes(render_bytes(plan))
        (pdf,) = to_pdf([source], Path(tmp) / "out")
        pages = first_pages(pdfinfo, pdftotext, pdf, [local.sheet(key) for key in keys])
        for number, (key, page) in enumerate(zip(keys, pages, strict=True), start=1):
            target = out / f"{number:02d}-{key}.png"
            subprocess.run([pdftoppm, "-png", "-r", str(args.dpi), "-f", str(page), "-l",
                            str(page), "-singlefile", str(pdf), str(target.with_suffix(""))],
                           check=True)
            written.append(target)
            print(f"wrote {target} (page {page}, {local.sheet(key)})")
    for stale in sorted(set(out.glob("*.png")) - set(written)):
        stale.unlink()
        print(f"removed {stale}")
    lines = ["# The sheets of the workbook", "",
             f"Each sheet of the workbook generated from `{args.plan.as_posix()}`, as "
             "LibreOffice prints it (first page of each sheet; the workbook is in the plan's "
             "language).",
             f"Regenerate with `.venv/bin/python scripts/render_sheets.py "
             f"{args.plan.as_posix()} {out.as_posix()}`.", ""]
    for key, target in zip(keys, written, strict=True):
        name = english.sheet(key)
        lines += [f"## {name}", "", f"{DESCRIPTIONS.get(key, FALLBACK)}.", "",
                  f"![{name}]({target.name})", ""]
    readme = out / "README.md"
    readme.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {readme}")


if __name__ == "__main__":
    main()
