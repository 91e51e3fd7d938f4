"""Loading native extensions in a safe order.

With usearch 2.26.6 and onnxruntime 1.32.0 from PyPI (x86-64 Linux), importing
``usearch.compiled`` *before* ``onnxruntime`` kills the process with a segmentation fault
inside onnxruntime's extension import; the other order works. Every usearch import of
the library goes through ``import_usearch_index``, which loads onnxruntime first when it
is installed (tests/test_native.py checks both orders in subprocesses).
"""

from __future__ import annotations

import importlib.util
from typing import Any

from agentmem_lab.core.errors import MissingDependencyError
from agentmem_lab.core.privacy import quiet_onnxruntime


def import_usearch_index() -> Any:
    """The ``usearch.index`` module, imported after onnxruntime when onnxruntime exists."""
    if importlib.util.find_spec("onnxruntime") is not None:
        import onnxruntime  # (load order, see the module docstring)

        quiet_onnxruntime(onnxruntime)
    try:
        import usearch.index
    except ImportError:
        raise MissingDependencyError("usearch", "pip install usearch") from None
    return usearch.index
