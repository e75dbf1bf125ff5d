"""The batch's fast fill: only the parts a client changes are made again, and what it writes
is still exactly the workbook rendered on its own, in a package zipfile and openpyxl open.

The trap: a client's text equal to another text of the workbook (a consultant who is also an
action's owner, a sector equal to a label) is one entry of the string table, where the
template has two; the fill re-indexes the table and the cells instead of rendering again.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from tests.strategies import NAME
from xlplan import Plan, load_plan, validate_plan
from xlplan.batch import fill
from xlplan.batch.fill import fill_bytes
from xlplan.errors import PlanError
from xlplan.provenance import Provenance, provenance
from xlplan.workbook import render_bytes

ROOT = Path(__file__).resolve().parent.parent
BOUTIQUE = load_plan(ROOT / "examples" / "boutique.yaml")
STRINGS = "xl/sharedStrings.xml"


def _with_client(plan: Plan, **client: Any) -> Plan:
    """The plan for another client, validated as a plan file would be."""
    data = plan.model_dump(mode="json")
    data["client"] = {**data["client"], **client}
    return validate_plan(data)


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}


def _table(plan: Plan) -> list[str]:
    """The texts of a plan's string table, as its workbook holds them."""
    table = _parts(render_bytes(plan))[STRINGS].decode()
    return [re.sub(r"<[^>]+>", "", item).replace("&lt;", "<").replace("&gt;", ">")
            .replace("&amp;", "&") for item in re.findall(r"<si>(.*?)</si>", table)]


@pytest.fixture
def no_render(monkeypatch: pytest.MonkeyPatch) -> list[Plan]:
    """The normal path's calls (none: the template was used)."""
    calls: list[Plan] = []
    real = render_bytes

    def render(plan: Plan) -> bytes:
        calls.append(plan)
        return real(plan)

    monkeypatch.setattr("xlplan.workbook.render_bytes", render)
    return calls


# A consultant also an action's owner (Claire) or a team member (Léa), a sector equal to a
# label of the sheets, to another client field, to the currency, all three alike...
TRAPS = [
    {"consultant": "Claire"},
    {"consultant": "Léa"},
    {"sector": "Client"},
    {"sector": "Claire Martin"},
    {"name": "e-commerce"},
    {"name": "Secteur", "sector": "Client", "consultant": "Consultant"},
    {"sector": "EUR", "consultant": "Marc"},
    {"name": "Same", "sector": "Same", "consultant": "Same"},
    {"sector": "Légende", "consultant": "Légende"},
]


@pytest.mark.parametrize("client", TRAPS, ids=lambda c: "-".join(f"{k}={v}" for k, v in
                                                                  c.items()))
def test_a_client_text_equal_to_another_text_is_filled_in(client, no_render):
    """The filled workbook is the rendered one, without rendering it again."""
    plan = _with_client(BOUTIQUE, **client)
    data = fill_bytes(plan)
    assert no_render == []
    assert data == render_bytes(plan)


def test_the_trap_makes_the_table_shorter(no_render):
    """The trap is a trap: the workbook has one entry fewer in its string table than one
    whose texts are all different (the case the fill re-indexes)."""
    shared = _parts(fill_bytes(_with_client(BOUTIQUE, consultant="Claire")))[STRINGS]
    apart = _parts(fill_bytes(_with_client(BOUTIQUE, consultant="Claire Dupont")))[STRINGS]
    count = re.compile(rb'uniqueCount="(\d+)"')
    assert int(count.search(shared)[1]) == int(count.search(apart)[1]) - 1
    assert no_render == []


_STARTER_TABLE = _table(validate_plan({"client": {"name": "x", "language": "fr"},
                                       "plan": {"year": 2027}}))
_BOUTIQUE_TABLE = _table(BOUTIQUE)


def _text(table: list[str]) -> st.SearchStrategy[str | None]:
    return st.one_of(st.none(), st.sampled_from(table), NAME)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), starter=st.booleans(),
       language=st.sampled_from(["fr", "es", "en"]))
