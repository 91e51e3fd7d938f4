import json
import os
import statistics

import pytest

from agentmem_lab.core.errors import ConfigError, UnknownNameError
from agentmem_lab.core.seedmodel import predict
from agentmem_lab.measuring.runner import RunConfig, run
from agentmem_lab.schema.result import Result, summary_line
from agentmem_lab.workload.closed_loop import split as _split

SEED_CONFIGS = [
    ("sequential", 1),
    ("parallel", 1),
    ("batch", 10),
    ("batch", 100),
    ("batch", 1000),
    ("bulk", 1),
    ("bulk", 10),
    ("bulk", 100),
    ("bulk", 1000),
]


@pytest.mark.slow
@pytest.mark.parametrize("mode, batch", SEED_CONFIGS)
def test_simulated_profile_reproduces_the_seed_model_within_3_percent(tmp_path, mode, batch):
    # The harness's calibration: under the seed's own latency model it must measure the
    # model's own call latency. The fastest of several calls, so that a loaded machine
    # cannot flake it; this compares the harness with the model it simulates, it asserts
    # no speed of real work. Waits never end early, so the fastest call is never below.
    # benchmarks/calibration.py measures the margin (1.6 % worst on the fastest call here).
    # Above the model, the call may carry the harness's own cost, measured in the same run
    # (its null stores' call), and timers' lateness (3 % of the model and 1 ms). A CI machine under
    # load measured batch-100's fastest call at 62.1 ms for the model's 60 (3.4 %), so the
    # measured harness cost is allowed on top; a store wait counted twice, or the three
    # stores waited one after another, is 17-100 % over and still fails.
    calls = 5 if batch == 1000 else 12
    r = run(
        RunConfig(
            mode=mode,
            batch_size=batch,
            items=batch * calls,
            profile="simulated",
            warmup=1,
            search_queries=0,
        ),
        tmp_path,
    )
    model = predict(mode, batch).latency_ms
    assert r.harness is not None and r.harness.per_call_us["p50"] > 0
    harness_ms = r.harness.per_call_us["p50"] / 1000.0
    assert model <= r.latency_ms["min"] <= model * 1.03 + harness_ms + 1.0
    assert r.embedder == "simulated" and r.integrity.lost == 0


@pytest.mark.parametrize(
    "mode, batch",
    [("sequential", 1), ("parallel", 1), ("batch", 10), ("batch", 100), ("bulk", 1), ("bulk", 100)],
)
def test_real_runs_are_complete_and_consistent(tmp_path, mode, batch):
    r = run(
        RunConfig(mode=mode, batch_size=batch, items=batch * 3, repeats=3, concurrency=2), tmp_path
    )
    i = r.integrity
    assert i.acknowledged == r.items == i.core == i.vector == i.history
    assert i.lost == 0 and i.orphans == 0 and i.failed == 0
    # HNSW is approximate: with the default settings some items can be unreachable in the
    # graph (measured self-recall 0.996-1.000 at 20,000 items; in indexes of a few hundred
    # items built by two threads, about 1 % missed, and once 0.975 at 200 items). Integrity
    # above is exact; recall here only has to show a working index (a broken one scores ~0).
    assert i.self_recall_at_1 >= 0.95
    assert len(r.samples_ms) == 3 and len(r.repeat_throughput_ops_s) == 3
    assert r.search is not None and 0.0 <= r.search.recall_at_10 <= 1.0
    saved = Result.load(tmp_path / "result.json")
    assert saved == r
    assert not (tmp_path / "stores-warmup").exists()
    assert (tmp_path / "stores" / "core.db").exists()


def test_a_second_run_in_the_same_directory_starts_from_empty_stores(tmp_path):
    cfg = RunConfig(mode="bulk", batch_size=10, items=30)
    run(cfg, tmp_path)
    r = run(cfg, tmp_path)
    assert r.integrity.core == 30 and r.integrity.orphans == 0


def test_throughput_is_acknowledged_items_over_wall(tmp_path):
    r = run(RunConfig(mode="bulk", batch_size=10, items=100), tmp_path)
    assert r.throughput_ops_s == pytest.approx(100 / r.wall_s)
    assert r.item_latency_ms["p50"] == pytest.approx(r.latency_ms["p50"] / 10)
    assert "ops/s" in summary_line(r)


def test_concurrency_really_runs_clients_together(tmp_path):
    # Under the simulated profile, 4 clients of 15 ms calls overlap: wall ~ calls/4 * 15 ms.
    r = run(
        RunConfig(mode="parallel", batch_size=1, items=40, concurrency=4, profile="simulated"),
        tmp_path,
    )
    serial_s = sum(r.samples_ms) / 1000
    assert r.wall_s < serial_s / 2


