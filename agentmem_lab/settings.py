"""Every setting of a run, declared once.

A ``Setting`` holds a setting's name, type, default, bounds, choices and help. From the
declarations below come:

- the ``agentmem-lab run`` options (``add_arguments``; ``--batch-size`` for ``batch_size``);
- the papermill parameter check (``coerce``: a notebook parameter may arrive as a string
  of digits, anything else of the wrong type is one line naming the parameter);
- ``RunConfig``'s and ``StoreSettings``' defaults and checks (``default``, ``check``);
- the settings recorded with each result (``RunConfig.to_settings``).

The declarations import nothing above them: a setting whose names a registry of a higher
layer owns (``mode``, ``system``, ``profile``, ``vector_store``) is marked ``registry`` and
checked where that registry is used.

Adding a knob means adding one ``Setting`` here and the field that carries it (a test
checks that the fields, the declarations and the notebook's parameters agree).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from agentmem_lab.core.errors import ConfigError, UnknownNameError

#: The kinds of value a setting can hold.
_TYPES = (int, float, str)


@dataclass(frozen=True)
class Setting:
    """One setting: where it lives (``scope``: ``run`` or ``stores``), its type and rules."""

    name: str
    type: type
    default: Any
    help: str
    scope: str = "run"
    group: str = "run"
    minimum: float | None = None
    maximum: float | None = None
    choices: Callable[[], Sequence[str]] | None = None
    optional: bool = False  # None (or an empty notebook string) means "not set"
    required: bool = False
    metavar: str = "X"
    aliases: tuple[str, ...] = ()  # former names, still accepted
    upper: bool = False  # text compared and kept in upper case
    kind: str | None = None  # the choices are a registry's names: "no <kind> named ..."
    #: A registry above the declarations owns the names (modes, systems, profiles, vector
    #: stores): they are checked where that registry is used (``RunConfig``, ``StoreSettings``)
    #: with the same one-line error, and the CLI passes them to ``add_arguments`` for its help.
    registry: bool = False

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")

    def choice_names(self) -> list[str]:
        return list(self.choices()) if self.choices is not None else []

    def coerce(self, value: Any, where: str | None = None) -> Any:
        """``value`` checked (and a string of digits made an integer); raises ConfigError
        naming ``where`` (default: the CLI option)."""
        where = where or self.option
        if value is None or (self.optional and value == ""):
            if self.optional:
                return None
            raise ConfigError(where, "is required")
        if self.type is int:
            if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
                value = int(value.strip())
            if isinstance(value, bool) or not isinstance(value, int):
                kind = "" if isinstance(value, str) else f" ({type(value).__name__})"
                raise ConfigError(where, f"must be an integer, got {value!r}{kind}")
        elif self.type is float:
            if isinstance(value, str):
                try:
                    value = float(value)
                except ValueError:
                    raise ConfigError(where, f"must be a number, got {value!r}") from None
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not math.isfinite(value)
            ):
                raise ConfigError(where, f"must be a number, got {value!r}")
            value = float(value)
        elif not isinstance(value, str):
            raise ConfigError(where, f"must be a string, got {value!r} ({type(value).__name__})")
        if self.upper:
            value = value.upper()
        if (
            self.minimum is not None
            and self.maximum is not None
            and not self.minimum <= value <= self.maximum
        ):
            raise ConfigError(
                where, f"must be from {self.minimum:g} to {self.maximum:g}, got {value!r}"
            )
        if self.minimum is not None and value < self.minimum:
            raise ConfigError(where, f"must be >= {self.minimum:g}, got {value!r}")
        names = self.choice_names()
        if names and value not in names and self.kind is not None:
            raise UnknownNameError(self.kind, value, names, where)
        if names and value not in names:
            raise ConfigError(where, f"must be one of {', '.join(names)}, got {value!r}")
        return value

    def parse(self, text: str, names: Sequence[str] | None = None) -> Any:
        """argparse's ``type``: the same check, as argparse's one-line error. ``names``: the
        names its registry offers (a registry-owned setting, checked by the CLI that asked
        the registry)."""
        try:
            value = self.coerce(text)
            if names is not None and value is not None and value not in names:
                raise UnknownNameError(self.kind or self.name, value, list(names), self.option)
            return value
        except ConfigError as exc:
            raise argparse.ArgumentTypeError(exc.message) from None


def _loops() -> list[str]:
    from agentmem_lab.core.loops import EVENT_LOOPS  # a core module, below the declarations

    return EVENT_LOOPS.names()


SYNCHRONOUS = ("OFF", "NORMAL", "FULL", "EXTRA")
TABLE_STORES = ("sqlite", "postgres")
PG_TRANSPORTS = ("tcp", "unix")
PG_SYNCHRONOUS = ("on", "off")
USEARCH_DTYPES = ("f32", "f16", "bf16", "i8")
ARRIVALS = ("uniform", "poisson")
SCHEDULE_WAITS = ("timer", "spin")
LANGGRAPH_STORES = ("memory", "sqlite", "postgres")
TXTAI_BACKENDS = ("faiss", "hnsw", "numpy", "pgvector")

SETTINGS: tuple[Setting, ...] = (
    Setting(
        "system",
        str,
        "agentmem",
        "the write path measured: agentmem (the seed's "
        "design: --mode over our stores) or mem0 (mem0ai's own Memory.add(infer=False), "
        "with --mode sequential; --batch-size is messages per add), langgraph (LangGraph's "
        "store.batch of PutOps), txtai (Embeddings.upsert), or a plug-in's system",
        registry=True,
        metavar="SYSTEM",
        kind="system",
    ),
    Setting(
        "mode",
        str,
        None,
        "write mode (required for agentmem; mem0 has one, sequential). "
        "sequential: embed, then core, vector, history one after another; parallel: embed, "
        "then the three writes concurrently; batch: one embed_batch, then every item's "
        "writes concurrently; bulk: one embed_batch, then one bulk write per store",
        registry=True,
        optional=True,
        metavar="MODE",
        kind="mode",
    ),
    Setting(
        "batch_size",
        int,
        None,
        "items per add call (1, 10, 100, 1000 in the default sweep)",
        minimum=1,
        required=True,
        metavar="N",
    ),
    Setting(
        "items",
        int,
        None,
        "measured items in all (at least the batch size); warmup items come on top",
        minimum=1,
        required=True,
        metavar="N",
    ),
    Setting(
        "concurrency",
        int,
        1,
        "concurrent clients, each issuing calls one after another",
        minimum=1,
        metavar="C",
    ),
    Setting(
        "shards",
        int,
        1,
        "worker processes, each with its own event loop and stores, "
        "the items partitioned by user (0: one per core); the clients are spread over "
        "them",
        minimum=0,
        metavar="N",
    ),
    Setting(
        "embedder",
        str,
        "hash",
        "hash (feature hashing, no model), minilm (after "
        "'agentmem-lab models install minilm'), or fastembed:MODEL (a fastembed model name "
        "or a local model directory)",
        metavar="NAME",
    ),
    Setting(
        "profile",
        str,
        "real",
        "real components, or the seed's latency model (embedder and "
        "stores sleep the seed's assumed latencies)",
        registry=True,
        metavar="PROFILE",
        kind="profile",
    ),
    Setting(
        "event_loop",
        str,
        "uvloop",
        "the event loop the run is timed in (uvloop measured "
        "faster, and the harness's own cost lower)",
        choices=_loops,
        metavar="LOOP",
        kind="event loop",
    ),
    Setting(
        "processes",
        int,
        1,
        "measure the configuration in P fresh processes, each with "
        "fresh stores, after one uncounted calibration process: independent samples, "
        "kept per process with their median and its bootstrap interval, 95 percent (compare "
        "tests them)",
        minimum=1,
        metavar="P",
    ),
    Setting(
        "repeats",
        int,
        1,
        "split the measured calls into R timed passes (per-pass throughput is kept)",
        minimum=1,
        metavar="R",
    ),
    Setting(
        "warmup",
        int,
        1,
        "calls made on scratch stores before measuring, left out of the figures",
        minimum=0,
        metavar="W",
    ),
    Setting(
        "seed",
        int,
        0,
        "seed of the corpus generator, the ids and the recall samples",
        minimum=0,
        metavar="S",
    ),
    Setting(
        "corpus",
        str,
        None,
        'one memory per line, {"content": ..., "metadata": {...}}, '
        "cycled to reach --items (default: the built-in generator)",
        optional=True,
        metavar="FILE.jsonl",
    ),
    Setting(
        "label",
        str,
        None,
        "the configuration's name in reports (default: derived from the settings)",
        optional=True,
        metavar="NAME",
    ),
    Setting(
        "vector_store",
        str,
        "usearch",
        "the vector store backend (see README, 'Vector stores side by side')",
        scope="stores",
        group="stores",
        registry=True,
        metavar="NAME",
        kind="vector store",
    ),
    Setting(
        "sqlite_synchronous",
        str,
        "NORMAL",
        "SQLite PRAGMA synchronous of the core and history stores in SQLite (and sqlite-vec)",
        scope="stores",
        group="stores",
        choices=lambda: SYNCHRONOUS,
        upper=True,
        metavar="LEVEL",
    ),
    Setting(
        "core_store",
        str,
        "sqlite",
        "where core memory lives: sqlite (a file, through "
        "aiosqlite) or postgres (a table on a PostgreSQL server, through asyncpg)",
        scope="stores",
        group="stores",
        choices=lambda: TABLE_STORES,
        metavar="STORE",
    ),
    Setting(
        "history_store",
        str,
        "sqlite",
        "where history lives: sqlite or postgres, as --core-store",
        scope="stores",
        group="stores",
        choices=lambda: TABLE_STORES,
        metavar="STORE",
    ),
    Setting(
        "postgres_dsn",
        str,
        None,
        "the PostgreSQL server of the postgres stores and "
        "pgvector, as a libpq URI; it gets a schema of its own per store folder, nothing "
        "else is touched (default: the bench starts a server of its own in the run's "
        "folder, and stops it at the end)",
        scope="stores",
        group="stores",
        optional=True,
        metavar="DSN",
    ),
    Setting(
        "pg_transport",
        str,
        "tcp",
        "how the bench's own server is reached: loopback TCP or a Unix socket in its folder",
        scope="stores",
        group="stores",
        choices=lambda: PG_TRANSPORTS,
        metavar="T",
    ),
    Setting(
        "pg_synchronous_commit",
        str,
        "on",
        "PostgreSQL synchronous_commit of the "
        "stores' sessions (off: a commit returns before its WAL is flushed)",
        scope="stores",
        group="stores",
        choices=lambda: PG_SYNCHRONOUS,
        metavar="LEVEL",
    ),
    Setting(
        "langgraph_store",
        str,
        "sqlite",
        "the store of --system langgraph: memory "
        "(InMemoryStore, brute-force search), sqlite (SqliteStore: a file, vectors as "
        "BLOBs, sqlite-vec distances, no ANN index) or postgres (PostgresStore: pgvector "
        "HNSW on the run's server)",
        scope="stores",
        group="peers",
        choices=lambda: LANGGRAPH_STORES,
        metavar="STORE",
    ),
    Setting(
        "txtai_backend",
        str,
        "faiss",
        "the ANN backend of --system txtai (content in "
        "its SQLite database): faiss, hnsw (hnswlib), numpy (exact) or pgvector (on the "
        "run's server)",
        scope="stores",
        group="peers",
        choices=lambda: TXTAI_BACKENDS,
        metavar="BACKEND",
    ),
    Setting(
        "usearch_dtype",
        str,
        "i8",
        "usearch scalar type",
        scope="stores",
        group="stores",
        choices=lambda: USEARCH_DTYPES,
        metavar="DTYPE",
    ),
    Setting(
        "hnsw_connectivity",
        int,
        16,
        "HNSW connectivity M (usearch, faiss-hnsw, chroma)",
        scope="stores",
        group="stores",
        minimum=2,
        metavar="M",
        aliases=("usearch_connectivity",),
    ),
    Setting(
        "hnsw_expansion_add",
        int,
        64,
        "HNSW expansion when adding, efConstruction (usearch, faiss-hnsw, chroma)",
        scope="stores",
        group="stores",
        minimum=2,
        metavar="E",
        aliases=("usearch_expansion_add",),
    ),
    Setting(
        "hnsw_expansion_search",
        int,
        64,
        "HNSW expansion when searching, efSearch (usearch, faiss-hnsw, chroma)",
        scope="stores",
        group="stores",
        minimum=2,
        metavar="E",
        aliases=("usearch_expansion_search",),
    ),
    Setting(
        "usearch_threads",
        int,
        0,
        "threads of a usearch batch add; 0 = all cores",
        scope="stores",
        group="stores",
        minimum=0,
        metavar="T",
    ),
    Setting(
        "onnx_threads",
        int,
        None,
        "onnxruntime threads of a fastembed/minilm embedder (default: its own)",
        group="stores",
        minimum=1,
        optional=True,
        metavar="T",
    ),
    Setting(
        "self_recall_sample",
        int,
        1000,
        "stored items whose own text is searched after "
        "the run (self-recall@1; 0 skips it): exact-search stores answer each query by a "
        "full scan",
        group="stores",
        minimum=0,
        metavar="N",
    ),
    Setting(
        "search_queries",
        int,
        100,
        "queries of the search figures after the run (0 skips them)",
        group="stores",
        minimum=0,
        metavar="Q",
    ),
    Setting(
        "rate",
        float,
        None,
        "offer R items per second, open loop: calls of --batch-size "
        "arrive on a seeded schedule and each call's response time runs from its intended "
        "start (default: closed-loop clients, --concurrency of them)",
        group="load",
        minimum=1e-3,
        optional=True,
        metavar="R",
    ),
    Setting(
        "arrivals",
        str,
        "uniform",
        "the open-loop schedule: uniform (evenly spaced) or "
        "poisson (exponential gaps, seeded by --seed)",
        group="load",
        choices=lambda: ARRIVALS,
        metavar="KIND",
    ),
    Setting(
        "schedule_waits",
        str,
        "timer",
        "open loop: how the generator waits for a call's "
        "intended start. timer: the event loop's own timers (no CPU; a call starts up to "
        "about a millisecond late); spin: on the deadline, the loop yielding without "
        "sleeping for the last 2.5 ms of each wait (starts within a fraction of a "
        "millisecond, but the spinning loop contends for the interpreter lock with the "
        "stores' threads and slows their calls: see docs/load.md)",
        group="load",
        choices=lambda: SCHEDULE_WAITS,
        metavar="HOW",
    ),
    Setting(
        "max_in_flight",
        int,
        16,
        "open loop: at most this many calls at once; a call "
        "that cannot start on time starts late and is counted late, never dropped",
        group="load",
        minimum=1,
        metavar="N",
    ),
    Setting(
        "search_rate",
        float,
        None,
        "offer Q searches per second during the writes, open "
        "loop, on a client of their own; also measures freshness (searchable_after_ms)",
        group="load",
        minimum=1e-3,
        optional=True,
        metavar="Q",
    ),
    Setting(
        "freshness_sample",
        float,
        0.02,
        "with --search-rate: the share of acknowledged "
        "items whose time until a search for their own text finds them is measured",
        group="load",
        minimum=0,
        maximum=1,
        metavar="P",
    ),
    Setting(
        "windows",
        int,
        10,
        "growth windows recorded as the stores grow: every "
        "items/W items the writes pause while throughput, latency, recall@10 of a probe "
        "set, search latency, RSS and disk are recorded (0: none)",
        group="growth",
        minimum=0,
        maximum=1000,
        metavar="W",
    ),
    Setting(
        "window_queries",
        int,
        20,
        "queries of each growth window's probe (recall@10 against exact search, search p50/p99)",
        group="growth",
        minimum=1,
        maximum=1000,
        metavar="Q",
    ),
    Setting(
        "stop_after_s",
        float,
        None,
        "end the writes once they have run S seconds "
        "(measured time), keep what was stored, and record that the run stopped on time",
        group="growth",
        minimum=1e-3,
        optional=True,
        metavar="S",
    ),
    Setting(
        "stop_at_rss_mb",
        float,
        None,
        "end the writes once the process's memory (RSS) "
        "passes M MiB at a pause, and record that the run stopped on memory",
        group="growth",
        minimum=1,
        optional=True,
        metavar="M",
    ),
    Setting(
        "fail_rate",
        float,
        0.0,
        "probability that a store write of an item fails, for every store",
        group="faults",
        minimum=0,
        maximum=1,
        metavar="P",
    ),
    *(
        Setting(
            f"fail_rate_{store}",
            float,
            None,
            f"the same for the {store} store alone (overrides --fail-rate)",
            group="faults",
            minimum=0,
            maximum=1,
            optional=True,
            metavar="P",
        )
        for store in ("core", "vector", "history")
    ),
)

BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}
_ALIASES: dict[str, str] = {a: s.name for s in SETTINGS for a in s.aliases}

GROUPS = {
    "run": "what to run",
    "stores": "store and embedder settings (recorded with the result)",
    "peers": "the peer systems' own stores (--system langgraph, --system txtai)",
    "load": "offered load (open loop: --rate; default closed loop) and searches during writes",
    "growth": "growth windows as the stores grow, and where a long run stops (time, memory)",
    "faults": "fault injection (seeded by --seed; an item is acknowledged only when all three "
    "of its writes succeed)",
}


def default(name: str) -> Any:
    """The declared default of a setting (for the dataclass fields that carry it)."""
    return BY_NAME[name].default


def of_scope(scope: str) -> list[Setting]:
    return [s for s in SETTINGS if s.scope == scope]


def canonical(name: str) -> str:
    """A setting's name, former names mapped to the current one."""
    return _ALIASES.get(name, name)


