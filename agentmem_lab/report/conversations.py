"""The report's Real conversations section: the write path on a dataset of real messages
beside the same configuration on the generator's texts, and a dataset's own timing (a
trace) beside its uniform twin, the same messages offered evenly at the same mean rate.

The other sections show the generator's runs alone (``synthetic_runs``): a run on a
dataset is told apart by its name's suffix, and is compared here with its synthetic twin.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agentmem_lab.corpus.datasets import SYNTHETIC
from agentmem_lab.schema.result import Result

#: A uniform run is a trace's twin when its offer is within this share of the trace's mean.
TWIN_RATE_TOLERANCE = 0.01


def synthetic_runs(results: Sequence[Result]) -> list[Result]:
    """The runs on the generator's texts (or a corpus file): every section but this one."""
    return [r for r in results if r.dataset == SYNTHETIC]


def conversation_runs(results: Sequence[Result]) -> list[Result]:
    """The runs on a dataset of real messages."""
    return [r for r in results if r.dataset != SYNTHETIC]


def synthetic_twin(run: Result, results: Sequence[Result]) -> Result | None:
    """The same configuration on the generator's texts: the run whose name is this one's
    without its dataset suffix (``bulk-b100-c1-hash-chitchat``: ``bulk-b100-c1-hash``)."""
    name = run.name.replace(f"-{run.dataset}", "", 1)
    return next((r for r in synthetic_runs(results) if r.name == name), None)


def trace_pairs(results: Sequence[Result]) -> list[tuple[Result, Result | None]]:
    """Each trace run with its uniform twin (same dataset, system, mode, batch size,
    embedder and items, offered uniformly within ``TWIN_RATE_TOLERANCE`` of the trace's
    mean), or None."""
    out: list[tuple[Result, Result | None]] = []
    for t in conversation_runs(results):
        if t.offered is None or t.offered.arrivals != "trace":
            continue
        mean = t.offered.offered_ops_s
        twin = next(
            (
                u
                for u in conversation_runs(results)
                if u.offered is not None
                and u.offered.arrivals == "uniform"
                and (u.dataset, u.system, u.mode, u.batch_size, u.embedder, u.items)
                == (t.dataset, t.system, t.mode, t.batch_size, t.embedder, t.items)
                and abs(u.offered.offered_ops_s - mean) <= TWIN_RATE_TOLERANCE * mean
            ),
            None,
        )
        out.append((t, twin))
    return out


def _recall(r: Result | None) -> float | None:
    return None if r is None or r.search is None else round(r.search.recall_at_10, 3)


def _with_model(r: Result) -> float | None:
    """A replayed run's throughput with the embedder's cost put back, computed (not
    measured) from the rate its vectors were built at: 1 / (1/stores + 1/model)."""
    if not r.replayed:
        return None
    built = (r.settings.get("embedder") or {}).get("built") or {}
    rate = built.get("texts_per_s")
    if not rate or not r.throughput_ops_s:
        return None
    return round(1.0 / (1.0 / r.throughput_ops_s + 1.0 / float(rate)), 1)


def conversations_table(results: Sequence[Result]) -> Any:
    """One row per closed-loop run on a dataset: what it took from the dataset, its
    throughput and recall beside its synthetic twin's, and its integrity."""
    import pandas as pd

    rows = []
    for r in conversation_runs(results):
        if r.offered is not None or r.user_reads is not None:
            continue
        twin = synthetic_twin(r, results)
        d = r.settings.get("dataset_details") or {}
        ratio = (
            round(r.throughput_ops_s / twin.throughput_ops_s, 2)
            if twin and twin.throughput_ops_s
            else None
        )
        rows.append(
            {
                "configuration": r.name,
                "dataset": f"{d.get('name', r.dataset)} {d.get('version', '')}".strip(),
                "items": r.items_written,
                "people": d.get("users"),
                "conversations": d.get("sessions"),
                "repeated texts": None
                if d.get("duplicate_share") is None
                else f"{d['duplicate_share']:.1%}",
                "embedding": "replayed: stores only" if r.replayed else "measured",
                "ops/s real messages": round(r.throughput_ops_s, 1),
                "with the model's build rate added (computed)": _with_model(r),
                "ops/s generator": None if twin is None else round(twin.throughput_ops_s, 1),
                "real / generator": ratio,
                "recall@10 real / generator": f"{_recall(r)} / {_recall(twin)}",
                "self-recall": None
                if r.integrity.self_recall_at_1 is None
                else round(r.integrity.self_recall_at_1, 3),
                "lost / orphans": f"{r.integrity.lost} / {r.integrity.orphans}",
            }
        )
    table = pd.DataFrame(rows)
    estimate = "with the model's build rate added (computed)"
    if len(table) and table[estimate].isna().all():
        table = table.drop(columns=[estimate])  # no run replayed its vectors
    return table


def trace_table(results: Sequence[Result]) -> Any:
    """One row per trace run: its offer (mean and peak per second), what it achieved, and
    its response and service percentiles and late calls beside its uniform twin's."""
    import pandas as pd

    rows = []
    for t, u in trace_pairs(results):
        o = t.offered
        assert o is not None
        uo = u.offered if u is not None else None
        rows.append(
            {
                "configuration": t.name,
                "speedup": (o.trace or {}).get("speedup"),
                "offered mean ops/s": round(o.offered_ops_s, 1),
                "offered peak per s": o.offered_peak_ops_s,
                "achieved ops/s": round(o.achieved_ops_s, 1),
                "response p50 / p99 ms trace": f"{o.response_ms['p50']:.2f} / "
                f"{o.response_ms['p99']:.2f}",
                "response p50 / p99 ms uniform": None
                if uo is None
                else f"{uo.response_ms['p50']:.2f} / {uo.response_ms['p99']:.2f}",
                "p99 trace / uniform": None
                if uo is None or not uo.response_ms["p99"]
                else round(o.response_ms["p99"] / uo.response_ms["p99"], 2),
                "service p99 ms trace / uniform": f"{o.service_ms['p99']:.2f} / "
                + ("-" if uo is None else f"{uo.service_ms['p99']:.2f}"),
                "late calls trace / uniform": f"{o.late}/{o.calls} / "
                + ("-" if uo is None else f"{uo.late}/{uo.calls}"),
                "uniform twin": None if u is None else u.name,
            }
        )
    return pd.DataFrame(rows)


