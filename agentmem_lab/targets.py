"""The seed's phase targets (data/targets.toml) and their verdicts against results.

The catalogue is data: frozen dataclasses checked on construction. ``evaluate`` sets each
target beside the simulated profile's measurement (the seed's own latency model) and the
real measurement of each embedder, with a verdict and measured / target.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

from .errors import ConfigError
from .paths import data_file, read_toml
from .results import Result, baseline

METRICS = {"throughput_ops_s": "higher", "latency_p50_ms": "lower"}


def default_targets_path() -> Path:
    return data_file("targets.toml")


@dataclass(frozen=True)
class Target:
    id: str
    claim: str
    seed_line: str
    mode: str
    batch_size: int  # 0 with mode "*": any
    concurrency: int | str  # 1, or "max"
    metric: str
    target: float
    gate: bool = False

    def __post_init__(self) -> None:
        if self.metric not in METRICS:
            raise ConfigError("targets", f"{self.id}: metric must be one of "
                                         f"{', '.join(METRICS)}, got {self.metric!r}")
        if not (self.concurrency == "max" or (isinstance(self.concurrency, int)
                                               and self.concurrency >= 1)):
            raise ConfigError("targets", f"{self.id}: concurrency must be >= 1 or \"max\"")
        if self.target <= 0:
            raise ConfigError("targets", f"{self.id}: target must be > 0")

    @property
    def better(self) -> str:
        return METRICS[self.metric]

    def met(self, value: float) -> bool:
        return value >= self.target if self.better == "higher" else value <= self.target


@dataclass(frozen=True)
class SeedClaim:
    """One row of the seed's comparison table, as printed."""

    row: str
    items: int
    latency_ms: float
    throughput_ops_s: float

    @property
    def implied_ops_s(self) -> float:
        return self.items / (self.latency_ms / 1000.0)

    @property
    def consistent(self) -> bool:
        return abs(self.throughput_ops_s / self.implied_ops_s - 1.0) <= 0.05


@dataclass(frozen=True)
class Catalogue:
    targets: tuple[Target, ...]
    seed_claims: tuple[SeedClaim, ...]
    gate_profile: str
    gate_embedder: str
    simulated_tolerance: float = 0.10


def load(path: str | Path | None = None) -> Catalogue:
    p = Path(path) if path is not None else default_targets_path()
    data = read_toml(p, "targets")
    try:
        targets = tuple(Target(**t) for t in data.get("target", []))
        claims = tuple(SeedClaim(**c) for c in data.get("seed_claim", []))
        gate = data.get("gate", {})
        tolerance = float(data.get("simulated", {}).get("tolerance", 0.10))
        if not 0 < tolerance < 1:
            raise ConfigError("targets", f"{p}: simulated.tolerance must be within 0..1")
        return Catalogue(targets, claims, gate.get("profile", "real"),
                         gate.get("embedder", "hash"), tolerance)
    except TypeError as exc:
        raise ConfigError("targets", f"{p}: {exc}") from None


def metric_value(result: Result, metric: str) -> float:
    if metric == "throughput_ops_s":
        return result.throughput_ops_s
    return float(result.latency_ms["p50"])


def select(target: Target, results: Sequence[Result]) -> Result | None:
    """The result a target is judged on, within one (profile, embedder) group."""
    pool = [r for r in results if (target.mode == "*" or r.mode == target.mode)
            and (target.batch_size == 0 or r.batch_size == target.batch_size)]
    if target.concurrency == "max":
        if pool:
            top = max(r.concurrency for r in pool)
            if target.mode != "*":
                pool = [r for r in pool if r.concurrency == top]
    else:
        pool = [r for r in pool if r.concurrency == target.concurrency]
    if not pool:
        return None
    key = (lambda r: metric_value(r, target.metric))
    return max(pool, key=key) if target.better == "higher" else min(pool, key=key)


@dataclass(frozen=True)
class Verdict:
    """A target judged in one group. In the real groups: met or missed. In the simulated
    group (the seed's own latency model, measured): reproduced when the measurement is
    within ``tolerance`` of the claim, else not reproduced."""

    target: Target
    group: str  # "simulated" or "real:<embedder>"
    result: Result | None
    tolerance: float = 0.10

    @property
    def measured(self) -> float | None:
        return None if self.result is None else metric_value(self.result, self.target.metric)

    @property
    def ratio(self) -> float | None:
        m = self.measured
        return None if m is None else m / self.target.target

    @property
    def met(self) -> bool | None:
        m = self.measured
        if m is None:
            return None
        if self.group == "simulated":
            return abs(m / self.target.target - 1.0) <= self.tolerance
        return self.target.met(m)

    @property
    def status(self) -> str:
        if self.group == "simulated":
            return {None: "no measurement", True: "reproduced",
                    False: "not reproduced"}[self.met]
        return {None: "no measurement", True: "met", False: "missed"}[self.met]


def groups(results: Iterable[Result]) -> list[str]:
    """The comparison groups present: "simulated" first, then "real:<embedder>"."""
    names = {("simulated" if r.profile == "simulated" else f"{r.profile}:{r.embedder}")
             for r in results}
    return sorted(names, key=lambda g: (g != "simulated", g))


def in_group(result: Result, group: str) -> bool:
    if group == "simulated":
        return result.profile == "simulated"
    profile, _, embedder = group.partition(":")
    return result.profile == profile and result.embedder == embedder


def evaluate(catalogue: Catalogue, results: Sequence[Result]) -> list[Verdict]:
    """Verdicts per group, on the results with default store settings (frontier variants
    of the index settings are shown beside, not judged)."""
    results = baseline(results)
    out = []
    for group in groups(results):
        members = [r for r in results if in_group(r, group)]
        for t in catalogue.targets:
            out.append(Verdict(t, group, select(t, members), catalogue.simulated_tolerance))
    return out


def gate_group(catalogue: Catalogue) -> str:
    return f"{catalogue.gate_profile}:{catalogue.gate_embedder}"


def gate_failures(catalogue: Catalogue, verdicts: Sequence[Verdict]) -> list[Verdict]:
    """Gating targets not met (or not measured) in the gate group."""
    group = gate_group(catalogue)
    gating = [t for t in catalogue.targets if t.gate]
    judged = {v.target.id: v for v in verdicts if v.group == group}
    failures = []
    for t in gating:
        v = judged.get(t.id, Verdict(t, group, None))
        if v.met is not True:
            failures.append(v)
    return failures


def format_table(catalogue: Catalogue, verdicts: Sequence[Verdict]) -> list[str]:
    """The target table as text lines (for ``agentmem-lab check``)."""
    lines = [f"{'target':<24} {'group':<18} {'claim':>10} {'measured':>12} {'ratio':>7}  verdict"]
    for v in verdicts:
        m = "-" if v.measured is None else f"{v.measured:,.1f}"
        ratio = "-" if v.ratio is None else f"{v.ratio:.2f}"
        gate = " (gate)" if v.target.gate and v.group == gate_group(catalogue) else ""
        lines.append(f"{v.target.id:<24} {v.group:<18} {v.target.target:>10,.0f} {m:>12} "
                     f"{ratio:>7}  {v.status}{gate}")
    return lines
