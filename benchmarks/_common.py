"""Shared by the benchmark scripts: one place to print a goal line."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from agentmem_lab.core import environment


def goal(
    name: str, measured: float, target: float, higher_is_better: bool = True, unit: str = ""
) -> bool:
    """Print ``GOAL <name>: measured <x>, target <y>, PASS|FAIL``; return whether it passed."""
    ok = measured >= target if higher_is_better else measured < target
    sign = ">=" if higher_is_better else "<"
    print(
        f"GOAL {name}: measured {measured:,.3f}{unit}, target {sign} {target:,.3f}{unit}, "
        f"{'PASS' if ok else 'FAIL'}",
        flush=True,
    )
    return ok


def print_environment(packages: tuple[str, ...] = ()) -> None:
    """The machine and the versions of what the figures depend on (``packages``: a
    peer's distributions beside the bench's own)."""
    env = environment.capture(packages)
    short: dict[str, Any] = {k: env[k] for k in ("cpu_model", "cpu_count", "python")}
    short["packages"] = {k: v for k, v in env["packages"].items() if v}
    print("environment:", json.dumps(short), file=sys.stdout, flush=True)


def lab_run(out: Path, *options: str) -> tuple[dict[str, Any], float]:
    """``agentmem-lab run`` in a child process (its peak RSS is then the children's
    ``ru_maxrss``): its result and wall seconds; exits with its error line if it fails."""
    t0 = time.perf_counter()
    command = [sys.executable, "-m", "agentmem_lab.cli", "run", *options, "--out", str(out)]
    proc = subprocess.run(command, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"run failed: {proc.stderr.strip()[-400:]}")
    print(proc.stdout.strip().splitlines()[0], flush=True)
    data: dict[str, Any] = json.loads((out / "result.json").read_text(encoding="utf-8"))
    return data, time.perf_counter() - t0
