"""mem0 (mem0ai), the peer most of our users would pick: its own ``Memory.add(messages,
infer=False)``, driven in the same harness, on the same items and embedder.

What mem0 2.2.1 does for ``add(..., infer=False)`` (read from the package): per message,
one ``embed`` call, one single-point insert into its vector store, one history row in its
SQLite file (one transaction per row), no LLM call. It has no batch add: a call of N
messages runs that loop N times. So a mem0 run is ``--mode sequential``: ``--batch-size N``
is the number of messages in one ``add`` call.

How it is run here, and why:

- **one ``Memory`` per run, a worker thread per client** (Qdrant's local mode is not
  thread-safe: its inserts are serialised by a lock, the only change to mem0's path):
  ``Memory.add`` is the API mem0 documents and the one AgentMem's own mem0 benchmark
  calls. ``--concurrency C`` runs C clients, each on its own thread calling ``Memory.add``
  (as C threads of an application would). ``AsyncMemory`` was not used: it runs the same
  steps, each through ``asyncio.to_thread``, so it would add three thread hops per message
  that belong to its wrapper, not to the write path;
- **its own stores**: Qdrant's local mode on disk (what mem0 uses when nothing is
  configured) and its SQLite history file, both under the run's ``stores/``; with
  ``--vector-store pgvector|redis|milvus-lite``, mem0's own provider of that name on the
  run's server or file instead (``mem0_stores``);
- **our embedder** (hash, minilm), plugged in as its embedding model, so that only the
  write path differs from the agentmem runs it is compared with;
- **offline**: ``MEM0_TELEMETRY`` is off before mem0 is imported (and its flags are forced
  off if it was imported before), ``MEM0_DIR`` (its config folder) is inside the run folder,
  no LLM is called (``infer=False``), and mem0's Qdrant store's BM25 sparse encoder is
  switched off: with fastembed installed it would fetch ``Qdrant/bm25`` from a model hub.
  What is measured is therefore mem0's dense-only path (its path when fastembed is absent);
  lemmatization uses spaCy only when installed (it is not here: the raw text is kept);
- **one session per call**: mem0 scopes an ``add`` to one user (and agent); a call of N
  items is one ``add`` of N messages under its first item's user and agent ids and
  metadata. Each message is the item's content.

Integrity comes from mem0's own stores: the ids of the memories in its vector store and
of its history rows, against the ids ``add`` returned. mem0 keeps a memory's text in its
vector store's payload, so its core memory is its vector store (``core`` = ``vector``).
Faults (``--fail-rate``) are injected at its store boundaries (its vector store's insert
and its history write): a failed ``add`` raises and returns no ids, so whatever it stored
before the failure counts as an orphan, as does a vector without its history row.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agentmem_lab.core.errors import (
    ConfigError,
)
from agentmem_lab.embedders import Embedder
from agentmem_lab.items import MemoryItem
from agentmem_lab.schema.run_settings import RunSettings
from agentmem_lab.systems.base import System, Target, ThreadHop
from agentmem_lab.systems.mem0_stores import PROVIDERS
from agentmem_lab.systems.mem0_target import Mem0Target
from agentmem_lab.workload.overhead import measure_adder


class Mem0(System):
    name = "mem0"
    description = (
        "mem0ai's own Memory.add(messages, infer=False) over its default stores "
        "(Qdrant local mode, SQLite history), with our embedder"
    )
    package = "mem0ai"

    def check(self, config: RunSettings) -> None:
        if config.mode != "sequential":
            raise ConfigError(
                "--mode",
                "mem0's add has one path (per message: embed, insert, "
                "history row, one after another): use --mode sequential",
            )
        if config.profile != "real":
            raise ConfigError("--profile", "mem0 runs on its real stores: use --profile real")
        if config.stores.vector_store not in PROVIDERS:
            raise ConfigError(
                "--vector-store",
                "mem0 runs on its own stores: Qdrant local mode (leave --vector-store at "
                "its default) or its pgvector, redis or milvus-lite provider",
            )
        if config.stores.core_store != "sqlite" or config.stores.history_store != "sqlite":
            raise ConfigError(
                "--core-store",
                "mem0 keeps its text in its vector store and its "
                "history in its own SQLite file: leave "
                "--core-store and --history-store at sqlite",
            )

    async def open(
        self, config: RunSettings, directory: Path, embedder: Embedder, faults: bool
    ) -> Target:
        loop = asyncio.get_running_loop()
        # mem0 opens its stores in its constructor: off the event loop.
        return await loop.run_in_executor(
            None,
            Mem0Target,
            config,
            directory,
            embedder,
            faults and any(config.fail_rates.values()),
        )

    async def harness(
        self, config: RunSettings, calls: Sequence[Sequence[MemoryItem]], dim: int
    ) -> dict[str, Any]:
        with ThreadHop(config.concurrency) as target:
            return await measure_adder(target, calls, config.concurrency)
