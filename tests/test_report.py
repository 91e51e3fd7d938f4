import json

import pandas as pd
import pytest

from agentmem_lab import claims as tg
from agentmem_lab import report
from agentmem_lab.report.load import fastest_peer
from agentmem_lab.stores import StoreSettings
from helpers import (
    grown_result,
    known_result,
    offered_section,
    processes_section,
    reads_section,
    vector_load_section,
)

RESULTS = [
    known_result("sequential", 1, throughput=3000.0, p50=0.3),
    known_result("parallel", 1, throughput=2800.0, p50=0.35),
    known_result("batch", 10, throughput=4000.0, p50=2.5),
    known_result("bulk", 10, throughput=9000.0, p50=1.1),
    known_result("bulk", 1000, throughput=30000.0, p50=33.0),
    known_result("bulk", 1000, concurrency=4, throughput=33000.0, p50=120.0),
    known_result("sequential", 1, profile="simulated", throughput=32.6, p50=30.6),
    known_result("bulk", 1000, profile="simulated", throughput=1600.0, p50=600.0),
]


def test_target_table_numbers_come_from_the_results():
    df = report.target_table(tg.load(), RESULTS)
    row = df.set_index("target").loc["phase1-goal"]
    assert row["measured real:hash"] == "33,000.0 (3.30x) met"
    assert row["claim vs its model"] == "contradicts its own model"
    assert row["seed model, simulated"] == "1,600.0 ops/s"
    seq = df.set_index("target").loc["seq-1-latency"]
    assert seq["measured real:hash"] == "0.3 (0.01x) met"
    assert seq["seed model, computed"] == "30.0 ms (sequential-1, c1)"
    assert seq["claim vs its model"] == "reproduced"
    assert seq["seed model, simulated"] == "30.6 ms"
    assert seq["harness overhead"] == "+0.6 ms; fastest call +2.0%"
    assert seq["calibration"] == "calibrated"
    assert df.set_index("target").loc["batch-100-latency", "measured real:hash"] == "no measurement"


def test_seed_consistency_table_flags_the_last_row():
    df = report.seed_consistency_table(tg.load())
    last = df.iloc[-1]
    assert last["items / latency (implied)"] == pytest.approx(1666.7)
    assert last["consistent"].startswith("NO: claims 6.0x")
    assert (df["consistent"] == "yes").sum() == 4


def test_speedup_and_results_tables():
    sp = report.speedup_table(RESULTS).set_index("configuration")
    assert sp.loc["bulk-b1000-c1-hash", "speedup"] == 10.0
    assert pd.isna(sp.loc["bulk-b1000-c4-hash", "speedup"])  # no sequential at c4
    rt = report.results_table(RESULTS)
    assert list(rt["throughput ops/s"])[:2] == [3000.0, 2800.0]
    assert set(rt.columns) >= {"lost", "orphans", "recall@10", "self-recall@1"}


def test_figures_have_the_expected_panels():
    import matplotlib

    matplotlib.use("Agg")
    fig = report.throughput_figure(RESULTS)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["throughput, real profile", "throughput, simulated profile"]
    assert fig.axes[0].get_xscale() == "log" and fig.axes[0].get_yscale() == "log"
    labels = [ln.get_label() for ln in fig.axes[0].get_lines()]
    assert "bulk · hash · c1" in labels and "sequential · hash · c1 (level)" in labels
    assert len(report.latency_figure(RESULTS).axes) == 2
    assert len(report.stage_figure(RESULTS).axes) == 2
    assert len(report.frontier_figure(RESULTS).axes) == 1


def test_everything_shown_is_escaped(tmp_path):
    nasty = known_result(label="<script>alert(1)</script>")
    html = report.table_html(report.results_table([nasty]))
    assert "<script>" not in html and "&lt;script&gt;" in html
    sweep = report.SweepResults(
        tmp_path, [nasty], failures=[{"name": "<b>x</b>", "error": "<img>"}]
    )
    assert "<img>" not in report.table_html(report.failures_table(sweep))
    assert "<" not in report.header_html(sweep).split("from ")[1].split(":")[0]


