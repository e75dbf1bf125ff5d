"""Unit and property tests of the pure calculations."""

from __future__ import annotations

import math
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xlplan.calc import arith, customers, funding, kpis, objectives, priorities, reviews
from xlplan.calc.actions import completion, duration_days, is_late
from xlplan.calc.kpis import KpiStatus
from xlplan.model import Action, Cadence, Direction, FundingLine, Objective, Quadrant, Status

FRACTIONS = st.floats(0, 0.999)
MONEY = st.floats(-1e7, 1e7, allow_nan=False)


def test_kpi_gap_attainment_and_status_from_the_issue():
    """Revenue 1.05M against 1.2M: gap -150k, -12.5 %, 87.5 % attained: red at 0.9."""
    assert kpis.gap(1_200_000, 1_050_000) == -150_000
    assert kpis.gap_ratio(1_200_000, 1_050_000) == pytest.approx(-0.125)
    assert kpis.attainment(1_200_000, 1_050_000) == pytest.approx(0.875)
    assert kpis.status(0.875) is KpiStatus.RED
    assert kpis.status(0.875, amber_threshold=0.85) is KpiStatus.AMBER


def test_lower_is_better_inverts_attainment():
    """A return rate of 7 % against a 5 % target attains 5/7."""
    assert kpis.attainment(0.05, 0.07, Direction.LOWER) == pytest.approx(0.05 / 0.07)
    assert kpis.attainment(20, 0, Direction.LOWER) is None


def test_kpi_without_actual_has_no_result():
    """A KPI not yet measured has no gap, attainment or status."""
    assert kpis.gap(10, None) is None and kpis.attainment(10, None) is None
    assert kpis.status(None) is None


def test_status_threshold_uses_spreadsheet_equality():
    """0.1 + 0.2 reaches a 0.3 target as in the sheet: green, not red by 1 ulp."""
    assert kpis.status(kpis.attainment(0.3, 0.1 + 0.2)) is KpiStatus.GREEN


@given(st.floats(0.01, 1e6), st.floats(0.01, 1e6))
def test_attainment_directions_are_reciprocal(target, actual):
    """Higher-is-better and lower-is-better attainments multiply to 1."""
    up = kpis.attainment(target, actual, Direction.HIGHER)
    down = kpis.attainment(target, actual, Direction.LOWER)
    assert up is not None and down is not None
    assert up * down == pytest.approx(1.0)


@given(st.floats(0, 10), st.floats(0.5, 1))
def test_status_is_monotonic_in_attainment(attained, threshold):
    """Green iff attainment >= 1; amber only between the threshold and 1."""
    status = kpis.status(attained, threshold)
    assert (status is KpiStatus.GREEN) == arith.ge(attained, 1.0)
    if status is KpiStatus.AMBER:
        assert arith.ge(attained, threshold) and attained < 1


def test_ltv_matches_the_issue_formula():
    """Grands comptes: q = 0.85/1.1, 5 years, 18k margin, 5k acquisition cost."""
    q = 0.85 / 1.1
    expected = 18000 * (1 - q**5) / (1 - q) - 5000
    assert customers.lifetime_value(18000, 0.85, 0.10, 5, 5000) == pytest.approx(expected)
    assert customers.lifetime_value(100, 1.0, 0.0, 4, 50) == 350  # q = 1: margin * horizon
    assert customers.lifetime_value(100, 0.5, 0.0, None, 0) == pytest.approx(200)  # 100/(1-.5)


def test_ltv_infinite_without_horizon_is_refused():
    """q = 1 and no horizon has no finite value."""
    with pytest.raises(ValueError, match="infinite"):
        customers.lifetime_value(100, 1.0, 0.0, None)


@given(st.floats(1, 1e5), FRACTIONS, st.floats(0, 0.5))
def test_ltv_grows_with_horizon_towards_the_perpetuity(margin, retention, rate):
    """More years never lower the value, and never pass the no-horizon value."""
    values = [customers.lifetime_value(margin, retention, rate, h) for h in (1, 2, 5, 20)]
    forever = customers.lifetime_value(margin, retention, rate, None)
    assert values == sorted(values)
    assert values[-1] <= forever * (1 + 1e-12)
    assert values[0] == pytest.approx(margin)


def test_survival_avoids_underflow():
    """q^h too small to matter is 0 (a sheet would raise #NUM! computing it)."""
    assert customers.survival(2.5e-249, 18) == 0.0
    assert customers.survival(0.5, 2) == 0.25
    assert customers.survival(0.0, 3) == 0.0


def test_priority_decision_net_roi():
    """Scores map to the method's decisions; ROI is empty when cost is 0."""
    assert [priorities.decision(s).value for s in (3, 2, 1, 0)] == [
        "top", "evaluate", "on_hold", "discarded"]
    assert priorities.net(60000, 15000) == 45000
    assert priorities.roi(60000, 15000) == 3.0
    assert priorities.roi(100, 0) is None
    with pytest.raises(ValueError):
        priorities.decision(5)


