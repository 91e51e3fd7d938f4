"""Every exit path exits: each error class the command line knows ends the process promptly
with its documented status and one line, never a traceback; and two runs started together
on one folder never both write to it."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from agentmem_lab.measuring.verify import verify

LAB = str(Path(sys.executable).parent / "agentmem-lab")  # the console script users run
RUN = ["run", "--mode", "bulk", "--batch-size", "100"]


def _exits(
    args: list[str],
    timeout: float = 120,
    env: dict[str, str] | None = None,
    signal_after: float | None = None,
) -> tuple[int, str]:
    p = subprocess.Popen(
        [LAB, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    if signal_after is not None:
        time.sleep(signal_after)
        p.send_signal(signal.SIGINT)
    try:
        _, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        pytest.fail(f"agentmem-lab {' '.join(args)} did not exit within {timeout} s")
    assert "Traceback" not in err, err
    assert err.count("\n") == 1, err  # one line, and nothing after it
    return p.returncode, err


def test_a_bad_option(tmp_path):
    code, err = _exits([*RUN[:3], "0", "--items", "10", "--out", str(tmp_path)])
    assert code == 2 and "--batch-size" in err


def test_a_bad_corpus(tmp_path):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text('{"content": "fine"}\n{not json\n')
    code, err = _exits(
        [*RUN, "--items", "100", "--corpus", str(corpus), "--out", str(tmp_path / "run")]
    )
    assert code == 2 and f"--corpus: {corpus}:2: not JSON" in err


def test_a_full_disk(tiny_disk):
    code, err = _exits(
        [*RUN, "--items", "20000", "--out", str(tiny_disk / "run")],
        env={**os.environ, "AGENTMEM_LAB_FREE_DISK": str(2**40)},
    )
    assert code == 1 and "no space left on device" in err


@pytest.mark.slow
def test_an_interrupt(tmp_path):
    code, err = _exits(
        [*RUN, "--items", "400000", "--out", str(tmp_path / "run")], signal_after=4.0
    )
    assert code == 130 and "interrupted" in err


def test_a_store_failure(tmp_path):
    out = tmp_path / "run"
    assert _exits_ok([*RUN, "--items", "200", "--out", str(out)])
    (out / "stores" / "core.db").write_bytes(b"not a database" * 100)
    for extra in ("core.db-wal", "core.db-shm"):
        (out / "stores" / extra).unlink(missing_ok=True)
    code, err = _exits(["verify", str(out)])
    assert code == 1 and "core store: DatabaseError: file is not a database" in err


def _exits_ok(args: list[str]) -> bool:
    return subprocess.run([LAB, *args], capture_output=True, timeout=120).returncode == 0


HOLD = textwrap.dedent("""
    import sys, time
    from agentmem_lab.core.folderlock import FolderLock
    FolderLock(sys.argv[1], "sweep").acquire()
    print("held", flush=True)
    time.sleep(120)
""")


@pytest.mark.parametrize("command", ["run", "verify", "sweep"])
def test_a_held_folder(tmp_path, command):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        args = {
            "run": [*RUN, "--items", "100", "--out", str(tmp_path)],
            "verify": ["verify", str(tmp_path)],
            "sweep": ["sweep", "--quick", "--out", str(tmp_path), "--no-progress"],
        }[command]
        code, err = _exits(args)
        assert code == 2 and f"is in use by sweep PID {holder.pid} (started " in err
    finally:
        holder.kill()
        holder.wait()


# Ten tries of the race, each about a second, for the suite's budget.
TRIES = 10


@pytest.mark.slow
def test_two_runs_started_together_on_one_folder(tmp_path):
    # Each try: two identical runs started at the same moment on one folder. One runs; the
    # other is refused at once, naming the first; the folder then verifies clean.
    for n in range(TRIES):
        out = tmp_path / f"try-{n}"
        args = [LAB, *RUN, "--items", "6000", "--out", str(out)]
        procs = [
            subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)
        ]
        outcomes = [(p, *p.communicate(timeout=120)) for p in procs]
        codes = sorted(p.returncode for p, _, _ in outcomes)
        assert codes == [0, 2], [(p.returncode, e[-300:]) for p, _, e in outcomes]
        ((winner, _, _),) = [o for o in outcomes if o[0].returncode == 0]
        ((_, _, refusal),) = [o for o in outcomes if o[0].returncode == 2]
        assert refusal.startswith(
            f"agentmem-lab run: error: --out: {out} is in use by run PID {winner.pid} (started "
        ), refusal
        assert refusal.count("\n") == 1
        counts = asyncio.run(verify(out))
        assert counts["lost"] == 0 and counts["orphans"] == 0
        assert counts["acknowledged_logged"] == 6000
        assert not (out / ".agentmem-lab.lock").exists()
