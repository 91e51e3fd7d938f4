"""A sweep run: every planned configuration's notebook executed (locally, by turns across fresh
processes, or on a Dask cluster), then the stages and the capacity searches, into one sweep
folder. Resumable; a failed configuration is recorded and shown, never fatal.
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
    one_line,
)
from agentmem_lab.core.folderlock import FolderLock
from agentmem_lab.core.paths import data_file, notebook, reports_dir, write_json_atomic
from agentmem_lab.measuring import capacity, stages
from agentmem_lab.measuring.folder import SERVER_DIR, prepare_out_dir
from agentmem_lab.measuring.resolve import from_parameters
from agentmem_lab.measuring.runner import (
    PROCESSES_DIR,
    process_folders,
    run_in_fresh_process,
)
from agentmem_lab.schema.result import CAPACITY_DIR
from agentmem_lab.sweep import cluster as dask_cluster
from agentmem_lab.sweep.executor import error_text, execute, export_html
from agentmem_lab.sweep.grid import (
    CapacityPlan,
    Planned,
    capacity_plan,
    check_parameters,
    is_complete,
    on_server_config,
    plan,
    stage_embedders,
)
from agentmem_lab.sweep.progress import CellCounter, Progress

#: Rounds of the stage measurement in a full sweep (medians; 1 with --quick): 2 keep it
#: near 10 s on the 2-core machine with MiniLM, inside make report's budget.
STAGE_ROUNDS = 2


@dataclass
class SweepOutcome:
    out: Path
    ran: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    index: Path | None = None


@dataclass(frozen=True)
class SweepOptions:
    """How a sweep runs, resolved once by ``run_sweep`` and passed down as one value."""

    grid: str | Path | None
    quick: bool
    progress: bool
    on_config: Callable[[str], None] | None
    keep_stores: bool
    cluster: str | None
    on_every_worker: bool
    interleave: bool


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
    options = SweepOptions(
        grid, quick, progress, on_config, keep_stores, cluster, on_every_worker, interleave
    )
    try:
        return _run_sweep(configs, out, options)
    except KeyboardInterrupt:
        _quiet_abandoned_kernel_tasks()
        raise Interrupted(
            "configurations already complete are kept; to resume, run the same "
            "command with --out pointing at the sweep folder"
        ) from None


def _quiet_abandoned_kernel_tasks() -> None:
    """An interrupt shuts the notebook's kernel down while nbclient waits for the cell's
    reply (DeadKernelError): that task is abandoned on purpose (run again on resume), and
    asyncio would print "Task exception was never retrieved" after the one-line message."""
    import logging

    logging.getLogger("asyncio").setLevel(logging.CRITICAL)


def _run_sweep(
    configs: list[Planned], out: str | Path | None, options: SweepOptions
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
        measured = run_interleaved(out_dir, configs) if options.interleave else frozenset()
        return _sweep_into(out_dir, configs, options, timestamped, measured)


def run_interleaved(out_dir: Path, configs: list[Planned]) -> frozenset[str]:
    """``--interleave``: the processes of every configuration measured in several
    (``processes``), by turns: each one's calibration, then each one's first process, and
    so on, so that a slow drift of the machine falls on every configuration alike. Returns
    the configurations whose processes all ran: each one's notebook is then given
    ``processes_measured`` and combines them. A configuration whose process fails is left
    to its notebook, which measures and reports it."""
    todo = [
        (p, out_dir / "configs" / p.name)
        for p in configs
        if p.parameters.get("processes", 1) > 1
        and p.unready is None
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
    return frozenset(p.name for p, _ in todo if p.name not in failed)


def _sweep_into(
    out_dir: Path,
    configs: list[Planned],
    options: SweepOptions,
    timestamped: bool,
    measured: frozenset[str],
) -> SweepOutcome:
    """Every configuration's notebook (``measured``: those whose processes ran by turns
    already), then the stages, the capacity searches and the report."""
    grid, quick = options.grid, options.quick
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
    with Progress(options.progress) as progress:
        _configurations(out_dir, configs, options, measured, outcome, progress)
        measure_stages(out_dir, configs, quick, progress)
        measure_capacities(out_dir, capacity_plan(grid, quick), progress)
        report_nb = out_dir / "report.ipynb"
        with progress.phase("report", "executing report.ipynb, then index.html"):
            bar = {"desc": "report", "file": CellCounter(progress), "ascii": True}
            execute(
                notebook("report.ipynb"),
                report_nb,
                {"results_dir": str(out_dir)},
                bench.parent,
                progress_bar=bar if progress.enabled else False,
            )
            progress.say("exporting index.html")
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


def _configurations(
    out_dir: Path,
    configs: list[Planned],
    options: SweepOptions,
    measured: frozenset[str],
    outcome: SweepOutcome,
    progress: Progress,
) -> None:
    """Every configuration's notebook, under the bar; a failure is recorded, never fatal."""
    cluster = options.cluster
    bench = notebook("benchmark.ipynb")
    bar: Any = None
    if options.progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(configs), unit="config", dynamic_ncols=True)
        progress.bar = bar
    try:
        configs = _unready(out_dir, configs, outcome, bar)
        if cluster is not None:
            _run_on_cluster(configs, out_dir, cluster, options.on_every_worker, outcome, bar)
        for p in configs if cluster is None else []:
            cdir = out_dir / "configs" / p.name
            if bar is not None:
                bar.set_description(p.name)
            if options.on_config is not None:
                options.on_config(p.name)
            if is_complete(cdir, p.parameters):
                outcome.skipped.append(p.name)
            else:
                cdir.mkdir(parents=True, exist_ok=True)
                (cdir / "error.json").unlink(missing_ok=True)
                (cdir / "result.json").unlink(missing_ok=True)
                params = dict(p.parameters, out=str(cdir))
                if p.name in measured:  # its processes ran by turns: combine them
                    params["processes_measured"] = True
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
                if not options.keep_stores:
                    # Its integrity check has run (in the notebook): the stores were what it
                    # checked; kept, they would fill the disk (docs/sweep.md, --keep-stores).
                    for run_dir in [cdir, *sorted((cdir / PROCESSES_DIR).glob("*"))]:
                        shutil.rmtree(run_dir / "stores", ignore_errors=True)
                        shutil.rmtree(run_dir / SERVER_DIR, ignore_errors=True)  # a server's
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
        progress.bar = None


