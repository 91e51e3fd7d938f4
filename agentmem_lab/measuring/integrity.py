"""After a run: is every acknowledged item in all three stores, and nothing else?

Also the vector index's self-recall (an item's own text finds it at rank 1) and, for
real stores, search latency and recall@10 against exact search over the same vectors.
"""

from __future__ import annotations

import random
import time
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from agentmem_lab.core.stats import summarize
from agentmem_lab.corpus import generate_lines
from agentmem_lab.corpus.datasets import iter_messages
from agentmem_lab.embedders import Embedder
from agentmem_lab.items import MemoryItem

if TYPE_CHECKING:
    from agentmem_lab.schema.run_settings import RunSettings
    from agentmem_lab.systems import Searcher

#: Similarity tolerance for ties (a returned key counts when it is as similar as the best).
TIE_EPS = 1e-5
#: A cosine distance this small is the query's own text, as an index's scalars round it.
SAME_TEXT_DISTANCE = 1e-2


KeyArray = npt.NDArray[np.uint64]


def key_array(keys: Iterable[int] | npt.NDArray[Any]) -> KeyArray:
    """Keys as a sorted array without repeats: 8 bytes a key, where a set of Python ints
    takes about 60 (the checks of a run of millions hold several)."""
    if isinstance(keys, np.ndarray):
        arr = keys.astype(np.uint64, copy=False)
    else:
        arr = np.fromiter(keys, dtype=np.uint64)
    out: KeyArray = np.unique(arr)
    return out


def integrity_counts(
    keys: Mapping[str, Iterable[int] | npt.NDArray[Any]],
    acked: Iterable[int] | npt.NDArray[Any],
    failed: int,
) -> dict[str, Any]:
    """Counts: acknowledged, failed, per-store totals, lost (acknowledged but missing from
    some store) and orphans (stored somewhere but never acknowledged). Sets or arrays of
    keys alike; the counting is on sorted arrays."""
    core, vector, history = (key_array(keys[name]) for name in ("core", "vector", "history"))
    acks = key_array(acked)
    everywhere = np.intersect1d(
        np.intersect1d(core, vector, assume_unique=True), history, assume_unique=True
    )
    anywhere = np.union1d(np.union1d(core, vector), history)
    return {
        "acknowledged": len(acks),
        "failed": failed,
        "core": len(core),
        "vector": len(vector),
        "history": len(history),
        "lost": len(np.setdiff1d(acks, everywhere, assume_unique=True)),
        "orphans": len(np.setdiff1d(anywhere, acks, assume_unique=True)),
    }


def reservoir(items: Iterable[MemoryItem], k: int, seed: int = 0) -> list[MemoryItem]:
    """A seeded uniform sample of ``k`` items from a stream of any length, in one pass
    (``Reservoir``)."""
    r = Reservoir(k, seed)
    r.extend(items)
    return r.items


class Reservoir:
    """A uniform sample of at most ``k`` items of a stream seen in parts (Algorithm R,
    seeded: the same stream and seed, the same sample)."""

    def __init__(self, k: int, seed: int = 0) -> None:
        self.k = max(k, 0)
        self.items: list[MemoryItem] = []
        self.seen = 0
        self._rng = random.Random(seed)

    def extend(self, items: Iterable[MemoryItem]) -> None:
        for item in items:
            self.seen += 1
            if len(self.items) < self.k:
                self.items.append(item)
            else:
                j = self._rng.randrange(self.seen)
                if j < self.k:
                    self.items[j] = item


async def self_recall_at_1(
    vector: Searcher | None, embedder: Embedder, chosen: Sequence[MemoryItem]
) -> float | None:
    """Share of sampled stored items whose own text finds them at rank 1 (tie-aware): the
    item is returned at the first result's distance, or the 10 results tie at a distance
    of at most ``SAME_TEXT_DISTANCE`` from the query (a text stored more than 10 times,
    as a chat repeats "lol": the item is in that tie, at rank 1, where the 10 cannot show
    it).

    None when the system cannot search (simulated profile) or the sample is empty.
    """
    if vector is None or not chosen:
        return None
    queries = await embedder.embed_batch([i.content for i in chosen])
    keys, dists = await vector.search(queries, 10)
    hits = 0
    for item, row_keys, row_d in zip(chosen, keys, dists):
        where = np.flatnonzero(row_keys == np.uint64(item.key))
        if (where.size and row_d[where[0]] <= row_d[0] + TIE_EPS) or (
            not where.size
            and len(row_d) == 10
            and row_d[0] <= SAME_TEXT_DISTANCE
            and row_d[-1] <= row_d[0] + TIE_EPS
        ):
            hits += 1
    return hits / len(chosen)


def unit_rows(vectors: npt.NDArray[Any]) -> npt.NDArray[np.float32]:
    """Rows scaled to length 1 (cosine similarity is then a dot product)."""
    v = np.asarray(vectors, dtype=np.float32)
    out: npt.NDArray[np.float32] = v / np.maximum(
        np.linalg.norm(v, axis=1, keepdims=True), np.float32(1e-12)
    )
    return out


