"""Executing one notebook: papermill with kernels over IPC, and its HTML export.

What a local sweep and a cluster's worker share: ``execute`` (one configuration's notebook
or the report), ``error_text`` (a failure in one line) and ``export_html``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from agentmem_lab.core.errors import MissingDependencyError, one_line
from agentmem_lab.report.page import FONT_STACK

#: The page around a configuration's notebook: JupyterLab's own template inlines about
#: 280 KB of CSS into every page (31 MB over the default sweep's 85 configurations).
_LIGHT_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title}</title><style>
body {{ font-family: {fonts}; max-width: 1100px; margin: auto; padding: 1em; }}
pre {{ background: #f6f6f6; padding: 6px; overflow-x: auto; }}
table {{ border-collapse: collapse; font-size: 12px; display: block; overflow-x: auto; }}
td, th {{ padding: 2px 6px; border-bottom: 1px solid #ddd; white-space: nowrap; }}
img {{ max-width: 100%; height: auto; }}
.jp-InputPrompt, .jp-OutputPrompt {{ display: none; }}
</style></head><body>
{body}
</body></html>
"""


def export_html(
    notebook_path: Path, html_path: Path, exclude_input: bool = False, light: bool = False
) -> None:
    """An executed notebook as one self-contained HTML file (figures inline, no CDN).
    ``light``: nbconvert's basic template in a small page of its own (a configuration's
    notebook: 84 KB instead of 363 KB); otherwise JupyterLab's template (the report)."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(str(notebook_path), as_version=4)  # type: ignore[no-untyped-call]
    exporter = HTMLExporter(template_name="basic" if light else "lab")  # type: ignore[no-untyped-call]
    exporter.exclude_input = exclude_input
    exporter.exclude_input_prompt = exclude_input
    exporter.exclude_output_prompt = True
    exporter.mathjax_url = ""
    exporter.require_js_url = ""
    exporter.widget_renderer_url = ""
    exporter.mermaid_js_url = ""
    exporter.mermaid_layout_elk_js_url = ""
    exporter.jupyter_widgets_base_url = ""
    body, _ = exporter.from_notebook_node(nb)
    if light:
        import html as html_mod

        body = _LIGHT_PAGE.format(
            title=html_mod.escape(notebook_path.parent.name), body=body, fonts=FONT_STACK
        )
    tmp = html_path.with_suffix(".html.tmp")
    tmp.write_text(body, encoding="utf-8")
    os.replace(tmp, html_path)


_KERNEL_MANAGER: Any = None
_KERNEL_LOG: Any = None  # the open log of the kernel being started (``execute``)
_KERNEL_FOLDER: str | None = None


def kernel_folder() -> str | None:
    """This process's kernels' temporary folder (their sockets, IPython profile and
    matplotlib cache), removed when the process exits; None before the first kernel."""
    return _KERNEL_FOLDER


def _kernel_manager() -> Any:
    """A kernel manager whose kernels talk over IPC sockets in a private temporary folder:
    over TCP every kernel warns that it runs without encryption (one warning line per
    configuration in the sweep's output), and loopback TCP is no faster for this."""
    global _KERNEL_MANAGER, _KERNEL_FOLDER
    if _KERNEL_MANAGER is None:
        import atexit
        import tempfile

        from jupyter_client.manager import AsyncKernelManager
        from traitlets import CaselessStrEnum, default

        folder = tempfile.mkdtemp(prefix="agentmem-lab-kernels-")
        atexit.register(shutil.rmtree, folder, True)
        _KERNEL_FOLDER = folder
        count = iter(range(1 << 30))
        # The kernels' IPython profile and matplotlib's caches live in that folder too,
        # not under HOME (a user's own settings are kept where they set these variables;
        # the kernels of one sweep share the font cache matplotlib builds once).
        os.environ.setdefault("IPYTHONDIR", os.path.join(folder, "ipython"))
        os.environ.setdefault("MPLCONFIGDIR", os.path.join(folder, "matplotlib"))

        class IpcKernelManager(AsyncKernelManager):  # type: ignore[misc]
            transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc", config=True)

            @default("ip")
            def _ip_default(self) -> str:
                return os.path.join(folder, f"kernel-{next(count)}")

            async def start_kernel(self, **kw: Any) -> None:  # type: ignore[override]
                # The kernel's own stdout and stderr (not its cells' output, which goes to
                # the notebook) into the log beside the executed notebook: what a kernel
                # or a library prints as it starts and stops never lands in the sweep's
                # output between its progress lines. One such line was "KeyboardInterrupt
                # caught in kernel.": jupyter_client interrupts (SIGINT) every kernel it
                # shuts down, and papermill shuts one down right after its last cell, so
                # the interrupt can land while the kernel still finishes that message.
                # The interrupt stays (an interrupted sweep needs it to stop a busy kernel
                # cleanly); its line goes to the log.
                if _KERNEL_LOG is not None:
                    kw.setdefault("stdout", _KERNEL_LOG)
                    kw.setdefault("stderr", _KERNEL_LOG)
                await AsyncKernelManager.start_kernel(self, **kw)

        _KERNEL_MANAGER = IpcKernelManager
    return _KERNEL_MANAGER


def execute(
    src: Path, dst: Path, parameters: dict[str, Any], cwd: Path, progress_bar: Any = False
) -> None:
    """Run the notebook ``src`` with ``parameters`` under papermill, writing ``dst``;
    ``progress_bar``: papermill's (False, or tqdm's keyword arguments)."""
    try:
        import papermill
    except ImportError:
        raise MissingDependencyError("papermill", "pip install 'agentmem-lab[notebooks]'") from None
    global _KERNEL_LOG
    log_path = kernel_log(dst)
    manager = _kernel_manager()
    with open(log_path, "w", encoding="utf-8") as log:
        _KERNEL_LOG = log
        try:
            papermill.execute_notebook(
                str(src),
                str(dst),
                parameters=parameters,
                progress_bar=progress_bar,
                cwd=str(cwd),
                kernel_name="python3",
                log_output=False,
                kernel_manager_class=manager,
            )
        finally:
            _KERNEL_LOG = None
    if log_path.stat().st_size == 0:
        log_path.unlink()  # kept only when the kernel had something to say


def kernel_log(executed: Path) -> Path:
    """Where the kernel that executed ``executed`` wrote its own stdout and stderr."""
    return executed.with_name(f"{executed.stem}.kernel.log")


def error_text(exc: BaseException) -> str:
    """A failed notebook's error in one line (the kernel's exception name and message)."""
    if hasattr(exc, "evalue"):  # papermill's PapermillExecutionError: the kernel's exception
        return one_line(Exception(exc.evalue), getattr(exc, "ename", None))
    return one_line(exc)


__all__ = ["error_text", "execute", "export_html"]
