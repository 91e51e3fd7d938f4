"""Reopen a run's stores, repair what a crash left, and count.

A run writes ``stores/run.json`` (how to reopen its stores) before its first write and
appends the keys of every acknowledged item to ``stores/acked.log`` after each call. After
a crash (SIGKILL, out of memory), SQLite's WAL keeps every committed transaction; what the
vector store kept depends on its durability class (``stores.DURABILITY``): an index saved
only at ``optimize`` or close (usearch, faiss) loses what was written since. The repair:

1. an item counts as stored when core memory and history both hold it (both are durable);
2. rows of items held by only one of them are half-written: removed;
3. vectors of items not stored are removed; stored items missing from the vector store are
   embedded again from their content in core memory and added; the store is closed (an
   index is saved).

Then every acknowledged key must be stored (``lost`` 0) and no store may hold an item the
others do not (``orphans`` 0). Items stored but not yet logged as acknowledged (the crash
came between the writes and the log) are complete and counted as ``complete_unlogged``.
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import numpy as np

from agentmem_lab.core.errors import ConfigError
from agentmem_lab.core.folderlock import FolderLock
from agentmem_lab.embedders import get_embedder
from agentmem_lab.measuring.folder import ACK_LOG, REDIS_DIR, RUN_META, SERVER_DIR, read_ack_log
from agentmem_lab.servers.postgres import Server
from agentmem_lab.servers.redis import Server as RedisServer
from agentmem_lab.stores import CoreMemory, StoreSettings, VectorStore, real_stores
from agentmem_lab.workload.faults import unwrap


async def verify(run_dir: str | Path, repair: bool = True, chunk: int = 1000) -> dict[str, Any]:
    """Reopen a run's stores (every shard's, for a sharded run), repair, and count."""
    d = Path(run_dir)
    stores_dir = d / "stores"
    meta_path = stores_dir / RUN_META
    if not d.is_dir():
        raise ConfigError("DIR", f"{d} is not a directory")
    with FolderLock(d, "verify", option="DIR"):  # never beside a run still writing
        return await _verify(d, stores_dir, meta_path, repair, chunk)


async def _verify(
    d: Path, stores_dir: Path, meta_path: Path, repair: bool, chunk: int
) -> dict[str, Any]:
    if not meta_path.is_file():
        raise ConfigError("DIR", f"{d} holds no run (no stores/{RUN_META})")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if meta.get("system", "agentmem") != "agentmem":
        raise ConfigError(
            "DIR",
            f"a {meta['system']} run keeps its stores in {meta['system']}'s "
            "own format; verify repairs agentmem's stores only",
        )
    if meta.get("profile") != "real":
        raise ConfigError("DIR", "a simulated run keeps no stores on disk; nothing to verify")
    settings = StoreSettings.from_dict(meta["stores"])
    with ExitStack() as servers:
        # The run's own servers, stopped with the run: started again on their folders.
        if settings.uses_postgres and (d / SERVER_DIR / "PG_VERSION").exists():
            pg = servers.enter_context(Server.start(d / SERVER_DIR, settings.pg_transport))
            meta = dict(meta, stores=dict(meta["stores"], postgres_dsn=pg.dsn))
        if settings.uses_redis and (d / REDIS_DIR / "server.log").exists():
            rs = servers.enter_context(RedisServer.start(d / REDIS_DIR, settings.redis_appendfsync))
            meta = dict(meta, stores=dict(meta["stores"], redis_url=rs.url))
        return await _verify_shards(stores_dir, meta, repair, chunk)


async def _verify_shards(
    stores_dir: Path, meta: dict[str, Any], repair: bool, chunk: int
) -> dict[str, Any]:
    shards = int(meta.get("shards", 1))
    if shards == 1:
        return await _verify_stores(stores_dir, meta, repair, chunk)
    parts = [
        await _verify_stores(stores_dir / f"shard-{k}", meta, repair, chunk) for k in range(shards)
    ]
    key = "repairs" if repair else "would_repair"
    total: dict[str, Any] = {"shards": shards}
    for field in (
        "acknowledged_logged",
        "core",
        "vector",
        "history",
        "lost",
        "orphans",
        "complete_unlogged",
    ):
        total[field] = sum(p[field] for p in parts)
    total["before"] = {k: sum(p["before"][k] for p in parts) for k in parts[0]["before"]}
    total[key] = {k: sum(p[key][k] for p in parts) for k in parts[0][key]}
    return total


async def _verify_stores(
    stores_dir: Path, meta: dict[str, Any], repair: bool, chunk: int
) -> dict[str, Any]:
    settings = StoreSettings.from_dict(meta["stores"])
    embedder = get_embedder(meta["embedder"], onnx_threads=meta.get("onnx_threads"))
    acked = read_ack_log(stores_dir / ACK_LOG)
    stores = real_stores(stores_dir, settings, embedder.dim)
    report: dict[str, Any] = {"acknowledged_logged": len(acked)}
    async with stores:
        core, vector, history = (unwrap(s) for s in stores)
        assert isinstance(core, CoreMemory) and isinstance(vector, VectorStore)
        keys = {s.name: await s.keys() for s in (core, vector, history)}
        report["before"] = {k: len(v) for k, v in keys.items()}
        stored = keys["core"] & keys["history"]
        fixes = {
            "removed_core": len(keys["core"] - stored),
            "removed_history": len(keys["history"] - stored),
            "removed_vector": len(keys["vector"] - stored),
            "vectors_rebuilt": len(stored - keys["vector"]),
        }
        if repair:
            await core.delete_many(sorted(keys["core"] - stored))
            await history.delete_many(sorted(keys["history"] - stored))
            await vector.delete_many(sorted(keys["vector"] - stored))
            missing = sorted(stored - keys["vector"])
            contents = await core.contents_of(missing)
            for start in range(0, len(missing), chunk):
                part = missing[start : start + chunk]
                vectors = await embedder.embed_batch([contents[k] for k in part])
                await vector.add_vectors(np.asarray(part, dtype=np.uint64), vectors)
            keys = {s.name: await s.keys() for s in (core, vector, history)}
        report["repairs" if repair else "would_repair"] = fixes
    embedder.close()
    complete = keys["core"] & keys["vector"] & keys["history"]
    anywhere = keys["core"] | keys["vector"] | keys["history"]
    report.update(
        {
            "core": len(keys["core"]),
            "vector": len(keys["vector"]),
            "history": len(keys["history"]),
            "lost": len(acked - complete),
            "orphans": len(anywhere - complete),
            "complete_unlogged": len(complete - acked),
        }
    )
    return report


def verify_lines(r: dict[str, Any], repaired: bool) -> list[str]:
    """What ``verify`` found, as text: the counts before, the repairs made (``repaired``)
    or that would be made, the counts after, and OK or FAILED (lost or orphaned items)."""
    fixes = r.get("repairs", r.get("would_repair", {}))
    before = r["before"]
    ok = r["lost"] == 0 and r["orphans"] == 0
    return [
        f"before: core {before['core']}, vector {before['vector']}, history {before['history']}",
        ("repaired: " if repaired else "would repair: ")
        + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in fixes.items()),
        f"after: core {r['core']}, vector {r['vector']}, history {r['history']}; "
        f"acknowledged (logged) {r['acknowledged_logged']}, lost {r['lost']}, "
        f"orphans {r['orphans']}, complete but not logged {r['complete_unlogged']}",
        "verify: OK" if ok else "verify: FAILED (lost or orphaned items)",
    ]
