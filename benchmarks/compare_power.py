"""What compare can tell apart: the same code measured twice, at P = 6 fresh processes a
side and at P = 1, and a deliberate slowdown (SQLite's synchronous FULL against NORMAL).

    .venv/bin/python benchmarks/compare_power.py [--processes P] [--threshold PCT] [--scale F]
                                                 [--configs N]

Fifteen quick configurations of the seed's modes (hash embedder, embedded stores), each
measured on two sides of the same code. At P > 1 every process is fresh (one uncounted
calibration process a side first), and the processes run interleaved, by turns across
configurations and sides (A1 B1 C1 ... A2 B2 C2 ...), so that a slow drift of the machine
falls on every side alike; compare then tests the per-process values (asv's rule: the
medians' change beyond the threshold and Mann-Whitney p < 0.002). At P = 1 it falls back
to the calls of one run each. Printed: how many configurations the same code is called
"no significant change" at each P, the spread of the per-process medians (the change the
threshold has to clear), and the verdict on FULL against NORMAL for sequential-1, with
GOAL lines (at P = 6: at least 14 of 15 unchanged, and FULL called slower).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from _common import goal, print_environment

from agentmem_lab import compare
from agentmem_lab.measuring.runner import RunConfig, run_in_fresh_process
from agentmem_lab.measuring.to_result import combine_processes
from agentmem_lab.schema.result import Result
from agentmem_lab.stores import StoreSettings

#: (mode, batch size, clients, items at scale 1)
CONFIGS = (
    ("sequential", 1, 1, 200),
    ("parallel", 1, 1, 200),
    ("batch", 1, 1, 200),
    ("batch", 10, 1, 500),
    ("batch", 100, 1, 2000),
    ("batch", 1000, 1, 4000),
    ("bulk", 1, 1, 200),
    ("bulk", 10, 1, 500),
    ("bulk", 100, 1, 2000),
    ("bulk", 1000, 1, 4000),
    ("sequential", 1, 4, 400),
    ("parallel", 1, 4, 400),
    ("batch", 100, 4, 2000),
    ("bulk", 100, 4, 2000),
    ("bulk", 1000, 4, 4000),
)


def _config(mode: str, batch: int, clients: int, items: int, sync: str = "NORMAL") -> RunConfig:
    return RunConfig(
        mode=mode,
        batch_size=batch,
        items=items,
        concurrency=clients,
        search_queries=0,
        self_recall_sample=0,
        windows=0,
        stores=StoreSettings(sqlite_synchronous=sync),
    )


def measure_interleaved(
    configs: dict[str, RunConfig], sides: tuple[str, ...], processes: int, folder: Path
) -> dict[str, dict[str, Result]]:
    """Every configuration on every side, ``processes`` fresh processes each (one
    calibration first), by turns: round k runs each configuration's k-th process on each
    side before any (k+1)-th. Returns side -> name -> result."""
    rounds = ["calibration"] + [f"process-{k}" for k in range(1, processes + 1)]
    runs: dict[tuple[str, str], list[Result]] = {}
    for label in rounds:
        for name, config in configs.items():
            for side in sides:
                r = run_in_fresh_process(config, folder / side / name / label)
                runs.setdefault((side, name), []).append(r)
    out: dict[str, dict[str, Result]] = {side: {} for side in sides}
    for (side, name), results in runs.items():
        combined = (
            combine_processes(results[1:], processes, calibration=results[0])
            if processes > 1
            else results[1]
        )
        out[side][name] = combined
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--processes", type=int, default=6, help="processes a side (default 6)")
    p.add_argument("--threshold", type=float, default=5.0, help="percent (default 5)")
    p.add_argument("--scale", type=float, default=1.0, help="items x F (default 1)")
    p.add_argument(
        "--configs",
        type=int,
        default=len(CONFIGS),
        help=f"the first N configurations (default all {len(CONFIGS)})",
    )
    args = p.parse_args()
    print_environment()
    configs = {
        f"{m}-{b}-c{c}": _config(m, b, c, max(b * 2, int(n * args.scale) // b * b))
        for m, b, c, n in CONFIGS[: args.configs]
    }
    ok = True
    with tempfile.TemporaryDirectory(prefix="agentmem-compare-power-") as tmp:
        for processes in (args.processes, 1):
            sides = measure_interleaved(configs, ("A", "B"), processes, Path(tmp) / f"p{processes}")
            same = compare.compare_results(sides["A"], sides["B"], args.threshold)
            unchanged = sum(c.verdict == "no significant change" for c in same)
            print(
                f"P = {processes}: the same code twice, {unchanged} of {len(same)} "
                f"configurations no significant change at a {args.threshold:g} % "
                f"threshold ({same[0].test})"
            )
            for c in same:
                print(
                    f"  {c.name:<28} p50 {c.base_p50_ms:8.3f} -> {c.new_p50_ms:8.3f} ms "
                    f"({c.p50_change_pct:+6.1f} %, 95 % interval [{c.p50_ci_pct[0]:+.1f}, "
                    f"{c.p50_ci_pct[1]:+.1f}]), p {c.p_value:.4f}: {c.verdict}"
                )
            if processes == args.processes and processes > 1:
                ok &= goal(
                    f"same_code_unchanged_of_{len(same)}_p{processes}", unchanged, len(same) - 1
                )
        slow = {
            "seq-normal": _config("sequential", 1, 1, 200),
            "seq-full": _config("sequential", 1, 1, 200, sync="FULL"),
        }
        pair = measure_interleaved(slow, ("run",), args.processes, Path(tmp) / "full")["run"]
        (c,) = compare.compare_results(
            {"sequential-1": pair["seq-normal"]}, {"sequential-1": pair["seq-full"]}, args.threshold
        )
        print(
            f"sqlite synchronous FULL against NORMAL, sequential-1, P = {args.processes}: "
            f"p50 {c.base_p50_ms:.3f} -> {c.new_p50_ms:.3f} ms ({c.p50_change_pct:+.1f} %), "
            f"p {c.p_value:.4f}: {c.verdict}"
        )
        ok &= goal(
            f"full_over_normal_called_slower_p{args.processes}",
            1.0 if c.verdict == "slower" else 0.0,
            1.0,
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
