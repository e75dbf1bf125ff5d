"""The plan file: one pydantic model for YAML and JSON, strict about unknown keys.

Field names are the plan file's keys. Enumerations are stored as their English codes; the
workbook shows them translated (see ``workbook_templates/i18n``). Every field carries a
description (meaning, unit, default, example): ``xlplan schema`` prints them, and
``scripts/plan_reference.py`` turns them into the README's reference of the plan file.
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
    """The workbook's language: French, Spanish or English."""

    FR = "fr"
    ES = "es"
    EN = "en"


class Cadence(StrEnum):
    """How often the plan is reviewed with the client."""

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
    """Where a risk comes from: inside the company, or outside it."""

    INTERNAL = "internal"
    EXTERNAL = "external"


class Direction(StrEnum):
    """Which way is better for a measure: a higher value, or a lower one."""

    HIGHER = "higher"
    LOWER = "lower"


class Quadrant(StrEnum):
    """Attack/defend x sell/manage: the method wants one top priority in each."""

    ATTACK_SELL = "attack-sell"
    ATTACK_MANAGE = "attack-manage"
    DEFEND_SELL = "defend-sell"
    DEFEND_MANAGE = "defend-manage"


class Status(StrEnum):
    """Where an action stands."""

    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    BLOCKED = "blocked"


