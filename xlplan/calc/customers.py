"""Customer lifetime value per segment and the customer capital it adds up to."""

from __future__ import annotations

import math

from . import arith

# Below e^-700, q^horizon no longer changes 1 - q^horizon (a double cannot hold 1 - 1e-304),
# but spreadsheet engines raise #NUM! when a power underflows: the formula skips it, as here.
_NEGLIGIBLE_LOG = -700.0


def survival(q: float, horizon: int) -> float:
    """q^horizon, or 0 where it is too small to matter (and would underflow in a sheet)."""
    if q == 0 or horizon * math.log(q) < _NEGLIGIBLE_LOG:
        return 0.0
    return float(q**horizon)


def retention_factor(retention: float, discount_rate: float = 0.0) -> float:
    """q = retention / (1 + discount_rate): the discounted chance a customer stays a year."""
    return retention / (1 + discount_rate)


def lifetime_value(margin: float, retention: float, discount_rate: float = 0.0,
                   horizon: int | None = None, acquisition_cost: float = 0.0) -> float:
    """Discounted margin over the customer's life, less what acquiring them cost.

    ``margin * (1 - q^horizon) / (1 - q) - acquisition_cost``; ``margin * horizon - cost``
    when q is 1; ``margin / (1 - q) - cost`` with no horizon (an unbounded life).
    """
    q = retention_factor(retention, discount_rate)
    if arith.approx_equal(q, 1.0):
        if horizon is None:
            raise ValueError("lifetime value is infinite: retention factor 1 and no horizon")
        gross = margin * horizon
    elif horizon is None:
        gross = margin / arith.sub(1.0, q)
    else:
        gross = margin * arith.sub(1.0, survival(q, horizon)) / arith.sub(1.0, q)
    return arith.sub(gross, acquisition_cost)


def segment_value(customers: int, ltv: float) -> float:
    return customers * ltv


def customer_capital(segment_values: list[float]) -> float:
    return arith.total(segment_values)
