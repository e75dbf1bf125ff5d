"""The people pillar: each person's workload month by month against their capacity, actions
outside their zone, and how well the staff's answers match the retained priorities.

Each function is the twin of a formula of the team sheet (``sheets.yaml``), computed the same
way in the same order, so that a spreadsheet engine gives the same figures:

- an action's effort (days) is spread evenly over the days from its start to its due date,
  both included; a month takes ``effort * days of the action in the month / all its days``.
  An action with no start or no due date is in no month (``check`` says so);
- names are compared as Excel compares text, case aside (``Léa`` is ``léa``);
- an activity is in a zone when it is one of the zone's activities, case and surrounding
  spaces aside (a zone cell lists them separated by ``;``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from ..model import Action, Priority, SurveyEntry, TeamMember
from . import arith

PLAN_MONTHS = 12
TOP_SCORE = 3
ZONE_SEPARATOR = "; "


def same_name(a: str | None, b: str | None) -> bool:
    """Two names as Excel's ``=`` compares them: case aside."""
    return a is not None and b is not None and a.lower() == b.lower()


def month_bounds(start: date) -> list[tuple[date, date]]:
    """The first and last day of each of the plan's 12 months from ``start``."""
    out = []
    for index in range(PLAN_MONTHS):
        month = start.month - 1 + index
        first = date(start.year + month // 12, month % 12 + 1, 1)
        month += 1
        out.append((first, date(start.year + month // 12, month % 12 + 1, 1) - timedelta(1)))
    return out


def month_load(action: Action, first: date, last: date) -> float:
    """The days of ``action``'s effort that fall in the month from ``first`` to ``last``."""
    if action.effort is None or action.start is None or action.due is None:
        return 0.0
    span = (action.due - action.start).days + 1
    overlap = (min(action.due, last) - max(action.start, first)).days + 1
    if span <= 0 or overlap <= 0:
        return 0.0
    return action.effort * overlap / span  # in the formula's order: exact for whole days


def person_loads(person: str, actions: Sequence[Action],
                 months: Sequence[tuple[date, date]]) -> list[float]:
    """A person's load in each month: the effort of the actions given to them."""
    mine = [a for a in actions if same_name(a.who, person)]
    return [arith.total(month_load(a, first, last) for a in mine) for first, last in months]


def over_capacity(load: float, capacity: float | None) -> bool:
    """A month's load above the person's capacity (none when the capacity is not given)."""
    return capacity is not None and arith.gt(load, capacity)


@dataclass(frozen=True)
class PersonMonths:
    """A row of the workload grid."""

    person: TeamMember
    loads: tuple[float, ...]
    over: tuple[bool, ...]

    @property
    def over_count(self) -> int | None:
        return None if self.person.capacity is None else sum(self.over)


def _by_person(actions: Sequence[Action]) -> dict[str, list[Action]]:
    """The actions of each person (``who`` as Excel compares names, case aside), in order."""
    mine: dict[str, list[Action]] = {}
    for action in actions:
        if action.who is not None:
            mine.setdefault(action.who.lower(), []).append(action)
    return mine


def workload(team: Sequence[TeamMember], actions: Sequence[Action],
             start: date) -> list[PersonMonths]:
    months = month_bounds(start)
    by_person = _by_person(actions)
    out = []
    for person in team:
        loads = person_loads(person.name, by_person.get(person.name.lower(), []), months)
        out.append(PersonMonths(person, tuple(loads),
                                tuple(over_capacity(x, person.capacity) for x in loads)))
    return out


def excel_trim(text: str) -> str:
    """Excel's TRIM: no space at either end, one space between words (spaces only)."""
    return " ".join(part for part in text.split(" ") if part)


def zone_text(activities: Iterable[str]) -> str:
    """A zone as its cell holds it: ``rédaction; tableaux de bord``."""
    return ZONE_SEPARATOR.join(activities)


def in_zone(activity: str, zone: str) -> bool:
    """Whether an activity is one of a zone cell's activities (the formula's test)."""
    listed = excel_trim(zone).lower().replace("; ", ";").replace(" ;", ";")
    return f";{excel_trim(activity).lower()};" in f";{listed};"


def team_flags(actions: Sequence[Action], team: Sequence[TeamMember]) -> list[str | None]:
    """What the action plan flags about each action's person: ``no_person`` (effort but
    nobody), ``not_on_team`` (someone the team does not list, when it lists anyone),
    ``delegate`` (an activity in the person's competence or incompetence zone); each person
    found once (names compared as Excel's ``=`` does, case aside)."""
    people: dict[str, TeamMember] = {}
    for member in team:
        people.setdefault(member.name.lower(), member)
    return [_team_flag(action, team, people) for action in actions]


def _team_flag(action: Action, team: Sequence[TeamMember],
               people: dict[str, TeamMember]) -> str | None:
    if not action.who:
        return "no_person" if (action.effort or 0) > 0 else None
    if not team:
        return None
    person = people.get(action.who.lower())
    if person is None:
        return "not_on_team"
    if not action.activity:
        return None
    zones = (zone_text(person.competence), zone_text(person.incompetence))
    return "delegate" if any(in_zone(action.activity, z) for z in zones) else None


def assigned_efforts(team: Sequence[TeamMember], actions: Sequence[Action]) -> list[float]:
    """``assigned_effort`` of each team member, the actions looked through once."""
    by_person = _by_person(actions)
    return [arith.total(a.effort or 0.0 for a in by_person.get(p.name.lower(), []))
            for p in team]


def assigned_effort(person: str, actions: Sequence[Action]) -> float:
    """The effort of all the actions given to a person, dated or not."""
    return arith.total(a.effort or 0.0 for a in actions if same_name(a.who, person))


def entry_count(survey: Sequence[SurveyEntry]) -> int:
    return sum(1 for e in survey if e.answer or e.priority)


def retained(entry: SurveyEntry, priorities: Sequence[Priority]) -> bool | None:
    """Whether the priority an answer names is a retained one (score 3); None if it names
    none."""
    if not entry.priority:
        return None
    return any(same_name(p.title, entry.priority) and p.score == TOP_SCORE for p in priorities)


def retained_all(survey: Sequence[SurveyEntry], priorities: Sequence[Priority]
                 ) -> list[bool | None]:
    """``retained`` of each survey entry, the priorities looked through once."""
    top = {p.title.lower() for p in priorities if p.score == TOP_SCORE}
    return [None if not e.priority else e.priority.lower() in top for e in survey]


def alignment_score(survey: Sequence[SurveyEntry],
                    priorities: Sequence[Priority]) -> float | None:
    """The share of survey entries that name a retained priority; None with no entry."""
    count = entry_count(survey)
    if count == 0:
        return None
    return sum(found is True for found in retained_all(survey, priorities)) / count


def named_share(survey: Sequence[SurveyEntry], title: str | None = None) -> float | None:
    """The share of entries that name ``title`` (any priority when None); None with no
    entry."""
    count = entry_count(survey)
    if count == 0:
        return None
    named = sum(1 for e in survey if e.priority and (title is None or same_name(e.priority,
                                                                                  title)))
    return named / count


def named_shares(survey: Sequence[SurveyEntry], titles: Sequence[str]) -> list[float | None]:
    """``named_share`` of each title, the survey looked through once."""
    count = entry_count(survey)
    if count == 0:
        return [None] * len(titles)
    named: dict[str, int] = {}
    for entry in survey:
        if entry.priority:
            key = entry.priority.lower()
            named[key] = named.get(key, 0) + 1
    return [named.get(title.lower(), 0) / count for title in titles]
