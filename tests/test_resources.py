import pytest

from agentmem_lab.core import resources
from agentmem_lab.core.errors import ConfigError
from agentmem_lab.measuring.runner import RunConfig, needs, run


def test_the_estimate_grows_with_items_dimension_and_index_type():
    small = resources.estimate(10_000, 0, 384)
    assert resources.estimate(100_000, 0, 384).memory > small.memory
    assert resources.estimate(10_000, 0, 1024).disk > small.disk
    assert resources.estimate(10_000, 0, 384, dtype="f32").disk > small.disk
    assert resources.estimate(10_000, 0, 384, on_disk=False).disk == 0
    # the measured footprint (about 1.1 KB per item on disk, i8 384-d) is inside the estimate
    assert 10_000 * 1_100 < small.disk - resources.BASE_DISK < 10_000 * 3_000


def test_a_run_too_large_for_memory_is_refused_before_any_work(tmp_path, monkeypatch):
    monkeypatch.setenv("AGENTMEM_LAB_FREE_MEMORY", str(600 * 2**20))
    with pytest.raises(
        ConfigError,
        match=r"--items: a run of 1,000,000 items needs about .* "
        r"of memory \(estimate\), and 600.0 MiB is available",
    ):
        run(RunConfig(mode="bulk", batch_size=1000, items=1_000_000), tmp_path)
    assert not (tmp_path / "stores").exists() and not (tmp_path / "result.json").exists()


def test_a_run_too_large_for_the_disk_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("AGENTMEM_LAB_FREE_DISK", str(2**20))
    with pytest.raises(ConfigError, match=r"--items: .* of disk under .* and 1.0 MiB is free"):
        run(RunConfig(mode="bulk", batch_size=100, items=100_000), tmp_path)
    # the simulated profile writes nothing to disk
    r = run(RunConfig(mode="bulk", batch_size=100, items=200, profile="simulated"), tmp_path)
    assert r.integrity.lost == 0


def test_a_corpus_of_long_texts_needs_more(tmp_path):
    corpus = tmp_path / "long.jsonl"
    corpus.write_text('{"content": "' + "x" * 5000 + '"}\n', encoding="utf-8")
    plain = needs(RunConfig(mode="bulk", batch_size=10, items=1000), 384)
    long = needs(RunConfig(mode="bulk", batch_size=10, items=1000, corpus=str(corpus)), 384)
    assert long.disk > plain.disk + 1000 * 5000


def test_human_sizes():
    assert resources.human(512) == "512 bytes"
    assert resources.human(3 * 2**30) == "3.0 GiB"
