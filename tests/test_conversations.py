"""The Real conversations section: runs on a dataset beside their synthetic twins, and a
trace beside its uniform twin; the other sections and verdicts see the generator's runs."""

from __future__ import annotations

from typing import Any

from agentmem_lab import claims, report
from agentmem_lab.schema.result import Result
from helpers import known_result, offered_section


def chat(throughput: float, name: str, **extra: Any) -> Result:
    details = {"name": "chitchat", "version": "0.9.0", "users": 12, "duplicate_share": 0.05}
    settings = {"stores": {}, "dataset": "chitchat", "dataset_details": details}
    return known_result(throughput=throughput, settings=settings, label=name, **extra)


def test_each_run_on_real_messages_stands_beside_its_synthetic_twin() -> None:
    runs = [
        known_result(throughput=2000.0),
        chat(1500.0, "bulk-b1000-c1-hash-chitchat"),
        chat(9999.0, "sequential-b1-c1-hash-chitchat", mode="sequential", batch_size=1),
    ]
    assert [r.name for r in report.synthetic_runs(runs)] == ["bulk-b1000-c1-hash"]
    table = report.conversations_table(runs)
    first = table.iloc[0]
    assert first["ops/s generator"] == 2000.0 and first["real / generator"] == 0.75
    assert first["people"] == 12 and first["repeated texts"] == "5.0%"
    assert table.iloc[1]["ops/s generator"] != table.iloc[1]["ops/s generator"]  # NaN: no twin
    said = report.conversations_sentence(runs)
    assert "sequential-b1-c1-hash-chitchat wrote 9,999 ops/s" in said
    # the verdicts judge the claims on the generator's runs, the conversations row on these
    rows = {r.family: r for r in report.verdict_rows(claims.load(), runs)}
    assert rows["conversations"].hash.text.startswith("9,999")
    others = [c.text for r in rows.values() if r.family != "conversations" for c in r.cells]
    assert any("2,000" in t for t in others) and not any("9,999" in t for t in others)


def test_a_trace_is_paired_with_the_uniform_offer_of_its_mean_rate() -> None:
    trace = offered_section(
        arrivals="trace",
        offered_ops_s=300.0,
        offered_peak_ops_s=900.0,
        trace={"speedup": 2000.0, "max_gap_s": 60.0},
        response_ms={"p50": 1.0, "p99": 6.0},
    )
    even = offered_section(offered_ops_s=300.5, response_ms={"p50": 1.0, "p99": 2.0})
    other = offered_section(offered_ops_s=400.0, response_ms={"p50": 1.0, "p99": 1.0})
    name = "parallel-b1-c1-hash-chitchat"
    runs = [
        chat(300.0, f"{name}-trace-x2000", offered=trace),
        chat(300.0, f"{name}-r400", offered=other),
        chat(300.0, f"{name}-r300.5", offered=even),
    ]
    row = report.trace_table(runs).iloc[0]
    assert row["uniform twin"] == f"{name}-r300.5" and row["p99 trace / uniform"] == 3.0
    assert "6.00 ms against 2.00 ms offered evenly" in report.conversations_sentence(runs)


def test_a_replayed_run_is_labelled_stores_only_and_never_judged() -> None:
    replayed = chat(1000.0, "bulk-b1000-c1-minilm-chitchat-replayed", embedder="minilm")
    embedder = {"name": "minilm", "embed": "replayed", "built": {"texts_per_s": 100.0}}
    replayed = Result(
        **{**replayed.__dict__, "settings": {**replayed.settings, "embedder": embedder}}
    )
    assert replayed.replayed
    row = report.conversations_table([replayed]).iloc[0]
    assert row["embedding"] == "replayed: stores only"
    assert row["with the model's build rate added (computed)"] == 90.9  # 1 / (1/1000 + 1/100)
    rows = {r.family: r for r in report.verdict_rows(claims.load(), [replayed])}
    assert rows["conversations"].real_model.text == "no run"


def test_reads_per_user_have_their_own_table_and_sentence_not_the_write_table() -> None:
    from agentmem_lab.schema.sections import UserReads

    def reading(store: str, recall: float) -> Result:
        r = chat(400.0, f"parallel-b1-c1-hash-{store}-chitchat-read1")
        section = UserReads(
            share=1.0,
            reads=2000,
            k=10,
            method="native" if store != "usearch" else "exact",
            method_definition="...",
            keys_from="...",
            empty=30,
            embed_s=0.1,
            users=40,
            top_user_share=0.12,
            definition="...",
            search_ms={"p50": 0.2, "p99": 7.0},
            user_memories={"p50": 12.0, "p99": 200.0, "max": 240},
            recall={"checked": 500, "recall_at_10": recall, "min": 0.0, "below_1": 90},
        )
        settings = {**r.settings, "stores": {"vector_store": store}}
        return Result.from_dict({**r.to_dict(), "settings": settings, "user_reads": section})

    runs = [reading("usearch", 0.999), reading("faiss-hnsw", 0.775)]
    table = report.user_reads_table(runs)
    assert list(table["store"]) == ["usearch", "faiss-hnsw"]
    assert table.iloc[1]["recall@10 within the user"] == 0.775
    assert table.iloc[0]["user's memories p50 / max"] == "12 / 240"
    assert not len(report.conversations_table(runs))  # reads inside the calls: not plain writes
    said = report.conversations_sentence(runs)
    assert "from 0.775 (faiss-hnsw, native filter) to 0.999 (usearch)" in said
    rows = {r.family: r for r in report.verdict_rows(claims.load(), runs)}
    assert rows["conversations"].hash.text == "no run"  # never judged as the write path
