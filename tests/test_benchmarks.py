"""The benchmark scripts run and print what the README says they print.

Small sizes, so this checks that ``make bench`` works, not how fast anything is: a goal
may PASS or FAIL here (exit 0 or 1), but every line must be well formed.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from conftest import ROOT

BENCH = ROOT / "benchmarks"
GOAL = re.compile(
    r"^GOAL (\w+): measured (-?[\d,]+\.\d+), target (>=|<) ([\d,]+\.\d+), (PASS|FAIL)$"
)


# Real benchmark scripts and clusters, end to end: make test runs them, make test-fast not.
pytestmark = pytest.mark.slow


def parse_goals(lines: list[str]) -> dict[str, str]:
    """Each GOAL line's name and PASS or FAIL; a malformed GOAL line fails the test."""
    found = {}
    for line in lines:
        if line.startswith("GOAL "):
            m = GOAL.match(line)
            assert m, line
            found[m.group(1)] = m.group(5)
    return found


def run_script(name: str, *args: str) -> tuple[int, list[str]]:
    proc = subprocess.run(
        [sys.executable, str(BENCH / name), *args], capture_output=True, text=True, timeout=300
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, proc.stdout.splitlines()


def test_pipeline_prints_every_goal_and_the_bound() -> None:
    code, lines = run_script(
        "pipeline.py", "--items", "2000", "--rounds", "1", "--minilm-items", "0"
    )
    goals = parse_goals(lines)
    # Only the goals in force: 20,000 ops/s and bulk 50x sequential-1 were retired.
    assert set(goals) == {
        "bulk1000_recall_at_10",
        "pipeline_efficiency_vs_slowest_stage",
        "harness_overhead_us_per_item_batch1",
        "harness_batch1000_us_per_item",
        "sharded_bulk1000_of_bound",
        "sharded_bulk1000_over_sequential1_of_bound_ratio",
    }
    assert any(line.startswith("sharded bulk-1000: ") and " cores busy" in line for line in lines)
    assert code == (0 if set(goals.values()) == {"PASS"} else 1)
    assert any(line.startswith("BOUND sharded: ") for line in lines)
    bound = [line for line in lines if line.startswith("BOUND pipeline:")]
    assert len(bound) == 1 and "efficiency at most" in bound[0]
    stages = [line.split()[1] for line in lines if line.startswith("stage ")]
    assert stages == ["embed", "core", "history", "vector"]
    assert any(line.startswith("minilm: not measured") for line in lines)


def test_overlap_compares_three_schedules_and_checks_what_they_stored() -> None:
    code, lines = run_script("overlap.py", "--items", "2000", "--rounds", "1")
    assert code == 0, lines
    rows = [line for line in lines if " batch 1000: median " in line]
    assert [r.split()[0] for r in rows] == ["bulk", "rows-early", "chunked"]
    assert rows[0].split("ops/s, ")[1].startswith("1.00x bulk")


@pytest.mark.parametrize(
    "script,args",
    [
        ("faults.py", ["--items", "2000", "--rate", "0.05"]),
        ("embedders.py", ["--embedder", "hash", "--seconds", "0.05"]),
        ("verify.py", ["--sizes", "500", "2000"]),
    ],
)
def test_other_scripts_run(script: str, args: list[str]) -> None:
    code, lines = run_script(script, *args)
    assert code == 0, lines
    assert lines[0].startswith("environment: ")


def test_offered_load_prints_the_schedule_error_and_the_sustained_ratio() -> None:
    code, lines = run_script(
        "offered_load.py",
        "--rates",
        "200",
        "--seconds",
        "0.2",
        "--items",
        "2000",
        "--min-calls",
        "3",
        "--interference-rounds",
        "1",
        "--interference-items",
        "50",
    )
    goals = {m.group(1): m.group(5) for m in (GOAL.match(x) for x in lines) if m}
    assert set(goals) == {"schedule_error_p99_ms", "bulk1000_sustainable_over_closed_loop"}
    assert [
        line.split(", ")[1].split(":")[0]
        for line in lines
        if line.startswith("schedule error at 200 calls/s")
    ] == ["timer waits", "spin waits"]
    assert any(line.startswith("sequential-1 over real stores, service p99") for line in lines)
    assert any("maximum sustainable throughput" in x or "no probe sustained" in x for x in lines)
    assert code == (0 if set(goals.values()) == {"PASS"} else 1)


def test_calibration_prints_its_goal() -> None:
    # A timing goal: with one call per configuration it may PASS or FAIL on a loaded
    # machine (CI once measured +6.4 % on one call); the line must be well formed.
    code, lines = run_script("calibration.py", "--calls", "1")
    assert lines[0].startswith("environment: ")
    goals = [GOAL.match(line) for line in lines if line.startswith("GOAL ")]
    assert len(goals) == 1 and goals[0] is not None
    assert goals[0].group(1) == "calibration_worst_fastest_call_excess_pct"
    assert code == (0 if goals[0].group(5) == "PASS" else 1)


def test_vector_stores_prints_every_backend_in_both_configurations() -> None:
    code, lines = run_script(
        "vector_stores.py",
        "--items",
        "2000",
        "--parallel-items",
        "20",
        "--rounds",
        "1",
        "--queries",
        "10",
    )
    assert code == 0, lines
    for config in ("bulk-1000", "parallel-1"):
        start = next(n for n, line in enumerate(lines) if line.startswith(config + ","))
        rows = lines[start + 1 : start + 9]
        assert sorted(r.split()[0] for r in rows) == sorted(
            [
                "milvus-lite",
                "usearch",
                "faiss-hnsw",
                "faiss-flat",
                "qdrant-local",
                "chroma",
                "lancedb",
                "sqlite-vec",
            ]
        )
        assert all("x usearch); load " in r and "recall@10 " in r for r in rows)


def test_peers_compares_every_peer_with_mem0_and_bulk_at_each_batch_size() -> None:
    pytest.importorskip("mem0")
    pytest.importorskip("langgraph.store.sqlite")
    pytest.importorskip("txtai")
    # two of its six peers (each peer's path is tested in its own module)
    code, lines = run_script(
        "peers.py", "--rounds", "1", "--scale", "0.02", "--peers", "langgraph-sqlite", "txtai-faiss"
    )
    assert code == 0, lines
    # a ratio is of two stores of one size: every system writes the same items
    assert any(
        line.endswith(
            "every system writes the same items a run (6 at batch 1, 20 at "
            "batch 10, 100 at batch 100):"
        )
        for line in lines
    )
    assert [line.split(":")[0].strip() for line in lines if line.startswith("  batch ")] == [
        "batch 1",
        "batch 10",
        "batch 100",
    ]
    # the seed's modes (4 + 2 + 2) and the two peers at each of the three batch sizes
    assert (
        sum(" ops/s (" in line and "x mem0, " in line and "x bulk)" in line for line in lines)
        == 8 + 3 * 2
    )
    for peer in ("langgraph-sqlite", "txtai-faiss"):
        assert sum(line.split()[0] == peer for line in lines if line.startswith("    ")) == 3
    assert any(line.startswith("mem0 best: ") and "attributed to it" in line for line in lines)
    assert any(line.startswith("fastest peer: ") and "x agentmem bulk" in line for line in lines)
    assert '"txtai": "9.14.0"' in lines[0] and '"langgraph": "1.2.24"' in lines[0]


def test_scale_prints_the_first_write_the_windows_cost_and_the_growth_curve() -> None:
    code, lines = run_script(
        "scale.py",
        "--first-write-sizes",
        "2000",
        "30000",
        "--cost-items",
        "2000",
        "--cost-rounds",
        "1",
        "--items",
        "4000",
    )
    goals = {m.group(1): m.group(5) for m in (GOAL.match(x) for x in lines) if m}
    assert set(goals) == {"first_write_largest_over_smallest"}  # no 1M goal below 1M items
    assert code == (0 if set(goals.values()) == {"PASS"} else 1)
    assert sum(line.startswith("first write: ") for line in lines) == 2
    assert any(line.startswith("windows' cost: 2,000 items") for line in lines)
    assert sum(line.startswith("  window at ") for line in lines) == 4  # 4 calls: a window each
    assert any(line.startswith("bytes per item: RSS ") for line in lines)
    assert any(
        line.startswith("PREDICTION, not a measurement: peak RSS at 10,000,000") for line in lines
    )


def test_servers_prints_both_stores_the_costs_and_the_drivers() -> None:
    code, lines = run_script(
        "servers.py", "--rounds", "1", "--items", "30", "--bulk-items", "1000", "--calls", "20",
        "--limit-seconds", "1", "--limit-items", "300",
    )  # fmt: skip
    assert code == 0, lines
    goals = {m.group(1): m.group(5) for m in (GOAL.match(x) for x in lines) if m}
    assert set(goals) == {
        f"{g}_{k}"
        for g in ("task11_parallel1_over_sequential1_p50", "bulk1000_over_sequential1_throughput")
        for k in ("postgres", "redis", "sqlite")
    } | {
        "bulk1000_share_of_server_limit_postgres",
        "bulk1000_share_of_server_limit_redis",
        "redis_server_start_s",
        "redis_server_stop_s",
    }
    assert sum(line.startswith(("  postgres ", "  redis ", "  sqlite ")) for line in lines) == 9
    # each server's limit, 2 workloads at 1 and 4 clients, and 3 shares a server
    assert sum(line.startswith("  limit ") for line in lines) == 8
    assert sum("of the server's own" in line for line in lines) == 6
    assert any(
        line.startswith("server costs, medians of 20 calls") and "HNSW index" in line
        for line in lines
    )
    assert any(line.startswith("the bench's own per call: pool checkout") for line in lines)
    assert any("asyncpg pool" in line and "psycopg connection" in line for line in lines)


def test_compare_power_prints_both_sample_sizes_and_the_slowdown() -> None:
    code, lines = run_script(
        "compare_power.py", "--processes", "2", "--configs", "1", "--scale", "0.5"
    )
    assert code in (0, 1), lines
    assert any(
        line.startswith("P = 2: the same code twice, ")
        and "independent samples: 2 processes against 2" in line
        for line in lines
    )
    assert any(
        line.startswith("P = 1: the same code twice, ") and "not independent" in line
        for line in lines
    )
    assert sum(line.startswith("  sequential-1-c1 ") for line in lines) == 2
    assert any(
        line.startswith("sqlite synchronous FULL against NORMAL, sequential-1, P = 2")
        for line in lines
    )
    goals = {m.group(1) for m in (GOAL.match(x) for x in lines) if m}
    assert goals == {"same_code_unchanged_of_1_p2", "full_over_normal_called_slower_p2"}


def test_real_vectors_and_the_index_frontier_print_their_goals(tmp_path) -> None:
    import json

    data = tmp_path / "chat"
    data.mkdir()
    (data / "messages.jsonl").write_text(
        "".join(
            json.dumps({"content": f"message {i} on subject {i % 37}", "user_id": f"u{i % 5}"})
            + "\n"
            for i in range(1400)
        )
    )
    build = [sys.executable, "-m", "agentmem_lab.cli", "vectors", "build", "--dataset", str(data)]
    assert subprocess.run(build, capture_output=True, timeout=300).returncode == 0

    code, lines = run_script("real_vectors.py", "--dataset", str(data))
    assert set(parse_goals(lines)) == {
        "replay_embed_stage_us_per_item_batch1000",
        "minilm_whole_dataset_bulk1000_recall_at_10",
        "minilm_whole_dataset_peak_rss_gb",
        "minilm_whole_dataset_lost_orphans",
    }
    assert code == (0 if set(parse_goals(lines).values()) == {"PASS"} else 1)
    assert any(line.startswith("build: 1,400 vectors of minilm") for line in lines)
    assert any(" (stores only), lost 0 orphans 0" in line for line in lines)
    code, lines = run_script(
        "index_frontier.py",
        "--dataset",
        str(data),
        "--items",
        "300",
        "--queries",
        "20",
        "--self-recall-sample",
        "50",
    )
    assert set(parse_goals(lines)) == {"minilm_recall_at_10_best_setting"}
    rows = [line for line in lines if " es " in line and "recall@10" in line]
    assert len(rows) == 3 * 5 * 3  # workloads x indexes x expansion_search
    assert any(
        line.startswith("minilm: 300 stored, 20 queries, tied at the 10th") for line in lines
    )
