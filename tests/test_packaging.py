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
    for extra, reqs in project["optional-dependencies"].items():
        wanted |= {r for r in reqs if not r.startswith("agentmem-lab")}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert sorted(pip) == sorted(wanted)
    assert "python=3.11" in env["dependencies"]


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
    shutil.copytree(ROOT / "agentmem_lab", src / "agentmem_lab",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir",
                    str(tmp_path / "dist"), str(src)], check=True, capture_output=True)
    (wheel,) = (tmp_path / "dist").glob("agentmem_lab-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    packages = {p.parent.relative_to(ROOT).as_posix()
                for p in (ROOT / "agentmem_lab").rglob("__init__.py")}
    assert {"agentmem_lab", "agentmem_lab/stores", "agentmem_lab/systems",
            "agentmem_lab/report"} <= packages
    for package in packages:
        assert f"{package}/__init__.py" in names, package
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "agentmem_lab").rglob("*.py")}
    assert modules <= names
    assert "agentmem_lab/py.typed" in names
