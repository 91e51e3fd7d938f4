"""The settings of what to run: system, mode, batch size, items, embedder, profile, shards."""

from __future__ import annotations

from agentmem_lab.settings.setting import Setting


def _loops() -> list[str]:
    from agentmem_lab.core.loops import EVENT_LOOPS  # a core module, below the declarations

    return EVENT_LOOPS.names()


RUN: tuple[Setting, ...] = (
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
        "dataset",
        str,
        "synthetic",
        "where a run's memories come from: synthetic (the built-in generator), chitchat "
        "(real conversations, offline: each message a memory, its sender the user, its "
        "conversation the session), another registered dataset, or a dataset folder "
        "(docs/datasets.md); --items takes its first messages",
        metavar="NAME|DIR",
    ),
    Setting(
        "empty_messages",
        str,
        "refuse",
        "what a dataset folder's empty messages get: refuse (a one-line error naming the "
        "line) or skip (skipped and counted); a named dataset skips them when prepared",
        choices=lambda: ("refuse", "skip"),
        metavar="WHAT",
    ),
    Setting(
        "vectors",
        str,
        "auto",
        "where the embed stage's vectors come from: embed (the model), cached (the "
        "dataset folder's vectors of --embedder, built once by agentmem-lab vectors build: "
        "the run then times the stores alone, and says so), auto (cached where the "
        "folder holds them, else embed)",
        choices=lambda: ("auto", "embed", "cached"),
        metavar="FROM",
    ),
    Setting(
        "vectors_dir",
        str,
        None,
        "where the built vectors and neighbours of the dataset are: DIR/<the dataset "
        "folder's name>/, as agentmem-lab vectors build --dir DIR writes them (default: "
        "the dataset folder itself)",
        optional=True,
        metavar="DIR",
    ),
    Setting(
        "label",
        str,
        None,
        "the configuration's name in reports (default: derived from the settings)",
        optional=True,
        metavar="NAME",
    ),
)
