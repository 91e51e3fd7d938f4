from agentmem_lab.core import environment


def test_capture_records_machine_and_packages():
    env = environment.capture()
    assert env["cpu_count"] >= 1 and env["python"].count(".") == 2
    for name in ("usearch", "aiosqlite", "numpy", "fastembed", "onnxruntime"):
        assert name in env["packages"]
    assert env["packages"]["usearch"] is not None
