"""The ``agentmem-lab`` command. Bad input: one line naming the option, exit status 2,
before any work is done. A failure during work: one line, exit status 1."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any

from agentmem_lab.cli.measure import (
    add_capacity_options,
    add_run_options,
    add_stages_options,
    add_verify_options,
    cmd_capacity,
    cmd_run,
    cmd_stages,
    cmd_verify,
)
from agentmem_lab.cli.options import PROG, OneLineParser
from agentmem_lab.cli.setup import (
    add_models_options,
    add_plugins_options,
    add_servers_options,
    add_vectors_options,
    cmd_models,
    cmd_plugins,
    cmd_servers,
    cmd_vectors,
)
from agentmem_lab.cli.sweeps import (
    add_check_options,
    add_compare_options,
    add_sweep_options,
    cmd_check,
    cmd_compare,
    cmd_sweep,
)
from agentmem_lab.core.errors import AgentMemLabError, ConfigError, Interrupted

COMMANDS: list[
    tuple[str, str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]
] = [
    ("run", "run one configuration of the write path and measure it", add_run_options, cmd_run),
    (
        "sweep",
        "run the benchmark notebook over a grid under papermill, then the HTML report",
        add_sweep_options,
        cmd_sweep,
    ),
    (
        "check",
        "print the phase-target table of a sweep; exit 1 if a gating target was missed",
        add_check_options,
        cmd_check,
    ),
    (
        "compare",
        "compare two runs or sweeps: change with a 95 percent interval, Mann-Whitney U, "
        "verdict per configuration",
        add_compare_options,
        cmd_compare,
    ),
    (
        "capacity",
        "search the maximum sustainable throughput: the highest offered rate "
        "achieved within 1 percent with response p99 under --slo-p99-ms; records every "
        "probe in DIR/capacity.json",
        add_capacity_options,
        cmd_capacity,
    ),
    (
        "verify",
        "reopen a run's stores, repair what a crash left, print integrity counts",
        add_verify_options,
        cmd_verify,
    ),
    (
        "models",
        "build local embedding models offline (models install minilm)",
        add_models_options,
        cmd_models,
    ),
    (
        "stages",
        "measure the seed's stage claims alone (batch embedding, parallel writes) "
        "into a sweep folder's stages.json",
        add_stages_options,
        cmd_stages,
    ),
    (
        "servers",
        "make the database servers the bench starts runnable here (servers install)",
        add_servers_options,
        cmd_servers,
    ),
    (
        "vectors",
        "embed a dataset's texts once (vectors build) and find its queries' neighbours "
        "once (vectors neighbours), for runs that replay them",
        add_vectors_options,
        cmd_vectors,
    ),
    (
        "plugins",
        "list the systems, vector stores and embedders installed, built-in and "
        "plug-ins, with their versions",
        add_plugins_options,
        cmd_plugins,
    ),
]


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog=PROG,
        description="Measure the memory write path of agent-memory "
        "systems over real embedded stores (aiosqlite, usearch, fastembed).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    sub.required = True
    for name, help_text, add_options, func in COMMANDS:
        p = sub.add_parser(name, help=help_text, description=help_text)
        add_options(p)
        p.set_defaults(func=func)
    return parser


def _sigterm(signum: int, frame: Any) -> None:
    """SIGTERM stops the work as Ctrl-C does. While a run's event loop runs, the loop takes
    SIGTERM itself and cancels its task at an await point (loops.run_in_own_loop)."""
    raise KeyboardInterrupt


def _quiet_cancelled_writes() -> None:
    """An interrupt cancels the writes in flight: a write whose task was cancelled before it
    started is a coroutine never awaited. The interrupt's traceback still holds some of
    them, and Python warns about each when it lets go of it (at the end of the handler
    below, after loops.run_in_own_loop has dropped the ones it saw). They were cancelled on
    purpose (verify repairs what they left): no warning lines after the one-line message."""
    import warnings

    warnings.filterwarnings(
        "ignore", message="coroutine .* was never awaited", category=RuntimeWarning
    )


#: Seconds the interpreter gets to shut down after the command's work is done.
EXIT_GRACE_S = 20.0


def _exit_promptly(code: int) -> None:
    """The command is done: make sure the process ends. Every store closes its worker
    thread on every path; should one still be running (a thread that is not a daemon keeps
    Python waiting at exit, forever if it waits on a queue), the process ends after
    ``EXIT_GRACE_S`` with the command's own status and a line naming the thread."""

    def force() -> None:
        stuck = [
            t.name
            for t in threading.enumerate()
            if not t.daemon and t is not threading.main_thread()
        ]
        print(
            f"{PROG}: exiting although a worker thread did not stop ({', '.join(stuck)})",
            file=sys.stderr,
            flush=True,
        )
        os._exit(code)

    timer = threading.Timer(EXIT_GRACE_S, force)
    timer.daemon = True
    timer.start()


def main(argv: Sequence[str] | None = None) -> int:
    """The command line (``argv`` None: ``sys.argv``, and the process is made to end once
    the command is done); tests pass ``argv`` and keep their process."""
    try:
        code = _main(argv)
        sys.stdout.flush()  # a closed pipe shows here, inside this handler, not at exit
        if argv is None:
            _exit_promptly(code)
        return code
    except BrokenPipeError:
        # The reader went away (`agentmem-lab check DIR | head`): stop writing, quietly, as
        # a command killed by SIGPIPE would (Python's documented recipe).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    where = f"{PROG} {args.command}"
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _sigterm)
    try:
        code: int = args.func(args)
        return code
    except Interrupted as exc:
        _quiet_cancelled_writes()
        print(f"{where}: {exc}", file=sys.stderr)
        return 130
    except ConfigError as exc:
        print(f"{where}: error: {exc}", file=sys.stderr)
        return 2
    except AgentMemLabError as exc:
        print(f"{where}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        _quiet_cancelled_writes()
        print(f"{where}: interrupted", file=sys.stderr)
        return 130

    finally:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, signal.SIG_DFL)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