class ExactTopK:
    """The exact nearest neighbours of fixed queries over vectors added in parts.

    Each query keeps every stored key whose cosine similarity is within ``TIE_EPS`` of its
    k-th best so far: the k-th best only rises as vectors are added, so what is kept always
    holds every key that counts at the end, ties included (a corpus cycled to reach
    ``--items`` repeats texts, and so vectors). Memory: about k keys per query, not the
    stored vectors: a run of millions need not keep or embed its vectors again.
    """

    def __init__(self, queries: npt.NDArray[Any], k: int = 10) -> None:
        self.queries = unit_rows(np.atleast_2d(queries))
        self.k = k
        self.count = 0
        q = len(self.queries)
        self._sims: list[npt.NDArray[np.float32]] = [np.empty(0, np.float32)] * q
        self._keys: list[npt.NDArray[np.uint64]] = [np.empty(0, np.uint64)] * q

    def add(self, keys: npt.NDArray[np.uint64], vectors: npt.NDArray[Any]) -> None:
        """Vectors of stored items (one row per key)."""
        if len(keys) == 0:
            return
        keys = np.asarray(keys, dtype=np.uint64)
        sims = self.queries @ unit_rows(vectors).T  # (queries, n)
        self.count += len(keys)
        for i, row in enumerate(sims):
            s = np.concatenate([self._sims[i], row])
            ks = np.concatenate([self._keys[i], keys])
            if len(s) > self.k:
                kth = -np.partition(-s, self.k - 1)[self.k - 1]
                keep = s >= kth - TIE_EPS
                s, ks = s[keep], ks[keep]
            self._sims[i], self._keys[i] = s, ks

    @classmethod
    def known(
        cls,
        queries: npt.NDArray[Any],
        rows: Sequence[tuple[npt.NDArray[Any], npt.NDArray[Any]]],
        count: int,
        k: int = 10,
    ) -> ExactTopK:
        """An exact top-k known before the run (a dataset's ground truth): per query, the
        keys within ``TIE_EPS`` of its k-th best and their similarities, over ``count``."""
        reference = cls(queries, k)
        reference.count = count
        reference._keys = [np.asarray(keys, np.uint64) for keys, _ in rows]
        reference._sims = [np.asarray(sims, np.float32) for _, sims in rows]
        return reference

    def kept_rows(self) -> list[tuple[npt.NDArray[np.uint64], npt.NDArray[np.float32]]]:
        """Per query, the keys that count at k (ties included) and their similarities."""
        out = []
        k_eff = min(self.k, self.count)
        for keys, s in zip(self._keys, self._sims, strict=True):
            if k_eff == 0:
                out.append((keys[:0], s[:0]))
                continue
            kth = -np.partition(-s, k_eff - 1)[k_eff - 1]
            keep = s >= kth - TIE_EPS
            out.append((keys[keep], s[keep]))
        return out

    def tied_at_k(self) -> float | None:
        """Mean count, over the queries, of stored vectors at the k-th neighbour's level
        (within ``TIE_EPS`` of it): 1.0 where nothing ties, more where a workload crowds
        that level (hash vectors of a few templates; repeated texts). None before any."""
        if self.count < self.k or not len(self._sims):
            return None
        counts = []
        for s in self._sims:
            kth = -np.partition(-s, self.k - 1)[self.k - 1]
            counts.append(int(np.count_nonzero(np.abs(s - kth) <= TIE_EPS)))
        return float(np.mean(counts))

    def recall(self, found: npt.NDArray[Any]) -> float:
        """Tie-aware recall@k of ``found`` (one row of returned keys per query): a returned
        key counts when its exact similarity is at least the k-th best exact similarity."""
        if self.count == 0:
            return float("nan")
        k_eff = min(self.k, self.count)
        hits = 0
        for i, row in enumerate(found):
            s = self._sims[i]
            kth = -np.partition(-s, k_eff - 1)[k_eff - 1]
            counted = set(self._keys[i][s >= kth - TIE_EPS].tolist())
            hits += sum(1 for key in row[:k_eff] if int(key) in counted)
        return hits / (len(found) * k_eff)


