"""Datasets of real messages: the chat dataset prepared offline, your own folder, and runs
that take their first messages."""

from __future__ import annotations

import json

import pytest

from agentmem_lab.cli import main
from agentmem_lab.core.errors import ConfigError, CorpusError
from agentmem_lab.corpus import datasets, make_items
from agentmem_lab.schema.result import Result
from helpers import known_result  # noqa: F401  (the shared helpers load the test settings)


def folder(tmp_path, lines: list[object], name: str = "mine"):
    d = tmp_path / name
    d.mkdir()
    (d / "messages.jsonl").write_text(
        "".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines)
    )
    return d


def msgs(n: int, users: int = 3) -> list[dict[str, object]]:
    return [
        {
            "content": f"message {i} about topic {i % 7}",
            "user_id": f"u{i % users}",
            "session_id": f"s{i // 4}",
            "timestamp": 1_600_000_000 + i,
        }
        for i in range(n)
    ]


def test_the_chat_dataset_is_prepared_offline_once_with_its_empty_messages_counted():
    d = datasets.dataset_folder("chitchat")
    assert d is not None and d.name == "chitchat-0.9.0"
    doc = datasets.manifest(d)
    assert (doc["messages"], doc["skipped_empty"], doc["licence"]) == (258_112, 33, "MIT")
    s = datasets.summary(d, 1000)
    assert s["items"] == 1000 and s["users"] > 10 and 0 <= s["duplicate_share"] < 0.5
    first = next(datasets.iter_messages(d))
    assert first.user_id and first.session_id and first.timestamp and first.content.strip()
    with pytest.raises(ConfigError, match="258,112 messages"):
        datasets.summary(d, 300_000)


def test_a_folder_of_your_own_streams_its_people_sessions_and_times(tmp_path):
    d = folder(tmp_path, msgs(30))
    items = make_items(10, dataset=d, offset=5)
    assert [i.content for i in items][:2] == ["message 5 about topic 5", "message 6 about topic 6"]
    assert (items[0].user_id, items[0].agent_id, items[0].created_at) == ("u2", "s1", 1.6e9 + 5)
    assert len({i.id for i in items}) == 10
    s = datasets.summary(d, 30)
    assert (s["users"], s["sessions"], s["duplicate_share"]) == (3, 8, 0.0)
    with pytest.raises(ConfigError, match=r"more than the dataset mine holds \(30 messages\)"):
        datasets.summary(d, 31)


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("{not json", ":2: not a message"),
        ({"text": "x"}, ':2: expected an object with a "content" string'),
        ({"content": "x", "user_id": 7}, ':2: "user_id" must be a string'),
        ({"content": "x", "timestamp": "May"}, ':2: "timestamp" must be seconds'),
        ({"content": "   "}, ":2: empty message"),
    ],
)
def test_bad_folders_get_one_line_naming_where(tmp_path, line, why):
    d = folder(tmp_path, [msgs(1)[0], line, msgs(2)[1]])
    with pytest.raises(CorpusError, match=why):
        list(datasets.iter_messages(d))


def test_empty_messages_are_skipped_when_asked_and_unknown_datasets_named(tmp_path):
    d = folder(tmp_path, [msgs(1)[0], {"content": ""}, msgs(2)[1]])
    assert [m.position for m in datasets.iter_messages(d, skip_empty=True)] == [0, 1]
    with pytest.raises(ConfigError, match="neither a dataset"):
        datasets.dataset_folder(str(tmp_path / "nowhere"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match="holds no messages.jsonl"):
        datasets.dataset_folder(str(tmp_path / "empty"))


def test_a_run_on_a_dataset_folder_records_what_it_took(tmp_path, capsys):
    d = folder(tmp_path, msgs(60) + [{"content": ""}] + msgs(80)[60:])
    out = tmp_path / "run"
    base = ["run", "--dataset", str(d), "--mode", "bulk", "--batch-size", "10"]
    assert main([*base, "--items", "55", "--out", str(out)]) == 2  # its empty message
    assert "empty message (--empty-messages skip" in capsys.readouterr().err
    args = [*base, "--items", "60", "--empty-messages", "skip", "--out", str(out)]
    assert main(args) == 0
    r = Result.load(out / "result.json")
    assert r.integrity.lost == 0 and r.integrity.orphans == 0 and r.integrity.acknowledged == 60
    assert r.dataset == "mine" and r.name == "bulk-b10-c1-hash-mine"
    details = r.settings["dataset_details"]
    assert (details["items"], details["users"]) == (70, 3)  # warm-up included
    assert (
        main([*base, "--items", "100", "--empty-messages", "skip", "--out", str(tmp_path / "x")])
        == 2
    )
    assert "more than the dataset" in capsys.readouterr().err


def test_a_trace_run_offers_the_messages_at_their_own_times(tmp_path, capsys):
    d = folder(tmp_path, msgs(45))  # one message a second
    out = tmp_path / "trace"
    base = ["run", "--dataset", str(d), "--mode", "parallel", "--batch-size", "1"]
    trace = [*base, "--items", "40", "--arrivals", "trace", "--speedup", "40"]
    assert main([*trace, "--out", str(out)]) == 0
    o = Result.load(out / "result.json").offered
    assert o is not None and o.arrivals == "trace" and o.trace == {"speedup": 40.0, "max_gap_s": 60}
    assert o.offered_ops_s == pytest.approx(40.0, rel=0.01) and o.calls == 40 and o.dropped == 0
    assert o.offered_peak_ops_s == 40 and sum(o.offered_per_s or []) == 40
    assert "as the trace x40 (mean, peak 40/s)" in capsys.readouterr().out
    for extra, says in [
        (["--rate", "10"], "drop --rate"),
        (["--shards", "2"], "runs in one process"),
    ]:
        assert main([*trace, *extra, "--out", str(tmp_path / "x")]) == 2
        assert says in capsys.readouterr().err
    no_times = folder(tmp_path, [{"content": f"m{i}"} for i in range(20)], "untimed")
    args = ["run", "--dataset", str(no_times), "--items", "10", "--batch-size", "1"]
    assert main([*args, "--arrivals", "trace", "--out", str(tmp_path / "y")]) == 2
    assert "11 of the first 11 have none" in capsys.readouterr().err
    synthetic = ["run", "--batch-size", "1", "--items", "10", "--arrivals", "trace"]
    assert main([*synthetic, "--out", str(tmp_path / "z")]) == 2
    assert "give --dataset chitchat or a folder" in capsys.readouterr().err
