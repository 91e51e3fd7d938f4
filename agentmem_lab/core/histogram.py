"""Latency histograms (HdrHistogram): a run of millions of calls stays a few kilobytes.

Values are recorded in microseconds, from 1 µs to an hour, to 3 significant digits (a
recorded value is within 0.1 % of the true one). A histogram travels as HdrHistogram's
own compressed base64 text, so shards' histograms add up and another tool can read them.
"""

from __future__ import annotations

from collections.abc import Iterable

from hdrh.histogram import HdrHistogram

LOWEST_US = 1
HIGHEST_US = 3600 * 1_000_000
DIGITS = 3
#: The percentiles every latency summary of the offered-load figures gives.
PERCENTILES = {"p50": 50.0, "p90": 90.0, "p99": 99.0, "p99.9": 99.9}


def new() -> HdrHistogram:
    return HdrHistogram(LOWEST_US, HIGHEST_US, DIGITS)


def of_seconds(values: Iterable[float]) -> HdrHistogram:
    """A histogram of durations in seconds (recorded in µs; clamped to its range)."""
    h = new()
    for v in values:
        h.record_value(min(max(int(round(v * 1e6)), LOWEST_US), HIGHEST_US))
    return h


def summary_ms(h: HdrHistogram) -> dict[str, float]:
    """p50, p90, p99, p99.9, max and mean in milliseconds, and the count."""
    out = {k: h.get_value_at_percentile(q) / 1000.0 for k, q in PERCENTILES.items()}
    out["max"] = h.get_max_value() / 1000.0
    out["mean"] = h.get_mean_value() / 1000.0
    out["n"] = float(h.get_total_count())
    return out


def encode(h: HdrHistogram) -> str:
    return h.encode().decode("ascii")  # type: ignore[no-any-return]


def decode(text: str) -> HdrHistogram:
    return HdrHistogram.decode(text.encode("ascii"))


__all__ = [
    "DIGITS",
    "HIGHEST_US",
    "LOWEST_US",
    "PERCENTILES",
    "decode",
    "encode",
    "new",
    "of_seconds",
    "summary_ms",
]
