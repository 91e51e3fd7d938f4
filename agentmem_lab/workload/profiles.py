"""How a run gets its embedder and stores (``--profile``): real components, or the seed's
latency model (``simulated``: the embedder and stores wait the seed's assumed latencies)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from agentmem_lab.core.registry import Registry
from agentmem_lab.embedders import Embedder, SimulatedEmbedder, get_embedder
from agentmem_lab.embedders.replayed import ReplayedEmbedder
from agentmem_lab.schema.run_settings import RunSettings
from agentmem_lab.stores import StoreSet, real_stores, simulated_stores


@dataclass(frozen=True)
class Profile:
    """One profile: how it builds the embedder and the stores, and what it says of them."""

    name: str
    embedder: Callable[[RunSettings], Embedder]
    stores: Callable[[RunSettings, Path, int], StoreSet]
    describe: Callable[[RunSettings], str]
    future_replies: bool = False  # its stores answer with futures (the harness measures alike)


def _describe_real(config: RunSettings) -> str:
    # What really ran: a peer keeps its own stores; agentmem's vector store is a setting.
    if config.system != "agentmem":
        return f"real embedder ({config.embedder}); {config.system}'s own stores"
    return (
        f"real embedder ({config.embedder}) and real embedded stores: core memory and "
        f"history in SQLite (aiosqlite), vectors in {config.stores.vector_store}"
    )


def _real_embedder(config: RunSettings) -> Embedder:
    """The run's embedder, or its vectors replayed from the dataset folder (``--vectors``)."""
    replay = config.replay_vectors
    if replay is not None:
        return ReplayedEmbedder(config.embedder, replay)
    return get_embedder(config.embedder, onnx_threads=config.onnx_threads)


PROFILES: Registry[Profile] = Registry("profile", "--profile")
PROFILES.register("real")(
    Profile(
        "real",
        _real_embedder,
        lambda c, d, ndim: real_stores(d, c.stores, ndim),
        _describe_real,
    )
)
PROFILES.register("simulated")(
    Profile(
        "simulated",
        lambda c: SimulatedEmbedder(),
        lambda c, d, ndim: simulated_stores(),
        lambda c: "the seed's latency model: embedder and stores sleep its assumed latencies",
        future_replies=True,
    )
)

__all__ = ["PROFILES", "Profile"]
