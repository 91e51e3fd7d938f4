"""The report's tables and notes on the seed's claims: the speed-ups, every claim against its
model and the measurements, the seed's own table checked, the stages measured alone. Each
returns a pandas DataFrame or a line of text.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from agentmem_lab import claims
from agentmem_lab.schema.result import Result, baseline


def speedup_table(results: Sequence[Result]) -> Any:
    """Throughput over sequential batch 1 of the same profile, embedder and concurrency."""
    import pandas as pd

    results = baseline(results)
    base = {
        (r.profile, r.embedder, r.concurrency): r.throughput_ops_s
        for r in results
        if r.mode == "sequential" and r.batch_size == 1
    }
    rows = []
    for r in results:
        b = base.get((r.profile, r.embedder, r.concurrency))
        rows.append(
            {
                "configuration": r.name,
                "throughput ops/s": round(r.throughput_ops_s, 1),
                "sequential-1 ops/s": None if b is None else round(b, 1),
                "speedup": None if not b else round(r.throughput_ops_s / b, 2),
            }
        )
    return pd.DataFrame(rows)


def target_table(
    catalogue: claims.Catalogue,
    results: Sequence[Result],
    stages: dict[str, Any] | None = None,
    capacities: Sequence[dict[str, Any]] = (),
) -> Any:
    """The phase-target table: each claim (absolute, ratio, stage or prediction) beside
    (a) the seed's model computed, with the verdict on the claim, (b) the same model
    measured under the simulated profile and the harness overhead (measured minus computed)
    with the calibration status, and (c) each real measurement, met or missed, with
    measured / target (a prediction: the figure that bears on it, no verdict)."""
    import pandas as pd

    checks = {c.target.id: c for c in claims.model_checks(catalogue, results)}
    verdicts = claims.evaluate(catalogue, results, stages, capacities=capacities)
    groups = claims.groups(results)
    by = {(v.target.id, v.group): v for v in verdicts}
    rows = []
    for t in catalogue.claims:
        c = checks[t.id]
        unit = t.unit
        # the name, the measured values and their verdicts first: in view at 1,280 px
        row: dict[str, Any] = {"target": t.id, "claim (seed, predicted)": t.claim}
        row["claimed"] = t.claimed()
        judged_on = []
        for g in groups:
            v = by.get((t.id, g))
            label = f"measured {g}"
            if v is None or v.measured is None:
                row[label] = "no measurement"
            elif t.kind == "prediction":
                row[label] = f"best {v.measured:,.0f} ops/s; no verdict"
            elif t.kind == "absolute":
                row[label] = f"{v.measured:,.1f} ({v.ratio:.2f}x) {v.status}"
            else:
                assert v.ratio is not None
                row[label] = f"{v.measured:,.2f} {unit} ({v.ratio:.2f}x) {v.status}"
            if v is not None and v.measured is not None and t.kind != "absolute":
                judged_on.append(f"{g}: {v.configurations}")
        row["kind"] = t.kind
        digits = 1 if t.kind == "absolute" else 2
        row["seed model, computed"] = (
            "-" if c.computed is None else f"{c.computed:,.{digits}f} {unit} ({c.where})"
        )
        row["claim vs its model"] = c.status
        p = c.prediction
        if c.measured is None:
            row["seed model, simulated"] = "not simulated"
            row["harness overhead"] = ""
        elif t.kind == "ratio":
            row["seed model, simulated"] = f"{c.measured:,.2f}x"
            row["harness overhead"] = ""
        else:
            run = c.for_run
            assert c.overhead is not None and c.calibration_error is not None
            assert run is not None and p is not None
            row["seed model, simulated"] = f"{c.measured:,.1f} {unit}"
            row["harness overhead"] = (
                f"{c.overhead:+,.1f} {unit}; fastest call {c.calibration_error:+.1%}"
            )
            if run.clients_busy < p.concurrency:
                row["harness overhead"] += (
                    f" (against the model for this run, "
                    f"{run.metric(t.metric):,.1f} {unit}: its calls keep "
                    f"{run.clients_busy:.1f} of {p.concurrency} clients busy)"
                )
        row["calibration"] = c.calibration
        row["judged on"] = "; ".join(judged_on)
        row["reading"] = t.reading or t.bears_on
        row["gate"] = "yes" if t.gate else ""
        row["seed line"] = t.seed_line
        rows.append(row)
    return pd.DataFrame(rows)


def seed_consistency_table(catalogue: claims.Catalogue) -> Any:
    """The seed's own table: claimed throughput beside what its own latency implies."""
    import pandas as pd

    return pd.DataFrame(
        [
            {
                "seed row": c.row,
                "items": c.items,
                "latency ms (claimed)": c.latency_ms,
                "throughput ops/s (claimed)": c.throughput_ops_s,
                "items / latency (implied)": round(c.implied_ops_s, 1),
                "consistent": "yes"
                if c.consistent
                else f"NO: claims {c.throughput_ops_s / c.implied_ops_s:.1f}x what its "
                f"latency implies",
            }
            for c in catalogue.seed_claims
        ]
    )


