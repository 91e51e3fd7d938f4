"""The sections of a result as small frozen dataclasses with named fields: integrity,
search, the harness's own cost, the vector store's load, offered load, searches during
writes, growth windows and processes.

Each section reads and writes the same JSON object as before it was typed
(``from_dict``/``to_dict`` round-trip it): a key that only some runs write (a sharded
run's ``vector_load.shards``) is left out when it holds nothing, and a key this code does
not know (a later version's) is kept in ``extra`` and written back, so nothing read is
lost. A section that lacks a key it needs is a ``ResultError`` naming it.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from typing import Any, ClassVar, TypeVar

from agentmem_lab.core.errors import ResultError

S = TypeVar("S", bound="Section")


@dataclass(frozen=True)
class Section:
    """What every section shares: loading from and dumping to its JSON object."""

    #: The keys a section writes only when they hold a value.
    OPTIONAL: ClassVar[frozenset[str]] = frozenset()

    #: Keys this version does not know, kept as they were read.
    extra: dict[str, Any] = field(default_factory=dict, kw_only=True, repr=False)

    @classmethod
    def from_dict(cls: type[S], data: Any, where: str) -> S:
        if isinstance(data, cls):
            return data
        if not isinstance(data, Mapping):
            raise ResultError(f"{where} must be an object")
        declared = [f for f in fields(cls) if f.name != "extra"]
        missing = [
            f.name
            for f in declared
            if f.name not in data and f.default is MISSING and f.default_factory is MISSING
        ]
        if missing:
            raise ResultError(f"{where} lacks {', '.join(missing)}")
        names = {f.name for f in declared}
        known = {k: v for k, v in data.items() if k in names}
        more = {k: v for k, v in data.items() if k not in names}
        try:
            return cls(**known, extra=more)
        except TypeError as exc:
            raise ResultError(f"{where}: {exc}") from None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            if f.name == "extra":
                continue
            value = getattr(self, f.name)
            if value is None and f.name in self.OPTIONAL:
                continue
            out[f.name] = copy.deepcopy(value)
        out.update(copy.deepcopy(self.extra))
        return out


def section_or_none(cls: type[S], data: Any, where: str) -> S | None:
    """``data`` as a ``cls`` section, or None when the result has no such section."""
    return None if data is None else cls.from_dict(data, where)


@dataclass(frozen=True)
class Integrity(Section):
    """What the stores kept: items acknowledged and failed, the rows and vectors each store
    holds, items lost (acknowledged, missing somewhere) and orphans (stored, never
    acknowledged), and self-recall@1 (None where the run had no searchable index)."""

    acknowledged: int
    failed: int
    core: int
    vector: int
    history: int
    lost: int
    orphans: int
    self_recall_at_1: float | None


@dataclass(frozen=True)
class Search(Section):
    """Searches after the writes: their count, k, latency percentiles and recall@10
    against an exact search, and where that exact search came from (``reference``: kept
    while writing, a dataset's ground truth, or recomputed after the run; older results
    lack it), and how many stored vectors sit at a query's 10th neighbour's level
    (``tied_at_10``, mean over the queries: 1.0 where nothing ties; older results lack it)."""

    OPTIONAL = frozenset({"reference", "tied_at_10"})

    queries: int
    k: int
    p50_ms: float
    p99_ms: float
    recall_at_10: float
    reference: str | None = None
    tied_at_10: float | None = None


@dataclass(frozen=True)
class Overhead(Section):
    """The harness's own cost: the same calls driven with stores and an embedder that do
    nothing, per call (percentiles, µs) and per item, and its share of a measured call."""

    OPTIONAL = frozenset({"share_of_call_p50"})

    per_call_us: dict[str, float]
    per_item_us: float
    calls: int
    items: int
    seconds: float
    share_of_call_p50: float | None = None


@dataclass(frozen=True)
class VectorLoad(Section):
    """The vector store's load split: inserting, checking, optimizing (saving), in
    seconds, its vectors, its insert rate, when a write is durable and how it searches."""

    OPTIONAL = frozenset({"shards"})

    backend: str
    insert_s: float
    check_s: float
    optimize_s: float
    load_s: float
    vectors: int
    insert_vectors_per_s: float | None
    durability: str
    search: str
    shards: int | None = None


@dataclass(frozen=True)
class OfferedLoad(Section):
    """An open-loop run: offered and achieved rate, calls and late calls, response,
    service and start-delay percentiles, the capped response samples and the encoded
    HdrHistograms; the offer over time (items due per second: its peak and the capped
    series) and, for a trace, its speedup and gap cut (results before them lack them)."""

    OPTIONAL = frozenset({"offered_peak_ops_s", "offered_per_s", "trace", "dropped"})

    offered_ops_s: float
    achieved_ops_s: float
    achieved_share: float
    arrivals: str
    max_in_flight: int | None
    schedule_waits: str
    calls: int
    late: int
    late_share: float
    late_after_ms: float
    response_ms: dict[str, float]
    service_ms: dict[str, float]
    start_delay_ms: dict[str, float]
    response_samples_ms: list[float]
    histograms_us: dict[str, Any]
    dropped: int | None = None
    offered_peak_ops_s: float | None = None
    offered_per_s: list[float] | None = None
    trace: dict[str, float] | None = None


@dataclass(frozen=True)
class Reads(Section):
    """Searches during the writes: their rate, count and k, response and service
    percentiles (when any ran), and freshness (how soon an acknowledged item is found)."""

    OPTIONAL = frozenset({"response_ms", "service_ms"})

    search_rate: float
    searches: int
    k: int
    definition: str
    freshness: dict[str, Any]
    response_ms: dict[str, float] | None = None
    service_ms: dict[str, float] | None = None


@dataclass(frozen=True)
class UserReads(Section):
    """Reads per message: a search of the message's own user's memories before it is
    written (the share read, the store's filter way, search percentiles, the users' sizes
    at each read and recall@10 within the user)."""

    OPTIONAL = frozenset({"search_ms", "user_memories", "recall"})

    share: float
    reads: int
    k: int
    method: str
    method_definition: str
    keys_from: str
    empty: int
    embed_s: float
    users: int
    top_user_share: float
    definition: str
    search_ms: dict[str, float] | None = None
    user_memories: dict[str, float] | None = None
    recall: dict[str, Any] | None = None


@dataclass(frozen=True)
class Growth(Section):
    """Growth windows as the stores grow (each window's write rate, latency, probe
    recall@10, search latency, RSS and disk), the pauses' own cost, and where a run
    stopped."""

    windows: list[dict[str, Any]]
    windows_wanted: int
    no_windows: str | None
    probe_queries: int
    segment_items: int
    pause_s: float
    pause_share: float
    items_made_s: float
    exact_reference: str
    stopped: dict[str, Any] | None
    method: str


@dataclass(frozen=True)
class Processes(Section):
    """A configuration measured in several fresh processes: each one's throughput, call
    latency and wall time, their medians with bootstrap 95 % intervals, each one's lost
    and orphans, and the uncounted calibration process."""

    OPTIONAL = frozenset({"calibration"})

    count: int
    throughput_ops_s: list[float]
    latency_p50_ms: list[float]
    latency_p99_ms: list[float]
    wall_s: list[float]
    pids: list[int | None]
    median_throughput_ops_s: float
    throughput_ci95: list[float]
    median_latency_p50_ms: float
    latency_p50_ci95: list[float]
    integrity: dict[str, list[int]]
    method: str
    calibration: dict[str, float] | None = None


__all__ = [
    "Growth",
    "Integrity",
    "OfferedLoad",
    "Overhead",
    "Processes",
    "Reads",
    "Search",
    "Section",
    "UserReads",
    "VectorLoad",
    "section_or_none",
]
