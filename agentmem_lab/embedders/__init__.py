"""Embedders behind one interface: ``dim``, ``embed(text)``, ``embed_batch(texts)``.

Registered names:
- ``hash``: deterministic feature hashing, no model, offline. Isolates what the stores cost.
- ``fastembed:NAME``: fastembed's TextEmbedding by model name (downloaded by fastembed
  where a model hub is reachable) or by the path of a local model directory.
- ``minilm``: all-MiniLM-L6-v2 built offline by ``agentmem-lab models install minilm``.
- ``simulated``: sleeps the seed's embedding latencies (the simulated profile).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from agentmem_lab.core.registry import Registry
from agentmem_lab.embedders.base import DEFAULT_DIM, Embedder, Vectors, check_vectors
from agentmem_lab.embedders.fastembed import FastembedEmbedder, local_model_embedder
from agentmem_lab.embedders.hashing import HashEmbedder
from agentmem_lab.embedders.models import MINILM, installed_model_dir
from agentmem_lab.embedders.simulated import NullEmbedder, SimulatedEmbedder

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


__all__ = [
    "DEFAULT_DIM",
    "EMBEDDERS",
    "Embedder",
    "EmbedderFactory",
    "FastembedEmbedder",
    "HashEmbedder",
    "NullEmbedder",
    "SimulatedEmbedder",
    "Vectors",
    "check_embedder_name",
    "check_vectors",
    "get_embedder",
    "local_model_embedder",
]
