"""The calculations that count across a list, done in one pass (or by sorting) instead of
comparing every pair, give exactly what the pairwise definitions give: the old ones are kept
here as the reference, with ties, values a spreadsheet deems equal (within 2^-48), zeros,
signs and infinities."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.strategies import plans
from xlplan.calc import arith, links, people, priorities, reviews
from xlplan.model import Action, Plan, TeamMember
from xlplan.results import compute


def old_ranks(scores: Sequence[int], nets: Sequence[float]) -> list[int]:
    """``priorities.ranks`` as it was: every pair compared (O(n^2))."""
    return [
        1 + sum(1 for s, n in zip(scores, nets, strict=True)
                if s > score or (s == score and arith.gt(n, mine)))
        for score, mine in zip(scores, nets, strict=True)
    ]


def old_ranks_by_value(values: Sequence[float]) -> list[int]:
    return [1 + sum(1 for other in values if arith.gt(other, mine)) for mine in values]


def old_rank(entries: Sequence[tuple[str, date | None, object]], index: int) -> int | None:
    """``results._rank`` as it was."""
    key, when, _ = entries[index]
    if when is None:
        return None
    return sum(1 for position, (other, other_when, _) in enumerate(entries)
               if other == key and other_when is not None
               and (other_when > when or (other_when == when and position > index)))


def _near(base: float, steps: int) -> float:
    """``base`` moved ``steps`` units in the last place (spreadsheet-equal for small steps)."""
    value = base
    for _ in range(abs(steps)):
        value = math.nextafter(value, math.inf if steps > 0 else -math.inf)
    return value


BASES = st.sampled_from([0.0, -0.0, 1.0, -1.0, 0.1 + 0.2, 0.3, 45000.0, -45000.0, 1e15, -1e15,
                         5e-324, 2.0**-1022, 1e-300, 123456.789])
# Values in clusters: a base, then neighbours a few ulps and about 2^-48 (relative) away, on
# both sides of the boundary where spreadsheet equality ends.
NETS = st.one_of(
    st.builds(_near, BASES, st.integers(-4, 4)),
    st.builds(lambda b, k: b * (1 + k * 2.0**-49), BASES, st.integers(-6, 6)),
    st.builds(lambda b, k: b + k * abs(b) * 2.0**-48, BASES, st.sampled_from([-2, -1, 1, 2])),
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(-10**6, 10**6).map(lambda c: c / 100),
    st.sampled_from([math.inf, -math.inf]),
)


@settings(max_examples=400)
@given(st.lists(st.tuples(st.integers(0, 3), NETS), max_size=60))
def test_ranks_are_the_pairwise_ranks(items):
    scores, nets = [s for s, _ in items], [n for _, n in items]
    assert priorities.ranks(scores, nets) == old_ranks(scores, nets)


@settings(max_examples=300)
@given(st.lists(NETS, max_size=60))
def test_ranks_by_value_and_count_greater_are_pairwise(values):
    assert links.ranks_by_value(values) == old_ranks_by_value(values)
    assert arith.count_greater(values) == [
        sum(1 for other in values if arith.gt(other, mine)) for mine in values]


@given(st.lists(st.one_of(NETS, st.just(math.nan)), max_size=30))
def test_count_greater_with_nan_is_pairwise(values):
    assert arith.count_greater(values) == [
        sum(1 for other in values if arith.gt(other, mine)) for mine in values]


def test_a_run_of_spreadsheet_equal_values_shares_a_rank():
    """Ten values each an ulp apart are all equal to a spreadsheet: one rank for all."""
    nets = [_near(45000.0, k) for k in range(10)] + [46000.0, 44000.0]
    ranks = priorities.ranks([3] * len(nets), nets)
    assert ranks == old_ranks([3] * len(nets), nets) == [2] * 10 + [1, 12]


def test_ranks_count_higher_scores_first():
    assert priorities.ranks([1, 3, 3, 0, 2], [9e9, 1.0, 2.0, 5.0, -1.0]) == [4, 2, 1, 5, 3]


KEYS = st.sampled_from(["A", "B", "b", "C", None])
WHEN = st.one_of(st.none(), st.dates(date(2027, 1, 1), date(2027, 1, 5)))


@given(st.lists(st.tuples(st.sampled_from(["A", "B", "C"]), WHEN, st.integers()), max_size=30))
def test_latest_and_later_entries_are_the_pairwise_ones(entries):
    found = reviews.latest_by_key(entries)
    for key in ("A", "B", "C", "D"):
        assert found.get(key) == reviews.latest(entries, key)
    assert reviews.later_entries(entries) == [old_rank(entries, i) for i in range(len(entries))]


AMOUNTS = st.one_of(st.floats(-1e9, 1e9, allow_nan=False), st.just(0.1), st.just(0.2))


@given(st.lists(st.tuples(KEYS, AMOUNTS), max_size=30),
       st.lists(st.sampled_from(["A", "B", "b", "C", "D"]), max_size=6))
def test_totals_counts_and_means_by_title_are_the_per_title_ones(pairs, titles):
    assert links.linked_totals(titles, pairs) == [links.linked_total(t, pairs) for t in titles]
    names = [link for link, _ in pairs]
    assert links.counts_naming(titles, names) == [links.count_naming(t, names) for t in titles]
    progress = [(link, None if amount < 0 else amount) for link, amount in pairs]
    assert links.means_by(titles, progress) == [
        links.mean(v for link, v in progress if link == t) for t in titles]


@settings(max_examples=150, deadline=None)
def reference_team_flag(action: Action, team: Sequence[TeamMember]) -> str | None:
    """The per-item definition (the calc module's before it looked each person up once):
    what the action plan flags about an action's person: ``no_person`` (effort but
    nobody), ``not_on_team`` (someone the team does not list, when it lists anyone),
    ``delegate`` (an activity in the person's competence or incompetence zone)."""
    if not action.who:
        return "no_person" if (action.effort or 0) > 0 else None
    if not team:
        return None
    person = next((p for p in team if people.same_name(p.name, action.who)), None)
    if person is None:
        return "not_on_team"
    if not action.activity:
        return None
    zones = (people.zone_text(person.competence), people.zone_text(person.incompetence))
    return "delegate" if any(people.in_zone(action.activity, z) for z in zones) else None


@given(plans(max_items=10))
def test_the_people_pillar_is_the_per_item_one(plan: Plan):
    """Each person's actions, flags and efforts, and the survey's shares, found once for all
    are what the per-item functions give."""
    start = reviews.plan_start(plan)
    months = people.month_bounds(start)
    assert [row.loads for row in people.workload(plan.team, plan.actions, start)] == [
        tuple(people.person_loads(p.name, plan.actions, months)) for p in plan.team]
    assert people.team_flags(plan.actions, plan.team) == [
        reference_team_flag(a, plan.team) for a in plan.actions]
    assert people.assigned_efforts(plan.team, plan.actions) == [
        people.assigned_effort(p.name, plan.actions) for p in plan.team]
    assert people.retained_all(plan.survey, plan.priorities) == [
        people.retained(e, plan.priorities) for e in plan.survey]
    titles = [p.title for p in plan.priorities] + ["nobody's", *(e.priority or "" for e in
                                                                plan.survey)]
    assert people.named_shares(plan.survey, titles) == [
        people.named_share(plan.survey, t) for t in titles]


@settings(max_examples=100, deadline=None)
@given(plans(max_items=10))
def test_plan_results_keep_the_pairwise_ranks(plan: Plan):
    """compute() on a whole plan: the priorities' and segments' ranks, the funded amounts,
    the latest decisions and the measures' ranks are the pairwise definitions'."""
    results = compute(plan, date(2027, 6, 30))
    nets = [priorities.net(p.impact, p.cost) for p in plan.priorities]
    assert [r.rank for r in results.priorities] == old_ranks(
        [p.score for p in plan.priorities], nets)
    assert [s.rank for s in results.segments] == old_ranks_by_value(
        [s.value for s in results.segments])
    uses = [(u.priority, total) for u, total in zip(plan.funding.uses, results.uses_yearly,
                                                    strict=True)]
    assert [r.funded for r in results.priorities] == [
        links.linked_total(p.title, uses) for p in plan.priorities]
    assert [s.actions for s in results.segments] == [
        links.count_naming(s.name, [a.segment for a in plan.actions]) for s in plan.segments]
