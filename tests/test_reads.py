"""Searches during writes and freshness, on real vector stores."""

from __future__ import annotations

import pytest

from agentmem_lab.core.errors import ConfigError
from agentmem_lab.measuring.integrity import QUERY_SEED_OFFSET, search_query_texts
from agentmem_lab.measuring.reads import QUERIES, ReadsDuringWrites, sampled
from agentmem_lab.measuring.runner import RunConfig, run
from agentmem_lab.stores import StoreSettings


def test_the_freshness_sample_is_fixed_by_key_and_near_its_share() -> None:
    keys = range(1, 200_001)
    chosen = [k for k in keys if sampled(k, 0.02)]
    assert chosen == [k for k in keys if sampled(k, 0.02)]
    assert len(chosen) == pytest.approx(4000, rel=0.1)
    assert not any(sampled(k, 0.0) for k in range(1000))


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["usearch", "faiss-flat", "lancedb"])
def test_search_rate_reports_search_under_writes_and_searchable_after(tmp_path, backend) -> None:
    r = run(
        RunConfig(
            mode="bulk",
            batch_size=50,
            items=1000,
            rate=1000.0,
            search_rate=200.0,
            freshness_sample=0.05,
            search_queries=10,
            stores=StoreSettings(vector_store=backend),
        ),
        tmp_path,
    )
    assert r.integrity.lost == 0 and r.integrity.orphans == 0
    reads = r.reads
    assert reads is not None and reads.searches >= 5
    assert reads.response_ms["p99"] >= reads.service_ms["p50"] > 0
    fresh = reads.freshness
    assert fresh["probed"] >= 25
    assert fresh["found"] + fresh["not_found"] == fresh["probed"]
    assert fresh["found"] == fresh["probed"], fresh  # these stores search what they hold
    assert fresh["searchable_after_ms"]["p50"] > 0
    assert r.search is not None  # the idle store's search, beside


def test_search_rate_works_closed_loop_too(tmp_path) -> None:
    r = run(
        RunConfig(mode="parallel", batch_size=1, items=300, search_rate=100.0, search_queries=0),
        tmp_path,
    )
    assert r.reads is not None and r.offered is None and r.reads.freshness["probed"] > 0


def test_search_rate_with_shards_or_without_search_is_refused_in_one_line() -> None:
    with pytest.raises(ConfigError, match="--search-rate: searches during writes run in one"):
        RunConfig(mode="bulk", batch_size=10, items=100, shards=2, search_rate=10.0)
    with pytest.raises(ConfigError, match="--search-rate: the simulated profile"):
        RunConfig(mode="bulk", batch_size=10, items=100, profile="simulated", search_rate=10.0)


def test_a_store_that_finds_nothing_during_the_writes_says_so(monkeypatch) -> None:
    import asyncio

    import numpy as np

    from agentmem_lab.corpus import make_items
    from agentmem_lab.embedders import HashEmbedder
    from agentmem_lab.measuring import reads as reads_mod
    from agentmem_lab.stores.vector import NO_KEY
    from agentmem_lab.workload.closed_loop import CallRecord

    class Blind:  # an index that returns nothing until it is saved
        async def search(self, queries, k):  # type: ignore[no-untyped-def]
            n = len(queries)
            return np.full((n, k), NO_KEY, dtype=np.uint64), np.full((n, k), np.inf)

    monkeypatch.setattr(reads_mod, "GIVE_UP_S", 0.05)
    items = make_items(50)

    async def go() -> dict:
        texts = search_query_texts(0, QUERIES, QUERY_SEED_OFFSET + 1)
        r = ReadsDuringWrites(Blind(), HashEmbedder(), 200.0, 1.0, 0, texts)
        r.add_items(items)
        await r.start()
        r.on_call(CallRecord(0.001, 50, tuple(i.key for i in items), (), (0.0,) * 4))
        await asyncio.sleep(0.05)
        await r.stop()
        return r.figures()

    f = asyncio.run(go())
    fresh = f["freshness"]
    assert fresh["probed"] == 50 and fresh["found"] == 0 and fresh["not_found"] == 50
    assert "never searchable during the writes" in fresh["verdict"]
    assert f["searches"] >= 3 and "searchable_after_ms" not in fresh
