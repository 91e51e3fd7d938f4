"""What the peers share: client threads with per-call stage times, query vectors handed to
a store that embeds its own queries, a database of a store folder's own on a server, the
digest that checks a stored value against what was sent, and the target and system every
peer is (``PeerTarget``, ``PeerSystem``)."""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
from abc import abstractmethod
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import numpy.typing as npt

from agentmem_lab.systems import (
    NO_KEY,
    CallOutcome,
    ConfigError,
    Embedder,
    InjectedFault,
    MemoryItem,
    MissingDependencyError,
    RunSettings,
    Searcher,
    ServerError,
    StoreWriteError,
    System,
    Target,
    ThreadHop,
    UserSearcher,
    fails,
    measure_adder,
    schema_of,
)

T = TypeVar("T")

#: The text a query vector travels under, through a store's own query embedding.
QUERY_PREFIX = "\x00agentmem-lab-query:"


def digest(text: str) -> int:
    """An 8-byte digest of a memory's text: a stored value is checked against it."""
    return int.from_bytes(
        hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big"
    )


class Clients:
    """``--concurrency C`` clients, each a worker thread calling the system, as C threads
    of an application would; ``stages`` is the running call's seconds per stage."""

    def __init__(self, concurrency: int, name: str) -> None:
        self._pool: ThreadPoolExecutor | None = ThreadPoolExecutor(
            max_workers=concurrency, thread_name_prefix=name
        )
        self._local = threading.local()

    @property
    def stages(self) -> dict[str, float]:
        spans: dict[str, float] | None = getattr(self._local, "spans", None)
        if spans is None:
            spans = self._local.spans = {}
        return spans

    def add_stage(self, stage: str, seconds: float) -> None:
        self.stages[stage] = self.stages.get(stage, 0.0) + seconds

    async def call(self, fn: Callable[..., T], *args: Any) -> tuple[T, dict[str, float]]:
        """``fn(*args)`` on a client thread: its value and its stages' seconds."""
        if self._pool is None:
            raise StoreWriteError("system", "the system is closed")

        def run() -> tuple[T, dict[str, float]]:
            self._local.spans = {}
            return fn(*args), self._local.spans

        return await asyncio.get_running_loop().run_in_executor(self._pool, run)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        return (await self.call(fn, *args))[0]

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)


class QueryVectors:
    """Query vectors handed to a store's own search, which embeds its query text: the
    search is given a handle, and the embedding function returns the vector it stands
    for, so the store's search runs unchanged on the bench's query vectors."""

    def __init__(self) -> None:
        self._vectors: dict[str, npt.NDArray[np.float32]] = {}
        self._lock = threading.Lock()
        self._n = 0

    def handle(self, vector: npt.NDArray[np.float32]) -> str:
        with self._lock:
            self._n += 1
            text = f"{QUERY_PREFIX}{self._n}"
            self._vectors[text] = np.asarray(vector, dtype=np.float32)
        return text

    def release(self, text: str) -> None:
        with self._lock:
            self._vectors.pop(text, None)

    def get(self, text: str) -> npt.NDArray[np.float32] | None:
        if not text.startswith(QUERY_PREFIX):
            return None
        with self._lock:
            return self._vectors.get(text)


