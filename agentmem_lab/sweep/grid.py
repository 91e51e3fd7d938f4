"""A sweep's grid: the configurations a grid file names (data/sweep.toml), each one's name and
notebook parameters, whether a folder already holds it, the stage embedders and the capacity
searches it asks for.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentmem_lab.core.errors import (
    ConfigError,
    ResultError,
)
from agentmem_lab.core.paths import data_file, read_toml
from agentmem_lab.measuring.resolve import RunConfig, from_parameters
from agentmem_lab.measuring.runner import trace_mean_rate
from agentmem_lab.measuring.shards import shard_count
from agentmem_lab.schema.result import Result, config_name


@dataclass(frozen=True)
class Planned:
    """One configuration of a sweep: its name and the notebook parameters."""

    name: str
    parameters: dict[str, Any]
    #: Why it cannot run on this machine, found at planning: a configuration that replays
    #: vectors not built here (``vectors = "cached"``) is the sweep's failed configuration
    #: with this line, and the others run.
    unready: str | None = None


def _stores_tag(stores: dict[str, Any]) -> str:
    short = {
        "vector_store": "",
        "usearch_dtype": "",
        "hnsw_connectivity": "m",
        "hnsw_expansion_add": "ea",
        "hnsw_expansion_search": "es",
        "usearch_threads": "t",
        "sqlite_synchronous": "sync",
        "core_store": "core-",
        "history_store": "history-",
        "pg_synchronous_commit": "pgsync-",
        "pg_transport": "",
        "langgraph_store": "",
        "txtai_backend": "",
    }
    from agentmem_lab.settings import canonical

    named = {canonical(k): v for k, v in stores.items()}
    values = {"postgres": "pg"}
    return "".join(f"-{short.get(k, k)}{values.get(str(v), v)}" for k, v in sorted(named.items()))


#: Short names of the group settings that name a configuration (others do not: a group's
#: self_recall_sample, say, changes a check, not what is measured).
_SETTING_TAGS = {
    "rate": "r",
    "search_rate": "q",
    "arrivals": "",
    "max_in_flight": "f",
    "speedup": "x",
    "max_gap": "g",
    "dataset": "",
    "read_per_message": "read",
}
#: Values that leave a configuration's name as it was (the defaults of tagged settings).
_UNTAGGED = {("arrivals", "uniform"), ("dataset", "synthetic")}


def _settings_tag(extra: dict[str, Any]) -> str:
    from agentmem_lab.settings import canonical

    named = {canonical(k): v for k, v in extra.items()}
    return "".join(
        f"-{_SETTING_TAGS[k]}{v:g}" if isinstance(v, float) else f"-{_SETTING_TAGS[k]}{v}"
        for k, v in sorted(named.items(), key=lambda kv: (kv[0] != "dataset", kv[0]))
        if k in _SETTING_TAGS and (k, v) not in _UNTAGGED
    )


def plan(
    grid: str | Path | None = None, quick: bool = False, processes: int | None = None
) -> list[Planned]:
    """The configurations of a grid file (default data/sweep.toml). ``processes``: each
    configuration in that many fresh processes (default: the grid's ``processes``, else 1;
    ``quick_processes`` with ``quick``)."""
    path = Path(grid) if grid is not None else data_file("sweep.toml")
    data = read_toml(path, "--config")
    try:
        modes: dict[str, list[int]] = data["modes"]
        groups: list[dict[str, Any]] = data["group"]
        concurrency: list[int] = data.get("concurrency", [1])
    except KeyError as exc:
        raise ConfigError("--config", f"{path}: lacks {exc.args[0]!r}") from None
    repeats = data.get("quick_repeats", 1) if quick else data.get("repeats", 1)
    if processes is None:
        processes = data.get("quick_processes", 1) if quick else data.get("processes", 1)
    if not isinstance(processes, int) or isinstance(processes, bool) or processes < 1:
        raise ConfigError("--processes", f"must be an integer >= 1, got {processes!r}")
    queries = data.get("quick_search_queries", 10) if quick else data.get("search_queries", 100)
    out: list[Planned] = []
    for g in groups:
        items_map = g.get("quick_items" if quick else "items", {})
        for backend in g.get("vector_stores", [None]):
            stores = dict(g.get("stores", {}))
            if backend is not None:
                stores["vector_store"] = backend
            for rate in g.get("rates", [None]):  # offered load as a dimension
                out += _group_configs(
                    path,
                    data,
                    g,
                    modes,
                    concurrency,
                    items_map,
                    stores,
                    repeats,
                    queries,
                    rate,
                    processes,
                )
    names = [p.name for p in out]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise ConfigError("--config", f"{path}: configurations repeat: {', '.join(sorted(dupes))}")
    return out


def _group_configs(
    path: Path,
    data: dict[str, Any],
    g: dict[str, Any],
    modes: dict[str, list[int]],
    concurrency: list[int],
    items_map: dict[str, Any],
    stores: dict[str, Any],
    repeats: int,
    queries: int,
    rate: float | None = None,
    processes: int = 1,
) -> list[Planned]:
    """One group's configurations (a group may narrow the grid: its own modes and
    concurrency levels; ``settings``: other settings of its runs; ``rates``: offered load,
    one configuration per rate)."""
    out: list[Planned] = []
    for mode, sizes in g.get("modes", modes).items():
        for b in sizes:
            if str(b) not in items_map:
                raise ConfigError(
                    "--config", f"{path}: group {g.get('embedder')} has no items for batch size {b}"
                )
            items = int(items_map[str(b)])
            for c, n in [
                (c, n) for c in g.get("concurrency", concurrency) for n in _shard_counts(g)
            ]:
                params: dict[str, Any] = {
                    "mode": mode,
                    "batch_size": b,
                    "items": items,
                    "concurrency": c,
                    "embedder": g.get("embedder", "hash"),
                    "profile": g.get("profile", "real"),
                    "repeats": min(repeats, -(-items // b)),
                    "warmup": data.get("warmup", 1),
                    "seed": data.get("seed", 0),
                    "search_queries": queries,
                }
                system = g.get("system", "agentmem")
                if system != "agentmem":
                    params["system"] = system
                if n != 1:
                    params["shards"] = n
                if processes != 1:
                    params["processes"] = processes
                params.update(stores)
                extra = dict(g.get("settings", {}))
                if rate is not None:
                    extra["rate"] = float(rate)
                params.update(extra)
                label = params["embedder"] if params["profile"] == "real" else "simulated"
                name = (
                    config_name(mode, b, c, label, params["profile"], system, n)
                    + _stores_tag(stores)
                    + _settings_tag(extra)
                )
                params["label"] = name
                try:
                    config = check_parameters(params)
                except ConfigError as exc:
                    if params.get("vectors") != "cached":
                        raise
                    out.append(Planned(name, params, unready=str(exc)))
                    continue
                out.append(Planned(name, params))
                if g.get("uniform_twin") and config.arrivals == "trace":
                    out.append(_uniform_twin(name, params, config))
    return out


def _uniform_twin(name: str, params: dict[str, Any], config: RunConfig) -> Planned:
    """A trace configuration's twin: the same messages offered evenly at the trace's mean
    rate (a group's ``uniform_twin = true``), to tell what the trace's bursts cost; named
    as the trace, ``-uniform`` for ``-trace``."""
    rate = round(trace_mean_rate(config), 2)
    twin = {k: v for k, v in params.items() if k not in ("arrivals", "speedup", "max_gap")}
    twin["rate"] = rate
    # named after its trace, not its rate: --quick's trace (fewer messages) has another mean
    twin_name = name.replace("-trace", "-uniform", 1)
    twin["label"] = twin_name
    check_parameters(twin)
    return Planned(twin_name, twin)


def _shard_counts(group: dict[str, Any]) -> list[int]:
    """A group's ``shards`` list, 0 resolved to this machine's cores, repeats dropped (on a
    2-core machine, ``[2, 0]`` is one configuration)."""
    out: list[int] = []
    for n in group.get("shards", [1]):
        k = shard_count(int(n))
        if k not in out:
            out.append(k)
    return out


def check_parameters(params: dict[str, Any]) -> RunConfig:
    """Validate a configuration before any notebook starts (one-line error)."""
    return from_parameters(**params)


def is_complete(cdir: Path, params: dict[str, Any]) -> bool:
    """A configuration is complete when its result.json loads and matches its parameters."""
    try:
        r = Result.load(cdir / "result.json")
    except (OSError, ResultError):
        return False
    measured_in = r.processes.count if r.processes else 1
    return (
        r.mode,
        r.batch_size,
        r.items,
        r.concurrency,
        r.profile,
        r.repeats,
        r.seed,
        measured_in,
    ) == (
        params["mode"],
        params["batch_size"],
        params["items"],
        params["concurrency"],
        params["profile"],
        params["repeats"],
        params["seed"],
        params.get("processes", 1),
    ) and r.label == params["label"]


def stage_embedders(configs: list[Planned]) -> list[str]:
    """The embedders the sweep measures with real components: the stage claims are judged
    for each (the embedder alone, and the stores alone)."""
    names: list[str] = []
    for p in configs:
        e = p.parameters.get("embedder", "hash")
        if p.parameters.get("profile", "real") == "real" and e not in names:
            names.append(e)
    return names


def on_server_config(p: Planned, server: str = "postgres") -> bool:
    """Whether a planned configuration keeps a store on a PostgreSQL (or Redis) server: the
    stages then measure the writes there, its costs and its own limit."""
    get = p.parameters.get
    vector = "pgvector" if server == "postgres" else server
    return get("profile", "real") == "real" and (
        server in (get("core_store"), get("history_store"))
        or str(get("vector_store", "")).startswith(vector)
    )


@dataclass(frozen=True)
class CapacityPlan:
    """One capacity search of a grid (``[[capacity]]``): a configuration and its probes."""

    name: str
    parameters: dict[str, Any]
    slo_p99_ms: float
    min_calls: int
    max_probes: int


def capacity_plan(grid: str | Path | None = None, quick: bool = False) -> list[CapacityPlan]:
    """The capacity searches of a grid file: each ``[[capacity]]`` table is a configuration
    (mode, batch_size, items, embedder, ...), with the probes' settings of
    ``[capacity_probes]`` (``quick_*`` for ``--quick``)."""
    path = Path(grid) if grid is not None else data_file("sweep.toml")
    data = read_toml(path, "--config")
    probes = data.get("capacity_probes", {})

    def probe_setting(key: str, default: Any) -> Any:
        return (
            probes.get(f"quick_{key}", probes.get(key, default))
            if quick
            else probes.get(key, default)
        )

    out = []
    for table in data.get("capacity", []):
        params = {k: v for k, v in table.items() if k not in ("items", "quick_items")}
        params["items"] = table.get("quick_items" if quick else "items", table.get("items"))
        params.setdefault("search_queries", 0)
        params.setdefault("warmup", data.get("warmup", 1))
        params.setdefault("seed", data.get("seed", 0))
        label = (
            params.get("embedder", "hash")
            if params.get("profile", "real") == "real"
            else "simulated"
        )
        system = params.get("system", "agentmem")
        config = check_parameters(params)
        name = config_name(
            config.mode, config.batch_size, 1, label, params.get("profile", "real"), system
        )
        params["label"] = name
        out.append(
            CapacityPlan(
                name,
                params,
                float(probe_setting("slo_p99_ms", 100.0)),
                int(probe_setting("min_calls", 20)),
                int(probe_setting("max_probes", 9)),
            )
        )
    return out
