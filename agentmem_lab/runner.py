"""The runner: drives a mode over real or simulated stores and measures it.

A straight sequence of small steps: check the configuration, make the items, warm up on
scratch stores, run the measured calls (split into repeats) with C concurrent clients in
one event loop, check integrity and search, and write result.json atomically.

Figures: a call's latency runs from the moment its client starts it until it returns
(closed-loop clients: a client starts its next call when the last one returns, so no
call waits on a schedule). Item latency is the call latency divided by the items in the
call. Throughput is acknowledged items divided by measured wall seconds.
"""

from __future__ import annotations

import asyncio
import gc
import math
import os
import shutil
import signal
import statistics
import threading
import time
import warnings
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from pathlib import Path
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Coroutine, Iterator, NamedTuple, Sequence, TypeVar

from . import environment, harness, resources
from . import settings as declared
from . import shards as shard_run
from .shards import shard_count
from .corpus import generate_lines, load_lines, make_items
from .embedders import Embedder, SimulatedEmbedder, check_embedder_name, get_embedder
from .errors import ConfigError, Interrupted, StorageError
from .loops import loop_factory
from .integrity import integrity_counts, search_figures, self_recall_at_1
from .modes import STAGES, Adder, get_mode
from .records import MemoryItem
from .registry import Registry
from .results import Result, write_json_atomic
from .stats import summarize
from .stores import StoreSet, StoreSettings, real_stores, simulated_stores
from .systems import SYSTEMS
from .verify import ACK_LOG, RUN_META

T = TypeVar("T")


@dataclass(frozen=True)
class Profile:
    """How a run gets its embedder and stores: real components, or the seed's model."""

    name: str
    description: str
    embedder: Callable[["RunConfig"], Embedder]
    stores: Callable[["RunConfig", Path, int], StoreSet]
    future_replies: bool = False  # its stores answer with futures (the harness measures alike)


PROFILES: Registry[Profile] = Registry("profile", "--profile")
PROFILES.register("real")(Profile(
    "real", "real embedder and real embedded stores (aiosqlite, usearch)",
    lambda c: get_embedder(c.embedder, onnx_threads=c.onnx_threads),
    lambda c, d, ndim: real_stores(d, c.stores, ndim),
))
PROFILES.register("simulated")(Profile(
    "simulated", "the seed's latency model: embedder and stores sleep its assumed latencies",
    lambda c: SimulatedEmbedder(),
    lambda c, d, ndim: simulated_stores(),
    future_replies=True,
))


