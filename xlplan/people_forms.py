"""Bring what staff filled in (``xlplan.forms``) into a plan: survey answers into its survey
table, zones of genius into its team. Nothing already in the plan is lost: answers are added
(a form collected before, by its source, is not added twice) and activities are added to a
zone unless it lists them already.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pydantic import ValidationError

from .errors import XlplanError
from .forms import ZONES, GeniusAnswers, SurveyAnswer
from .model import Plan, SurveyEntry, TeamMember


@dataclass
class Collected:
    plan: Plan
    added: int = 0
    skipped: list[str] = field(default_factory=list)  # sources collected before
    people: list[str] = field(default_factory=list)  # team members whose zones changed


def add_survey_answers(plan: Plan, answers: Sequence[SurveyAnswer]) -> Collected:
    """The plan with each answer added to its survey, the priority it names given as the
    plan's title (case aside); a source already in the survey is skipped."""
    titles = {p.title.lower(): p.title for p in plan.priorities}
    seen = {e.source for e in plan.survey if e.source}
    entries = list(plan.survey)
    out = Collected(plan)
    for answer in answers:
        if answer.source in seen:
            out.skipped.append(answer.source)
            continue
        priority = None
        if answer.priority:
            priority = titles.get(answer.priority.strip().lower())
            if priority is None:
                raise XlplanError(f"{answer.source}: the priority {answer.priority!r} is not "
                                  "one of the plan's priorities (leave it empty, or give a "
                                  "title of the priorities sheet)")
        try:
            entries.append(SurveyEntry(answer=answer.answer, priority=priority,
                                       source=answer.source))
        except ValidationError as exc:
            raise XlplanError(f"{answer.source}: {exc.errors()[0]['msg']}") from None
        out.added += 1
    out.plan = plan.model_copy(update={"survey": entries})
    return out


def add_zones(plan: Plan, forms: Sequence[GeniusAnswers]) -> Collected:
    """The plan with each form's activities added to its person's zones."""
    by_name = {" ".join(m.name.split()).lower(): i for i, m in enumerate(plan.team)}
    team = list(plan.team)
    out = Collected(plan)
    for form in forms:
        index = by_name.get(" ".join(form.person.split()).lower())
        if index is None:
            raise XlplanError(f"{form.source}: {form.person!r} is not on the plan's team (add "
                              "them to the team sheet, or remove the form)")
        member = team[index]
        update: dict[str, list[str]] = {}
        for zone in ZONES:
            listed: list[str] = list(getattr(member, zone))
            known = {a.lower() for a in listed}
            for activity in getattr(form, zone):
                if activity.lower() not in known:
                    known.add(activity.lower())
                    update.setdefault(zone, list(listed)).append(activity)
                    out.added += 1
        if update:
            try:
                team[index] = TeamMember.model_validate({**member.model_dump(), **update})
            except ValidationError as exc:
                problem = exc.errors()[0]
                where = ".".join(str(p) for p in problem["loc"])
                raise XlplanError(f"{form.source}: {where}: {problem['msg']}") from None
            out.people.append(member.name)
    out.plan = plan.model_copy(update={"team": team})
    return out
