"""Reads per message: before a message is written, a search of its own user's memories.

That is what an agent does before it replies (``--read-per-message P``: a share P of the
messages, chosen by key, so the same run reads before the same messages). Each call of the
write path becomes: embed the call's messages (the reads' queries: one batch per call),
search the user's memories for each chosen message, then the system's own ``add``. The
read is inside the call, so the call's latency and the run's ops/s include it (the stage
``read``), as they would in an agent; the search alone is timed too (``search_ms``).

The store filters to the user its own way (``user_filter``, see ``stores.by_user``).
AgentMem's vector stores hold no user column: the user's memory keys come from the
bench's record of the keys acknowledged so far, standing in for core memory's
``WHERE user_id = ?`` (that lookup is not timed). The peers filter on the user they store.

**Recall within the user**, for up to ``RECALL_MAX`` reads (chosen by key): the found keys
against exact cosine search over the user's memories acknowledged before the search
began, tie-aware (``tie_aware_recall``: chat has many equal messages, and equal texts
have equal vectors). The exact side uses each message's query
vector, which is the vector written (the embedder is deterministic). A memory of the user
acknowledged while the search ran may be found and take a place: it counts as neither, so
the figure can only understate.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from agentmem_lab.core import histogram
from agentmem_lab.core.errors import ConfigError
from agentmem_lab.embedders import Embedder
from agentmem_lab.items import MemoryItem
from agentmem_lab.measuring.reads import sampled
from agentmem_lab.schema.run_settings import RunSettings
from agentmem_lab.stores.by_user import FILTERS, cosine
from agentmem_lab.systems import Target, UserSearcher
from agentmem_lab.workload.modes import Adder, CallOutcome

K = 10
#: Where the user's memory keys come from, for agentmem (True) and for the peers (False).
KEYS_FROM = {
    True: "the bench's record of each user's acknowledged keys, standing in for core "
    "memory's lookup by user (not timed)",
    False: "the peer's own user filter (the keys are not used)",
}
#: Reads whose recall within the user is checked (at most; chosen by key).
RECALL_MAX = 500


class UserVectors:
    """Each user's acknowledged memories: keys and vectors, grown in place."""

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self._keys: dict[str, list[int]] = {}
        self._vectors: dict[str, npt.NDArray[np.float32]] = {}

    def keys(self, user: str) -> npt.NDArray[np.uint64]:
        return np.asarray(self._keys.get(user, ()), dtype=np.uint64)

    def add(self, user: str, key: int, vector: npt.NDArray[np.float32]) -> None:
        keys = self._keys.setdefault(user, [])
        held = self._vectors.get(user)
        if held is None or len(held) == len(keys):  # full: double it
            grown = np.empty((max(4, 2 * len(keys)), self.dim), dtype=np.float32)
            if held is not None:
                grown[: len(keys)] = held
            self._vectors[user] = held = grown
        held[len(keys)] = vector
        keys.append(key)

    def similarities(self, user: str, query: npt.NDArray[np.float32]) -> dict[int, float]:
        """The cosine similarity of the query to each of the user's memories, by key."""
        keys = self._keys.get(user, [])
        if not keys:
            return {}
        return dict(zip(keys, cosine(self._vectors[user][: len(keys)], query).tolist()))

    def sizes(self) -> list[int]:
        return [len(k) for k in self._keys.values()]


#: Two similarities this close are a tie (float32 rounding of equal vectors).
TIE = 1e-5


def tie_aware_recall(sims: dict[int, float], found: Sequence[int], k: int) -> float:
    """The share of the exact top ``k`` found: a found memory of the user counts when it is
    as near as the exact k-th (so that of several equal vectors any one counts), at most
    ``min(k, memories)``."""
    wanted = min(k, len(sims))
    if not wanted:
        return 1.0
    kth = sorted(sims.values(), reverse=True)[wanted - 1]
    hits = {int(x) for x in found if int(x) in sims and sims[int(x)] >= kth - TIE}
    return min(len(hits), wanted) / wanted


