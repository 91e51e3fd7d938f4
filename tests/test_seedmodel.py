import pytest

from agentmem_lab.core import seedmodel
from agentmem_lab.core.seedmodel import embed_latency_ms, predict


def test_embedding_latency_follows_the_seeds_points_and_interpolates():
    assert [embed_latency_ms(n) for n in (1, 10, 100, 1000)] == [5, 10, 50, 590]
    assert embed_latency_ms(55) == pytest.approx(30.0)
    assert embed_latency_ms(2000) == pytest.approx(1190.0)
    assert embed_latency_ms(0) == 0.0


@pytest.mark.parametrize(
    "mode, batch, latency, ops",
    [
        ("sequential", 1, 30.0, 33.33),  # the seed: 30 ms, ~33 ops/s
        ("parallel", 1, 15.0, 66.67),  # 15 ms, ~67 ops/s
        ("batch", 10, 20.0, 500.0),  # 20 ms, 500 ops/s
        ("batch", 100, 60.0, 1666.67),  # 60 ms, 1,667 ops/s
        ("batch", 1000, 600.0, 1666.67),  # 600 ms: 1,667 ops/s, not the 10,000 claimed
        ("bulk", 1000, 600.0, 1666.67),
        ("sequential", 10, 300.0, 33.33),  # one item after another
    ],
)
def test_the_model_gives_the_seeds_own_figures(mode, batch, latency, ops):
    p = predict(mode, batch)
    assert p.latency_ms == pytest.approx(latency)
    assert p.throughput_ops_s == pytest.approx(ops, rel=1e-3)
    assert p.metric("latency_p50_ms") == p.latency_ms


def test_concurrency_multiplies_throughput_in_a_model_without_contention():
    assert predict("parallel", 1, 4).throughput_ops_s == pytest.approx(4 * 1000 / 15)
    assert predict("parallel", 1, 4).latency_ms == 15.0


def test_bad_arguments_state_the_rule():
    with pytest.raises(ValueError, match="no mode 'x'"):
        predict("x", 1)
    with pytest.raises(ValueError, match=">= 1"):
        predict("batch", 0)
    with pytest.raises(ValueError, match="no metric"):
        predict("batch", 1).metric("recall")


def test_parameters_are_the_seeds():
    assert seedmodel.STORE_LATENCY_MS == {"core": 10.0, "vector": 10.0, "history": 5.0}


def test_the_model_applied_to_a_runs_shape_counts_the_clients_its_calls_keep_busy():
    p = predict("batch", 1000, 4)
    # 3 calls in 3 repeats: one call at a time, whatever the concurrency
    assert p.for_run([1, 1, 1]).clients_busy == 1.0
    assert p.for_run([1, 1, 1]).throughput_ops_s == pytest.approx(1666.67, rel=1e-3)
    # 10 calls in repeats of 4, 3, 3 with 4 clients: 3 rounds of call latency
    assert predict("batch", 100, 4).for_run([4, 3, 3]).clients_busy == pytest.approx(10 / 3)
    assert p.for_run([8]).clients_busy == 4.0 and p.for_run([8]).latency_ms == p.latency_ms
