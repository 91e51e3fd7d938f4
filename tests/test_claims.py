import re

import pytest

from agentmem_lab import claims as tg
from agentmem_lab.core.errors import ConfigError
from conftest import ROOT
from helpers import known_result


@pytest.fixture(scope="module")
def catalogue():
    return tg.load()


def test_default_catalogue_quotes_the_seed(catalogue):
    ids = [t.id for t in catalogue.claims]
    assert "phase1-goal" in ids and len(ids) == len(set(ids))
    for t in catalogue.claims:
        assert t.seed_line and t.claim
    assert [t.id for t in catalogue.claims if t.gate] == ["phase1-goal"]
    assert (catalogue.gate_profile, catalogue.gate_embedder) == ("real", "hash")


def test_the_seeds_table_is_shown_inconsistent(catalogue):
    rows = {(c.items, c.latency_ms): c for c in catalogue.seed_claims}
    last = rows[(1000, 600.0)]
    assert last.implied_ops_s == pytest.approx(1666.67, rel=1e-3)
    assert not last.consistent
    assert rows[(100, 60.0)].consistent and rows[(10, 20.0)].consistent


def test_verdicts_on_known_results(catalogue):
    results = [
        known_result("sequential", 1, throughput=40.0, p50=25.0),
        known_result("bulk", 1000, throughput=25_000.0, p50=40.0),
        known_result("bulk", 1000, concurrency=4, throughput=31_000.0, p50=120.0),
        known_result("batch", 1000, throughput=4_000.0, p50=250.0),
        known_result("sequential", 1, profile="simulated", throughput=32.6, p50=30.6),
        known_result("batch", 1000, profile="simulated", throughput=1_500.0, p50=660.0),
    ]
    v = {(x.target.id, x.group): x for x in tg.evaluate(catalogue, results)}
    assert v[("seq-1-latency", "real:hash")].status == "met"
    assert v[("seq-1-throughput", "real:hash")].ratio == pytest.approx(40 / 33)
    assert v[("batch-1000-throughput", "real:hash")].status == "missed"
    assert v[("batch-1000-latency", "real:hash")].status == "met"
    # the phase-1 goal takes the best configuration at the highest concurrency
    goal = v[("phase1-goal", "real:hash")]
    assert goal.measured == 31_000.0 and goal.status == "met"
    assert v[("par-1-latency", "real:hash")].status == "no measurement"
    assert not any(group == "simulated" for _, group in v)  # calibration, not a verdict
    assert tg.gate_failures(catalogue, list(v.values())) == []


def test_claims_are_judged_against_the_model_computed_not_the_simulation(catalogue):
    results = [
        known_result("sequential", 1, profile="simulated", throughput=32.6, p50=30.6),
        # a harness 10 % slow: its problem, shown as such, not the seed's
        known_result(
            "batch",
            1000,
            profile="simulated",
            throughput=1_500.0,
            p50=660.0,
            samples_ms=[660.0, 661.0],
        ),
        known_result("parallel", 1, concurrency=4, profile="simulated", throughput=260.0),
    ]
    c = {x.target.id: x for x in tg.model_checks(catalogue, results)}
    assert c["seq-1-latency"].computed == 30.0 and c["seq-1-latency"].status == "reproduced"
    assert c["seq-1-latency"].overhead == pytest.approx(0.6)
    assert c["seq-1-latency"].calibration == "calibrated"  # fastest call 30.0 ms: +0 %
    for tid in (
        "batch-10-latency",
        "batch-100-latency",
        "batch-100-throughput",
        "batch-1000-latency",
        "par-1-throughput",
        "seq-1-throughput",
    ):
        assert c[tid].status == "reproduced", tid
    # the 10,000 ops/s rows contradict the seed's own model (1,000 items in 600 ms)
    assert c["batch-1000-throughput"].status == "contradicts its own model"
    assert c["batch-1000-throughput"].computed == pytest.approx(1666.67, rel=1e-3)
    assert c["batch-1000-latency"].status == "reproduced"
    assert c["batch-1000-latency"].calibration == "harness problem"
    assert c["phase1-goal"].status == "contradicts its own model"
    # stated as measured or expected multi-threaded, not derived from the model
    assert c["par-multi-throughput"].status == "not from the model"
    assert c["par-multi-throughput"].prediction.concurrency == 4
    assert c["batch-10-latency"].calibration == "not simulated"
    # c4 with 2 calls in one repeat keeps 2 clients busy: the harness is judged against that
    assert c["par-multi-throughput"].for_run.clients_busy == 2.0
    assert c["par-multi-throughput"].overhead == pytest.approx(260.0 - 2 * 1000 / 15)
    lines = tg.format_model_table(list(c.values()))
    assert any(
        "batch-1000-latency" in ln and "harness problem (fastest call +10.0%)" in ln for ln in lines
    )