class Embedding:
    """Our embedder as a peer's embedding function: texts to vectors, timed as the call's
    ``embed`` stage, a query handle answered with its vector, and faults injected at the
    vector boundary (``--fail-rate-vector``) by the run's seeded decision per item."""

    def __init__(
        self,
        embedder: Embedder,
        clients: Clients,
        queries: QueryVectors,
        config: RunSettings,
        faults: bool,
    ) -> None:
        self.embedder = embedder
        self.clients = clients
        self.queries = queries
        self.seed = config.seed
        self.rate = config.fail_rates["vector"] if faults else 0.0
        self.key_of: dict[str, int] = {}  # text -> memory key, for the fault decision

    def __call__(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        found = [self.queries.get(t) for t in texts]
        if all(v is not None for v in found):
            return np.stack([v for v in found if v is not None])
        if self.rate and any(
            fails(self.seed, "vector", self.key_of.get(t, digest(t) >> 1), self.rate) for t in texts
        ):
            raise InjectedFault("vector")
        t0 = time.perf_counter()
        out = self.embedder.encode(list(texts))
        self.clients.add_stage("embed", time.perf_counter() - t0)
        return out


class FaultDamage:
    """What the injected faults did to a peer. A call that fails by an injected fault is
    failed; so is a later call that fails because an earlier fault left the peer's state
    broken (txtai: a failed upsert kept its rows and the next one met their ids), counted
    by error. Before any injected fault, an error is the peer's own and ends the run."""

    def __init__(self) -> None:
        self.injected = 0
        self.errors: dict[str, int] = {}
        self._lock = threading.Lock()

    def failed(self, exc: Exception) -> bool:
        """Whether ``exc`` fails the call (else: raise it)."""
        with self._lock:
            if isinstance(exc, InjectedFault):
                self.injected += 1
                return True
            if not self.injected:
                return False
            first = (str(exc).splitlines() or [""])[0][:200]
            key = f"{type(exc).__name__}: {first}"
            self.errors[key] = self.errors.get(key, 0) + 1
            return True

    def record(self) -> dict[str, Any]:
        return {"injected": self.injected, "errors_after_faults": dict(self.errors)}


def refuse_table_faults(config: RunSettings, system: str) -> None:
    """A peer whose API writes a memory's row and vector in one call, with no boundary
    between them, injects faults at its embedding call only (``--fail-rate`` or
    ``--fail-rate-vector``); a rate for its rows alone is refused."""
    for store in ("core", "history"):
        if getattr(config, f"fail_rate_{store}"):
            raise ConfigError(
                f"--fail-rate-{store}",
                f"{system} writes a memory's row and vector in one call with no "
                "boundary between them: faults are injected at its embedding "
                "call (--fail-rate or --fail-rate-vector)",
            )


def peer_name(directory: Path) -> str:
    """The name of a store folder's own space on a server for a peer (a database, a Redis
    key prefix): ``peer_<digest>``."""
    return schema_of(directory).replace("agentmem_", "peer_")


def fresh_database(dsn: str, directory: Path, fresh: bool = True) -> str:
    """A database of this store folder's own on the server at ``dsn`` (new when ``fresh``),
    with pgvector, and its DSN: a peer's migrations create their tables and the extension
    in the database they are given, so each folder (warmup, run) gets one of its own."""
    try:
        import psycopg
    except ImportError:
        raise MissingDependencyError(
            "psycopg", "pip install -e '.[server]' (or make setup)"
        ) from None
    name = peer_name(directory)
    parts = urlsplit(dsn)
    out = urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            if fresh:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
            ).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')
        with psycopg.connect(out, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    except psycopg.Error as exc:
        first = " ".join((str(exc).splitlines() or [type(exc).__name__])[0].split())
        raise ServerError(
            f"cannot use the PostgreSQL server at {parts.hostname}:{parts.port}: {first}"
        ) from None
    return out


def server_dsn(config: RunSettings, option: str) -> str:
    dsn = config.stores.postgres_dsn
    if not dsn:
        raise ConfigError(
            option,
            "needs a PostgreSQL server: the run starts one unless --postgres-dsn names yours",
        )
    return str(dsn)


def server_url(config: RunSettings, option: str) -> str:
    url = config.stores.redis_url
    if not url:
        raise ConfigError(
            option, "needs a Redis server: the run starts one unless --redis-url names yours"
        )
    return str(url)


class PeerTarget(Target):
    """A peer on the bench: its clients, our embedder as its embedding function, the digest
    of every acknowledged item's text, and the fault accounting. A subclass writes one call
    (``write``, on a client thread) and answers one query handle (``hits``)."""

    def __init__(self, config: RunSettings, embedder: Embedder, faults: bool, name: str) -> None:
        self.clients = Clients(config.concurrency, f"{name}-client")
        self.queries = QueryVectors()
        self.embedding = Embedding(embedder, self.clients, self.queries, config, faults)
        self.damage = FaultDamage()
        self.sent: dict[int, int] = {}  # memory key -> digest of its text

    @abstractmethod
    def write(self, items: Sequence[MemoryItem]) -> None:
        """One call of the peer's write API, on a client thread."""

    #: How the peer searches one user's memories (``hits`` with ``user``); None: it
    #: cannot, and a run with reads per message is refused.
    user_filter: str | None = None

    @abstractmethod
    def hits(self, query: str, k: int, user: str | None = None) -> list[tuple[int, float]]:
        """(memory key, cosine distance) of the peer's search for a query handle; among
        ``user``'s memories only when given (peers with a ``user_filter``)."""

    def timed_write(self, items: Sequence[MemoryItem]) -> None:
        t0 = time.perf_counter()
        self.write(items)
        # The peer writes rows and vectors in one call: its time after the embedding is
        # its write ("core"; the vectors go with the rows).
        spent = time.perf_counter() - t0
        self.clients.add_stage("core", spent - self.clients.stages.get("embed", 0.0))

    async def add(self, items: Sequence[MemoryItem]) -> CallOutcome:
        for i in items:
            self.embedding.key_of[i.content] = i.key
        outcome = CallOutcome()
        try:
            _, stages = await self.clients.call(self.timed_write, items)
        except Exception as exc:
            if not self.damage.failed(exc):
                raise
            outcome.failed = [i.key for i in items]
            return outcome
        for i in items:
            self.sent[i.key] = digest(i.content)
        outcome.stages_s = stages
        outcome.acked = [i.key for i in items]
        return outcome

    def kept(self, key: int, text: str) -> bool:
        """Whether a stored text is what was sent for ``key`` (a key never acknowledged
        counts as stored: it is an orphan)."""
        sent = self.sent.get(key)
        return sent is None or digest(text) == sent

    def searcher(self) -> Searcher | None:
        return HandleSearch(self)

    def user_searcher(self) -> UserSearcher | None:
        return HandleSearch(self) if self.user_filter else None


class HandleSearch:
    """A peer's own search, on the bench's query vectors (one query handle per query)."""

    def __init__(self, target: PeerTarget) -> None:
        self.target = target
        self.user_filter = target.user_filter or ""

    async def search_user(
        self, query: npt.NDArray[np.float32], k: int, user: str, keys: npt.NDArray[np.uint64]
    ) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.float32]]:
        """The peer's own search among ``user``'s memories (``keys`` unused: the peer
        knows its users)."""
        return await self.search(query, k, user)

    async def search(
        self, queries: npt.NDArray[np.float32], k: int, user: str | None = None
    ) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.float32]]:
        target = self.target

        def run() -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.float32]]:
            rows = np.atleast_2d(queries)
            keys = np.full((len(rows), k), NO_KEY, dtype=np.uint64)
            dists = np.full((len(rows), k), np.inf, dtype=np.float32)
            for n, q in enumerate(rows):
                handle = target.queries.handle(q)
                try:
                    found = target.hits(handle, k, user)
                finally:
                    target.queries.release(handle)
                for m, (key, dist) in enumerate(found[:k]):
                    keys[n, m] = key
                    dists[n, m] = dist
            return keys, dists

        return await target.clients.run(run)


