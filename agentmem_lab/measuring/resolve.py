"""``RunConfig``: a run's settings checked against what is installed.

``RunSettings`` (``config``) checks what the declarations know. ``RunConfig`` adds the
checks that need the registries above the declarations, where those registries live: the
mode, system, profile, embedder and event loop by name (plug-ins included), the system's
own rules, shards, and an installed model. Errors are one line naming the option (or the
notebook parameter), before any work is done.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from agentmem_lab import settings as declared
from agentmem_lab.core import resources
from agentmem_lab.core.errors import ConfigError, ModelNotInstalledError
from agentmem_lab.core.loops import loop_factory
from agentmem_lab.embedders import check_embedder_name
from agentmem_lab.embedders.models import MINILM, installed_model_dir
from agentmem_lab.schema.result import Result
from agentmem_lab.schema.run_settings import RunSettings
from agentmem_lab.systems import SYSTEMS
from agentmem_lab.workload.modes import MODES
from agentmem_lab.workload.profiles import PROFILES


@dataclass(frozen=True)
class RunConfig(RunSettings):
    """Every setting of one run (``RunSettings``), checked against the installed modes,
    systems, profiles, embedders and models. Checked on construction."""

    def __post_init__(self) -> None:
        super().__post_init__()
        loop_factory(self.event_loop)  # uvloop missing: one line, now
        PROFILES.get(self.profile)
        if self.mode is None:
            if self.system == "agentmem":
                raise ConfigError("--mode", "is required: sequential, parallel, batch or bulk")
            object.__setattr__(self, "mode", "sequential")  # a peer's one add path
        MODES.get(self.mode)
        SYSTEMS.get(self.system).check(self)
        if self.shards != 1 and (self.system != "agentmem" or self.profile != "real"):
            raise ConfigError(
                "--shards",
                "shards run agentmem's write path on real stores "
                "(--system agentmem, --profile real)",
            )
        if self.search_rate is not None and self.shards != 1:
            raise ConfigError(
                "--search-rate", "searches during writes run in one process; use --shards 1"
            )
        for option, value in (
            ("--stop-after-s", self.stop_after_s),
            ("--stop-at-rss-mb", self.stop_at_rss_mb),
        ):
            if value is not None and self.shards != 1:
                raise ConfigError(option, "a run stops early in one process; use --shards 1")
        for option, value in (
            ("--search-rate", self.search_rate),
            ("--read-per-message", self.read_per_message or None),
        ):
            if value is not None and self.profile == "simulated":
                raise ConfigError(
                    option, "the simulated profile's stores cannot search; use --profile real"
                )
        if self.read_per_message and self.shards != 1:
            raise ConfigError(
                "--read-per-message", "reads per message run in one process; use --shards 1"
            )
        check_embedder_name(self.embedder)
        if self.profile == "real" and self.embedder == "minilm":
            try:
                installed_model_dir(MINILM)
            except ModelNotInstalledError as exc:
                raise ConfigError("--embedder", str(exc)) from None

    def to_settings(self) -> dict[str, Any]:
        """The settings recorded with the result: every declared one the result does not
        hold as its own field, the store settings under "stores"."""
        own = {f.name for f in fields(Result)}
        out: dict[str, Any] = {"stores": self.stores.to_dict()}
        out.update(
            {s.name: getattr(self, s.name) for s in declared.of_scope("run") if s.name not in own}
        )
        out["fail_rates"] = self.fail_rates
        return out


def registry_names() -> dict[str, list[str]]:
    """The names each registry-owned setting takes, plug-ins included (for the CLI's help)."""
    from agentmem_lab.stores import VECTOR_STORES

    return {
        "mode": MODES.names(),
        "system": SYSTEMS.names(),
        "profile": PROFILES.names(),
        "vector_store": VECTOR_STORES.names(),
    }


def from_parameters(**parameters: Any) -> RunConfig:
    """A RunConfig from notebook parameters (the settings declared in ``settings``), with a
    one-line error naming the parameter for a wrong type or an unknown name."""
    config: RunConfig = RunConfig.from_values(parameters, where=lambda s: s.name)
    return config


def needs(config: RunSettings, dim: int, streamed: bool = True) -> resources.Estimate:
    """The memory and disk a run of this configuration needs, estimated (``resources``);
    ``streamed``: its items made as it goes (every run but a sharded one)."""
    content = resources.GENERATOR_CONTENT_BYTES
    if config.corpus is not None:
        # Bytes per line bound what an item stores (content and metadata), without parsing
        # the corpus again (RunConfig has checked it, make_items will read it).
        size, lines = 0, 0
        with open(config.corpus, "rb") as f:
            for line in f:
                size += len(line)
                lines += bool(line.strip())
        content = size / max(1, lines)
    # Other backends than usearch keep float32 vectors (the graph estimate is usearch's:
    # an approximation for them).
    dtype = config.stores.usearch_dtype if config.stores.vector_store == "usearch" else "f32"
    return resources.estimate(
        config.items,
        config.warmup * config.batch_size,
        dim,
        dtype,
        config.stores.hnsw_connectivity,
        content,
        config.search_queries,
        on_disk=config.profile != "simulated",
        streamed=streamed,
    )


__all__ = ["RunConfig", "from_parameters", "needs", "registry_names"]
