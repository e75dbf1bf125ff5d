"""Two small forms staff fill in, and their collection back into data.

- The shared-priorities survey: one question for everyone ("what does the organisation pay
  most attention to?"), one answer cell; it carries nothing of the plan. Answers come back
  from the filled-in forms or from a CSV export (Google Forms, Microsoft Forms, Typeform).
- The zone-of-genius questionnaire, one per person: activities in four zones (genius,
  excellence, competence, incompetence), eight cells each.

Forms hold text only (never a formula), are protected but for their yellow input cells, and
are byte-identical for the same input. A form is recognised by its custom property
``xlplan.form`` (``survey`` or ``genius``) or its defined names (``Answer``; ``Person`` and
``Zone_<zone>``). What is typed comes back as typed: a formula is kept as its text.
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time
from importlib import resources
from pathlib import Path
from typing import Any

import openpyxl
import xlsxwriter
import yaml
from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet.worksheet import Worksheet as ReadSheet
from xlsxwriter.format import Format
from xlsxwriter.utility import quote_sheetname
from xlsxwriter.worksheet import Worksheet

from .batch.names import MAX_STEM, safe_stem
from .errors import XlplanError
from .model import Language
from .reader.guard import UnreadableWorkbook, inspect_package, read_failures_as_unreadable

ZONES = ("genius", "excellence", "competence", "incompetence")
ZONE_CELLS = 8
MAX_CSV_BYTES = 10 * 2**20
MAX_CSV_ROWS = 100_000
_MAX_NAMED_CELLS = 1_000  # a defined name of a form covers a few cells, never a sheet
_PROPERTY = "xlplan.form"
_LEADING = ("=", "+", "-", "@")  # text Excel would take for a formula if typed
_INPUT = {"locked": False, "text_wrap": True, "valign": "top", "bg_color": "#FFF2CC",
          "border": 1, "border_color": "#BFBFBF"}
_BOLD = {"bold": True, "text_wrap": True, "valign": "top"}
_NOTE = {"italic": True, "text_wrap": True, "valign": "top"}
_HEADING = {"bold": True, "font_color": "#FFFFFF", "bg_color": "#1F4E79"}

# Layouts (A1 references). Survey: title A1, instruction A3, question A5, answer A6.
SURVEY_ANSWER = "A6"
# Genius: title A1, name label A2 / name B2, role label A3 / role B3, instruction A5, then for
# zone k (0..3, in ZONES order): heading A(7+11k), explanation A(8+11k), inputs
# B(9+11k):B(16+11k) numbered 1..8 in column A (genius B9:B16 ... incompetence B42:B49).
GENIUS_PERSON = "B2"


def _zone_top(index: int) -> int:
    """The row of a zone's heading (its explanation below, then its input cells)."""
    return 7 + index * (ZONE_CELLS + 3)


def _zone_range(index: int) -> str:
    return f"B{_zone_top(index) + 2}:B{_zone_top(index) + ZONE_CELLS + 1}"


_GENIUS_RANGES = {"Person": GENIUS_PERSON} | {
    f"Zone_{zone}": _zone_range(k) for k, zone in enumerate(ZONES)}


class FormError(XlplanError):
    """A form or survey export that cannot be collected (the file and why, in one line)."""


@dataclass(frozen=True)
class SurveyAnswer:
    answer: str
    priority: str | None  # only from a CSV that has a priority column; forms give None
    source: str  # the file name, or "file.csv:row 7"


@dataclass(frozen=True)
class GeniusAnswers:
    person: str
    genius: tuple[str, ...]
    excellence: tuple[str, ...]
    competence: tuple[str, ...]
    incompetence: tuple[str, ...]
    source: str  # file name


