"""A corpus line, and the seeded generator of distinct synthetic memories (the default input)."""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentmem_lab.corpus.templates import TEMPLATES


@dataclass(frozen=True, slots=True)
class CorpusLine:
    """One line of a corpus: content and metadata (validated when turned into an item)."""

    content: str
    metadata: dict[str, Any]


def generate_lines(n: int, seed: int = 0) -> Iterator[CorpusLine]:
    """``n`` distinct memories from the seeded generator (same seed, same texts)."""
    if n < 0:
        raise ValueError("n must be >= 0")
    rng = random.Random(seed)
    # Texts seen so far, as 64-bit digests (a text's 60-110 bytes are not kept: a run of
    # 10 million items holds its digests, not its texts). Two distinct texts share a digest
    # with odds of about 3 in a million at 10^7 texts; the one skipped is still skipped
    # deterministically, so the same seed gives the same items.
    seen: set[int] = set()
    made = attempts = 0
    while made < n:
        attempts += 1
        if attempts > 50 * n + 1000:  # pragma: no cover - the space is ~10^9 texts
            raise RuntimeError("corpus generator ran out of distinct texts")
        category, lang, build = rng.choice(TEMPLATES)
        text = build(rng)
        digest = int.from_bytes(
            hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little"
        )
        if digest in seen:
            continue
        seen.add(digest)
        made += 1
        yield CorpusLine(text, {"category": category, "lang": lang, "source": "generator"})


def write_sample(path: str | Path, n: int = 200, seed: int = 0) -> None:
    """Write the generator's first ``n`` memories as a JSONL corpus (data/corpus_sample.jsonl)."""
    with open(path, "w", encoding="utf-8") as f:
        for line in generate_lines(n, seed):
            f.write(
                json.dumps(
                    {"content": line.content, "metadata": line.metadata},
                    ensure_ascii=False,
                    sort_keys=True,
                )
                + "\n"
            )
