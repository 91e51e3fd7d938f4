"""A run resolved once: ``RunConfig`` (its settings checked against what is installed) and
``ResolvedRun`` (those settings with the system, profile and folder they name).

``RunSettings`` (``config``) checks what the declarations know. ``RunConfig`` adds the
checks that need the registries above the declarations, where those registries live: the
mode, system, profile, embedder and event loop by name (plug-ins included), the system's
own rules, shards, and an installed model. Errors are one line naming the option (or the
notebook parameter), before any work is done.

``resolve`` turns a ``RunConfig`` and a folder into the ``ResolvedRun`` that goes down the
measuring layer: nothing below it looks the system or profile up by name again, and the
folder is made (and found writable) once. A shard's worker, a process of its own, resolves
its settings again there: registries do not cross processes.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from agentmem_lab import settings as declared
from agentmem_lab.core import resources
from agentmem_lab.core.errors import ConfigError, ModelNotInstalledError
from agentmem_lab.core.loops import loop_factory
from agentmem_lab.corpus import corpus_check
from agentmem_lab.embedders import check_embedder_name
from agentmem_lab.embedders.models import MINILM, installed_model_dir
from agentmem_lab.measuring.folder import prepare_out_dir
from agentmem_lab.schema.result import Result
from agentmem_lab.schema.run_settings import RunSettings
from agentmem_lab.systems import SYSTEMS, System
from agentmem_lab.workload.modes import MODES
from agentmem_lab.workload.profiles import PROFILES, Profile


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


@dataclass(frozen=True)
class ResolvedRun:
    """One run, resolved once (``resolve``): its checked settings, the system and profile
    they name, and its folder (made and writable). ``serving`` gives the same run with
    the settings that carry the addresses of the servers it started."""

    config: RunConfig
    system: System
    profile: Profile
    out_dir: Path

    def serving(self, config: RunConfig) -> ResolvedRun:
        return replace(self, config=config)


def resolve(config: RunConfig, out: str | Path) -> ResolvedRun:
    """The run of ``config`` in folder ``out``: its system and profile found, the folder
    made (one-line ``ConfigError`` naming --out when it cannot be written)."""
    return ResolvedRun(
        config, SYSTEMS.get(config.system), PROFILES.get(config.profile), prepare_out_dir(out)
    )


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
        # Bytes per memory bound what an item stores (content and metadata): from the
        # corpus's check, not another read of the file.
        content = corpus_check(config.corpus).bytes_per_memory
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


__all__ = [
    "ResolvedRun",
    "RunConfig",
    "from_parameters",
    "needs",
    "registry_names",
    "resolve",
]
