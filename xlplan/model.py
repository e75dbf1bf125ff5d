"""The plan file: one pydantic model for YAML and JSON, strict about unknown keys.

Field names are the plan file's keys. Enumerations are stored as their English codes; the
workbook shows them translated (see ``workbook_templates/i18n``).
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from .calc.arith import approx_equal

SCHEMA_VERSION = 1
EXCEL_CELL_MAX_CHARS = 32_767
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _printable(value: str) -> str:
    if _CONTROL_CHARS.search(value):
        raise ValueError("must not contain control characters (Excel cannot store them)")
    return value


Text = Annotated[
    str, Field(max_length=EXCEL_CELL_MAX_CHARS), AfterValidator(_printable)
]
Name = Annotated[
    str, Field(min_length=1, max_length=255), AfterValidator(_printable)
]
# The largest amount (in absolute value) and count a plan holds: what Excel keeps exactly (15
# digits), and the bounds the workbook's validation gives the same cells.
MAX_AMOUNT = 10**15
MAX_COUNT = 10**9
Amount = Annotated[float, Field(strict=True, ge=-MAX_AMOUNT, le=MAX_AMOUNT, allow_inf_nan=False)]
NonNegativeAmount = Annotated[float, Field(strict=True, ge=0, le=MAX_AMOUNT,
                                           allow_inf_nan=False)]
Fraction = Annotated[float, Field(strict=True, ge=0, le=1, allow_inf_nan=False)]
Month = Annotated[int, Field(strict=True, ge=1, le=12)]
Scale = Annotated[int, Field(strict=True, ge=1, le=3)]  # likelihood, urgency, ease, impact


class Language(StrEnum):
    FR = "fr"
    ES = "es"
    EN = "en"


class Cadence(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    SEMIANNUAL = "semiannual"
    ANNUAL = "annual"

    @property
    def months(self) -> int:
        return {"monthly": 1, "quarterly": 3, "semiannual": 6, "annual": 12}[self.value]

    @property
    def periods(self) -> tuple[str, ...]:
        """The review periods of a plan year, in order: Q1-Q4, S1-S2, M01-M12 or Y."""
        count = 12 // self.months
        if self is Cadence.ANNUAL:
            return ("Y",)
        prefix = {"monthly": "M", "quarterly": "Q", "semiannual": "S"}[self.value]
        return tuple(f"{prefix}{n:02d}" if prefix == "M" else f"{prefix}{n}"
                     for n in range(1, count + 1))


class ReviewDecision(StrEnum):
    """What a review decides about a priority (004, step 4: be ready to modify or abandon)."""

    KEEP = "keep"
    MODIFY = "modify"
    ABANDON = "abandon"
    DONE = "done"


class Category(StrEnum):
    """The built-in categories: the four balanced-scorecard buckets and the people pillar. A
    plan may use its own labels instead (``plan.categories``)."""

    FINANCIAL = "financial"
    CUSTOMER = "customer"
    PROCESS = "process"
    TECHNOLOGY = "technology"
    PEOPLE = "people"


DEFAULT_CATEGORIES = ("financial", "customer", "process", "technology")


class Ambition(StrEnum):
    """How a priority is grouped: the realistic ideas, and the ambitious ones."""

    REALISTIC = "realistic"
    AMBITIOUS = "ambitious"


class RiskKind(StrEnum):
    INTERNAL = "internal"
    EXTERNAL = "external"


class Direction(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"


class Quadrant(StrEnum):
    """Attack/defend x sell/manage: the method wants one top priority in each."""

    ATTACK_SELL = "attack-sell"
    ATTACK_MANAGE = "attack-manage"
    DEFEND_SELL = "defend-sell"
    DEFEND_MANAGE = "defend-manage"


class Status(StrEnum):
    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    BLOCKED = "blocked"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Client(_Strict):
    name: Name
    sector: Text | None = None
    language: Language = Language.EN
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "EUR"
    consultant: Text | None = None


class PlanSettings(_Strict):
    year: Annotated[int, Field(strict=True, ge=1990, le=2200)]
    as_of: date | None = Field(
        default=None, description="Review date; when absent the workbook uses =TODAY()."
    )
    review_cadence: Cadence = Cadence.QUARTERLY
    vision: Text | None = None
    opening_cash: Amount = 0.0
    amber_threshold: Annotated[float, Field(strict=True, gt=0, lt=1)] = Field(
        default=0.9, description="KPI attainment from which a KPI is amber rather than red."
    )
    start_month: Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] | None = Field(
        default=None, description="YYYY-MM: the plan covers 12 months from here (default: "
        "January of year).")
    categories: Annotated[list[Name], Field(min_length=1, max_length=50)] = Field(
        default=list(DEFAULT_CATEGORIES),
        description="The scorecard categories of objectives and priorities: any of the "
        "built-in financial, customer, process, technology, people, or the client's own labels.")


class Objective(_Strict):
    title: Name
    category: Name | None = Field(default=None, description="One of plan.categories.")
    measure: Text | None = None
    target: Amount | None = None
    deadline: date | None = None
    why: Text | None = Field(default=None, description="The objective of the objective.")
    owner: Text | None = None
    direction: Direction = Direction.HIGHER
    ambitious: bool | None = Field(default=None, description="The leader's judgement.")
    realistic: bool | None = Field(default=None, description="The leader's judgement.")


class Initiative(_Strict):
    """A step towards an objective, with a milestone: a measure and its target by a date."""

    objective: Name = Field(description="Title of the objective it serves.")
    title: Name
    measure: Text | None = None
    target: Amount | None = None
    actual: Amount | None = Field(default=None, description="Where the measure stands now.")
    due: date | None = None
    owner: Text | None = None


class Risk(_Strict):
    title: Name
    kind: RiskKind | None = None
    likelihood: Scale | None = None
    impact: Scale | None = None
    mitigation: Text | None = None
    owner: Text | None = None


class Retrospective(_Strict):
    went_well: list[Text] = []
    went_badly: list[Text] = []


class Competitor(_Strict):
    name: Name
    strengths: Text | None = None
    weaknesses: Text | None = None


class Kpi(_Strict):
    name: Name
    unit: Text | None = None
    target: Amount
    actual: Amount | None = None
    direction: Direction = Direction.HIGHER


class Segment(_Strict):
    name: Name
    customers: Annotated[int, Field(strict=True, ge=0, le=MAX_COUNT)]
    margin: Amount = Field(description="Yearly margin per customer.")
    retention: Fraction
    discount_rate: Annotated[float, Field(strict=True, ge=0, le=10, allow_inf_nan=False)] = 0.0
    horizon: Annotated[int, Field(strict=True, ge=1, le=100)] | None = None
    acquisition_cost: NonNegativeAmount = 0.0
    service: Text | None = Field(default=None, description="The service plan for the segment.")
    channels: Text | None = None
    ideal_efforts: Text | None = Field(default=None, description="What an ideal customer of "
                                       "the segment does for the company.")

    @model_validator(mode="after")
    def _finite_without_horizon(self) -> Segment:
        factor = self.retention / (1 + self.discount_rate)  # as calc.customers computes it
        if self.horizon is None and (factor >= 1 or approx_equal(factor, 1.0)):
            raise PydanticCustomError(
                "infinite_ltv", "with no horizon, retention must be below 1 + discount_rate "
                "(otherwise the lifetime value is infinite)")
        return self


class Priority(_Strict):
    title: Name
    quadrant: Quadrant
    category: Name = Field(description="One of plan.categories.")
    score: Literal[0, 1, 2, 3]
    impact: Amount = 0.0
    cost: NonNegativeAmount = 0.0
    owner: Text | None = None
    notes: Text | None = None
    objective: Name | None = Field(default=None, description="Title of the objective served.")
    likelihood: Scale | None = Field(default=None, description="Of success, 1-3.")
    urgency: Scale | None = None
    ease: Scale | None = None
    ambition: Ambition | None = None


class FundingLine(_Strict):
    label: Name
    month: Month = 1
    amount: NonNegativeAmount
    monthly: bool = Field(default=False, description="Repeat the amount from month to 12.")


class Use(FundingLine):
    priority: Name | None = Field(default=None, description="Title of the priority it funds.")


class Funding(_Strict):
    uses: list[Use] = []
    sources: list[FundingLine] = []


def _one_activity(value: str) -> str:
    if ";" in value or "\n" in value or "\r" in value:
        raise ValueError("one activity: no ';' or line break (they separate activities in "
                         "the workbook's zone cells)")
    return value


Activity = Annotated[str, Field(min_length=1, max_length=255), AfterValidator(_printable),
                     AfterValidator(_one_activity)]
Zone = Annotated[list[Activity], Field(max_length=100)]
Days = Annotated[float, Field(strict=True, ge=0, le=MAX_COUNT, allow_inf_nan=False)]


class TeamMember(_Strict):
    """A person of the plan: the days a month they can give it, and their four zones (what
    they love and excel at, excel at, do well enough, should not do)."""

    name: Name
    role: Text | None = None
    capacity: Days | None = Field(default=None, description="Days per month this person can "
                                  "give to the plan.")
    genius: Zone = []
    excellence: Zone = []
    competence: Zone = []
    incompetence: Zone = []


class SurveyEntry(_Strict):
    """One respondent's answer to "what does the organisation pay most attention to?", and
    the priority the answer names, if any."""

    answer: Text | None = None
    priority: Name | None = Field(default=None, description="Title of the priority named.")
    source: Text | None = Field(default=None, description="The form it was collected from.")

    @model_validator(mode="after")
    def _says_something(self) -> SurveyEntry:
        if not self.answer and not self.priority:
            raise PydanticCustomError("empty_answer", "an entry needs an answer or a priority")
        return self


class Action(_Strict):
    what: Name
    who: Text | None = None
    owner: Text | None = Field(default=None, description="Accountable person, if not who.")
    start: date | None = None
    due: date | None = None
    how: Text | None = None
    priority: Text | None = Field(default=None, description="Title of a priority.")
    status: Status = Status.TODO
    cost: NonNegativeAmount = 0.0
    initiative: Name | None = Field(default=None, description="Title of an initiative.")
    segment: Name | None = Field(default=None, description="Name of the segment it serves.")
    effort: Days | None = Field(default=None, description="Days of work, spread evenly over "
                                "the days from start to due.")
    activity: Activity | None = Field(default=None, description="The kind of work, as the "
                                      "team's zones name activities.")

    @model_validator(mode="after")
    def _due_after_start(self) -> Action:
        if self.start and self.due and self.due < self.start:
            raise PydanticCustomError(
                "due_before_start", "due ({due}) is before start ({start})",
                {"due": self.due.isoformat(), "start": self.start.isoformat()})
        return self


class LoggedDecision(_Strict):
    priority: Name = Field(description="Title of the priority decided on.")
    decision: ReviewDecision
    note: Text | None = None


class Measure(_Strict):
    """A row of the workbook's measures table: an objective's value at a review."""

    period: str
    objective: Name
    value: Amount


class DecisionEntry(_Strict):
    """A row of the workbook's decisions log."""

    period: str
    priority: Name
    decision: ReviewDecision
    note: Text | None = None


