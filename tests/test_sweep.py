import json
import os
import re
import subprocess
import sys

import pytest

from agentmem_lab import claims as tg
from agentmem_lab import report
from agentmem_lab.cli import main
from agentmem_lab.core.errors import ConfigError
from agentmem_lab.schema.result import Result
from agentmem_lab.sweep.grid import capacity_plan, plan
from agentmem_lab.sweep.runs import run_sweep
from browser import check_in_view, check_page
from conftest import ROOT

SMALL_GRID = """
repeats = 1
warmup = 1
seed = 0
search_queries = 5
concurrency = [1]
[modes]
bulk = [10]
[[group]]
profile = "real"
embedder = "hash"
items = { 10 = 40 }
quick_items = { 10 = 20 }
[[group]]
profile = "real"
embedder = "fastembed:%s"
items = { 10 = 40 }
quick_items = { 10 = 20 }
"""


def by_name_has_mem0(full):
    mem0 = {p.name: p.parameters for p in full if p.parameters.get("system") == "mem0"}
    return set(mem0) == {f"mem0-b{b}-c1-hash" for b in (10, 100)} | {"mem0-b10-c1-minilm"} | {
        "mem0-b10-c1-hash-pgvector",
        "mem0-b10-c1-hash-chitchat",
        "mem0-b1-c1-hash-chitchat-read1",
    } and {p["mode"] for p in mem0.values()} == {"sequential"}