class _Strict(BaseModel):
    """The base of every part of the plan file: unknown keys are errors, text is trimmed.

    Each model's validator is built when it is first used, not when this module is imported
    (``defer_build``): a command or a worksheet function that validates a Segment does not
    build the Plan's, and one that only needs the enumerations builds none."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True,
                              defer_build=True)


def _known_locale(value: str) -> str:
    from babel import localedata  # only when a plan names a locale

    if not localedata.exists(value.replace("-", "_")):
        raise ValueError(f"unknown locale {value!r} (a language and a country: fr-FR, es-MX)")
    return value


class Client(_Strict):
    """Who the plan is for: the client company, its language and currency, and the
    consultant."""

    name: Name = Field(description="The client company's name, as the workbook's title shows "
                       "it (1-255 characters). Required. Example: Boutique Lumière.")
    sector: Text | None = Field(default=None, description="The client's line of business, in "
                                "a few words. Default: none. Example: e-commerce.")
    language: Language = Field(
        default=Language.EN, description="The language of the workbook's labels, lists and "
        "messages: fr (French), es (Spanish) or en (English). Default: en. Example: fr.")
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = Field(
        default="EUR", description="The client's currency, as its three-letter ISO code in "
        "capitals; every amount of the plan is in it. Default: EUR. Example: MXN.")
    consultant: Text | None = Field(
        default=None, description="The consultant running the plan with the client; the "
        "client copy names them as its author. Default: none. Example: Claire Martin.")
    locale: Annotated[str, Field(pattern=r"^(fr|es|en)-[A-Z]{2}$"),
                      AfterValidator(_known_locale)] | None = Field(
        default=None, description="How numbers, amounts, dates and paper are set out: fr-FR, "
        "fr-CA, es-ES, es-MX, en-GB, en-US... (default: from the language and the currency). "
        "Example: fr-CA.")


class PlanSettings(_Strict):
    """The plan itself: its year and first month, the review date and cadence, the vision,
    the cash at the start, and the scorecard categories."""

    year: Annotated[int, Field(strict=True, ge=1990, le=2200)] = Field(
        description="The year the plan is for (1990-2200). Required. Example: 2027.")
    as_of: date | None = Field(
        default=None, description="Review date, YYYY-MM-DD: late actions, KPI status and the "
        "next review are judged on this day. Default: none, and the workbook uses =TODAY(), so "
        "it ages by itself. Example: 2027-01-15."
    )
    review_cadence: Cadence = Field(
        default=Cadence.QUARTERLY, description="How often progress is reviewed with the "
        "client: monthly (M01-M12), quarterly (Q1-Q4), semiannual (S1-S2) or annual (Y). "
        "Default: quarterly. Example: semiannual.")
    vision: Text | None = Field(
        default=None, description="The vision: where the company wants to be in a few years, "
        "in one sentence. Default: none. Example: 10 M€ turnover within 5 years.")
    opening_cash: Amount = Field(
        default=0.0, description="Cash at the start of the plan's first month, in the client's "
        "currency; the month-by-month balance starts from it. Default: 0. Example: 20000.")
    amber_threshold: Annotated[float, Field(strict=True, gt=0, lt=1)] = Field(
        default=0.9, description="KPI attainment from which a KPI is amber rather than red, a "
        "fraction between 0 and 1 (green is from 1, the target reached). Default: 0.9. "
        "Example: 0.85."
    )
    start_month: Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] | None = Field(
        default=None, description="YYYY-MM: the plan covers 12 months from here, and the "
        "review periods count from it (default: January of year). Example: 2027-04.")
    categories: Annotated[list[Name], Field(min_length=1, max_length=50)] = Field(
        default=list(DEFAULT_CATEGORIES),
        description="The scorecard categories of objectives and priorities (1-50): any of the "
        "built-in financial, customer, process, technology, people, or the client's own labels. "
        "Default: [financial, customer, process, technology]. "
        "Example: [Rentabilité, people, Expérience client].")


class Objective(_Strict):
    """A SMART objective of the year: what is measured, the target, the deadline, why, and
    who owns it."""

    title: Name = Field(description="The objective in a few words; unique, and what "
                        "initiatives, priorities and reviews name it by. Required. "
                        "Example: Increase the average basket.")
    category: Name | None = Field(default=None, description="One of plan.categories. "
                                  "Default: none. Example: financial.")
    measure: Text | None = Field(default=None, description="What is measured to know it is "
                                 "reached (the M of SMART). Default: none. "
                                 "Example: average basket (€).")
    target: Amount | None = Field(
        default=None, description="The value of the measure to reach, in the measure's unit "
        "(an amount in the client's currency, a rate as a fraction). Default: none. "
        "Example: 84.")
    deadline: date | None = Field(default=None, description="When the target is due "
                                  "(YYYY-MM-DD). Default: none. Example: 2027-06-30.")
    why: Text | None = Field(default=None, description="The objective of the objective: what "
                             "reaching it is for. Default: none. "
                             "Example: Fund the new catalogue.")
    owner: Text | None = Field(default=None, description="The person accountable for it. "
                               "Default: none. Example: Claire.")
    direction: Direction = Field(
        default=Direction.HIGHER, description="Whether a higher or a lower measure is better: "
        "higher or lower. Default: higher. Example: lower (for a return rate).")
    ambitious: bool | None = Field(default=None, description="The leader's judgement: is it "
                                   "ambitious enough? true or false (yes or no in YAML). "
                                   "Default: none (not judged). Example: true.")
    realistic: bool | None = Field(default=None, description="The leader's judgement: can it "
                                   "be reached? true or false (yes or no in YAML). "
                                   "Default: none (not judged). Example: true.")


class Initiative(_Strict):
    """A step towards an objective, with a milestone: a measure and its target by a date."""

    objective: Name = Field(description="Title of the objective it serves, exactly as "
                            "written there. Required. Example: Increase the average basket.")
    title: Name = Field(description="The initiative in a few words; unique, and what actions "
                        "name it by. Required. Example: Upselling at checkout.")
    measure: Text | None = Field(default=None, description="What the milestone measures. "
                                 "Default: none. Example: items per order.")
    target: Amount | None = Field(default=None, description="The milestone's target, in the "
                                  "measure's unit; progress = actual / target. "
                                  "Default: none. Example: 2.2.")
    actual: Amount | None = Field(default=None, description="Where the measure stands now, in "
                                  "the measure's unit. Default: none. Example: 1.9.")
    due: date | None = Field(default=None, description="When the milestone is due "
                             "(YYYY-MM-DD). Default: none. Example: 2027-06-30.")
    owner: Text | None = Field(default=None, description="The person responsible for it. "
                               "Default: none. Example: Claire.")


class Risk(_Strict):
    """A risk to the plan: how likely, how harmful, and what is done about it."""

    title: Name = Field(description="The risk in a few words; unique. Required. "
                        "Example: Transport costs rise.")
    kind: RiskKind | None = Field(default=None, description="internal (from inside the "
                                  "company) or external (market, suppliers, law...). "
                                  "Default: none. Example: external.")
    likelihood: Scale | None = Field(
        default=None, description="How likely it is, 1 (low) to 3 (high); the risk is high "
        "when likelihood x impact is 6 or more. Default: none. Example: 3.")
    impact: Scale | None = Field(default=None, description="How much harm it would do, 1 "
                                 "(low) to 3 (high). Default: none. Example: 2.")
    mitigation: Text | None = Field(
        default=None, description="What is done to prevent or soften it; a high risk should "
        "have one. Default: none. Example: Yearly contract with two carriers.")
    owner: Text | None = Field(default=None, description="The person watching it. "
                               "Default: none. Example: Marc.")


class Retrospective(_Strict):
    """The review of last year (the bilan): what went well and what went badly."""

    went_well: list[Text] = Field(default=[], description="What went well last year, one "
                                  "item per entry. Default: empty. "
                                  "Example: [Autumn collection launched on time].")
    went_badly: list[Text] = Field(default=[], description="What went badly last year, one "
                                   "item per entry. Default: empty. "
                                   "Example: [Too many returns of fragile lamps].")


class Competitor(_Strict):
    """A competitor, with its strengths and weaknesses."""

    name: Name = Field(description="The competitor's name. Required. Example: LumiShop.")
    strengths: Text | None = Field(default=None, description="What it does better than the "
                                   "client. Default: none. Example: Low prices.")
    weaknesses: Text | None = Field(default=None, description="Where it falls short. "
                                    "Default: none. Example: Slow customer service.")


class Kpi(_Strict):
    """A key performance indicator: its target, where it stands, and which way is better."""

    name: Name = Field(description="The indicator's name; unique. Required. "
                       "Example: Average basket.")
    unit: Text | None = Field(default=None, description="What its values count, as shown "
                              "beside them. Default: none. Example: EUR.")
    target: Amount = Field(description="The value aimed at, in the KPI's unit (a rate as a "
                           "fraction: 0.025 for 2.5%). Required. Example: 80.")
    actual: Amount | None = Field(default=None, description="The value today, in the same "
                                  "unit; empty while not measured. Default: none. "
                                  "Example: 82.5.")
    direction: Direction = Field(
        default=Direction.HIGHER, description="Whether a higher or a lower value is better: "
        "higher or lower. Default: higher. Example: lower (for a delivery time).")


class Segment(_Strict):
    """A customer segment: how many customers, what each brings in a year and how long they
    stay (their lifetime value), and how the company serves them."""

    name: Name = Field(description="The segment's name; unique, and what actions name it by. "
                       "Required. Example: Loyal private customers.")
    customers: Annotated[int, Field(strict=True, ge=0, le=MAX_COUNT)] = Field(
        description="How many customers it has today, a whole number. Required. "
        "Example: 2400.")
    margin: Amount = Field(description="Yearly margin per customer, in the client's currency. "
                           "Required. Example: 120.")
    retention: Fraction = Field(description="The share of customers still buying a year "
                                "later, a fraction 0-1. Required. Example: 0.6 (60%).")
    discount_rate: Annotated[float, Field(strict=True, ge=0, le=10, allow_inf_nan=False)] = (
        Field(default=0.0, description="The yearly rate future margins are discounted at, a "
              "fraction (0.1 for 10%; 0-10). Default: 0. Example: 0.1."))
    horizon: Annotated[int, Field(strict=True, ge=1, le=100)] | None = Field(
        default=None, description="How many years of a customer's life count in the lifetime "
        "value, 1-100. Default: none (no limit: then retention / (1 + discount_rate) must be "
        "below 1). Example: 5.")
    acquisition_cost: NonNegativeAmount = Field(
        default=0.0, description="What winning one customer costs, in the client's currency; "
        "taken off the lifetime value. Default: 0. Example: 25.")
    service: Text | None = Field(default=None, description="The service plan for the segment: "
                                 "how the company serves it. Default: none. "
                                 "Example: A dedicated contact, quotes within 24 h.")
    channels: Text | None = Field(default=None, description="How the segment is reached and "
                                  "sold to. Default: none. Example: Visits and phone.")
    ideal_efforts: Text | None = Field(default=None, description="What an ideal customer of "
                                       "the segment does for the company. Default: none. "
                                       "Example: Orders grouped each quarter.")

    @model_validator(mode="after")
    def _finite_without_horizon(self) -> Segment:
        factor = self.retention / (1 + self.discount_rate)  # as calc.customers computes it
        if self.horizon is None and (factor >= 1 or approx_equal(factor, 1.0)):
            raise PydanticCustomError(
                "infinite_ltv", "with no horizon, retention must be below 1 + discount_rate "
                "(otherwise the lifetime value is infinite)")
        return self


class Priority(_Strict):
    """An idea scored on the attack/defend x sell/manage matrix: 3 top priority, 2 to
    evaluate, 1 on hold, 0 discarded."""

    title: Name = Field(description="The idea in a few words; unique, and what actions, uses, "
                        "reviews and the survey name it by. Required. "
                        "Example: Loyalty programme.")
    quadrant: Quadrant = Field(
        description="Its place on the matrix: attack-sell, attack-manage, defend-sell or "
        "defend-manage (attack to win new ground, defend to keep it; by selling or by "
        "managing). Required. Example: defend-sell.")
    category: Name = Field(description="One of plan.categories. Required. "
                           "Example: customer.")
    score: Literal[0, 1, 2, 3] = Field(
        description="The team's decision: 3 top priority (retained), 2 to evaluate, 1 on hold, "
        "0 discarded. Required. Example: 3.")
    impact: Amount = Field(default=0.0, description="The cash it should bring, in the client's "
                           "currency; net = impact - cost. Default: 0. Example: 40000.")
    cost: NonNegativeAmount = Field(
        default=0.0, description="What it costs, in the client's currency; a top priority is "
        "funded when the uses linked to it cover it. Default: 0. Example: 12000.")
    owner: Text | None = Field(default=None, description="The person who carries it. "
                               "Default: none. Example: Léa.")
    notes: Text | None = Field(default=None, description="Anything worth keeping about it. "
                               "Default: none. Example: Upsell in the basket.")
    objective: Name | None = Field(default=None, description="Title of the objective served; "
                                   "a top priority should serve one. Default: none. "
                                   "Example: Broaden the audience.")
    likelihood: Scale | None = Field(default=None, description="Of success, 1 (low) to 3 "
                                     "(high). Default: none. Example: 2.")
    urgency: Scale | None = Field(
        default=None, description="How urgent, 1 (can wait) to 3 (now); a quick win is scored "
        "2 or 3 with urgency 3 and ease 3. Default: none. Example: 3.")
    ease: Scale | None = Field(default=None, description="How easy to do, 1 (hard) to 3 "
                               "(easy). Default: none. Example: 3.")
    ambition: Ambition | None = Field(default=None, description="How the idea is grouped: "
                                      "realistic or ambitious. Default: none. "
                                      "Example: ambitious.")


class FundingLine(_Strict):
    """A line of the month-by-month sources-and-uses table: money coming in (a source) or
    going out (a use)."""

    label: Name = Field(description="What the money is for, or where it comes from. "
                        "Required. Example: CRM tool.")
    month: Month = Field(default=1, description="The month of the plan it falls in, 1-12 (1 is "
                         "the plan's first month, plan.start_month). Default: 1. Example: 4.")
    amount: NonNegativeAmount = Field(description="How much, in the client's currency (0 or "
                                      "more). Required. Example: 12000.")
    monthly: bool = Field(default=False, description="Repeat the amount from month to 12 (a "
                          "subscription, a salary); false for once. Default: false. "
                          "Example: true.")


class Use(FundingLine):
    """Money going out: spending or an investment, and the priority it funds, if any."""

    priority: Name | None = Field(default=None, description="Title of the priority it funds; "
                                  "a top priority is funded when its uses cover its cost. "
                                  "Default: none. Example: Loyalty programme.")


class Funding(_Strict):
    """Where cash goes (uses) and where it comes from (sources), month by month over the
    plan's 12 months."""

    uses: list[Use] = Field(default=[], description="Money going out, line by line. Default: "
                            "empty. Example: [{label: CRM tool, amount: 50, monthly: true}].")
    sources: list[FundingLine] = Field(
        default=[], description="Money coming in, line by line. Default: empty. "
        "Example: [{label: Capital increase, month: 6, amount: 5000}].")


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

    name: Name = Field(description="The person's name; unique, and what actions' who and "
                       "owner name them by. Required. Example: Léa.")
    role: Text | None = Field(default=None, description="Their job in the company. "
                              "Default: none. Example: Marketing.")
    capacity: Days | None = Field(default=None, description="Days per month this person can "
                                  "give to the plan; a month's load above it is flagged. "
                                  "Default: none (not checked). Example: 8.")
    genius: Zone = Field(default=[], description="Zone of genius: activities they love and "
                         "excel at (up to 100, no ';' or line break). Default: empty. "
                         "Example: [photography, community management].")
    excellence: Zone = Field(default=[], description="Zone of excellence: activities they "
                             "excel at without loving them. Default: empty. "
                             "Example: [copywriting].")
    competence: Zone = Field(default=[], description="Zone of competence: activities they do "
                             "well enough; an action in it is flagged to delegate. "
                             "Default: empty. Example: [dashboards].")
    incompetence: Zone = Field(default=[], description="Zone of incompetence: activities "
                               "that drain them; an action in it is flagged to delegate. "
                               "Default: empty. Example: [bookkeeping].")