def in_chunks(items: Iterable[MemoryItem], size: int = 2048) -> Iterator[list[MemoryItem]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def exact_topk_recall(
    found: npt.NDArray[Any],
    base_keys: npt.NDArray[np.uint64],
    base: npt.NDArray[np.float32],
    queries: npt.NDArray[np.float32],
    k: int = 10,
) -> float:
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


async def exact_reference(
    embedder: Embedder, stored: Iterable[MemoryItem], queries: npt.NDArray[Any], k: int = 10
) -> ExactTopK:
    """Exact top-k over the embedder's vectors of everything stored, embedded again in
    chunks (memory bounded by a chunk, not by the store)."""
    reference = ExactTopK(queries, k)
    for chunk in in_chunks(stored):
        keys = np.fromiter((i.key for i in chunk), dtype=np.uint64, count=len(chunk))
        reference.add(keys, await embedder.embed_batch([i.content for i in chunk]))
    return reference


async def timed_searches(
    vector: Searcher, queries: npt.NDArray[np.float32], k: int = 10
) -> tuple[list[float], npt.NDArray[Any]]:
    """One search call per query: each call's milliseconds, and the keys found."""
    latencies: list[float] = []
    found: list[npt.NDArray[Any]] = []
    for row in queries:
        t0 = time.perf_counter()
        keys, _ = await vector.search(row[None, :], k)
        latencies.append((time.perf_counter() - t0) * 1000.0)
        found.append(keys[0])
    return latencies, np.array(found)


async def search_figures(
    vector: Searcher | None,
    embedder: Embedder,
    stored: Iterable[MemoryItem],
    queries: Sequence[str],
    k: int = 10,
    reference: ExactTopK | None = None,
) -> dict[str, Any] | None:
    """Search latency (one query per call, through the system's search) and recall@10
    against exact search over the float vectors of everything stored: ``reference``, when
    the run kept it as it wrote (``growth``), else the embedder's vectors made again."""
    if vector is None or not queries:
        return None
    if reference is None:
        qv = await embedder.embed_batch(list(queries))
        reference = await exact_reference(embedder, stored, qv, k)
    if reference.count == 0:
        return None
    latencies, found = await timed_searches(vector, reference.queries, k)
    s = summarize(latencies)
    return {
        "queries": len(queries),
        "k": k,
        "p50_ms": s["p50"],
        "p99_ms": s["p99"],
        "recall_at_10": reference.recall(found),
        "tied_at_10": reference.tied_at_k(),
    }


#: The search queries' generator seed is the run's seed plus this (queries differ from items).
QUERY_SEED_OFFSET = 1_000_003


def search_query_texts(seed: int, n: int, offset: int = QUERY_SEED_OFFSET) -> list[str]:
    """The texts of the search figures' queries (the generator, at the run's seed + offset)."""
    return [line.content for line in generate_lines(n, seed=seed + offset)]


#: What queries are for: the search figures, the growth windows' probes, the searches during
#: the writes; each one's generator seed offset (after ``QUERY_SEED_OFFSET``).
PURPOSES = {"search": 0, "probes": 7, "reads": 1}


def query_texts(config: RunSettings, n: int, purpose: str = "search") -> list[str]:
    """The texts of ``n`` queries of a run, for a purpose of ``PURPOSES``. On the
    generator's texts, generated at the run's seed + ``QUERY_SEED_OFFSET`` + the purpose's
    offset. On a dataset, real messages held out (never stored): those after the run's
    own (the probes: after the search queries); where the dataset ends sooner, its last
    ``n`` messages."""
    folder = config.dataset_folder
    if folder is None:
        return search_query_texts(config.seed, n, QUERY_SEED_OFFSET + PURPOSES[purpose])
    skip = config.items + config.warmup * config.batch_size
    if purpose == "probes":
        skip += config.search_queries
    messages = iter_messages(folder, config.empty_messages == "skip")
    texts = [m.content for m in islice(messages, skip, skip + n)]
    if len(texts) < n:
        tail: deque[str] = deque(maxlen=n)
        tail.extend(m.content for m in iter_messages(folder, config.empty_messages == "skip"))
        texts = list(tail)
    return texts


@dataclass
class Kept:
    """What a run kept as it wrote, so that its checks need not read its items again: the
    exact top-k of the search queries (passed to ``run_checks`` as its ``reference``), and
    the self-recall sample."""

    reference: ExactTopK | None = None
    sample: list[MemoryItem] = field(default_factory=list)


async def run_checks(
    keys: Mapping[str, Iterable[int] | npt.NDArray[Any]],
    searcher: Searcher | None,
    embedder: Embedder,
    stored: Iterable[MemoryItem],
    acked: Iterable[int] | npt.NDArray[Any],
    failed: int,
    seed: int,
    queries: Sequence[str],
    self_recall_sample: int = 1000,
    kept: Kept | None = None,
    reference: tuple[ExactTopK | None, str] = (None, "recomputed"),
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Every check after the writes, for one process's stores or every shard's: the
    integrity counts with self-recall, and the search figures against ``reference`` (an
    exact top-k known before the checks, and its label), else exact search recomputed.
    ``stored`` is read (once for the sample, once for exact search) only where ``kept``
    and ``reference`` do not hold them."""
    integrity = integrity_counts(keys, acked, failed)
    sample = (
        kept.sample
        if kept is not None
        else (reservoir(stored, self_recall_sample, seed) if searcher is not None else [])
    )
    integrity["self_recall_at_1"] = await self_recall_at_1(
        searcher, embedder, sample[:self_recall_sample]
    )
    known, label = reference
    search = await search_figures(searcher, embedder, stored, queries, reference=known)
    if search is not None:
        search["reference"] = label
    return integrity, search