def improvement_table(catalogue: claims.Catalogue) -> Any:
    """The seed's improvement column (提升), checked against its own table: each row's
    per-item latency against the sequential row's and the parallel row's, and its claimed
    throughput against the baseline's 33 ops/s; which baseline the printed value matches."""
    import pandas as pd

    claims = list(catalogue.seed_claims)
    if not claims:
        return pd.DataFrame()
    seq = claims[0]
    par = next((c for c in claims if c.items == 1 and c is not seq), seq)
    rows = []
    for c in claims:
        vs = {
            "sequential (per-item latency)": seq.item_latency_ms / c.item_latency_ms,
            "parallel (per-item latency)": par.item_latency_ms / c.item_latency_ms,
            f"{seq.throughput_ops_s:,.0f} ops/s (claimed throughputs)": c.throughput_ops_s
            / seq.throughput_ops_s,
        }
        matches = [
            k.split(" (")[0]
            for k, v in vs.items()
            if c.improvement and abs(v / c.improvement - 1) <= 0.05
        ]
        row: dict[str, Any] = {
            "seed row": c.row,
            "items": c.items,
            "improvement (claimed)": f"{c.improvement:g}x",
        }
        row.update({f"vs {k}": f"{v:,.1f}x" for k, v in vs.items()})
        row["the claimed value is against"] = ", ".join(matches) if matches else "none of these"
        rows.append(row)
    return pd.DataFrame(rows)


def improvement_note(catalogue: claims.Catalogue) -> str:
    """Where the improvement column's baselines change, in one paragraph (escaped)."""
    df = improvement_table(catalogue)
    if not len(df):
        return ""
    against = list(df["the claimed value is against"])
    changes = [
        f"{r} ({a})"
        for r, a in zip((f"{row} {n}" for row, n in zip(df["seed row"], df["items"])), against)
    ]
    par = df.iloc[-1]["vs parallel (per-item latency)"]
    return (
        "<p>The improvement column mixes baselines: "
        + html.escape("; ".join(changes))
        + f". By the rule of the rows above it (against parallel adds of the same items) "
        f"the last row would be {html.escape(str(par))}; against the 33 ops/s baseline "
        "the column's own throughputs give "
        + html.escape(", ".join(df[next(c for c in df.columns if "claimed throughputs" in c)]))
        + ".</p>"
    )


def stages_table(stages: dict[str, Any] | None) -> Any:
    """The stages measured alone: batch embedding against single embeds per embedder and
    batch size, and parallel against sequential writes with the embedding taken out, beside
    the seed's figures."""
    import pandas as pd

    from agentmem_lab.core import seedmodel

    if not stages:
        return pd.DataFrame()
    rows = []
    seed_embed = {10: "5x", 100: "10x", 1000: "5-10x"}
    for name, points in (stages.get("embed") or {}).items():
        for n, p in points.items():
            model = int(n) * seedmodel.embed_latency_ms(1) / seedmodel.embed_latency_ms(int(n))
            rows.append(
                {
                    "stage": f"embed_batch, {name}",
                    "size": f"{n} texts",
                    "alone (one at a time)": f"{p['single_ms']:.3f} ms per text",
                    "together": f"{p['batch_ms']:.2f} ms per batch",
                    "speed-up measured": f"{p['speedup']:.2f}x",
                    "the seed claims": seed_embed.get(int(n), ""),
                    "the seed's model": f"{model:.2f}x",
                }
            )
    w = stages.get("writes")
    writes = seedmodel.STORE_LATENCY_MS.values()
    if w:
        rows.append(
            {
                "stage": "store writes (embedding out)",
                "size": f"{w['items']} items",
                "alone (one at a time)": f"sequential {w['sequential_ops_s']:,.0f} ops/s",
                "together": f"parallel {w['parallel_ops_s']:,.0f} ops/s",
                "speed-up measured": f"{w['speedup']:.2f}x",
                "the seed claims": "2-3x",
                "the seed's model": f"{sum(writes) / max(writes):.2f}x",
            }
        )
    if stages.get("error"):
        rows.append({"stage": "not measured", "size": "", "alone (one at a time)": stages["error"]})
    return pd.DataFrame(rows)
