"""Hypothesis strategies for plan files: realistic values, hostile text, edge cases."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import yaml
from hypothesis import strategies as st

from xlplan import Plan, validate_plan
from xlplan.calc.arith import approx_equal

# Letters users type, plus the characters that turn text into formulas or break quoting.
_ALPHABET = st.sampled_from(list("abcdeéèàçñüÉ XYZ0123456789=+-@#\"'&%/.,;:()[]{}!?*€"))
TEXT = st.text(_ALPHABET, min_size=1, max_size=24).filter(lambda s: s.strip() != "")
HOSTILE = st.sampled_from(['=HYPERLINK("http://x","y")', "+33 6 12 34 56 78", "@foo",
                           "-1+2", "#N/A", "=1+1", "'quoted", "a\"b"])
NAME = st.one_of(TEXT, HOSTILE)
CENTS = st.integers(-10**9, 10**9).map(lambda c: c / 100)
POSITIVE_CENTS = st.integers(0, 10**9).map(lambda c: c / 100)
DATES = st.dates(date(2026, 1, 1), date(2028, 12, 31))
QUADRANTS = st.sampled_from(["attack-sell", "attack-manage", "defend-sell", "defend-manage"])
def _unique(items: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    seen: set[str] = set()
    out = []
    for item in items:
        norm = item[key].strip().casefold()
        if norm not in seen:
            seen.add(norm)
            out.append(item)
    return out


@st.composite
def kpis(draw: st.DrawFn) -> dict[str, Any]:
    target = draw(st.one_of(CENTS, st.just(0.0), st.floats(-1e6, 1e6, allow_nan=False)))
    actual = draw(st.one_of(st.none(), CENTS, st.just(0.0), st.just(target),
                            st.floats(-1e6, 1e6, allow_nan=False)))
    return {"name": draw(NAME), "target": target, "actual": actual,
            "direction": draw(st.sampled_from(["higher", "lower"]))}


@st.composite
def segments(draw: st.DrawFn) -> dict[str, Any]:
    retention = draw(st.one_of(st.floats(0, 1), st.just(1.0), st.just(0.0)))
    discount = draw(st.one_of(st.floats(0, 0.5), st.just(0.0)))
    horizon = draw(st.one_of(st.none(), st.integers(1, 30)))
    factor = retention / (1 + discount)
    if horizon is None and (factor >= 1 or approx_equal(factor, 1.0)):
        horizon = 5  # an unbounded life at a factor of 1 would be worth infinitely much
    return {"name": draw(NAME), "customers": draw(st.integers(0, 10**6)),
            "margin": draw(CENTS), "retention": retention, "discount_rate": discount,
            "horizon": horizon, "acquisition_cost": draw(POSITIVE_CENTS)}


SCALE = st.one_of(st.none(), st.integers(1, 3))
# Categories: built-in codes and the client's own labels (hostile ones among them).
CATEGORY_POOL = ["financial", "customer", "process", "technology", "people", "Rentabilité",
                 "Other's [x]", "=SUM(1)", "Pilier #1"]


def _link(draw: st.DrawFn, names: list[str]) -> str | None:
    return draw(st.one_of(st.none(), st.sampled_from(names))) if names else None


@st.composite
def priorities(draw: st.DrawFn, categories: list[str],
               objectives: list[str]) -> dict[str, Any]:
    return {"title": draw(NAME), "quadrant": draw(QUADRANTS),
            "category": draw(st.sampled_from(categories)),
            "score": draw(st.sampled_from([0, 1, 2, 3, 3])), "impact": draw(CENTS),
            "cost": draw(st.one_of(st.just(0.0), POSITIVE_CENTS)),
            "owner": draw(st.one_of(st.none(), NAME)), "objective": _link(draw, objectives),
            "likelihood": draw(SCALE), "urgency": draw(SCALE), "ease": draw(SCALE),
            "ambition": draw(st.sampled_from([None, "realistic", "ambitious"]))}


@st.composite
def funding_lines(draw: st.DrawFn, priorities: list[str] | None = None) -> dict[str, Any]:
    line = {"label": draw(NAME), "month": draw(st.integers(1, 12)),
            "amount": draw(POSITIVE_CENTS), "monthly": draw(st.booleans())}
    if priorities is not None:
        line["priority"] = _link(draw, priorities)
    return line


ACTIVITY = NAME.filter(lambda s: ";" not in s)
EFFORT = st.one_of(st.none(), st.integers(0, 40), st.integers(0, 4000).map(lambda c: c / 100))


@st.composite
def team_members(draw: st.DrawFn) -> dict[str, Any]:
    zones = {zone: draw(st.lists(ACTIVITY, max_size=3))
             for zone in ("genius", "excellence", "competence", "incompetence")}
    return {"name": draw(NAME), "role": draw(st.one_of(st.none(), NAME)),
            "capacity": draw(st.one_of(st.none(), st.integers(0, 20), st.just(0.5))), **zones}


@st.composite
def survey_entries(draw: st.DrawFn, titles: list[str]) -> dict[str, Any]:
    priority = _link(draw, titles)
    answer = draw(NAME if priority is None else st.one_of(st.none(), NAME))
    return {"answer": answer, "priority": priority}


@st.composite
def actions(draw: st.DrawFn, titles: list[str], initiatives: Sequence[str] = (),
            segments: Sequence[str] = (), people: Sequence[str] = (),
            activities: Sequence[str] = ()) -> dict[str, Any]:
    start = draw(st.one_of(st.none(), DATES))
    due = draw(st.one_of(st.none(), DATES))
    if start and due and due < start:
        start, due = due, start
    who = st.one_of(st.none(), NAME, *([st.sampled_from(list(people))] if people else []))
    activity = st.one_of(st.none(), ACTIVITY,
                         *([st.sampled_from(list(activities))] if activities else []))
    return {"what": draw(NAME), "who": draw(who), "start": start, "effort": draw(EFFORT),
            "activity": draw(activity),
            "due": due, "priority": _link(draw, titles),
            "status": draw(st.sampled_from(["todo", "in_progress", "done", "blocked"])),
            "cost": draw(POSITIVE_CENTS), "initiative": _link(draw, list(initiatives)),
            "segment": _link(draw, list(segments))}


@st.composite
def objectives(draw: st.DrawFn, categories: list[str]) -> dict[str, Any]:
    return {"title": draw(NAME), "category": draw(st.one_of(st.none(),
                                                            st.sampled_from(categories))),
            "measure": draw(st.one_of(st.none(), NAME)),
            "target": draw(st.one_of(st.none(), CENTS)),
            "deadline": draw(st.one_of(st.none(), DATES)),
            "why": draw(st.one_of(st.none(), NAME)), "owner": draw(st.one_of(st.none(), NAME)),
            "ambitious": draw(st.sampled_from([None, True, False])),
            "realistic": draw(st.sampled_from([None, True, False]))}


@st.composite
def initiatives(draw: st.DrawFn, objectives: list[str]) -> dict[str, Any]:
    return {"objective": draw(st.sampled_from(objectives)), "title": draw(NAME),
            "measure": draw(st.one_of(st.none(), NAME)),
            "target": draw(st.one_of(st.none(), st.just(0.0), CENTS)),
            "actual": draw(st.one_of(st.none(), CENTS)), "due": draw(st.one_of(st.none(), DATES)),
            "owner": draw(st.one_of(st.none(), NAME))}


@st.composite
def risks(draw: st.DrawFn) -> dict[str, Any]:
    return {"title": draw(NAME), "kind": draw(st.sampled_from([None, "internal", "external"])),
            "likelihood": draw(SCALE), "impact": draw(SCALE),
            "mitigation": draw(st.one_of(st.none(), NAME)),
            "owner": draw(st.one_of(st.none(), NAME))}


@st.composite
def plans(draw: st.DrawFn, max_items: int = 8) -> Plan:
    """A valid plan (built through the same validation as a plan file)."""
    categories = draw(st.lists(st.sampled_from(CATEGORY_POOL), min_size=1, max_size=5,
                               unique=True))
    objs = _unique(draw(st.lists(objectives(categories), max_size=4)), "title")
    objective_titles = [o["title"].strip() for o in objs]
    prios = _unique(draw(st.lists(priorities(categories, objective_titles),
                                  max_size=max_items)), "title")
    titles = [p["title"].strip() for p in prios]
    inits = _unique(draw(st.lists(initiatives(objective_titles), max_size=4)), "title") if (
        objective_titles) else []
    segs = _unique(draw(st.lists(segments(), max_size=5)), "name")
    team = _unique(draw(st.lists(team_members(), max_size=4)), "name")
    people = [m["name"].strip() for m in team]
    activities = [a.strip().upper() for m in team for zone in ("competence", "incompetence")
                  for a in m[zone]]
    data = {
        "client": {"name": draw(NAME), "language": draw(st.sampled_from(["fr", "es", "en"])),
                   "currency": draw(st.sampled_from(["EUR", "USD", "MXN", "GBP", "XYZ"])),
                   "sector": draw(st.one_of(st.none(), NAME)),
                   "locale": draw(st.sampled_from([None, "fr-FR", "fr-CA", "es-MX", "en-US",
                                                   "en-GB"]))},
        "plan": {"year": 2027, "as_of": draw(DATES),
                 "review_cadence": draw(st.sampled_from(["quarterly", "semiannual", "annual"])),
                 "opening_cash": draw(CENTS),
                 "amber_threshold": draw(st.sampled_from([0.5, 0.8, 0.9, 0.95])),
                 "categories": categories},
        "objectives": objs,
        "initiatives": inits,
        "risks": _unique(draw(st.lists(risks(), max_size=4)), "title"),
        "barriers": draw(st.lists(NAME, max_size=3)),
        "kpis": _unique(draw(st.lists(kpis(), max_size=max_items)), "name"),
        "segments": segs,
        "priorities": prios,
        "funding": {"uses": draw(st.lists(funding_lines(titles), max_size=6)),
                    "sources": draw(st.lists(funding_lines(), max_size=6))},
        "actions": draw(st.lists(actions(titles, [i["title"].strip() for i in inits],
                                         [s["name"].strip() for s in segs], people, activities),
                                 max_size=max_items)),
        "team": team,
        "survey": draw(st.lists(survey_entries(titles), max_size=4)),
    }
    return validate_plan(data, "generated")


# --- YAML texts: what a plan file's reader meets ---------------------------------------------

# Plain scalars whose type YAML 1.1 decides from their text (PyYAML's resolver), and texts
# that are not plain scalars at all: anchors, aliases, tags, merge keys, flow collections.
YAML_TOKENS = st.sampled_from([
    "yes", "No", "ON", "off", "true", "False", "~", "null", "NULL", "", "0", "-0", "+12", "00",
    "012", "0o17", "0x1F", "-0x1f", "0b101", "1_000", "1:30", "-190:20:30", "190:20:30.15",
    "1.5", "-1.5", "1.5e+3", "1.5e3", "3.", ".5", "-.5", "1_0.5", ".inf", "-.INF", ".NaN",
    "2027-01-31", "2027-02-30", "2027-1-5 10:00:00", "2027-01-31T10:00:00Z",
    "2027-01-31 10:00:00.5 +01:00", "9999-12-31", "=", "<<", "a b", "é ñ", "'yes'", '"012"',
    "'it''s'", '"a\\tb"', "&a 1", "*a", "&b [1, 2]", "*b", "!!str 5", "!!int 5", "!!int x",
    "!!float 1", "!!timestamp 2027-01-01", "!!binary aGk=", "!foo bar", "! plain",
    "{a: 1, b: [x, yes]}", "[]", "{}", "[1, [2, [3]]]", "{? [a]: 1}", "{<<: {a: 1}}",
    "1" * 1001, "x" * 1001, "- a", "a: b", "|", "|\n  literal"])
YAML_KEYS = st.sampled_from(["a", "b", "title", "1", "01", "yes", "~", "<<", "=", '"a"',
                             "'b'", "2027-01-01", "1.0", "? x", "&k a", "*k", "!!str 1"])


def _yaml_block(value: Any, indent: str) -> list[str]:
    if isinstance(value, dict):
        out: list[str] = []
        for key, item in value.items():
            key = key.split("#")[0]
            if isinstance(item, dict | list) and item:
                out += [f"{indent}{key}:", *_yaml_block(item, indent + "  ")]
            else:
                out.append(f"{indent}{key}: {_yaml_inline(item)}")
        return out or [f"{indent}{{}}"]
    if isinstance(value, list):
        out = []
        for item in value:
            if isinstance(item, dict | list) and item:
                inner = _yaml_block(item, indent + "  ")
                out += [f"{indent}- {inner[0].lstrip()}", *inner[1:]]
            else:
                out.append(f"{indent}- {_yaml_inline(item)}")
        return out or [f"{indent}[]"]
    return [f"{indent}{value}"]


def _yaml_inline(value: Any) -> str:
    if isinstance(value, dict):
        return "{}" if not value else "{" + ", ".join(
            f"{k.split('#')[0]}: {_yaml_inline(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_yaml_inline(v) for v in value) + "]"
    return str(value)


_YAML_TREES = st.recursive(
    YAML_TOKENS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        # numbered so that one key may come twice in a mapping (a duplicate key)
        st.lists(st.tuples(YAML_KEYS, inner), max_size=4).map(
            lambda pairs: {f"{k}#{i}": v for i, (k, v) in enumerate(pairs)})),
    max_leaves=12)
_DATA = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.dates(),
              st.text(max_size=12)),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(max_size=6), inner, max_size=4)),
    max_leaves=12)


@st.composite
def yaml_texts(draw: st.DrawFn) -> str:
    """A YAML text: written by hand (any token where a value goes, in block or flow style,
    keys that may repeat), or written by PyYAML from data in one of its styles."""
    if draw(st.booleans()):
        tree = draw(_YAML_TREES)
        if draw(st.booleans()):
            return _yaml_inline(tree)
        return "\n".join(_yaml_block(tree, "")) + draw(st.sampled_from(["", "\n", "\n---\nx"]))
    return yaml.safe_dump(draw(_DATA), allow_unicode=draw(st.booleans()),
                          default_flow_style=draw(st.sampled_from([False, True, None])),
                          default_style=draw(st.sampled_from([None, '"', "'", "|"])),
                          width=draw(st.sampled_from([20, 80])))
