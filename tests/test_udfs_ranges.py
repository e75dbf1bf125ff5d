"""Reading a worksheet function's range: all its rows validated in one call of the model's
validator give what validating each row alone gave, models and error messages alike.

``reference_records`` below is the per-row reading as it was (each row validated once read);
``_ranges.records`` must agree with it on every range drawn here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, TypeAdapter, ValidationError

from udfs import _ranges
from udfs import functions as f
from udfs._ranges import _cell, _header_words, _invalid, code, number, readable_errors
from xlplan.calc import customers, funding
from xlplan.model import FundingLine, Objective, Segment


# -- the reference: the per-row reading, as it was ------------------------------------------
def reference_records(rows: Any, keys: Sequence[str], model: type[BaseModel], labels: str,
                      convert: Callable[[dict[str, Any]], dict[str, Any]] = lambda r: r,
                      what: str = "row") -> list[Any]:
    """Each row read, converted and validated alone, in turn (the reading before)."""
    if rows is None:
        return []
    if rows and not isinstance(rows[0], list | tuple):
        rows = [rows]
    out = []
    validate = model.model_validate
    for index, row in enumerate(rows, start=1):
        cells = [_cell(v) for v in row]
        if all(c is None for c in cells):
            continue
        if index == 1 and isinstance(row[0], str) and row[0].strip().casefold() in (
                _header_words(labels, keys[0])):
            continue
        data = {k: c for k, c in zip(keys, cells, strict=False) if c is not None}
        values = convert(data)
        try:
            out.append(validate(values))
        except ValidationError as exc:
            raise _invalid(exc, f"{what} {index}") from None
    return out


def reference_monthly(row: dict[str, Any]) -> dict[str, Any]:
    """The funding rows' conversion, as it was."""
    if "monthly" in row and not isinstance(row["monthly"], bool):
        row["monthly"] = code("yesno", row["monthly"], "no") == "yes"
    return row


def reference_category(row: dict[str, Any]) -> dict[str, Any]:
    """The objective rows' conversion, as it was."""
    if "category" in row:
        row["category"] = code("category", row["category"], "financial")
    return row


def outcome(read: Callable[[], Any]) -> tuple[Any, ...]:
    """Each model's type and repr (an int is not a float there), or the error and message."""
    try:
        got = read()
    except Exception as exc:
        return ("error", type(exc), str(exc))
    return ("ok", [(type(m), repr(m)) for m in got])


# -- ranges as Excel (or a caller) passes them ----------------------------------------------
SEGMENT = f._columns("segments")
FUNDING = f._columns("uses")
OBJECTIVE = f._columns("objectives")
HEADERS = {"segments": ["Segment", "segmento", "  NAME ", "Name"],
           "funding_line": ["Poste", "Partida", "item", " LABEL"],
           "objectives": ["Objectif", "Objetivo", "objective", "TITLE "]}

BLANK = st.sampled_from([None, "", "   ", "\t"])
GOOD_TEXT = st.text(st.sampled_from(list("abcéÉñ xyz-=+'\"0129")), min_size=1,
                    max_size=12).filter(lambda s: s.strip() != "")
TEXT = st.one_of(GOOD_TEXT, st.sampled_from(["a\x01b", "x" * 300, " padded ", "Oui", "nan"]))
WHOLE = st.integers(-5, 10**10)
NUMBER = st.one_of(WHOLE, WHOLE.map(float), st.floats(-1e16, 1e16),
                   st.sampled_from([0.5, 1.0, 12.0, -0.0, math.inf, -math.inf, math.nan]))
ODD = st.one_of(st.booleans(), st.dates(date(2020, 1, 1), date(2030, 1, 1)),
                st.datetimes(datetime(2020, 1, 1), datetime(2030, 1, 1)),
                st.sampled_from(["many", "Non", "Sí", "yes", "  oui ", "Processus"]))
ANY_CELL = st.one_of(BLANK, TEXT, NUMBER, ODD)
# Each table's columns: a good value for each (as Excel passes it: numbers as floats), and
# how many of the first columns a row needs.
SEGMENT_CELLS = [GOOD_TEXT, st.integers(0, 10**4).map(float), st.floats(0, 1e5),
                 st.floats(0, 0.95), st.floats(0, 0.3),
                 st.one_of(BLANK, st.integers(1, 20).map(float)), st.floats(0, 1e3),
                 st.one_of(BLANK, TEXT), st.one_of(BLANK, GOOD_TEXT), BLANK]
FUNDING_CELLS = [GOOD_TEXT, st.integers(1, 12).map(float), st.floats(0, 1e6),
                 st.one_of(BLANK, st.sampled_from(["Oui", "Non", "Sí", "No", "yes", " NO ",
                                                   True, False]))]
