"""The sweep: benchmark.ipynb once per configuration under papermill, then report.ipynb,
then HTML. Resumable, and a failed configuration is recorded and shown, never fatal.

Layout of a sweep folder:
    sweep.json                 the plan (configurations and their parameters)
    configs/<name>/            benchmark.ipynb (executed), benchmark.html, result.json,
                               stores/, or error.json when the configuration failed
    stages.json                the stage claims measured alone (``stages``)
    capacity/<name>/           a capacity search of the grid's [[capacity]]: capacity.json
                               and each probe's probe-result.json (``capacity``)
    report.ipynb, index.html   the report
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agentmem_lab.core.errors import (
    AgentMemLabError,
    ConfigError,
    Interrupted,
    ResultError,
    one_line,
)
from agentmem_lab.core.folderlock import FolderLock
from agentmem_lab.core.paths import data_file, notebook, read_toml, reports_dir
from agentmem_lab.measuring import capacity, stages
from agentmem_lab.measuring.folder import SERVER_DIR, prepare_out_dir
from agentmem_lab.measuring.resolve import RunConfig, from_parameters
from agentmem_lab.measuring.runner import (
    INTERLEAVED,
    PROCESSES_DIR,
    process_folders,
    run_in_fresh_process,
)
from agentmem_lab.measuring.shards import shard_count
from agentmem_lab.schema.result import CAPACITY_DIR, Result, config_name, write_json_atomic
from agentmem_lab.sweep import cluster as dask_cluster
from agentmem_lab.sweep.executor import error_text, execute, export_html

#: Rounds of the stage measurement in a full sweep (medians; 1 with --quick): 2 keep it
#: near 10 s on the 2-core machine with MiniLM, inside make report's budget.
STAGE_ROUNDS = 2


@dataclass(frozen=True)
class Planned:
    """One configuration of a sweep: its name and the notebook parameters."""

    name: str
    parameters: dict[str, Any]


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
_SETTING_TAGS = {"rate": "r", "search_rate": "q", "arrivals": "", "max_in_flight": "f"}


def _settings_tag(extra: dict[str, Any]) -> str:
    from agentmem_lab.settings import canonical

    named = {canonical(k): v for k, v in extra.items()}
    return "".join(
        f"-{_SETTING_TAGS[k]}{v:g}" if isinstance(v, float) else f"-{_SETTING_TAGS[k]}{v}"
        for k, v in sorted(named.items())
        if k in _SETTING_TAGS and not (k == "arrivals" and v == "uniform")
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
                check_parameters(params)
                out.append(Planned(name, params))
    return out


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
    measured_in = r.processes["count"] if r.processes else 1
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


@dataclass
class SweepOutcome:
    out: Path
    ran: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    index: Path | None = None


def run_sweep(
    grid: str | Path | None = None,
    quick: bool = False,
    out: str | Path | None = None,
    progress: bool = True,
    on_config: Callable[[str], None] | None = None,
    keep_stores: bool = False,
    cluster: str | None = None,
    on_every_worker: bool = False,
    processes: int | None = None,
    interleave: bool = False,
) -> SweepOutcome:
    """Run every configuration, then the report. Skips configurations already complete.
    Interrupted (Ctrl-C, SIGTERM), it raises Interrupted saying how to resume.
    ``processes``: each configuration in that many fresh processes (``--processes``);
    ``interleave``: those processes by turns across the configurations (A1 B1 C1 A2 ...)."""
    if on_every_worker and cluster is None:
        raise ConfigError("--on-every-worker", "needs --cluster")
    if interleave and cluster is not None:
        raise ConfigError(
            "--interleave",
            "runs a local sweep's processes by turns; a "
            "cluster's workers run their configurations apart",
        )
    configs = plan(grid, quick, processes)
    try:
        return _run_sweep(
            configs,
            grid,
            quick,
            out,
            progress,
            on_config,
            keep_stores,
            cluster,
            on_every_worker,
            interleave,
        )
    except KeyboardInterrupt:
        _quiet_abandoned_kernel_tasks()
        raise Interrupted(
            "configurations already complete are kept; to resume, run the same "
            "command with --out pointing at the sweep folder"
        ) from None


def _quiet_abandoned_kernel_tasks() -> None:
    """An interrupt stops the notebook being executed: its kernel is shut down while
    nbclient still waits for the cell's reply, and that wait ends in DeadKernelError. The
    task is abandoned on purpose (the configuration is run again on resume); asyncio would
    print its traceback as "Task exception was never retrieved" when it is collected,
    after the sweep's one-line message (seen in fresh-clone CI runs of tests/test_edges.py).
    """
    import logging

    logging.getLogger("asyncio").setLevel(logging.CRITICAL)


def _run_sweep(
    configs: list[Planned],
    grid: str | Path | None,
    quick: bool,
    out: str | Path | None,
    progress: bool,
    on_config: Callable[[str], None] | None,
    keep_stores: bool,
    cluster: str | None = None,
    on_every_worker: bool = False,
    interleave: bool = False,
) -> SweepOutcome:
    timestamped = out is None
    if out is None:
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        out_dir = reports_dir() / stamp
    else:
        out_dir = Path(out)

    out_dir = prepare_out_dir(out_dir).resolve()
    # One process per sweep folder; each configuration's run locks its own folder too.
    with FolderLock(out_dir, "sweep"):
        if interleave:
            run_interleaved(out_dir, configs)
        return _sweep_into(
            out_dir,
            configs,
            grid,
            quick,
            progress,
            on_config,
            keep_stores,
            cluster,
            on_every_worker,
            timestamped,
        )


def run_interleaved(out_dir: Path, configs: list[Planned]) -> None:
    """``--interleave``: the processes of every configuration measured in several
    (``processes``), by turns: each one's calibration, then each one's first process, and
    so on, so that a slow drift of the machine falls on every configuration alike. Each
    configuration's notebook then combines its processes (``runner.INTERLEAVED``). A
    configuration whose process fails is left to its notebook, which reports it."""
    todo = [
        (p, out_dir / "configs" / p.name)
        for p in configs
        if p.parameters.get("processes", 1) > 1
        and not is_complete(out_dir / "configs" / p.name, p.parameters)
    ]
    failed: set[str] = set()
    rounds = max((p.parameters["processes"] for p, _ in todo), default=0) + 1
    for k in range(rounds):
        for p, cdir in todo:
            folders = process_folders(cdir, p.parameters["processes"])
            if p.name in failed or k >= len(folders):
                continue
            one = from_parameters(**dict(p.parameters, processes=1))
            try:
                run_in_fresh_process(one, folders[k])
            except AgentMemLabError:
                failed.add(p.name)
    for p, cdir in todo:
        if p.name not in failed:
            (cdir / PROCESSES_DIR / INTERLEAVED).write_text("", encoding="utf-8")


def _sweep_into(
    out_dir: Path,
    configs: list[Planned],
    grid: str | Path | None,
    quick: bool,
    progress: bool,
    on_config: Callable[[str], None] | None,
    keep_stores: bool,
    cluster: str | None,
    on_every_worker: bool,
    timestamped: bool,
) -> SweepOutcome:
    write_json_atomic(
        out_dir / "sweep.json",
        {
            "quick": quick,
            "grid": str(grid or data_file("sweep.toml")),
            "configurations": [{"name": p.name, "parameters": p.parameters} for p in configs],
        },
    )
    bench = notebook("benchmark.ipynb")
    outcome = SweepOutcome(out_dir)
    bar: Any = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(configs), unit="config", dynamic_ncols=True)
    try:
        if cluster is not None:
            _run_on_cluster(configs, out_dir, cluster, on_every_worker, outcome, bar)
        for p in configs if cluster is None else []:
            cdir = out_dir / "configs" / p.name
            if bar is not None:
                bar.set_description(p.name)
            if on_config is not None:
                on_config(p.name)
            if is_complete(cdir, p.parameters):
                outcome.skipped.append(p.name)
            else:
                cdir.mkdir(parents=True, exist_ok=True)
                (cdir / "error.json").unlink(missing_ok=True)
                (cdir / "result.json").unlink(missing_ok=True)
                params = dict(p.parameters, out=str(cdir))
                try:
                    execute(bench, cdir / "benchmark.ipynb", params, bench.parent)
                    outcome.ran.append(p.name)
                except Exception as exc:  # one configuration's failure never stops the sweep
                    if getattr(exc, "ename", "") in ("KeyboardInterrupt", "Interrupted"):
                        # Ctrl-C in a terminal reaches the kernel too: an interrupt, not a failure.
                        raise KeyboardInterrupt from None
                    outcome.failed.append(p.name)
                    write_json_atomic(
                        cdir / "error.json",
                        {
                            "name": p.name,
                            "error": error_text(exc),
                            "notebook": f"configs/{p.name}/benchmark.html",
                            "parameters": p.parameters,
                        },
                    )
                if (cdir / "benchmark.ipynb").exists():
                    export_html(cdir / "benchmark.ipynb", cdir / "benchmark.html", light=True)
                if not keep_stores:
                    # Its integrity check has run (in the notebook): the stores were what it
                    # checked. Kept, the default sweep's folder held 337 MB of them.
                    for run_dir in [cdir, *sorted((cdir / PROCESSES_DIR).glob("*"))]:
                        shutil.rmtree(run_dir / "stores", ignore_errors=True)
                        shutil.rmtree(run_dir / SERVER_DIR, ignore_errors=True)  # a server's
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    measure_stages(out_dir, configs, quick)
    measure_capacities(out_dir, capacity_plan(grid, quick))
    report_nb = out_dir / "report.ipynb"
    execute(notebook("report.ipynb"), report_nb, {"results_dir": str(out_dir)}, bench.parent)
    export_html(report_nb, out_dir / "index.html", exclude_input=True)
    outcome.index = out_dir / "index.html"
    if timestamped:
        latest = out_dir.parent / "latest"
        tmp = out_dir.parent / ".latest.tmp"
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        tmp.symlink_to(out_dir.name)
        os.replace(tmp, latest)
    return outcome


def stage_embedders(configs: list[Planned]) -> list[str]:
    """The embedders the sweep measures with real components: the stage claims are judged
    for each (the embedder alone, and the stores alone)."""
    names: list[str] = []
    for p in configs:
        e = p.parameters.get("embedder", "hash")
        if p.parameters.get("profile", "real") == "real" and e not in names:
            names.append(e)
    return names


def on_server_config(p: Planned) -> bool:
    """Whether a planned configuration keeps a store on PostgreSQL (the stages then measure
    the writes on a server, and its costs)."""
    get = p.parameters.get
    return get("profile", "real") == "real" and (
        "postgres" in (get("core_store"), get("history_store"))
        or str(get("vector_store", "")).startswith("pgvector")
    )


def measure_stages(out_dir: Path, configs: list[Planned], quick: bool) -> None:
    """The stage figures (``stages``) into the sweep folder; a failure is recorded there and
    shown, never fatal (the report then says the stage claims were not measured)."""
    names = stage_embedders(configs)
    if not names:
        return
    try:
        figures = stages.measure(
            names,
            rounds=1 if quick else STAGE_ROUNDS,
            server=any(on_server_config(c) for c in configs),
            server_calls=100 if quick else stages.SERVER_CALLS,
        )
    except Exception as exc:  # recorded and shown, like a failed configuration
        figures = {
            "version": stages.STAGES_VERSION,
            "embed": {},
            "writes": None,
            "error": one_line(exc),
        }
    stages.write(out_dir, figures)


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


def measure_capacities(out_dir: Path, plans: list[CapacityPlan]) -> None:
    """Each capacity search into ``capacity/<name>/``, skipped when a complete one with the
    same parameters is there; a failure is recorded there (``error.json``), never fatal."""
    for p in plans:
        cdir = out_dir / CAPACITY_DIR / p.name
        done = cdir / capacity.CAPACITY_FILE
        record = {"parameters": p.parameters}
        if done.exists():
            try:
                if capacity.load(done).get("parameters") == p.parameters:
                    continue
            except (OSError, ValueError):
                pass
        shutil.rmtree(cdir, ignore_errors=True)
        try:
            capacity.find_capacity(
                check_parameters(p.parameters),
                cdir,
                p.slo_p99_ms,
                max_probes=p.max_probes,
                min_calls=p.min_calls,
                record=record,
            )
        except AgentMemLabError as exc:
            write_json_atomic(
                cdir / "error.json", {"name": p.name, "error": str(exc), "parameters": p.parameters}
            )


def write_compare_html(
    base: str | Path, new: str | Path, threshold_pct: float, target: Path
) -> Path:
    """compare.ipynb executed under papermill on BASE and NEW, exported to ``target``."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="agentmem-lab-compare-") as tmp:
        executed = Path(tmp) / "compare.ipynb"
        bench = notebook("compare.ipynb")
        execute(
            bench,
            executed,
            {
                "base": str(Path(base).resolve()),
                "new": str(Path(new).resolve()),
                "threshold": float(threshold_pct),
            },
            bench.parent,
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        export_html(executed, target, exclude_input=True)
    return target


def _run_on_cluster(
    configs: list[Planned],
    out_dir: Path,
    address: str,
    on_every_worker: bool,
    outcome: SweepOutcome,
    bar: Any,
) -> None:
    """Every configuration as a task on a Dask cluster (``cluster``); each one's files are
    written into the sweep folder as it comes back."""

    c = dask_cluster.connect(address)
    try:
        planned: list[tuple[Planned, str | None]]
        if on_every_worker:
            planned = [
                (
                    Planned(
                        f"{p.name}@{dask_cluster.worker_tag(w)}",
                        dict(p.parameters, label=f"{p.name}@{dask_cluster.worker_tag(w)}"),
                    ),
                    w,
                )
                for w in c.workers()
                for p in configs
            ]
        else:
            planned = [(p, None) for p in configs]
        if bar is not None:
            bar.total = len(planned)
            bar.refresh()
        tasks: list[tuple[str, dict[str, Any], str | None]] = []
        for p, worker in planned:
            if is_complete(out_dir / "configs" / p.name, p.parameters):
                outcome.skipped.append(p.name)
                if bar is not None:
                    bar.update(1)
            else:
                tasks.append((p.name, p.parameters, worker))
        params = {p.name: p.parameters for p, _ in planned}

        def done(task: dict[str, Any]) -> None:
            name = task["name"]
            cdir = out_dir / "configs" / name
            cdir.mkdir(parents=True, exist_ok=True)
            (cdir / "error.json").unlink(missing_ok=True)
            for key, filename in (
                ("notebook", "benchmark.ipynb"),
                ("html", "benchmark.html"),
                ("result", "result.json"),
            ):
                if task[key] is not None:
                    tmp = cdir / (filename + ".tmp")
                    tmp.write_bytes(task[key])
                    os.replace(tmp, cdir / filename)
            write_json_atomic(
                cdir / "task.json",
                {k: task[k] for k in ("name", "worker", "hostname", "started", "ended", "error")},
            )
            if task["error"] is None and task["result"] is not None:
                outcome.ran.append(name)
            else:
                outcome.failed.append(name)
                write_json_atomic(
                    cdir / "error.json",
                    {
                        "name": name,
                        "error": task["error"] or "no result came back",
                        "notebook": f"configs/{name}/benchmark.html",
                        "worker": task["worker"],
                        "parameters": params[name],
                    },
                )
            if bar is not None:
                bar.set_description(name)
                bar.update(1)

        dask_cluster.run(c, tasks, done)
    finally:
        c.close()