@dataclass(frozen=True)
class RunConfig:
    """Every setting of one run, as declared in ``settings`` (defaults, types, bounds and
    choices come from there). Checked on construction; errors name the CLI option."""

    batch_size: int
    items: int
    mode: str = declared.default("mode")  # None: the system's own (mem0: sequential)
    system: str = declared.default("system")
    concurrency: int = declared.default("concurrency")
    shards: int = declared.default("shards")
    embedder: str = declared.default("embedder")
    profile: str = declared.default("profile")
    repeats: int = declared.default("repeats")
    warmup: int = declared.default("warmup")
    seed: int = declared.default("seed")
    corpus: str | None = declared.default("corpus")
    stores: StoreSettings = field(default_factory=StoreSettings)
    onnx_threads: int | None = declared.default("onnx_threads")
    search_queries: int = declared.default("search_queries")
    event_loop: str = declared.default("event_loop")  # see loops.py: measured faster
    label: str | None = declared.default("label")
    fail_rate: float = declared.default("fail_rate")  # every store's write failure probability
    fail_rate_core: float | None = declared.default("fail_rate_core")  # per store; None: fail_rate
    fail_rate_vector: float | None = declared.default("fail_rate_vector")
    fail_rate_history: float | None = declared.default("fail_rate_history")

    def __post_init__(self) -> None:
        declared.check(self, "run")
        if not isinstance(self.stores, StoreSettings):
            raise ConfigError("stores", f"must be StoreSettings, got {self.stores!r}")
        loop_factory(self.event_loop)  # uvloop missing: one line, now
        if self.mode is None:
            if self.system == "agentmem":
                raise ConfigError("--mode", "is required: sequential, parallel, batch or bulk")
            object.__setattr__(self, "mode", "sequential")  # a peer's one add path
        SYSTEMS.get(self.system).check(self)
        if self.shards != 1 and (self.system != "agentmem" or self.profile != "real"):
            raise ConfigError("--shards", "shards run agentmem's write path on real stores "
                                          "(--system agentmem, --profile real)")
        check_embedder_name(self.embedder)
        if self.profile == "real" and self.embedder == "minilm":
            from .errors import ModelNotInstalledError
            from .models import MINILM, installed_model_dir

            try:
                installed_model_dir(MINILM)
            except ModelNotInstalledError as exc:
                raise ConfigError("--embedder", str(exc)) from None
        if self.items < self.batch_size:
            raise ConfigError("--items", f"must be at least --batch-size ({self.batch_size}), "
                                         f"got {self.items}")
        if self.calls < self.repeats:
            raise ConfigError("--repeats", f"must be at most the number of calls "
                                           f"({self.calls} = ceil(items / batch size)), got {self.repeats}")
        if self.corpus is not None:
            load_lines(self.corpus)  # a one-line CorpusError naming the line, before any work

    @classmethod
    def from_values(cls, values: dict[str, Any], where: Callable[[declared.Setting], str]
                    | None = None, ignore: Sequence[str] = ()) -> "RunConfig":
        """A RunConfig from settings by name (CLI arguments, notebook parameters, a sweep
        plan): each checked by its declaration, errors naming it as ``where`` says."""
        checked = declared.normalise(values, where, ignore)
        stores = {s.name: checked.pop(s.name) for s in declared.of_scope("stores")
                  if s.name in checked}
        return cls(stores=StoreSettings(**stores), **checked)

    @property
    def fail_rates(self) -> dict[str, float]:
        """Each store's injected write failure probability."""
        out = {}
        for store in ("core", "vector", "history"):
            own = getattr(self, f"fail_rate_{store}")
            out[store] = self.fail_rate if own is None else own
        return out

    @property
    def calls(self) -> int:
        return math.ceil(self.items / self.batch_size)

    @property
    def embedder_label(self) -> str:
        return "simulated" if self.profile == "simulated" else self.embedder

    def to_settings(self) -> dict[str, Any]:
        """The settings recorded with the result: every declared one the result does not
        hold as its own field, the store settings under "stores"."""
        from .results import Result

        own = {f.name for f in fields(Result)}
        out: dict[str, Any] = {"stores": self.stores.to_dict()}
        out.update({s.name: getattr(self, s.name) for s in declared.of_scope("run")
                    if s.name not in own})
        out["fail_rates"] = self.fail_rates
        return out


_NO_SPANS = (0.0,) * len(STAGES)


class CallRecord(NamedTuple):
    """One measured call. Only atoms and tuples of atoms: the cyclic garbage collector stops
    tracking such tuples, so a run of 100,000 calls does not make every later collection
    scan 100,000 records (that scan was half the harness's cost at batch 1: 3.3 µs per
    item with the collector on, 1.6 µs with it off, before records became tuples)."""

    latency_s: float
    items: int
    acked: tuple[int, ...]
    failed: tuple[int, ...]
    stages_s: tuple[float, ...]  # span of each stage in STAGES order; 0.0 when absent


def chunks(items: Sequence[MemoryItem], size: int) -> list[Sequence[MemoryItem]]:
    """The items in calls of ``size`` (the last may be shorter)."""
    return [items[i:i + size] for i in range(0, len(items), size)]


def split_sizes(n: int, parts: int) -> list[int]:
    """How many of ``n`` calls each of ``parts`` repeats runs (the first ones one more)."""
    base, extra = divmod(n, parts)
    return [base + (1 if p < extra else 0) for p in range(parts)]


