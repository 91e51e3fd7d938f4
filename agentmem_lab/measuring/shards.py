"""The write path on every core: items partitioned by user, one worker process per shard.

One process runs every item's Python work on one core (one event loop, one interpreter
lock); only a vector index's batch add uses the others. Agent memory partitions by user,
so a sharded run gives each shard a worker process with its own event loop, embedder and
stores (``stores/shard-K/``), running the same mode and batch size over its users' items.

- **partition**: every item of a user goes to one shard; users are dealt to shards
  largest first to the least loaded, so shards hold about as many items each;
- **clients**: the run's ``--concurrency`` clients are spread over the shards (each shard
  gets at least one);
- **timing**: workers open their stores and warm up, then wait; the parent starts every
  repeat on all shards at once and stops its clock when the last shard is done, so
  throughput is acknowledged items over the whole run's wall time. Call latencies come
  from every shard. Each worker reports the CPU seconds it spent in the measured calls:
  their sum over the wall time is the cores the run kept busy;
- **after the writes**: each worker makes its vector store ready (``optimize``) and closes
  its stores; the parent reopens every shard's stores and counts integrity over all of
  them, and searches by fan-out (every shard, results merged by distance), so recall@10 is
  against exact search over all vectors;
- **crashes**: each shard keeps its own ``run.json`` and acknowledgement log;
  ``agentmem-lab verify`` repairs every shard. A worker ends when its parent does (a
  lifeline pipe), so a killed run leaves no worker writing.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from agentmem_lab.core.errors import ConfigError
from agentmem_lab.core.loops import run_in_own_loop
from agentmem_lab.embedders import Embedder
from agentmem_lab.items import MemoryItem
from agentmem_lab.measuring.folder import run_meta, write_run_meta
from agentmem_lab.measuring.ground_truth import reference_for
from agentmem_lab.measuring.integrity import query_texts, run_checks
from agentmem_lab.measuring.phase import Measured, Phase
from agentmem_lab.measuring.resolve import ResolvedRun, RunConfig
from agentmem_lab.measuring.shard_worker import (
    Closed,
    Go,
    PassDone,
    Ready,
    receive,
    worker,
)
from agentmem_lab.schema.run_settings import RunSettings
from agentmem_lab.stores import VectorStore, real_stores
from agentmem_lab.workload import overhead
from agentmem_lab.workload.closed_loop import CallRecord, chunks

if TYPE_CHECKING:
    pass


def shard_count(requested: int) -> int:
    """``--shards``: 0 means one per core."""
    return requested if requested > 0 else (os.cpu_count() or 1)


def partition(items: Sequence[MemoryItem], shards: int) -> list[list[MemoryItem]]:
    """The items by shard, each user's items on one shard, shards balanced by item count
    (users dealt largest first to the least loaded shard; ties by user id: deterministic)."""
    by_user: dict[str, list[MemoryItem]] = {}
    for item in items:
        by_user.setdefault(item.user_id, []).append(item)
    if len(by_user) < shards:
        raise ConfigError(
            "--shards",
            f"{shards} shards need at least as many users; the items have {len(by_user)}",
        )
    load = [0] * shards
    owner: dict[str, int] = {}
    for user in sorted(by_user, key=lambda u: (-len(by_user[u]), u)):
        k = min(range(shards), key=lambda s: (load[s], s))
        owner[user] = k
        load[k] += len(by_user[user])
    out: list[list[MemoryItem]] = [[] for _ in range(shards)]
    for item in items:  # each shard keeps the items' order
        out[owner[item.user_id]].append(item)
    return out


def shard_config(
    config: RunConfig, shard: int, parts: Sequence[Sequence[MemoryItem]], shards: int
) -> RunConfig:
    """A shard's settings: offered load (``--rate``) is shared by the shards in proportion
    to their items, and ``--max-in-flight`` split between them (at least one each)."""
    if config.rate is None:
        return config
    total = sum(len(p) for p in parts)
    return replace(
        config,
        rate=config.rate * len(parts[shard]) / total,
        max_in_flight=max(1, config.max_in_flight // shards),
    )


def clients_per_shard(concurrency: int, shards: int) -> list[int]:
    return [
        max(1, concurrency // shards + (1 if k < concurrency % shards else 0))
        for k in range(shards)
    ]


class FanOutSearch:
    """Search every shard's vector store and merge the results by distance."""

    def __init__(self, stores: Sequence[VectorStore]) -> None:
        self.stores = list(stores)

    async def search(
        self, queries: npt.NDArray[np.float32], k: int
    ) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.float32]]:
        parts = await asyncio.gather(*(s.search(queries, k) for s in self.stores))
        keys = np.concatenate([p[0] for p in parts], axis=1)
        dists = np.concatenate([p[1] for p in parts], axis=1)
        order = np.argsort(dists, axis=1, kind="stable")[:, :k]
        return (np.take_along_axis(keys, order, axis=1), np.take_along_axis(dists, order, axis=1))


# -- the parent ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OnWorkers:
    """What the workers measured: the phase over every shard, their vector stores' load
    figures merged, the first shard's store settings, and the layout (each shard's folder,
    items and clients)."""

    phase: Phase
    vector_load: dict[str, Any] | None
    store_settings: dict[str, Any]
    shard_dirs: list[Path]
    shard_items: list[int]
    clients: list[int]