@given(st.lists(st.tuples(st.integers(0, 3), MONEY), min_size=1, max_size=30))
def test_ranks_order_by_score_then_net(items):
    """A priority never ranks after one with a lower score, or same score and lower net."""
    scores, nets = [s for s, _ in items], [n for _, n in items]
    ranks = priorities.ranks(scores, nets)
    assert min(ranks) == 1
    for i, (si, ni) in enumerate(items):
        for j, (sj, nj) in enumerate(items):
            if si > sj or (si == sj and arith.gt(ni, nj)):
                assert ranks[i] < ranks[j]


def test_matrix_flags_quadrants_without_top_priority():
    """Each quadrant lists its score-3 priorities in order; an empty one is flagged."""
    items = [("A", Quadrant.ATTACK_SELL, 3), ("B", Quadrant.ATTACK_SELL, 3),
             ("C", Quadrant.DEFEND_SELL, 2)]
    view = priorities.matrix(items)
    assert view[Quadrant.ATTACK_SELL].top_titles == ("A", "B")
    assert view[Quadrant.DEFEND_SELL].missing_top
    assert priorities.quadrant_slots(items) == [1, 2, None]


def line(month: int, amount: float, monthly: bool = False) -> FundingLine:
    return FundingLine(label="x", month=month, amount=amount, monthly=monthly)


def test_funding_from_the_method_article():
    """A 50/month CRM paid by a 50/month saving is neutral; a month-3 purchase shows up."""
    plan = funding.funding_plan(100, [line(1, 50, True), line(3, 400)], [line(1, 50, True)])
    assert plan.uses[0] == 50 and plan.uses[2] == 450
    assert plan.cumulative[1] == 100 and plan.cumulative[2] == -300
    assert plan.first_negative_month == 3 and not plan.fundable
    assert plan.gap == 100 + 600 - 1000
    assert plan.min_balance == -300


@given(MONEY, st.lists(st.tuples(st.integers(1, 12), st.integers(0, 10**7), st.booleans()),
                       max_size=8),
       st.lists(st.tuples(st.integers(1, 12), st.integers(0, 10**7), st.booleans()),
                max_size=8))
def test_funding_balance_ends_at_the_gap(opening, uses, sources):
    """Month 12's cumulative balance is the funding gap; fundable iff no month is below 0."""
    plan = funding.funding_plan(opening, [line(m, a / 100, r) for m, a, r in uses],
                                [line(m, a / 100, r) for m, a, r in sources])
    assert plan.cumulative[-1] == pytest.approx(plan.gap, abs=1e-6)
    assert plan.fundable == all(not arith.lt(b, 0) for b in plan.cumulative)
    assert math.isclose(plan.total_uses, sum(funding.yearly_total(line(m, a / 100, r))
                                             for m, a, r in uses), abs_tol=1e-6)


def test_actions_late_completion_duration():
    """Late = not done and due before the as-of date; completion = done / all."""
    done = Action(what="a", status=Status.DONE, due=date(2027, 1, 1))
    late = Action(what="b", due=date(2027, 1, 10))
    future = Action(what="c", start=date(2027, 1, 1), due=date(2027, 3, 1))
    as_of = date(2027, 1, 15)
    assert [is_late(a, as_of) for a in (done, late, future)] == [False, True, False]
    assert completion([done, late, future]) == pytest.approx(1 / 3)
    assert completion([]) == 0
    assert duration_days(future.start, future.due) == 59


@given(st.dates(date(2000, 1, 1), date(2100, 12, 31)), st.sampled_from(list(Cadence)),
       st.dates(date(2000, 1, 1), date(2100, 12, 1)))
def test_next_review_is_the_next_period_start(as_of, cadence, start):
    """The next review is the first day of the next period of the plan (periods follow its
    first month), within one period ahead."""
    start = start.replace(day=1)
    review = reviews.next_review(start, cadence.months, as_of)
    if as_of < start:
        assert review == start
        return
    assert review > as_of and review.day == 1
    since_start = (review.year - start.year) * 12 + review.month - start.month
    assert since_start % cadence.months == 0
    months_ahead = (review.year - as_of.year) * 12 + review.month - as_of.month
    assert 1 <= months_ahead <= cadence.months


def test_smart_reports_missing_elements():
    """An objective with only a title lacks M, T, its why and its owner."""
    bare = Objective(title="Grow")
    assert objectives.missing_smart(bare) == ("M", "T", "why", "owner")
    full = Objective(title="Grow", measure="clients", target=5, deadline=date(2027, 1, 1),
                     why="reach", owner="Léa")
    assert objectives.missing_smart(full) == ()


@given(st.floats(-1e12, 1e12), st.floats(-1e12, 1e12))
def test_spreadsheet_subtraction_cancels_near_equal_values(a, b):
    """a - b is 0 exactly when the engine would see a and b as equal."""
    assert (arith.sub(a, b) == 0) == (a == b or (a * b > 0 and arith.approx_equal(a, b)))
