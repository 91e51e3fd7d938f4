"""Results: one immutable, validated, versioned JSON document per run.

Loadable into a tidy pandas DataFrame (one row per run, nested fields flattened with
dots: ``latency_ms.p50``) and a long frame of raw samples.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Iterable
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any

from agentmem_lab import settings as declared
from agentmem_lab.core.errors import ResultError
from agentmem_lab.core.paths import write_json_atomic
from agentmem_lab.items import STAGES
from agentmem_lab.schema.sections import (
    Growth,
    Integrity,
    OfferedLoad,
    Overhead,
    Processes,
    Reads,
    Search,
    Section,
    UserReads,
    VectorLoad,
    section_or_none,
)

# Bump, with a note, whenever the shape changes.
# 1: first version.
# 2: ``harness``: the harness's own cost per call and per item (issue 10).
# 3: ``vector_load`` (insert_s, optimize_s, load_s of the vector store); settings name the
#    vector store, and the HNSW settings are ``hnsw_*`` (were ``usearch_*``) (issue 12);
#    ``system``: agentmem or a peer (mem0) (issue 13); ``shards`` and ``cores_busy``
#    (CPU seconds of the measured calls over their wall seconds) (issue 14).
# 4: ``offered``: offered-load figures of an open-loop run (offered and achieved rate,
#    response and service percentiles, late calls, HdrHistograms), ``reads``: searches
#    during the writes and freshness; ``samples_ms`` is capped (``SAMPLES_CAP``) (issue 20).
# 5: ``growth``: growth windows as the stores grow (throughput, latency, probe recall@10,
#    search latency, RSS, disk), the pauses' own seconds, and where a run stopped (issue 21).
# 6: ``processes``: a configuration measured in several fresh processes (``--processes``):
#    each process's throughput and latency summary, their median and its bootstrap interval;
#    the top-level figures are the median process's, its samples pooled (issue 24). A
#    schema-5 result (no ``processes``) still loads.
SCHEMA_VERSION = 6
#: Older schemas that load as they are (what they lack has its default).
COMPATIBLE_SCHEMAS = (5,)

#: At most this many raw call latencies are kept in ``samples_ms`` (every k-th call when a
#: run has more; the summaries are always of every call).
SAMPLES_CAP = 100_000

#: A sweep's stage figures (``stages``: the embedder alone, the stores alone), beside its
#: configurations' result.json files.
STAGES_FILE = "stages.json"
#: A capacity search's figures (``capacity``): ``capacity/<name>/capacity.json`` in a sweep.
CAPACITY_FILE = "capacity.json"
CAPACITY_DIR = "capacity"

#: The declared defaults of every store setting (what ``StoreSettings()`` holds).
DEFAULT_STORES = {s.name: s.default for s in declared.of_scope("stores")}

_SUMMARY_KEYS = ("p50", "p95", "p99", "mean")
#: The optional sections by field name (integrity is always there).
_SECTIONS: dict[str, type[Section]] = {
    "search": Search,
    "harness": Overhead,
    "vector_load": VectorLoad,
    "offered": OfferedLoad,
    "reads": Reads,
    "user_reads": UserReads,
    "growth": Growth,
    "processes": Processes,
}


def _require_keys(name: str, value: Any, keys: Iterable[str]) -> None:
    if not isinstance(value, dict):
        raise ResultError(f"{name} must be an object")
    missing = [k for k in keys if k not in value]
    if missing:
        raise ResultError(f"{name} lacks {', '.join(missing)}")


@dataclass(frozen=True)
class Result:
    """The measurement of one run. Validated on construction; see ``to_dict``."""

    mode: str
    batch_size: int
    items: int
    concurrency: int
    repeats: int
    warmup: int
    seed: int
    embedder: str
    profile: str
    settings: dict[str, Any]
    environment: dict[str, Any]
    started_at: str
    wall_s: float
    throughput_ops_s: float
    latency_ms: dict[str, float]
    item_latency_ms: dict[str, float]
    stages_ms: dict[str, float]
    integrity: Integrity
    samples_ms: list[float]
    repeat_throughput_ops_s: list[float] = field(default_factory=list)
    search: Search | None = None
    harness: Overhead | None = None
    vector_load: VectorLoad | None = None
    system: str = "agentmem"
    shards: int = 1
    cores_busy: float | None = None
    offered: OfferedLoad | None = None
    reads: Reads | None = None
    user_reads: UserReads | None = None
    growth: Growth | None = None
    processes: Processes | None = None
    corpus: str | None = None
    label: str | None = None
    schema_version: int = SCHEMA_VERSION

    def __post_init__(self) -> None:
        if self.schema_version not in (SCHEMA_VERSION, *COMPATIBLE_SCHEMAS):
            raise ResultError(
                f"schema_version {self.schema_version} is not {SCHEMA_VERSION}; "
                "re-run the benchmark with this version of agentmem-lab"
            )
        for name in ("batch_size", "items", "concurrency", "repeats"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise ResultError(f"{name} must be a positive integer, got {v!r}")
        if not isinstance(self.warmup, int) or self.warmup < 0:
            raise ResultError(f"warmup must be a non-negative integer, got {self.warmup!r}")
        for name in ("wall_s", "throughput_ops_s"):
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
                raise ResultError(f"{name} must be a finite number >= 0, got {v!r}")
        _require_keys("latency_ms", self.latency_ms, _SUMMARY_KEYS)
        _require_keys("item_latency_ms", self.item_latency_ms, _SUMMARY_KEYS)
        _require_keys("stages_ms", self.stages_ms, STAGES)
        # The sections, typed (a mapping given, as JSON holds them, is read into its
        # section here, while the result is being built).
        object.__setattr__(self, "integrity", Integrity.from_dict(self.integrity, "integrity"))
        for name, kind in _SECTIONS.items():
            object.__setattr__(self, name, section_or_none(kind, getattr(self, name), name))
        if not isinstance(self.samples_ms, list) or not self.samples_ms:
            raise ResultError("samples_ms must be a non-empty list")

    @property
    def dataset(self) -> str:
        """Where its memories came from: ``synthetic`` (the generator or a corpus file), or
        the dataset's name (``chitchat``, a folder's manifest name)."""
        details = self.settings.get("dataset_details")
        if isinstance(details, dict) and details.get("name"):
            return str(details["name"])
        return str(self.settings.get("dataset") or "synthetic")

    @property
    def name(self) -> str:
        """A short name of the configuration, e.g. ``bulk-b1000-c1-hash-real``; a run on a
        dataset ends with its name (``bulk-b100-c1-hash-chitchat``), and one that replayed
        its vectors with ``-replayed``."""
        if self.label:
            return self.label
        name = config_name(
            self.mode,
            self.batch_size,
            self.concurrency,
            self.embedder,
            self.profile,
            self.system,
            self.shards,
        )
        name = name if self.dataset == "synthetic" else f"{name}-{self.dataset}"
        return f"{name}-replayed" if self.replayed else name

    @property
    def items_written(self) -> int:
        """The items the run wrote: ``items``, or fewer where it stopped early on its time
        or memory budget (``growth.stopped``: the scale grid's runs). What a report's
        ``items`` column shows, so a throughput is read beside the size it was measured at."""
        stopped = self.growth.stopped if self.growth is not None else None
        return int(stopped["items"]) if stopped else self.items

    @property
    def replayed(self) -> bool:
        """Whether its embed stage replayed precomputed vectors (``--vectors``): its
        throughput is the stores' alone, the model's cost left out."""
        embedder = self.settings.get("embedder")
        return isinstance(embedder, dict) and embedder.get("embed") == "replayed"

    @property
    def call_samples_ms(self) -> list[float]:
        """The calls' latencies as a user sees them: response times (from each call's
        intended start) in an open-loop run, else the calls' latencies."""
        if self.offered is not None:
            return list(self.offered.response_samples_ms)
        return self.samples_ms

    @property
    def call_latency_ms(self) -> dict[str, float]:
        """``call_samples_ms`` summarised (p50 and p99 at least)."""
        if self.offered is not None:
            return dict(self.offered.response_ms)
        return self.latency_ms

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of the result (each section as its own object)."""
        return {
            f.name: v.to_dict() if isinstance(v, Section) else copy.deepcopy(v)
            for f in fields(self)
            for v in (getattr(self, f.name),)
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Result:
        if not isinstance(data, dict):
            raise ResultError("a result must be a JSON object")
        version = data.get("schema_version")
        if version not in (SCHEMA_VERSION, *COMPATIBLE_SCHEMAS):
            raise ResultError(
                f"schema_version {version!r} is not {SCHEMA_VERSION}; "
                "re-run the benchmark with this version of agentmem-lab"
            )
        known = {f.name for f in fields(cls)}
        missing = [
            f.name
            for f in fields(cls)
            if f.name not in data and f.default is MISSING and f.default_factory is MISSING
        ]
        if missing:
            raise ResultError(f"result lacks {', '.join(missing)}")
        try:
            return cls(**{k: v for k, v in data.items() if k in known})
        except TypeError as exc:
            raise ResultError(str(exc)) from None

    def dump(self, path: str | Path) -> None:
        """Write atomically: a temporary file in the same folder, fsync, then rename."""
        write_json_atomic(path, self.to_dict())

    @classmethod
    def load(cls, path: str | Path) -> Result:
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
        except json.JSONDecodeError as exc:
            raise ResultError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from None
        try:
            return cls.from_dict(data)
        except ResultError as exc:
            raise ResultError(f"{path}: {exc}") from None


def config_name(
    mode: str,
    batch_size: int,
    concurrency: int,
    embedder: str,
    profile: str,
    system: str = "agentmem",
    shards: int = 1,
) -> str:
    """A configuration's name: ``bulk-b1000-c1-hash``; another system than agentmem leads
    (``mem0-b10-c1-hash``: mem0 has one mode); shards follow (``bulk-b1000-c1-hash-s2``)."""
    safe = embedder.replace("/", "_").replace(":", "-")
    suffix = "" if profile in ("real", embedder) else f"-{profile}"
    lead = mode if system == "agentmem" else system
    sharded = f"-s{shards}" if shards != 1 else ""
    return f"{lead}-b{batch_size}-c{concurrency}-{safe}{suffix}{sharded}"


def _flatten(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(f"{prefix}.{k}" if prefix else str(k), v, out)
    else:
        out[prefix] = value


def to_frame(results: Iterable[Result]) -> Any:
    """One row per result; nested fields flattened (``latency_ms.p50``); samples left out."""
    import pandas as pd

    rows = []
    for r in results:
        d = r.to_dict()
        d.pop("samples_ms")
        d.pop("repeat_throughput_ops_s")
        d.pop("environment")
        row: dict[str, Any] = {"name": r.name}
        _flatten("", d, row)
        rows.append(row)
    return pd.DataFrame(rows)


def samples_frame(results: Iterable[Result]) -> Any:
    """Long format: one row per measured call (name, mode, batch_size, ..., latency_ms)."""
    import pandas as pd

    rows = []
    for r in results:
        for i, s in enumerate(r.samples_ms):
            rows.append(
                {
                    "name": r.name,
                    "mode": r.mode,
                    "batch_size": r.batch_size,
                    "concurrency": r.concurrency,
                    "embedder": r.embedder,
                    "profile": r.profile,
                    "call": i,
                    "latency_ms": s,
                }
            )
    return pd.DataFrame(rows)


def non_default_stores(result: Result) -> dict[str, Any]:
    """The store settings a result ran with that are not the defaults (a setting recorded
    before it existed, in an older result, held its default)."""
    stores = result.settings.get("stores", {})
    return {
        name: value
        for name, value in stores.items()
        if name not in DEFAULT_STORES or value != DEFAULT_STORES[name]
    }


def has_default_stores(result: Result) -> bool:
    """Whether a result used the default store settings (not a frontier variant)."""
    return not non_default_stores(result)


def plain_writes(result: Result) -> bool:
    """Closed-loop writes and nothing else: not offered at a rate (its throughput is the
    offer's), no searches during the writes or before the messages. What throughput
    figures and targets compare."""
    return result.offered is None and result.reads is None and result.user_reads is None


def baseline(results: Iterable[Result]) -> list[Result]:
    """AgentMem's one-process closed-loop results with default store settings (all of
    AgentMem's when none has the defaults): what the targets and the main figures show.
    Peers, sharded runs, offered load and runs on a dataset of real messages have their own
    sections."""
    rs = [
        r
        for r in results
        if r.system == "agentmem" and r.shards == 1 and plain_writes(r) and r.dataset == "synthetic"
    ]
    default = [r for r in rs if has_default_stores(r)]
    return default or rs


def find_results(directory: str | Path) -> list[Path]:
    """Every result.json below a directory, sorted."""
    return sorted(Path(directory).rglob("result.json"))


def summary_line(r: Result) -> str:
    """A one-line summary of a result, for the CLI."""
    i = r.integrity
    recall = "n/a" if i.self_recall_at_1 is None else f"{i.self_recall_at_1:.3f}"
    harness_text = ""
    if r.harness:
        harness_text = (
            f"; harness {r.harness.per_call_us['p50']:,.1f} us/call "
            f"({r.harness.share_of_call_p50:.1%} of the call)"
        )
    load = ""
    if r.vector_load:
        v = r.vector_load
        load = (
            f"; {v.backend} load {v.load_s:.3f} s (insert {v.insert_s:.3f} + "
            f"optimize {v.optimize_s:.3f})"
        )
    search = ""
    if r.search:
        search = f" search p50 {r.search.p50_ms:.3f} ms recall@10 {r.search.recall_at_10:.3f}"
    cores = "" if r.cores_busy is None else f"; {r.cores_busy:.2f} cores busy"
    replayed = " (stores only: vectors replayed, the model's cost left out)" if r.replayed else ""
    offered = ""
    if r.offered:
        ld = r.offered
        how = ""
        if ld.trace is not None:
            how = f" as the trace x{ld.trace['speedup']:g} (mean"
            how += f", peak {ld.offered_peak_ops_s:,.0f}/s)" if ld.offered_peak_ops_s else ")"
        offered = (
            f"; offered {ld.offered_ops_s:,.0f} ops/s{how} achieved "
            f"{ld.achieved_ops_s:,.0f}, response p99 {ld.response_ms['p99']:.3f} ms "
            f"(service {ld.service_ms['p99']:.3f}), late {ld.late}/{ld.calls}"
        )
    if r.reads:
        rd = r.reads
        if rd.response_ms is not None:
            offered += (
                f"; search during writes p50 {rd.response_ms['p50']:.3f} ms p99 "
                f"{rd.response_ms['p99']:.3f} ms"
            )
        fr = rd.freshness
        if "searchable_after_ms" in fr:
            offered += (
                f"; searchable after p50 {fr['searchable_after_ms']['p50']:.3f} ms "
                f"p99 {fr['searchable_after_ms']['p99']:.3f} ms "
                f"({fr['found']}/{fr['probed']} found)"
            )
        elif fr["probed"]:
            offered += f"; searchable after: none of {fr['probed']} probes found during writes"
    ur = r.user_reads
    if ur and ur.search_ms:
        offered += (
            f"; {ur.reads} reads per user ({ur.method}) p50 {ur.search_ms['p50']:.3f} ms "
            f"p99 {ur.search_ms['p99']:.3f} ms"
        )
        if ur.recall:
            offered += f", recall@10 within the user {ur.recall['recall_at_10']:.3f}"
    return (
        f"{r.name}: {r.throughput_ops_s:,.0f} ops/s{replayed}, call p50 "
        f"{r.latency_ms['p50']:.3f} ms p99 {r.latency_ms['p99']:.3f} ms, "
        f"acknowledged {i.acknowledged}/{r.items} "
        f"failed {i.failed} lost {i.lost} orphans {i.orphans} "
        f"self-recall {recall}{search}{load}{cores}{offered}{harness_text}"
    )
