"""What the synthetic workload distorts: each store's curves on three workloads, compared
at the size every curve reached."""

from agentmem_lab import report
from agentmem_lab.report.load import growth_label
from agentmem_lab.report.synthetic import common_size, compared
from helpers import grown_result


def _curves():
    def curve(store, rates, step, tied, recall, **workload):
        r = grown_result(
            store,
            rates,
            step,
            windows_extra={"tied_at_10": tied, "insert_us_per_vector": 50.0},
            **workload,
        )
        for w in r.growth.windows:
            w["recall_at_10"] = recall
        return r

    real = {"embedder": "minilm", "dataset": "chitchat", "replayed": True}
    chat = {"dataset": "chitchat"}
    return [
        curve("usearch", [9000.0, 8000.0, 7000.0], 50_000, 6.3, 0.99),  # to 150,000
        curve("usearch", [6000.0, 5000.0], 60_000, 2.9, 0.93, **real),  # to 120,000
        curve("usearch", [8000.0, 7500.0], 60_000, 6.9, 0.95, **chat),
        curve("lancedb", [7000.0, 7200.0, 7100.0], 50_000, 6.3, 1.0),
        curve("lancedb", [9000.0, 8800.0], 60_000, 2.9, 1.0, **real),
        curve("chroma", [1000.0, 900.0], 50_000, 6.3, 0.97),  # one workload: not compared
    ]


def test_each_store_on_every_workload_at_the_size_every_curve_reached():
    results = _curves()
    stores = compared(results)
    assert list(stores) == ["lancedb", "usearch"]
    assert [growth_label(r) for r in stores["usearch"]] == [
        "usearch bulk-1000 hash",
        "usearch bulk-1000 hash on chitchat",
        "usearch bulk-1000 minilm replayed on chitchat",
    ]
    assert common_size(stores) == 120_000  # the templates' nearest window: 100,000
    table = report.synthetic_table(results)
    assert len(table) == 5 and set(table["window at items"]) == {100_000, 120_000}
    row = table[(table["vector store"] == "usearch") & (table["workload"] == "synthetic, hash")]
    assert row.iloc[0]["write ops/s"] == 8000 and row.iloc[0]["tied at 10th"] == 6.3
    assert row.iloc[0]["rank by write rate"] == 1  # usearch 8,000 against lancedb 7,200
    real = table[table["workload"] == "chitchat, minilm replayed"]
    assert list(real["vector store"]) == ["lancedb", "usearch"]
    assert list(real["rank by write rate"]) == [1, 2]  # lancedb 8,800 against usearch 5,000
    sentence = report.synthetic_sentence(results)
    assert "at about 120,000 items stored" in sentence
    assert "synthetic, hash: usearch > lancedb" in sentence
    assert "chitchat, minilm replayed: lancedb > usearch" in sentence
    assert "the ranking changes" in sentence
    assert "usearch 0.990 on synthetic, hash against 0.930 on chitchat, minilm replayed" in sentence


def test_nothing_to_compare_on_one_workload():
    results = [grown_result("usearch", [9000.0, 8000.0], 10_000)]
    assert report.synthetic_table(results).empty
    assert report.synthetic_sentence(results) is None


def test_the_leader_is_named_within_each_workload():
    sentence = report.growth_sentence(_curves())
    assert "synthetic, hash: near 20,000 items" not in sentence  # 50,000-item windows
    assert "chitchat, minilm replayed: " in sentence and "synthetic, hash: " in sentence
