"""The settings of offered load and searches during writes, growth windows and where a long
run stops, and fault injection."""

from __future__ import annotations

from agentmem_lab.settings.setting import Setting

ARRIVALS = ("uniform", "poisson", "trace")
SCHEDULE_WAITS = ("timer", "spin")

LOAD: tuple[Setting, ...] = (
    Setting(
        "rate",
        float,
        None,
        "offer R items per second, open loop: calls of --batch-size "
        "arrive on a seeded schedule and each call's response time runs from its intended "
        "start (default: closed-loop clients, --concurrency of them)",
        group="load",
        minimum=1e-3,
        optional=True,
        metavar="R",
    ),
    Setting(
        "arrivals",
        str,
        "uniform",
        "the open-loop schedule: uniform (evenly spaced), "
        "poisson (exponential gaps, seeded by --seed) or trace (a dataset's messages at "
        "their own timestamps, compressed by --speedup, gaps cut at --max-gap; no --rate: "
        "see docs/datasets.md)",
        group="load",
        choices=lambda: ARRIVALS,
        metavar="KIND",
    ),
    Setting(
        "speedup",
        float,
        1.0,
        "--arrivals trace: replay the dataset's time K times faster (1: as it happened)",
        group="load",
        minimum=1e-3,
        metavar="K",
    ),
    Setting(
        "max_gap",
        float,
        60.0,
        "--arrivals trace: an idle gap of the dataset longer than S seconds (its own time, "
        "before --speedup) is cut to S",
        group="load",
        minimum=0,
        metavar="S",
    ),
    Setting(
        "schedule_waits",
        str,
        "timer",
        "open loop: how the generator waits for a call's "
        "intended start. timer: the event loop's own timers (no CPU; a call starts up to "
        "about a millisecond late); spin: on the deadline, the loop yielding without "
        "sleeping for the last 2.5 ms of each wait (starts within a fraction of a "
        "millisecond, but the spinning loop contends for the interpreter lock with the "
        "stores' threads and slows their calls: see docs/load.md)",
        group="load",
        choices=lambda: SCHEDULE_WAITS,
        metavar="HOW",
    ),
    Setting(
        "max_in_flight",
        int,
        16,
        "open loop: at most this many calls at once; a call "
        "that cannot start on time starts late and is counted late, never dropped",
        group="load",
        minimum=1,
        metavar="N",
    ),
    Setting(
        "search_rate",
        float,
        None,
        "offer Q searches per second during the writes, open "
        "loop, on a client of their own; also measures freshness (searchable_after_ms)",
        group="load",
        minimum=1e-3,
        optional=True,
        metavar="Q",
    ),
    Setting(
        "freshness_sample",
        float,
        0.02,
        "with --search-rate: the share of acknowledged "
        "items whose time until a search for their own text finds them is measured",
        group="load",
        minimum=0,
        maximum=1,
        metavar="P",
    ),
    Setting(
        "read_per_message",
        float,
        0.0,
        "before a share P of the messages (chosen by key), a "
        "search of the message's own user's memories, inside the call, as an agent reads "
        "before it replies: per-user search latency, recall within the user and the "
        "store's filter way are recorded (0: none; 1: before every message)",
        group="load",
        minimum=0,
        maximum=1,
        metavar="P",
    ),
    Setting(
        "windows",
        int,
        10,
        "growth windows recorded as the stores grow: every "
        "items/W items the writes pause while throughput, latency, recall@10 of a probe "
        "set, search latency, RSS and disk are recorded (0: none)",
        group="growth",
        minimum=0,
        maximum=1000,
        metavar="W",
    ),
    Setting(
        "window_queries",
        int,
        20,
        "queries of each growth window's probe (recall@10 against exact search, search p50/p99)",
        group="growth",
        minimum=1,
        maximum=1000,
        metavar="Q",
    ),
    Setting(
        "stop_after_s",
        float,
        None,
        "end the writes once they have run S seconds "
        "(measured time), keep what was stored, and record that the run stopped on time",
        group="growth",
        minimum=1e-3,
        optional=True,
        metavar="S",
    ),
    Setting(
        "stop_at_rss_mb",
        float,
        None,
        "end the writes once the process's memory (RSS) "
        "passes M MiB at a pause, and record that the run stopped on memory",
        group="growth",
        minimum=1,
        optional=True,
        metavar="M",
    ),
    Setting(
        "fail_rate",
        float,
        0.0,
        "probability that a store write of an item fails, for every store",
        group="faults",
        minimum=0,
        maximum=1,
        metavar="P",
    ),
    *(
        Setting(
            f"fail_rate_{store}",
            float,
            None,
            f"the same for the {store} store alone (overrides --fail-rate)",
            group="faults",
            minimum=0,
            maximum=1,
            optional=True,
            metavar="P",
        )
        for store in ("core", "vector", "history")
    ),
)
