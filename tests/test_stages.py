"""The seed's stage claims measured as stages: the embedder alone, the stores alone."""

from __future__ import annotations

import json

import pytest

from agentmem_lab import claims as tg
from agentmem_lab import report
from agentmem_lab.cli import main
from agentmem_lab.embedders import HashEmbedder
from agentmem_lab.measuring import stages
from conftest import arun
from helpers import known_result


def test_embed_speedups_time_single_embeds_against_one_batch():
    points = arun(stages.embed_speedups(HashEmbedder(), rounds=1, batches=(10, 50)))
    assert set(points) == {"10", "50"}
    p = points["50"]
    assert p["texts"] == 50 and p["singles_timed"] == 50 and p["rounds"] == 1
    assert p["single_ms"] > 0 and p["batch_ms"] > 0
    assert p["speedup"] == pytest.approx(50 * p["single_ms"] / p["batch_ms"])


def test_write_speedup_runs_both_modes_on_real_stores():
    w = arun(stages.write_speedup(rounds=1, n=60))
    assert w["items"] == 60 and w["sequential_ops_s"] > 0 and w["parallel_ops_s"] > 0
    assert w["speedup"] == pytest.approx(w["parallel_ops_s"] / w["sequential_ops_s"])


def test_the_cli_measures_stages_and_check_prints_every_claim(tmp_path, capsys):
    for r in (
        known_result("sequential", 1, throughput=1500.0, p50=0.6),
        known_result("batch", 100, throughput=9000.0, p50=11.0),
    ):
        (tmp_path / "configs" / r.name).mkdir(parents=True)
        r.dump(tmp_path / "configs" / r.name / "result.json")
    assert main(["stages", str(tmp_path), "--embedder", "hash", "--rounds", "1"]) == 0
    out = capsys.readouterr().out
    assert "embed_batch, hash: x" in out and "store writes, embedding out: parallel" in out
    figures = json.loads((tmp_path / "stages.json").read_text())
    assert figures["version"] == stages.STAGES_VERSION
    assert set(figures["embed"]["hash"]) == {"10", "100", "1000"}
    assert report.load(tmp_path).stages == figures
    main(["check", str(tmp_path)])
    out = capsys.readouterr().out
    ids = [t.id for t in tg.load().claims]
    modelled = [ln.split()[0] for ln in out.splitlines() if ln.split() and ln.split()[0] in ids]
    measured = [ln.split(":")[0] for ln in out.splitlines() if ln.split(":")[0] in ids]
    assert modelled == ids and measured == ids  # against its model, then the measurements
    assert "task13-10000-15000" in out and "prediction: no verdict" in out
    lines = out.splitlines()
    embed_line = lines[lines.index(next(ln for ln in lines if ln.startswith("embed-10-5x:"))) + 1]
    assert "real:hash" in embed_line and "no measurement" not in embed_line  # from stages.json
    assert out.splitlines()[-2].startswith("claims: 34; against its own model:")


def test_stages_refuses_a_bad_round_count(tmp_path, capsys):
    assert main(["stages", str(tmp_path), "--rounds", "0"]) == 2
    assert "--rounds: must be >= 1, got 0" in capsys.readouterr().err


def test_the_writes_and_costs_on_a_server():
    from agentmem_lab.measuring import stages
    from conftest import postgres_processes

    figures = stages.measure_server(rounds=1, calls=20)
    w = figures["writes_server"]
    assert w["items"] == 20 and w["speedup"] > 0 and "PostgreSQL" in w["stores"]
    c = figures["server_costs"]
    assert c["calls"] == 20 and c["round_trip_ms"] > 0 and c["vector_write_ms"] > 0
    # each part is the difference of two measured calls: the whole write is their sum
    assert c["row_write_ms"] == pytest.approx(
        c["round_trip_ms"] + c["statement_ms"] + c["wal_flush_ms"]
    )
    assert c["bench_checkout_us"] > 0 and c["bench_encode_us"] > 0
    assert c["server"]["version"].startswith("16.")
    assert not postgres_processes(c["server"]["folder"])