def _unready(out: Path, configs: list[Planned], outcome: SweepOutcome, bar: Any) -> list[Planned]:
    """Those that cannot run here (vectors not built) failed with their line; the others."""
    for p in [p for p in configs if p.unready is not None]:
        (out / "configs" / p.name).mkdir(parents=True, exist_ok=True)
        (out / "configs" / p.name / "result.json").unlink(missing_ok=True)
        outcome.failed.append(p.name)
        error = {"name": p.name, "error": p.unready, "notebook": "", "parameters": p.parameters}
        write_json_atomic(out / "configs" / p.name / "error.json", error)
        if bar is not None:
            bar.update(1)
    return [p for p in configs if p.unready is None]


def measure_stages(
    out_dir: Path, configs: list[Planned], quick: bool, progress: Progress | None = None
) -> None:
    """The stage figures (``stages``) into the sweep folder; a failure is recorded there and
    shown, never fatal (the report then says the stage claims were not measured)."""
    names = stage_embedders(configs)
    if not names:
        return
    progress = progress or Progress(False)
    server = any(on_server_config(c) for c in configs)
    redis = any(on_server_config(c, "redis") for c in configs)
    what = (
        f"each stage alone: store writes, embed_batch of {', '.join(names)}"
        + (", the server's writes" if server else "")
        + (", Redis's own limit" if redis else "")
    )
    with progress.phase("stages", what):
        try:
            figures = stages.measure(
                names,
                rounds=1 if quick else STAGE_ROUNDS,
                server=server,
                redis=redis,
                server_calls=100 if quick else stages.SERVER_CALLS,
                progress=progress.say,
            )
        except Exception as exc:  # recorded and shown, like a failed configuration
            figures = {
                "version": stages.STAGES_VERSION,
                "embed": {},
                "writes": None,
                "error": one_line(exc),
            }
            progress.say(f"failed: {figures['error']}")
        stages.write(out_dir, figures)


def measure_capacities(
    out_dir: Path, plans: list[CapacityPlan], progress: Progress | None = None
) -> None:
    """Each capacity search into ``capacity/<name>/``, skipped when a complete one with the
    same parameters is there; a failure is recorded there (``error.json``), never fatal."""
    progress = progress or Progress(False)
    for i, p in enumerate(plans, 1):
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
        what = f"{p.name}, the highest rate kept at p99 <= {p.slo_p99_ms:g} ms"
        with progress.phase(f"capacity {i}/{len(plans)}", what):
            try:
                capacity.find_capacity(
                    check_parameters(p.parameters),
                    cdir,
                    p.slo_p99_ms,
                    max_probes=p.max_probes,
                    min_calls=p.min_calls,
                    record=record,
                    progress=progress.say,
                )
            except AgentMemLabError as exc:
                write_json_atomic(
                    cdir / "error.json",
                    {"name": p.name, "error": str(exc), "parameters": p.parameters},
                )
                progress.say(f"failed: {one_line(exc)}")


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