def test_load_lists_failures_and_unreadable_results(tmp_path):
    RESULTS[0].dump(tmp_path / "configs" / "a" / "result.json")
    (tmp_path / "configs" / "b").mkdir(parents=True)
    (tmp_path / "configs" / "b" / "result.json").write_text('{"half": ')
    (tmp_path / "configs" / "c").mkdir()
    (tmp_path / "configs" / "c" / "error.json").write_text(
        json.dumps({"name": "c", "error": "E: x"})
    )
    sweep = report.load(tmp_path)
    assert [r.name for r in sweep.results] == [RESULTS[0].name]
    assert len(sweep.bad_files) == 1 and "not JSON" in sweep.bad_files[0]
    assert sweep.failures[0]["name"] == "c"
    assert len(report.failures_table(sweep)) == 2


def test_environment_table_records_settings():
    df = report.environment_table(RESULTS)
    what = set(df["what"])
    assert {"cpu_model", "package usearch", "setting usearch_dtype"} <= what


def _variant(throughput, recall, **stores):
    base = StoreSettings().to_dict()
    base.update(stores)
    return known_result(
        "bulk",
        1000,
        throughput=throughput,
        settings={"stores": base},
        search={"queries": 10, "k": 10, "p50_ms": 0.1, "p99_ms": 0.2, "recall_at_10": recall},
        label="bulk-b1000-c1-hash" + "".join(f"-{v}" for v in stores.values()),
    )


def test_index_settings_frontier_and_the_targets_use_defaults_only():
    default = _variant(25_000.0, 0.998)
    fast_bad = _variant(40_000.0, 0.90, hnsw_connectivity=8)
    slow_good = _variant(15_000.0, 1.0, hnsw_expansion_add=256)
    rs = [default, fast_bad, slow_good]
    table = report.index_settings_table(rs)
    assert list(table["setting"]) == ["f16 M8 ea128", "f16 M16 ea128 (default)", "f16 M16 ea256"]
    note = report.index_settings_note(rs)
    assert "The defaults, f16 M16 ea128: 25,000 ops/s, recall@10 0.998, self-recall 1.000" in note
    assert "Faster in this run: f16 M8 ea128: 40,000 ops/s, recall@10 0.900" in note
    assert len(report.frontier_figure(rs).axes[0].collections) == 3
    # the phase-1 goal is judged on the default settings, not on the faster variant
    v = {x.target.id: x for x in tg.evaluate(tg.load(), rs)}
    assert v["phase1-goal"].measured == 25_000.0


def _backend_result(
    backend, mode, batch, throughput, recall, search="hnsw", durability="save", **stores
):
    st = dict(StoreSettings().to_dict(), vector_store=backend, **stores)
    return known_result(
        mode,
        batch,
        throughput=throughput,
        settings={
            "stores": st,
            "store_details": {
                "vector": {"version": "1.0", "search": search, "durability": durability}
            },
        },
        search={"queries": 10, "k": 10, "p50_ms": 0.5, "p99_ms": 0.9, "recall_at_10": recall},
        vector_load=vector_load_section(
            backend=backend,
            insert_s=1.5,
            optimize_s=0.5,
            load_s=2.0,
            check_s=0.1,
            vectors=2 * batch,
            insert_vectors_per_s=2 * batch / 1.5,
            durability=durability,
            search=search,
        ),
        label=f"{mode}-b{batch}-c1-hash-{backend}",
    )


def test_vector_stores_side_by_side():
    rs = [
        _backend_result("usearch", "bulk", 1000, 20_000.0, 0.99),
        _backend_result("faiss-flat", "bulk", 1000, 40_000.0, 1.0, search="exact"),
        _backend_result("chroma", "parallel", 1, 150.0, 1.0, durability="write"),
        _backend_result("usearch", "parallel", 1, 1_500.0, 1.0),
        # not side by side: another index setting, another batch size
        _backend_result("usearch", "bulk", 1000, 30_000.0, 0.9, hnsw_connectivity=8),
        _backend_result("lancedb", "bulk", 100, 9_000.0, 1.0),
    ]
    table = report.vector_stores_table(rs)
    assert list(zip(table["configuration"], table["vector store"])) == [
        ("bulk-1000", "faiss-flat"),
        ("bulk-1000", "usearch"),
        ("parallel-1", "usearch"),
        ("parallel-1", "chroma"),
    ]
    row = table.iloc[0]
    assert (row["insert s"], row["optimize s"], row["load s"]) == (1.5, 0.5, 2.0)
    assert row["search"] == "exact" and row["durable"] == "save" and row["recall@10"] == 1.0
    fig = report.vector_stores_figure(rs)
    assert [len(ax.collections) for ax in fig.axes] == [2, 2]
    # the index-settings frontier stays usearch's own
    assert len(report.index_settings_table(rs)) == 2


