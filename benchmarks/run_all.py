"""`make bench`: every benchmark script, one after another. Exits 1 if any goal failed."""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = [
    "calibration.py",
    "embedders.py",
    "pipeline.py",
    "overlap.py",
    "faults.py",
    "verify.py",
    "vector_stores.py",
    "peers.py",
    "offered_load.py",
    "conversations.py",
    "scale.py",
    "servers.py",
    "compare_power.py",
]


def main() -> int:
    failed = []
    for script in SCRIPTS:
        print(f"== {script}", flush=True)
        if subprocess.run([sys.executable, str(HERE / script)]).returncode != 0:
            failed.append(script)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
