"""Vectors replayed from a dataset folder instead of a model's (``--vectors``): each text's
vector looked up by its key in a file built once (``corpus.vectors``).

A replayed run times the stores alone: its embed stage is a lookup, not the model. Its
settings say so (``embed: replayed``), and the report labels its figures "stores only
(vectors replayed)".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from agentmem_lab.core.errors import EmbedderError
from agentmem_lab.corpus.vectors import VectorFile, text_keys
from agentmem_lab.embedders.base import Embedder, Vectors


class ReplayedEmbedder(Embedder):
    """An embedder's vectors read back: the same name and dimension, no model."""

    def __init__(self, name: str, vectors: VectorFile) -> None:
        self.name = name
        self.dim = vectors.dim
        self.file = vectors
        array, keys = vectors.load()
        self._array = array
        self._order = np.argsort(keys, kind="stable")
        self._keys = keys[self._order]

    def encode(self, texts: Sequence[str]) -> Vectors:
        wanted = text_keys(texts)
        at = np.searchsorted(self._keys, wanted)
        at[at >= len(self._keys)] = 0
        missing = np.flatnonzero(self._keys[at] != wanted)
        if len(missing):
            text = texts[int(missing[0])]
            raise EmbedderError(
                f"{self.file.vectors} holds no vector for the text {text[:40]!r}: it was built "
                "from other texts (agentmem-lab vectors build)"
            )
        out: Vectors = np.asarray(self._array[self._order[at]], dtype=np.float32)
        return out

    def settings(self) -> dict[str, Any]:
        m = self.file.manifest
        return {
            "name": self.name,
            "dim": self.dim,
            "embed": "replayed",
            "vectors": str(self.file.vectors),
            "model": m.get("model"),
            "built": m.get("built"),
        }


__all__ = ["ReplayedEmbedder"]