@functools.cache
def _strings() -> dict[str, Any]:
    text = resources.files("workbook_templates").joinpath("i18n", "forms.yaml").read_text(
        "utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def _words(language: Language, form: str) -> dict[str, Any]:
    words: dict[str, Any] = _strings()[Language(language).value][form]
    return words


# -- writing ------------------------------------------------------------------------------
class _Form:
    """One protected sheet of an in-memory workbook; every text written as text."""

    def __init__(self, sheet: str, year: int) -> None:
        self.buffer = io.BytesIO()
        self.year = year
        self.book = xlsxwriter.Workbook(self.buffer, {
            "in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
            "strings_to_urls": False})
        self.sheet_name = sheet
        self.ws: Worksheet = self.book.add_worksheet(sheet)
        self.formats: dict[tuple[tuple[str, Any], ...], Format] = {}

    def format(self, props: dict[str, Any]) -> Format:
        key = tuple(sorted(props.items()))
        if key not in self.formats:
            self.formats[key] = self.book.add_format(props)
        return self.formats[key]

    def text(self, cell: str, text: str, props: dict[str, Any], merge_to: str = "") -> None:
        if text.startswith(_LEADING):
            props = props | {"quote_prefix": True}
        fmt = self.format(props)
        if merge_to:
            self.ws.merge_range(f"{cell}:{merge_to}", "", fmt)
        if self.ws.write_string(cell, text, fmt) != 0:
            raise FormError(f"{text[:40]!r}...: too long for a cell (32,767 characters)")

    def name(self, name: str, ref: str) -> None:
        absolute = ":".join(f"${p[0]}${p[1:]}" for p in ref.split(":"))
        self.book.define_name(name, f"={quote_sheetname(self.sheet_name)}!{absolute}")

    def close(self, kind: str, first_input: str) -> bytes:
        self.ws.protect("", {"format_columns": True, "format_rows": True})
        self.ws.set_selection(first_input)
        self.ws.hide_gridlines(2)
        self.ws.fit_to_pages(1, 0)
        self.book.set_properties({"created": datetime(self.year, 1, 1)})
        self.book.set_custom_property(_PROPERTY, kind)
        self.book.close()
        return self.buffer.getvalue()


def survey_form(language: Language, client_name: str, year: int) -> bytes:
    """The one-question survey, in the workbook's language: nothing of the plan in it."""
    words = _words(language, "survey")
    form = _Form(words["sheet"], year)
    form.ws.set_column("A:A", 90)
    form.text("A1", words["title"].format(client=client_name, year=year),
              {"bold": True, "font_size": 14})
    form.text("A3", words["instruction"], _NOTE)
    form.text("A5", words["question"], _BOLD)
    form.ws.set_row(5, 150)
    form.ws.write_blank(SURVEY_ANSWER, None, form.format(_INPUT))
    form.name("Answer", SURVEY_ANSWER)
    return form.close("survey", SURVEY_ANSWER)


def genius_form(language: Language, client_name: str, year: int, person: str,
                role: str | None) -> bytes:
    """One person's zone-of-genius questionnaire: four zones of eight activity cells."""
    if not person.strip():
        raise FormError("a zone-of-genius form needs the person's name")
    words = _words(language, "genius")
    form = _Form(words["sheet"], year)
    form.ws.set_column("A:A", 16)
    form.ws.set_column("B:B", 80)
    form.text("A1", words["title"].format(client=client_name, year=year),
              {"bold": True, "font_size": 14})
    form.text("A2", words["person"], {"bold": True})
    form.text(GENIUS_PERSON, person, {"font_size": 12})
    form.name("Person", GENIUS_PERSON)
    if role is not None and role.strip():
        form.text("A3", words["role"], {"bold": True})
        form.text("B3", role, {})
    form.text("A5", words["instruction"], _NOTE, merge_to="B5")
    form.ws.set_row(4, 45)
    for k, zone in enumerate(ZONES):
        top = _zone_top(k)
        form.text(f"A{top}", words["zones"][zone], _HEADING, merge_to=f"B{top}")
        form.text(f"A{top + 1}", words["explanations"][zone], _NOTE, merge_to=f"B{top + 1}")
        for n in range(ZONE_CELLS):
            form.ws.write_number(f"A{top + 2 + n}", n + 1, form.format({"align": "center"}))
            form.ws.write_blank(f"B{top + 2 + n}", None, form.format(_INPUT))
        form.name(f"Zone_{zone}", _zone_range(k))
    return form.close("genius", _zone_range(0).split(":")[0])


def genius_file_name(person: str, taken: set[str]) -> str:
    """A safe ``<stem>.xlsx`` for a person's form, unique among ``taken`` ignoring case
    (`` (2)``, `` (3)``... added). ``taken`` is not changed: add the name to it."""
    stem = safe_stem(person)
    if stem == "client" and person.strip().casefold() != "client":
        stem = "person"  # nothing of the name is usable as a file name
    used = {name.casefold() for name in taken}
    candidate, n = f"{stem}.xlsx", 2
    while candidate.casefold() in used:
        suffix = f" ({n})"
        candidate, n = f"{safe_stem(stem[:MAX_STEM - len(suffix)] + suffix)}.xlsx", n + 1
    return candidate


# -- reading ------------------------------------------------------------------------------
def _inputs(folder: Path, suffixes: tuple[str, ...]) -> list[Path]:
    """The folder's files with these suffixes (any case), by name; hidden and ~$ skipped."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FormError(f"{folder}: not a folder")
    return sorted((p for p in folder.iterdir() if p.suffix.lower() in suffixes
                   and not p.name.startswith((".", "~$")) and p.is_file()),
                  key=lambda p: p.name)


def _cell_text(value: object) -> str:
    """A cell's value as the text typed: a formula as its text, a number as written."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date | time):
        return value.isoformat()
    text = getattr(value, "text", None)  # an array formula
    return text if isinstance(text, str) else str(value)


def _read_form(path: Path, kind: str, ranges: dict[str, str]) -> dict[str, list[str]]:
    """The texts of each named range (``{name: its place in the layout}``) of a form of this
    kind, cell by cell; FormError if the file is not one."""
    try:
        inspect_package(path)
        with read_failures_as_unreadable(f"{path}: unreadable"):
            book = openpyxl.load_workbook(path, data_only=False, keep_links=False)
            found = next((str(p.value).strip().casefold() for p in book.custom_doc_props.props
                          if p.name == _PROPERTY), None)
            names = {name.casefold(): defined for name, defined in book.defined_names.items()}
            if found is not None and found != kind:
                raise FormError(f"{path}: a {found} form, not a {kind} form")
            if found is None and not all(name.casefold() in names for name in ranges):
                raise FormError(f"{path}: not a {kind} form (no {_PROPERTY} = {kind} "
                                f"property, no {', '.join(ranges)} defined names)")
            if not book.worksheets:
                raise FormError(f"{path}: has no worksheet")
            texts = {}
            for name, place in ranges.items():
                defined = names.get(name.casefold())
                where = [(book.worksheets[0].title, place)] if defined is None else list(
                    defined.destinations)
                texts[name] = _range_texts(book, where, f"{path}: the name {name}")
            return texts
    except UnreadableWorkbook as exc:
        raise FormError(str(exc)) from exc


def _range_texts(book: Any, where: list[tuple[str, str]], what: str) -> list[str]:
    if len(where) != 1 or where[0][0].replace("''", "'") not in book.sheetnames:
        raise FormError(f"{what} does not point at one range of the workbook")
    sheet, ref = where[0][0].replace("''", "'"), where[0][1]
    ws = book[sheet]
    left, top, right, bottom = range_boundaries(ref.replace("$", ""))
    if (not isinstance(ws, ReadSheet) or left is None or top is None or right is None
            or bottom is None or (right - left + 1) * (bottom - top + 1) > _MAX_NAMED_CELLS):
        raise FormError(f"{what} points at {sheet}!{ref}, not at a few cells of a sheet")
    return [_cell_text(ws.cell(row=r, column=c).value)
            for r in range(top, bottom + 1) for c in range(left, right + 1)]


def _normal(header: str) -> str:
    text = unicodedata.normalize("NFKC", header).replace("’", "'")
    text = re.sub(r"[?¿«»\"“”]", " ", text)
    return " ".join(text.split()).casefold()


@functools.cache
def _csv_words(kind: str) -> frozenset[str]:
    words = {_normal(w) for lang in Language for w in _strings()[lang.value]["csv"][kind]}
    if kind == "answer":
        words |= {_normal(_words(lang, "survey")["question"]) for lang in Language}
    return frozenset(words)


def _csv_text(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_CSV_BYTES + 1)
    except OSError as exc:
        raise FormError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    if len(raw) > MAX_CSV_BYTES:
        raise FormError(f"{path}: larger than {MAX_CSV_BYTES // 2**20} MiB (limit)")
    utf16 = raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    for codec in ("utf-16",) if utf16 else ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    raise FormError(f"{path}: not UTF-8 or Windows-1252 text")


def _delimiter(text: str) -> str:
    """``,`` ``;`` or tab: the one found most often in the header line, outside quotes."""
    counts = dict.fromkeys(",;\t", 0)
    quoted = False
    for char in text[:65_536]:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in "\r\n":
            break
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] else ","


