import json

import pytest

from agentmem_lab.errors import ConfigError, UnknownNameError
from agentmem_lab.results import Result
from agentmem_lab.runner import RunConfig, _split, run, summary_line


@pytest.mark.parametrize("mode, expected_ms", [("sequential", 30.0), ("parallel", 15.0)])
def test_simulated_profile_recovers_the_seeds_latencies(tmp_path, mode, expected_ms):
    # The harness's calibration: under the seed's own latency model it must measure the
    # seed's own predictions (5+10+10+5 = 30 ms; 5 + max(10, 10, 5) = 15 ms).
    r = run(RunConfig(mode=mode, batch_size=1, items=40, profile="simulated"), tmp_path)
    assert r.latency_ms["p50"] == pytest.approx(expected_ms, rel=0.10)
    assert r.embedder == "simulated" and r.integrity["lost"] == 0


def test_simulated_batch_follows_the_seed_model(tmp_path):
    # batch of 10: 10 ms embedding + 10 ms concurrent writes = 20 ms in the seed's model
    r = run(RunConfig(mode="batch", batch_size=10, items=50, profile="simulated"), tmp_path)
    assert r.latency_ms["p50"] == pytest.approx(20.0, rel=0.15)
    assert r.stages_ms["embed"] == pytest.approx(10.0, rel=0.15)


@pytest.mark.parametrize("mode, batch", [("sequential", 1), ("parallel", 1), ("batch", 10),
                                         ("batch", 100), ("bulk", 1), ("bulk", 100)])
def test_real_runs_are_complete_and_consistent(tmp_path, mode, batch):
    r = run(RunConfig(mode=mode, batch_size=batch, items=batch * 3, repeats=3, concurrency=2),
            tmp_path)
    i = r.integrity
    assert i["acknowledged"] == r.items == i["core"] == i["vector"] == i["history"]
    assert i["lost"] == 0 and i["orphans"] == 0 and i["failed"] == 0
    # HNSW is approximate: with the default settings a few items per thousand can be
    # unreachable in the graph (measured self-recall 0.996-1.000 at 20,000 items), so the
    # check is "at least 0.98" rather than a flaky exact 1.0.
    assert i["self_recall_at_1"] >= 0.98
    assert len(r.samples_ms) == 3 and len(r.repeat_throughput_ops_s) == 3
    assert r.search is not None and 0.0 <= r.search["recall_at_10"] <= 1.0
    saved = Result.load(tmp_path / "result.json")
    assert saved == r
    assert not (tmp_path / "stores-warmup").exists()
    assert (tmp_path / "stores" / "core.db").exists()


def test_a_second_run_in_the_same_directory_starts_from_empty_stores(tmp_path):
    cfg = RunConfig(mode="bulk", batch_size=10, items=30)
    run(cfg, tmp_path)
    r = run(cfg, tmp_path)
    assert r.integrity["core"] == 30 and r.integrity["orphans"] == 0


def test_throughput_is_acknowledged_items_over_wall(tmp_path):
    r = run(RunConfig(mode="bulk", batch_size=10, items=100), tmp_path)
    assert r.throughput_ops_s == pytest.approx(100 / r.wall_s)
    assert r.item_latency_ms["p50"] == pytest.approx(r.latency_ms["p50"] / 10)
    assert "ops/s" in summary_line(r)


def test_concurrency_really_runs_clients_together(tmp_path):
    # Under the simulated profile, 4 clients of 15 ms calls overlap: wall ~ calls/4 * 15 ms.
    r = run(RunConfig(mode="parallel", batch_size=1, items=40, concurrency=4,
                      profile="simulated"), tmp_path)
    serial_s = sum(r.samples_ms) / 1000
    assert r.wall_s < serial_s / 2


@pytest.mark.parametrize("kwargs, option", [
    (dict(batch_size=0), "--batch-size"),
    (dict(batch_size=-1), "--batch-size"),
    (dict(batch_size=2.5), "--batch-size"),
    (dict(batch_size=True), "--batch-size"),
    (dict(batch_size=20, items=10), "--items"),
    (dict(repeats=50), "--repeats"),
    (dict(concurrency=0), "--concurrency"),
    (dict(warmup=-1), "--warmup"),
])
def test_bad_settings_name_the_option(kwargs, option):
    base = dict(mode="bulk", batch_size=10, items=100)
    base.update(kwargs)
    with pytest.raises(ConfigError) as info:
        RunConfig(**base)
    assert info.value.option == option


@pytest.mark.parametrize("field, value", [("mode", "turbo"), ("embedder", "magic"),
                                          ("profile", "dreamy")])
def test_unknown_names(field, value):
    base = dict(mode="bulk", batch_size=1, items=1)
    base[field] = value
    with pytest.raises(UnknownNameError, match=f"no {field} named '{value}'"):
        RunConfig(**base)


def test_out_must_be_a_writable_directory(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(ConfigError, match="existing file"):
        run(RunConfig(mode="bulk", batch_size=1, items=1), f)


def test_split_is_even_and_complete():
    calls = list(range(10))
    parts = _split(calls, 3)
    assert [len(p) for p in parts] == [4, 3, 3]
    assert sum(parts, []) == calls


def test_result_records_environment_and_every_setting(tmp_path):
    r = run(RunConfig(mode="bulk", batch_size=10, items=20, seed=5), tmp_path)
    data = json.loads((tmp_path / "result.json").read_text())
    assert data["schema_version"] == 1
    assert data["settings"]["stores"]["usearch_dtype"] == "i8"
    assert data["settings"]["embedder"]["name"] == "hash"
    assert data["environment"]["cpu_count"] >= 1
    assert data["seed"] == 5
