"""The survey and zone-of-genius forms: text only, protected, deterministic; what staff type
comes back exactly as typed; anything that is not a form (or a hostile file) is refused."""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
import yaml

from xlplan.batch.names import MAX_STEM, name_problem
from xlplan.errors import XlplanError
from xlplan.forms import (
    FormError,
    GeniusAnswers,
    SurveyAnswer,
    collect_genius,
    collect_survey,
    genius_file_name,
    genius_form,
    survey_form,
)
from xlplan.model import Language

ROOT = Path(__file__).resolve().parent.parent
WORDS = yaml.safe_load((ROOT / "workbook_templates" / "i18n" / "forms.yaml").read_text("utf-8"))
QUESTIONS = {"fr": "À quoi l'organisation accorde-t-elle le plus d'attention ?",
             "es": "¿A qué presta más atención la organización?",
             "en": "What does the organisation pay most attention to?"}
HOSTILE_TEXTS = ['=HYPERLINK("http://x","y")', "+33 6 12", "@home", "- leading dash",
                 "Équipe très motivée 🚀", "=1+1", "  padded  "]
ZONES = ("genius", "excellence", "competence", "incompetence")
ZONE_FIRST_ROWS = {"genius": 9, "excellence": 20, "competence": 31, "incompetence": 42}


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _fill(path: Path, cells: dict[str, object]) -> None:
    book = openpyxl.load_workbook(path)
    for ref, value in cells.items():
        book.worksheets[0][ref] = value
    book.save(path)


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return {name: package.read(name) for name in package.namelist()}


