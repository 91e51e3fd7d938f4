"""What the notebooks call: parameters in, a validated run, figures out.

Papermill parameters arrive as Python values (``-p``) or strings (``-r``/``-y``): an
integer written as a string of digits is accepted; anything else of the wrong type
stops with one line naming the parameter.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from agentmem_lab.core.errors import ConfigError
from agentmem_lab.items import STAGES
from agentmem_lab.measuring.resolve import RunConfig
from agentmem_lab.measuring.resolve import from_parameters as config_from_parameters
from agentmem_lab.measuring.runner import run
from agentmem_lab.measuring.shards import shard_count
from agentmem_lab.schema.result import Result, config_name

__all__ = [
    "Summary",
    "compare_sides",
    "config_from_parameters",
    "default_out",
    "parameters_of",
    "run_notebook",
    "samples_figure",
    "stages_figure",
    "summary_table",
    "sweep_results",
]


def parameters_of(namespace: dict[str, Any]) -> dict[str, Any]:
    """The declared settings among a notebook's variables (its parameters cell and what
    papermill injected), so that the notebook passes every setting without naming each."""
    from agentmem_lab.settings import SETTINGS

    return {s.name: namespace[s.name] for s in SETTINGS if s.name in namespace}


def default_out(config: RunConfig) -> Path:
    """Where a notebook run writes when ``out`` is empty: reports/notebook-runs/<name>/
    of the checkout, else a temporary folder."""
    from agentmem_lab.core.paths import repo_root

    name = config.label or config_name(
        config.mode,
        config.batch_size,
        config.concurrency,
        config.embedder_label,
        config.profile,
        config.system,
        shard_count(config.shards),
    )
    root = repo_root()
    if root is not None and os.access(root, os.W_OK):
        return root / "reports" / "notebook-runs" / name
    return Path(tempfile.mkdtemp(prefix=f"agentmem-lab-{name}-"))


def run_notebook(out: str = "", processes_measured: bool = False, **parameters: Any) -> Result:
    """Run one configuration from notebook parameters; writes out/result.json. Pass
    ``**facade.parameters_of(globals())`` to pass every declared setting the notebook holds;
    ``processes_measured``: a sweep with ``--interleave`` ran its processes already."""
    config = config_from_parameters(**parameters)
    return run(config, Path(out) if out else default_out(config), processes_measured)


def samples_figure(result: Result) -> Any:
    """The run's latency distribution: histogram and empirical CDF of per-call latency,
    with p50, p95 and p99 marked (an SVG figure: ``report.svg``)."""
    from agentmem_lab.report.svg import latency_figure

    return latency_figure(
        result.samples_ms, [(q, result.latency_ms[q]) for q in ("p50", "p95", "p99")], result.name
    )


def stages_figure(result: Result) -> Any:
    """The run's mean stage spans per call beside the mean call latency (SVG)."""
    from agentmem_lab.report.svg import bars_figure

    stages = list(STAGES)
    return bars_figure(
        stages,
        [result.stages_ms[s] for s in stages],
        ("call (mean)", result.latency_ms["mean"]),
        "ms per call (span of each stage; concurrent stages overlap)",
    )


class Summary:
    """A run's figures by name (its row of ``report.results_table``), shown as a table of
    two columns without pandas (``report.svg`` says why); ``to_frame()`` gives the
    DataFrame."""

    def __init__(self, row: dict[str, Any]) -> None:
        self.row = row

    def __getitem__(self, name: str) -> Any:
        return self.row[name]

    def to_frame(self) -> Any:
        import pandas as pd

        return pd.DataFrame({"value": list(self.row.values())}, index=list(self.row))

    def _repr_html_(self) -> str:
        import html

        def shown(v: Any) -> str:  # floats as pandas shows them: 6 significant digits
            return "" if v is None else f"{v:.6g}" if isinstance(v, float) else str(v)

        cells = "".join(
            f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(shown(v))}</td></tr>"
            for k, v in self.row.items()
        )
        return f"<table><tr><th></th><th>value</th></tr>{cells}</table>"


def summary_table(result: Result) -> Summary:
    """The run's figures, one a line."""
    from agentmem_lab.report import result_row

    return Summary(result_row(result))


def sweep_results(results_dir: str = "") -> Any:
    """The results a report shows. ``results_dir`` empty: reports/latest of the checkout
    when it exists; otherwise a small sample measured now, in-process (and said so)."""
    from agentmem_lab.core.paths import repo_root
    from agentmem_lab.report import load

    if results_dir:
        if not Path(results_dir).is_dir():
            raise ConfigError("results_dir", f"{results_dir} is not a directory")
        return load(results_dir)
    root = repo_root()
    latest = root / "reports" / "latest" if root is not None else None
    if latest is not None and latest.is_dir() and any(latest.glob("configs/*/result.json")):
        return load(latest)
    # Loaded whole into memory, then removed: every nbval run of report.ipynb left 4 MB in
    # the temporary folder.
    with tempfile.TemporaryDirectory(prefix="agentmem-lab-sample-") as folder:
        sample = Path(folder)
        for mode, b, profile, n in (
            ("sequential", 1, "real", 200),
            ("parallel", 1, "real", 200),
            ("batch", 10, "real", 500),
            ("bulk", 10, "real", 500),
            ("bulk", 100, "real", 2000),
            ("sequential", 1, "simulated", 20),
            ("parallel", 1, "simulated", 20),
            ("batch", 10, "simulated", 50),
        ):
            config = RunConfig(mode=mode, batch_size=b, items=n, profile=profile, search_queries=20)
            run(
                config, sample / "configs" / config_name(mode, b, 1, config.embedder_label, profile)
            )
        loaded = load(sample)
    loaded.sample = True
    return loaded


def compare_sides(base: str = "", new: str = "") -> tuple[Any, Any, str, str]:
    """The two sides of compare.ipynb by name: BASE and NEW loaded (``compare.load_side``);
    both empty, a small pair measured now, in-process, the same code twice (and said so)."""
    from agentmem_lab.compare import load_side

    if base or new:
        if not (base and new):
            raise ConfigError("base" if not base else "new", "give both folders, or neither")
        return load_side(base, "base"), load_side(new, "new"), base, new
    with tempfile.TemporaryDirectory(prefix="agentmem-lab-compare-sample-") as folder:
        sample = Path(folder)
        for side in ("base", "new"):
            for mode, b, n in (("sequential", 1, 200), ("bulk", 100, 2000)):
                config = RunConfig(mode=mode, batch_size=b, items=n, repeats=2, search_queries=0)
                run(config, sample / side / "configs" / config_name(mode, b, 1, "hash", "real"))
        return (
            load_side(sample / "base", "base"),
            load_side(sample / "new", "new"),
            "a sample measured now (base)",
            "the same code again (new)",
        )
