"""The claims as text lines and counts, for ``agentmem-lab check`` and the report."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agentmem_lab.claims.catalogue import Catalogue
from agentmem_lab.claims.seedcheck import ModelCheck
from agentmem_lab.claims.verdicts import Verdict, gate_group


def format_model_table(checks: Sequence[ModelCheck]) -> list[str]:
    """The claims against the seed's model as text lines (for ``agentmem-lab check``), each
    claim's id with the seed's words at the end of its line."""
    lines = [
        f"{'target':<30} {'kind':<10} {'claim':>16} {'model':>10}  "
        f"{'verdict on the claim':<26} {'simulated':>10} {'overhead':>9}  "
        f"{'calibration':<34} the seed's words"
    ]
    for c in checks:
        sim = "-" if c.measured is None else f"{c.measured:,.2f}"
        over = "-" if c.overhead is None else f"{c.overhead:+,.1f}"
        computed = "-" if c.computed is None else f"{c.computed:,.2f}"
        cal = c.calibration
        if c.calibration_error is not None:
            cal += f" (fastest call {c.calibration_error:+.1%})"
        lines.append(
            f"{c.target.id:<30} {c.target.kind:<10} {c.target.claimed():>16} "
            f"{computed:>10}  {c.status:<26} {sim:>10} {over:>9}  {cal:<34} {c.target.claim}"
        )
    return lines


def format_table(catalogue: Catalogue, verdicts: Sequence[Verdict]) -> list[str]:
    """The target table as text lines (for ``agentmem-lab check``): each claim's id and its
    words in the seed, then one line per group of measurements."""
    lines = [f"    {'group':<12} {'claim':>16} {'measured':>12} {'ratio':>7}  verdict"]
    by: dict[str, list[Verdict]] = {}
    for v in verdicts:
        by.setdefault(v.target.id, []).append(v)
    for t in catalogue.claims:
        if t.id not in by:
            continue
        lines.append(f"{t.id}: {t.claim}")
        for v in by[t.id]:
            m = "-" if v.measured is None else f"{v.measured:,.2f}"
            ratio = "-" if v.ratio is None or t.kind == "prediction" else f"{v.ratio:.2f}"
            gate = " (gate)" if t.gate and v.group == gate_group(catalogue) else ""
            status = v.status
            if t.kind == "prediction" and v.measured is not None:
                status += f" (best measured: {v.configurations})"
            lines.append(f"    {v.group:<12} {t.claimed():>16} {m:>12} {ratio:>7}  {status}{gate}")
    return lines


def counts(checks: Sequence[ModelCheck], verdicts: Sequence[Verdict]) -> dict[str, Any]:
    """Every claim counted: against its own model, and met by the measurements per group."""
    out: dict[str, Any] = {"claims": len(checks)}
    for status in (
        "reproduced",
        "contradicts its own model",
        "not from the model",
        "prediction of future work",
    ):
        out[status] = sum(c.status == status for c in checks)
    met: dict[str, dict[str, int]] = {}
    for v in verdicts:
        if v.target.kind == "prediction":
            continue
        g = met.setdefault(v.group, {"met": 0, "missed": 0, "no measurement": 0})
        g[v.status] += 1
    out["measured"] = met
    return out