def _split(calls: list[Sequence[MemoryItem]], parts: int) -> list[list[Sequence[MemoryItem]]]:
    out, start = [], 0
    for n in split_sizes(len(calls), parts):
        out.append(calls[start:start + n])
        start += n
    return out


async def drive(mode: Adder, calls: Sequence[Sequence[MemoryItem]], concurrency: int,
                on_call: Callable[[CallRecord], None] | None = None,
                ) -> tuple[list[CallRecord], float]:
    """Run the calls with ``concurrency`` closed-loop clients; returns records and wall seconds.
    ``on_call`` sees each record as its call returns (the acknowledgement log)."""
    it: Iterator[Sequence[MemoryItem]] = iter(calls)
    records: list[CallRecord] = []
    clock = time.perf_counter

    async def client() -> None:
        add, append = mode.add, records.append  # looked up once: this loop is the harness
        for batch in it:  # clients share one iterator: each call is taken once
            t0 = clock()
            outcome = await add(batch)
            spans = outcome.stages_s
            record = CallRecord(clock() - t0, len(batch), tuple(outcome.acked),
                                tuple(outcome.failed),
                                tuple([spans.get(s, 0.0) for s in STAGES]) if spans else _NO_SPANS)
            append(record)
            if on_call is not None:
                on_call(record)

    t_start = clock()
    await asyncio.gather(*(client() for _ in range(min(concurrency, len(calls)))))
    return records, clock() - t_start


def prepare_out_dir(out: str | Path) -> Path:
    """Create ``out`` or fail with a one-line error naming --out."""
    p = Path(out)
    if p.exists() and not p.is_dir():
        raise ConfigError("--out", f"{p} is an existing file, not a directory")
    try:
        p.mkdir(parents=True, exist_ok=True)
        probe = p / ".write-probe"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise ConfigError("--out", f"cannot write to {p}: {exc.strerror or exc}") from None
    return p


async def _measure(config: RunConfig, embedder: Embedder, warm: Sequence[MemoryItem],
                   items: Sequence[MemoryItem], out: Path) -> dict[str, Any]:
    system = SYSTEMS.get(config.system)
    if warm:
        warm_dir = out / "stores-warmup"
        shutil.rmtree(warm_dir, ignore_errors=True)
        async with await system.open(config, warm_dir, embedder, faults=False) as scratch:
            await drive(scratch, chunks(warm, config.batch_size), config.concurrency)
        shutil.rmtree(warm_dir, ignore_errors=True)
    stores_dir = out / "stores"
    shutil.rmtree(stores_dir, ignore_errors=True)
    stores_dir.mkdir(parents=True)
    # How to reopen these stores (agentmem-lab verify), written before the first write.
    write_json_atomic(stores_dir / RUN_META, {
        "system": config.system, "profile": config.profile, "embedder": config.embedder,
        "onnx_threads": config.onnx_threads, "stores": config.stores.to_dict(),
        "mode": config.mode, "items": config.items})
    target = await system.open(config, stores_dir, embedder, faults=True)
    ack_log = open(stores_dir / ACK_LOG, "a", encoding="ascii")

    def log_acks(record: CallRecord) -> None:
        # Written and flushed to the OS after each call: a killed process loses nothing of it.
        if record.acked:
            try:
                ack_log.write("".join(f"{k}\n" for k in record.acked))
                ack_log.flush()
            except OSError as exc:
                raise StorageError.from_os_error("acknowledgement log", stores_dir / ACK_LOG,
                                                 exc) from None

    try:
        records: list[CallRecord] = []
        repeat_tput: list[float] = []
        wall = 0.0
        cpu = 0.0
        for group in _split(chunks(items, config.batch_size), config.repeats):
            cpu0 = time.process_time()
            recs, seconds = await drive(target, group, config.concurrency, log_acks)
            cpu += time.process_time() - cpu0
            records += recs
            wall += seconds
            repeat_tput.append(sum(len(r.acked) for r in recs) / seconds if seconds > 0 else 0.0)
        acked = {k for r in records for k in r.acked}
        failed = sum(len(r.failed) for r in records)
        vector_load = await target.finish()
        integrity: dict[str, Any] = integrity_counts(await target.store_keys(), acked, failed)
        stored = [i for i in items if i.key in acked]
        searcher = target.searcher()
        integrity["self_recall_at_1"] = await self_recall_at_1(searcher, embedder, stored,
                                                               seed=config.seed)
        queries = [line.content for line in generate_lines(config.search_queries,
                                                            seed=config.seed + 1_000_003)]
        search = await search_figures(searcher, embedder, stored, queries)
        overhead = await system.harness(config, chunks(items, config.batch_size), embedder.dim)
    except BaseException:
        # The run failed (a full disk, an interrupt): close what can be closed, and let the
        # first error speak; the stores stay as they are for `agentmem-lab verify`.
        _close_quietly(ack_log)
        try:
            await target.close()
        except Exception:
            pass
        raise
    try:
        ack_log.close()
    except OSError as exc:
        raise StorageError.from_os_error("acknowledgement log", stores_dir / ACK_LOG, exc) from None
    await target.close()
    return {"records": records, "wall": wall, "repeat_tput": repeat_tput,
            "integrity": integrity, "search": search, "acked": len(acked), "harness": overhead,
            "vector_load": vector_load, "store_settings": target.settings(), "cpu_s": cpu}