def test_gate_fails_when_missed_or_unmeasured(catalogue):
    slow = [known_result("bulk", 1000, throughput=9_000.0)]
    failures = tg.gate_failures(catalogue, tg.evaluate(catalogue, slow))
    assert [f.target.id for f in failures] == ["phase1-goal"] and failures[0].status == "missed"
    other = [known_result("bulk", 1000, embedder="minilm", throughput=50_000.0)]
    failures = tg.gate_failures(catalogue, tg.evaluate(catalogue, other))
    assert failures[0].status == "no measurement"


def test_format_table_lines(catalogue):
    lines = tg.format_table(catalogue, tg.evaluate(catalogue, [known_result(throughput=12_000.0)]))
    assert lines[0].split() == ["group", "claim", "measured", "ratio", "verdict"]
    # each claim named in the seed's words beside its id, then a line per group
    i = lines.index(
        "phase1-goal: Phase 1 goal: 10,000+ ops/s in fast mode (best mode and batch size)"
    )
    assert "real:hash" in lines[i + 1] and lines[i + 1].endswith("met (gate)")
    assert any(ln.startswith("task13-10000-15000: Task 1.3 (not done)") for ln in lines)


def test_bad_targets_file(tmp_path):
    p = tmp_path / "t.toml"
    p.write_text(
        '[[target]]\nid = "x"\nclaim = "c"\nseed_line = "s"\nmode = "bulk"\n'
        'batch_size = 1\nconcurrency = 1\nmetric = "speed"\ntarget = 1.0\n'
    )
    with pytest.raises(ConfigError, match="metric must be one of"):
        tg.load(p)
    p.write_text("not toml [")
    with pytest.raises(ConfigError, match="not TOML"):
        tg.load(p)
    with pytest.raises(ConfigError, match="no such file"):
        tg.load(tmp_path / "missing.toml")


