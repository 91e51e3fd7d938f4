"""Sweeps on a Dask cluster: one configuration per worker at a time, many workers at once.

``agentmem-lab sweep --cluster ADDRESS``: ``local:N`` starts a ``LocalCluster`` of N worker
processes; ``tcp://host:port`` connects to a running scheduler. Each configuration is one
task: a worker runs the benchmark notebook under papermill in a folder of its own and sends
back the executed notebook, its HTML export and result.json (or the error), which the sweep
writes, atomically, into its folder. So workers need the same installation (``make setup``)
but no shared disk.

Every task needs one ``benchmark`` resource, and a worker declares one
(``dask worker ADDRESS --nthreads 1 --resources "benchmark=1"``; a ``local:N`` cluster
declares it itself), so a worker never runs two configurations at once whatever its thread
count. Two benchmarks on one machine corrupt each other: run one worker per machine to
measure; ``local:N`` with N > 1 on one machine is for trying the machinery.

``--on-every-worker`` runs the whole grid once on every worker (to compare machines): each
configuration's folder and name gain the worker's tag (``bulk-b1000-c1-hash@host-port``), and
the report groups results by worker. Without it, a configuration runs once, on whichever
worker is free. Every result records the worker that measured it (its address and
hostname, ``environment.worker``).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentmem_lab.core.errors import ConfigError, MissingDependencyError
from agentmem_lab.sweep.executor import error_text, execute, export_html

#: The environment variable through which a task tells the run which worker it is on.
WORKER_ENV = "AGENTMEM_LAB_WORKER"
RESOURCE = "benchmark"


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise MissingDependencyError(
            "dask.distributed", "pip install 'agentmem-lab[cluster]'"
        ) from None
    return distributed


def worker_tag(address: str) -> str:
    """A worker address as a folder-safe tag: ``tcp://127.0.0.1:40123`` -> ``127.0.0.1-40123``."""
    return re.sub(r"[^A-Za-z0-9.]+", "-", address.split("://", 1)[-1]).strip("-")


def run_configuration(name: str, parameters: dict[str, Any]) -> dict[str, Any]:
    """A task: run one configuration's notebook on this worker; everything it produced,
    as bytes, or its error. Never raises for a failed configuration (the sweep records it)."""
    from agentmem_lab.core.paths import notebook

    distributed = _distributed()
    try:
        address = distributed.get_worker().address
    except ValueError:  # not on a worker (called directly)
        address = "local"
    started = time.time()
    out: dict[str, Any] = {
        "name": name,
        "worker": address,
        "hostname": socket.gethostname(),
        "started": started,
        "error": None,
        "result": None,
        "notebook": None,
        "html": None,
    }
    bench = notebook("benchmark.ipynb")
    with tempfile.TemporaryDirectory(prefix="agentmem-lab-task-") as tmp:
        cdir = Path(tmp) / name
        cdir.mkdir()
        os.environ[WORKER_ENV] = f"{address} {out['hostname']}"
        try:
            execute(bench, cdir / "benchmark.ipynb", dict(parameters, out=str(cdir)), bench.parent)
        except Exception as exc:
            if getattr(exc, "ename", "") in ("KeyboardInterrupt", "Interrupted"):
                raise
            out["error"] = error_text(exc)
        finally:
            os.environ.pop(WORKER_ENV, None)
        if (cdir / "benchmark.ipynb").exists():
            export_html(cdir / "benchmark.ipynb", cdir / "benchmark.html", light=True)
            out["notebook"] = (cdir / "benchmark.ipynb").read_bytes()
            out["html"] = (cdir / "benchmark.html").read_bytes()
        if (cdir / "result.json").exists():
            out["result"] = (cdir / "result.json").read_bytes()
    out["ended"] = time.time()
    return out


@dataclass
class Cluster:
    """A Dask client and, for ``local:N``, the cluster it started."""

    client: Any
    local: Any = None
    #: The local cluster's workers' folder (their scratch space and lock files), removed at
    #: close: Dask's default, <tmp>/dask-scratch-space, outlives every cluster.
    scratch: str | None = None

    def workers(self) -> list[str]:
        return sorted(self.client.scheduler_info(n_workers=-1)["workers"])

    def close(self) -> None:
        try:
            self.client.close()
            if self.local is not None:
                self.local.close()
        finally:
            if self.scratch is not None:
                shutil.rmtree(self.scratch, ignore_errors=True)


def connect(address: str) -> Cluster:
    """``local:N`` (a LocalCluster of N single-threaded worker processes, each with one
    benchmark resource) or a scheduler address (``tcp://host:port``)."""
    distributed = _distributed()
    if address.startswith("local:"):
        try:
            n = int(address.split(":", 1)[1])
        except ValueError:
            n = 0
        if n < 1:
            raise ConfigError("--cluster", f"local:N needs N >= 1 workers, got {address!r}")
        scratch = tempfile.mkdtemp(prefix="agentmem-lab-dask-")
        try:
            import dask

            # The scheduler's workspace follows temporary-directory, the workers' theirs.
            with dask.config.set({"temporary-directory": scratch}):
                local = distributed.LocalCluster(
                    n_workers=n,
                    threads_per_worker=1,
                    processes=True,
                    resources={RESOURCE: 1},
                    dashboard_address=None,
                    local_directory=scratch,
                )
            return Cluster(distributed.Client(local), local, scratch)
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)
            raise
    if "://" not in address:
        raise ConfigError(
            "--cluster",
            f"must be local:N or a scheduler address such as tcp://host:8786, got {address!r}",
        )
    try:
        client = distributed.Client(address, timeout="20s")
    except OSError as exc:
        raise ConfigError("--cluster", f"cannot reach the scheduler at {address}: {exc}") from None
    return Cluster(client)


def run(
    cluster: Cluster,
    tasks: list[tuple[str, dict[str, Any], str | None]],
    on_done: Callable[[dict[str, Any]], None],
) -> None:
    """Submit every task (name, parameters, worker or None for any), each needing one
    benchmark resource; ``on_done`` gets each task's output as it completes."""
    distributed = _distributed()
    if not cluster.workers():
        raise ConfigError("--cluster", "the scheduler has no worker")
    futures = []
    for name, params, worker in tasks:
        futures.append(
            cluster.client.submit(
                run_configuration,
                name,
                params,
                resources={RESOURCE: 1},
                pure=False,
                key=f"agentmem-lab-{name}-{time.time_ns()}",
                workers=[worker] if worker else None,
                allow_other_workers=False,
            )
        )
    for future in distributed.as_completed(futures):
        on_done(future.result())
