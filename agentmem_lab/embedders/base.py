"""The embedder interface (``dim``, ``embed(text)``, ``embed_batch(texts)``) and the check
every embedder's output passes.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from agentmem_lab.core.errors import EmbedderError

Vectors = npt.NDArray[np.float32]


#: The dimension of every default model in the seed (MiniLM, e5-small, bge-small).
DEFAULT_DIM = 384


def check_vectors(name: str, vectors: Any, n: int, dim: int) -> Vectors:
    """The embedder's output as an (n, dim) float32 array, or an EmbedderError saying why not."""
    array = np.asarray(vectors, dtype=np.float32)
    if array.shape != (n, dim):
        raise EmbedderError(
            f"embedder {name!r} returned shape {array.shape}, expected ({n}, {dim})"
        )
    finite = np.isfinite(array).all(axis=1)
    if not finite.all():
        bad = int(np.flatnonzero(~finite)[0])
        raise EmbedderError(f"embedder {name!r} returned NaN or infinite values for text {bad}")
    return array


class Embedder(ABC):
    """Base class: subclasses implement ``encode``; the async methods check its output.

    ``offload`` runs ``encode`` in a worker thread (for models that release the GIL, so
    that concurrent clients overlap); fast pure-Python embedders run inline.
    """

    name: str = "embedder"
    dim: int = DEFAULT_DIM
    offload: bool = False

    @abstractmethod
    def encode(self, texts: Sequence[str]) -> Vectors:
        """Embed texts synchronously, one row per text."""

    async def embed(self, text: str) -> Vectors:
        """One text's vector, shape (dim,)."""
        vectors = await self.embed_batch([text])
        row: Vectors = vectors[0]
        return row

    async def embed_batch(self, texts: Sequence[str]) -> Vectors:
        """All texts' vectors in one call, shape (len(texts), dim)."""
        if self.offload:
            raw = await asyncio.to_thread(self.encode, texts)
        else:
            raw = self.encode(texts)
        return check_vectors(self.name, raw, len(texts), self.dim)

    def settings(self) -> dict[str, Any]:
        """Every knob of this embedder, recorded with each result."""
        return {"name": self.name, "dim": self.dim}

    def close(self) -> None:
        """Release resources (models, sessions). Idempotent."""