def _measure_sharded(config: RunConfig, embedder: Embedder, warm: Sequence[MemoryItem],
                     items: Sequence[MemoryItem], out: Path, shards: int) -> dict[str, Any]:
    """``_measure`` over worker processes, one per shard (``shards``)."""
    m = shard_run.measure(config, warm, items, out, shards)
    records: list[CallRecord] = m["records"]
    acked = {k for r in records for k in r.acked}
    failed = sum(len(r.failed) for r in records)
    stored = [i for i in items if i.key in acked]
    checks = run_in_own_loop(shard_run.check(config, embedder, m["shard_dirs"], stored, acked,
                                             failed), config.event_loop)
    system = SYSTEMS.get(config.system)
    overhead = run_in_own_loop(system.harness(config, chunks(items, config.batch_size),
                                              embedder.dim), config.event_loop)
    return {"records": records, "wall": m["wall"], "repeat_tput": m["repeat_tput"],
            "integrity": checks["integrity"], "search": checks["search"], "acked": len(acked),
            "harness": overhead, "vector_load": m["vector_load"],
            "store_settings": m["store_settings"], "cpu_s": m["cpu_s"],
            "shards": {"shards": shards, "items": m["shard_items"], "clients": m["clients"],
                       "partition": "by user id, users dealt largest first to the least "
                                    "loaded shard"}}


def _close_quietly(f: Any) -> None:
    try:
        f.close()
    except OSError:
        pass


