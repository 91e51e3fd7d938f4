"""One declaration per setting: the CLI, the notebook parameters, RunConfig, StoreSettings
and the recorded result all derive from ``settings.SETTINGS``."""

from __future__ import annotations

import ast
import json
from dataclasses import fields

import pytest

from agentmem_lab import settings
from agentmem_lab.cli import build_parser
from agentmem_lab.core.errors import ConfigError
from agentmem_lab.measuring.runner import RunConfig
from agentmem_lab.stores import StoreSettings
from agentmem_lab.sweep import facade
from agentmem_lab.workload.modes import MODES
from conftest import ROOT


def _run_parser():
    sub = build_parser()._subparsers._group_actions[0]  # type: ignore[attr-defined]
    return sub.choices["run"]


def test_every_setting_is_a_field_with_the_declared_default():
    run_fields = {f.name: f for f in fields(RunConfig)}
    store_fields = {f.name: f for f in fields(StoreSettings)}
    for s in settings.SETTINGS:
        owner = store_fields if s.scope == "stores" else run_fields
        assert s.name in owner, s.name
        if not s.required:
            assert owner[s.name].default == s.default, s.name
    declared = {s.name for s in settings.SETTINGS}
    assert set(store_fields) <= declared
    assert set(run_fields) - {"stores"} <= declared


def test_every_setting_is_a_cli_option_with_its_default():
    parser = _run_parser()
    by_dest = {a.dest: a for a in parser._actions}
    for s in settings.SETTINGS:
        action = by_dest[s.name]
        assert s.option in action.option_strings
        assert action.default == s.default and action.required == s.required
    # former names still work
    assert "--usearch-connectivity" in by_dest["hnsw_connectivity"].option_strings


def test_the_notebook_declares_the_settings_it_holds_with_their_defaults():
    cells = json.loads((ROOT / "notebooks" / "benchmark.ipynb").read_text())["cells"]
    source = "".join(
        next(c for c in cells if "parameters" in c["metadata"].get("tags", []))["source"]
    )
    values = {
        t.id: ast.literal_eval(node.value)
        for node in ast.parse(source).body
        if isinstance(node, ast.Assign)
        for t in node.targets
        if isinstance(t, ast.Name)
    }
    # every setting, and besides them only where the run goes and what a sweep says of it
    not_settings = {"out", "processes_measured"}
    assert set(values) - not_settings == set(settings.BY_NAME)
    for name, value in values.items():
        s = settings.BY_NAME.get(name)
        # the run's shape is the notebook's own choice (agentmem needs a mode; the declared
        # default, none, means the system's own, which only a peer has)
        if s is not None and not s.required and name != "mode":
            assert value == s.default or (value == "" and s.default is None), name
    # what it passes is what it holds: every declared name among its variables
    assert set(facade.parameters_of(values)) == set(values) - not_settings


def test_the_result_records_every_setting_not_held_as_its_own_field():
    c = RunConfig(mode="bulk", batch_size=10, items=20, fail_rate_core=0.5)
    recorded = c.to_settings()
    assert recorded["stores"] == StoreSettings().to_dict()
    assert recorded["fail_rate_core"] == 0.5 and recorded["fail_rates"]["core"] == 0.5
    assert recorded["event_loop"] == "uvloop" and recorded["search_queries"] == 100
    assert "mode" not in recorded  # a field of the result itself


@pytest.mark.parametrize("value, parsed", [("12", 12), (" 7 ", 7), (3, 3)])
def test_an_integer_parameter_accepts_digit_strings(value, parsed):
    assert settings.BY_NAME["concurrency"].coerce(value) == parsed


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("concurrency", 0, "--concurrency: must be >= 1, got 0"),
        ("concurrency", True, "--concurrency: must be an integer, got True (bool)"),
        ("concurrency", "two", "--concurrency: must be an integer, got 'two'"),
        ("fail_rate", 1.5, "--fail-rate: must be from 0 to 1, got 1.5"),
        ("fail_rate", "nan", "--fail-rate: must be a number, got nan"),
        ("usearch_dtype", "f64", "--usearch-dtype: must be one of f32, f16, bf16, i8, got 'f64'"),
        ("embedder", 3, "--embedder: must be a string, got 3 (int)"),
    ],
)
def test_bad_values_are_one_line_naming_the_option(name, value, message):
    with pytest.raises(ConfigError) as info:
        settings.BY_NAME[name].coerce(value)
    assert str(info.value) == message


def test_a_registry_name_is_checked_where_its_registry_is():
    # The declarations import nothing above them: the modes' registry owns the mode names,
    # and RunConfig asks it, with the same one line naming the option.
    message = "--mode: no mode named 'turbo'; known: sequential, parallel, batch, bulk"
    with pytest.raises(ConfigError) as info:
        MODES.get("turbo")
    assert str(info.value) == message
    with pytest.raises(ConfigError) as info:
        RunConfig(mode="turbo", batch_size=1, items=1)
    assert str(info.value) == message


def test_unknown_and_missing_settings():
    with pytest.raises(
        ConfigError, match="turbo_mode: is not a setting; known: system, mode, batch_size"
    ):
        RunConfig.from_values({"mode": "bulk", "batch_size": 1, "items": 1, "turbo_mode": 1})
    with pytest.raises(ConfigError, match="items: is required"):
        RunConfig.from_values({"mode": "bulk", "batch_size": 1}, where=lambda s: s.name)
    c = RunConfig.from_values(
        {
            "mode": "bulk",
            "batch_size": "2",
            "items": "4",
            "usearch_expansion_add": 32,
            "corpus": "",
            "label": "",
        }
    )
    assert c.stores.hnsw_expansion_add == 32 and c.corpus is None and c.label is None
