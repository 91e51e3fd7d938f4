"""The seed's claims as data: data/targets.toml loaded into frozen, checked dataclasses.

A ``Claim`` is one numeric claim of the seed with the line it comes from and the target
value it states; ``SeedClaim`` is one row of the seed's comparison table as printed;
``Catalogue`` holds both and the gate's settings.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from agentmem_lab.core.errors import ConfigError
from agentmem_lab.core.paths import data_file, read_toml

METRICS = {
    "throughput_ops_s": "higher",
    "latency_p50_ms": "lower",
    "speedup": "higher",
    "embed_latency_ms": "lower",
}
#: The kinds of claim: a figure of one configuration, a speed-up of one configuration over
#: another, a speed-up of one stage measured alone, a rate sustained under a latency
#: objective (from capacity searches), and a prediction of future work.
KINDS = ("absolute", "ratio", "stage", "sustained", "prediction")
STAGES = ("embed", "writes")
#: The seed's own modes (its design); bulk is this project's.
SEED_MODES = ("sequential", "parallel", "batch")
#: The families of claims, each one row of the report's verdict table, in its order: (key,
#: the row's name in the seed's words). A claim names its family (``family``); one claim of
#: each is its ``headline``, whose figures the row shows.
FAMILIES = (
    ("phase1-sustained", "Phase 1 goal, sustained"),
    ("phase1", "Phase 1 goal, closed loop"),
    ("baseline", "The baseline: sequential writes"),
    ("task11", "Task 1.1: parallel writes"),
    ("task12", "Task 1.2: batch writes"),
    ("embedding", "Task 1.2: batch embedding, the embedder alone"),
    ("stages", "Task 1.2: parallel store writes, the stores alone"),
    ("future", "Predictions: Task 1.3 and Phase 2 (not done)"),
    ("other", "Other claims"),
)


def default_targets_path() -> Path:
    return data_file("targets.toml")


@dataclass(frozen=True)
class Claim:
    """One numeric claim of the seed, with the line it comes from.

    - absolute: ``metric`` of the configuration (``mode``, ``batch_size``, ``concurrency``);
    - ratio: a speed-up of that configuration ``over`` another (``{mode, batch_size,
      concurrency}``): throughput over throughput, or latency under latency. ``reading``
      says which baseline was taken, the seed's stated one or the one its numbers imply;
    - stage: a speed-up (or a latency) of one stage measured alone (``stages``): ``embed``
      (``embed_batch`` of ``texts`` against single embeds) or ``writes`` (parallel against
      sequential store writes, the embedding taken out);
    - sustained: a throughput kept with response-time p99 at most ``slo_p99_ms`` under
      offered load: the best maximum sustainable throughput of the capacity searches
      (``capacity``) of the group's embedder (and modes, where they are narrowed);
    - prediction: future work the seed does not claim to have reached: no verdict, only
      what the bench measured that bears on it (``bears_on``).

    ``high``: the top of a claimed range (``target`` its low end); a range is met at or
    above its low end (``met_when = "at_least"``, how the seed's ranges read) or inside it
    (``"inside"``).
    """

    id: str
    claim: str
    seed_line: str
    metric: str
    target: float
    mode: str = "*"
    batch_size: int = 0  # 0: any
    concurrency: int | str = 1  # 1, or "max"
    high: float | None = None
    met_when: str = "at_least"
    over: dict[str, Any] | None = None
    stage: str | None = None
    texts: int = 0
    prediction: bool = False
    reading: str = ""
    bears_on: str = ""
    gate: bool = False
    slo_p99_ms: float | None = None  # a sustained claim's latency objective
    from_model: bool = True  # false: the seed states it as measured or expected, not derived
    family: str = "other"  # its row of the verdict table (FAMILIES)
    headline: bool = False  # the claim whose figures its family's row shows

    def __post_init__(self) -> None:
        def bad(text: str) -> ConfigError:
            return ConfigError("targets", f"{self.id}: {text}")

        if self.family not in dict(FAMILIES):
            raise bad(f"family must be one of {', '.join(dict(FAMILIES))}, got {self.family!r}")
        if self.metric not in METRICS:
            raise bad(f"metric must be one of {', '.join(METRICS)}, got {self.metric!r}")
        if not (
            self.concurrency == "max"
            or (isinstance(self.concurrency, int) and self.concurrency >= 1)
        ):
            raise bad('concurrency must be >= 1 or "max"')
        if self.target <= 0:
            raise bad("target must be > 0")
        if self.high is not None and self.high < self.target:
            raise bad("high must be at least target (the low end)")
        if self.met_when not in ("at_least", "inside"):
            raise bad('met_when must be "at_least" or "inside"')
        if self.stage is not None and self.stage not in STAGES:
            raise bad(f"stage must be one of {', '.join(STAGES)}")
        if self.stage == "embed" and self.texts < 1:
            raise bad("an embed stage names its texts")
        if self.over is not None and set(self.over) - {"mode", "batch_size", "concurrency"}:
            raise bad("over names mode, batch_size and concurrency only")
        if self.metric in ("speedup", "embed_latency_ms") and self.stage is None:
            raise bad(f"metric {self.metric} is a stage's")
        if self.over is not None and self.metric not in ("throughput_ops_s", "latency_p50_ms"):
            raise bad("a ratio compares throughput or latency")
        if self.slo_p99_ms is not None and (
            self.slo_p99_ms <= 0
            or self.over is not None
            or self.stage is not None
            or self.metric != "throughput_ops_s"
        ):
            raise bad("a sustained claim (slo_p99_ms > 0) is a throughput of no other kind")

    @property
    def kind(self) -> str:
        if self.prediction:
            return "prediction"
        if self.stage is not None:
            return "stage"
        if self.slo_p99_ms is not None:
            return "sustained"
        return "ratio" if self.over is not None else "absolute"

    @property
    def better(self) -> str:
        return "higher" if self.kind == "ratio" else METRICS[self.metric]

    @property
    def unit(self) -> str:
        if self.kind in ("ratio",) or self.metric == "speedup":
            return "x"
        return "ms" if self.metric in ("latency_p50_ms", "embed_latency_ms") else "ops/s"

    def claimed(self) -> str:
        """The claim's value as the seed states it: ``2-2.5x``, ``5,000-10,000 ops/s``."""

        def num(x: float) -> str:
            return f"{x:,.1f}".rstrip("0").rstrip(".") if x < 100 else f"{x:,.0f}"

        value = num(self.target) + ("" if self.high is None else f"-{num(self.high)}")
        value += "x" if self.unit == "x" else f" {self.unit}"
        if self.slo_p99_ms is not None:
            value += f" at p99 <= {num(self.slo_p99_ms)} ms"
        return value

    def covers(self, mode: object, batch_size: object) -> bool:
        """Whether a configuration of this mode and batch size is one the claim speaks of
        (mode ``*`` and batch size 0: any). The one filter of results, capacity searches
        and model configurations by claim."""
        return (self.mode == "*" or mode == self.mode) and (
            self.batch_size == 0 or batch_size == self.batch_size
        )

    def met(self, value: float) -> bool:
        if self.better == "lower":
            return value <= (self.high if self.high is not None else self.target)
        if self.high is not None and self.met_when == "inside":
            return self.target <= value <= self.high
        return value >= self.target

    def baseline(self) -> Claim:
        """The configuration a ratio is over, as a target of its own (for selection)."""
        assert self.over is not None
        return replace(
            self,
            id=f"{self.id}:over",
            over=None,
            mode=str(self.over.get("mode", self.mode)),
            batch_size=int(self.over.get("batch_size", self.batch_size)),
            concurrency=self.over.get("concurrency", self.concurrency),
        )


@dataclass(frozen=True)
class SeedClaim:
    """One row of the seed's comparison table, as printed."""

    row: str
    items: int
    latency_ms: float
    throughput_ops_s: float
    improvement: float = 0.0  # the table's improvement column (提升), as printed

    @property
    def item_latency_ms(self) -> float:
        return self.latency_ms / self.items

    @property
    def implied_ops_s(self) -> float:
        return self.items / (self.latency_ms / 1000.0)

    @property
    def consistent(self) -> bool:
        return abs(self.throughput_ops_s / self.implied_ops_s - 1.0) <= 0.05


@dataclass(frozen=True)
class Catalogue:
    claims: tuple[Claim, ...]
    seed_claims: tuple[SeedClaim, ...]
    gate_profile: str
    gate_embedder: str
    model_tolerance: float = 0.03  # a claim within this of its model is reproduced (rounding)
    calibration_tolerance: float = 0.03  # the simulated model's fastest call, against computed

    def family(self, key: str) -> tuple[Claim, ...]:
        """The claims of one family, its headline first."""
        members = [t for t in self.claims if t.family == key]
        return tuple(sorted(members, key=lambda t: not t.headline))


def _fraction(p: Path, data: dict[str, Any], table: str, default: float) -> float:
    value = float(data.get(table, {}).get("tolerance", default))
    if not 0 < value < 1:
        raise ConfigError("targets", f"{p}: {table}.tolerance must be within 0..1")
    return value


def load(path: str | Path | None = None) -> Catalogue:
    p = Path(path) if path is not None else default_targets_path()
    data = read_toml(p, "targets")
    try:
        claims = tuple(Claim(**t) for t in data.get("target", []))  # the file's [[target]]
        seed_claims = tuple(SeedClaim(**c) for c in data.get("seed_claim", []))
        gate = data.get("gate", {})
        return Catalogue(
            claims,
            seed_claims,
            gate.get("profile", "real"),
            gate.get("embedder", "hash"),
            _fraction(p, data, "model", 0.03),
            _fraction(p, data, "calibration", 0.03),
        )
    except TypeError as exc:
        raise ConfigError("targets", f"{p}: {exc}") from None
