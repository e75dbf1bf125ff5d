"""Spreadsheet arithmetic, so that Python and the workbook's formulas agree to the bit.

Spreadsheet engines treat two doubles within about 2^-48 of each other as equal: ``=`` and
``>=`` compare that way, and ``a-b`` gives exactly 0 when ``a`` and ``b`` are that close
(LibreOffice's ``rtl::math::approxEqual`` and ``approxSub``). A threshold test in Python
(``attainment >= 1``, ``balance < 0``) must follow the same rule, or the two disagree on values
such as ``0.1 + 0.2`` against ``0.3``.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Sequence

_EPSILON = 2.0**-48


def approx_equal(a: float, b: float) -> bool:
    """Equality as spreadsheet comparisons see it."""
    if a == b:
        return True
    if a == 0.0 or b == 0.0:
        return False
    diff = abs(a - b)
    return diff < abs(a) * _EPSILON and diff < abs(b) * _EPSILON


def add(a: float, b: float) -> float:
    """``a+b`` in a formula: opposite values that nearly cancel give exactly 0."""
    if ((a < 0 < b) or (b < 0 < a)) and approx_equal(a, -b):
        return 0.0
    return a + b


def sub(a: float, b: float) -> float:
    """``a-b`` in a formula: nearly equal values give exactly 0."""
    if ((a < 0 and b < 0) or (a > 0 and b > 0)) and approx_equal(a, b):
        return 0.0
    return a - b


def ge(a: float, b: float) -> bool:
    return a > b or approx_equal(a, b)


def gt(a: float, b: float) -> bool:
    return a > b and not approx_equal(a, b)


def lt(a: float, b: float) -> bool:
    return a < b and not approx_equal(a, b)


def count_greater(values: Sequence[float]) -> list[int]:
    """For each value, how many of ``values`` are ``gt`` it (greater, and not equal as a
    spreadsheet compares): what ``RANK`` and ``COUNTIF(range, ">"&x)`` count, in
    O(n log n) rather than comparing every pair.

    In sorted order, the values a spreadsheet deems equal to ``x`` among those above it come
    first: within 2^-48 of ``x``, the subtraction is exact (Sterbenz), and the test of
    ``approx_equal`` only gets harder further up. So each count is the values strictly above
    ``x``, less that first run, both found by bisection. A NaN (no order) is counted pair by
    pair."""
    if any(v != v for v in values):  # NaN
        return [sum(1 for other in values if gt(other, mine)) for mine in values]
    ordered = sorted(values)
    size = len(ordered)
    out = []
    for mine in values:
        above = bisect.bisect_right(ordered, mine)
        past_equal = bisect.bisect_left(ordered, True, above, size,
                                        key=lambda other: not approx_equal(other, mine))
        out.append(size - past_equal)
    return out


def ratio(numerator: float, denominator: float) -> float | None:
    """``a/b`` where a sheet can compute it: None when ``b`` is 0 or so small next to ``a``
    that the quotient would overflow a double (an engine gives #NUM! or #DIV/0!). The test
    is the formula's own, ``ABS(b)<=ABS(a)/1E+308``, which never overflows."""
    if not gt(abs(denominator), abs(numerator) / 1e308):
        return None
    return numerator / denominator


def total(values: Iterable[float]) -> float:
    """``SUM``/``SUMPRODUCT``: engines use compensated summation; fsum is its exact limit."""
    return math.fsum(values)
