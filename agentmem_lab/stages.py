"""Stage claims measured as stages: the embedder alone, and the stores alone.

The seed claims speed-ups of single stages: batch embedding "5x" at 10 texts, "10x" at 100
and "5-10x" in general; parallel writes "2-3x". A whole write path mixes them with every
other stage, so they are measured apart, in the sweep that judges them:

- **embed**: for each embedder and each batch size n (10, 100, 1,000), ``embed_batch`` of
  n texts against n single-text embeds: speed-up = n x (latency of one single embed) /
  (latency of the batch). Single embeds are timed on up to ``SINGLES`` texts (the per-text
  latency of a sample), the batch on all n; rounds by turns, medians;
- **writes**: the three store writes of one item one after another (sequential) against
  concurrently (parallel), over real stores (SQLite, usearch), with the embedding taken
  out: every vector is computed before the clock starts. Speed-up = parallel throughput /
  sequential throughput, rounds by turns on fresh stores, medians.

The result is ``stages.json`` in the sweep folder (``STAGES_FILE``), read by the targets.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from . import environment
from .corpus import generate_lines, make_items
from .driver import chunks, drive
from .embedders import Embedder, HashEmbedder, Vectors, get_embedder
from .modes import MODES
from .records import MemoryItem
from .results import STAGES_FILE, write_json_atomic
from .stores import StoreSettings, real_stores

#: Version of stages.json; bumped, with a comment, whenever its shape changes.
STAGES_VERSION = 1
BATCHES = (10, 100, 1000)
SINGLES = 200  # single embeds timed per batch size (the per-text latency of a sample)
WRITE_ITEMS = 400


async def _embed_round(embedder: Embedder, texts: Sequence[str], n: int) -> tuple[float, float]:
    """(seconds per single embed, seconds of one batch of n)."""
    singles = texts[:min(n, SINGLES)]
    t0 = time.perf_counter()
    for text in singles:
        await embedder.embed_batch([text])
    single = (time.perf_counter() - t0) / len(singles)
    t0 = time.perf_counter()
    await embedder.embed_batch(list(texts[:n]))
    return single, time.perf_counter() - t0


async def embed_speedups(embedder: Embedder, rounds: int = 3,
                         batches: Sequence[int] = BATCHES) -> dict[str, Any]:
    """Batch embedding against single embeds, per batch size (medians of ``rounds``)."""
    texts = [line.content for line in generate_lines(max(batches), seed=101)]
    await embedder.embed_batch(texts[:10])  # warm: a model's first call loads it
    out: dict[str, Any] = {}
    for n in batches:
        singles, batch = [], []
        for _ in range(rounds):
            s, b = await _embed_round(embedder, texts, n)
            singles.append(s)
            batch.append(b)
        s, b = statistics.median(singles), statistics.median(batch)
        out[str(n)] = {"texts": n, "single_ms": s * 1000.0, "batch_ms": b * 1000.0,
                       "speedup": n * s / b if b > 0 else None,
                       "singles_timed": min(n, SINGLES), "rounds": rounds}
    return out


class _Precomputed(Embedder):
    """The embedding taken out: vectors computed before the clock starts, looked up."""

    name = "precomputed"

    def __init__(self, vectors: dict[str, Vectors], dim: int) -> None:
        self.vectors = vectors
        self.dim = dim

    def encode(self, texts: Sequence[str]) -> Vectors:
        return np.stack([self.vectors[t] for t in texts])


async def _writes_round(mode: str, items: Sequence[MemoryItem], embedder: Embedder,
                        directory: Path) -> float:
    stores = real_stores(directory, StoreSettings(), embedder.dim)
    async with stores:
        adder = MODES.get(mode)(embedder, stores)
        records, wall = await drive(adder, chunks(items, 1), 1)
    return sum(len(r.acked) for r in records) / wall


async def write_speedup(rounds: int = 3, n: int = WRITE_ITEMS) -> dict[str, Any]:
    """Parallel writes against sequential writes, the embedding taken out (medians)."""
    items = make_items(n, seed=202)
    hashed = HashEmbedder()
    vectors = hashed.encode([i.content for i in items])
    embedder = _Precomputed({i.content: v for i, v in zip(items, vectors)}, hashed.dim)
    rates: dict[str, list[float]] = {"sequential": [], "parallel": []}
    with tempfile.TemporaryDirectory(prefix="agentmem-lab-stages-") as tmp:
        for k in range(rounds):
            for mode in ("sequential", "parallel"):  # by turns
                rates[mode].append(await _writes_round(mode, items, embedder,
                                                       Path(tmp) / f"{mode}-{k}"))
    seq, par = statistics.median(rates["sequential"]), statistics.median(rates["parallel"])
    return {"items": n, "rounds": rounds, "sequential_ops_s": seq, "parallel_ops_s": par,
            "speedup": par / seq if seq > 0 else None,
            "stores": "core and history in SQLite (aiosqlite), vectors in usearch (defaults)"}


def measure(embedders: Sequence[str], rounds: int = 3,
            onnx_threads: int | None = None) -> dict[str, Any]:
    """Every stage figure, for the embedders named (the sweep's real ones)."""
    async def go() -> dict[str, Any]:
        out: dict[str, Any] = {"embed": {}, "writes": await write_speedup(rounds)}
        for name in embedders:
            embedder = get_embedder(name, onnx_threads=onnx_threads)
            try:
                out["embed"][name] = await embed_speedups(embedder, rounds)
            finally:
                embedder.close()
        return out

    figures = asyncio.run(go())
    return {"version": STAGES_VERSION, "pid": os.getpid(),
            "environment": environment.capture(), **figures}


def write(directory: str | Path, figures: dict[str, Any]) -> Path:
    path = Path(directory) / STAGES_FILE
    write_json_atomic(path, figures)
    return path


__all__ = ["BATCHES", "STAGES_FILE", "STAGES_VERSION", "embed_speedups", "measure", "write",
           "write_speedup"]