OBJECTIVE_CELLS = [GOOD_TEXT, st.one_of(BLANK, st.sampled_from(["Finances", "Processus",
                                                               "People", "customer"])),
                   st.one_of(BLANK, GOOD_TEXT), st.one_of(BLANK, st.floats(-1e6, 1e6)),
                   st.one_of(BLANK, st.dates(date(2026, 1, 1), date(2028, 1, 1)),
                             st.datetimes(datetime(2026, 1, 1), datetime(2028, 1, 1))),
                   st.one_of(BLANK, GOOD_TEXT), st.one_of(BLANK, GOOD_TEXT),
                   st.one_of(BLANK, st.sampled_from(["higher", "lower"])),
                   st.one_of(BLANK, st.booleans()), st.one_of(BLANK, st.booleans())]
NEEDED = {"segments": 4, "funding_line": 3, "objectives": 1}


@st.composite
def a_row(draw: st.DrawFn, cells: list[st.SearchStrategy[Any]], labels: str) -> Any:
    """A good row, one with bad cells, an empty, header or overlong row; a list or tuple."""
    kind = draw(st.sampled_from(["good"] * 6 + ["bad"] * 2 + ["empty", "header", "past"]))
    if kind == "empty":
        row: list[Any] = draw(st.lists(BLANK, max_size=len(cells) + 2))
    elif kind == "header":
        row = [draw(st.sampled_from(HEADERS[labels])), *draw(st.lists(TEXT, max_size=3))]
    else:
        width = draw(st.integers(NEEDED[labels], len(cells)))
        row = [draw(c) for c in cells[:width]]
        if kind == "bad":  # any cell anywhere, maybe more than one
            for _ in range(draw(st.integers(1, 2))):
                row[draw(st.integers(0, width - 1))] = draw(ANY_CELL)
        if kind == "past":  # past the table's columns: blank (skipped), or a value (read)
            row += [None] * (len(cells) - width) + draw(st.lists(ANY_CELL, min_size=1,
                                                                 max_size=2))
    return tuple(row) if draw(st.booleans()) and kind != "header" else row


@st.composite
def a_range(draw: st.DrawFn, cells: list[st.SearchStrategy[Any]], labels: str) -> Any:
    """A range: None, empty, one flat row, or rows (the first one maybe a header)."""
    shape = draw(st.sampled_from(["rows"] * 8 + ["none", "empty", "flat"]))
    if shape == "none":
        return None
    if shape == "empty":
        return []
    if shape == "flat":
        return list(draw(a_row(cells, labels)))
    return draw(st.lists(a_row(cells, labels), min_size=1, max_size=8))


TABLES = {
    "segments": (SEGMENT, Segment, "segments", SEGMENT_CELLS, None, None, "segment row"),
    "funding": (FUNDING, FundingLine, "funding_line", FUNDING_CELLS, f._monthly,
                reference_monthly, "uses row"),
    "objectives": (OBJECTIVE, Objective, "objectives", OBJECTIVE_CELLS, f._category,
                   reference_category, "objective row"),
}
SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def both(table: str, rows: Any) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    keys, model, labels, _, convert, reference_convert, what = TABLES[table]
    new = outcome(lambda: _ranges.records(rows, keys, model, labels, convert or _ranges._same,
                                          what=what))
    old = outcome(lambda: reference_records(rows, keys, model, labels,
                                            reference_convert or (lambda r: r), what=what))
    return new, old


@pytest.mark.parametrize("table", sorted(TABLES))
@SETTINGS
@given(data=st.data())
def test_records_read_every_range_as_row_by_row(table, data):
    """Any range of a table gives the models, or the first problem, of the per-row reading."""
    rows = data.draw(a_range(TABLES[table][3], TABLES[table][2]))
    new, old = both(table, rows)
    assert new == old


# -- named cases, each reading's outcome spelled out ----------------------------------------
GOOD = ["Fidèles", 2400.0, 120.0, 0.6, 0.1, None, 25.0]
BAD_CUSTOMERS = ["Perdus", "many", 10.0, 0.5]
BAD_MARGIN = ["Perdus", 10.0, -1e16, 0.5]


@pytest.mark.parametrize(("rows", "told"), [
    ([GOOD, GOOD], None),
    ([["Segment", "Clients"], GOOD, [None] * 7, ["", "  "]], None),
    ([["segmento"], [], GOOD], None),
    ([["  NAME "], GOOD], None),
    (GOOD, None),  # one row, flat
    ([GOOD, GOOD, BAD_CUSTOMERS, GOOD], "segment row 3: customers: must be a whole number "
                                        "(got 'many')"),
    ([["Segment"], [], GOOD, BAD_MARGIN, BAD_CUSTOMERS], "segment row 4: margin: must be >= "),
    ([[None], BAD_CUSTOMERS, BAD_MARGIN], "segment row 2: customers: must be"),
    ([GOOD, [*GOOD, None, None, None, "past the table"]], None),  # not read, not empty
    ([GOOD, [None] * 10 + ["past the table"]], "segment row 2: name: "),
    ([["Fidèles", 2400.0, 120.0, 1.0]], "segment row 1: with no horizon, retention must be"),
    ([GOOD, ["Segment", 1.0, 1.0, 0.5]], None),  # a header only as the first row
])
def test_segment_ranges(rows, told):
    """Headers (fr/es/en), empty rows, bad row k, two bad rows (first told): as row by row."""
    new, old = both("segments", rows)
    assert new == old
    if told is None:
        assert new[0] == "ok"
    else:
        assert new[0] == "error" and new[2].startswith(told), new


