"""compare: the change between two runs with its interval, a Mann-Whitney U test and a
verdict per configuration; exit 1 on a regression when asked."""

from __future__ import annotations

import shutil
from dataclasses import replace

import numpy as np
import pytest

from agentmem_lab import compare
from agentmem_lab.cli import main
from agentmem_lab.core.errors import ConfigError
from agentmem_lab.measuring.runner import RunConfig, run
from browser import check_page
from helpers import known_result, offered_section


def _side(tmp_path, name, scale, n=200, cpu="test cpu", seed=0):
    rng = np.random.default_rng(seed)
    samples = list(rng.lognormal(0.0, 0.1, n) * scale)
    r = known_result(
        "bulk",
        10,
        throughput=10_000.0 / scale,
        samples_ms=samples,
        latency_ms={
            "p50": float(np.median(samples)),
            "p95": 1.0,
            "p99": float(np.percentile(samples, 99)),
            "mean": 1.0,
        },
        repeat_throughput_ops_s=[10_000.0 / scale * f for f in (0.98, 1.0, 1.02)],
        environment={"cpu_model": cpu, "cpu_count": 2, "python": "3.11"},
        label="bulk-b10-c1-hash",
    )
    r.dump(tmp_path / name / "configs" / r.name / "result.json")
    return tmp_path / name


def test_verdicts_follow_the_test_and_the_threshold(tmp_path):
    base = compare.load_side(_side(tmp_path, "a", 1.0), "BASE")
    for scale, seed, expected in (
        (1.5, 1, "slower"),
        (0.6, 2, "faster"),
        (1.05, 3, "no significant change"),  # within the threshold
        (1.0, 4, "no significant change"),
    ):
        new = compare.load_side(_side(tmp_path, f"n{seed}", scale, seed=seed), "NEW")
        [c] = compare.compare_results(base, new)
        assert c.verdict == expected, (scale, c)
        assert c.ops_ci_pct is not None and c.ops_ci_pct[0] <= c.ops_change_pct <= c.ops_ci_pct[1]
        assert c.p50_ci_pct[0] <= c.p50_change_pct + 1.0 and not c.machines_differ
    other = compare.load_side(_side(tmp_path, "m", 1.0, cpu="another cpu"), "NEW")
    assert compare.compare_results(base, other)[0].machines_differ


@pytest.mark.slow
def test_the_command_names_a_regression_and_fails_on_it(tmp_path, capsys):
    # sequential-1 made slower on purpose: every commit waits for the disk
    for side, sync in (("base", "NORMAL"), ("new", "FULL")):
        for mode, b, n in (("sequential", 1, 200), ("bulk", 100, 1000)):
            s = sync if mode == "sequential" else "NORMAL"
            run(
                RunConfig(
                    mode=mode,
                    batch_size=b,
                    items=n,
                    repeats=2,
                    search_queries=0,
                    label=f"{mode}-{b}",
                    stores=_stores(s),
                ),
                tmp_path / side / "configs" / f"{mode}-{b}",
            )
    assert main(["compare", str(tmp_path / "base"), str(tmp_path / "new"), "--html", "none"]) == 0
    code = main(
        [
            "compare",
            str(tmp_path / "base"),
            str(tmp_path / "new"),
            "--fail-on-regression",
            "--html",
            str(tmp_path / "c.html"),
        ]
    )
    out = capsys.readouterr().out
    assert code == 1 and "REGRESSION: sequential-1" in out
    assert [line for line in out.splitlines() if line.startswith("sequential-1 ")][0].endswith(
        "slower"
    )
    html = (tmp_path / "c.html").read_text(encoding="utf-8")
    assert "sequential-1" in html and "slower" in html and "data:image/png;base64," in html
    check_page(tmp_path / "c.html", min_images=1)
    # the same runs against themselves: no change, exit 0 even when failing on regressions
    shutil.copytree(tmp_path / "base", tmp_path / "again")
    assert (
        main(
            [
                "compare",
                str(tmp_path / "base"),
                str(tmp_path / "again"),
                "--fail-on-regression",
                "--html",
                "none",
            ]
        )
        == 0
    )
    assert "0 slower, 0 faster, 2 without significant change" in capsys.readouterr().out