# Every numeric claim of the seed's file (../shared/seed/), by its line, and the target that
# judges it. A claim left out of data/targets.toml, or a line changed, fails the test below.
SEED = ROOT.parent / "shared" / "seed" / "000_472959b562cd9a03.txt"
CLAIMS = [
    ("实现快速模式（infer=false），达到 10,000+ ops/s", "phase1-goal"),
    ("延迟降低: 30ms → 15ms (2x)", "task11-latency-2x"),
    ("吞吐量提升: 577 → 1,200-1,500 ops/s (2-2.5x)", "task11-throughput-2-2.5x"),
    ("批量嵌入生成: 5-10x 提升", "embed-5-10x"),
    ("并行写入: 2-3x 提升", "writes-2-3x"),
    ("总体提升: 10-25x", "task12-overall-10-25x"),
    ("预期吞吐量: 5,000-10,000 ops/s", "task12-expected-5000-10000"),
    ("总延迟: 30ms", "seq-1-latency"),
    ("吞吐量: ~33 ops/s (单线程)", "seq-1-throughput"),
    ("实际基准: ~577 ops/s (多线程)", "seq-multi-throughput"),
    ("总延迟: 15ms (5ms + max(10ms))", "par-1-latency"),
    ("吞吐量: ~67 ops/s (单线程)", "par-1-throughput"),
    ("预期实际: ~1,200-1,500 ops/s (多线程)", "par-multi-throughput"),
    ("提升: 2-2.5x", "task11-throughput-2-2.5x"),
    ("批量嵌入生成: 10ms (一次性生成10个，5x提升)", "embed-10-5x"),
    ("批量嵌入生成: 10ms (一次性生成10个，5x提升)", "embed-10-latency"),
    ("总延迟: 20ms", "batch-10-latency"),
    ("吞吐量: ~500 ops/s (10个/20ms)", "batch-10-throughput"),
    ("提升: 7.5x", "table-batch-10-7.5x"),
    ("批量嵌入生成: 50ms (一次性生成100个，10x提升)", "embed-100-10x"),
    ("批量嵌入生成: 50ms (一次性生成100个，10x提升)", "embed-100-latency"),
    ("总延迟: 60ms", "batch-100-latency"),
    ("吞吐量: ~1,667 ops/s (100个/60ms)", "batch-100-throughput"),
    ("提升: 25x", "table-batch-100-25x"),
    ("目标: 10,000+ ops/s", "phase1-goal"),
    ("基准: ~577 ops/s", "seq-multi-throughput"),
    ("├─ Task 1.1: ~1,200-1,500 ops/s (2-2.5x) ✅", "par-multi-throughput"),
    ("├─ Task 1.2: ~5,000-7,500 ops/s (5-10x) ✅", "progress-task12-5000-7500"),
    ("├─ Task 1.2: ~5,000-7,500 ops/s (5-10x) ✅", "progress-task12-5-10x"),
    ("└─ Task 1.3: ~10,000-15,000 ops/s (1.5-2x) ⏳", "task13-10000-15000"),
    ("Task 1.1 + 1.2 已经接近目标（5,000-7,500 ops/s）", "progress-task12-5000-7500"),
    ("批量模式下（100个记忆）已经达到 1,667 ops/s", "batch-100-throughput"),
    ("如果批量大小增加到 1000 个，预期可达 10,000+ ops/s", "batch-1000-throughput"),
    ("Task 1.3（缓存优化）可进一步提升到 15,000+ ops/s", "task13-10000-15000"),
    ("单个添加: 1,200-1,500 ops/s", "par-multi-throughput"),
    ("批量添加（10个）: 500 ops/s", "batch-10-throughput"),
    ("批量添加（100个）: 1,667 ops/s", "batch-100-throughput"),
    ("批量添加（1000个）: 10,000+ ops/s", "batch-1000-throughput"),
    ("并行执行4个LLM调用，达到 1,000 ops/s", "phase2-smart-1000"),
    ("单个添加: 2-2.5x (577 → 1,200-1,500 ops/s)", "summary-single-2-2.5x"),
    ("批量添加: 10-25x (577 → 5,000-10,000 ops/s)", "summary-batch-10-25x"),
    ("接近 10,000+ ops/s 目标", "phase1-goal"),
    ("最终达到 10,000+ ops/s 的目标", "phase1-goal"),
    ("| 基准（顺序） | 1 | 30ms | 33 ops/s | 1x |", "seq-1-throughput"),
    ("| Task 1.1（并行） | 1 | 15ms | 67 ops/s | 2x |", "table-parallel-2x"),
    ("| Task 1.2（批量） | 10 | 20ms | 500 ops/s | 7.5x |", "table-batch-10-7.5x"),
    ("| Task 1.2（批量） | 100 | 60ms | 1,667 ops/s | 25x |", "table-batch-100-25x"),
    ("| Task 1.2（批量） | 1000 | 600ms | 10,000 ops/s | 50x（预期） |", "table-batch-1000-50x"),
    ("| Task 1.2（批量） | 1000 | 600ms | 10,000 ops/s | 50x（预期） |", "batch-1000-throughput"),
]
#: Numbers of the seed that are its model's inputs, not claims of a result: the report
#: shows them as the seed's model (seedmodel.py), and every claim above is judged by it.
INPUTS = [
    "嵌入生成:  5ms",
    "CoreMemory: 10ms",
    "VectorStore: 10ms",
    "History:     5ms",
    "并行写入所有: 10ms",
]