def test_peers_section_compares_mem0_with_the_seeds_modes():
    mem0 = known_result(
        "sequential",
        10,
        throughput=400.0,
        system="mem0",
        label="mem0-b10-c1-hash",
        settings={"stores": StoreSettings().to_dict(), "store_details": {"version": "2.2.1"}},
    )
    ours = [
        known_result(
            "bulk", 10, throughput=8_000.0, settings={"stores": StoreSettings().to_dict()}
        ),
        known_result(
            "batch", 10, throughput=2_000.0, settings={"stores": StoreSettings().to_dict()}
        ),
        known_result(
            "bulk", 1000, throughput=20_000.0, settings={"stores": StoreSettings().to_dict()}
        ),
    ]
    rs = [mem0, *ours]
    table = report.peers_table(rs)
    # per embedder and batch size, the peer first, then the seed's modes (bulk-1000 is not
    # a peer batch size)
    assert list(table["system"]) == ["mem0 2.2.1", "agentmem", "agentmem"]
    assert list(table["mode"]) == ["add(infer=False)", "batch", "bulk"]
    note = report.peers_note(rs)
    assert "mem0&#x27;s add(infer=False) measured at best 400 ops/s (batch 10): 25.0x below" in note
    assert "bulk mode at the same batch size: 8,000 ops/s, 20.0x mem0" in note
    assert "batch mode at the same batch size: 2,000 ops/s, 5.0x mem0" in note
    # peers stay out of the targets and the main figures
    v = {x.target.id: x for x in tg.evaluate(tg.load(), rs)}
    assert v["phase1-goal"].measured == 20_000.0
    assert report.peers_note(ours) == "<p>No peer system was measured in this run.</p>"


def test_peers_section_names_the_fastest_peer_and_its_ratio_to_bulk():
    st = {"stores": StoreSettings().to_dict()}

    def peer(system, store, batch, throughput, embedder="hash"):
        return known_result(
            "sequential",
            batch,
            throughput=throughput,
            system=system,
            embedder=embedder,
            label=f"{system}-b{batch}-c1-{embedder}-{store}",
            vector_load=vector_load_section(
                backend=f"{system} {store}", durability="none (in memory)"
            ),
            settings={**st, "store_details": {"versions": {system: "9.9"}}},
        )

    rs = [
        peer("langgraph", "sqlite", 10, 4_000.0),
        peer("langgraph", "memory", 10, 9_000.0),
        peer("txtai", "faiss", 10, 5_000.0),
        peer("txtai", "faiss", 10, 300.0, "minilm"),
        known_result("bulk", 10, throughput=18_000.0, settings=st),
        known_result("bulk", 10, throughput=400.0, embedder="minilm", settings=st, items=500),
    ]
    # a larger bulk run of the same batch size: the ratio takes the run of the peer's size
    larger = known_result("bulk", 10, throughput=10_000.0, settings=st, items=3000)
    assert fastest_peer(rs + [larger])[1] is rs[4]
    table = report.peers_table(rs)
    hash_rows = table[table["embedder"] == "hash"]
    assert list(hash_rows["system"]) == ["langgraph 9.9", "langgraph 9.9", "txtai 9.9", "agentmem"]
    assert list(hash_rows["store"])[:3] == ["memory", "sqlite", "faiss"]
    assert list(hash_rows["mode"]) == ["store.batch", "store.batch", "upsert", "bulk"]
    # the split of a call's time: the embedding, and the writes (core + vector + history)
    assert list(hash_rows["embed ms/call"]) == [1.0] * 4
    assert list(hash_rows["writes ms/call (sum of stages)"]) == [6.0] * 4
    assert list(hash_rows["vectors durable"])[:3] == ["none (in memory)"] * 3
    note = report.peers_note(rs)
    assert (
        "With the hash embedder, the fastest peer was langgraph (memory), 9,000 ops/s "
        "(langgraph-b10-c1-hash-memory; vectors durable: none (in memory)); the seed&#x27;s "
        "design in bulk mode at the same batch size and embedder, 18,000 ops/s, is 2.0x it "
        "(one run each; benchmarks/peers.py compares them by turns)."
    ) in note
    assert "the fastest peer was txtai (faiss), 300 ops/s (txtai-b10-c1-minilm-faiss" in note
    # runs of different sizes say so beside their ratio
    assert (
        "400 ops/s, is 1.3x it (one run each, of different sizes: 20 items against "
        "bulk&#x27;s 500; benchmarks/peers.py compares equal sizes by turns)."
    ) in note
    assert "memory 9,000, sqlite 4,000 at that batch size" in note
    answers = report.answers_html(tg.load(), rs)
    assert (
        "Peers: the fastest peer was langgraph (memory), 9,000 ops/s "
        "(langgraph-b10-c1-hash-memory; vectors durable: none (in memory)); the seed&#x27;s "
        "design in bulk mode at the same "
        "batch size and embedder, 18,000 ops/s, is 2.0x it (one run each; "
        "benchmarks/peers.py compares them by turns)."
    ) in answers


