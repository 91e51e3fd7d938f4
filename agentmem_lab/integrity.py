"""After a run: is every acknowledged item in all three stores, and nothing else?

Also the vector index's self-recall (an item's own text finds it at rank 1) and, for
real stores, search latency and recall@10 against exact search over the same vectors.
"""

from __future__ import annotations

import random
import time
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np
import numpy.typing as npt

from .corpus import generate_lines
from .embedders import Embedder
from .records import MemoryItem
from .stats import summarize

if TYPE_CHECKING:
    from .systems import Searcher

#: Similarity tolerance for ties (a returned key counts when it is as similar as the best).
TIE_EPS = 1e-5


def integrity_counts(keys: dict[str, set[int]], acked: set[int], failed: int) -> dict[str, Any]:
    """Counts: acknowledged, failed, per-store totals, lost (acknowledged but missing from
    some store) and orphans (stored somewhere but never acknowledged)."""
    everywhere = keys["core"] & keys["vector"] & keys["history"]
    anywhere = keys["core"] | keys["vector"] | keys["history"]
    return {
        "acknowledged": len(acked),
        "failed": failed,
        "core": len(keys["core"]),
        "vector": len(keys["vector"]),
        "history": len(keys["history"]),
        "lost": len(acked - everywhere),
        "orphans": len(anywhere - acked),
    }


async def self_recall_at_1(vector: "Searcher | None", embedder: Embedder,
                           items: Sequence[MemoryItem], sample: int = 1000,
                           seed: int = 0) -> float | None:
    """Share of a sample of stored items whose own text finds them at rank 1 (tie-aware).

    None when the system cannot search (simulated profile), nothing is stored, or the
    sample is 0.
    """
    if vector is None or not items or sample <= 0:
        return None
    chosen = random.Random(seed).sample(list(items), min(sample, len(items)))
    queries = await embedder.embed_batch([i.content for i in chosen])
    keys, dists = await vector.search(queries, 10)
    hits = 0
    for item, row_keys, row_d in zip(chosen, keys, dists):
        where = np.flatnonzero(row_keys == np.uint64(item.key))
        if where.size and row_d[where[0]] <= row_d[0] + TIE_EPS:
            hits += 1
    return hits / len(chosen)


def exact_topk_recall(found: npt.NDArray[Any], base_keys: npt.NDArray[np.uint64],
                      base: npt.NDArray[np.float32], queries: npt.NDArray[np.float32],
                      k: int = 10) -> float:
    """Tie-aware recall@k: a returned key counts when its exact cosine similarity to the
    query is at least the k-th best exact similarity over all stored vectors."""
    if len(base_keys) == 0:
        return float("nan")
    k_eff = min(k, len(base_keys))
    sims = queries @ base.T  # unit vectors: cosine similarity
    kth = -np.partition(-sims, k_eff - 1, axis=1)[:, k_eff - 1]
    position = {int(key): i for i, key in enumerate(base_keys)}
    hits = 0
    for q, row in enumerate(found):
        for key in row[:k_eff]:
            i = position.get(int(key))
            if i is not None and sims[q, i] >= kth[q] - TIE_EPS:
                hits += 1
    return hits / (len(found) * k_eff)


async def search_figures(vector: "Searcher | None", embedder: Embedder,
                         stored: Sequence[MemoryItem], queries: Sequence[str],
                         k: int = 10) -> dict[str, Any] | None:
    """Search latency (one query per call, through the system's search) and recall@10
    against exact search over the embedder's float vectors of everything stored."""
    if vector is None or not stored or not queries:
        return None
    qv = await embedder.embed_batch(list(queries))
    base = await embedder.embed_batch([i.content for i in stored])
    base = base / np.maximum(np.linalg.norm(base, axis=1, keepdims=True), 1e-12)
    qv = qv / np.maximum(np.linalg.norm(qv, axis=1, keepdims=True), 1e-12)
    base_keys = np.fromiter((i.key for i in stored), dtype=np.uint64, count=len(stored))
    latencies: list[float] = []
    found: list[npt.NDArray[Any]] = []
    for row in qv:
        t0 = time.perf_counter()
        keys, _ = await vector.search(row[None, :], k)
        latencies.append((time.perf_counter() - t0) * 1000.0)
        found.append(keys[0])
    s = summarize(latencies)
    return {
        "queries": len(queries),
        "k": k,
        "p50_ms": s["p50"],
        "p99_ms": s["p99"],
        "recall_at_10": exact_topk_recall(np.array(found), base_keys, base, qv, k),
    }


#: The search queries' generator seed is the run's seed plus this (queries differ from items).
QUERY_SEED_OFFSET = 1_000_003


async def run_checks(keys: dict[str, set[int]], searcher: "Searcher | None",
                     embedder: Embedder, stored: Sequence[MemoryItem], acked: set[int],
                     failed: int, seed: int, search_queries: int,
                     self_recall_sample: int = 1000
                     ) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Every check after the writes, for one process's stores or every shard's: the
    integrity counts with self-recall, and the search figures."""
    integrity = integrity_counts(keys, acked, failed)
    integrity["self_recall_at_1"] = await self_recall_at_1(searcher, embedder, stored,
                                                           self_recall_sample, seed)
    queries = [line.content for line in generate_lines(search_queries,
                                                        seed=seed + QUERY_SEED_OFFSET)]
    return integrity, await search_figures(searcher, embedder, stored, queries)