def test_default_grid():
    full, quick = plan(), plan(quick=True)
    names = [p.name for p in full]
    # 14 hash (every mode and batch size at concurrency 1, the multi-threaded claims' and
    # the goal's four at 4) + 8 minilm + 10 simulated + 3 index-setting variants of
    # bulk-1000 + 6 other vector stores x 2 configurations + mem0 at 2 batch sizes with hash
    # and 1 with minilm + bulk-1000 and sequential-1 on 2 shards (and one per core, the
    # same on this 2-core machine: more where there are more cores) + bulk-100 offered at
    # 2,000 items/s with searches during its writes on 4 of the 7 vector stores +
    # sequential-1, parallel-1 (at 1 and 4 clients) and bulk-1000 on PostgreSQL, the
    # three at 1 on Redis + Milvus Lite's parallel-1 and bulk-1000 + mem0 on
    # its pgvector provider at 10 messages per add + LangGraph's SqliteStore and txtai on
    # faiss at 10 and 100, LangGraph memory and postgres at 10,
    # both with minilm at 10 + 11 on the chat dataset (6 hash, 2 minilm, mem0, a trace and
    # its uniform twin) + 6 reading each message's user first (4 stores, LangGraph, mem0).
    # Sized for make report's 10 minutes (data/sweep.toml says what was cut).
    cores = os.cpu_count() or 1
    assert len(names) == len(set(names)) == 92 + (2 if cores > 2 else 0)
    chat = {p.name: p.parameters for p in full if "-chitchat" in p.name}
    assert len(chat) == 17 and all(p["dataset"] == "chitchat" for p in chat.values())
    reading = [n for n, p in chat.items() if p.get("read_per_message") == 1.0]
    assert len(reading) == 6 and all(n.endswith("-read1") for n in reading)
    trace = chat["parallel-b1-c1-hash-chitchat-trace-x2000"]
    twin = chat["parallel-b1-c1-hash-chitchat-uniform-x2000"]
    assert trace["arrivals"] == "trace" and "arrivals" not in twin and twin["items"] == 2000
    assert twin["rate"] == pytest.approx(323, rel=0.01)  # the trace's mean, measured at plan
    peers = {
        p.name: p.parameters
        for p in full
        if p.parameters.get("system") in ("langgraph", "txtai") and "-chitchat" not in p.name
    }
    assert set(peers) == {f"langgraph-b{b}-c1-hash-sqlite" for b in (10, 100)} | {
        f"txtai-b{b}-c1-hash-faiss" for b in (10, 100)
    } | {
        "langgraph-b10-c1-hash-memory",
        "langgraph-b10-c1-hash-pg",
        "langgraph-b10-c1-minilm-sqlite",
        "txtai-b10-c1-minilm-faiss",
    }
    assert {p["mode"] for p in peers.values()} == {"sequential"}
    # the default stores' runs are as large as bulk's at the same batch size and embedder
    bulk = {
        (p.parameters["batch_size"], p.parameters["embedder"]): p.parameters["items"]
        for p in full
        if p.name == f"bulk-b{p.parameters['batch_size']}-c1-{p.parameters['embedder']}"
    }
    for name, params in peers.items():
        if name.endswith(("-sqlite", "-faiss", "-memory")):
            assert params["items"] == bulk[(params["batch_size"], params["embedder"])], name
    server = {p.name: p.parameters for p in full if "-pg-" in p.name}
    assert set(server) == {
        f"{m}-c{c}-hash-core-pg-history-pg-pgvector"
        for m, c in (
            ("sequential-b1", 1),
            ("parallel-b1", 1),
            ("bulk-b1000", 1),
            ("sequential-b1", 4),
            ("parallel-b1", 4),
        )
    }
    assert all(p["core_store"] == p["history_store"] == "postgres" for p in server.values())
    reads = [p for p in full if "search_rate" in p.parameters]
    assert len(reads) == 4 and all(p.parameters["rate"] == 2000.0 for p in reads)
    assert "bulk-b100-c1-hash-usearch-r2000-q50" in names
    capacities = capacity_plan()
    assert [c.name for c in capacities] == [
        "bulk-b100-c1-hash",
        "sequential-b1-c1-hash",
        "bulk-b10-c1-minilm",
    ]
    assert all(c.slo_p99_ms == 100.0 for c in capacities)
    assert {"bulk-b1000-c1-hash-s2", "sequential-b1-c1-hash-s2"} <= set(names)
    assert by_name_has_mem0(full)
    assert {"bulk-b1000-c1-hash-chroma", "parallel-b1-c1-hash-sqlite-vec"} <= set(names)
    assert {"bulk-b1000-c1-hash-i8", "bulk-b1000-c1-hash-m8", "bulk-b1000-c1-hash-ea32"} <= set(
        names
    )
    assert {
        "sequential-b1-c4-hash",
        "parallel-b1-c4-hash",
        "bulk-b1000-c4-hash",
        "batch-b1000-c4-simulated",
        "bulk-b1000-c1-minilm",
    } <= set(names)
    assert [p.name for p in quick] == names
    by = {p.name: p.parameters for p in full}
    assert by["bulk-b1000-c4-hash"]["items"] == 20000
    assert by["sequential-b1-c1-simulated"]["profile"] == "simulated"
    assert {p.parameters["concurrency"] for p in full} == {1, 4}
    assert by["bulk-b1000-c1-hash-m8"]["hnsw_connectivity"] == 8
    # the stores that persist every call write fewer items at one a call
    assert (
        by["parallel-b1-c1-hash-chroma"]["items"]
        == by["parallel-b1-c1-hash-lancedb"]["items"]
        == 300
        and by["parallel-b1-c1-hash-qdrant-local"]["items"] == 1000
    )
    assert by["bulk-b1000-c1-hash-qdrant-local"]["items"] == 5000
    assert [
        p.name
        for p in full
        if p.parameters.get("system") == "mem0" and p.parameters["embedder"] == "minilm"
    ] == ["mem0-b10-c1-minilm"]
    assert {p.parameters["embedder"] for p in full} == {"hash", "minilm"}
    q = {p.name: p.parameters for p in quick}
    assert q["bulk-b1000-c1-hash"]["items"] == 2000 and q["bulk-b1000-c1-hash"]["repeats"] == 1


