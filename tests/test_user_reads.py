"""Reads per message: a search of the user's own memories before each chosen message,
inside the call; per-user search latency, recall within the user (tie-aware) and the
filter way recorded, for agentmem's stores and the peers that can filter by user."""

from __future__ import annotations

import pytest
from test_datasets import folder

from agentmem_lab.cli import main
from agentmem_lab.measuring.user_reads import UserVectors, tie_aware_recall
from agentmem_lab.schema.result import Result, plain_writes
from helpers import known_result  # noqa: F401  (the shared helpers load the test settings)


def skewed(n: int) -> list[dict[str, object]]:
    """One user writes 40 % of the messages, the others a few each; a tenth repeat."""
    return [
        {
            "content": "ok" if i % 10 == 9 else f"note {i} on {('tea', 'rain', 'maps')[i % 3]}",
            "user_id": "big" if i % 5 < 2 else f"u{i % 13}",
            "session_id": f"s{i // 6}",
            "timestamp": 1_600_000_000 + i,
        }
        for i in range(n)
    ]


def test_recall_counts_ties_and_the_users_memories_only():
    sims = {1: 0.9, 2: 0.8, 3: 0.8, 4: 0.1}
    assert tie_aware_recall(sims, [1, 3], 2) == 1.0  # 3 ties with the exact 2nd (2)
    assert tie_aware_recall(sims, [1, 99], 2) == 0.5  # 99 is not the user's
    assert tie_aware_recall({}, [], 10) == 1.0
    users = UserVectors(2)
    for key in range(9):
        users.add("a", key, [1.0, float(key)])  # grows past its first capacity
    assert users.sizes() == [9] and list(users.keys("a")) == list(range(9))


def test_a_run_reads_each_users_memories_before_their_messages(tmp_path, capsys):
    d = folder(tmp_path, skewed(300))
    out = tmp_path / "run"
    args = ["run", "--dataset", str(d), "--mode", "parallel", "--batch-size", "1", "--warmup", "0"]
    assert main([*args, "--items", "300", "--read-per-message", "1", "--out", str(out)]) == 0
    assert "300 reads per user (exact" in capsys.readouterr().out
    r = Result.load(out / "result.json")
    ur = r.user_reads
    assert ur is not None and ur.reads == 300 and ur.method.startswith("exact")
    assert ur.users == 14 and 0.35 < ur.top_user_share < 0.45
    assert ur.empty == 14  # each user's first message finds nothing yet
    assert ur.recall is not None and ur.recall["checked"] == 286
    assert ur.recall["recall_at_10"] > 0.99  # usearch's i8 vectors, read back and compared
    assert ur.search_ms is not None and ur.user_memories["max"] == 119
    assert "core memory" in ur.keys_from and not plain_writes(r)
    assert r.integrity.lost == 0 and r.integrity.orphans == 0


@pytest.mark.parametrize("system", ["langgraph", "mem0"])
def test_the_peers_filter_on_the_user_they_store(system, tmp_path):
    d = folder(tmp_path, skewed(60))
    out = tmp_path / system
    args = ["run", "--system", system, "--dataset", str(d), "--batch-size", "1", "--items"]
    assert main([*args, "60", "--warmup", "0", "--read-per-message", "0.5", "--out", str(out)]) == 0
    ur = Result.load(out / "result.json").user_reads
    assert ur is not None and ur.method == "native" and 15 < ur.reads < 45
    assert ur.recall is not None and ur.recall["recall_at_10"] == 1.0
    assert "peer's own" in ur.keys_from


@pytest.mark.parametrize(
    "extra, says",
    [
        (["--system", "txtai"], "txtai cannot search within one user's memories"),
        (
            ["--mode", "parallel", "--profile", "simulated"],
            "simulated profile's stores cannot search",
        ),
        (["--read-per-message", "2"], "must be from 0 to 1"),
    ],
)
def test_reads_per_message_are_refused_in_one_line_where_they_cannot_run(
    extra, says, tmp_path, capsys
):
    d = folder(tmp_path, skewed(30))
    args = ["run", "--dataset", str(d), "--batch-size", "1", "--items", "20"]
    try:
        code = main([*args, "--read-per-message", "1", *extra, "--out", str(tmp_path / "o")])
    except SystemExit as exc:  # argparse's own one-line error
        code = int(str(exc.code))
    err = capsys.readouterr().err
    assert code == 2 and says in err and "Traceback" not in err and len(err.splitlines()) == 1