def _csv_columns(path: Path, header: list[str]) -> tuple[int, int | None]:
    """The answer column and the priority column (if any) of a survey export."""
    names = [_normal(h) for h in header]
    priority = next((i for i, n in enumerate(names) if n in _csv_words("priority")), None)
    answer = next((i for i, n in enumerate(names) if n in _csv_words("answer")), None)
    if answer is None:
        stamps = _csv_words("timestamp")
        left = [i for i, n in enumerate(names)
                if i != priority and not any(word in n for word in stamps)]
        answer = left[0] if len(left) == 1 else None
    if answer is None:
        found = ", ".join(repr(h[:40]) for h in header[:10]) or "none"
        raise FormError(f"{path}: no answer column: expected a header 'answer' (or 'réponse', "
                        f"'respuesta', or the survey question); found {found}")
    return answer, priority


def _csv_answers(path: Path) -> list[SurveyAnswer]:
    text = _csv_text(path)
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    out = []
    try:
        header = next(rows, None)
        if header is None:
            raise FormError(f"{path}: empty: expected a header row, then one answer a row")
        answer, priority = _csv_columns(path, header)
        for number, row in enumerate(rows, start=2):
            if number > MAX_CSV_ROWS + 1:
                raise FormError(f"{path}: more than {MAX_CSV_ROWS:,} rows (limit)")
            given = row[answer].strip() if answer < len(row) else ""
            if given:
                rank = row[priority].strip() if priority is not None and priority < len(
                    row) else ""
                out.append(SurveyAnswer(given, rank or None, f"{path.name}:row {number}"))
    except csv.Error as exc:
        raise FormError(f"{path}: not a readable CSV file (line {rows.line_num}: {exc})"
                        ) from exc
    return out


