"""Search within one user's memories: each vector store returns only the user's keys, the
filter way it records, and exact answers where its way is exact."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from agentmem_lab.stores import StoreSettings, vector_store
from agentmem_lab.stores.by_user import FETCH_MAX, FILTERS, exact, fetch_size, over_fetch
from agentmem_lab.stores.vector import NO_KEY

DIM = 16
EMBEDDED = ["usearch", "faiss-hnsw", "faiss-flat", "qdrant-local", "lancedb", "sqlite-vec"]


def _data(n: int = 300, seed: int = 3):
    rng = np.random.default_rng(seed)
    vectors = rng.normal(size=(n, DIM)).astype(np.float32)
    keys = np.arange(1, n + 1, dtype=np.uint64) * 7919
    return keys, vectors


def test_over_fetch_asks_more_of_a_small_user_up_to_its_cap_and_keeps_only_theirs():
    assert fetch_size(10, 5000, 10_000) == 40  # half the store: FETCH_MIN x k
    assert fetch_size(10, 1000, 10_000) == 200  # 10 %: twice k / share
    assert fetch_size(10, 3, 1_000_000) == FETCH_MAX
    assert fetch_size(10, 3, 25) == 25  # never more than are stored
    keys, vectors = _data(50)
    mine = keys[::5]

    def search(q, n):
        sims = vectors @ q[0]
        order = np.argsort(-sims)[:n]
        return [(keys[order], 1 - sims[order])]

    ((found, _),) = over_fetch(search, vectors[:1], 5, mine, len(keys))
    assert len(found) == 5 and set(found.tolist()) <= set(mine.tolist())
    ((ex, _),) = exact(vectors[0], 5, mine, vectors[::5])
    assert ex[0] == keys[0]
    assert set(FILTERS) == {"native", "exact", "over-fetch"}


async def _user_search(name: str, tmp_path, pg_dsn=None):
    keys, vectors = _data()
    settings = StoreSettings(vector_store=name, postgres_dsn=pg_dsn)
    store = vector_store(tmp_path / name, settings, DIM)
    await store.open()
    try:
        await store.add_vectors(keys, vectors)
        await store.optimize()
        mine = keys[3::30]  # a user of 10 memories among 300
        found, dists = await store.search_user(vectors[3], 10, "u", mine)
        none, _ = await store.search_user(vectors[3], 10, "nobody", mine[:0])
    finally:
        await store.close()
    return store, keys, vectors, mine, found, dists, none


@pytest.mark.parametrize("name", EMBEDDED)
def test_each_store_answers_from_the_users_memories_only(name, tmp_path):
    store, keys, _, mine, found, dists, none = asyncio.run(_user_search(name, tmp_path))
    assert store.user_filter.split()[0] in FILTERS
    hits = [int(x) for x in found[0] if x != NO_KEY]
    assert set(hits) <= set(mine.tolist()) and hits and hits[0] == int(keys[3])
    if store.user_filter != "over-fetch" and name != "faiss-hnsw":
        # Exact (or a native filter over an exact scan): the user's 10, nearest first.
        assert sorted(hits) == sorted(mine.tolist())
        assert np.all(np.diff(dists[0]) >= -1e-5)
    assert np.all(none == NO_KEY)


def test_pgvector_filters_in_its_where_clause(tmp_path, pg_dsn):
    store, keys, _, mine, found, _, none = asyncio.run(
        _user_search("pgvector-flat", tmp_path, pg_dsn)
    )
    assert store.user_filter == "native"
    assert sorted(int(x) for x in found[0]) == sorted(mine.tolist())
    assert int(found[0][0]) == int(keys[3]) and np.all(none == NO_KEY)
