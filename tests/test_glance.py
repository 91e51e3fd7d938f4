"""The verdict table: a row per claim family, verdicts from the measurements."""

from __future__ import annotations

import re

from agentmem_lab import claims
from agentmem_lab.report import glance, verdict_table
from helpers import known_result


def _rows(results, **kw):
    return {r.family: r for r in glance.verdict_rows(claims.load(), results, **kw)}


def test_every_family_has_a_row_and_the_measurements_decide_its_verdict():
    fast = [known_result(throughput=12_000.0), known_result(embedder="minilm", throughput=50.0)]
    rows = _rows(fast)
    families = [key for key, _ in claims.FAMILIES if claims.load().family(key)]
    assert list(rows)[: len(families)] == families
    for extra in ("consistency", "peers", "server", "conversations", "scale"):
        assert extra in rows
    goal = rows["phase1"]
    assert (goal.hash.verdict, goal.real_model.verdict) == (glance.MET, glance.MISSED)
    assert goal.verdict == glance.PARTLY and goal.hash.text == "12,000 ops/s"
    assert goal.ratio == 1.2
    # change a result, and the verdict changes
    slow = _rows([known_result(throughput=8_000.0)])["phase1"]
    assert slow.verdict == glance.MISSED and slow.hash.ratio == 0.8
    assert slow.real_model.verdict == glance.NOT_MEASURED
    # bulk is not the seed's design: its column judges the seed's modes alone
    assert slow.seed_design.verdict == glance.NOT_MEASURED
    assert rows["future"].verdict == glance.PREDICTION
    assert rows["consistency"].verdict == glance.CONTRADICTS
    assert rows["conversations"].verdict == glance.NOT_MEASURED  # no run on a dataset
    assert rows["scale"].verdict == glance.NOT_MEASURED
    assert rows["embedding"].verdict == glance.NOT_MEASURED  # no stages measured


def test_stage_figures_and_peers_reach_their_rows():
    stages = {"embed": {"hash": {"100": {"speedup": 12.0, "batch_ms": 1.0}}}, "writes": None}
    rows = _rows([known_result()], stages=stages)
    assert rows["embedding"].hash.verdict == glance.MET
    assert rows["embedding"].hash.text == "12.00x"
    mem0 = known_result(batch_size=100, throughput=400.0, system="mem0")
    peers = _rows([known_result(batch_size=100), mem0])["peers"]
    assert peers.hash.verdict == glance.MISSED and peers.hash.ratio == 0.04


def test_the_table_as_html_and_as_text():
    rows = glance.verdict_rows(claims.load(), [known_result(throughput=12_000.0)])
    page = verdict_table.glance_html(rows)
    assert page.count("<tr id=") == len(rows)
    assert 'href="#am-sustained"' in page and "✓ met" in page and "– not measured" in page
    assert "<script" not in page
    lines = verdict_table.glance_lines(rows)
    assert lines[0].startswith("claim family") and len(lines) == 1 + 2 * len(rows)
    goal = next(line for line in lines if line.startswith("Phase 1 goal, closed loop"))
    assert re.search(r"partly met|met", goal) and "12,000 ops/s met" in goal
    assert any("[task13-10000-15000]" in line for line in lines)  # the seed's words and id


def test_runs_on_real_conversations_fill_their_row_and_stay_out_of_the_claims():
    chat = {"dataset": "chitchat", "dataset_details": {"name": "chitchat", "items": 2000}}
    real = known_result(throughput=11_000.0, settings=chat, label=None)
    assert real.name == "bulk-b1000-c1-hash-chitchat"
    rows = _rows([real, known_result("batch", 100, throughput=900.0, settings=chat)])
    talk = rows["conversations"]
    assert talk.hash.verdict == glance.MET and talk.hash.text == "11,000 ops/s"
    assert talk.seed_design.verdict == glance.MISSED and talk.seed_design.text == "900 ops/s"
    assert rows["phase1"].hash.verdict == glance.NOT_MEASURED  # not the synthetic workload
