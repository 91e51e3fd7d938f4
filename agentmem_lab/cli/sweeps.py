"""The commands on sweeps: ``sweep``, ``check`` (the gate) and ``compare``."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from agentmem_lab.core.errors import ConfigError
from agentmem_lab.core.paths import data_file, notebook


def add_sweep_options(p: argparse.ArgumentParser) -> None:
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


def cmd_sweep(args: argparse.Namespace) -> int:
    from agentmem_lab.sweep.runs import run_sweep

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


def add_check_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", metavar="DIR", help="a sweep folder (or any folder of result.json files)")
    p.add_argument(
        "--targets", metavar="FILE", default=None, help="the targets (default data/targets.toml)"
    )


def cmd_check(args: argparse.Namespace) -> int:
    from agentmem_lab import claims, report
    from agentmem_lab.schema.result import STAGES_FILE

    if not Path(args.dir).is_dir():
        raise ConfigError("DIR", f"{args.dir} is not a directory")
    sweep = report.load(args.dir)
    if not sweep.results:
        raise ConfigError("DIR", f"no result.json below {args.dir}")
    catalogue = claims.load(args.targets)
    rows = report.verdict_rows(catalogue, sweep.results, sweep.stages, sweep.capacities)
    print("The answers at a glance (the report's verdict table):")
    for line in report.glance_lines(rows):
        print(line)
    print()
    print(
        "Every numeric claim of the seed against its own latency model (computed; "
        "simulated = the same model measured by the harness):"
    )
    for line in claims.format_model_table(claims.model_checks(catalogue, sweep.results)):
        print(line)
    print()
    print("Every claim against the real measurements (predictions: the best figure, no verdict):")
    if sweep.stages is None:
        print(
            f"(no {STAGES_FILE} in {args.dir}: the stage claims are not measured; "
            f"agentmem-lab stages {args.dir} measures them)"
        )
    verdicts = claims.evaluate(catalogue, sweep.results, sweep.stages, capacities=sweep.capacities)
    for line in claims.format_table(catalogue, verdicts):
        print(line)
    n = claims.counts(claims.model_checks(catalogue, sweep.results), verdicts)
    print(
        f"claims: {n['claims']}; against its own model: {n['reproduced']} reproduced, "
        f"{n['contradicts its own model']} contradict it, {n['not from the model']} not "
        f"from the model, {n['prediction of future work']} predictions; measured: "
        + "; ".join(
            f"{g} {m['met']} met, {m['missed']} missed, {m['no measurement']} not measured"
            for g, m in n["measured"].items()
        )
    )
    failures = claims.gate_failures(catalogue, verdicts)
    group = claims.gate_group(catalogue)
    if failures:
        for v in failures:
            print(f"GATE MISSED: {v.target.id} in {group}: {v.status}")
        return 1
    print(f"gate: every gating target met in {group}")
    return 0


def add_compare_options(p: argparse.ArgumentParser) -> None:
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


def cmd_compare(args: argparse.Namespace) -> int:
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


def write_compare_html(
    base: str | Path, new: str | Path, threshold_pct: float, target: Path
) -> Path:
    """compare.ipynb executed under papermill on BASE and NEW, exported to ``target``."""
    import tempfile

    from agentmem_lab.sweep.executor import execute, export_html

    with tempfile.TemporaryDirectory(prefix="agentmem-lab-compare-") as tmp:
        executed = Path(tmp) / "compare.ipynb"
        bench = notebook("compare.ipynb")
        execute(
            bench,
            executed,
            {
                "base": str(Path(base).resolve()),
                "new": str(Path(new).resolve()),
                "threshold": float(threshold_pct),
            },
            bench.parent,
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        export_html(executed, target, exclude_input=True)
    return target
