import asyncio

import pytest

from agentmem_lab.core.errors import ConfigError
from agentmem_lab.sweep import facade


def test_parameters_accept_ints_and_digit_strings():
    c = facade.config_from_parameters(mode="bulk", batch_size="100", items=300, repeats="3")
    assert (c.batch_size, c.items, c.repeats) == (100, 300, 3)


@pytest.mark.parametrize(
    "name, value",
    [
        ("batch_size", 1.5),
        ("batch_size", "ten"),
        ("items", True),
        ("concurrency", None),
        ("mode", 3),
        ("usearch_dtype", 8),
    ],
)
def test_wrong_types_give_one_line_naming_the_parameter(name, value):
    params = dict(mode="bulk", batch_size=10, items=100)
    params[name] = value
    with pytest.raises(ConfigError) as info:
        facade.config_from_parameters(**params)
    assert info.value.option == name and "\n" not in str(info.value)


def test_a_run_works_inside_a_running_event_loop(tmp_path):
    # Jupyter kernels run an event loop: the runner must not call asyncio.run inside it.
    async def inside():
        return facade.run_notebook(
            out=str(tmp_path), mode="bulk", batch_size=10, items=30, search_queries=5
        )

    r = asyncio.run(inside())
    assert r.integrity.acknowledged == 30 and (tmp_path / "result.json").exists()


def test_figures_of_one_run(tmp_path):
    import sys
    import xml.etree.ElementTree as ET

    r = facade.run_notebook(
        out=str(tmp_path), mode="batch", batch_size=10, items=50, search_queries=5
    )
    svg = ET.fromstring(facade.samples_figure(r)._repr_svg_())  # well-formed SVG
    texts = ["".join(t.itertext()) for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert f"{r.name}: {len(r.samples_ms)} calls" in texts
    assert f"p99 {r.latency_ms['p99']:.3f} ms" in texts
    bars = ET.fromstring(facade.stages_figure(r)._repr_svg_())
    labels = [t.text for t in bars.iter("{http://www.w3.org/2000/svg}text")]
    assert {"embed", "core", "vector", "history"} <= set(labels)
    assert f"- - call (mean) {r.latency_ms['mean']:.3f} ms" in labels
    assert (
        sum(e.get("fill") == "#ff7f0e" for e in bars.iter("{http://www.w3.org/2000/svg}rect")) == 4
    )
    summary = facade.summary_table(r)
    assert summary["lost"] == 0 and summary["items"] == 50
    assert summary.to_frame().loc["acknowledged", "value"] == 50
    assert "<th>lost</th><td>0</td>" in summary._repr_html_()
    # what a configuration's notebook shows needs neither matplotlib nor pandas
    code = (
        "import sys; from agentmem_lab.sweep import facade; from agentmem_lab.schema.result "
        "import Result; "
        f"r = Result.load({str(tmp_path / 'result.json')!r}); "
        "facade.samples_figure(r)._repr_svg_(); facade.stages_figure(r)._repr_svg_(); "
        "facade.summary_table(r)._repr_html_(); "
        "print(sorted(m for m in ('matplotlib', 'pandas') if m in sys.modules))"
    )
    import subprocess

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_papermill_parameter_of_the_wrong_type_is_one_clear_line(tmp_path):
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from conftest import ROOT

    with pytest.raises(PapermillExecutionError) as info:
        papermill.execute_notebook(
            str(ROOT / "notebooks" / "benchmark.ipynb"),
            str(tmp_path / "out.ipynb"),
            parameters={"batch_size": 1.5, "out": str(tmp_path / "r")},
            progress_bar=False,
            cwd=str(ROOT / "notebooks"),
        )
    assert info.value.ename == "ConfigError"
    assert info.value.evalue == "batch_size: must be an integer, got 1.5 (float)"
    assert not (tmp_path / "r" / "result.json").exists()


def test_the_event_loop_parameter():
    assert (
        facade.config_from_parameters(mode="bulk", batch_size=10, items=100).event_loop == "uvloop"
    )
    c = facade.config_from_parameters(mode="bulk", batch_size=10, items=100, event_loop="asyncio")
    assert c.event_loop == "asyncio"
    with pytest.raises(ConfigError) as info:
        facade.config_from_parameters(mode="bulk", batch_size=10, items=100, event_loop=1)
    assert info.value.option == "event_loop"