def test_texts_from_the_workbook_itself(data, starter, language):
    """Client texts drawn from the workbook's own string table (labels, the plan's texts,
    each other): the same bytes as rendering the plan."""
    table = _STARTER_TABLE if starter else _BOUTIQUE_TABLE
    name, sector, consultant = (data.draw(_text(table)) for _ in range(3))
    client = {"name": name or "Acme", "sector": sector, "consultant": consultant,
              "language": language}
    try:
        if starter:
            plan = validate_plan({"client": client, "plan": {"year": 2027}})
        else:
            plan = _with_client(BOUTIQUE, **client)
    except PlanError:
        reject()
    assert fill_bytes(plan) == render_bytes(plan), f"differs for {plan.client!r}"


@pytest.mark.parametrize("client", [
    {"name": "<r>a</r>"}, {"sector": "<r><t>b</t></r>"}, {"consultant": "<r>c</r>"},
    {"sector": "😀" * 20_000},  # beyond Excel's 32,767 UTF-16 units: the writer cuts it
    {"name": "100 %", "sector": "%(NAME)s %s %%"},
])
def test_texts_the_writer_takes_its_own_way(client):
    """A text the writer takes for a rich text's XML, one it cuts, and %-signs (the fill's
    own formats): still the rendered workbook."""
    plan = validate_plan({"client": {"name": "Acme", **client}, "plan": {"year": 2027}})
    assert fill_bytes(plan) == render_bytes(plan)


def test_only_the_changed_parts_are_deflated(monkeypatch):
    """A client of a cached template costs the deflating of the parts its texts change (the
    string table, the document properties, the content hash's part), no other."""
    fill_bytes(_with_client(BOUTIQUE, name="First client"))
    deflated: list[bytes] = []
    real = fill._deflate

    def deflate(data: bytes) -> bytes:
        deflated.append(data)
        return real(data)

    monkeypatch.setattr(fill, "_deflate", deflate)
    first = _parts(fill_bytes(_with_client(BOUTIQUE, name="Second client")))
    second = _parts(fill_bytes(_with_client(BOUTIQUE, name="Third client")))
    changed = [name for name in first if first[name] != second[name]]
    assert sorted(changed) == ["docProps/core.xml", "docProps/custom.xml", STRINGS]
    assert sorted(deflated) == sorted([first[n] for n in changed] + [second[n] for n in changed])


@pytest.mark.parametrize("client", [{"name": "Acme & Co"}, {"consultant": "Claire"},
                                    {"sector": "Client", "consultant": "Client"}])
def test_a_filled_package_is_valid_and_the_same_every_time(client, tmp_path):
    """zipfile and openpyxl open it, its content hash holds (an untouched xlplan workbook),
    and the same plan gives the same bytes: twice from the template, and from a new one."""
    plan = _with_client(BOUTIQUE, **client)
    data = fill_bytes(plan)
    assert fill_bytes(plan) == data
    fill._template.cache_clear()
    assert fill_bytes(plan) == data
    parts = _parts(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert [i.filename for i in archive.infolist()] == list(parts)
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in archive.infolist())
    path = tmp_path / "client.xlsx"
    path.write_bytes(data)
    assert provenance(path) is Provenance.UNTOUCHED
    book = openpyxl.load_workbook(path)
    assert book.properties.creator == (plan.client.consultant or "xlplan")
    assert book.properties.title == f"{plan.client.name} - {plan.plan.year}"
    book.close()


def test_a_plan_text_holding_the_key_is_rendered(no_render):
    """The sentinels' key in a text of the plan (not a client field): the normal path."""
    plan = _with_client(BOUTIQUE)
    data = plan.model_dump(mode="json")
    data["barriers"] = [*data["barriers"], f"Never {fill._SENTINELS['sector']}"]
    plan = validate_plan(data)
    filled = fill_bytes(plan)
    assert len(no_render) == 1
    assert filled == render_bytes(plan)