def _rebuild(data: bytes, part: str, content: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for name, old in _parts(data).items():
            package.writestr(name, content if name == part else old)
    return out.getvalue()


def _strings(data: bytes) -> set[str]:
    shared = _parts(data)["xl/sharedStrings.xml"].decode()
    return {_unescape(s) for s in re.findall(r"<t(?: [^>]*)?>(.*?)</t>", shared, re.S)}


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace(
        "&amp;", "&")


# -- the survey form ----------------------------------------------------------------------
@pytest.mark.parametrize("language", list(Language))
def test_survey_form_holds_only_title_instruction_and_question(language: Language):
    """The survey sheet has no formula and exactly three texts: title, instruction, question."""
    data = survey_form(language, "Acme & Fils <SA> {x}", 2027)
    parts = _parts(data)
    assert b"<f>" not in parts["xl/worksheets/sheet1.xml"]
    assert b"<f " not in parts["xl/worksheets/sheet1.xml"]
    words = WORDS[language.value]["survey"]
    title = words["title"].format(client="Acme & Fils <SA> {x}", year=2027)
    assert _strings(data) == {title, words["instruction"], QUESTIONS[language.value]}
    assert words["question"] == QUESTIONS[language.value]
    assert "Acme & Fils <SA> {x}" in title and "2027" in title


def test_survey_form_is_deterministic():
    """The same input gives byte-identical forms; another year gives another file."""
    first = survey_form(Language.FR, "Acme", 2027)
    assert first == survey_form(Language.FR, "Acme", 2027)
    assert first != survey_form(Language.FR, "Acme", 2028)
    assert b"2027-01-01T00:00:00Z" in _parts(first)["docProps/core.xml"]


def test_survey_form_is_protected_but_for_its_yellow_answer_cell(tmp_path: Path):
    """The sheet is protected; only the answer cell (named Answer) is unlocked and yellow."""
    path = _write(tmp_path / "s.xlsx", survey_form(Language.ES, "Acme", 2027))
    book = openpyxl.load_workbook(path)
    ws = book.worksheets[0]
    assert ws.protection.sheet
    assert book.defined_names["Answer"].attr_text.endswith("!$A$6")
    assert {p.name: p.value for p in book.custom_doc_props.props} == {"xlplan.form": "survey"}
    unlocked = [c.coordinate for row in ws.iter_rows(max_row=20, max_col=5) for c in row
                if not c.protection.locked]
    assert unlocked == ["A6"]
    assert ws["A6"].fill.fgColor.rgb.endswith("FFF2CC")
    assert ws["A6"].alignment.wrap_text


@pytest.mark.parametrize("client", ["=cmd|' /C calc'!A0", "+33", "-x", "@SUM(1)"])
def test_formula_like_client_names_stay_text_with_a_quote_prefix(tmp_path: Path, client: str):
    """A client name that looks like a formula is written as text, with a quote prefix."""
    path = _write(tmp_path / "s.xlsx", survey_form(Language.EN, client, 2027))
    cell = openpyxl.load_workbook(path).worksheets[0]["A1"]
    assert cell.data_type == "s" and cell.value.startswith(client)
    assert cell.quotePrefix
    assert b"<f>" not in _parts(path.read_bytes())["xl/worksheets/sheet1.xml"]


# -- collecting the survey ----------------------------------------------------------------
def test_filled_survey_forms_come_back_exactly_as_typed(tmp_path: Path):
    """Each answer comes back as typed (formulas as text), in file order; blanks skipped."""
    for n, text in enumerate(HOSTILE_TEXTS):
        path = _write(tmp_path / f"form {n:02}.xlsx", survey_form(Language.FR, "Acme", 2027))
        _fill(path, {"A6": text})
    _write(tmp_path / "form 98 blank.xlsx", survey_form(Language.FR, "Acme", 2027))
    _fill(_write(tmp_path / "form 99 spaces.xlsx", survey_form(Language.FR, "Acme", 2027)),
          {"A6": "   \n "})
    answers = collect_survey(tmp_path)
    assert answers == [SurveyAnswer(text.strip(), None, f"form {n:02}.xlsx")
                       for n, text in enumerate(HOSTILE_TEXTS)]


def test_numbers_and_dates_typed_as_answers_come_back_as_text(tmp_path: Path):
    """A number or a date typed in the answer cell comes back as its text."""
    values = {"a.xlsx": 42, "b.xlsx": 42.0, "c.xlsx": 3.5, "d.xlsx": datetime(2027, 3, 4)}
    for name, value in values.items():
        _fill(_write(tmp_path / name, survey_form(Language.EN, "Acme", 2027)), {"A6": value})
    assert [a.answer for a in collect_survey(tmp_path)] == ["42", "42", "3.5", "2027-03-04"]


def test_answer_found_by_property_alone_or_by_name_alone(tmp_path: Path):
    """Without its Answer name the layout position is read; without its property, the name."""
    no_name = _write(tmp_path / "a.xlsx", survey_form(Language.EN, "Acme", 2027))
    book = openpyxl.load_workbook(no_name)
    book.worksheets[0]["A6"] = "no name"
    del book.defined_names["Answer"]
    book.save(no_name)
    no_property = _write(tmp_path / "b.xlsx", survey_form(Language.EN, "Acme", 2027))
    book = openpyxl.load_workbook(no_property)
    book.worksheets[0]["A6"] = "no property"
    book.custom_doc_props.props = []
    book.save(no_property)
    assert [a.answer for a in collect_survey(tmp_path)] == ["no name", "no property"]


def test_google_forms_export_with_timestamp_and_question(tmp_path: Path):
    """A Google-Forms CSV (Timestamp, question) gives its answers as text, with their rows."""
    question = QUESTIONS["en"]
    (tmp_path / "export.csv").write_text(
        f'Timestamp,{question}\n2027/01/05 10:00:00,"Customers, then cash"\n'
        '2027/01/05 10:01:00,"=HYPERLINK(""http://x"",""y"")"\n2027/01/05 10:02:00,  \n'
        "2027/01/05 10:03:00,+33 6 12\n", encoding="utf-8")
    assert collect_survey(tmp_path) == [
        SurveyAnswer("Customers, then cash", None, "export.csv:row 2"),
        SurveyAnswer('=HYPERLINK("http://x","y")', None, "export.csv:row 3"),
        SurveyAnswer("+33 6 12", None, "export.csv:row 5")]


def test_semicolon_export_with_bom_and_a_priority_column(tmp_path: Path):
    """A French semicolon CSV with a BOM, its question header and a priority column."""
    text = ("Horodateur;À quoi l’organisation accorde-t-elle le plus d’attention\u00a0?;"
            "Priorité\n05/01/2027 10:00;La satisfaction client;P1\n05/01/2027 10:01;"
            "Le chiffre d'affaires, avant tout;\n")
    (tmp_path / "réponses.csv").write_bytes(codecs.BOM_UTF8 + text.encode("utf-8"))
    assert collect_survey(tmp_path) == [
        SurveyAnswer("La satisfaction client", "P1", "réponses.csv:row 2"),
        SurveyAnswer("Le chiffre d'affaires, avant tout", None, "réponses.csv:row 3")]


def test_csv_answer_column_by_synonym_or_as_the_only_one_left(tmp_path: Path):
    """`Respuesta` is the answer column; else the one column left beside time stamps."""
    (tmp_path / "a.csv").write_text("Nombre\tRespuesta\tPrioridad\nAna\tLos clientes\tAlta\n",
                                    encoding="utf-8")
    (tmp_path / "b.csv").write_bytes("Marca temporal;Start time;Votre avis\n1;2;Qualité\n"
                                     .encode("cp1252"))
    assert collect_survey(tmp_path) == [SurveyAnswer("Los clientes", "Alta", "a.csv:row 2"),
                                        SurveyAnswer("Qualité", None, "b.csv:row 2")]


@pytest.mark.parametrize("content", ["Name,Comment\nAna,Hello\n", "", "Date\n2027-01-01\n"])
def test_csv_without_an_answer_column_is_refused(tmp_path: Path, content: str):
    """A CSV whose header names no answer column is refused, naming the file."""
    path = tmp_path / "odd.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(FormError, match=re.escape(str(path))):
        collect_survey(tmp_path)


def test_csv_limits(tmp_path: Path):
    """A CSV beyond 10 MiB or 100,000 rows is refused, naming the file."""
    rows = tmp_path / "rows" / "many.csv"
    rows.parent.mkdir()
    rows.write_text("answer\n" + "x\n" * 100_001, encoding="utf-8")
    with pytest.raises(FormError, match=r"many\.csv: more than 100,000 rows"):
        collect_survey(rows.parent)
    rows.write_text("answer\n" + "x\n" * 100_000, encoding="utf-8")
    assert len(collect_survey(rows.parent)) == 100_000
    big = tmp_path / "big" / "big.csv"
    big.parent.mkdir()
    big.write_bytes(b"answer\n" + b"y" * (10 * 2**20))
    with pytest.raises(FormError, match=r"big\.csv: larger than 10 MiB"):
        collect_survey(big.parent)


def test_forms_and_csv_together_in_file_order_lock_and_hidden_files_skipped(tmp_path: Path):
    """Forms and CSVs are read in file-name order; ~$ and hidden files are ignored."""
    _fill(_write(tmp_path / "b.xlsx", survey_form(Language.EN, "Acme", 2027)), {"A6": "B"})
    (tmp_path / "a.csv").write_text("answer\nA1\nA2\n", encoding="utf-8")
    (tmp_path / "c.csv").write_text("answer\nC\n", encoding="utf-8")
    (tmp_path / "~$b.xlsx").write_bytes(b"lock")
    (tmp_path / ".hidden.csv").write_text("garbage", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("ignored", encoding="utf-8")
    assert [a.source for a in collect_survey(tmp_path)] == ["a.csv:row 2", "a.csv:row 3",
                                                          "b.xlsx", "c.csv:row 2"]


def _hostile(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / f"{kind}.xlsx"
    form = survey_form(Language.EN, "Acme", 2027)
    if kind == "plain_workbook":
        openpyxl.Workbook().save(path)
    elif kind == "zip_not_xlsx":
        with zipfile.ZipFile(path, "w") as package:
            package.writestr("hello.txt", "hello")
    elif kind == "not_a_zip":
        path.write_bytes(b"PK\x03\x04 but nothing else")
    elif kind == "doctype":
        sheet = _parts(form)["xl/worksheets/sheet1.xml"]
        evil = sheet.replace(b"?>", b'?><!DOCTYPE x [<!ENTITY a "aaaa">]>', 1)
        path.write_bytes(_rebuild(form, "xl/worksheets/sheet1.xml", evil))
    elif kind == "far_cell":  # openpyxl would read it; the guard refuses it
        sheet = _parts(form)["xl/worksheets/sheet1.xml"].replace(
            b"</sheetData>", b'<row r="300000"><c r="A300000"><v>1</v></c></row></sheetData>')
        path.write_bytes(_rebuild(form, "xl/worksheets/sheet1.xml", sheet))
    elif kind == "genius_form":
        path.write_bytes(genius_form(Language.EN, "Acme", 2027, "Ana", None))
    elif kind == "whole_column_name":
        workbook = _parts(form)["xl/workbook.xml"].replace(b"!$A$6<", b"!$A:$A<")
        path.write_bytes(_rebuild(form, "xl/workbook.xml", workbook))
    return path


@pytest.mark.parametrize("kind", ["plain_workbook", "zip_not_xlsx", "not_a_zip", "doctype",
                                  "far_cell", "genius_form", "whole_column_name"])
def test_anything_but_a_survey_form_is_refused_naming_the_file(tmp_path: Path, kind: str):
    """Non-forms, non-workbooks, DOCTYPE, far cells, genius forms, huge names: FormError."""
    path = _hostile(tmp_path, kind)
    with pytest.raises(FormError) as caught:
        collect_survey(tmp_path)
    assert str(caught.value).startswith(f"{path}:")
    assert "\n" not in str(caught.value)
    assert isinstance(caught.value, XlplanError)


def test_an_empty_or_missing_folder_is_refused(tmp_path: Path):
    """No form and no CSV (or no folder at all) is a FormError for either collector."""
    (tmp_path / "readme.txt").write_text("nothing", encoding="utf-8")
    with pytest.raises(FormError, match="no survey form"):
        collect_survey(tmp_path)
    with pytest.raises(FormError, match="no zone-of-genius form"):
        collect_genius(tmp_path)
    with pytest.raises(FormError, match="not a folder"):
        collect_survey(tmp_path / "missing")


# -- the zone-of-genius form --------------------------------------------------------------
@pytest.mark.parametrize("language", list(Language))
def test_genius_form_layout(tmp_path: Path, language: Language):
    """Person and role shown, four named zones of eight unlocked cells, the rest locked."""
    path = _write(tmp_path / "g.xlsx",
                  genius_form(language, "Acme", 2027, "Élodie Martín", "Directrice"))
    book = openpyxl.load_workbook(path)
    ws = book.worksheets[0]
    words = WORDS[language.value]["genius"]
    assert ws.protection.sheet
    assert ws["B2"].value == "Élodie Martín" and ws["B3"].value == "Directrice"
    assert book.defined_names["Person"].attr_text.endswith("!$B$2")
    assert {p.name: p.value for p in book.custom_doc_props.props} == {"xlplan.form": "genius"}
    unlocked = []
    for zone in ZONES:
        first = ZONE_FIRST_ROWS[zone]
        assert book.defined_names[f"Zone_{zone}"].attr_text.endswith(
            f"!$B${first}:$B${first + 7}")
        assert ws[f"A{first - 2}"].value == words["zones"][zone]
        assert ws[f"A{first - 1}"].value == words["explanations"][zone]
        unlocked += [f"B{row}" for row in range(first, first + 8)]
    found = [c.coordinate for row in ws.iter_rows(max_row=60, max_col=5) for c in row
             if not c.protection.locked]
    assert sorted(found) == sorted(unlocked)
    assert b"<f>" not in _parts(path.read_bytes())["xl/worksheets/sheet1.xml"]


def test_genius_form_is_deterministic_and_needs_a_person():
    """Same input, same bytes; a blank person name is refused."""
    assert genius_form(Language.ES, "Acme", 2027, "Ana", None) == genius_form(
        Language.ES, "Acme", 2027, "Ana", None)
    with pytest.raises(FormError):
        genius_form(Language.ES, "Acme", 2027, "  ", None)


def test_filled_genius_forms_come_back_exactly_as_typed(tmp_path: Path):
    """Each zone's non-blank cells come back in order, split on `;` and new lines, as typed."""
    path = _write(tmp_path / "ana.xlsx", genius_form(Language.FR, "Acme", 2027, "Ana", "CEO"))
    _fill(path, {"B9": "Vendre; négocier", "B11": HOSTILE_TEXTS[0], "B12": "+33 6 12",
                 "B16": "Former\nrecruter", "B20": "@home", "B27": "- leading dash",
                 "B31": "Compta 🚀", "B42": "=1+1", "B43": " ; ", "B49": "  Relances  "})
    person = "=cmd|' /C calc'!A0"
    _fill(_write(tmp_path / "bob.xlsx", genius_form(Language.EN, "Acme", 2027, person, None)),
          {"B10": 7.0})
    assert collect_genius(tmp_path) == [
        GeniusAnswers("Ana", ("Vendre", "négocier", '=HYPERLINK("http://x","y")', "+33 6 12",
                              "Former", "recruter"),
                      ("@home", "- leading dash"), ("Compta 🚀",), ("=1+1", "Relances"),
                      "ana.xlsx"),
        GeniusAnswers(person, ("7",), (), (), (), "bob.xlsx")]


def test_two_genius_forms_for_one_person_are_refused_naming_both(tmp_path: Path):
    """Two forms for the same person (ignoring case) is a FormError naming both files."""
    _write(tmp_path / "a.xlsx", genius_form(Language.EN, "Acme", 2027, "Ana Ruiz", None))
    _write(tmp_path / "b.xlsx", genius_form(Language.EN, "Acme", 2027, "ana  RUIZ", "CFO"))
    with pytest.raises(FormError) as caught:
        collect_genius(tmp_path)
    assert "a.xlsx" in str(caught.value) and "b.xlsx" in str(caught.value)


def test_a_survey_form_is_not_a_genius_form(tmp_path: Path):
    """A survey form (or any workbook) among genius forms is a FormError naming it."""
    _write(tmp_path / "ana.xlsx", genius_form(Language.EN, "Acme", 2027, "Ana", None))
    survey = _write(tmp_path / "survey.xlsx", survey_form(Language.EN, "Acme", 2027))
    with pytest.raises(FormError, match=re.escape(f"{survey}: a survey form, not a genius")):
        collect_genius(tmp_path)


@pytest.mark.parametrize("person", ["../x", "CON", "a\x01b", "x" * 300, "=cmd", "~$lock",
                                    "///", "Élodie Martín", "nul.txt", "a/b\\c:d"])
def test_genius_file_names_are_safe_and_unique(person: str):
    """A person's file name is a safe name, never reserved, unique ignoring case."""
    taken: set[str] = set()
    for _ in range(4):
        name = genius_file_name(person, taken)
        assert name.endswith(".xlsx") and len(name) <= MAX_STEM + 5
        assert name_problem(name) is None and name_problem(name[:-5]) is None
        assert name.casefold() not in {t.casefold() for t in taken}
        taken.add(name.upper())


def test_answer_name_follows_a_renamed_sheet(tmp_path: Path):
    """The Answer name is followed to a sheet renamed with an apostrophe, and moved cell."""
    path = _write(tmp_path / "a.xlsx", survey_form(Language.FR, "Acme", 2027))
    book = openpyxl.load_workbook(path)
    book.worksheets[0].title = "Ana's"
    book.worksheets[0]["C9"] = "Les clients"
    book.defined_names["Answer"].value = "'Ana''s'!$C$9"
    book.save(path)
    assert collect_survey(tmp_path) == [SurveyAnswer("Les clients", None, "a.xlsx")]