@pytest.mark.parametrize(
    "kwargs, option",
    [
        (dict(batch_size=0), "--batch-size"),
        (dict(batch_size=-1), "--batch-size"),
        (dict(batch_size=2.5), "--batch-size"),
        (dict(batch_size=True), "--batch-size"),
        (dict(batch_size=20, items=10), "--items"),
        (dict(repeats=50), "--repeats"),
        (dict(concurrency=0), "--concurrency"),
        (dict(warmup=-1), "--warmup"),
    ],
)
def test_bad_settings_name_the_option(kwargs, option):
    base = dict(mode="bulk", batch_size=10, items=100)
    base.update(kwargs)
    with pytest.raises(ConfigError) as info:
        RunConfig(**base)
    assert info.value.option == option


@pytest.mark.parametrize(
    "field, value", [("mode", "turbo"), ("embedder", "magic"), ("profile", "dreamy")]
)
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
    run(RunConfig(mode="bulk", batch_size=10, items=20, seed=5), tmp_path)
    data = json.loads((tmp_path / "result.json").read_text())
    assert data["schema_version"] == 6
    assert data["offered"] is None and data["reads"] is None  # closed loop, no searches
    assert data["processes"] is None  # one process
    assert data["settings"]["stores"]["core_store"] == "sqlite"
    assert "server" not in data["settings"]  # embedded stores: no server started
    assert data["settings"]["stores"]["usearch_dtype"] == "f16"
    assert data["settings"]["embedder"]["name"] == "hash"
    assert data["environment"]["cpu_count"] >= 1
    assert data["seed"] == 5


HOSTILE = [
    "用户喜欢在周五吃火锅 🍲🔥",
    "\u200fשלום\u200e mixed RTL \u202etext",
    "'); DROP TABLE persona_blocks; --",
    "Robert'); DELETE FROM history WHERE ('1'='1",
    "<script>alert('x')</script><img src=x onerror=alert(1)>",
    "emoji only 👍🏽👨‍👩‍👧",
    "x" * (1024 * 1024),  # 1 MB
]


def test_hostile_content_is_stored_verbatim_and_nothing_breaks(tmp_path):
    import json
    import sqlite3

    corpus = tmp_path / "hostile.jsonl"
    with open(corpus, "w", encoding="utf-8") as f:
        for text in HOSTILE:
            f.write(
                json.dumps(
                    {
                        "content": text,
                        "metadata": {"note": "<b>bold</b>'; DROP TABLE history;--", "ünï": "😀"},
                    }
                )
                + "\n"
            )
    for mode in ("sequential", "bulk"):
        out = tmp_path / mode
        r = run(
            RunConfig(mode=mode, batch_size=7, items=14, corpus=str(corpus), search_queries=0), out
        )
        assert r.integrity.acknowledged == 14 and r.integrity.lost == 0
        db = sqlite3.connect(out / "stores" / "core.db")
        stored = [
            row[0] for row in db.execute("SELECT content FROM persona_blocks ORDER BY created_at")
        ]
        assert stored == HOSTILE + HOSTILE
        meta = json.loads(db.execute("SELECT metadata FROM persona_blocks LIMIT 1").fetchone()[0])
        assert meta["note"] == "<b>bold</b>'; DROP TABLE history;--"
        h = sqlite3.connect(out / "stores" / "history.db")
        assert h.execute("SELECT COUNT(*) FROM history").fetchone()[0] == 14


def test_duplicate_content_is_stored_twice_with_distinct_ids(tmp_path):
    import sqlite3

    corpus = tmp_path / "dup.jsonl"
    corpus.write_text('{"content": "same text"}\n' * 3, encoding="utf-8")
    run(
        RunConfig(mode="bulk", batch_size=3, items=6, corpus=str(corpus), search_queries=0),
        tmp_path / "o",
    )
    db = sqlite3.connect(tmp_path / "o" / "stores" / "core.db")
    rows = db.execute("SELECT id, content_hash FROM persona_blocks").fetchall()
    assert len(rows) == 6 and len({r[0] for r in rows}) == 6 and len({r[1] for r in rows}) == 1


