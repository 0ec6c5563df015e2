"""Medians, spreads and percentiles, and how they are written in the tables."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

# Written by name: ruff flags the bare characters as look-alikes of x and -.
TIMES = "\N{MULTIPLICATION SIGN}"
DASH = "\N{EN DASH}"


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else math.nan


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of already sorted values, as wrk reports it."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return float(sorted_values[min(rank, len(sorted_values)) - 1])


def number(value: float, digits: int = 0) -> str:
    if math.isnan(value):
        return "n/a"
    return f"{value:,.{digits}f}"


def with_spread(values: Sequence[float], digits: int = 0) -> str:
    """`median (min-max)`, or the single figure when there is only one run."""
    if not values:
        return "n/a"
    mid = number(median(values), digits)
    if len(values) == 1:
        return mid
    return f"{mid} ({number(min(values), digits)}{DASH}{number(max(values), digits)})"


def ratio(numerator: float, denominator: float) -> float:
    if denominator == 0 or math.isnan(numerator) or math.isnan(denominator):
        return math.nan
    return numerator / denominator


def times(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.2f}{TIMES}"