class PeerSystem(System):
    """A peer: one write path (``--mode sequential``), its own stores (chosen by its own
    option), real components, faults at its embedding call; opened off the event loop
    (its constructor opens and migrates its stores); the harness is the thread hop."""

    #: The option that chooses the peer's stores, and its target class.
    option = ""
    target: type[PeerTarget]

    def check(self, config: RunSettings) -> None:
        if config.mode != "sequential":
            raise ConfigError(
                "--mode", f"{self.name} has one write path: use --mode sequential (or leave it out)"
            )
        if config.profile != "real":
            raise ConfigError(
                "--profile", f"{self.name} runs on its real stores: use --profile real"
            )
        stores = config.stores
        if stores.vector_store != "usearch" or "postgres" in (
            stores.core_store,
            stores.history_store,
        ):
            raise ConfigError(
                "--vector-store",
                f"{self.name} runs on its own stores: choose them with {self.option}",
            )
        refuse_table_faults(config, self.name)

    async def open(
        self, config: RunSettings, directory: Path, embedder: Embedder, faults: bool
    ) -> Target:
        clients = Clients(1, f"{self.name}-open")
        try:
            return await clients.run(
                self.target, config, directory, embedder, faults and any(config.fail_rates.values())
            )
        finally:
            clients.close()

    async def harness(
        self, config: RunSettings, calls: Sequence[Sequence[MemoryItem]], dim: int
    ) -> dict[str, Any]:
        with ThreadHop(config.concurrency) as target:
            return await measure_adder(target, calls, config.concurrency)
