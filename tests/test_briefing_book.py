"""The deliverable in the client's locale: held-out plans in six locales, finalized and
printed to PDF by LibreOffice, read back with pdftotext."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from xlplan import validate_plan
from xlplan.cli import main
from xlplan.engine.libreoffice import to_pdf
from xlplan.finalize import finalize_workbook
from xlplan.workbook import render_bytes
from xlplan.workbook.templates import sheet_specs, translations

pytestmark = pytest.mark.libreoffice

# locale -> (language, currency, how 1234.56 reads, paper (width, height) in points)
A4, LETTER = (842, 595), (792, 612)  # landscape
LOCALES = {
    "fr-FR": ("fr", "EUR", "1 234,56 €", A4),
    "fr-CA": ("fr", "CAD", "1 234,56 $", LETTER),
    "es-ES": ("es", "EUR", "1.234,56 €", A4),
    "es-MX": ("es", "MXN", "$1,234.56", LETTER),
    "en-GB": ("en", "GBP", "£1,234.56", A4),
    "en-US": ("en", "USD", "$1,234.56", LETTER),
}
LEGIBLE_POINTS = 4.5  # the smallest word's height: 11-pt text printed at 45 %
NOT_SHOWN = ("###", "TRUE", "FALSE", "VRAI", "FAUX", "VERDADERO", "FALSO", "#VALUE", "#DIV",
             "#N/A", "#REF", "Err:")


def plan_in(tag: str) -> dict[str, Any]:
    language, currency, _, _ = LOCALES[tag]
    return {
        "client": {"name": f"Briefing {tag}", "language": language, "currency": currency,
                   "locale": tag},
        "plan": {"year": 2027, "as_of": "2027-06-30", "opening_cash": 1234.56},
        "kpis": [{"name": "Revenue", "target": 100, "actual": 96}],
        "priorities": [{"title": "Grow", "quadrant": "attack-sell", "category": "customer",
                        "score": 3, "impact": 5000, "cost": 1000}],
        "funding": {"uses": [{"label": "Hire", "month": 2, "amount": 4000}]},
        # enough actions for the action plan to take more than one page
        "actions": [{"what": f"Action {i:03d}", "who": "Ana", "start": "2027-01-04",
                     "due": "2027-02-01", "priority": "Grow", "cost": 10.5}
                    for i in range(300)],
    }


def pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    return [" ".join(page.replace("\u00a0", " ").replace("\u202f", " ").split())
            for page in text.split("\f") if page.strip()]


def smallest_text(pdf: Path) -> float:
    """The height, in points, of the smallest word printed on any page of a PDF."""
    boxes = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True,
                           capture_output=True, text=True).stdout
    return min(float(bottom) - float(top) for top, bottom in re.findall(
        r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', boxes))


def page_size(pdf: Path) -> tuple[int, int]:
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True,
                          text=True).stdout
    found = re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info)
    assert found is not None
    return round(float(found.group(1))), round(float(found.group(2)))


@pytest.fixture(scope="module")
def printed(soffice, tmp_path_factory) -> dict[str, Path]:
    assert shutil.which("pdftotext"), "poppler-utils is not installed: run scripts/setup"
    tmp = tmp_path_factory.mktemp("briefing")
    copies = []
    for tag in LOCALES:
        book = tmp / f"{tag}-book.xlsx"
        book.write_bytes(render_bytes(validate_plan(plan_in(tag))))
        copy = tmp / "copies" / f"{tag}.xlsx"
        copy.parent.mkdir(exist_ok=True)
        copy.write_bytes(finalize_workbook(book).data)
        copies.append(copy)
    return {p.stem: p for p in to_pdf(copies, tmp / "pdf")}


@pytest.mark.parametrize("tag", list(LOCALES))
def test_the_briefing_book_reads_right_in_its_locale(printed, tag):
    """Every client-facing sheet, amounts in the locale's pattern, the locale's paper, text
    no smaller than legible, no ### / TRUE / FALSE / error, a footer with the page number on
    every page, and every page of the action plan with its header row."""
    language, _, amount, paper = LOCALES[tag]
    pdf = printed[tag]
    text = pages(pdf)
    whole = " ".join(text)
    assert amount in whole, f"{amount!r} not in the PDF"
    assert page_size(pdf) == paper
    # a wide sheet is spread over pages rather than shrunk past legibility (template 5 printed
    # the priorities at a quarter of their size: words 2.7 pt high)
    assert smallest_text(pdf) >= LEGIBLE_POINTS
    for word in NOT_SHOWN:
        assert word not in whole, word
    words = translations(language)
    for number, page in enumerate(text, start=1):
        assert f"{words.label('print.page')} {number} / {len(text)}" in page
    for sheet in sheet_specs():
        assert words.sheet(sheet.key) in whole, sheet.key
    header = words.label("actions.what")
    with_actions = [page for page in text if "Action 0" in page]
    assert len(with_actions) >= 2, "the action plan should run over more than one page"
    assert all(header in page for page in with_actions)


def test_finalize_pdf_writes_the_briefing_book(tmp_path):
    """`finalize --pdf` writes the client copy and its PDF, every sheet in it."""
    book = tmp_path / "book.xlsx"
    book.write_bytes(render_bytes(validate_plan(plan_in("es-MX"))))
    result = CliRunner().invoke(main, ["finalize", str(book), "-o", str(tmp_path / "c.xlsx"),
                                       "--pdf"])
    assert result.exit_code == 0, result.output
    text = " ".join(pages(tmp_path / "c.pdf"))
    words = translations("es")
    assert all(words.sheet(s.key) in text for s in sheet_specs())
    assert page_size(tmp_path / "c.pdf") == LETTER
