"""The plan's rules across its lists, run on the raw data (before the model) so that they
report alongside field errors, with their paths: unique names, links that name their targets,
categories among the plan's, review periods of the cadence. And the canonical forms the data is
given first: a built-in category by its code, a start month as YYYY-MM."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

from .model import DEFAULT_CATEGORIES, Cadence
from .terminal import as_text as _as_text
from .terminal import shown as _shown

Location = tuple[str | int, ...]
Rule = tuple[Location, str, str, dict[str, str]]


def _items(data: Any, key: str) -> Iterator[tuple[int, dict[str, Any]]]:
    items = data.get(key) if isinstance(data, dict) else None
    if isinstance(items, list):
        for index, item in enumerate(items):
            if isinstance(item, dict):
                yield index, item


def cross_checks(data: Any) -> Iterator[Rule]:
    """Checks across lists, run on the raw data so they report alongside field errors."""
    for key, field in (("kpis", "name"), ("segments", "name"), ("priorities", "title"),
                       ("objectives", "title"), ("initiatives", "title"), ("risks", "title"),
                       ("team", "name")):
        first: dict[str, int] = {}
        for index, item in _items(data, key):
            value = item.get(field)
            if isinstance(value, str):
                norm = value.strip().casefold()
                if norm in first:
                    other = f"{key}[{first[norm]}].{field}"
                    yield ((key, index, field),
                           f"duplicate of {other} ({_shown(value)}); names must be unique",
                           "duplicate", {"other": other, "value": _shown(value)})
                first.setdefault(norm, index)
    yield from _link_checks(data)


# Each link names its target exactly (as the workbook's dropdowns give it): (where the link
# is, its field, the list it names, that list's name field, the i18n word for the target).
LINKS = (
    ("actions", "priority", "priorities", "title", "priority"),
    ("actions", "initiative", "initiatives", "title", "initiative"),
    ("actions", "segment", "segments", "name", "segment"),
    ("priorities", "objective", "objectives", "title", "objective"),
    ("initiatives", "objective", "objectives", "title", "objective"),
    ("funding.uses", "priority", "priorities", "title", "priority"),
    ("survey", "priority", "priorities", "title", "priority"),
)


def _listed(data: Any, path: str) -> Iterator[tuple[Location, dict[str, Any]]]:
    """The items of the list at a dotted path (``funding.uses``), with their locations."""
    *parents, key = path.split(".")
    for parent in parents:
        data = data.get(parent) if isinstance(data, dict) else None
    base = tuple(parents)
    for index, item in _items(data, key):
        yield (*base, key, index), item


def _names(data: Any, path: str, field: str) -> set[str]:
    return {_as_text(item.get(field, "")).strip() for _, item in _listed(data, path)}


def canonical_start_month(data: Any) -> Any:
    """``plan.start_month`` given as the first day of a month (a YAML date, or what Excel
    makes of ``2027-04`` typed in a cell) is that month: ``2027-04``."""
    settings = data.get("plan") if isinstance(data, dict) else None
    value = settings.get("start_month") if isinstance(settings, dict) else None
    if isinstance(value, date):
        value = value.isoformat()
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-01", value.strip()):
        assert isinstance(settings, dict)
        return {**data, "plan": {**settings, "start_month": value.strip()[:7]}}
    return data


def canonical_categories(data: Any) -> Any:
    """The data with every category that names a built-in one (its code, or its label in the
    plan's language, case aside: ``People``, ``Personnes``) given as the built-in's code, the
    way the workbook reads it back; the client's own labels as they are."""
    if not isinstance(data, dict):
        return data
    from .workbook.templates import translations

    client = data.get("client")
    language = client.get("language") if isinstance(client, dict) else None
    words = translations(language if language in ("fr", "es", "en") else "en")

    def code(value: Any) -> Any:
        return (words.choice_code("category", value) or value) if isinstance(value, str) else (
            value)

    out = dict(data)
    settings = out.get("plan")
    if isinstance(settings, dict) and isinstance(settings.get("categories"), list):
        out["plan"] = {**settings, "categories": [code(c) for c in settings["categories"]]}
    for key in ("objectives", "priorities"):
        items = out.get(key)
        if isinstance(items, list):
            out[key] = [{**item, "category": code(item["category"])}
                        if isinstance(item, dict) and "category" in item else item
                        for item in items]
    return out


def _review_checks(data: Any) -> Iterator[Rule]:
    """A review's period is one of the cadence's, held once; what it measures and decides
    names the plan's objectives and priorities."""
    settings = data.get("plan") if isinstance(data, dict) else None
    cadence = settings.get("review_cadence", "quarterly") if isinstance(settings, dict) else None
    periods = Cadence(cadence).periods if cadence in {c.value for c in Cadence} else None
    objectives = _names(data, "objectives", "title")
    priorities = _names(data, "priorities", "title")
    first: dict[str, int] = {}
    for index, review in _items(data, "reviews"):
        period = review.get("period")
        if isinstance(period, str) and periods is not None and period not in periods:
            yield (("reviews", index, "period"), f"must be one of {', '.join(periods)} (the "
                   f"periods of a {cadence} review; got {_shown(period)})", "not_a_period",
                   {"value": _shown(period), "choices": ", ".join(periods)})
        elif isinstance(period, str) and period in first:
            other = f"reviews[{first[period]}].period"
            yield (("reviews", index, "period"), f"duplicate of {other} ({_shown(period)}); "
                   "a period is reviewed once", "duplicate",
                   {"other": other, "value": _shown(period)})
        if isinstance(period, str):
            first.setdefault(period, index)
        measured = review.get("objectives")
        if isinstance(measured, dict):
            for title in measured:
                if isinstance(title, str) and title.strip() not in objectives:
                    yield (("reviews", index, "objectives", title), f"names no objective (got "
                           f"{_shown(title)})", "unknown_objective", {"value": _shown(title)})
        decisions = review.get("decisions")
        for number, decision in enumerate(decisions if isinstance(decisions, list) else []):
            ref = decision.get("priority") if isinstance(decision, dict) else None
            if isinstance(ref, str) and ref.strip() and ref.strip() not in priorities:
                yield (("reviews", index, "decisions", number, "priority"), f"names no "
                       f"priority (got {_shown(ref)})", "unknown_priority",
                       {"value": _shown(ref)})


def _link_checks(data: Any) -> Iterator[Rule]:
    yield from _review_checks(data)
    named: dict[tuple[str, str], set[str]] = {}  # each list's names, gathered once
    for source, field, target, name, word in LINKS:
        names = named.get((target, name))
        if names is None:
            names = named[(target, name)] = _names(data, target, name)
        for loc, item in _listed(data, source):
            ref = item.get(field)
            if isinstance(ref, str) and ref.strip() and ref.strip() not in names:
                yield ((*loc, field), f"names no {word} (got {_shown(ref)}); must be one of "
                       f"the {target.split('.')[-1]}' {name}s", f"unknown_{word}",
                       {"value": _shown(ref)})
    settings = data.get("plan") if isinstance(data, dict) else None
    categories = settings.get("categories") if isinstance(settings, dict) else None
    if categories is None:
        categories = list(DEFAULT_CATEGORIES)
    if isinstance(categories, list):
        allowed = {_as_text(c).strip() for c in categories}
        for key in ("objectives", "priorities"):
            for index, item in _items(data, key):
                value = item.get("category")
                if isinstance(value, str) and value.strip() and value.strip() not in allowed:
                    yield ((key, index, "category"),
                           f"must be one of plan.categories ({', '.join(sorted(allowed))}); "
                           f"got {_shown(value)}", "unknown_category",
                           {"value": _shown(value), "choices": ", ".join(sorted(allowed))})
        first: dict[str, int] = {}
        for index, value in enumerate(categories):
            norm = _as_text(value).strip().casefold()
            if norm in first:
                other = f"plan.categories[{first[norm]}]"
                yield (("plan", "categories", index), f"duplicate of {other} ({_shown(value)}); "
                       "names must be unique", "duplicate",
                       {"other": other, "value": _shown(value)})
            first.setdefault(norm, index)