async def _cancelled_by_sigterm(coro: Coroutine[Any, Any, T]) -> T:
    """``coro``, cancelled at an await point by SIGTERM (as asyncio.run does on SIGINT):
    a signal that raised at whatever line runs would abandon tasks and coroutines."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    if task is None or threading.current_thread() is not threading.main_thread():
        return await coro
    before = signal.getsignal(signal.SIGTERM)
    loop.add_signal_handler(signal.SIGTERM, task.cancel)
    try:
        return await coro
    finally:
        loop.remove_signal_handler(signal.SIGTERM)
        signal.signal(signal.SIGTERM, before)


def _never_awaited(w: warnings.WarningMessage) -> bool:
    return issubclass(w.category, RuntimeWarning) and "was never awaited" in str(w.message)


def run_in_own_loop(coro: Coroutine[Any, Any, T], event_loop: str = "asyncio") -> T:
    """Run a coroutine in a fresh event loop of the named kind (``loops``). Inside a running
    loop (a Jupyter kernel), the fresh loop runs on its own thread: all timing still happens
    inside one loop. SIGINT (asyncio.Runner's own handling) and SIGTERM cancel it at an
    await point."""
    factory = loop_factory(event_loop)

    def go() -> T:
        # An interrupt cancels the writes in flight; a write whose task was cancelled before
        # it started is a coroutine never awaited, and Python warns about each one. Those
        # were cancelled on purpose (verify repairs what they left), so on an interrupt they
        # are dropped; every other warning (and these, when the run was not interrupted) is
        # issued as usual.
        interrupted = False
        caught: list[warnings.WarningMessage] = []
        try:
            with warnings.catch_warnings(record=True) as caught:  # type: ignore[assignment]
                warnings.simplefilter("default")
                try:
                    with asyncio.Runner(loop_factory=factory) as runner:
                        return runner.run(_cancelled_by_sigterm(coro))
                except (KeyboardInterrupt, asyncio.CancelledError):
                    interrupted = True
                    gc.collect()
                    raise
        finally:
            for w in caught:
                if not (interrupted and _never_awaited(w)):
                    warnings.warn_explicit(w.message, w.category, w.filename, w.lineno,
                                           source=w.source)

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return go()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="agentmem-lab-loop") as pool:
        return pool.submit(go).result()


def needs(config: RunConfig, dim: int) -> resources.Estimate:
    """The memory and disk a run of this configuration needs, estimated (``resources``)."""
    content = resources.GENERATOR_CONTENT_BYTES
    if config.corpus is not None:
        # Bytes per line bound what an item stores (content and metadata), without parsing
        # the corpus again (RunConfig has checked it, make_items will read it).
        data = Path(config.corpus).read_bytes()
        content = len(data) / max(1, sum(1 for line in data.splitlines() if line.strip()))
    # Other backends than usearch keep float32 vectors (the graph estimate is usearch's:
    # an approximation for them).
    dtype = config.stores.usearch_dtype if config.stores.vector_store == "usearch" else "f32"
    return resources.estimate(config.items, config.warmup * config.batch_size, dim,
                              dtype, config.stores.hnsw_connectivity,
                              content, config.search_queries,
                              on_disk=config.profile != "simulated")


def run(config: RunConfig, out: str | Path) -> Result:
    """Run one configuration and write ``out/result.json``; returns the result.
    Interrupted (Ctrl-C, SIGTERM), it writes no result and raises Interrupted saying what
    was left."""
    out_dir = prepare_out_dir(out)
    try:
        return _run(config, out_dir)
    except (KeyboardInterrupt, asyncio.CancelledError):
        if (out_dir / "stores" / RUN_META).exists():
            hint = (f"no result written; the stores under {out_dir / 'stores'} are left for: "
                    f"agentmem-lab verify {out_dir}")
        else:
            hint = "no result written; nothing was stored yet"
        raise Interrupted(hint) from None


def _run(config: RunConfig, out_dir: Path) -> Result:
    # An earlier result in this folder describes stores this run is about to replace.
    (out_dir / "result.json").unlink(missing_ok=True)
    started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    warm_n = config.warmup * config.batch_size
    profile = PROFILES.get(config.profile)
    embedder = profile.embedder(config)
    try:
        # Before any item is made: a run that cannot fit memory or disk is refused.
        resources.check_fits(needs(config, embedder.dim), out_dir, config.items)
        everything = make_items(warm_n + config.items, seed=config.seed, corpus=config.corpus)
        warm, items = everything[:warm_n], everything[warm_n:]
        shards = shard_count(config.shards)
        if shards > 1:
            m = _measure_sharded(config, embedder, warm, items, out_dir, shards)
        else:
            m = run_in_own_loop(_measure(config, embedder, warm, items, out_dir),
                                config.event_loop)
        embedder_settings = embedder.settings()
    finally:
        embedder.close()
    records: list[CallRecord] = m["records"]
    call_ms = [r.latency_s * 1000.0 for r in records]
    item_ms = [r.latency_s * 1000.0 / r.items for r in records]
    stages_ms = {s: sum(r.stages_s[n] for r in records) * 1000.0 / len(records)
                 for n, s in enumerate(STAGES)}

    def summary(xs: list[float]) -> dict[str, float]:
        s = summarize(xs)
        return {k: s[k] for k in ("p50", "p95", "p99", "mean", "min", "max")}

    settings = config.to_settings()
    settings.update({
        "profile": profile.description,
        "embedder": embedder_settings,
        "store_details": m["store_settings"],
        "latency": "closed-loop clients; a call's latency runs from its start to its return",
        "item_latency": "call latency / items in the call",
        "stages": "mean per call of each stage's span (first start to last end); "
                  "stages overlap in concurrent modes",
        "pid": os.getpid(),
        "harness": harness.describe(profile.future_replies),
        "cores_busy": "CPU seconds of the measured calls (every thread; every shard's "
                      "process) over their wall seconds",
    })
    if "shards" in m:
        settings["shard_layout"] = m["shards"]
    overhead = dict(m["harness"])
    # Its share of the measured call: how much of a figure is the harness, not the work.
    overhead["share_of_call_p50"] = (overhead["per_call_us"]["p50"] / 1000.0
                                     / max(statistics.median(call_ms), 1e-9))
    result = Result(
        mode=config.mode, batch_size=config.batch_size, items=config.items,
        concurrency=config.concurrency, repeats=config.repeats, warmup=config.warmup,
        seed=config.seed, embedder=config.embedder_label, profile=config.profile,
        corpus=config.corpus, label=config.label,
        settings=settings, environment=environment.capture(), started_at=started_at,
        wall_s=m["wall"], throughput_ops_s=m["acked"] / m["wall"] if m["wall"] > 0 else 0.0,
        latency_ms=summary(call_ms), item_latency_ms=summary(item_ms), stages_ms=stages_ms,
        integrity=m["integrity"], samples_ms=call_ms, repeat_throughput_ops_s=m["repeat_tput"],
        search=m["search"], harness=overhead, vector_load=m["vector_load"],
        system=config.system, shards=shard_count(config.shards),
        cores_busy=m["cpu_s"] / m["wall"] if m["wall"] > 0 else None,
    )
    try:
        result.dump(out_dir / "result.json")
    except OSError as exc:
        raise StorageError.from_os_error("result", out_dir / "result.json", exc) from None
    return result


def summary_line(r: Result) -> str:
    """A one-line summary of a result, for the CLI."""
    i = r.integrity
    recall = "n/a" if i["self_recall_at_1"] is None else f"{i['self_recall_at_1']:.3f}"
    harness_text = ""
    if r.harness:
        harness_text = (f"; harness {r.harness['per_call_us']['p50']:,.1f} us/call "
                        f"({r.harness['share_of_call_p50']:.1%} of the call)")
    load = ""
    if r.vector_load:
        v = r.vector_load
        load = (f"; {v['backend']} load {v['load_s']:.3f} s (insert {v['insert_s']:.3f} + "
                f"optimize {v['optimize_s']:.3f})")
    search = ""
    if r.search:
        search = f" search p50 {r.search['p50_ms']:.3f} ms recall@10 {r.search['recall_at_10']:.3f}"
    cores = "" if r.cores_busy is None else f"; {r.cores_busy:.2f} cores busy"
    return (f"{r.name}: {r.throughput_ops_s:,.0f} ops/s, call p50 {r.latency_ms['p50']:.3f} ms "
            f"p99 {r.latency_ms['p99']:.3f} ms, acknowledged {i['acknowledged']}/{r.items} "
            f"failed {i['failed']} lost {i['lost']} orphans {i['orphans']} "
            f"self-recall {recall}{search}{load}{cores}{harness_text}")
