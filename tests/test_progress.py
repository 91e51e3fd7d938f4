"""A sweep's progress: a line per phase and step, and no silence past the heartbeat."""

from __future__ import annotations

import io
import time

import pytest

from agentmem_lab.sweep.progress import CellCounter, Progress


def test_phases_print_their_steps_and_a_heartbeat_fills_the_silence():
    out = io.StringIO()
    with Progress(True, every_s=0.05, stream=out) as progress:
        with progress.phase("report", "executing report.ipynb"):
            CellCounter(progress).write("\rreport:  40%|####  | 18/45 [00:03<00:05]")
            time.sleep(0.3)
            progress.say("exporting index.html")
    lines = out.getvalue().splitlines()
    assert lines[0] == "report: executing report.ipynb"
    beats = [ln for ln in lines if "running for" in ln]
    assert beats and beats[0] == "  report: running for 0 s: cell 18 of 45 executed"
    assert "  report: exporting index.html" in lines
    assert lines[-1].startswith("report: done in ")


def test_a_failed_phase_says_it_stopped_and_the_bar_is_redrawn_while_it_waits():
    from tqdm import tqdm

    out, bar_out = io.StringIO(), io.StringIO()
    with Progress(True, every_s=0.05, stream=out) as progress:
        bar = tqdm(total=3, file=bar_out, mininterval=0)
        progress.bar = bar
        before = bar_out.getvalue()
        time.sleep(0.3)
        assert len(bar_out.getvalue()) > len(before)  # redrawn with no update
        progress.bar = None
        bar.close()
        with pytest.raises(RuntimeError), progress.phase("stages", "each stage alone"):
            raise RuntimeError("boom")
    assert out.getvalue().splitlines()[-1].startswith("stages: stopped in ")


def test_disabled_progress_prints_nothing():
    out = io.StringIO()
    with Progress(False, every_s=0.01, stream=out) as progress:
        with progress.phase("report", "x"):
            progress.say("y")
            time.sleep(0.05)
    assert out.getvalue() == ""
