"""Embedders that do no real work: the seed's embedding latencies slept (the simulated
profile), and nothing at all (the harness's own cost).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from agentmem_lab.core import seedmodel, simclock
from agentmem_lab.embedders.base import DEFAULT_DIM, Embedder, Vectors


class SimulatedEmbedder(Embedder):
    """Sleeps the seed's embedding latency instead of working; returns unit vectors."""

    name = "simulated"

    def encode(self, texts: Sequence[str]) -> Vectors:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        out[:, 0] = 1.0
        return out

    async def embed_batch(self, texts: Sequence[str]) -> Vectors:
        await simclock.after(seedmodel.embed_latency_ms(len(texts)) / 1000.0)
        return self.encode(texts)

    def settings(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "dim": self.dim,
            "latency_model_ms": {str(n): ms for n, ms in seedmodel.EMBED_POINTS},
        }


class NullEmbedder(Embedder):
    """Returns ready-made unit vectors without work: what the harness around an embedder costs
    (its output is still checked, as every embedder's is)."""

    name = "null"

    def __init__(self, dim: int = DEFAULT_DIM) -> None:
        self.dim = dim
        self._rows = np.zeros((1, dim), dtype=np.float32)
        self._rows[:, 0] = 1.0

    def encode(self, texts: Sequence[str]) -> Vectors:
        if len(self._rows) < len(texts):
            self._rows = np.zeros((len(texts), self.dim), dtype=np.float32)
            self._rows[:, 0] = 1.0
        rows: Vectors = self._rows[: len(texts)]
        return rows