def test_the_report_answers_first():
    st = {"stores": StoreSettings().to_dict()}
    rs = [
        known_result("bulk", 1000, throughput=21_000.0, settings=st),
        known_result("batch", 100, throughput=2_500.0, settings=st),
        known_result("bulk", 1000, embedder="minilm", throughput=240.0, settings=st),
        known_result(
            "sequential", 10, throughput=430.0, system="mem0", label="mem0-b10-c1-hash", settings=st
        ),
    ]
    answers = report.answers_html(tg.load(), rs)
    assert answers.startswith('<div class="am-answers"><h2 id="am-answers">The answers</h2>')
    # the verdict table and the headline figure come before the sentences
    assert (
        answers.index('<table class="am-glance">') < answers.index("<svg") < (answers.index("<li>"))
    )
    assert (
        "with a real model (minilm), missed: 240 ops/s at best (bulk-b1000-c1-minilm, "
        "0.02x the goal)"
    ) in answers
    assert "without one (the hash embedder), met: 21,000 ops/s" in answers
    assert "with the seed&#x27;s own design (batch mode, hash), missed: 2,500 ops/s" in answers
    assert "contradict its own latency model computed" in answers
    assert "mem0&#x27;s add(infer=False) measured 430 ops/s at best" in answers
    # with no measurement, only what the seed's model itself says
    assert report.answers_html(tg.load(), []).count("<li>") == 1
    # every numeric claim of the seed counted (issue 26): five contradict its own model
    assert "5 contradict its own latency model" in report.answers_html(tg.load(), [])


