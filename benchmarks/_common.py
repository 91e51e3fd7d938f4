"""Shared by the benchmark scripts: one place to print a goal line."""

from __future__ import annotations

import json
import sys
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