def _norm(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.skipif(not SEED.exists(), reason="the seed is beside the checkout in ../shared/")
def test_every_numeric_claim_of_the_seed_has_a_target(catalogue):
    seed = _norm(SEED.read_text(encoding="utf-8"))
    by_id = {t.id: t for t in catalogue.claims}
    for line, target in CLAIMS:
        assert _norm(line) in seed, line  # the list quotes the seed
        assert target in by_id, f"{line!r}: no target {target!r}"
    for line in INPUTS:
        assert _norm(line) in seed, line
    # and every line of the seed that states ops/s, ms or a speed-up is in one of the lists
    listed = [_norm(x) for x, _ in CLAIMS] + [_norm(x) for x in INPUTS]
    numeric = [
        _norm(x)
        for x in SEED.read_text(encoding="utf-8").splitlines()
        if re.search(r"\d[\d,.]*\s*(ops/s|ms\b|x\b|x（|x\)|x提升|x 提升)", x)
    ]
    unlisted = [x for x in numeric if not any(c in x or x.strip("-*` ") in c for c in listed)]
    assert unlisted == []


def test_every_kind_of_claim_is_judged_on_known_results(catalogue):
    results = [
        known_result("sequential", 1, throughput=1_500.0, p50=0.6),
        known_result("parallel", 1, throughput=1_800.0, p50=0.5),
        known_result("batch", 10, throughput=4_000.0, p50=2.5),
        known_result("batch", 1000, throughput=16_000.0, p50=60.0),
    ]
    stages = {
        "embed": {
            "hash": {
                "10": {"speedup": 3.0, "batch_ms": 0.2},
                "100": {"speedup": 12.0, "batch_ms": 1.0},
                "1000": {"speedup": 6.0, "batch_ms": 10.0},
            }
        },
        "writes": {"speedup": 1.2},
    }
    v = {x.target.id: x for x in tg.evaluate(catalogue, results, stages)}
    # ratio: parallel-1 over sequential-1 (1.2x against 2x)
    assert v["task11-latency-2x"].measured == pytest.approx(1.2)
    assert v["task11-latency-2x"].status == "missed"
    assert v["table-batch-10-7.5x"].measured == pytest.approx(4_000 / 1_800)
    # range, read at its low end: 16,000 / 1,500 = 10.7x meets 10-25x
    assert v["task12-overall-10-25x"].measured == pytest.approx(16_000 / 1_500)
    assert v["task12-overall-10-25x"].status == "met"
    assert v["task12-expected-5000-10000"].status == "met"  # 16,000 >= 5,000
    # stages, from stages.json for the group's embedder
    assert v["embed-10-5x"].measured == 3.0 and v["embed-10-5x"].status == "missed"
    assert v["embed-100-10x"].status == "met" and v["embed-5-10x"].status == "met"
    assert v["embed-10-latency"].status == "met"  # 0.2 ms <= 10 ms
    assert v["writes-2-3x"].measured == 1.2 and v["writes-2-3x"].status == "missed"
    # predictions: the best figure beside, no verdict
    assert v["task13-10000-15000"].status == "prediction: no verdict"
    assert v["task13-10000-15000"].met is None and v["task13-10000-15000"].measured == 16_000
    # without stage figures, a stage claim is not measured (never met by default)
    assert (
        tg.evaluate(catalogue, results)[
            [t.id for t in catalogue.claims].index("embed-10-5x")
        ].status
        == "no measurement"
    )


def test_ratio_ranges_and_stages_against_the_seeds_model(catalogue):
    c = {x.target.id: x for x in tg.model_checks(catalogue, [])}
    assert c["task11-latency-2x"].computed == pytest.approx(2.0)
    assert c["task11-latency-2x"].status == "reproduced"
    assert c["table-batch-10-7.5x"].computed == pytest.approx(7.5)  # over parallel
    assert c["table-batch-1000-50x"].computed == pytest.approx(50.0)  # over sequential
    # "10-25x" overall: its own model gives 50x over sequential
    assert c["task12-overall-10-25x"].computed == pytest.approx(50.0)
    assert c["task12-overall-10-25x"].status == "contradicts its own model"
    assert c["embed-5-10x"].computed == pytest.approx(5000 / 590)
    assert c["writes-2-3x"].computed == pytest.approx(2.5)
    assert c["task13-10000-15000"].status == "prediction of future work"
    assert c["phase2-smart-1000"].computed is None
    n = tg.counts(list(c.values()), [])
    assert n["claims"] == len(catalogue.claims)
    assert (
        sum(
            n[k]
            for k in (
                "reproduced",
                "contradicts its own model",
                "not from the model",
                "prediction of future work",
            )
        )
        == n["claims"]
    )


def test_a_range_below_its_low_end_or_inside_reads_as_stated():
    t = tg.Claim(
        id="r",
        claim="c",
        seed_line="s",
        metric="throughput_ops_s",
        target=5.0,
        high=10.0,
        mode="batch",
        over={"mode": "sequential", "batch_size": 1},
    )
    assert t.met(12.0) and t.met(5.0) and not t.met(4.9)
    inside = tg.Claim(
        id="r",
        claim="c",
        seed_line="s",
        metric="throughput_ops_s",
        target=5.0,
        high=10.0,
        met_when="inside",
    )
    assert inside.met(7.0) and not inside.met(12.0)
    assert t.claimed() == "5-10x" and inside.claimed() == "5-10 ops/s"
    with pytest.raises(ConfigError, match="high must be at least target"):
        tg.Claim(id="r", claim="c", seed_line="s", metric="throughput_ops_s", target=5.0, high=4.0)


def _capacity(
    name: str, embedder: str, cap: float | None, slo: float = 100.0, mode: str = "bulk"
) -> dict:
    return {
        "name": name,
        "embedder": embedder,
        "profile": "real",
        "system": "agentmem",
        "mode": mode,
        "batch_size": 1000,
        "slo_p99_ms": slo,
        "max_sustainable_ops_s": cap,
    }


def test_the_sustained_goal_is_judged_on_capacity_searches_per_embedder(catalogue):
    results = [
        known_result("bulk", 1000, throughput=20_000.0),
        known_result("bulk", 1000, embedder="minilm", throughput=300.0),
    ]
    caps = [
        _capacity("bulk-b1000-c1-hash", "hash", 12_700.0),
        _capacity("bulk-b100-c1-hash", "hash", 8_000.0),
        _capacity("loose", "hash", 30_000.0, slo=500.0),  # a looser objective: not this claim
        _capacity("bulk-b10-c1-minilm", "minilm", None),
    ]
    t = next(x for x in catalogue.claims if x.id == "phase1-sustained")
    assert t.kind == "sustained" and t.claimed() == "10,000 ops/s at p99 <= 100 ms"
    v = {(x.target.id, x.group): x for x in tg.evaluate(catalogue, results, capacities=caps)}
    hash_v, minilm_v = v["phase1-sustained", "real:hash"], v["phase1-sustained", "real:minilm"]
    assert hash_v.measured == 12_700.0 and hash_v.status == "met"
    assert hash_v.configurations == "bulk-b1000-c1-hash"
    assert minilm_v.measured == 0.0 and minilm_v.status == "missed"  # no rate sustained
    # the closed-loop goal is judged apart, on the closed-loop results
    assert v["phase1-goal", "real:hash"].measured == 20_000.0
    # no capacity search: not measured
    plain = {(x.target.id, x.group): x for x in tg.evaluate(catalogue, results)}
    assert plain["phase1-sustained", "real:hash"].status == "no measurement"
    check = next(
        c for c in tg.model_checks(catalogue, results) if c.target.id == "phase1-sustained"
    )
    assert check.status == "not from the model"


def test_a_sustained_claim_must_be_a_throughput():
    with pytest.raises(ConfigError, match="sustained"):
        tg.Claim(
            id="x", claim="c", seed_line="s", metric="latency_p50_ms", target=1.0, slo_p99_ms=100.0
        )


def test_a_claim_covers_its_own_configurations_only(catalogue):
    from dataclasses import replace

    claim = catalogue.claims[0]
    any_config = replace(claim, mode="*", batch_size=0)
    assert any_config.covers("bulk", 1000) and any_config.covers("sequential", 1)
    bulk_100 = replace(claim, mode="bulk", batch_size=100)
    assert bulk_100.covers("bulk", 100)
    assert not bulk_100.covers("bulk", 1000) and not bulk_100.covers("batch", 100)
    any_batch = replace(claim, mode="batch", batch_size=0)
    assert any_batch.covers("batch", 10) and not any_batch.covers(None, 10)