class Review(_Strict):
    """A review held: its period of the plan's cadence, what was measured, what was decided."""

    period: Annotated[str, Field(pattern=r"^(Q[1-4]|S[12]|M(0[1-9]|1[0-2])|Y)$")]
    date: date
    cash: Amount | None = Field(default=None, description="Actual cash at the review.")
    objectives: dict[Name, Amount] = Field(
        default={}, description="Each objective's measured value at this review, by title.")
    decisions: list[LoggedDecision] = []
    notes: Text | None = None


class Plan(_Strict):
    """A client's strategic plan: everything the workbook is generated from."""

    version: Literal[1] = 1
    client: Client
    plan: PlanSettings
    objectives: list[Objective] = []
    initiatives: list[Initiative] = []
    barriers: list[Text] = Field(default=[], description="What the company will NOT do.")
    retrospective: Retrospective = Retrospective()
    competitors: list[Competitor] = []
    kpis: list[Kpi] = []
    segments: list[Segment] = []
    priorities: list[Priority] = []
    risks: list[Risk] = []
    funding: Funding = Funding()
    actions: list[Action] = []
    reviews: list[Review] = []
    team: list[TeamMember] = []
    survey: list[SurveyEntry] = []

    @property
    def language(self) -> Language:
        return self.client.language

    @property
    def review_measures(self) -> list[Measure]:
        """The reviews' measured values, one per review and objective (the workbook's table)."""
        return [Measure(period=r.period, objective=title, value=value)
                for r in self.reviews for title, value in r.objectives.items()]

    @property
    def review_decisions(self) -> list[DecisionEntry]:
        """The reviews' decisions, one per review and priority (the workbook's log)."""
        return [DecisionEntry(period=r.period, priority=d.priority, decision=d.decision,
                              note=d.note) for r in self.reviews for d in r.decisions]
