"""Sweeps on a real Dask cluster (a LocalCluster of worker processes): every result comes
back, a worker never runs two configurations at once, failures are recorded, the grid can
run on every worker, and the report groups by worker."""

from __future__ import annotations

import json

import pytest

from agentmem_lab import report
from agentmem_lab.cli import main
from agentmem_lab.core.errors import ConfigError
from agentmem_lab.sweep.cluster import worker_tag
from agentmem_lab.sweep.runs import run_sweep

pytest.importorskip("distributed")

GRID = """
repeats = 1
warmup = 1
seed = 0
search_queries = 5
concurrency = [1]
[modes]
sequential = [1]
batch = [10]
bulk = [10, 100]
[[group]]
profile = "real"
embedder = "hash"
items = { 1 = 20, 10 = 40, 100 = 200 }
quick_items = { 1 = 20, 10 = 40, 100 = 200 }
"""


# Real benchmark scripts and clusters, end to end: make test runs them, make test-fast not.
pytestmark = pytest.mark.slow


def _tasks(out):
    return [json.loads(p.read_text()) for p in sorted(out.glob("configs/*/task.json"))]


@pytest.mark.slow
def test_a_sweep_on_two_workers(tmp_path):
    grid = tmp_path / "grid.toml"
    grid.write_text(
        GRID + '[[group]]\nprofile = "real"\nembedder = "fastembed:%s"\n'
        "modes = { bulk = [10] }\nitems = { 10 = 40 }\n" % (tmp_path / "no-model")
    )
    (tmp_path / "no-model").mkdir()
    out = tmp_path / "sweep"
    assert (
        main(
            [
                "sweep",
                "--config",
                str(grid),
                "--out",
                str(out),
                "--no-progress",
                "--cluster",
                "local:2",
            ]
        )
        == 1
    )  # one configuration fails: non-zero
    names = ["sequential-b1-c1-hash", "batch-b10-c1-hash", "bulk-b10-c1-hash", "bulk-b100-c1-hash"]
    for name in names:
        assert (out / "configs" / name / "result.json").exists()
        assert (out / "configs" / name / "benchmark.html").exists()
    tasks = _tasks(out)
    assert len(tasks) == 5 and len({t["worker"] for t in tasks}) <= 2
    # no two configurations on one worker at the same time
    for worker in {t["worker"] for t in tasks}:
        spans = sorted((t["started"], t["ended"]) for t in tasks if t["worker"] == worker)
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:])), spans
    # the failure is recorded with its error, and shown in the report
    failed = [t for t in tasks if t["error"]]
    assert len(failed) == 1 and "bulk-b10-c1-fastembed" in failed[0]["name"]
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "Failed configurations" in html and "1 configuration(s) failed" in html
    sweep = report.load(out)
    assert {r.environment["worker"].split()[0] for r in sweep.results} <= {
        t["worker"] for t in tasks
    }
    # resumed: what is complete is not run again
    again = run_sweep(grid, out=out, progress=False, cluster="local:1")
    assert sorted(again.skipped) == sorted(names) and len(again.failed) == 1


@pytest.mark.slow
def test_the_grid_on_every_worker_and_the_machines_section(tmp_path):
    grid = tmp_path / "grid.toml"
    grid.write_text(
        GRID.replace("sequential = [1]\nbatch = [10]\nbulk = [10, 100]", "bulk = [10, 100]")
    )
    out = tmp_path / "sweep"
    outcome = run_sweep(grid, out=out, progress=False, cluster="local:2", on_every_worker=True)
    assert len(outcome.ran) == 4 and not outcome.failed
    tasks = _tasks(out)
    workers = {t["worker"] for t in tasks}
    assert len(workers) == 2
    for t in tasks:  # each configuration ran on the worker its name says
        assert t["name"].endswith("@" + worker_tag(t["worker"]))
    sweep = report.load(out)
    table = report.machines_table(sweep.results)
    assert list(table["configuration"]) == ["(machine)", "bulk-b10-c1-hash", "bulk-b100-c1-hash"]
    assert len([c for c in table.columns if c.endswith("ops/s")]) == 2
    # both workers of a local cluster are one machine: the key is the worker address,
    # shown with its hostname
    assert all(" " in c for c in table.columns if c.endswith("ops/s"))
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "Machines" in html and "(machine)" in html


def test_bad_cluster_addresses(tmp_path):
    with pytest.raises(ConfigError, match="--on-every-worker: needs --cluster"):
        run_sweep(tmp_path / "none.toml", on_every_worker=True)
    grid = tmp_path / "grid.toml"
    grid.write_text(GRID)
    for address, message in (
        ("local:0", "local:N needs N >= 1"),
        ("somewhere", "must be local:N or a scheduler address"),
    ):
        with pytest.raises(ConfigError, match=message):
            run_sweep(grid, out=tmp_path / "o", progress=False, cluster=address)


def test_processes_on_a_cluster_worker(tmp_path):
    # --processes P on a Dask worker: its notebook spawns the fresh processes there.
    grid = tmp_path / "grid.toml"
    grid.write_text(GRID.replace("sequential = [1]\nbatch = [10]\nbulk = [10, 100]", "bulk = [10]"))
    out = tmp_path / "sweep"
    outcome = run_sweep(grid, out=out, progress=False, cluster="local:1", processes=2)
    assert outcome.ran == ["bulk-b10-c1-hash"] and not outcome.failed
    r = report.load(out).results[0]
    assert r.processes is not None and r.processes.count == 2
    assert len(set(r.processes.pids)) == 2
