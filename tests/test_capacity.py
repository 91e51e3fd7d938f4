"""The capacity search: real runs at offered rates, every probe recorded."""

from __future__ import annotations

import json

import pytest

from agentmem_lab.cli import main
from agentmem_lab.measuring.capacity import CAPACITY_FILE, find_capacity, probe_items
from agentmem_lab.measuring.runner import RunConfig


def test_probe_items_are_whole_calls_and_at_least_the_minimum() -> None:
    assert probe_items(RunConfig(mode="bulk", batch_size=100, items=5050)) == 5100
    assert probe_items(RunConfig(mode="bulk", batch_size=100, items=1000)) == 2000  # 20 calls


@pytest.mark.slow
def test_capacity_of_bulk_100_reports_a_rate_and_its_probes(tmp_path, capsys) -> None:
    code = main(
        [
            "capacity",
            "--mode",
            "bulk",
            "--batch-size",
            "100",
            "--items",
            "2000",
            "--search-queries",
            "0",
            "--max-probes",
            "5",
            "--out",
            str(tmp_path),
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "maximum sustainable throughput" in out or "no probe sustained" in out
    doc = json.loads((tmp_path / CAPACITY_FILE).read_text())
    assert 2 <= len(doc["probes"]) <= 5
    assert doc["closed_loop_ops_s"] > 0
    passed = [p["offered_ops_s"] for p in doc["probes"] if p["passed"]]
    assert doc["max_sustainable_ops_s"] == (max(passed) if passed else None)
    for p in doc["probes"]:
        assert p["lost"] == 0 and p["orphans"] == 0
        assert p["passed"] == (p["why"] == "sustained")
        assert (tmp_path / "probe-00" / "probe-result.json").exists()
    assert not (tmp_path / "probe-00" / "stores").exists()  # probes' stores removed
    assert not list(tmp_path.rglob("result.json"))  # probes are not sweep configurations


def test_an_impossible_objective_finds_no_rate(tmp_path) -> None:
    doc = find_capacity(
        RunConfig(mode="bulk", batch_size=10, items=200, profile="simulated", warmup=0),
        tmp_path,
        slo_p99_ms=1.0,
        max_probes=2,
        min_calls=5,
    )
    # One probe: its calls' own service p99 is over the objective, so no lower rate is tried.
    assert doc["max_sustainable_ops_s"] is None and len(doc["probes"]) == 1
    assert doc["probes"][0]["service_ms"]["p99"] > 1.0
    assert all("response p99" in p["why"] for p in doc["probes"])


def test_bad_capacity_options_are_one_line(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(
            [
                "capacity",
                "--mode",
                "bulk",
                "--batch-size",
                "10",
                "--items",
                "10",
                "--slo-p99-ms",
                "-3",
                "--out",
                "x",
            ]
        )
    assert exc.value.code == 2
    assert "--slo-p99-ms: must be a positive number" in capsys.readouterr().err


def test_one_capacity_search_per_folder(tmp_path) -> None:
    from agentmem_lab.core.folderlock import FolderInUseError, FolderLock

    with FolderLock(tmp_path, "capacity search"):
        with pytest.raises(FolderInUseError):
            find_capacity(RunConfig(mode="bulk", batch_size=10, items=100), tmp_path)
    assert not (tmp_path / CAPACITY_FILE).exists()
