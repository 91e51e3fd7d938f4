"""The commands that measure one configuration: ``run``, ``capacity``, ``verify`` and
``stages``; each adds its options and runs, printing what the library's renderers return.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from agentmem_lab.cli.options import positive
from agentmem_lab.core.errors import ConfigError


def add_run_options(p: argparse.ArgumentParser) -> None:
    from agentmem_lab.measuring.resolve import registry_names
    from agentmem_lab.settings import add_arguments

    add_arguments(p, registry_names())  # every setting, from its one declaration
    p.add_argument(
        "--out",
        required=True,
        metavar="DIR",
        help="writes DIR/result.json and keeps the stores under DIR/stores/",
    )


def config_from_args(args: argparse.Namespace) -> Any:
    """A RunConfig from parsed arguments (raises ConfigError naming the option)."""
    from agentmem_lab.measuring.resolve import RunConfig
    from agentmem_lab.settings import from_args

    return RunConfig.from_values(from_args(args))


def cmd_run(args: argparse.Namespace) -> int:
    from agentmem_lab.measuring.runner import run
    from agentmem_lab.schema.result import summary_line

    config = config_from_args(args)
    result = run(config, args.out)  # the run makes its folder, once
    print(summary_line(result))
    print(f"result: {Path(args.out) / 'result.json'}")
    return 0


def add_capacity_options(p: argparse.ArgumentParser) -> None:
    from agentmem_lab.measuring import capacity

    add_run_options(p)
    g = p.add_argument_group(
        "the capacity search (--rate is chosen by the search; every probe "
        "writes --items into fresh stores)"
    )
    g.add_argument(
        "--slo-p99-ms",
        type=positive(float),
        default=capacity.SLO_P99_MS,
        metavar="MS",
        help=f"the response-time p99 a sustained rate keeps (default {capacity.SLO_P99_MS:g})",
    )
    g.add_argument(
        "--tolerance-pct",
        type=positive(float),
        default=capacity.TOLERANCE * 100,
        metavar="PCT",
        help=f"a sustained rate is achieved to within this (default {capacity.TOLERANCE * 100:g})",
    )
    g.add_argument(
        "--max-probes",
        type=positive(int),
        default=capacity.MAX_PROBES,
        metavar="N",
        help=f"probes at most (default {capacity.MAX_PROBES})",
    )
    g.add_argument(
        "--min-calls",
        type=positive(int),
        default=capacity.MIN_CALLS,
        metavar="N",
        help="calls per probe at least: a p99 of fewer than 100 calls "
        f"is (nearly) the slowest call (default {capacity.MIN_CALLS})",
    )


def cmd_capacity(args: argparse.Namespace) -> int:
    from agentmem_lab.measuring import capacity
    from agentmem_lab.measuring.folder import prepare_out_dir

    config = config_from_args(args)
    out = prepare_out_dir(args.out)
    doc = capacity.find_capacity(
        config,
        out,
        args.slo_p99_ms,
        args.tolerance_pct / 100.0,
        args.max_probes,
        progress=print,
        min_calls=args.min_calls,
    )
    print(capacity.summary_line(doc))
    print(f"capacity: {out / capacity.CAPACITY_FILE}")
    return 0


def add_verify_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", metavar="DIR", help="a run folder (the --out of agentmem-lab run)")
    p.add_argument(
        "--no-repair",
        action="store_true",
        help="count only; do not remove half-written items or rebuild vectors",
    )


def cmd_verify(args: argparse.Namespace) -> int:
    import asyncio

    from agentmem_lab.measuring.verify import verify, verify_lines

    r = asyncio.run(verify(args.dir, repair=not args.no_repair))
    for line in verify_lines(r, repaired=not args.no_repair):
        print(line)
    return 0 if r["lost"] == 0 and r["orphans"] == 0 else 1


def add_stages_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", metavar="DIR", help="a sweep folder: stages.json is written there")
    p.add_argument(
        "--embedder",
        action="append",
        default=None,
        metavar="NAME",
        help="an embedder to measure alone (repeatable; default: hash, and minilm when installed)",
    )
    p.add_argument(
        "--rounds", type=int, default=3, metavar="R", help="rounds by turns, medians (default 3)"
    )


def cmd_stages(args: argparse.Namespace) -> int:
    from agentmem_lab.core.errors import ModelNotInstalledError
    from agentmem_lab.core.folderlock import FolderLock
    from agentmem_lab.embedders import check_embedder_name
    from agentmem_lab.embedders.models import MINILM, installed_model_dir
    from agentmem_lab.measuring import stages
    from agentmem_lab.measuring.folder import prepare_out_dir

    if args.rounds < 1:
        raise ConfigError("--rounds", f"must be >= 1, got {args.rounds}")
    names = args.embedder
    if names is None:
        names = ["hash"]
        try:
            installed_model_dir(MINILM)
            names.append("minilm")
        except ModelNotInstalledError:
            pass
    for name in names:
        check_embedder_name(name)
    out = prepare_out_dir(args.dir)
    with FolderLock(out, "stages", option="DIR"):
        figures = stages.measure(names, rounds=args.rounds)
        path = stages.write(out, figures)
    for line in stages.summary_lines(figures):
        print(line)
    print(f"stages: {path}")
    return 0
