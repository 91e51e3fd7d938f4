"""Search within one user's memories: the ways a vector store can filter to a user.

An agent searches its user's memories before it replies. The seed's vector store is keyed
by memory id and holds no user column, so the caller hands the store the user's memory
keys (``keys``: what core memory holds for that user) and the store filters with them in
one of three ways, recorded with each result (``FILTERS``):

- ``native``: the backend's own filter inside its search (FAISS's ID selector, Qdrant's
  ID condition, LanceDB's prefiltered ``WHERE``, PostgreSQL's ``WHERE key = ANY``);
- ``exact``: the user's own vectors read back by key and compared with the query one by
  one (a partition per user, made at query time; usearch up to ``EXACT_MAX`` memories);
- ``over-fetch``: the unfiltered search asked for ``F x k`` neighbours, of which the
  user's are kept. F grows with the user's share of the store, up to ``FETCH_MAX``
  neighbours: a user holding few memories of a large store gets fewer than k back (the
  cost of this way, which recall within the user shows).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

#: The filter ways, by name: what a result records as ``user_reads.method``.
FILTERS = {
    "native": "the backend's own filter on the user's keys, inside its search",
    "exact": "the user's own vectors read back by key and compared with the query",
    "over-fetch": "an unfiltered search for more neighbours, of which the user's are kept",
}
#: Over-fetch: at most this many neighbours asked for (a user of 17 memories in 100,000
#: would need the whole index), and at least ``FETCH_MIN`` x k.
FETCH_MAX = 1024
FETCH_MIN = 4
#: usearch compares a user's vectors one by one up to this many memories; above, the user
#: holds enough of the store for over-fetch to find k of them.
EXACT_MAX = 4096

Rows = Sequence[tuple[Any, Any]]


def fetch_size(k: int, user_keys: int, stored: int) -> int:
    """How many neighbours over-fetch asks for: twice the k a user holding ``user_keys`` of
    ``stored`` memories would get on average, between ``FETCH_MIN`` x k and ``FETCH_MAX``
    (never more than are stored)."""
    share = max(user_keys, 1) / max(stored, 1)
    wanted = math.ceil(2 * k / min(share, 1.0))
    return max(k, min(stored, FETCH_MAX, max(FETCH_MIN * k, wanted)))


def over_fetch(
    search: Callable[[npt.NDArray[np.float32], int], Rows],
    query: npt.NDArray[np.float32],
    k: int,
    keys: npt.NDArray[np.uint64],
    stored: int,
) -> Rows:
    """The unfiltered ``search`` for ``fetch_size`` neighbours, the user's first k kept."""
    found, dists = search(query, fetch_size(k, len(keys), stored))[0]
    found = np.asarray(found, dtype=np.uint64)
    mine = np.isin(found, keys)
    return [(found[mine][:k], np.asarray(dists, dtype=np.float32)[mine][:k])]


def cosine(vectors: npt.NDArray[np.float32], query: npt.NDArray[np.float32]) -> Any:
    """Each row's cosine similarity to the query (a zero row gives 0)."""
    v = np.asarray(vectors, dtype=np.float32)
    q = np.asarray(query, dtype=np.float32).reshape(-1)
    return (v @ q) / np.maximum(np.linalg.norm(v, axis=1) * np.linalg.norm(q), 1e-12)


def exact(
    query: npt.NDArray[np.float32],
    k: int,
    keys: npt.NDArray[np.uint64],
    vectors: npt.NDArray[np.float32],
) -> Rows:
    """The k of ``vectors`` (the user's, by ``keys``) nearest the query by cosine."""
    if not len(keys):
        return [(keys[:0], np.zeros(0, dtype=np.float32))]
    sims = cosine(vectors, query)
    order = np.argsort(-sims, kind="stable")[:k]
    return [(keys[order], (1.0 - sims[order]).astype(np.float32))]


__all__ = [
    "EXACT_MAX",
    "FETCH_MAX",
    "FETCH_MIN",
    "FILTERS",
    "Rows",
    "exact",
    "fetch_size",
    "over_fetch",
]
