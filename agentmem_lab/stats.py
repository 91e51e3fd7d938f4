"""Summary statistics of raw samples. Never drops outliers; keeps the samples beside."""

from __future__ import annotations

import math
from typing import Sequence


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
