"""The edges a new user meets (issue 11): a full disk, Ctrl-C and SIGTERM, a sweep interrupted
and resumed. Real processes, real signals, a real (small) file system."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import ROOT

LAB = [sys.executable, "-m", "agentmem_lab.cli"]


def _default_sigint() -> None:
    # A job started in the background by a shell inherits SIGINT as ignored (and so would
    # this child): restore the default, as a terminal's Ctrl-C finds it.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def lab(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [*LAB, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        preexec_fn=_default_sigint,
        **kwargs,
    )


@pytest.mark.parametrize("mode", ["bulk", "sequential"])
def test_a_full_disk_ends_the_run_with_one_line_naming_store_file_and_cause(tiny_disk, mode):
    out = tiny_disk / "run"
    # The size check would refuse this run: tell it the disk is large, and let it fill.
    p = lab(
        "run",
        "--mode",
        mode,
        "--batch-size",
        "100",
        "--items",
        "20000",
        "--out",
        str(out),
        env={**os.environ, "AGENTMEM_LAB_FREE_DISK": str(2**40)},
    )
    _, stderr = p.communicate(timeout=300)
    assert p.returncode == 1, stderr
    assert stderr.count("\n") == 1 and "Traceback" not in stderr
    assert "store: cannot write " in stderr and "no space left on device" in stderr
    assert str(out / "stores") in stderr
    assert not (out / "result.json").exists()
    assert not list((out / "stores").glob("*.tmp"))
    # The stores reopen: once there is room, verify repairs them.
    moved = tiny_disk.parent / "moved"
    os.system(f"cp -r {out} {moved}")
    v = subprocess.run([*LAB, "verify", str(moved)], capture_output=True, text=True, cwd=ROOT)
    assert v.returncode == 0 and "verify: OK" in v.stdout, v.stdout + v.stderr


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_run_stops_at_once_writes_no_result_and_verify_repairs(tmp_path, sig):
    out = tmp_path / "run"
    p = lab(
        "run",
        "--mode",
        "bulk",
        "--batch-size",
        "100",
        "--items",
        "300000",
        "--out",
        str(out),
        "--search-queries",
        "0",
    )
    deadline = time.time() + 120
    while (
        not (out / "stores" / "acked.log").exists()
        or (out / "stores" / "acked.log").stat().st_size == 0
    ):
        assert time.time() < deadline and p.poll() is None, p.communicate()
        time.sleep(0.05)
    t0 = time.perf_counter()
    p.send_signal(sig)
    _, stderr = p.communicate(timeout=60)
    assert time.perf_counter() - t0 < 10
    assert p.returncode == 130
    assert stderr.count("\n") == 1 and "Traceback" not in stderr
    assert "interrupted; no result written" in stderr and f"agentmem-lab verify {out}" in stderr
    assert not (out / "result.json").exists()
    v = subprocess.run([*LAB, "verify", str(out)], capture_output=True, text=True, cwd=ROOT)
    assert v.returncode == 0 and "lost 0, orphans 0" in v.stdout, v.stdout + v.stderr


GRID = """
repeats = 1
warmup = 0
seed = 0
search_queries = 5
concurrency = [1]
[modes]
bulk = [10, 100]
[[group]]
profile = "real"
embedder = "hash"
items = { 10 = 200, 100 = 300000 }
"""


@pytest.mark.slow
def test_an_interrupted_sweep_says_how_to_resume_and_resumes(tmp_path):
    grid = tmp_path / "grid.toml"
    grid.write_text(GRID)
    out = tmp_path / "sweep"
    p = lab("sweep", "--config", str(grid), "--out", str(out), "--no-progress")
    first = out / "configs" / "bulk-b10-c1-hash" / "result.json"
    second = out / "configs" / "bulk-b100-c1-hash" / "stores" / "acked.log"
    deadline = time.time() + 240
    while not (first.exists() and second.exists()):
        assert time.time() < deadline and p.poll() is None, p.communicate()
        time.sleep(0.1)
    p.send_signal(signal.SIGINT)
    _, stderr = p.communicate(timeout=120)
    assert p.returncode == 130, stderr
    assert "interrupted" in stderr and "resume" in stderr and "Traceback" not in stderr
    assert not (out / "configs" / "bulk-b100-c1-hash" / "error.json").exists()
    # Resumed with a smaller second configuration: the first is not run again.
    grid.write_text(GRID.replace("100 = 300000", "100 = 300"))
    again = subprocess.run(
        [*LAB, "sweep", "--config", str(grid), "--out", str(out), "--no-progress"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert "ran 1, skipped 1" in again.stdout
    assert json.loads(first.read_text())["items"] == 200
