"""Claims judged against the measurements: the result a claim is judged on, its verdict
(met or missed) per (profile, embedder) group, and the gate (``agentmem-lab check``)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from agentmem_lab.claims.catalogue import METRICS, Catalogue, Claim
from agentmem_lab.schema.result import Result, baseline


def metric_value(result: Result, metric: str) -> float:
    if metric == "throughput_ops_s":
        return result.throughput_ops_s
    return float(result.latency_ms["p50"])


def select(claim: Claim, results: Sequence[Result]) -> Result | None:
    """The result a claim is judged on, within one (profile, embedder) group."""
    pool = [r for r in results if claim.covers(r.mode, r.batch_size)]
    if claim.concurrency == "max":
        if pool:
            top = max(r.concurrency for r in pool)
            if claim.mode != "*":
                pool = [r for r in pool if r.concurrency == top]
    else:
        pool = [r for r in pool if r.concurrency == claim.concurrency]
    if not pool:
        return None
    better = METRICS[claim.metric]

    def key(r: Result) -> float:
        return metric_value(r, claim.metric)

    return max(pool, key=key) if better == "higher" else min(pool, key=key)


def speedup(metric: str, new: float, base: float) -> float:
    """How many times better ``new`` is than ``base``: throughput over throughput, or
    latency under latency."""
    return new / base if metric == "throughput_ops_s" else base / new


def stage_value(claim: Claim, stages: dict[str, Any] | None, embedder: str) -> float | None:
    """A stage claim's figure from ``stages.json`` (``stages``), for the group's embedder."""
    if not stages:
        return None
    if claim.stage == "writes":
        writes = stages.get("writes") or {}
        value = writes.get("speedup")
        return None if value is None else float(value)
    point = (stages.get("embed") or {}).get(embedder, {}).get(str(claim.texts))
    if not point:
        return None
    value = point["speedup"] if claim.metric == "speedup" else point["batch_ms"]
    return None if value is None else float(value)


@dataclass(frozen=True)
class Verdict:
    """A target judged against one group of real measurements: met or missed (a
    prediction: no verdict, only the figure that bears on it)."""

    target: Claim
    group: str  # "real:<embedder>"
    result: Result | None
    base: Result | None = None  # a ratio's baseline configuration
    value: float | None = None  # the figure judged (a ratio or a stage's; else the result's)
    source: str = ""  # a sustained claim's capacity search, by name

    @property
    def measured(self) -> float | None:
        if self.value is not None:
            return self.value
        if self.target.kind in ("ratio", "stage", "sustained"):
            return None
        return None if self.result is None else metric_value(self.result, self.target.metric)

    @property
    def ratio(self) -> float | None:
        m = self.measured
        return None if m is None else m / self.target.target

    @property
    def met(self) -> bool | None:
        m = self.measured
        if m is None or self.target.kind == "prediction":
            return None
        return self.target.met(m)

    @property
    def status(self) -> str:
        if self.target.kind == "prediction":
            return "prediction: no verdict"
        return {None: "no measurement", True: "met", False: "missed"}[self.met]

    @property
    def configurations(self) -> str:
        """What was measured: the result's name, over the baseline's for a ratio."""
        if self.target.kind == "stage":
            return (
                f"the {self.group.partition(':')[2]} embedder alone"
                if self.target.stage == "embed"
                else "the stores alone (embedding taken out)"
            )
        if self.target.kind == "sustained":
            return self.source or "-"
        if self.result is None:
            return "-"
        return self.result.name + ("" if self.base is None else f" over {self.base.name}")


def groups(results: Iterable[Result]) -> list[str]:
    """The groups of real measurements present, "real:<embedder>" (simulated results are
    the harness's calibration: see ``model_checks``)."""
    return sorted({f"{r.profile}:{r.embedder}" for r in results if r.profile != "simulated"})


def in_group(result: Result, group: str) -> bool:
    profile, _, embedder = group.partition(":")
    return result.profile == profile and result.embedder == embedder


def sustained_value(
    t: Claim, capacities: Sequence[dict[str, Any]], group: str, modes: Sequence[str] | None = None
) -> tuple[float | None, str]:
    """A sustained claim's figure: the best maximum sustainable throughput among the
    capacity searches of the group (profile and embedder; ``modes`` where narrowed) whose
    objective is at most the claim's, and the search's name."""
    profile, _, embedder = group.partition(":")
    assert t.slo_p99_ms is not None
    pool = [
        c
        for c in capacities
        if c.get("profile") == profile
        and c.get("embedder") == embedder
        and c.get("system", "agentmem") == "agentmem"
        and float(c.get("slo_p99_ms", math.inf)) <= t.slo_p99_ms
        and (modes is None or c.get("mode") in modes)
        and t.covers(c.get("mode"), c.get("batch_size"))
    ]
    if not pool:
        return None, ""
    best = max(pool, key=lambda c: c.get("max_sustainable_ops_s") or 0.0)
    value = best.get("max_sustainable_ops_s")
    return (0.0 if value is None else float(value)), str(best.get("name", ""))


def judge(
    t: Claim,
    members: Sequence[Result],
    group: str,
    stages: dict[str, Any] | None = None,
    capacities: Sequence[dict[str, Any]] = (),
    modes: Sequence[str] | None = None,
) -> Verdict:
    """One target against one group's results (and the stage figures and capacity
    searches)."""
    if t.kind == "sustained":
        value, source = sustained_value(t, capacities, group, modes)
        return Verdict(t, group, None, value=value, source=source)
    if t.kind == "stage":
        return Verdict(t, group, None, value=stage_value(t, stages, group.partition(":")[2]))
    if t.kind == "prediction":
        best = max(members, key=lambda r: r.throughput_ops_s, default=None)
        return Verdict(t, group, best, value=None if best is None else best.throughput_ops_s)
    r = select(t, members)
    if t.kind == "absolute":
        return Verdict(t, group, r)
    b = select(t.baseline(), members)
    value = (
        None
        if r is None or b is None
        else speedup(t.metric, metric_value(r, t.metric), metric_value(b, t.metric))
    )
    return Verdict(t, group, r, b, value)


def evaluate(
    catalogue: Catalogue,
    results: Sequence[Result],
    stages: dict[str, Any] | None = None,
    modes: Sequence[str] | None = None,
    capacities: Sequence[dict[str, Any]] = (),
) -> list[Verdict]:
    """Verdicts per group of real measurements, on the results with default store settings
    (frontier variants of the index settings are shown beside, not judged). ``modes``: judge
    on those modes' results alone (``SEED_MODES``: the seed's own design). ``capacities``:
    the capacity searches the sustained claims are judged on."""
    results = [r for r in baseline(results) if modes is None or r.mode in modes]
    out = []
    for group in groups(results):
        members = [r for r in results if in_group(r, group)]
        for t in catalogue.claims:
            out.append(judge(t, members, group, stages, capacities, modes))
    return out


def gate_group(catalogue: Catalogue) -> str:
    return f"{catalogue.gate_profile}:{catalogue.gate_embedder}"


def gate_failures(catalogue: Catalogue, verdicts: Sequence[Verdict]) -> list[Verdict]:
    """Gating targets not met (or not measured) in the gate group."""
    group = gate_group(catalogue)
    gating = [t for t in catalogue.claims if t.gate]
    judged = {v.target.id: v for v in verdicts if v.group == group}
    failures = []
    for t in gating:
        v = judged.get(t.id, Verdict(t, group, None))
        if v.met is not True:
            failures.append(v)
    return failures
