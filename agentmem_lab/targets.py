"""The seed's phase targets (data/targets.toml) and their verdicts against results.

The catalogue is data: frozen dataclasses checked on construction. Each target is judged
twice, and the two are kept apart:

- ``model_checks``: the claim against the seed's own latency model, *computed*
  (``seedmodel``): "reproduced" when the model gives the claim, "contradicts its own model"
  when it does not, "not from the model" for figures the seed states as measured or
  expected rather than derived. Beside it, the same model *measured* under the simulated
  profile: that is the harness's calibration, and a simulated figure off the computed model
  is the harness's problem ("harness problem"), never the seed's;
- ``evaluate``: the claim against each real measurement (met or missed).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

from . import seedmodel
from .errors import ConfigError
from .paths import data_file, read_toml
from .results import Result, baseline
from .stats import split_sizes

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
    from_model: bool = True  # false: the seed states it as measured or expected, not derived

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
    model_tolerance: float = 0.03  # a claim within this of its model is reproduced (rounding)
    calibration_tolerance: float = 0.03  # the simulated model's fastest call, against computed


def _fraction(p: Path, data: dict[str, Any], table: str, default: float) -> float:
    value = float(data.get(table, {}).get("tolerance", default))
    if not 0 < value < 1:
        raise ConfigError("targets", f"{p}: {table}.tolerance must be within 0..1")
    return value


def load(path: str | Path | None = None) -> Catalogue:
    p = Path(path) if path is not None else default_targets_path()
    data = read_toml(p, "targets")
    try:
        targets = tuple(Target(**t) for t in data.get("target", []))
        claims = tuple(SeedClaim(**c) for c in data.get("seed_claim", []))
        gate = data.get("gate", {})
        return Catalogue(targets, claims, gate.get("profile", "real"),
                         gate.get("embedder", "hash"), _fraction(p, data, "model", 0.03),
                         _fraction(p, data, "calibration", 0.03))
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
    """A target judged against one group of real measurements: met or missed."""

    target: Target
    group: str  # "real:<embedder>"
    result: Result | None

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
        return None if m is None else self.target.met(m)

    @property
    def status(self) -> str:
        return {None: "no measurement", True: "met", False: "missed"}[self.met]


def groups(results: Iterable[Result]) -> list[str]:
    """The groups of real measurements present, "real:<embedder>" (simulated results are
    the harness's calibration: see ``model_checks``)."""
    return sorted({f"{r.profile}:{r.embedder}" for r in results if r.profile != "simulated"})


def in_group(result: Result, group: str) -> bool:
    profile, _, embedder = group.partition(":")
    return result.profile == profile and result.embedder == embedder


def evaluate(catalogue: Catalogue, results: Sequence[Result]) -> list[Verdict]:
    """Verdicts per group of real measurements, on the results with default store settings
    (frontier variants of the index settings are shown beside, not judged)."""
    results = baseline(results)
    out = []
    for group in groups(results):
        members = [r for r in results if in_group(r, group)]
        for t in catalogue.targets:
            out.append(Verdict(t, group, select(t, members)))
    return out


@dataclass(frozen=True)
class ModelCheck:
    """One claim against the seed's model: computed (the verdict on the claim) and measured
    under the simulated profile (the harness's calibration)."""

    target: Target
    prediction: seedmodel.Prediction  # the model at the configuration judged
    simulated: Result | None  # the simulated run of that configuration, if any
    model_tolerance: float = 0.03
    calibration_tolerance: float = 0.03

    @property
    def for_run(self) -> seedmodel.Prediction | None:
        """The model applied to the simulated run's own shape (its calls in its repeats):
        what the harness must reproduce. A run of 3 calls in 3 repeats keeps one client
        busy whatever its concurrency."""
        if self.simulated is None:
            return None
        r = self.simulated

        return self.prediction.for_run(split_sizes(-(-r.items // r.batch_size), r.repeats))

    @property
    def computed(self) -> float:
        return self.prediction.metric(self.target.metric)

    @property
    def status(self) -> str:
        """The verdict on the claim, against its own model computed."""
        if not self.target.from_model:
            return "not from the model"
        if abs(self.target.target / self.computed - 1.0) <= self.model_tolerance:
            return "reproduced"
        return "contradicts its own model"

    @property
    def measured(self) -> float | None:
        return None if self.simulated is None else metric_value(self.simulated,
                                                                self.target.metric)

    @property
    def overhead(self) -> float | None:
        """Measured minus the model computed for the simulated run, in the metric's unit:
        what the harness adds (latency) or takes away (throughput)."""
        m, p = self.measured, self.for_run
        return None if m is None or p is None else m - p.metric(self.target.metric)

    @property
    def calibration_error(self) -> float | None:
        """The simulated run's fastest call against the model's call latency, as a fraction
        (the fastest call: a loaded machine slows some calls, not the harness's floor)."""
        if self.simulated is None:
            return None
        fastest = self.simulated.latency_ms.get("min", min(self.simulated.samples_ms))
        return float(fastest) / self.prediction.latency_ms - 1.0

    @property
    def calibration(self) -> str:
        e = self.calibration_error
        if e is None:
            return "not simulated"
        return "calibrated" if abs(e) <= self.calibration_tolerance else "harness problem"


def _model_config(target: Target, results: Sequence[Result]) -> tuple[str, int, int]:
    """The configuration a target's model is computed at: the target's own, with "max"
    concurrency and "*" mode resolved over the configurations measured (simulated first)."""
    simulated = [r for r in results if r.profile == "simulated"]
    pool = [r for r in (simulated or list(results))
            if (target.mode == "*" or r.mode == target.mode)
            and (target.batch_size == 0 or r.batch_size == target.batch_size)]
    if target.concurrency == "max":
        top = max((r.concurrency for r in pool), default=1)
        pool = [r for r in pool if r.concurrency == top]
        concurrency = top
    else:
        concurrency = int(target.concurrency)
        pool = [r for r in pool if r.concurrency == concurrency]
    if target.mode != "*":
        return target.mode, target.batch_size or 1, concurrency
    configs = {(r.mode, r.batch_size, r.concurrency) for r in pool} or {
        (m, b, concurrency) for m in ("sequential", "parallel", "batch", "bulk")
        for b in (1, 10, 100, 1000)}
    key = (lambda c: seedmodel.predict(*c).metric(target.metric))
    ordered = sorted(configs)  # ties (batch and bulk at 1,000 both take 600 ms) go one way
    return max(ordered, key=key) if target.better == "higher" else min(ordered, key=key)


def model_checks(catalogue: Catalogue, results: Sequence[Result]) -> list[ModelCheck]:
    """Each target against the seed's model, computed and (where simulated) measured."""
    results = baseline(results)
    out = []
    for t in catalogue.targets:
        mode, batch, concurrency = _model_config(t, results)
        simulated = [r for r in results if r.profile == "simulated" and r.mode == mode
                     and r.batch_size == batch and r.concurrency == concurrency]
        out.append(ModelCheck(t, seedmodel.predict(mode, batch, concurrency),
                              simulated[0] if simulated else None, catalogue.model_tolerance,
                              catalogue.calibration_tolerance))
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


def format_model_table(checks: Sequence[ModelCheck]) -> list[str]:
    """The claims against the seed's model as text lines (for ``agentmem-lab check``)."""
    lines = [f"{'target':<24} {'claim':>10} {'model':>10}  {'verdict on the claim':<26} "
             f"{'run model':>10} {'simulated':>10} {'overhead':>9}  calibration"]
    for c in checks:
        sim = "-" if c.measured is None else f"{c.measured:,.1f}"
        over = "-" if c.overhead is None else f"{c.overhead:+,.1f}"
        run = "-" if c.for_run is None else f"{c.for_run.metric(c.target.metric):,.1f}"
        cal = c.calibration
        if c.calibration_error is not None:
            cal += f" (fastest call {c.calibration_error:+.1%})"
        lines.append(f"{c.target.id:<24} {c.target.target:>10,.0f} {c.computed:>10,.1f}  "
                     f"{c.status:<26} {run:>10} {sim:>10} {over:>9}  {cal}")
    return lines


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
