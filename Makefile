# The two set-up commands of the README. Each works from a fresh clone with only Python 3.11.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: demo test install

$(VENV)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev,beam]"
	touch $@

install: $(VENV)/.installed

demo: install
	$(VENV)/bin/tfvae demo --out runs/demo --overwrite

# Tests marked own_process train other model shapes under MirroredStrategy, which
# TensorFlow's CPU collectives do not allow in the same process as tests/training.
test: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest -q -m "not own_process"
	$(PY) -m pytest -q -m own_process
