"""Streamed runs and growth windows (agentmem_lab.measuring.growth): real runs over real stores."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from agentmem_lab.core import resources
from agentmem_lab.corpus import make_items
from agentmem_lab.embedders import HashEmbedder
from agentmem_lab.measuring.folder import read_ack_log
from agentmem_lab.measuring.growth import SEGMENT_ITEMS, Tap, plan
from agentmem_lab.measuring.integrity import exact_topk_recall, search_query_texts, unit_rows
from agentmem_lab.measuring.resolve import RunConfig, needs
from agentmem_lab.measuring.runner import run
from agentmem_lab.stores import StoreSettings, real_stores


def test_plan_cuts_segments_at_windows_segment_size_and_repeats():
    segments = plan(calls=100, repeats=2, windows=4, batch_size=1000, segment_items=30_000)
    assert [[(s.calls, s.ends_window) for s in r] for r in segments] == [
        [(25, True), (25, True)],  # windows of 25 calls, under the cap of 30
        [(25, True), (25, True)],
    ]
    capped = plan(calls=10, repeats=1, windows=1, batch_size=1000, segment_items=3_000)
    assert [s.calls for s in capped[0]] == [3, 3, 3, 1]
    assert [s.ends_window for s in capped[0]] == [False, False, False, True]
    # More windows than calls: a window at every call; none: segments only.
    assert sum(s.ends_window for s in plan(3, 1, 10, 1)[0]) == 3
    assert not any(s.ends_window for s in plan(50, 1, 0, 1)[0])


def test_the_tap_keeps_what_the_embedder_returned():
    tap = Tap(HashEmbedder())
    v = asyncio.run(tap.embed_batch(["a b", "c d"]))
    one = asyncio.run(tap.embed("e f"))
    assert len(tap.batches) == 2 and tap.batches[0][1] is v
    assert np.array_equal(tap.batches[1][1][0], one) and tap.dim == 384


@pytest.mark.slow
def test_a_run_larger_than_the_memory_allowance_streams_with_the_same_items(tmp_path, monkeypatch):
    items, batch = 40_000, 1000
    config = RunConfig(
        mode="bulk",
        batch_size=batch,
        items=items,
        windows=4,
        search_queries=10,
        self_recall_sample=50,
    )
    streamed = needs(config, 384).memory
    unstreamed = needs(config, 384, streamed=False).memory
    allowance = (streamed + unstreamed) // 2  # only a streamed run fits
    monkeypatch.setenv("AGENTMEM_LAB_FREE_MEMORY", str(allowance))
    with pytest.raises(Exception, match="--items"):
        resources.check_fits(needs(config, 384, streamed=False), tmp_path, items)
    r = run(config, tmp_path / "run")
    i = r.integrity
    assert i.acknowledged == items and i.lost == 0 and i.orphans == 0
    # The same items as an unstreamed run of the same seed (warmup items come first).
    expected = {item.key for item in make_items(items, offset=batch)}
    assert read_ack_log(tmp_path / "run" / "stores" / "acked.log") == expected
    assert items > SEGMENT_ITEMS  # more than one segment was made

    g = r.growth
    assert g is not None and len(g.windows) == 4 and g.stopped is None
    assert [w["items"] for w in g.windows] == [10_000, 20_000, 30_000, 40_000]
    assert sum(w["window_items"] for w in g.windows) == items
    for w in g.windows:
        assert 0.0 <= w["recall_at_10"] <= 1.0 and w["search_ms"]["p99"] > 0
        assert w["rss_bytes"] > 0 and w["peak_rss_bytes"] >= w["rss_bytes"]
        assert w["disk_bytes"] > 0 and w["pause_s"] >= 0 and w["latency_ms"]["p50"] > 0
        assert w["tied_at_10"] >= 1.0 and w["insert_us_per_vector"] > 0
    assert [w["disk_bytes"] for w in g.windows] == sorted(w["disk_bytes"] for w in g.windows)
    assert g.exact_reference == "kept as written" and 0 <= g.pause_share < 1

    # The recall the run kept as it wrote is the recall of exact search done again.
    embedder = HashEmbedder()
    queries = embedder.encode(search_query_texts(0, 10))
    base = embedder.encode([item.content for item in make_items(items, offset=batch)])
    keys = np.array([item.key for item in make_items(items, offset=batch)], dtype=np.uint64)

    async def search_again():
        stores = real_stores(tmp_path / "run" / "stores", StoreSettings(), 384)
        async with stores:
            return (await stores.vector.search(queries, 10))[0]

    found = asyncio.run(search_again())
    again = exact_topk_recall(found, keys, unit_rows(base), unit_rows(queries))
    assert r.search is not None and r.search.recall_at_10 == pytest.approx(again)
    assert r.search.tied_at_10 is not None and r.search.tied_at_10 >= 1.0


def test_ties_at_the_10th_neighbour_are_counted_per_query():
    from agentmem_lab.measuring.integrity import ExactTopK

    rng = np.random.default_rng(0)
    spread = rng.normal(size=(30, 8)).astype(np.float32)  # continuous: nothing ties
    crowded = np.tile(np.eye(8, dtype=np.float32)[1] + np.eye(8, dtype=np.float32)[0], (14, 1))
    near = np.tile(np.eye(8, dtype=np.float32)[0], (5, 1))  # 5 at similarity 1
    reference = ExactTopK(np.eye(8, dtype=np.float32)[:1], k=10)
    assert reference.tied_at_k() is None  # nothing stored yet
    vectors = np.concatenate([near, crowded])  # the 6th to 19th best tie
    reference.add(np.arange(len(vectors), dtype=np.uint64), vectors)
    assert reference.tied_at_k() == 14.0
    continuous = ExactTopK(rng.normal(size=(3, 8)).astype(np.float32), k=10)
    continuous.add(np.arange(30, dtype=np.uint64), spread)
    assert continuous.tied_at_k() == 1.0


@pytest.mark.parametrize("limit", ["time", "memory"])
def test_a_run_stops_on_its_budget_and_keeps_what_it_stored(tmp_path, limit):
    budget = {"stop_after_s": 1e-3} if limit == "time" else {"stop_at_rss_mb": 1.0}
    r = run(
        RunConfig(
            mode="bulk",
            batch_size=100,
            items=3000,
            windows=3,
            search_queries=5,
            self_recall_sample=20,
            **budget,
        ),
        tmp_path,
    )
    g = r.growth
    assert g is not None and g.stopped["reason"] == limit
    i = r.integrity
    # It stopped at the first pause: one window of the three, its items all stored.
    assert i.acknowledged == 1000 == g.stopped["items"] and len(g.windows) == 1
    assert i.lost == 0 and i.orphans == 0 and i.core == 1000
    assert r.search is not None
    # the report's items column shows what was written, not what was asked
    assert r.items == 3000 and r.items_written == 1000
    from agentmem_lab import report

    assert report.result_row(r)["items"] == 1000


def test_open_loop_runs_are_one_schedule_without_windows(tmp_path):
    r = run(
        RunConfig(
            mode="bulk",
            batch_size=100,
            items=500,
            rate=20_000.0,
            search_queries=5,
            self_recall_sample=10,
        ),
        tmp_path,
    )
    assert r.growth is not None and r.growth.windows == []
    assert "one schedule" in r.growth.no_windows
    assert r.integrity.lost == 0 and r.integrity.acknowledged == 500


def test_budget_settings_are_refused_with_shards():
    from agentmem_lab.core.errors import ConfigError

    with pytest.raises(ConfigError, match="--stop-after-s"):
        RunConfig(mode="bulk", batch_size=100, items=1000, shards=2, stop_after_s=5.0)


def test_self_recall_counts_a_text_stored_more_than_ten_times_as_found():
    from agentmem_lab.embedders import HashEmbedder
    from agentmem_lab.items import MemoryItem
    from agentmem_lab.measuring.integrity import self_recall_at_1

    class Fixed:
        """Ten copies tie at distance 0 for the first item; ten others at 0.2 for the second."""

        async def search(self, queries, k):
            keys = np.arange(100, 110, dtype=np.uint64)
            return (
                np.stack([keys, keys + 10]),
                np.array([[0.0] * 10, [0.2] * 10], dtype=np.float32),
            )

    chosen = [MemoryItem.create(f"text {i}") for i in (1, 2)]
    assert asyncio.run(self_recall_at_1(Fixed(), HashEmbedder(), chosen)) == 0.5
