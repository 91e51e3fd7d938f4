"""Agent memories: a seeded generator (the default input), JSONL corpora and datasets of
real messages (``datasets``).

The generator yields preferences, facts, events and tasks in English and Chinese
(the seed report is Chinese). It never repeats a text within one call: repeated
texts give the vector index duplicate vectors and distort its speed and recall.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import Any, overload

from agentmem_lab.corpus import datasets
from agentmem_lab.corpus.jsonl import (
    CorpusCheck,
    check_corpus,
    corpus_check,
    iter_lines,
    load_lines,
)
from agentmem_lab.corpus.synthetic import CorpusLine, generate_lines, write_sample
from agentmem_lab.items import MemoryItem, canonical_metadata


def _cycled(path: str | Path) -> Iterator[CorpusLine]:
    """A corpus file read again from its start each time it ends."""
    while True:
        yield from iter_lines(path)


def _records(
    n: int, seed: int, corpus: str | Path | None, dataset: Path | None, skip_empty: bool
) -> Iterator[tuple[str, dict[str, Any]]]:
    """The first ``n`` memories of a source: each one's text and its item's other fields."""
    if dataset is not None:
        for m in islice(datasets.iter_messages(dataset, skip_empty), n):
            yield (
                m.content,
                {
                    "agent_id": m.session_id or "agent-1",
                    "user_id": m.user_id or "user-1",
                    "memory_type": "episodic",
                    "metadata": {"position": m.position, "source": dataset.name},
                    "created_at": m.timestamp if m.timestamp is not None else 1_780_000_000.0,
                },
            )
        return
    lines: Iterable[CorpusLine] = generate_lines(n, seed) if corpus is None else _cycled(corpus)
    for i, line in enumerate(islice(lines, n)):
        yield (
            line.content,
            {
                "agent_id": f"agent-{i % 8 + 1}",
                "user_id": f"user-{i % 97 + 1}",
                "memory_type": str(line.metadata.get("category", "semantic")) or "semantic",
                "metadata": line.metadata,
                "created_at": 1_780_000_000.0 + i,
            },
        )


def iter_items(
    n: int,
    seed: int = 0,
    corpus: str | Path | None = None,
    offset: int = 0,
    dataset: Path | None = None,
    skip_empty: bool = False,
) -> Iterator[MemoryItem]:
    """``n`` memory items with reproducible ids, made one at a time, from the generator, a
    corpus file (cycled to reach ``n``: its repeated texts become separate items with
    distinct ids) or a dataset folder (its first messages: each message's user and session
    are the item's, its time the item's creation; never cycled). ``offset`` skips items
    (warmup items come first)."""
    rng = random.Random(f"ids:{seed}")
    for i, (content, fields) in enumerate(_records(n + offset, seed, corpus, dataset, skip_empty)):
        item = MemoryItem.create(content, rng=rng, **fields)
        if i >= offset:
            yield item


def make_items(
    n: int,
    seed: int = 0,
    corpus: str | Path | None = None,
    offset: int = 0,
    dataset: Path | None = None,
    skip_empty: bool = False,
) -> list[MemoryItem]:
    """``iter_items`` in a list (the same items: streamed or not, a seed makes the same)."""
    return list(iter_items(n, seed, corpus, offset, dataset, skip_empty))


class ItemStream(Sequence[MemoryItem]):
    """A run's items made as they are read: ``n`` items of a seed (and corpus), after
    ``offset`` skipped ones, never all in memory at once.

    Reading forward (iteration, or consecutive slices) makes each item once; a slice behind
    the last one read starts the generator again from the beginning (correct, but costs
    the time of making every item before it).
    """

    def __init__(
        self,
        n: int,
        seed: int = 0,
        corpus: str | Path | None = None,
        offset: int = 0,
        dataset: Path | None = None,
        skip_empty: bool = False,
    ) -> None:
        if n < 0:
            raise ValueError("n must be >= 0")
        self.n, self.seed, self.corpus, self.offset = n, seed, corpus, offset
        self.dataset, self.skip_empty = dataset, skip_empty
        self._cursor: Iterator[MemoryItem] | None = None
        self._position = 0

    def __len__(self) -> int:
        return self.n

    def __iter__(self) -> Iterator[MemoryItem]:
        return iter_items(
            self.n, self.seed, self.corpus, self.offset, self.dataset, self.skip_empty
        )

    @overload
    def __getitem__(self, index: int) -> MemoryItem: ...

    @overload
    def __getitem__(self, index: slice) -> list[MemoryItem]: ...

    def __getitem__(self, index: int | slice) -> MemoryItem | list[MemoryItem]:
        if isinstance(index, slice):
            start, stop, step = index.indices(self.n)
            if step != 1:
                return [self[i] for i in range(start, stop, step)]
            return self._read(start, max(stop - start, 0))
        i = index + self.n if index < 0 else index
        if not 0 <= i < self.n:
            raise IndexError("item index out of range")
        return self._read(i, 1)[0]

    def _read(self, start: int, count: int) -> list[MemoryItem]:
        if self._cursor is None or start < self._position:
            self._cursor, self._position = iter(self), 0
        skipped = start - self._position
        if skipped:
            for _ in islice(self._cursor, skipped):
                pass
        out = list(islice(self._cursor, count))
        self._position = start + len(out)
        return out

    def head(self, n: int) -> list[MemoryItem]:
        """The first ``n`` items (a fresh generator: the cursor is left where it is)."""
        return list(islice(iter(self), n))


__all__ = [
    "CorpusCheck",
    "CorpusLine",
    "ItemStream",
    "canonical_metadata",
    "check_corpus",
    "corpus_check",
    "datasets",
    "generate_lines",
    "iter_items",
    "iter_lines",
    "load_lines",
    "make_items",
    "write_sample",
]
