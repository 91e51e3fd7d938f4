"""Deterministic feature hashing: no model, offline; isolates what the stores cost."""

from __future__ import annotations

import re
import zlib
from array import array
from collections.abc import Sequence
from typing import Any

import numpy as np

from agentmem_lab.embedders.base import DEFAULT_DIM, Embedder, Vectors

CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"


TOKEN = re.compile(rf"[{CJK}]|[^\W{CJK}]+|[^\w\s]")


class HashEmbedder(Embedder):
    """Signed feature hashing of word unigrams and bigrams (CJK: characters), L2-normalized.

    Deterministic across processes (CRC32, not Python's salted ``hash``), no model,
    ~10^5 texts/s: it measures what the stores cost, not what a model costs.
    """

    name = "hash"

    def __init__(self, dim: int = DEFAULT_DIM) -> None:
        if dim < 8:
            raise ValueError(f"hash embedder dimension must be >= 8, got {dim}")
        self.dim = dim

    #: Texts encoded at once: larger batches go in chunks (a smaller count matrix stays in cache).
    CHUNK = 256

    def encode(self, texts: Sequence[str]) -> Vectors:
        if len(texts) > self.CHUNK:
            return np.concatenate(
                [self._encode(texts[i : i + self.CHUNK]) for i in range(0, len(texts), self.CHUNK)]
            )
        return self._encode(texts)

    def _encode(self, texts: Sequence[str]) -> Vectors:
        n, dim = len(texts), self.dim
        crc = zlib.crc32
        unigrams = array("I")  # CRC32 of every token, texts one after another
        counts = np.empty(n, dtype=np.int64)
        for i, text in enumerate(texts):
            tokens = TOKEN.findall(text.lower()) or [text]
            unigrams.extend([crc(t.encode("utf-8", "surrogatepass")) for t in tokens])
            counts[i] = len(tokens)
        h = np.frombuffer(unigrams, dtype=np.uint32).astype(np.uint64)
        # Bigram hashes from each token's hash and its successor's, within one text: one
        # vectorised step instead of a string and a CRC per bigram.
        last = np.cumsum(counts) - 1
        first = np.ones(len(h), dtype=bool)
        first[last] = False
        left = np.flatnonzero(first)
        bigrams = (
            (h[left] * np.uint64(0x9E3779B1) + h[left + 1]) ^ np.uint64(0x5BD1E995)
        ) & np.uint64(0xFFFFFFFF)
        hashes = np.concatenate([h, bigrams])
        rows = np.concatenate(
            [np.repeat(np.arange(n), counts), np.repeat(np.arange(n), counts - 1)]
        )
        cols = (hashes % np.uint64(dim)).astype(np.int64)
        signs = np.where((hashes >> np.uint64(31)) & np.uint64(1), -1.0, 1.0)
        out = np.bincount(rows * dim + cols, weights=signs, minlength=n * dim).reshape(n, dim)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        # Features that cancel exactly (a zero vector) fall back to one basis vector.
        zero = norms[:, 0] == 0
        if zero.any():
            out[zero, 0] = 1.0
            norms[zero] = 1.0
        unit: Vectors = (out / norms).astype(np.float32)
        return unit

    def settings(self) -> dict[str, Any]:
        return {"name": self.name, "dim": self.dim, "features": "word 1-2 grams, CJK chars, crc32"}
