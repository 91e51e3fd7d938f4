"""Plotting setup shared by the report and compare: matplotlib on a non-interactive
backend outside Jupyter, and the colours of the modes (a configuration's notebook draws
its small figures without matplotlib: ``svg``)."""

from __future__ import annotations

from typing import Any

from agentmem_lab.core.seedmodel import MODE_ORDER

MODE_COLORS = {
    "sequential": "#7f7f7f",
    "parallel": "#9467bd",
    "batch": "#d62728",
    "bulk": "#1f77b4",
}


def pyplot() -> Any:
    """``matplotlib.pyplot``, on the Agg backend unless Jupyter's inline backend is in use
    (a sweep's kernels and the tests draw without a display)."""
    import matplotlib

    if matplotlib.get_backend().lower() not in ("module://matplotlib_inline.backend_inline",):
        matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


__all__ = ["MODE_COLORS", "MODE_ORDER", "pyplot"]