def test_the_sustained_load_section_and_its_answer_lead():
    from agentmem_lab.schema.result import plain_writes

    st = {"stores": StoreSettings().to_dict()}
    probes = [
        {
            "offered_ops_s": r,
            "achieved_ops_s": r * a,
            "achieved_share": a,
            "response_ms": {"p50": p / 2, "p99": p},
            "service_ms": {"p50": p / 3, "p99": p / 2},
            "passed": ok,
            "why": "sustained" if ok else "response p99 300.0 ms > 100 ms",
            "late": 0,
            "calls": 20,
            "lost": 0,
            "orphans": 0,
            "items": 20000,
        }
        for r, a, p, ok in ((5000.0, 1.0, 40.0, True), (7500.0, 0.99, 300.0, False))
    ]
    cap = {
        "name": "bulk-b1000-c1-hash",
        "embedder": "hash",
        "profile": "real",
        "system": "agentmem",
        "mode": "bulk",
        "batch_size": 1000,
        "slo_p99_ms": 100.0,
        "closed_loop_ops_s": 10_000.0,
        "closed_loop_latency_ms": {"p99": 90.0},
        "max_sustainable_ops_s": 5000.0,
        "ratio_to_closed_loop": 0.5,
        "first_failure_ops_s": 7500.0,
        "probes": probes,
        "min_calls": 20,
        "max_in_flight": 16,
    }
    offered = known_result(
        "bulk",
        100,
        throughput=2000.0,
        settings=st,
        label="bulk-b100-c1-hash-r2000-q50",
        offered=offered_section(
            offered_ops_s=2000.0,
            achieved_ops_s=1990.0,
            response_ms={"p50": 5.0, "p99": 9.0},
            service_ms={"p50": 4.0, "p99": 8.0},
            late=1,
            calls=20,
        ),
        reads=reads_section(
            response_ms={"p50": 1.0, "p99": 12.0},
            freshness={
                "probed": 10,
                "found": 10,
                "not_found": 0,
                "searchable_after_ms": {"p50": 3.0, "p99": 7.0},
            },
        ),
    )
    closed = known_result("bulk", 1000, throughput=21_000.0, settings=st)
    assert not plain_writes(offered) and plain_writes(closed)
    answers = report.answers_html(tg.load(), [closed, offered], capacities=[cap])
    assert answers.index("as a sustained rate") < answers.index("ops/s closed loop")
    assert "without one (the hash embedder), missed: 5,000 ops/s sustained at best" in answers
    assert "usearch p99 12.0 ms (idle 0.2), searchable after p50 3.0 ms" in answers
    table = report.sustained_table([cap])
    assert table.iloc[0]["max sustainable ops/s"] == 5000.0
    assert "7,500 ops/s: response p99 300.0 ms" in table.iloc[0]["first failing rate"]
    rows = report.offered_table([closed, offered])
    assert list(rows["configuration"]) == ["bulk-b100-c1-hash-r2000-q50"]  # open loop only
    assert rows.iloc[0]["fresh probes found"] == "10/10"
    fig = report.sustained_figure([cap])
    assert len(fig.axes) == 1 and "knee: 5,000 ops/s" in [
        t.get_text() for t in fig.axes[0].get_legend().get_texts()
    ]
    # open-loop runs are not closed-loop figures: the targets never judge them
    v = {(x.target.id, x.group): x for x in tg.evaluate(tg.load(), [offered])}
    assert not v


def test_the_growth_section_curves_table_and_answer():
    fast_small = grown_result(
        "faiss-flat", [30_000.0, 9_000.0], 10_000
    )  # exact search: 20,000 items
    big = grown_result(
        "usearch",
        [20_000.0, 15_000.0, 12_000.0, 11_000.0, 10_000.0],
        250_000,
    )
    stopped = grown_result(
        "lancedb",
        [25_000.0, 5_000.0],
        100_000,
        stopped={"reason": "time", "limit": 300.0, "after_s": 301.0, "items": 200_000},
    )
    small = grown_result("chroma", [1000.0, 900.0], 1000)  # under 10,000 items: not a curve
    rs = [fast_small, big, stopped, small]
    table = report.growth_table(rs)
    assert list(table["run"]) == [
        "usearch bulk-1000 hash",
        "lancedb bulk-1000 hash",
        "faiss-flat bulk-1000 hash",
    ]  # largest first
    row = table.iloc[0]
    assert row["items stored"] == 1_250_000 and row["ops/s last window"] == 10_000
    assert row["recall@10 last"] == 0.96 and row["disk bytes/item"] == 900
    assert table.iloc[1]["stopped"] == "time (limit 300)"
    sentence = report.growth_sentence(rs)
    assert (
        "near 20,000 items faiss-flat bulk-1000 hash led with 9,000 ops/s in its window at "
        "20,000 (recall@10 0.990, search p99 0.4 ms; 1 curve near that size)"
    ) in sentence
    assert "near 1,000,000 items usearch bulk-1000 hash led with 11,000 ops/s" in sentence
    assert report.growth_sentence([fast_small]).endswith(
        "no bulk-1000 curve came near 1,000,000 items here (the largest stored 20,000; "
        "agentmem-lab sweep --grid scale writes every store towards 1,000,000)."
    )
    # curves that passed a size without a window near it (the scale grid's 50,000 apart)
    coarse = grown_result("lancedb", [9_000.0] * 20, 50_000)
    assert "no window near 20,000 items (the first at 50,000)" in report.growth_sentence([coarse])
    # a dataset caps the curves: no hint to write further
    chat = grown_result("usearch", [2_000.0] * 2, 13_000, dataset="chitchat")
    assert report.growth_sentence([chat]).endswith(
        "no bulk-1000 curve came near 1,000,000 items here (the largest stored 26,000)."
    )
    assert "Growth" in report.answers_html(tg.load(), rs)
    fig = report.growth_figure(rs)
    assert len(fig.axes) == 4 and len(fig.axes[0].lines) == 3
    assert report.growth_sentence([small]) is None