def _stores(sync):
    from agentmem_lab.stores import StoreSettings

    return StoreSettings(sqlite_synchronous=sync)


def test_bad_input(tmp_path, capsys):
    with pytest.raises(ConfigError, match="BASE: .* is neither a result file nor a folder"):
        compare.load_side(tmp_path / "none", "BASE")
    (tmp_path / "empty").mkdir()
    assert main(["compare", str(tmp_path / "empty"), str(tmp_path / "empty")]) == 2
    assert "no result.json below" in capsys.readouterr().err
    a = _side(tmp_path, "a", 1.0)
    assert main(["compare", str(a), str(a), "--threshold", "-3"]) == 2
    assert "--threshold: must be a number >= 0" in capsys.readouterr().err


def test_open_loop_runs_are_compared_on_their_response_times(tmp_path):
    # The same service times on both sides; NEW's calls waited 50 % longer to start.
    def side(name: str, scale: float) -> dict:
        rng = np.random.default_rng(7)
        service = list(rng.lognormal(0.0, 0.1, 200))
        response = [s * scale for s in service]
        r = known_result(
            "bulk",
            10,
            samples_ms=service,
            label="bulk-b10-c1-hash-r100",
            offered=offered_section(
                response_samples_ms=response,
                response_ms={
                    "p50": float(np.median(response)),
                    "p99": float(np.percentile(response, 99)),
                },
            ),
        )
        r.dump(tmp_path / name / "result.json")
        return compare.load_side(tmp_path / name, name)

    [c] = compare.compare_results(side("a", 1.0), side("b", 1.5))
    assert c.verdict == "slower" and c.p50_change_pct == pytest.approx(50.0)


@pytest.mark.slow
def test_compare_on_per_process_values_names_a_slowdown_and_not_a_rerun(tmp_path):
    # Real runs, six fresh processes a side (after one uncounted): the same code twice is
    # no change at a 10 % threshold; SQLite's synchronous FULL (an fsync per commit) is
    # slower, called on independent samples (asv's rule: p < 0.002 needs 6 against 6).
    # The three sides' processes run by turns (as sweep --interleave runs them), so that a
    # drift of a loaded machine falls on every side alike.
    from agentmem_lab.measuring.runner import process_folders, run_in_fresh_process
    from agentmem_lab.measuring.to_result import combine_processes
    from agentmem_lab.stores import StoreSettings

    sides = {"base": "NORMAL", "again": "NORMAL", "slow": "FULL"}
    runs: dict[str, list] = {side: [] for side in sides}
    for k in range(7):  # a calibration, then six counted processes
        for side, sync in sides.items():
            config = RunConfig(
                mode="sequential",
                batch_size=1,
                items=200,
                search_queries=0,
                self_recall_sample=0,
                windows=0,
                stores=StoreSettings(sqlite_synchronous=sync),
            )
            runs[side].append(run_in_fresh_process(config, process_folders(tmp_path / side, 6)[k]))

    def measured(side):
        r = combine_processes(runs[side][1:], 6, calibration=runs[side][0])
        return {r.name: r}

    base, again, slow = measured("base"), measured("again"), measured("slow")
    (same,) = compare.compare_results(base, again, threshold_pct=10.0)
    assert (same.samples, same.base_n, same.new_n) == ("processes", 6, 6)
    assert same.verdict == "no significant change", same
    (worse,) = compare.compare_results(base, slow, threshold_pct=10.0)
    assert worse.verdict == "slower" and worse.p_value < compare.ASV_ALPHA, worse
    lines = compare.format_table([worse])
    assert lines[-2].startswith("test: independent samples: 6 processes against 6")
    assert "0.0011, under 0.002" in lines[-2]
    assert lines[-1].startswith(
        "smallest change it can call at this size: beyond the "
        "threshold and outside the ratio's 95 % interval, about +/-"
    )
    # one run a side: the call-level test, and it says so
    single = {n: replace(r, processes=None) for n, r in base.items()}
    (fallback,) = compare.compare_results(single, single)
    assert fallback.samples == "calls" and "not independent" in fallback.test