class SurveyEntry(_Strict):
    """One respondent's answer to "what does the organisation pay most attention to?", and
    the priority the answer names, if any."""

    answer: Text | None = Field(default=None, description="What the person said, in their "
                                "words; an entry needs an answer or a priority. "
                                "Default: none. Example: customer loyalty.")
    priority: Name | None = Field(default=None, description="Title of the priority named. "
                                  "Default: none. Example: Loyalty programme.")
    source: Text | None = Field(default=None, description="The form it was collected from. "
                                "Default: none. Example: interview with Léa.")

    @model_validator(mode="after")
    def _says_something(self) -> SurveyEntry:
        if not self.answer and not self.priority:
            raise PydanticCustomError("empty_answer", "an entry needs an answer or a priority")
        return self


class Action(_Strict):
    """A line of the action plan: what is done, by whom, from when to when, how, and what it
    serves."""

    what: Name = Field(description="The action in a few words. Required. "
                       "Example: Launch the loyalty card.")
    who: Text | None = Field(default=None, description="The person who does it (a team "
                             "member's name, for the workload). Default: none. Example: Léa.")
    owner: Text | None = Field(default=None, description="Accountable person, if not who. "
                               "Default: none. Example: Claire.")
    start: date | None = Field(default=None, description="The day work starts (YYYY-MM-DD). "
                               "Default: none. Example: 2027-03-01.")
    due: date | None = Field(default=None, description="The day it is due (YYYY-MM-DD), not "
                             "before start; late when not done by plan.as_of. "
                             "Default: none. Example: 2027-05-15.")
    how: Text | None = Field(default=None, description="How it will be done. Default: none. "
                             "Example: SaaS provider.")
    priority: Text | None = Field(default=None, description="Title of a priority: the one it "
                                  "serves. Default: none. Example: Loyalty programme.")
    status: Status = Field(default=Status.TODO, description="Where it stands: todo, "
                           "in_progress, done or blocked. Default: todo. "
                           "Example: in_progress.")
    cost: NonNegativeAmount = Field(default=0.0, description="What it costs, in the client's "
                                    "currency. Default: 0. Example: 3000.")
    initiative: Name | None = Field(default=None, description="Title of an initiative: the "
                                    "one it advances. Default: none. "
                                    "Example: Upselling at checkout.")
    segment: Name | None = Field(default=None, description="Name of the segment it serves. "
                                 "Default: none. Example: Loyal private customers.")
    effort: Days | None = Field(default=None, description="Days of work, spread evenly over "
                                "the days from start to due, both included. Default: none. "
                                "Example: 15.")
    activity: Activity | None = Field(default=None, description="The kind of work, as the "
                                      "team's zones name activities (no ';' or line break). "
                                      "Default: none. Example: copywriting.")

    @model_validator(mode="after")
    def _due_after_start(self) -> Action:
        if self.start and self.due and self.due < self.start:
            raise PydanticCustomError(
                "due_before_start", "due ({due}) is before start ({start})",
                {"due": self.due.isoformat(), "start": self.start.isoformat()})
        return self


