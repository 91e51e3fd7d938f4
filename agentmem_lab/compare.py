"""Two runs compared, as ``pyperf compare_to`` and ``asv continuous`` do: did the write
path get slower, beyond the noise?

BASE and NEW are result files, run folders or sweep folders; configurations are matched by
name. For each configuration found on both sides:

- throughput of both, and its change in percent with a 95 % confidence interval
  (bootstrap over the per-repeat throughputs: a run of one repeat gives no interval);
- call latency p50 and p99 of both, and the p50 change with a 95 % interval (bootstrap over
  the per-call samples); a run at an offered rate (``--rate``) is compared on its calls'
  response times, from each call's intended start (``Result.call_samples_ms``);
- a Mann-Whitney U test on the call latencies (two-sided; scipy);
- a verdict, as asv decides: **slower** or **faster** when the latencies differ
  significantly (p < 0.05) *and* the p50 changed by more than the threshold (default 20 %);
  otherwise **no significant change**. A machine's noise between runs is what the threshold
  is for: the test compares calls, and every call of a run shares that run's machine load,
  so the test alone flags a whole run's drift (docs/sweep.md, "Comparing two runs", gives the
  measurement behind the default).

When both sides were measured in several fresh processes (``--processes P``), the test
runs on the per-process values instead, independent samples, as asv's rule has it: a
change is called when the medians of the per-process call p50s differ by more than the
threshold **and** the Mann-Whitney U test on them gives p < 0.002 (``ASV_ALPHA``; 5
processes against 5 can never reach it, 6 against 6 can); the intervals are bootstrap
intervals of the ratio of medians over the processes. The output says which test ran, how
many independent samples each side had, and the smallest p that size allows.

Machines that differ (CPU model, cores, Python) are flagged: a change between them is not a
change of the code.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from agentmem_lab.core.errors import ConfigError, MissingDependencyError, ResultError
from agentmem_lab.core.stats import mann_whitney, smallest_p
from agentmem_lab.schema.result import Result, find_results

#: Significance level of the Mann-Whitney U test.
ALPHA = 0.05
#: Default threshold: a change smaller than this is no change (percent of the p50). A whole
#: run is slower or faster with its machine's load (the calls of one run are not
#: independent of it): docs/sweep.md quotes two sweeps of the same code, measured.
THRESHOLD_PCT = 20.0
RESAMPLES = 2000
#: asv's significance level, for independent samples (per-process values).
ASV_ALPHA = 0.002
_MACHINE = ("cpu_model", "cpu_count", "python")


@dataclass(frozen=True)
class Comparison:
    name: str
    base_ops_s: float
    new_ops_s: float
    ops_change_pct: float
    ops_ci_pct: tuple[float, float] | None
    base_p50_ms: float
    new_p50_ms: float
    base_p99_ms: float
    new_p99_ms: float
    p50_change_pct: float
    p50_ci_pct: tuple[float, float]
    p_value: float
    verdict: str
    machines_differ: bool
    samples: str = "calls"  # what the test ran on: "calls" of one run, or "processes"
    base_n: int = 0
    new_n: int = 0
    alpha: float = ALPHA

    @property
    def test(self) -> str:
        """Which test ran, on how many samples, and what that size allows."""
        if self.samples == "processes":
            floor = smallest_p(self.base_n, self.new_n)
            reach = f"the smallest p {self.base_n} against {self.new_n} can give is {floor:.4f}" + (
                ", under"
                if floor < self.alpha
                else ", not under: no change can be called at this size; "
                "--processes 6 or more on both sides is"
            )
            return (
                f"independent samples: {self.base_n} processes against {self.new_n}, "
                f"p < {self.alpha:g} and a change beyond the threshold ({reach} "
                f"{self.alpha:g})"
            )
        return (
            f"calls of one run each ({self.base_n} against {self.new_n}, not independent "
            "samples: a whole run's drift counts as significant); --processes P on both "
            "sides tests independent samples"
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def load_side(path: str | Path, option: str) -> dict[str, Result]:
    """The results of a result file, a run folder or a sweep folder, by name."""
    p = Path(path)
    if p.is_file():
        files = [p]
    elif p.is_dir():
        files = find_results(p)
    else:
        raise ConfigError(option, f"{p} is neither a result file nor a folder")
    out: dict[str, Result] = {}
    for f in files:
        try:
            r = Result.load(f)
        except (OSError, ResultError) as exc:
            raise ConfigError(option, f"{f}: {exc}") from None
        out[r.name] = r
    if not out:
        raise ConfigError(option, f"no result.json below {p}")
    return out


def _bootstrap_ratio(
    base: Sequence[float], new: Sequence[float], stat: Any, rng: np.random.Generator
) -> tuple[float, float]:
    """95 % interval of (stat(new) / stat(base) - 1) in percent, by resampling each side."""
    b, n = np.asarray(base, dtype=float), np.asarray(new, dtype=float)
    bi = rng.integers(0, len(b), size=(RESAMPLES, len(b)))
    ni = rng.integers(0, len(n), size=(RESAMPLES, len(n)))
    ratios = stat(n[ni], axis=1) / np.maximum(stat(b[bi], axis=1), 1e-12) - 1.0
    lo, hi = np.percentile(ratios * 100.0, [2.5, 97.5])
    return float(lo), float(hi)


def _machine(r: Result) -> tuple[Any, ...]:
    return tuple(r.environment.get(k) for k in _MACHINE)


def compare_results(
    base: dict[str, Result],
    new: dict[str, Result],
    threshold_pct: float = THRESHOLD_PCT,
    seed: int = 0,
) -> list[Comparison]:
    """Every configuration on both sides, compared (sorted by name)."""
    try:
        from scipy.stats import mannwhitneyu
    except ImportError:
        raise MissingDependencyError("scipy", "pip install scipy") from None
    rng = np.random.default_rng(seed)
    out = []
    for name in sorted(set(base) & set(new)):
        b, n = base[name], new[name]
        if _per_process(b) and _per_process(n):
            out.append(_on_processes(name, b, n, threshold_pct, rng))
            continue
        ops = (
            (n.throughput_ops_s / b.throughput_ops_s - 1.0) * 100.0
            if b.throughput_ops_s
            else math.nan
        )
        ops_ci = None
        if len(b.repeat_throughput_ops_s) > 1 and len(n.repeat_throughput_ops_s) > 1:
            ops_ci = _bootstrap_ratio(
                b.repeat_throughput_ops_s, n.repeat_throughput_ops_s, np.mean, rng
            )
        # Open-loop runs compare their response times (from each call's intended start).
        bs, ns = b.call_samples_ms, n.call_samples_ms
        bl, nl = b.call_latency_ms, n.call_latency_ms
        p50 = (nl["p50"] / bl["p50"] - 1.0) * 100.0
        p50_ci = _bootstrap_ratio(bs, ns, np.median, rng)
        if len(bs) > 1 and len(ns) > 1:
            p_value = float(mannwhitneyu(bs, ns, alternative="two-sided").pvalue)
        else:
            p_value = 1.0
        verdict = "no significant change"
        if p_value < ALPHA and abs(p50) > threshold_pct:
            verdict = "slower" if p50 > 0 else "faster"
        out.append(
            Comparison(
                name,
                b.throughput_ops_s,
                n.throughput_ops_s,
                ops,
                ops_ci,
                bl["p50"],
                nl["p50"],
                bl["p99"],
                nl["p99"],
                p50,
                p50_ci,
                p_value,
                verdict,
                _machine(b) != _machine(n),
                "calls",
                len(bs),
                len(ns),
                ALPHA,
            )
        )
    return out


def _per_process(r: Result) -> bool:
    return r.processes is not None and len(r.processes.latency_p50_ms) >= 2


def _on_processes(
    name: str, b: Result, n: Result, threshold_pct: float, rng: np.random.Generator
) -> Comparison:
    """asv's rule on per-process values: the medians' change beyond the threshold and
    Mann-Whitney p < ASV_ALPHA; intervals bootstrapped over the processes."""
    bp, np_ = b.processes, n.processes
    assert bp is not None and np_ is not None  # _per_process said so
    b50, n50 = bp.latency_p50_ms, np_.latency_p50_ms
    bt, nt = bp.throughput_ops_s, np_.throughput_ops_s
    p50 = (float(np.median(n50)) / float(np.median(b50)) - 1.0) * 100.0
    ops = (float(np.median(nt)) / float(np.median(bt)) - 1.0) * 100.0
    p_value = mann_whitney(b50, n50)
    verdict = "no significant change"
    if p_value < ASV_ALPHA and abs(p50) > threshold_pct:
        verdict = "slower" if p50 > 0 else "faster"
    return Comparison(
        name,
        float(np.median(bt)),
        float(np.median(nt)),
        ops,
        _bootstrap_ratio(bt, nt, np.median, rng),
        float(np.median(b50)),
        float(np.median(n50)),
        float(np.median(bp.latency_p99_ms)),
        float(np.median(np_.latency_p99_ms)),
        p50,
        _bootstrap_ratio(b50, n50, np.median, rng),
        p_value,
        verdict,
        _machine(b) != _machine(n),
        "processes",
        len(b50),
        len(n50),
        ASV_ALPHA,
    )


def unmatched(base: dict[str, Result], new: dict[str, Result]) -> tuple[list[str], list[str]]:
    """Names only in BASE, names only in NEW."""
    return sorted(set(base) - set(new)), sorted(set(new) - set(base))


def regressions(comparisons: Sequence[Comparison]) -> list[Comparison]:
    return [c for c in comparisons if c.verdict == "slower"]


def format_table(comparisons: Sequence[Comparison]) -> list[str]:
    """The comparison as text lines (the command prints them)."""
    head = (
        f"{'configuration':<34} {'base ops/s':>11} {'new ops/s':>11} {'change':>8} "
        f"{'95% CI':>17} {'base p50':>9} {'new p50':>9} {'p50 chg':>8} {'p':>7}  verdict"
    )
    lines = [head, "-" * len(head)]
    tests = sorted({c.test for c in comparisons})
    for c in comparisons:
        ci = "" if c.ops_ci_pct is None else f"[{c.ops_ci_pct[0]:+.1f}, {c.ops_ci_pct[1]:+.1f}]"
        flag = " (machines differ)" if c.machines_differ else ""
        lines.append(
            f"{c.name[:34]:<34} {c.base_ops_s:>11,.1f} {c.new_ops_s:>11,.1f} "
            f"{c.ops_change_pct:>+7.1f}% {ci:>17} {c.base_p50_ms:>9.3f} "
            f"{c.new_p50_ms:>9.3f} {c.p50_change_pct:>+7.1f}% {c.p_value:>7.3f}  "
            f"{c.verdict}{flag}"
        )
    lines += [f"test: {t}" for t in tests]
    spread = [
        (c.p50_ci_pct[1] - c.p50_ci_pct[0]) / 2 for c in comparisons if c.samples == "processes"
    ]
    if spread:
        lines.append(
            f"smallest change it can call at this size: beyond the threshold and "
            f"outside the ratio's 95 % interval, about +/-{float(np.median(spread)):.1f} "
            f"% here (median half-width over {len(spread)} configuration(s))"
        )
    return lines


def frame(comparisons: Sequence[Comparison]) -> Any:
    """The comparison as a table for the notebook (one row per configuration)."""
    import pandas as pd

    rows = []
    for c in comparisons:
        rows.append(
            {
                "configuration": c.name,
                "base ops/s": round(c.base_ops_s, 1),
                "new ops/s": round(c.new_ops_s, 1),
                "throughput change %": round(c.ops_change_pct, 1),
                "95% CI %": None
                if c.ops_ci_pct is None
                else f"[{c.ops_ci_pct[0]:+.1f}, {c.ops_ci_pct[1]:+.1f}]",
                "base p50 ms": round(c.base_p50_ms, 3),
                "new p50 ms": round(c.new_p50_ms, 3),
                "p50 change %": round(c.p50_change_pct, 1),
                "p50 95% CI %": f"[{c.p50_ci_pct[0]:+.1f}, {c.p50_ci_pct[1]:+.1f}]",
                "base p99 ms": round(c.base_p99_ms, 3),
                "new p99 ms": round(c.new_p99_ms, 3),
                "Mann-Whitney p": round(c.p_value, 4),
                "verdict": c.verdict,
                "samples": f"{c.base_n} / {c.new_n} {c.samples}",
                "machines differ": "yes" if c.machines_differ else "",
            }
        )
    return pd.DataFrame(rows)


def figure(comparisons: Sequence[Comparison]) -> Any:
    """The p50 change of each configuration with its 95 % interval, the threshold shaded."""
    from agentmem_lab.report.plotting import pyplot

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8, max(2.5, 0.28 * len(comparisons) + 1)))
    colors = {"slower": "#d62728", "faster": "#2ca02c", "no significant change": "#7f7f7f"}
    for y, c in enumerate(comparisons):
        ax.errorbar(
            c.p50_change_pct,
            y,
            xerr=[[c.p50_change_pct - c.p50_ci_pct[0]], [c.p50_ci_pct[1] - c.p50_change_pct]],
            fmt="o",
            color=colors[c.verdict],
            markersize=4,
        )
    ax.set_yticks(range(len(comparisons)))
    ax.set_yticklabels([c.name for c in comparisons], fontsize=6)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel("call latency p50 change, % (95 % interval); right is slower")
    ax.invert_yaxis()
    ax.grid(True, axis="x", alpha=0.3)
    fig.tight_layout()
    return fig


def summary_html(
    comparisons: Sequence[Comparison],
    base: str,
    new: str,
    only_base: Sequence[str],
    only_new: Sequence[str],
    threshold_pct: float,
) -> str:
    """The answer first: how many configurations got slower, faster, or did not change."""
    counts = {
        v: sum(c.verdict == v for c in comparisons)
        for v in ("slower", "faster", "no significant change")
    }
    slower = ", ".join(c.name for c in comparisons if c.verdict == "slower")
    text = (
        f"{len(comparisons)} configurations compared (BASE {base}, NEW {new}; a change is "
        f"one beyond {threshold_pct:g} % of the call p50 with Mann-Whitney p < {ALPHA} on "
        f"the calls, or p < {ASV_ALPHA} on per-process values): "
        f"{counts['slower']} slower, {counts['faster']} faster, "
        f"{counts['no significant change']} without significant change. Tests: "
        + "; ".join(sorted({c.test for c in comparisons}))
        + "."
    )
    if slower:
        text += f" Slower: {slower}."
    if any(c.machines_differ for c in comparisons):
        text += " The two sides ran on different machines: a change is not only the code's."
    if only_base or only_new:
        text += (
            f" Only in BASE: {', '.join(only_base) or 'none'}; only in NEW: "
            f"{', '.join(only_new) or 'none'}."
        )
    return f"<p>{html.escape(text)}</p>"
