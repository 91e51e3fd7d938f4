import pytest

from agentmem_lab import targets as tg
from agentmem_lab.errors import ConfigError
from helpers import known_result


@pytest.fixture(scope="module")
def catalogue():
    return tg.load()


def test_default_catalogue_quotes_the_seed(catalogue):
    ids = [t.id for t in catalogue.targets]
    assert "phase1-goal" in ids and len(ids) == len(set(ids))
    for t in catalogue.targets:
        assert t.seed_line and t.claim
    assert [t.id for t in catalogue.targets if t.gate] == ["phase1-goal"]
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
        known_result("batch", 1000, profile="simulated", throughput=1_500.0, p50=660.0,
                     samples_ms=[660.0, 661.0]),
        known_result("parallel", 1, concurrency=4, profile="simulated", throughput=260.0),
    ]
    c = {x.target.id: x for x in tg.model_checks(catalogue, results)}
    assert c["seq-1-latency"].computed == 30.0 and c["seq-1-latency"].status == "reproduced"
    assert c["seq-1-latency"].overhead == pytest.approx(0.6)
    assert c["seq-1-latency"].calibration == "calibrated"  # fastest call 30.0 ms: +0 %
    for tid in ("batch-10-latency", "batch-100-latency", "batch-100-throughput",
                "batch-1000-latency", "par-1-throughput", "seq-1-throughput"):
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
    assert any("batch-1000-latency" in ln and "harness problem (fastest call +10.0%)" in ln
               for ln in lines)


def test_gate_fails_when_missed_or_unmeasured(catalogue):
    slow = [known_result("bulk", 1000, throughput=9_000.0)]
    failures = tg.gate_failures(catalogue, tg.evaluate(catalogue, slow))
    assert [f.target.id for f in failures] == ["phase1-goal"] and failures[0].status == "missed"
    other = [known_result("bulk", 1000, embedder="minilm", throughput=50_000.0)]
    failures = tg.gate_failures(catalogue, tg.evaluate(catalogue, other))
    assert failures[0].status == "no measurement"


def test_format_table_lines(catalogue):
    lines = tg.format_table(catalogue, tg.evaluate(catalogue, [known_result(throughput=12_000.0)]))
    assert lines[0].startswith("target")
    assert any("phase1-goal" in ln and "met (gate)" in ln for ln in lines)


def test_bad_targets_file(tmp_path):
    p = tmp_path / "t.toml"
    p.write_text('[[target]]\nid = "x"\nclaim = "c"\nseed_line = "s"\nmode = "bulk"\n'
                 'batch_size = 1\nconcurrency = 1\nmetric = "speed"\ntarget = 1.0\n')
    with pytest.raises(ConfigError, match="metric must be one of"):
        tg.load(p)
    p.write_text("not toml [")
    with pytest.raises(ConfigError, match="not TOML"):
        tg.load(p)
    with pytest.raises(ConfigError, match="no such file"):
        tg.load(tmp_path / "missing.toml")
