"""Embedders behind one interface: ``dim``, ``embed(text)``, ``embed_batch(texts)``.

Registered names:
- ``hash``: deterministic feature hashing, no model, offline. Isolates what the stores cost.
- ``fastembed:NAME``: fastembed's TextEmbedding by model name (downloaded by fastembed
  where a model hub is reachable) or by the path of a local model directory.
- ``minilm``: all-MiniLM-L6-v2 built offline by ``agentmem-lab models install minilm``.
- ``simulated``: sleeps the seed's embedding latencies (the simulated profile).
"""

from __future__ import annotations

import asyncio
import re
import zlib
from abc import ABC, abstractmethod
from array import array
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from agentmem_lab.core import seedmodel, simclock
from agentmem_lab.core.errors import EmbedderError, MissingDependencyError, ModelNotInstalledError
from agentmem_lab.core.privacy import quiet_onnxruntime
from agentmem_lab.core.registry import Registry
from agentmem_lab.embedders.models import MINILM, installed_model_dir, read_manifest

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


_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+|[^\w\s]")


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
            tokens = _TOKEN.findall(text.lower()) or [text]
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


class FastembedEmbedder(Embedder):
    """fastembed's TextEmbedding. The model loads lazily, on first use.

    ``model_dir`` loads a local model directory (offline) instead of a hub download;
    ``batch_size`` is fastembed's own batching inside ``embed_batch``.
    """

    offload = True  # onnxruntime releases the GIL

    def __init__(
        self,
        model_name: str,
        *,
        model_dir: str | Path | None = None,
        dim: int | None = None,
        threads: int | None = None,
        batch_size: int = 256,
        label: str | None = None,
        register: Callable[[], None] | None = None,
    ) -> None:
        self.model_name = model_name
        self.model_dir = str(model_dir) if model_dir is not None else None
        self.threads = threads
        self.batch_size = batch_size
        self.name = label or f"fastembed:{model_name}"
        self._register = register
        self._model: Any = None
        if dim is not None:
            self.dim = dim
        else:
            self.dim = self._load().embedding_size

    def _load(self) -> Any:
        if self._model is None:
            try:
                from fastembed import TextEmbedding
            except ImportError:
                raise MissingDependencyError(
                    "fastembed", "pip install 'agentmem-lab[fastembed]'"
                ) from None
            import onnxruntime  # fastembed's runtime, imported by it above

            quiet_onnxruntime(onnxruntime)
            if self._register is not None:
                self._register()
            kwargs: dict[str, Any] = {}
            if self.model_dir is not None:
                kwargs["specific_model_path"] = self.model_dir
            try:
                self._model = TextEmbedding(self.model_name, threads=self.threads, **kwargs)
            except Exception as exc:  # fastembed raises bare exceptions on missing models
                raise EmbedderError(
                    f"fastembed could not load {self.model_name!r}: {str(exc).splitlines()[0]}"
                ) from exc
        return self._model

    def encode(self, texts: Sequence[str]) -> Vectors:
        model = self._load()
        rows = list(model.embed(list(texts), batch_size=self.batch_size))
        if not rows:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(np.stack(rows), dtype=np.float32)

    def settings(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "dim": self.dim,
            "model": self.model_name,
            "model_dir": self.model_dir,
            "onnx_threads": self.threads,
            "fastembed_batch_size": self.batch_size,
        }

    def close(self) -> None:
        self._model = None


class SimulatedEmbedder(Embedder):
    """Sleeps the seed's embedding latency instead of working; returns unit vectors."""

    name = "simulated"

    def encode(self, texts: Sequence[str]) -> Vectors:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        out[:, 0] = 1.0
        return out

    async def embed_batch(self, texts: Sequence[str]) -> Vectors:
        await simclock.after(seedmodel.embed_latency_ms(len(texts)) / 1000.0)
        return self.encode(texts)

    def settings(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "dim": self.dim,
            "latency_model_ms": {str(n): ms for n, ms in seedmodel.EMBED_POINTS},
        }