@pytest.mark.parametrize(("rows", "told"), [
    ([["CRM", 13.0, 50.0, "Oui"], ["x", 1.0, 1.0, "peut-être"]],
     "uses row 1: month: must be <= 12 (got 13)"),  # a bad row before a bad label: the row
    ([["x", 1.0, 1.0, "peut-être"], ["CRM", 13.0, 50.0, "Oui"]],
     "'peut-être' is not one of yes, no (or their translations)"),
    ([["Poste"], ["CRM", 1.0, 50.0, "Sí"], ["CRM", 2.0, 50.0, 1.0]],
     "1 is not one of yes, no"),
    ([["CRM", 1.0, 50.0, True], ["Loyer", 2.0, 800.0, "  oui "], ["x", 1.0, -5.0]],
     "uses row 3: amount: must be >= 0.0 (got -5)"),
])
def test_funding_ranges(rows, told):
    """A bad label (the conversion's error) and a bad row are told in the rows' order."""
    new, old = both("funding", rows)
    assert new == old
    assert new[0] == "error" and new[2].startswith(told), new


# -- the worksheet functions over both readings ---------------------------------------------
def reference_functions() -> dict[str, Callable[..., Any]]:
    """PLAN_CUSTOMER_CAPITAL and PLAN_FUNDING_BALANCE as they were, over the reference."""

    @readable_errors
    def capital(segments: Any) -> float:
        rows = reference_records(segments, SEGMENT, Segment, "segments", what="segment row")
        return customers.customer_capital([
            s.customers * customers.lifetime_value(s.margin, s.retention, s.discount_rate,
                                                   s.horizon, s.acquisition_cost)
            for s in rows])

    @readable_errors
    def balance(uses: Any, sources: Any, cash: Any = None) -> list[list[float]]:
        def lines(rows: Any, what: str) -> list[FundingLine]:
            return reference_records(rows, FUNDING, FundingLine, "funding_line",
                                     reference_monthly, what=what)

        return [list(funding.funding_plan(number(cash, "opening_cash", 0.0),
                                          lines(uses, "uses row"),
                                          lines(sources, "sources row")).cumulative)]

    return {"capital": capital, "balance": balance}


REFERENCE = reference_functions()


@SETTINGS
@given(segments=a_range(SEGMENT_CELLS, "segments"),
       uses=a_range(FUNDING_CELLS, "funding_line"),
       sources=a_range(FUNDING_CELLS, "funding_line"),
       cash=st.one_of(st.none(), st.just(""), st.floats(-1e6, 1e6), st.just("lots")))
def test_functions_answer_as_row_by_row(segments, uses, sources, cash):
    """The range functions give the per-row reading's value or ``#xlplan:`` message."""
    assert repr(f.PLAN_CUSTOMER_CAPITAL(segments)) == repr(REFERENCE["capital"](segments))
    assert repr(f.PLAN_FUNDING_BALANCE(uses, sources, cash)) == repr(
        REFERENCE["balance"](uses, sources, cash))


# -- pydantic: a row in a list validates as alone -------------------------------------------
def rows_of(table: str) -> st.SearchStrategy[list[dict[str, Any]]]:
    keys, _, labels, cells, _, reference_convert, _ = TABLES[table]

    def values(row: Sequence[Any]) -> dict[str, Any]:
        data = {k: c for k, c in zip(keys, map(_cell, row), strict=False) if c is not None}
        return reference_convert(data) if reference_convert else data

    def safe(row: Any) -> bool:  # a label the conversion refuses is not pydantic's to judge
        try:
            values(row)
        except _ranges.UdfError:
            return False
        return True

    return st.lists(a_row(cells, labels).filter(safe).map(values), max_size=6)


def plain(errors: list[Any]) -> list[Any]:
    """Errors comparable: an exception in their context (a new one each time) as its text."""
    return [{**e, "ctx": {k: str(v) for k, v in (e.get("ctx") or {}).items()}} for e in errors]


@pytest.mark.parametrize("table", sorted(TABLES))
@SETTINGS
@given(data=st.data())
def test_pydantic_validates_a_row_in_a_list_as_alone(table, data):
    """A list validates into each row's model, or each bad row's own errors, in row order."""
    model = TABLES[table][1]
    rows = data.draw(rows_of(table))
    alone = []
    for row in rows:
        try:
            alone.append(model.model_validate(row))
        except ValidationError as exc:
            alone.append(exc.errors(include_url=False))
    try:
        together = TypeAdapter(list[model]).validate_python(rows)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        for position, single in enumerate(alone):
            mine = [{**e, "loc": e["loc"][1:]} for e in errors if e["loc"][0] == position]
            assert plain(mine) == plain(single if isinstance(single, list) else []), position
        assert [e["loc"][0] for e in errors] == sorted(e["loc"][0] for e in errors)
    else:
        assert [(type(m), repr(m)) for m in together] == [(type(m), repr(m)) for m in alone]