class LoggedDecision(_Strict):
    """A decision a review took about one priority."""

    priority: Name = Field(description="Title of the priority decided on. Required. "
                           "Example: Loyalty programme.")
    decision: ReviewDecision = Field(description="What was decided: keep, modify, abandon or "
                                     "done. Required. Example: modify.")
    note: Text | None = Field(default=None, description="Why, or what changes. Default: none. "
                              "Example: Halve the budget.")


class Measure(_Strict):
    """A row of the workbook's measures table: an objective's value at a review."""

    period: str = Field(description="The review period it was measured at. Example: Q2.")
    objective: Name = Field(description="Title of the objective measured. "
                            "Example: Broaden the audience.")
    value: Amount = Field(description="The value measured, in the objective's measure's unit. "
                          "Example: 220.")


class DecisionEntry(_Strict):
    """A row of the workbook's decisions log."""

    period: str = Field(description="The review period it was decided at. Example: Q2.")
    priority: Name = Field(description="Title of the priority decided on. "
                           "Example: Loyalty programme.")
    decision: ReviewDecision = Field(description="keep, modify, abandon or done. "
                                     "Example: keep.")
    note: Text | None = Field(default=None, description="Why, or what changes. Default: none. "
                              "Example: Halve the budget.")


class Review(_Strict):
    """A review held: its period of the plan's cadence, what was measured, what was decided."""

    period: Annotated[str, Field(pattern=r"^(Q[1-4]|S[12]|M(0[1-9]|1[0-2])|Y)$")] = Field(
        description="The period of plan.review_cadence it reviews: Q1-Q4, S1-S2, M01-M12 or Y "
        "(each period once). Required. Example: Q2.")
    date: Annotated[date, Field(description="The day it was held (YYYY-MM-DD). Required. "
                                "Example: 2027-07-08.")]
    cash: Amount | None = Field(default=None, description="Actual cash at the review, in the "
                                "client's currency. Default: none. Example: 18500.")
    objectives: dict[Name, Amount] = Field(
        default={}, description="Each objective's measured value at this review, by title, in "
        "its measure's unit. Default: empty. Example: {Broaden the audience: 220}.")
    decisions: list[LoggedDecision] = Field(
        default=[], description="The decisions taken about priorities. Default: empty. "
        "Example: [{priority: Loyalty programme, decision: keep}].")
    notes: Text | None = Field(default=None, description="What else was said. Default: none. "
                               "Example: Half-year review with the board.")


