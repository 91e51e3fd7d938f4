"""A run's settings as one typed, checked value: ``RunSettings``.

Every field is a setting declared in ``settings`` (defaults, types, bounds and static
choices come from there); the store settings are a ``StoreSettings``. Construction checks
what the declarations and the fields themselves know: types and bounds, at least as many
items as the batch size, no more repeats than calls, a corpus that parses. The names that a
registry above this layer owns (mode, system, profile, embedder) are checked by
``runconfig.RunConfig``, the same value checked against what is installed; the systems,
modes and stores below it take a ``RunSettings``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentmem_lab import settings as declared
from agentmem_lab.core.errors import ConfigError
from agentmem_lab.corpus import check_corpus, datasets, neighbours, vectors
from agentmem_lab.corpus.vectors import VectorFile
from agentmem_lab.stores import StoreSettings

STORES = ("core", "vector", "history")


@dataclass(frozen=True)
class RunSettings:
    """Every setting of one run, as declared in ``settings``. Checked on construction;
    errors name the CLI option."""

    batch_size: int
    items: int
    mode: str = declared.default("mode")  # None: the system's own (mem0: sequential)
    system: str = declared.default("system")
    concurrency: int = declared.default("concurrency")
    shards: int = declared.default("shards")
    embedder: str = declared.default("embedder")
    profile: str = declared.default("profile")
    repeats: int = declared.default("repeats")
    processes: int = declared.default("processes")  # fresh processes, independent samples
    warmup: int = declared.default("warmup")
    seed: int = declared.default("seed")
    corpus: str | None = declared.default("corpus")
    dataset: str = declared.default("dataset")
    empty_messages: str = declared.default("empty_messages")
    vectors: str = declared.default("vectors")
    vectors_dir: str | None = declared.default("vectors_dir")
    stores: StoreSettings = field(default_factory=StoreSettings)
    onnx_threads: int | None = declared.default("onnx_threads")
    search_queries: int = declared.default("search_queries")
    self_recall_sample: int = declared.default("self_recall_sample")
    event_loop: str = declared.default("event_loop")  # see loops.py: measured faster
    label: str | None = declared.default("label")
    rate: float | None = declared.default("rate")  # None: closed loop
    arrivals: str = declared.default("arrivals")
    speedup: float = declared.default("speedup")
    max_gap: float = declared.default("max_gap")
    max_in_flight: int = declared.default("max_in_flight")
    schedule_waits: str = declared.default("schedule_waits")
    search_rate: float | None = declared.default("search_rate")
    freshness_sample: float = declared.default("freshness_sample")
    read_per_message: float = declared.default("read_per_message")
    windows: int = declared.default("windows")  # growth windows (0: none)
    window_queries: int = declared.default("window_queries")
    stop_after_s: float | None = declared.default("stop_after_s")
    stop_at_rss_mb: float | None = declared.default("stop_at_rss_mb")
    fail_rate: float = declared.default("fail_rate")  # every store's write failure probability
    fail_rate_core: float | None = declared.default("fail_rate_core")  # per store; None: fail_rate
    fail_rate_vector: float | None = declared.default("fail_rate_vector")
    fail_rate_history: float | None = declared.default("fail_rate_history")

    def __post_init__(self) -> None:
        declared.check(self, "run")
        if not isinstance(self.stores, StoreSettings):
            raise ConfigError("stores", f"must be StoreSettings, got {self.stores!r}")
        if self.items < self.batch_size:
            raise ConfigError(
                "--items", f"must be at least --batch-size ({self.batch_size}), got {self.items}"
            )
        if self.calls < self.repeats:
            raise ConfigError(
                "--repeats",
                f"must be at most the number of calls "
                f"({self.calls} = ceil(items / batch size)), got {self.repeats}",
            )
        if self.corpus is not None:
            check_corpus(self.corpus)  # a one-line CorpusError naming the line, before any work
        if self.dataset != datasets.SYNTHETIC:
            if self.corpus is not None:
                raise ConfigError("--dataset", "takes the place of --corpus: give one of them")
            _ = self.dataset_details  # the folder checked and its prefix read, before any work
        if self.arrivals == "trace":
            self._check_trace()
        _ = self.replay_vectors  # a bad vectors file: one line before any work
        neighbours.load(self.cache_folder, self.embedder)  # a bad ground truth: the same

    @property
    def replay_vectors(self) -> VectorFile | None:
        """The dataset folder's vectors of the run's embedder that its embed stage replays
        (``--vectors``; checked: a bad or short file is a one-line error), or None."""
        if self.vectors == "embed" or self.profile != "real":
            if self.vectors == "cached":
                raise ConfigError("--vectors", "cached replays real vectors: --profile real")
            return None
        folder = self.dataset_folder
        if folder is None:
            if self.vectors == "cached":
                raise ConfigError(
                    "--vectors", "cached replays a dataset folder's vectors: give --dataset"
                )
            return None
        cache = vectors.cache_folder(folder, self.vectors_dir)
        if self.vectors == "auto" and vectors.find(cache, self.embedder) is None:
            return None
        # the held-out messages its search figures and window probes query come after
        run = self.items + self.warmup * self.batch_size
        held = self.search_queries + (self.window_queries if self.windows else 0)
        need = datasets.available(folder, run + held, self.empty_messages == "skip")
        return vectors.check(cache, self.embedder, None, need, max(need - run, 0))

    def _check_trace(self) -> None:
        """A trace replays a dataset's own timestamps, in one process, at its own rate."""
        details = self.dataset_details
        if details is None:
            raise ConfigError(
                "--arrivals",
                "trace replays a dataset's own timestamps: give --dataset chitchat or a folder",
            )
        if self.rate is not None:
            raise ConfigError(
                "--rate",
                "--arrivals trace offers each message at its own time: drop --rate "
                "(--speedup compresses the trace)",
            )
        if self.shards > 1:
            raise ConfigError(
                "--shards",
                "--arrivals trace runs in one process (each shard would start the "
                "trace at its own first message)",
            )
        untimed = details["items"] - details.get("timed", 0)
        if untimed > 0:
            raise ConfigError(
                "--arrivals",
                f"trace needs a timestamp on every message: {untimed:,} of the first "
                f"{details['items']:,} have none",
            )
        if not details.get("time_ordered", True):
            raise ConfigError(
                "--arrivals",
                "trace needs the dataset's messages in time order: sort messages.jsonl by "
                "timestamp",
            )

    @property
    def dataset_folder(self) -> Path | None:
        """Where the run's memories come from (None: the generator or --corpus)."""
        return datasets.dataset_folder(self.dataset)

    @property
    def cache_folder(self) -> Path | None:
        """Where the dataset's built vectors and neighbours are (``--vectors-dir``), or
        None without a dataset."""
        folder = self.dataset_folder
        return None if folder is None else vectors.cache_folder(folder, self.vectors_dir)

    @property
    def dataset_details(self) -> dict[str, Any] | None:
        """What the run takes from its dataset (``datasets.summary``: read once, cached)."""
        folder = self.dataset_folder
        if folder is None:
            return None
        n = self.items + self.warmup * self.batch_size
        return datasets.summary(folder, n, self.empty_messages == "skip")

    @classmethod
    def from_values(
        cls,
        values: dict[str, Any],
        where: Callable[[declared.Setting], str] | None = None,
        ignore: Sequence[str] = (),
    ) -> Any:
        """An instance from settings by name (CLI arguments, notebook parameters, a sweep
        plan): each checked by its declaration, errors naming it as ``where`` says."""
        checked = declared.normalise(values, where, ignore)
        stores = {
            s.name: checked.pop(s.name) for s in declared.of_scope("stores") if s.name in checked
        }
        return cls(stores=StoreSettings(**stores), **checked)

    @property
    def fail_rates(self) -> dict[str, float]:
        """Each store's injected write failure probability."""
        out = {}
        for store in STORES:
            own = getattr(self, f"fail_rate_{store}")
            out[store] = self.fail_rate if own is None else own
        return out

    @property
    def open_loop(self) -> bool:
        """Offered load at ``rate`` or a dataset's trace (else closed-loop clients)."""
        return self.rate is not None or self.arrivals == "trace"

    @property
    def calls(self) -> int:
        return math.ceil(self.items / self.batch_size)

    @property
    def embedder_label(self) -> str:
        return "simulated" if self.profile == "simulated" else self.embedder


__all__ = ["STORES", "RunSettings"]