def check(obj: Any, scope: str) -> None:
    """Check (and normalise) every setting of ``scope`` held as attributes of a frozen
    dataclass, in place."""
    for s in of_scope(scope):
        object.__setattr__(obj, s.name, s.coerce(getattr(obj, s.name)))


def normalise(
    values: Mapping[str, Any],
    where: Callable[[Setting], str] | None = None,
    ignore: Iterable[str] = (),
) -> dict[str, Any]:
    """Values by setting name, checked; former names accepted; an unknown name is one line
    listing the known ones. ``where`` names a setting in errors (default: its CLI option)."""
    skip = set(ignore)
    out: dict[str, Any] = {}
    for raw, value in values.items():
        if raw in skip:
            continue
        name = canonical(raw)
        s = BY_NAME.get(name)
        if s is None:
            raise ConfigError(raw, f"is not a setting; known: {', '.join(BY_NAME)}")
        out[name] = s.coerce(value, where(s) if where else None)
    for s in SETTINGS:
        if s.required and s.name not in out:
            raise ConfigError(where(s) if where else s.option, "is required")
    return out


def add_arguments(
    parser: argparse.ArgumentParser, names: Mapping[str, Sequence[str]] | None = None
) -> None:
    """Every setting as an option of ``parser``, in its group. ``names``: the names each
    registry-owned setting takes (``Setting.registry``), listed in its help."""
    groups = {key: parser.add_argument_group(title) for key, title in GROUPS.items()}
    for s in SETTINGS:
        names_ = [s.option] + ["--" + a.replace("_", "-") for a in s.aliases]
        choices = list((names or {}).get(s.name, ())) if s.registry else s.choice_names()
        help_text = s.help + (f": {', '.join(choices)}" if choices else "")
        if not s.required and s.default is not None:
            help_text += f" (default {s.default})"
        parse = s.parse if not (s.registry and choices) else partial(s.parse, names=choices)
        groups[s.group].add_argument(
            *names_,
            dest=s.name,
            type=parse,
            default=s.default,
            required=s.required,
            metavar=s.metavar,
            help=help_text,
        )


def from_args(args: argparse.Namespace) -> dict[str, Any]:
    """The settings among parsed arguments."""
    return {s.name: getattr(args, s.name) for s in SETTINGS}


__all__ = [
    "BY_NAME",
    "GROUPS",
    "SETTINGS",
    "Setting",
    "add_arguments",
    "canonical",
    "check",
    "default",
    "from_args",
    "normalise",
    "of_scope",
]
