import pytest

from agentmem_lab.core.errors import UnknownNameError
from agentmem_lab.core.registry import Registry


def test_register_get_and_prefix():
    r: Registry[int] = Registry("thing", "--thing")
    r.register("a")(1)
    r.register("pre:")(2)
    assert r.get("a") == 1 and r.get("pre:x") == 2
    assert r.names() == ["a", "pre:NAME"]
    with pytest.raises(UnknownNameError) as info:
        r.get("pre:")
    assert str(info.value) == "--thing: no thing named 'pre:'; known: a, pre:NAME"
    with pytest.raises(ValueError, match="registered already"):
        r.register("a")(3)