def _measure_on_workers(
    config: RunConfig,
    warm: Sequence[MemoryItem],
    items: Sequence[MemoryItem],
    out: Path,
    shards: int,
) -> OnWorkers:
    """The measured phase on one worker process per shard, every pass started on all at
    once and timed by this process until the last shard is done."""
    parts = partition(items, shards)
    warm_parts = (
        partition(warm, shards)
        if len(warm) and len({i.user_id for i in warm}) >= shards
        else [list(warm) if k == 0 else [] for k in range(shards)]
    )
    stores_dir = out / "stores"
    shutil.rmtree(stores_dir, ignore_errors=True)
    stores_dir.mkdir(parents=True)
    meta = run_meta(config, shards=shards)
    write_run_meta(stores_dir, meta)
    dirs = [stores_dir / f"shard-{k}" for k in range(shards)]
    for k, d in enumerate(dirs):
        d.mkdir()
        write_run_meta(d, dict(meta, shards=1, shard=k, items=len(parts[k])))
    ctx = multiprocessing.get_context("spawn")
    conns, lifelines, procs = [], [], []
    clients = clients_per_shard(config.concurrency, shards)
    try:
        for k in range(shards):
            parent_end, child_end = ctx.Pipe()
            life_parent, life_child = ctx.Pipe()
            p = ctx.Process(
                target=worker,
                name=f"agentmem-shard-{k}",
                daemon=True,
                args=(
                    shard_config(config, k, parts, shards),
                    k,
                    str(dirs[k]),
                    warm_parts[k],
                    parts[k],
                    clients[k],
                    child_end,
                    life_child,
                ),
            )
            p.start()
            child_end.close()
            life_child.close()
            conns.append(parent_end)
            lifelines.append(life_parent)
            procs.append(p)
        for k, c in enumerate(conns):
            receive(c, k, Ready)
        records: list[CallRecord] = []
        repeat_tput: list[float] = []
        wall = cpu = 0.0
        for _ in range(config.repeats):
            t0 = time.perf_counter()
            for c in conns:
                c.send(Go())
            done = [receive(c, k, PassDone) for k, c in enumerate(conns)]
            seconds = time.perf_counter() - t0
            recs = [r for d in done for r in d.records]
            records += recs
            wall += seconds
            cpu += sum(d.cpu_s for d in done)
            repeat_tput.append(sum(len(r.acked) for r in recs) / seconds if seconds > 0 else 0.0)
        closed = [receive(c, k, Closed) for k, c in enumerate(conns)]
        for p in procs:
            p.join(timeout=60)
    finally:
        for p in procs:
            if p.is_alive():
                p.terminate()
                p.join(timeout=10)
        for c in conns + lifelines:
            c.close()
    return OnWorkers(
        Phase(records, wall, repeat_tput, cpu),
        _merge_loads([c.vector_load for c in closed if c.vector_load]),
        closed[0].store_settings,
        dirs,
        [len(p) for p in parts],
        clients,
    )


def _merge_loads(loads: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The shards' load figures: seconds and vectors summed (each shard's backend works
    apart, so the sum is the CPU-side cost, not wall time)."""
    if not loads:
        return None
    out = dict(loads[0])
    for key in ("insert_s", "optimize_s", "load_s", "check_s", "vectors"):
        out[key] = sum(x[key] for x in loads)
    out["insert_vectors_per_s"] = out["vectors"] / out["insert_s"] if out["insert_s"] else None
    out["shards"] = len(loads)
    return out


async def check(
    config: RunSettings,
    embedder: Embedder,
    dirs: Sequence[Path],
    stored: Sequence[MemoryItem],
    acked: set[int],
    failed: int,
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Integrity over every shard's stores, self-recall and search by fan-out."""
    sets = [real_stores(d, config.stores, embedder.dim) for d in dirs]
    opened = []
    try:
        for s in sets:
            await s.open()
            opened.append(s)
        keys: dict[str, set[int]] = {"core": set(), "vector": set(), "history": set()}
        for s in sets:
            for name, ks in (await s.keys()).items():
                keys[name] |= ks
        vectors = [s.vector for s in sets if isinstance(s.vector, VectorStore)]
        queries = query_texts(config, config.search_queries)
        return await run_checks(
            keys,
            FanOutSearch(vectors),
            embedder,
            stored,
            acked,
            failed,
            config.seed,
            queries,
            config.self_recall_sample,
            reference=await reference_for(config, embedder, None, stored, queries, failed),
        )
    finally:
        for s in opened:
            await s.close()


def measure_sharded(
    run: ResolvedRun,
    embedder: Embedder,
    warm: Sequence[MemoryItem],
    items: Sequence[MemoryItem],
    shards: int,
) -> Measured:
    """A sharded run's measured phase and checks: the same figures as an in-process run's."""
    config = run.config
    m = _measure_on_workers(config, warm, items, run.out_dir, shards)
    phase = m.phase
    acked = phase.acked
    stored = [i for i in items if i.key in acked]
    integrity, search = run_in_own_loop(
        check(config, embedder, m.shard_dirs, stored, acked, phase.failed), config.event_loop
    )
    own_cost = run_in_own_loop(
        run.system.harness(
            config,
            chunks(items[: overhead.ITEMS + config.batch_size], config.batch_size),
            embedder.dim,
        ),
        config.event_loop,
    )
    layout = {
        "shards": shards,
        "items": m.shard_items,
        "clients": m.clients,
        "partition": "by user id, users dealt largest first to the least loaded shard",
    }
    return Measured.of(
        phase,
        integrity,
        search,
        own_cost,
        m.vector_load,
        m.store_settings,
        shard_layout=layout,
    )
