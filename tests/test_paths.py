import pytest

from agentmem_lab.core.errors import ConfigError
from agentmem_lab.core.paths import data_file, notebook, read_toml, repo_root


def test_checkout_folders():
    root = repo_root()
    assert root is not None and (root / "pyproject.toml").is_file()
    assert data_file("targets.toml").is_file() and notebook("benchmark.ipynb").is_file()


def test_read_toml_errors_name_the_option(tmp_path):
    with pytest.raises(ConfigError, match=r"^--config: .*none.toml: no such file$"):
        read_toml(tmp_path / "none.toml", "--config")
    bad = tmp_path / "bad.toml"
    bad.write_text("[unclosed")
    with pytest.raises(ConfigError, match="not TOML"):
        read_toml(bad, "--config")
    good = tmp_path / "good.toml"
    good.write_text('a = 1\n[b]\nc = "x"\n')
    assert read_toml(good, "--config") == {"a": 1, "b": {"c": "x"}}
