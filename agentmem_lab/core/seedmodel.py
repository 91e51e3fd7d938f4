"""The seed's latency model, computed: what AgentMem's report predicts for any mode and
batch size, from its own parameters.

The report assumes stage latencies (embedding 5 ms, core memory 10 ms, vector store 10 ms,
history 5 ms) and batch-embedding points (10 items 10 ms, 100 items 50 ms, 1,000 items
about 590 ms), and derives its figures from them:

- ``sequential``: per item, embed one text, then core, vector and history one after another;
- ``parallel``: per item, embed one text, then the slowest of the three writes;
- ``batch`` and ``bulk``: one batch embedding, then the slowest write (every write, or one
  bulk write per store, runs concurrently; the model has no per-request cost).

The model has no contention: C concurrent clients give C times the throughput of one.
These are **predictions**. The simulated profile measures the same model (its embedder and
stores wait these latencies), which calibrates the harness: measured minus computed is the
harness's own cost.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass

#: The seed's assumed embedding latency of one call: (texts, ms). Linear in between, and
#: beyond 1,000 texts at the last segment's slope.
EMBED_POINTS: tuple[tuple[int, float], ...] = ((1, 5.0), (10, 10.0), (100, 50.0), (1000, 590.0))
#: The write modes the model computes, in the order tables and figures show them: the
#: seed's three, then bulk (``workload.modes`` registers the ones a run measures).
MODE_ORDER = ("sequential", "parallel", "batch", "bulk")

#: The seed's assumed latency of one write (or one bulk write) per store, in ms.
STORE_LATENCY_MS: dict[str, float] = {"core": 10.0, "vector": 10.0, "history": 5.0}


def embed_latency_ms(n: int) -> float:
    """The model's latency for embedding ``n`` texts in one call, in ms."""
    if n <= 0:
        return 0.0
    xs = [p[0] for p in EMBED_POINTS]
    i = bisect_left(xs, n)
    if i < len(xs) and xs[i] == n:
        return EMBED_POINTS[i][1]
    if i == 0:
        return EMBED_POINTS[0][1]
    if i == len(xs):
        (x0, y0), (x1, y1) = EMBED_POINTS[-2], EMBED_POINTS[-1]
    else:
        (x0, y0), (x1, y1) = EMBED_POINTS[i - 1], EMBED_POINTS[i]
    return y0 + (y1 - y0) * (n - x0) / (x1 - x0)


@dataclass(frozen=True)
class Prediction:
    """The model's figures for one configuration. ``busy`` is how many clients the model
    keeps busy on average: ``concurrency``, or fewer in a run whose repeats hold fewer calls
    than clients (see ``for_run``)."""

    mode: str
    batch_size: int
    concurrency: int
    latency_ms: float  # one add call
    busy: float = 0.0  # 0: every client, all the time

    @property
    def clients_busy(self) -> float:
        return self.busy or float(self.concurrency)

    @property
    def throughput_ops_s(self) -> float:
        return self.clients_busy * self.batch_size / (self.latency_ms / 1000.0)

    def for_run(self, calls_per_repeat: Sequence[int]) -> Prediction:
        """The model applied to a run's shape: each repeat's calls taken by the clients in
        turn (``ceil(calls / concurrency)`` call latencies per repeat)."""
        calls = sum(calls_per_repeat)
        rounds = sum(-(-n // self.concurrency) for n in calls_per_repeat if n)
        busy = calls / rounds if rounds else float(self.concurrency)
        return Prediction(self.mode, self.batch_size, self.concurrency, self.latency_ms, busy)

    def metric(self, name: str) -> float:
        """``throughput_ops_s`` or ``latency_p50_ms`` (the names targets use)."""
        if name == "throughput_ops_s":
            return self.throughput_ops_s
        if name == "latency_p50_ms":
            return self.latency_ms
        raise ValueError(
            f"the seed model has no metric {name!r}; known: throughput_ops_s, latency_p50_ms"
        )


def predict(mode: str, batch_size: int, concurrency: int = 1) -> Prediction:
    """The seed model's call latency and throughput for a mode, batch size and concurrency."""
    if batch_size < 1 or concurrency < 1:
        raise ValueError(
            f"batch size and concurrency must be >= 1, got {batch_size}, {concurrency}"
        )
    writes = STORE_LATENCY_MS.values()
    one = embed_latency_ms(1)
    if mode == "sequential":
        latency = batch_size * (one + sum(writes))
    elif mode == "parallel":
        latency = batch_size * (one + max(writes))
    elif mode in ("batch", "bulk"):
        latency = embed_latency_ms(batch_size) + max(writes)
    else:
        raise ValueError(f"the seed model has no mode {mode!r}; known: {', '.join(MODE_ORDER)}")
    return Prediction(mode, batch_size, concurrency, latency)


__all__ = [
    "EMBED_POINTS",
    "MODE_ORDER",
    "STORE_LATENCY_MS",
    "Prediction",
    "embed_latency_ms",
    "predict",
]