def collect_survey(folder: Path) -> list[SurveyAnswer]:
    """Every non-blank answer of the survey forms (.xlsx) and CSV exports of a folder, file by
    file in name order (a CSV's rows in order)."""
    paths = _inputs(folder, (".xlsx", ".csv"))
    if not paths:
        raise FormError(f"{folder}: no survey form (.xlsx) and no CSV export in this folder")
    out: list[SurveyAnswer] = []
    for path in paths:
        if path.suffix.lower() == ".csv":
            out += _csv_answers(path)
            continue
        answer = _read_form(path, "survey", {"Answer": SURVEY_ANSWER})["Answer"][0].strip()
        if answer:
            out.append(SurveyAnswer(answer, None, path.name))
    return out


def _activities(cells: list[str]) -> tuple[str, ...]:
    """Each activity of a zone: one a cell, or several separated by ``;`` or new lines."""
    return tuple(part.strip() for cell in cells for part in re.split(r"[;\r\n]", cell)
                 if part.strip())


def collect_genius(folder: Path) -> list[GeniusAnswers]:
    """Every zone-of-genius form of a folder, in file-name order; one form a person."""
    paths = _inputs(folder, (".xlsx",))
    if not paths:
        raise FormError(f"{folder}: no zone-of-genius form (.xlsx) in this folder")
    out: list[GeniusAnswers] = []
    seen: dict[str, Path] = {}
    for path in paths:
        texts = _read_form(path, "genius", _GENIUS_RANGES)
        person = texts["Person"][0].strip()
        if not person:
            raise FormError(f"{path}: the person's name (cell Person) is empty")
        key = " ".join(person.split()).casefold()
        if key in seen:
            raise FormError(f"{path}: a second form for {person!r} (the first: {seen[key]})")
        seen[key] = path
        genius, excellence, competence, incompetence = (
            _activities(texts[f"Zone_{zone}"]) for zone in ZONES)
        out.append(GeniusAnswers(person, genius, excellence, competence, incompetence,
                                 path.name))
    return out


__all__ = ["FormError", "GeniusAnswers", "SurveyAnswer", "collect_genius", "collect_survey",
           "genius_file_name", "genius_form", "survey_form"]