class NullEmbedder(Embedder):
    """Returns ready-made unit vectors without work: what the harness around an embedder costs
    (its output is still checked, as every embedder's is)."""

    name = "null"

    def __init__(self, dim: int = DEFAULT_DIM) -> None:
        self.dim = dim
        self._rows = np.zeros((1, dim), dtype=np.float32)
        self._rows[:, 0] = 1.0

    def encode(self, texts: Sequence[str]) -> Vectors:
        if len(self._rows) < len(texts):
            self._rows = np.zeros((len(texts), self.dim), dtype=np.float32)
            self._rows[:, 0] = 1.0
        rows: Vectors = self._rows[: len(texts)]
        return rows


_REGISTERED: set[str] = set()


def local_model_embedder(
    directory: Path, threads: int | None = None, label: str | None = None
) -> FastembedEmbedder:
    """fastembed's TextEmbedding on a local model folder built by ``install``."""
    manifest = read_manifest(directory)
    if manifest is None or not (directory / "model.onnx").is_file():
        raise ModelNotInstalledError(label or directory.name, str(directory))
    model_name = f"agentmem-lab/{manifest['dirname']}"
    dim = int(manifest["dim"])

    def register() -> None:
        if model_name in _REGISTERED:
            return
        from fastembed import TextEmbedding
        from fastembed.common.model_description import ModelSource, PoolingType

        TextEmbedding.add_custom_model(
            model=model_name,
            pooling=PoolingType.MEAN,
            normalization=bool(manifest["normalization"]),
            sources=ModelSource(hf=str(manifest["reference"])),
            dim=dim,
            model_file="model.onnx",
            description=f"{manifest['reference']} built offline by agentmem-lab",
        )
        _REGISTERED.add(model_name)

    return FastembedEmbedder(
        model_name,
        model_dir=directory,
        dim=dim,
        threads=threads,
        label=label or f"fastembed:{directory}",
        register=register,
    )


EmbedderFactory = Callable[[str, dict[str, Any]], Embedder]


def _factory(obj: Any) -> EmbedderFactory:
    """A plug-in's embedder: an ``Embedder`` subclass (built with the run's options as
    keywords it accepts: ``dim``, ``onnx_threads``) or a factory ``(name, options)``."""
    if isinstance(obj, type) and issubclass(obj, Embedder):
        cls = obj

        def build(name: str, options: dict[str, Any]) -> Embedder:
            import inspect

            accepted = inspect.signature(cls).parameters
            return cls(**{k: v for k, v in options.items() if k in accepted})

        return build
    if callable(obj):
        factory: EmbedderFactory = obj
        return factory
    raise TypeError(f"{obj!r} is neither an Embedder subclass nor a factory")


EMBEDDERS: Registry[EmbedderFactory] = Registry(
    "embedder", "--embedder", group="agentmem_lab.embedders", adapt=_factory
)


@EMBEDDERS.register("hash")
def _hash(name: str, options: dict[str, Any]) -> Embedder:
    return HashEmbedder(dim=int(options.get("dim", DEFAULT_DIM)))


@EMBEDDERS.register("fastembed:")
def _fastembed(name: str, options: dict[str, Any]) -> Embedder:
    target = name.split(":", 1)[1]
    if Path(target).is_dir():
        embedder: Embedder = local_model_embedder(
            Path(target), threads=options.get("onnx_threads"), label=name
        )
        return embedder
    return FastembedEmbedder(target, threads=options.get("onnx_threads"), label=name)


@EMBEDDERS.register("minilm")
def _minilm(name: str, options: dict[str, Any]) -> Embedder:
    embedder: Embedder = local_model_embedder(
        installed_model_dir(MINILM), threads=options.get("onnx_threads"), label="minilm"
    )
    return embedder


@EMBEDDERS.register("simulated")
def _simulated(name: str, options: dict[str, Any]) -> Embedder:
    return SimulatedEmbedder()


def get_embedder(name: str, **options: Any) -> Embedder:
    """Build the embedder registered under ``name`` (see the module docstring)."""
    return EMBEDDERS.get(name)(name, options)


def check_embedder_name(name: str) -> None:
    """Raise UnknownNameError for a name no embedder answers to, without loading anything."""
    EMBEDDERS.get(name)