class Plan(_Strict):
    """A client's strategic plan: everything the workbook is generated from."""

    version: Literal[1] = Field(default=1, description="The plan file's format version; only "
                                "1 exists. Default: 1. Example: 1.")
    client: Client = Field(description="Who the plan is for. Required. "
                           "Example: {name: Boutique Lumière, language: fr}.")
    plan: PlanSettings = Field(description="The plan's year, dates, cadence, vision and "
                               "settings. Required. Example: {year: 2027}.")
    objectives: list[Objective] = Field(
        default=[], description="The year's SMART objectives. Default: empty. "
        "Example: [{title: Broaden the audience, target: 500}].")
    initiatives: list[Initiative] = Field(
        default=[], description="The steps towards the objectives, each with a milestone. "
        "Default: empty. Example: [{objective: Broaden the audience, title: Partnerships}].")
    barriers: list[Text] = Field(default=[], description="What the company will NOT do, one "
                                 "item per entry. Default: empty. "
                                 "Example: [No general marketplace].")
    retrospective: Retrospective = Field(
        default=Retrospective(), description="The bilan: what went well and badly last year. "
        "Default: both lists empty. Example: {went_well: [Mobile sales up]}.")
    competitors: list[Competitor] = Field(
        default=[], description="The main competitors. Default: empty. "
        "Example: [{name: LumiShop, strengths: Low prices}].")
    kpis: list[Kpi] = Field(default=[], description="The key performance indicators followed. "
                            "Default: empty. Example: [{name: Average basket, target: 80}].")
    segments: list[Segment] = Field(
        default=[], description="The customer segments and their lifetime value. Default: "
        "empty. Example: [{name: Regulars, customers: 2400, margin: 120, retention: 0.6}].")
    priorities: list[Priority] = Field(
        default=[], description="The ideas scored on the matrix. Default: empty. Example: "
        "[{title: Loyalty programme, quadrant: defend-sell, category: customer, score: 3}].")
    risks: list[Risk] = Field(default=[], description="The risks to the plan. Default: empty. "
                              "Example: [{title: Transport costs rise, likelihood: 3}].")
    funding: Funding = Field(
        default=Funding(), description="The month-by-month sources and uses of cash. "
        "Default: no line. Example: {uses: [{label: CRM tool, amount: 50, monthly: true}]}.")
    actions: list[Action] = Field(
        default=[], description="The action plan. Default: empty. "
        "Example: [{what: Launch the loyalty card, who: Léa, due: 2027-05-15}].")
    reviews: list[Review] = Field(
        default=[], description="The reviews held during the year. Default: empty. "
        "Example: [{period: Q1, date: 2027-04-02}].")
    team: list[TeamMember] = Field(
        default=[], description="The people of the plan, their capacity and zones of genius. "
        "Default: empty. Example: [{name: Léa, capacity: 8}].")
    survey: list[SurveyEntry] = Field(
        default=[], description="The staff survey's answers. Default: empty. "
        "Example: [{answer: customer loyalty}].")

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
