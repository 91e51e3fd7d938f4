import json

import pandas as pd
import pytest

from agentmem_lab.core.errors import ResultError
from agentmem_lab.core.paths import write_json_atomic
from agentmem_lab.schema.result import (
    SCHEMA_VERSION,
    Result,
    find_results,
    samples_frame,
    to_frame,
)
from conftest import ROOT


def make(**overrides):
    d = dict(
        mode="bulk",
        batch_size=10,
        items=100,
        concurrency=1,
        repeats=1,
        warmup=1,
        seed=0,
        embedder="hash",
        profile="real",
        settings={"a": 1},
        environment={"cpu_count": 2},
        started_at="2026-11-24T00:00:00+00:00",
        wall_s=0.5,
        throughput_ops_s=200.0,
        latency_ms={"p50": 1.0, "p95": 2.0, "p99": 3.0, "mean": 1.5},
        item_latency_ms={"p50": 0.1, "p95": 0.2, "p99": 0.3, "mean": 0.15},
        stages_ms={"embed": 0.1, "core": 0.2, "vector": 0.3, "history": 0.1},
        integrity={
            "acknowledged": 100,
            "failed": 0,
            "core": 100,
            "vector": 100,
            "history": 100,
            "lost": 0,
            "orphans": 0,
            "self_recall_at_1": 1.0,
        },
        samples_ms=[1.0, 2.0, 3.0],
        search={"p50_ms": 0.1, "p99_ms": 0.2, "recall_at_10": 0.99, "queries": 10, "k": 10},
    )
    d.update(overrides)
    return Result(**d)


def test_json_round_trip(tmp_path):
    r = make()
    r.dump(tmp_path / "result.json")
    assert Result.load(tmp_path / "result.json") == r
    assert r.name == "bulk-b10-c1-hash"


def test_pandas_frames():
    a, b = make(), make(mode="batch", throughput_ops_s=50.0)
    df = to_frame([a, b])
    assert list(df["mode"]) == ["bulk", "batch"]
    assert df.loc[0, "latency_ms.p99"] == 3.0
    assert df.loc[1, "integrity.lost"] == 0
    assert df.loc[0, "search.recall_at_10"] == 0.99
    assert df["throughput_ops_s"].dtype.kind == "f"
    s = samples_frame([a, b])
    assert len(s) == 6 and set(s.columns) >= {"name", "latency_ms", "call"}
    assert isinstance(s, pd.DataFrame)


@pytest.mark.parametrize(
    "field, value, match",
    [
        ("batch_size", 0, "batch_size"),
        ("throughput_ops_s", float("nan"), "throughput_ops_s"),
        ("latency_ms", {"p50": 1}, "latency_ms lacks"),
        ("integrity", {}, "integrity lacks"),
        ("samples_ms", [], "samples_ms"),
        ("schema_version", 99, "schema_version"),
    ],
)
def test_validation(field, value, match):
    with pytest.raises(ResultError, match=match):
        make(**{field: value})


def test_load_errors(tmp_path):
    p = tmp_path / "result.json"
    p.write_text("{not json")
    with pytest.raises(ResultError, match="not JSON"):
        Result.load(p)
    d = make().to_dict()
    d["schema_version"] = 0
    p.write_text(json.dumps(d))
    with pytest.raises(ResultError, match="schema_version 0"):
        Result.load(p)
    del d["mode"]
    d["schema_version"] = SCHEMA_VERSION
    p.write_text(json.dumps(d))
    with pytest.raises(ResultError, match="lacks mode"):
        Result.load(p)


def test_atomic_write_leaves_the_old_file_on_failure(tmp_path):
    p = tmp_path / "x.json"
    write_json_atomic(p, {"a": 1})
    with pytest.raises(ValueError):
        write_json_atomic(p, {"a": float("nan")})  # not JSON: refused mid-write
    assert json.loads(p.read_text()) == {"a": 1}
    assert [q.name for q in tmp_path.iterdir()] == ["x.json"]


def test_find_results(tmp_path):
    make().dump(tmp_path / "a" / "result.json")
    make().dump(tmp_path / "b" / "c" / "result.json")
    assert len(find_results(tmp_path)) == 2


#: A quick smoke sweep (`sweep --grid smoke --quick`) written by the code of commit
#: be1bb28, before the house was restructured (issue 32): its result.json, stages.json and
#: capacity.json files, as that code wrote them.
BEFORE = ROOT / "tests" / "data" / "sweep-be1bb28"


def test_a_sweep_written_before_the_restructuring_loads_compares_and_reports(tmp_path, capsys):
    import shutil

    from agentmem_lab import claims, report
    from agentmem_lab.cli import main
    from agentmem_lab.report.load import load

    sweep = shutil.copytree(BEFORE, tmp_path / "sweep")
    paths = sorted(sweep.glob("configs/*/result.json"))
    assert len(paths) == 18
    for p in paths:  # every section typed, and the same document when written back
        old, new = json.loads(p.read_text()), Result.load(p).to_dict()
        assert {k: new[k] for k in old} == old
        assert all(new[k] is None for k in set(new) - set(old))  # sections added since
    loaded = load(sweep)
    assert len(loaded.results) == 18 and not loaded.bad_files
    assert loaded.stages is not None and len(loaded.capacities) == 1
    answers = report.answers_html(claims.load(), loaded.results)
    assert "39,097 ops/s" in answers  # faiss-flat's bulk-1000, the best hash run
    assert main(["check", str(sweep)]) in (0, 1)
    assert "Phase 1 goal, sustained" in capsys.readouterr().out
    base = sweep / "configs" / "bulk-b1000-c1-hash" / "result.json"
    assert main(["compare", str(base), str(base), "--html", str(tmp_path / "cmp.html")]) == 0
    assert "no significant change" in capsys.readouterr().out
