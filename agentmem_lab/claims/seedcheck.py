"""Each claim against the seed's own latency model: computed (``seedmodel``) and, under
the simulated profile, measured (the harness's calibration).

"reproduced" when the model gives the claim, "contradicts its own model" when it does not,
"not from the model" for figures the seed states as measured or expected; a simulated
figure off the computed model is the harness's problem ("harness problem"), never the
seed's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from agentmem_lab.claims.catalogue import METRICS, Catalogue, Claim
from agentmem_lab.claims.verdicts import metric_value, speedup
from agentmem_lab.core import seedmodel
from agentmem_lab.core.seedmodel import MODE_ORDER
from agentmem_lab.core.stats import split_sizes
from agentmem_lab.schema.result import Result, baseline


def stage_model(claim: Claim) -> float:
    """A stage claim's figure in the seed's own model: batch embedding against single
    embeds (its EMBED_POINTS), or parallel against sequential writes (its store latencies)."""
    if claim.stage == "writes":
        writes = seedmodel.STORE_LATENCY_MS.values()
        return sum(writes) / max(writes)
    n = claim.texts
    if claim.metric == "embed_latency_ms":
        return seedmodel.embed_latency_ms(n)
    return n * seedmodel.embed_latency_ms(1) / seedmodel.embed_latency_ms(n)


@dataclass(frozen=True)
class ModelCheck:
    """One claim against the seed's model: computed (the verdict on the claim) and measured
    under the simulated profile (the harness's calibration, for a configuration's figure)."""

    target: Claim
    prediction: seedmodel.Prediction | None  # the model at the configuration judged
    simulated: Result | None  # the simulated run of that configuration, if any
    model_tolerance: float = 0.03
    calibration_tolerance: float = 0.03
    value: float | None = None  # a ratio's or stage's figure in the model
    where: str = ""  # what the model was computed at
    simulated_value: float | None = None  # a ratio under the simulated profile

    @property
    def for_run(self) -> seedmodel.Prediction | None:
        """The model applied to the simulated run's own shape (its calls in its repeats):
        what the harness must reproduce. A run of 3 calls in 3 repeats keeps one client
        busy whatever its concurrency."""
        if self.simulated is None or self.prediction is None or self.target.kind != "absolute":
            return None
        r = self.simulated

        return self.prediction.for_run(split_sizes(-(-r.items // r.batch_size), r.repeats))

    @property
    def computed(self) -> float | None:
        if self.value is not None:
            return self.value
        if self.prediction is None or self.target.kind != "absolute":
            return None
        return self.prediction.metric(self.target.metric)

    @property
    def status(self) -> str:
        """The verdict on the claim, against its own model computed."""
        t = self.target
        if t.kind == "prediction":
            return "prediction of future work"
        if not t.from_model:
            return "not from the model"
        c = self.computed
        assert c is not None
        low, high = t.target, t.high if t.high is not None else t.target
        tol = self.model_tolerance
        if low * (1 - tol) <= c <= high * (1 + tol):
            return "reproduced"
        return "contradicts its own model"

    @property
    def measured(self) -> float | None:
        if self.target.kind == "ratio":
            return self.simulated_value
        if self.simulated is None or self.target.kind != "absolute":
            return None
        return metric_value(self.simulated, self.target.metric)

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
        if self.simulated is None or self.prediction is None or self.target.kind != "absolute":
            return None
        fastest = self.simulated.latency_ms.get("min", min(self.simulated.samples_ms))
        return float(fastest) / self.prediction.latency_ms - 1.0

    @property
    def calibration(self) -> str:
        e = self.calibration_error
        if e is None:
            return "not simulated"
        return "calibrated" if abs(e) <= self.calibration_tolerance else "harness problem"


def _model_config(claim: Claim, results: Sequence[Result]) -> tuple[str, int, int]:
    """The configuration a claim's model is computed at: the claim's own, with "max"
    concurrency and "*" mode resolved over the configurations measured (simulated first)."""
    simulated = [r for r in results if r.profile == "simulated"]
    pool = [r for r in (simulated or list(results)) if claim.covers(r.mode, r.batch_size)]
    if claim.concurrency == "max":
        top = max((r.concurrency for r in pool), default=1)
        pool = [r for r in pool if r.concurrency == top]
        concurrency = top
    else:
        concurrency = int(claim.concurrency)
        pool = [r for r in pool if r.concurrency == concurrency]
    modes = MODE_ORDER if claim.mode == "*" else (claim.mode,)
    if claim.mode != "*" and claim.batch_size:
        return claim.mode, claim.batch_size, concurrency
    configs = {(r.mode, r.batch_size, r.concurrency) for r in pool} or {
        (m, b, concurrency) for m in modes for b in (1, 10, 100, 1000)
    }
    better = METRICS[claim.metric]

    def key(c: tuple[str, int, int]) -> float:
        return seedmodel.predict(*c).metric(claim.metric)

    ordered = sorted(configs)  # ties (batch and bulk at 1,000 both take 600 ms) go one way
    return max(ordered, key=key) if better == "higher" else min(ordered, key=key)


def _simulated(results: Sequence[Result], config: tuple[str, int, int]) -> Result | None:
    mode, batch, concurrency = config
    found = [
        r
        for r in results
        if r.profile == "simulated"
        and r.mode == mode
        and r.batch_size == batch
        and r.concurrency == concurrency
    ]
    return found[0] if found else None


def model_check(catalogue: Catalogue, t: Claim, results: Sequence[Result]) -> ModelCheck:
    """One target against the seed's model, computed and (where simulated) measured."""
    tol = (catalogue.model_tolerance, catalogue.calibration_tolerance)
    if t.kind == "prediction":
        return ModelCheck(t, None, None, *tol, where="future work: no model figure")
    if t.kind == "sustained":
        return ModelCheck(
            t, None, None, *tol, where="the model has no queueing: it gives no sustained rate"
        )
    if t.kind == "stage":
        where = (
            f"{t.texts} texts: {t.texts} x {seedmodel.embed_latency_ms(1):g} ms against "
            f"{seedmodel.embed_latency_ms(t.texts):g} ms"
            if t.stage == "embed"
            else "writes: sum of the stores' latencies over the slowest"
        )
        return ModelCheck(t, None, None, *tol, value=stage_model(t), where=where)
    config = _model_config(t, results)
    p = seedmodel.predict(*config)
    where = f"{config[0]}-{config[1]}, c{config[2]}"
    if t.kind == "absolute":
        return ModelCheck(t, p, _simulated(results, config), *tol, where=where)
    base_config = _model_config(t.baseline(), results)
    b = seedmodel.predict(*base_config)
    value = speedup(t.metric, p.metric(t.metric), b.metric(t.metric))
    sim, sim_base = _simulated(results, config), _simulated(results, base_config)
    sim_value = (
        None
        if sim is None or sim_base is None
        else speedup(t.metric, metric_value(sim, t.metric), metric_value(sim_base, t.metric))
    )
    return ModelCheck(
        t,
        p,
        sim,
        *tol,
        value=value,
        simulated_value=sim_value,
        where=f"{where} over {base_config[0]}-{base_config[1]}, c{base_config[2]}",
    )


def model_checks(catalogue: Catalogue, results: Sequence[Result]) -> list[ModelCheck]:
    """Each target against the seed's model, computed and (where simulated) measured."""
    results = baseline(results)
    return [model_check(catalogue, t, results) for t in catalogue.claims]
