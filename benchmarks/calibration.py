"""The harness's calibration: every configuration of the seed under the simulated profile,
against the seed's model computed.

    .venv/bin/python benchmarks/calibration.py [--calls N]

The simulated profile's embedder and stores wait the model's latencies, so the harness
must measure what the model computes; what it measures beyond that is its own cost. For
each configuration: the model's call latency, the measured median and fastest call, and
their excess. The GOAL line holds the worst fastest-call excess under 3 %.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from _common import goal, print_environment

from agentmem_lab.core.seedmodel import predict
from agentmem_lab.measuring.runner import RunConfig, run

CONFIGS = [
    ("sequential", 1),
    ("parallel", 1),
    ("batch", 1),
    ("batch", 10),
    ("batch", 100),
    ("batch", 1000),
    ("bulk", 1),
    ("bulk", 10),
    ("bulk", 100),
    ("bulk", 1000),
]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--calls",
        type=int,
        default=10,
        help="measured calls per configuration (batch 1,000: at most 4)",
    )
    args = p.parse_args()
    print_environment()
    worst = 0.0
    with tempfile.TemporaryDirectory(prefix="agentmem-calibration-") as tmp:
        for mode, batch in CONFIGS:
            calls = min(args.calls, 4) if batch == 1000 else args.calls
            r = run(
                RunConfig(
                    mode=mode,
                    batch_size=batch,
                    items=batch * calls,
                    profile="simulated",
                    search_queries=0,
                ),
                Path(tmp) / f"{mode}-{batch}",
            )
            model = predict(mode, batch).latency_ms
            p50, fastest = r.latency_ms["p50"], r.latency_ms["min"]
            worst = max(worst, fastest / model - 1)
            print(
                f"{mode}-{batch}: model {model:.1f} ms, measured p50 {p50:.2f} ms "
                f"({p50 / model - 1:+.2%}), fastest {fastest:.2f} ms ({fastest / model - 1:+.2%}), "
                f"{calls} calls"
            )
    return (
        0
        if goal(
            "calibration_worst_fastest_call_excess_pct", worst * 100, 3.0, higher_is_better=False
        )
        else 1
    )


if __name__ == "__main__":
    sys.exit(main())
