"""Summary statistics of raw samples. Never drops outliers; keeps the samples beside."""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Sequence
from functools import cache


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) of sorted values, linear interpolation between ranks.

    The same definition as numpy's default (``method="linear"``).
    """
    if not sorted_values:
        raise ValueError("percentile of no samples")
    if not 0.0 <= q <= 100.0:
        raise ValueError(f"percentile must be within 0..100, got {q}")
    pos = (len(sorted_values) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    frac = pos - lo
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * frac


def summarize(samples: Sequence[float]) -> dict[str, float]:
    """p50, p95, p99, mean, min, max and the sample count."""
    if not samples:
        raise ValueError("summarize needs at least one sample")
    xs = sorted(float(x) for x in samples)
    return {
        "p50": percentile(xs, 50),
        "p95": percentile(xs, 95),
        "p99": percentile(xs, 99),
        "mean": math.fsum(xs) / len(xs),
        "min": xs[0],
        "max": xs[-1],
        "n": float(len(xs)),
    }


def split_sizes(n: int, parts: int) -> list[int]:
    """How many of ``n`` calls each of ``parts`` repeats runs (the first ones one more)."""
    base, extra = divmod(n, parts)
    return [base + (1 if p < extra else 0) for p in range(parts)]


def median_interval(
    values: Sequence[float], resamples: int = 2000, seed: int = 0
) -> tuple[float, float]:
    """A bootstrap 95 % interval of the median of ``values`` (independent samples: one per
    process), by resampling with replacement; a single value is its own interval."""
    xs = [float(v) for v in values]
    if not xs:
        raise ValueError("an interval of no samples")
    if len(xs) == 1:
        return xs[0], xs[0]
    rng = random.Random(seed)
    medians = sorted(statistics.median(rng.choices(xs, k=len(xs))) for _ in range(resamples))
    return percentile(medians, 2.5), percentile(medians, 97.5)


@cache
def _orderings(m: int, n: int, u: int) -> int:
    """How many orderings of m and n values give the Mann-Whitney statistic u."""
    if u < 0:
        return 0
    if m == 0 or n == 0:
        return 1 if u == 0 else 0
    return _orderings(m, n - 1, u) + _orderings(m - 1, n, u - n)


def mann_whitney(a: Sequence[float], b: Sequence[float]) -> float:
    """The Mann-Whitney U test's p-value as asv computes it for small samples (exact,
    ties broken towards the least significant): the tail at the smaller U plus the
    opposite tail beyond it. Used on per-process values (a handful a side); for 6 against
    6 completely apart it gives 1/924 = 0.0011, and 5 against 5 never goes below 1/252."""
    m, n = len(a), len(b)
    if m == 0 or n == 0:
        return 1.0
    u = sum(1 for x in a for y in b if x > y)
    ties = sum(1 for x in a for y in b if x == y)
    half = m * n // 2
    if u <= half <= u + ties:
        ties = half - u
    low, high = min(u, m * n - u), min(u + ties, m * n - (u + ties))
    ux = max(low, high)
    total = math.comb(m + n, m)

    def cdf(k: int) -> float:
        return sum(_orderings(m, n, j) for j in range(k + 1)) / total

    return min(1.0, cdf(ux) + 1.0 - cdf(m * n - ux))


def smallest_p(m: int, n: int) -> float:
    """The smallest p-value ``mann_whitney`` can give for m against n samples."""
    return 1.0 / math.comb(m + n, min(m, n)) if m and n else 1.0