def test_the_scale_grid_runs_every_store_and_mem0_to_a_million_within_a_budget(capsys):
    from agentmem_lab.cli.sweeps import grid_file

    planned = plan(grid_file("scale"))
    system = [p.parameters.get("system", "agentmem") for p in planned]
    stores = {p.parameters["vector_store"] for p, s in zip(planned, system) if s == "agentmem"}
    assert stores == {
        "usearch",
        "faiss-hnsw",
        "faiss-flat",
        "qdrant-local",
        "chroma",
        "lancedb",
        "sqlite-vec",
    }
    assert set(system) == {"agentmem", "mem0"}
    workloads: dict[tuple[object, str], set[str]] = {}
    for p, s in zip(planned, system):
        chat = p.parameters.get("dataset") == "chitchat"
        assert p.parameters["items"] == (
            257_000 if chat else 1_000_000 if s == "agentmem" else 20_000
        )
        assert p.parameters["windows"] == 20
        assert p.parameters["stop_after_s"] > 0 and p.parameters["stop_at_rss_mb"] > 0
        if s == "agentmem":
            key = (p.parameters.get("dataset"), p.parameters["embedder"])
            workloads.setdefault(key, set()).add(p.parameters["vector_store"])
        # MiniLM's vectors are replayed (built once), never embedded at scale
        assert (p.parameters["embedder"] == "minilm") == (p.parameters.get("vectors") == "cached")
    assert set(workloads) == {(None, "hash"), ("chitchat", "hash"), ("chitchat", "minilm")}
    assert all(found == stores for found in workloads.values())  # every store on each
    assert all(
        p.parameters["items"] == (2000 if "system" in p.parameters else 20_000)
        for p in plan(grid_file("scale"), quick=True)
    )
    assert main(["sweep", "--grid", "nope"]) == 2
    assert "no grid named 'nope'" in capsys.readouterr().err


def test_bad_grids(tmp_path):
    p = tmp_path / "g.toml"
    p.write_text('[modes]\nbulk = [10]\n[[group]]\nembedder = "hash"\nitems = { 1 = 5 }\n')
    with pytest.raises(ConfigError, match="no items for batch size 10"):
        plan(p)
    p.write_text('[modes]\nturbo = [1]\n[[group]]\nembedder = "hash"\nitems = { 1 = 5 }\n')
    with pytest.raises(ConfigError, match="no mode named 'turbo'"):
        plan(p)
    with pytest.raises(ConfigError, match="no such file"):
        plan(tmp_path / "none.toml")


@pytest.mark.slow
def test_a_failing_configuration_is_reported_and_the_sweep_goes_on(tmp_path):
    empty_model = tmp_path / "empty-model"
    empty_model.mkdir()
    grid = tmp_path / "grid.toml"
    grid.write_text(SMALL_GRID % empty_model)
    out = tmp_path / "sweep"
    outcome = run_sweep(grid, out=out, progress=False)
    assert outcome.ran == ["bulk-b10-c1-hash"] and len(outcome.failed) == 1
    err = json.loads(next(out.glob("configs/*/error.json")).read_text())
    assert "ModelNotInstalledError" in err["error"] or "not installed" in err["error"]
    html = (out / "index.html").read_text()
    assert "Failed configurations" in html and "1 configuration(s) failed" in html
    # the stores are removed once the configuration's integrity check has run
    assert (out / "configs" / "bulk-b10-c1-hash" / "result.json").exists()
    assert not (out / "configs" / "bulk-b10-c1-hash" / "stores").exists()
    # CLI: non-zero when a configuration failed; --keep-stores keeps them
    kept = tmp_path / "kept"
    assert (
        main(["sweep", "--config", str(grid), "--out", str(kept), "--no-progress", "--keep-stores"])
        == 1
    )
    assert (kept / "configs" / "bulk-b10-c1-hash" / "stores" / "core.db").exists()
    # a second run resumes: the complete configuration is skipped, the failed one retried
    again = run_sweep(grid, out=out, progress=False)
    assert again.skipped == ["bulk-b10-c1-hash"] and again.ran == [] and len(again.failed) == 1