@pytest.mark.parametrize(
    "line, message",
    [
        ('{"content": "\\ud800 lone"}', "surrogate"),
        ('{"content": ""}', "empty"),
        ('{"content": "a\\u0000b"}', "NUL"),
    ],
)
def test_bad_content_in_a_corpus_names_the_line_before_any_work(tmp_path, line, message):
    from agentmem_lab.core.errors import CorpusError

    corpus = tmp_path / "c.jsonl"
    corpus.write_text('{"content": "fine"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=f"c.jsonl:2: .*{message}"):
        RunConfig(mode="bulk", batch_size=1, items=2, corpus=str(corpus))


def test_unwritable_out_is_a_one_line_error():
    with pytest.raises(ConfigError, match="--out: cannot write"):
        run(RunConfig(mode="bulk", batch_size=1, items=1), "/proc/agentmem-lab-test")


def test_an_embedder_that_lies_stops_the_run_with_its_name(tmp_path, monkeypatch):
    import numpy as np

    from agentmem_lab import embedders
    from agentmem_lab.core.errors import EmbedderError

    monkeypatch.setattr(
        embedders.HashEmbedder,
        "encode",
        lambda self, texts: np.full((len(texts), self.dim), np.nan),
    )
    with pytest.raises(EmbedderError, match="'hash' returned NaN"):
        run(RunConfig(mode="bulk", batch_size=2, items=4), tmp_path)
    assert not (tmp_path / "result.json").exists()


def test_a_failed_rerun_leaves_no_stale_result(tmp_path, monkeypatch):
    from agentmem_lab import embedders
    from agentmem_lab.core.errors import EmbedderError

    run(RunConfig(mode="bulk", batch_size=2, items=4), tmp_path)
    assert (tmp_path / "result.json").exists()
    monkeypatch.setattr(embedders.HashEmbedder, "encode", lambda self, texts: [[0.0]])
    with pytest.raises(EmbedderError):
        run(RunConfig(mode="bulk", batch_size=2, items=4), tmp_path)
    assert not (tmp_path / "result.json").exists()


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_the_event_loop_is_chosen_and_recorded(tmp_path, loop):
    r = run(RunConfig(mode="batch", batch_size=10, items=50, event_loop=loop), tmp_path)
    assert r.settings["event_loop"] == loop and r.integrity.lost == 0
    assert r.environment["packages"]["uvloop"]  # the version is recorded with the result


def test_an_unknown_event_loop_names_the_option():
    with pytest.raises(UnknownNameError, match="--event-loop: no event loop named 'tokio'"):
        RunConfig(mode="bulk", batch_size=10, items=100, event_loop="tokio")


def test_processes_are_fresh_independent_samples_with_their_spread(tmp_path):
    r = run(
        RunConfig(mode="bulk", batch_size=10, items=100, processes=3, search_queries=5), tmp_path
    )
    p = r.processes
    assert p is not None and p.count == 3 and len(p.throughput_ops_s) == 3
    assert len(set(p.pids)) == 3 and os.getpid() not in p.pids  # three fresh processes
    assert p.calibration is not None  # measured first, never counted
    assert r.throughput_ops_s == pytest.approx(statistics.median(p.throughput_ops_s))
    lo, hi = p.throughput_ci95
    assert min(p.throughput_ops_s) <= lo <= r.throughput_ops_s <= hi <= max(p.throughput_ops_s)
    assert len(r.samples_ms) == 3 * 10 and r.settings["processes"] == 3
    assert r.integrity.lost == 0 and r.integrity.orphans == 0
    assert Result.load(tmp_path / "result.json").processes == p
    for k in ("calibration", "process-1", "process-2", "process-3"):
        assert (tmp_path / "processes" / k / "result.json").exists()


def test_a_failing_process_is_one_line(tiny_disk):
    # The child refuses (a run that cannot fit a 2 MiB disk): its error comes back, one line.
    from agentmem_lab.core.errors import ProcessError

    with pytest.raises(ProcessError, match="^--processes: calibration failed: ") as info:
        run(RunConfig(mode="bulk", batch_size=1000, items=200_000, processes=2), tiny_disk / "out")
    assert "\n" not in str(info.value) and "disk" in str(info.value)


@pytest.mark.slow
@pytest.mark.parametrize(
    "mode, batch", [("sequential", 1), ("parallel", 1), ("batch", 100), ("bulk", 1000)]
)
def test_the_default_index_finds_every_memory_by_its_own_text_at_3000_items(tmp_path, mode, batch):
    """The defaults chosen on real vectors (docs/scale.md) also keep every one of 3,000
    template memories at rank 1 of a search by its own text (i8 missed 0.2 % here)."""
    config = RunConfig(
        mode=mode, batch_size=batch, items=3000, search_queries=0, self_recall_sample=3000
    )
    r = run(config, tmp_path)
    assert r.integrity.acknowledged == 3000 and r.integrity.lost == 0
    assert r.integrity.self_recall_at_1 == 1.0
