"""The package's structure: no import cycle among its modules (imports inside functions
counted), the layers contract in pyproject.toml kept, and a low module loads little."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import grimp
import pytest

from conftest import ROOT


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (or a module importing
    itself): Tarjan's algorithm, iterative."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        m = stack.pop()
                        on_stack.discard(m)
                        component.append(m)
                        if m == node:
                            break
                    if len(component) > 1 or node in edges.get(node, ()):
                        out.append(sorted(component))
    return out


def test_the_cycle_finder_finds_cycles():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"a"}}) == [["a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("agentmem_lab", cache_dir=None)


def test_no_import_cycle_among_the_packages_modules(graph):
    # grimp reads every import statement, those inside functions and TYPE_CHECKING blocks
    # included: a cycle kept open only by a deferred import is still a cycle here.
    edges = {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    assert sum(len(v) for v in edges.values()) > 100  # the graph was really read
    assert cycles(edges) == []


def test_every_module_has_a_layer(graph):
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    contract, peers = config["contracts"]
    assert peers["type"] == "forbidden" and peers["forbidden_modules"] == ["agentmem_lab_peers"]
    assert contract["type"] == "layers" and contract.get("exhaustive") is True
    named = {
        f"agentmem_lab.{m.strip()}"
        for layer in contract["layers"]
        for m in layer.replace("|", ":").split(":")
    }
    top = {m for m in graph.modules if m.count(".") == 1}
    assert top == named


def test_the_layers_contract_is_kept():
    lint = Path(sys.executable).parent / "lint-imports"  # import-linter's command
    out = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0 and "2 kept, 0 broken" in out.stdout, out.stdout[-2000:]


def test_a_low_module_loads_only_what_it_needs():
    code = (
        "import sys, agentmem_lab.core.stats; "
        "print(sorted(m for m in sys.modules if m.startswith('agentmem_lab')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # the package itself, the telemetry switches it sets at import, and the module asked for
    assert out.stdout.strip() == (
        "['agentmem_lab', 'agentmem_lab.core', 'agentmem_lab.core.privacy', "
        "'agentmem_lab.core.stats']"
    )


def test_the_layers_page_shows_the_layers_as_they_are():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    layers = [
        [m.strip() for m in layer.replace("|", ":").split(":")]
        for layer in config["contracts"][0]["layers"]
    ]
    page = (ROOT / "docs" / "layers.md").read_text()
    rows = [
        line.split("|")[1:-1]
        for line in page.splitlines()
        if line.startswith("| ") and line.split("|")[1].strip().isdigit()
    ]
    shown = [[m.strip(" `") for m in row[2].split(",")] for row in rows]
    assert [int(row[0]) for row in rows] == list(range(len(layers), 0, -1))
    assert shown == layers


def drawn_tree(page: str) -> set[str]:
    """The modules the page's tree draws, as paths under agentmem_lab/: a line ``name/
    [a, b]`` is a package and its modules, ``name.py`` a module."""
    block = page.split("```text\n", 1)[1].split("```", 1)[0]
    lines = block.splitlines()
    assert lines[0] == "agentmem_lab/"
    drawn = set()
    for line in lines[1:]:
        name, _, rest = line.strip().partition(" ")
        if name.endswith("/"):
            listed = rest.strip()
            assert listed.startswith("[") and listed.endswith("]"), line
            drawn.add(f"{name}__init__.py")
            drawn |= {f"{name}{m.strip()}.py" for m in listed[1:-1].split(",")}
        else:
            drawn.add(name)
    return drawn


def test_the_layers_page_draws_the_tree_on_disk():
    package = ROOT / "agentmem_lab"
    on_disk = {str(p.relative_to(package)) for p in package.rglob("*.py")}
    assert drawn_tree((ROOT / "docs" / "layers.md").read_text()) == on_disk
    # and the README's layout block names the same packages
    readme = (ROOT / "README.md").read_text()
    packages = sorted(p.name for p in package.iterdir() if (p / "__init__.py").is_file())
    assert [p for p in packages if f"{p}/" not in readme] == []


def test_the_tree_reader_sees_a_missing_module():
    page = "```text\nagentmem_lab/\n  core/  [errors]\n  items.py  x\n```\n"
    assert drawn_tree(page) == {"core/__init__.py", "core/errors.py", "items.py"}


def test_no_module_runs_past_450_lines():
    long = {
        str(p.relative_to(ROOT)): n
        for p in [
            *(ROOT / "agentmem_lab").rglob("*.py"),
            *(ROOT / "agentmem_lab_peers").rglob("*.py"),
        ]
        if (n := len(p.read_text().splitlines())) > 450
    }
    assert long == {}


def test_at_most_fifteen_top_level_modules():
    top = [p.name for p in (ROOT / "agentmem_lab").glob("*.py")]
    assert len(top) <= 15, top


def test_the_peers_use_the_plug_in_interface_alone():
    # agentmem_lab_peers is written as an outside package writes its system: of agentmem_lab
    # it imports agentmem_lab.systems and nothing else (the forbidden contract in
    # pyproject.toml holds the other way: agentmem_lab never imports the peers)
    graph = grimp.build_graph("agentmem_lab_peers", "agentmem_lab", cache_dir=None)
    reached = {
        imported
        for module in graph.find_children("agentmem_lab_peers") | {"agentmem_lab_peers"}
        for imported in graph.find_modules_directly_imported_by(module)
        if imported.startswith("agentmem_lab.") or imported == "agentmem_lab"
    }
    assert reached == {"agentmem_lab.systems"}
    assert not graph.find_downstream_modules("agentmem_lab_peers", as_package=True) & {
        m for m in graph.modules if m.startswith("agentmem_lab.")
    }
