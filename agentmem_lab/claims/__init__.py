"""The seed's claims (data/targets.toml) and their verdicts against results.

The catalogue is data: frozen dataclasses checked on construction. Each claim is judged
twice, and the two are kept apart:

- ``model_checks``: the claim against the seed's own latency model, *computed*
  (``seedmodel``): "reproduced" when the model gives the claim, "contradicts its own model"
  when it does not, "not from the model" for figures the seed states as measured or
  expected rather than derived. Beside it, the same model *measured* under the simulated
  profile: that is the harness's calibration, and a simulated figure off the computed model
  is the harness's problem ("harness problem"), never the seed's;
- ``evaluate``: the claim against each real measurement (met or missed).

Modules: ``catalogue`` (the claims as data), ``verdicts`` (judged against measurements, and
the gate), ``seedcheck`` (against the seed's own model) and ``text`` (lines for the CLI).
"""

from agentmem_lab.claims.catalogue import (
    FAMILIES,
    KINDS,
    METRICS,
    SEED_MODES,
    STAGES,
    Catalogue,
    Claim,
    SeedClaim,
    default_targets_path,
    load,
)
from agentmem_lab.claims.seedcheck import ModelCheck, model_check, model_checks, stage_model
from agentmem_lab.claims.text import counts, format_model_table, format_table
from agentmem_lab.claims.verdicts import (
    Verdict,
    evaluate,
    gate_failures,
    gate_group,
    groups,
    in_group,
    judge,
    metric_value,
    select,
    speedup,
    stage_value,
    sustained_value,
)

__all__ = [
    "FAMILIES",
    "KINDS",
    "METRICS",
    "SEED_MODES",
    "STAGES",
    "Catalogue",
    "Claim",
    "ModelCheck",
    "SeedClaim",
    "Verdict",
    "counts",
    "default_targets_path",
    "evaluate",
    "format_model_table",
    "format_table",
    "gate_failures",
    "gate_group",
    "groups",
    "in_group",
    "judge",
    "load",
    "metric_value",
    "model_check",
    "model_checks",
    "select",
    "speedup",
    "stage_model",
    "stage_value",
    "sustained_value",
]