def _server_result(mode, batch, throughput, p50, concurrency=1, postgres=True):
    st = StoreSettings().to_dict()
    if postgres:
        st.update(
            core_store="postgres",
            history_store="postgres",
            vector_store="pgvector",
            postgres_dsn="postgresql://postgres@127.0.0.1:5/postgres",
        )
    return known_result(
        mode,
        batch,
        concurrency=concurrency,
        throughput=throughput,
        p50=p50,
        settings={
            "stores": st,
            "server": {"started_by": "agentmem-lab"},
            "store_details": {"core": {"server_settings": {"server_version": "16.2"}}},
        },
        label=f"{mode}-b{batch}-c{concurrency}-hash" + ("-pg" if postgres else ""),
    )


def test_the_database_server_section_pairs_each_mode_with_its_embedded_run():
    rs = [
        _server_result("sequential", 1, 400.0, 2.4),
        _server_result("parallel", 1, 560.0, 1.6),
        _server_result("bulk", 1000, 1200.0, 800.0),
        _server_result("sequential", 1, 2400.0, 0.4, postgres=False),
        _server_result("parallel", 1, 2600.0, 0.35, postgres=False),
        _server_result("bulk", 1000, 20000.0, 50.0, postgres=False),
    ]
    stages = {
        "server_costs": {
            "round_trip_ms": 0.2,
            "statement_ms": 0.02,
            "wal_flush_ms": 0.3,
            "hnsw_index_ms": 1.8,
            "row_write_ms": 0.5,
            "vector_write_ms": 2.0,
            "bench_checkout_us": 60.0,
            "bench_encode_us": 4.0,
        },
        "writes_server": {
            "speedup": 1.3,
            "parallel_ops_s": 400.0,
            "sequential_ops_s": 300.0,
            "items": 400,
            "rounds": 2,
        },
    }
    table = report.server_table(rs)
    assert (
        list(table["stores"])
        == ["PostgreSQL: core, history, pgvector"] * 3 + ["embedded: SQLite + usearch"] * 3
    )
    assert list(table["configuration"]) == ["sequential-1", "parallel-1", "bulk-1000"] * 2
    assert list(table["x sequential-1 (call p50)"])[:2] == [1.0, 1.5]  # 2.4 ms / 1.6 ms
    assert list(table["x sequential-1 (throughput)"])[2] == 3.0 and table["seed's claim"][1] == "2x"
    assert pd.isna(table["x sequential-1 (call p50)"][2])  # a bulk call is 1,000 items
    text = report.server_sentence(rs, stages)
    assert "1.50x sequential-1's on PostgreSQL" in text and "missed" in text
    assert "against 1.14x on SQLite + usearch" in text  # 0.4 / 0.35
    assert "3.0x sequential-1's throughput there (8.3x embedded)" in text
    assert "1.80 ms of it the HNSW index" in text
    costs = report.server_costs_table(stages)
    assert list(costs["part"])[:4] == ["round trip", "statement", "WAL flush", "HNSW index"]
    assert "x1.30" in costs["how"].iloc[-1]
    assert len(report.server_figure(rs).axes[0].patches) == 6
    # server runs stay out of the targets and the embedded sections
    from agentmem_lab.schema.result import baseline

    assert [r.settings["stores"]["core_store"] for r in baseline(rs)] == ["sqlite"] * 3
    assert "On a real database server" in report.answers_html(tg.load(), rs, stages)
    assert report.server_sentence(RESULTS) is None


def test_the_spread_over_processes_is_in_the_configurations_table():
    spread = processes_section(
        count=6, throughput_ci95=[900.0, 1100.0], latency_p50_ci95=[0.3, 0.4]
    )
    rs = [
        known_result("bulk", 10, throughput=1000.0, processes=spread),
        known_result("bulk", 100, throughput=5000.0),
    ]
    table = report.results_table(rs)
    assert list(table["processes"]) == [6, 1]
    assert table["throughput 95% interval"][0] == "[900.0, 1,100.0]"
    assert table["call p50 95% interval"][0] == "[0.300, 0.400]"
    assert pd.isna(table["throughput 95% interval"][1])