def run_timed(
    cmd: list[str], env: dict[str, str], timeout: float
) -> tuple[subprocess.CompletedProcess[str], list[float]]:
    """Run ``cmd``, keeping its output and the gaps (s) between its chunks of output."""
    import threading
    import time

    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    chunks: dict[str, list[bytes]] = {"out": [], "err": []}
    stamps: list[float] = []

    def read(stream, key: str) -> None:
        while data := os.read(stream.fileno(), 65536):
            stamps.append(time.monotonic())
            chunks[key].append(data)

    readers = [
        threading.Thread(target=read, args=(proc.stdout, "out")),
        threading.Thread(target=read, args=(proc.stderr, "err")),
    ]
    for t in readers:
        t.start()
    try:
        rc = proc.wait(timeout=timeout)
    finally:
        proc.kill()
        for t in readers:
            t.join()
    stamps.sort()
    gaps = [b - a for a, b in zip(stamps, stamps[1:])] or [0.0]
    done = subprocess.CompletedProcess(
        cmd, rc, b"".join(chunks["out"]).decode(), b"".join(chunks["err"]).decode()
    )
    return done, gaps


@pytest.mark.slow
def test_quick_sweep_end_to_end_and_check(tmp_path):
    # The smoke grid: one configuration of each kind the report shows (the default grid's
    # plan is checked above; `make report` runs it whole).
    out = tmp_path / "quick"
    # HOME and the XDG folders empty: nothing of the sweep, its kernels or its runs lands
    # there (no telemetry queue, no IPython profile, no matplotlib cache).
    home = {
        name: tmp_path / name.lower()
        for name in ("HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME")
    }
    for folder in home.values():
        folder.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("IPYTHONDIR", "MPLCONFIGDIR")}
    proc, gaps = run_timed(
        [
            sys.executable,
            "-m",
            "agentmem_lab.cli",
            "sweep",
            "--quick",
            "--config",
            str(ROOT / "data" / "sweep_smoke.toml"),
            "--out",
            str(out),
        ],
        env=dict(env, **{k: str(v) for k, v in home.items()}),
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    assert {k: sorted(p.rglob("*")) for k, p in home.items()} == {k: [] for k in home}
    # A clean sweep prints its progress (stderr) and its summary (stdout), nothing else:
    # no kernel error line, no warning.
    assert proc.stdout.splitlines() == [
        "ran 18, skipped 0 (already complete), failed 0",
        f"report: {out / 'index.html'}",
    ]
    bar = re.compile(r"^[\w.@-]*:? *\d+%\|.*\| *\d+/\d+ \[.*\]$")
    phase = re.compile(r"^ *(stages|capacity \d+/\d+|report): \S")
    noise = [
        seg
        for seg in re.split(r"[\r\n]", proc.stderr)
        if seg.strip() and not bar.match(seg.strip()) and not phase.match(seg)
    ]
    assert noise == [], noise[:5]
    # never silent: from its first output to its last, no gap of 10 s (the heartbeat's 5 s)
    assert max(gaps) < 10.0, sorted(gaps)[-3:]
    for step in ("stages: each stage alone", "capacity 1/1: ", "report: done in "):
        assert step in proc.stderr
    for executed in sorted(out.glob("configs/*/benchmark.ipynb")) + [out / "report.ipynb"]:
        streams = [
            o
            for c in json.loads(executed.read_text())["cells"]
            for o in c.get("outputs", [])
            if o.get("name") == "stderr"
        ]
        assert streams == [], (executed.parent.name, streams[:1])
    # no kernel warning per configuration: the kernels talk over IPC sockets
    assert "without encryption" not in proc.stderr + proc.stdout
    assert "WARNING" not in proc.stderr, proc.stderr[-3000:]
    html = (out / "index.html").read_text(encoding="utf-8")
    for heading in (
        "The answers",
        "Phase targets",
        "not self-consistent",
        "Throughput against batch size",
        "Every core: shards",
        "Latency per call and per item",
        "stage breakdown",
        "Speedup over sequential",
        "Search beside write speed",
        "usearch settings",
        "The defaults, f16 M16 ea128",
        "Vector stores side by side",
        "faiss-flat",
        "chroma",
        "Peers: mem0",
        "attributed to it",
        "Sustained load",
        "the fastest peer was langgraph (sqlite)",
        "store.batch",
        "Database server",
        "On a real database server",
        "HNSW index",
        "as a sustained rate",
        "Searches during writes",
        "searchable after",
        "Environment and settings",
        "executed notebook",
    ):
        assert heading in html, heading
    assert html.count("data:image/png;base64,") >= 6  # every figure inline
    assert not re.search(r"""(src|href)\s*=\s*["']https?://|import\(["']https?://""", html)
    assert "phase1-goal" in html and "contradicts its own model" in html
    for name in (
        "bulk-b1000-c1-hash-s2",
        "sequential-b1-c1-simulated",
        "batch-b10-c1-minilm",
        "mem0-b10-c1-hash",
    ):
        assert (out / "configs" / name / "result.json").exists()
        assert (out / "configs" / name / "benchmark.ipynb").exists()
        assert not (out / "configs" / name / "stores").exists()  # removed after its check
        assert f'href="configs/{name}/benchmark.html"' in html
    sweep = report.load(out)
    assert len(sweep.results) == 18 and not sweep.failures
    assert not (
        out / "configs" / "parallel-b1-c1-hash-core-pg-history-pg-pgvector" / "postgres"
    ).exists()  # the server's data removed with the stores
    assert [c["name"] for c in sweep.capacities] == ["bulk-b100-c1-hash"]
    assert sweep.capacities[0]["probes"] and not list(out.glob("capacity/*/*/result.json"))
    offered = [r for r in sweep.results if r.offered is not None]
    assert [r.name for r in offered] == ["bulk-b100-c1-hash-r2000-q100"]
    assert offered[0].reads is not None and offered[0].reads.freshness["found"] > 0
    # the sustained verdict leads the answers, before the closed-loop one
    assert html.index("as a sustained rate") < html.index("ops/s closed loop")
    for r in sweep.results:
        assert r.integrity.lost == 0 and r.integrity.orphans == 0
    backends = {
        r.settings["stores"]["vector_store"]
        for r in sweep.results
        if r.vector_load and r.system == "agentmem"
    }
    assert backends == {"usearch", "faiss-flat", "chroma", "pgvector"}
    # check exits as the targets say
    catalogue = tg.load()
    expected = (
        1
        if tg.gate_failures(
            catalogue, tg.evaluate(catalogue, sweep.results, capacities=sweep.capacities)
        )
        else 0
    )
    assert main(["check", str(out)]) == expected
    # the first screen states the verdicts; the page renders in a real browser
    assert html.index("The answers") < html.index("Phase targets")
    check_page(out / "index.html", min_images=6, cjk="吞吐量")  # a seed quote, in real glyphs
    # the verdicts and measured columns in view at 1,280 px; the verdicts on a phone too
    assert check_in_view(out / "index.html", 1280)["claims"]["n"] > 0  # type: ignore[index]
    check_in_view(out / "index.html", 390)


def test_check_exit_codes_on_known_results(tmp_path, capsys):
    from helpers import known_result

    good, bad = tmp_path / "good", tmp_path / "bad"
    known_result(throughput=12_000.0).dump(good / "configs" / "x" / "result.json")
    known_result(throughput=8_000.0).dump(bad / "configs" / "x" / "result.json")
    assert main(["check", str(good)]) == 0
    printed = capsys.readouterr().out
    assert "gate: every gating target met" in printed
    # the verdict table first, each claim in the seed's words beside its id
    assert printed.startswith("The answers at a glance")
    assert "Phase 1 goal, closed loop" in printed and "12,000 ops/s met" in printed
    assert "task13-10000-15000: Task 1.3 (not done)" in printed
    assert main(["check", str(bad)]) == 1
    assert "GATE MISSED: phase1-goal" in capsys.readouterr().out
    assert main(["check", str(tmp_path / "nowhere")]) == 2
    (tmp_path / "empty").mkdir()
    assert main(["check", str(tmp_path / "empty")]) == 2


def test_processes_as_a_sweep_setting(tmp_path):
    # --processes P (or the grid's processes key): each configuration's notebook runs P
    # fresh processes; a result measured in another number of them is not complete.
    assert all(p.parameters.get("processes", 1) == 1 for p in plan())
    assert all(p.parameters["processes"] == 6 for p in plan(processes=6))
    grid = tmp_path / "grid.toml"
    grid.write_text("processes = 3\n" + SMALL_GRID % tmp_path)
    assert {p.parameters["processes"] for p in plan(grid)} == {3}
    assert all("processes" not in p.parameters for p in plan(grid, quick=True))
    with pytest.raises(ConfigError, match="--processes"):
        plan(processes=0)


@pytest.mark.slow
def test_an_interleaved_sweep_runs_the_processes_by_turns(tmp_path):
    # --processes 2 --interleave: each configuration's calibration, then each one's first
    # process, then each one's second; each notebook then combines its own, measuring
    # nothing again; the stores of every process are removed after the check.
    grid = tmp_path / "grid.toml"
    grid.write_text(
        SMALL_GRID.split("[[group]]")[0].replace("bulk = [10]", "bulk = [10]\nsequential = [1]")
        + '[[group]]\nprofile = "real"\nembedder = "hash"\n'
        "items = { 10 = 60, 1 = 20 }\nquick_items = { 10 = 20, 1 = 10 }\n"
    )
    out = tmp_path / "sweep"
    with pytest.raises(ConfigError, match="--interleave"):
        run_sweep(
            grid, out=out, progress=False, processes=2, interleave=True, cluster="tcp://127.0.0.1:9"
        )
    outcome = run_sweep(grid, out=out, progress=False, processes=2, interleave=True)
    assert sorted(outcome.ran) == ["bulk-b10-c1-hash", "sequential-b1-c1-hash"]
    written = sorted(
        (f.stat().st_mtime_ns, f.parent.name, f.parents[2].name)
        for f in out.glob("configs/*/processes/*/result.json")
    )
    assert [(label, name) for _, label, name in written] == [
        (label, name)
        for label in ("calibration", "process-1", "process-2")
        for name in ("bulk-b10-c1-hash", "sequential-b1-c1-hash")
    ]
    for name in outcome.ran:
        r = Result.load(out / "configs" / name / "result.json")
        assert r.processes is not None and r.processes.count == 2
        assert not list((out / "configs" / name).glob("**/stores"))
        # no marker file carries the setting: the sweep told the notebook, as a parameter
        assert not list((out / "configs" / name / "processes").glob("interleaved*"))
        executed = json.loads((out / "configs" / name / "benchmark.ipynb").read_text())
        injected = next(
            c for c in executed["cells"] if "injected-parameters" in c["metadata"].get("tags", [])
        )
        assert "processes_measured = True" in "".join(injected["source"])


def test_a_configuration_whose_vectors_are_not_built_fails_alone_with_its_line(tmp_path):
    from agentmem_lab.sweep.progress import Progress
    from agentmem_lab.sweep.runs import SweepOptions, SweepOutcome, _configurations

    data = tmp_path / "mine"
    data.mkdir()
    (data / "messages.jsonl").write_text(
        "".join(json.dumps({"content": f"message {i}", "user_id": "u"}) + "\n" for i in range(50))
    )
    grid = tmp_path / "g.toml"
    grid.write_text(
        '[modes]\nbulk = [10]\n[[group]]\nembedder = "minilm"\nitems = { 10 = 20 }\n'
        f'settings = {{ dataset = "{data}", vectors = "cached" }}\n'
        '[[group]]\nembedder = "hash"\nitems = { 10 = 20 }\n'
    )
    planned = plan(grid)
    assert [p.unready is None for p in planned] == [False, True]
    assert "agentmem-lab vectors build" in planned[0].unready
    outcome = SweepOutcome(tmp_path / "sweep")
    options = SweepOptions(grid, False, False, None, False, None, False, False)
    _configurations(tmp_path / "sweep", planned[:1], options, frozenset(), outcome, Progress(False))
    assert outcome.failed == [planned[0].name] and outcome.ran == []
    error = json.loads((tmp_path / "sweep/configs" / planned[0].name / "error.json").read_text())
    assert error["error"] == planned[0].unready
    # any other bad setting still stops the plan with its one line
    grid.write_text('[modes]\nbulk = [10]\n[[group]]\nembedder = "nope"\nitems = { 10 = 20 }\n')
    with pytest.raises(ConfigError):
        plan(grid)