def user_read_runs(results: Sequence[Result]) -> list[Result]:
    """The runs that read each message's user's memories before writing it."""
    return [r for r in conversation_runs(results) if r.user_reads is not None]


def _store(r: Result) -> str:
    if r.system != "agentmem":
        return r.system
    return str((r.settings.get("stores") or {}).get("vector_store", ""))


def user_reads_table(results: Sequence[Result]) -> Any:
    """One row per run with reads per message: the store and its filter way, the users'
    sizes, the per-user search percentiles under writes, recall@10 within the user, and
    the run's ops/s with the reads inside its calls."""
    import pandas as pd

    rows = []
    for r in user_read_runs(results):
        u = r.user_reads
        assert u is not None
        rows.append(
            {
                "configuration": r.name,
                "store": _store(r),
                "filter": u.method,
                "reads": u.reads,
                "users": u.users,
                "largest user's share": f"{u.top_user_share:.1%}",
                "user's memories p50 / max": None
                if u.user_memories is None
                else f"{u.user_memories['p50']:.0f} / {u.user_memories['max']:,}",
                "search p50 / p99 ms": None
                if u.search_ms is None
                else f"{u.search_ms['p50']:.2f} / {u.search_ms['p99']:.2f}",
                "recall@10 within the user": None
                if u.recall is None
                else round(u.recall["recall_at_10"], 3),
                "reads below 1": None
                if u.recall is None
                else f"{u.recall['below_1']}/{u.recall['checked']}",
                "ops/s, reads included": round(r.throughput_ops_s, 1),
            }
        )
    return pd.DataFrame(rows)


def user_reads_sentence(results: Sequence[Result]) -> str:
    """Which store's per-user search lost the most recall, and the fastest at p99."""
    runs = [r for r in user_read_runs(results) if r.user_reads and r.user_reads.recall]
    if not runs:
        return ""

    def recall(r: Result) -> float:
        assert r.user_reads is not None and r.user_reads.recall is not None
        return float(r.user_reads.recall["recall_at_10"])

    worst, best = min(runs, key=recall), max(runs, key=recall)
    how = worst.user_reads.method if worst.user_reads else ""
    return (
        f"Searching each message's own user before writing it, recall@10 within the user "
        f"ran from {recall(worst):.3f} ({_store(worst)}, {how} filter) to "
        f"{recall(best):.3f} ({_store(best)})."
    )


def conversations_sentence(results: Sequence[Result]) -> str:
    """The section's finding: the fastest write on real messages against its synthetic
    twin, and what the trace's bursts cost at p99."""
    runs = [
        r
        for r in conversation_runs(results)
        if r.offered is None
        and r.user_reads is None
        and r.system == "agentmem"
        and r.profile == "real"
        and not r.replayed
    ]
    parts = []
    for embedder in sorted({r.embedder for r in runs}):
        top = max((r for r in runs if r.embedder == embedder), key=lambda r: r.throughput_ops_s)
        twin = synthetic_twin(top, results)
        said = f"{top.name} wrote {top.throughput_ops_s:,.0f} ops/s"
        if twin is not None and twin.throughput_ops_s:
            said += (
                f", {top.throughput_ops_s / twin.throughput_ops_s:.2f}x the same configuration "
                f"on the generator's texts ({twin.throughput_ops_s:,.0f})"
            )
            if top.search is not None and twin.search is not None:
                said += (
                    f", recall@10 {top.search.recall_at_10:.3f} against "
                    f"{twin.search.recall_at_10:.3f}"
                )
        parts.append(said)
    sentence = "On real chat messages, " + "; ".join(parts) + "." if parts else ""
    for t, u in trace_pairs(results):
        o = t.offered
        if o is None or u is None or u.offered is None or not u.offered.response_ms["p99"]:
            continue
        up99 = u.offered.response_ms["p99"]
        sentence += (" " if sentence else "") + (
            f"Offered at the messages' own times ({o.offered_ops_s:,.0f}/s on average, "
            f"peaks of {o.offered_peak_ops_s or 0:,.0f} in a second), {t.mode}-"
            f"{t.batch_size}'s response p99 was {o.response_ms['p99']:.2f} ms against "
            f"{up99:.2f} ms offered evenly at the same mean rate "
            f"({o.response_ms['p99'] / up99:.1f}x)."
        )
        break
    said = user_reads_sentence(results)
    sentence += (" " if sentence and said else "") + said
    return sentence or (
        "No run on a dataset of real messages in this sweep (agentmem-lab run --dataset "
        "chitchat ...)."
    )


__all__ = [
    "TWIN_RATE_TOLERANCE",
    "conversation_runs",
    "conversations_sentence",
    "conversations_table",
    "synthetic_runs",
    "synthetic_twin",
    "trace_pairs",
    "user_read_runs",
    "user_reads_sentence",
    "user_reads_table",
]