class ReadsPerMessage:
    """The system's ``add`` with a read of the user's memories before each chosen message."""

    def __init__(
        self,
        inner: Adder,
        searcher: UserSearcher,
        embedder: Embedder,
        share: float,
        items: int,
        keys_from: str,
    ) -> None:
        self.inner = inner
        self.keys_from = keys_from
        self.searcher = searcher
        self.embedder = embedder
        self.share = share
        self.recall_share = min(1.0, RECALL_MAX / max(1.0, share * items))
        self.users = UserVectors(embedder.dim)
        self.search_s: list[float] = []
        self.memories: list[int] = []  # the user's memories at each read
        self.recalls: list[float] = []
        self.empty = 0  # reads of a user with no memory yet
        self.embed_s = 0.0

    async def add(self, items: Sequence[MemoryItem]) -> CallOutcome:
        t0 = time.perf_counter()
        vectors = np.asarray(
            await self.embedder.embed_batch([i.content for i in items]), dtype=np.float32
        )
        t1 = time.perf_counter()
        self.embed_s += t1 - t0
        for item, vector in zip(items, vectors):
            if sampled(item.key, self.share):
                await self._read(item, vector)
        read_s = time.perf_counter() - t0
        outcome = await self.inner.add(items)
        outcome.stages_s["read"] = outcome.stages_s.get("read", 0.0) + read_s
        done = set(outcome.acked)
        for item, vector in zip(items, vectors):
            if item.key in done:
                self.users.add(item.user_id, item.key, vector)
        return outcome

    async def _read(self, item: MemoryItem, vector: npt.NDArray[np.float32]) -> None:
        keys = self.users.keys(item.user_id)
        checked = len(keys) > 0 and sampled(item.key ^ 0x5BD1E995, self.recall_share)
        sims = self.users.similarities(item.user_id, vector) if checked else {}
        t0 = time.perf_counter()
        found, _ = await self.searcher.search_user(vector[None, :], K, item.user_id, keys)
        self.search_s.append(time.perf_counter() - t0)
        self.memories.append(len(keys))
        if not len(keys):
            self.empty += 1
        if checked:
            self.recalls.append(tie_aware_recall(sims, found[0].tolist(), K))

    def figures(self) -> dict[str, Any]:
        method = self.searcher.user_filter
        sizes = np.asarray(self.users.sizes() or [0])
        out: dict[str, Any] = {
            "share": self.share,
            "reads": len(self.search_s),
            "k": K,
            "method": method,
            "method_definition": FILTERS.get(method.split()[0], method),
            "keys_from": self.keys_from,
            "empty": self.empty,
            "embed_s": self.embed_s,
            "users": int(np.count_nonzero(sizes)),
            "top_user_share": float(sizes.max() / max(1, sizes.sum())),
            "definition": "before each chosen message, a search of its own user's memories "
            "(embed the call's messages, then one filtered search per chosen message), "
            "inside the call; search_ms times the search alone",
        }
        if self.search_s:
            out["search_ms"] = histogram.summary_ms(histogram.of_seconds(self.search_s))
            m = np.asarray(self.memories)
            out["user_memories"] = {
                "p50": float(np.percentile(m, 50)),
                "p99": float(np.percentile(m, 99)),
                "max": int(m.max()),
            }
        if self.recalls:
            r = np.asarray(self.recalls)
            out["recall"] = {
                "checked": len(r),
                "recall_at_10": float(r.mean()),
                "min": float(r.min()),
                "below_1": int(np.count_nonzero(r < 1.0)),
                "definition": "found keys against exact cosine search over the user's "
                "memories acknowledged before the search began; a found memory as near as "
                "the exact k-th counts (ties)",
            }
        return out


def reads_per_message(
    config: RunSettings, target: Target, embedder: Embedder, items: int
) -> ReadsPerMessage | None:
    """The target's ``add`` with reads before the messages (``--read-per-message``), or
    None when the run reads none; ConfigError (before any write) when the system cannot
    search within a user."""
    if not config.read_per_message:
        return None
    searcher = target.user_searcher()
    if searcher is None:
        raise ConfigError(
            "--read-per-message",
            f"{config.system} cannot search within one user's memories "
            "(agentmem, mem0 and langgraph can)",
        )
    keys_from = KEYS_FROM[config.system == "agentmem"]
    return ReadsPerMessage(target, searcher, embedder, config.read_per_message, items, keys_from)


__all__ = [
    "KEYS_FROM",
    "RECALL_MAX",
    "ReadsPerMessage",
    "UserVectors",
    "reads_per_message",
    "tie_aware_recall",
]
