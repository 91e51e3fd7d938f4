"""Ground-truth neighbours (``agentmem-lab vectors neighbours``): a dataset's held-out
queries' exact top-k over the messages a run stores, computed once into the folder
(``corpus.neighbours``), and the reference a run's search figures use when it stores
exactly those messages.

Without it, a run's reference is exact search over the vectors the run itself made: kept
as it wrote, or (a sharded run) everything stored embedded again after the run. Both come
from the run's own embed path, so a store handed the wrong vectors would agree with them.
The ground truth is computed apart, once, as VectorDBBench and big-ann-benchmarks ship
theirs. A run uses it only where it is sure the file describes its store: the same
embedder and dimension, every stored text (their digest), the same query texts, no failed
write; else it falls back, and ``search.reference`` says which and why.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from agentmem_lab.core.environment import cpu_model
from agentmem_lab.core.errors import ConfigError
from agentmem_lab.corpus import neighbours, vectors
from agentmem_lab.corpus.datasets import iter_messages, manifest
from agentmem_lab.embedders import Embedder, get_embedder
from agentmem_lab.items import MemoryItem
from agentmem_lab.measuring.integrity import ExactTopK, Kept

if TYPE_CHECKING:
    from agentmem_lab.schema.run_settings import RunSettings

#: Messages embedded and compared at a time.
CHUNK = 2048
#: The k of the search figures' recall (what a ground-truth file must hold).
K = 10


def _cached_rows(folder: Path, embedder: str, texts: list[str], skip_empty: bool) -> Any:
    """The folder's vectors of these texts (memory-mapped rows), or None where its vectors
    file is missing, shorter or of other texts."""
    try:
        found = vectors.check(folder, embedder, None, len(texts))
    except ConfigError:
        return None
    if bool(found.manifest.get("skip_empty")) != skip_empty:
        return None
    array, keys = found.load()
    mine = vectors.text_keys(texts)
    return array if np.array_equal(keys[: len(texts)], mine) else None


def build(
    folder: Path,
    embedder_name: str,
    start: int,
    count: int,
    queries: int,
    skip_empty: bool = False,
    onnx_threads: int | None = None,
    say: Callable[[str], None] = lambda line: None,
    into: Path | None = None,
) -> tuple[dict[str, Any], bool]:
    """The exact top-k of messages ``start + count`` to ``start + count + queries - 1``
    over messages ``start`` to ``start + count - 1``, written into ``into`` (the cache
    folder, ``vectors.cache_folder``; None: the dataset folder); returns the manifest and
    whether anything was built (False: the same ground truth was there). The vectors come
    from that folder's vectors file where it holds these texts, else from the embedder."""
    cache = folder if into is None else into
    total = start + count + queries
    texts = [m.content for m in islice(iter_messages(folder, skip_empty), total)]
    if len(texts) < total:
        raise ConfigError(
            "--items",
            f"{start:,} warm-up + {count:,} stored + {queries:,} queries = {total:,} "
            f"messages, but {folder} holds {len(texts):,}",
        )
    base_digest = vectors.texts_digest(texts[start : start + count])
    try:
        old = neighbours.load(cache, embedder_name)
    except ConfigError:
        old = None
    wanted: dict[str, Any] = {"start": start, "count": count, "queries": queries, "k": K}
    wanted |= {"base_sha256": base_digest, "embedder": embedder_name}
    if old is not None and {k: old.manifest.get(k) for k in wanted} == wanted:
        return old.manifest, False
    t0 = time.perf_counter()
    cached = _cached_rows(cache, embedder_name, texts, skip_empty)
    embedder = (
        None if cached is not None else get_embedder(embedder_name, onnx_threads=onnx_threads)
    )

    def rows(lo: int, hi: int) -> Any:
        if cached is not None:
            return np.asarray(cached[lo:hi], dtype=np.float32)
        assert embedder is not None
        return embedder.encode(texts[lo:hi])

    try:
        reference = ExactTopK(rows(start + count, total), K)
        for lo in range(start, start + count, CHUNK):
            hi = min(lo + CHUNK, start + count)
            reference.add(np.arange(lo, hi, dtype=np.uint64), rows(lo, hi))
            say(f"neighbours: {hi - start:,}/{count:,} messages compared")
        dim = int(reference.queries.shape[1])
    finally:
        if embedder is not None:
            embedder.close()
    kept = [(keys.astype(np.int64), sims) for keys, sims in reference.kept_rows()]
    source = manifest(folder)
    doc = {
        **wanted,
        "skip_empty": skip_empty,
        "dim": dim,
        "vectors_from": "the vectors file" if cached is not None else "the embedder",
        "dataset": {k: source.get(k) for k in ("name", "version")},
        "built": {
            "seconds": time.perf_counter() - t0,
            "machine": {"cpu_model": cpu_model(), "cpu_count": os.cpu_count()},
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
        },
    }
    query_keys = [vectors.text_key(t) for t in texts[start + count :]]
    cache.mkdir(parents=True, exist_ok=True)
    neighbours.write(cache, embedder_name, kept, query_keys, doc)
    return doc, True


def _mismatch(
    truth: neighbours.GroundTruth, config: RunSettings, dim: int, queries: Sequence[str]
) -> str | None:
    """Why a ground-truth file does not describe this run's store and queries, or None."""
    m, start = truth.manifest, config.warmup * config.batch_size
    if m.get("embedder") != config.embedder or m.get("dim") != dim or m.get("k") != K:
        return f"it is of {m.get('embedder')} ({m.get('dim')}-d, k={m.get('k')})"
    if (truth.start, truth.count) != (start, config.items):
        return (
            f"it is for messages {truth.start:,}..{truth.start + truth.count - 1:,}; this run "
            f"stores {start:,}..{start + config.items - 1:,}"
        )
    if len(queries) > truth.queries:
        return f"it holds {truth.queries} queries; this run asks {len(queries)}"
    keys = vectors.text_keys(queries)
    if not np.array_equal(keys, truth.query_keys[: len(queries)]):
        return "its queries are other texts"
    return None


async def known_reference(
    config: RunSettings,
    embedder: Embedder,
    items: Iterable[MemoryItem],
    queries: Sequence[str],
    failed: int,
) -> tuple[ExactTopK | None, str]:
    """The run's search reference from its dataset's ground truth, or None, and a note:
    the file used, or why it was not (empty where there is none). ``items``: the run's
    stored items in order, read once here."""
    truth = neighbours.load(config.cache_folder, config.embedder)
    if truth is None or not queries:
        return None, ""
    label = truth.file.name
    why = _mismatch(truth, config, embedder.dim, queries)
    if why is None and failed:
        why = f"{failed:,} writes failed"
    keys: list[int] = []

    def texts() -> Iterator[str]:
        for item in items:
            keys.append(item.key)
            yield item.content

    if why is None and vectors.texts_digest(texts()) != truth.manifest.get("base_sha256"):
        why = "this run's stored texts are not all there, or are other texts"
    if why is not None:
        return None, f"{label} not used: {why}"
    by_position = np.asarray(keys, np.uint64)
    rows = []
    for q in range(len(queries)):
        positions, sims = truth.row(q)
        rows.append((by_position[positions - truth.start], sims))
    qv = await embedder.embed_batch(list(queries))
    return ExactTopK.known(qv, rows, truth.count, K), label


async def reference_for(
    config: RunSettings,
    embedder: Embedder,
    kept: Kept | None,
    items: Iterable[MemoryItem],
    queries: Sequence[str],
    failed: int,
) -> tuple[ExactTopK | None, str]:
    """The run's search reference and its label (``search.reference``): the dataset's
    ground truth where it describes the run (computed apart from the run, so a store given
    wrong vectors cannot agree with it), else the exact top-k kept while writing (growth
    windows), else None: recomputed after the run."""
    known, note = await known_reference(config, embedder, items, queries, failed)
    if known is not None:
        return known, f"ground truth ({note})"
    how = "kept while writing" if kept is not None and kept.reference is not None else "recomputed"
    return (kept.reference if kept is not None else None), f"{how} ({note})" if note else how


__all__ = ["CHUNK", "K", "build", "known_reference", "reference_for"]
