# The two commands that matter: `make run` and `make test`. Everything they need is installed
# here, from the package registry, into .venv; nothing relies on what is already on the machine.
# `make run` installs the hub's runtime only; `make test` adds the test tools and the report
# extra (matplotlib, for `hub report --out`).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.runtime
TOOLS := $(VENV)/.test-tools
HOST ?= 127.0.0.1
PORT ?= 8000
# A fresh HUB_HOME is a fresh hub: keys, the default store and local state live in it.
HUB_HOME ?= $(CURDIR)/var
export HUB_HOME

.PHONY: run test lint bench install clean

$(RUNTIME): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e .
	touch $(RUNTIME)

$(TOOLS): $(RUNTIME)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test,report]'
	touch $(TOOLS)

install: $(TOOLS)

run: $(RUNTIME)
	$(BIN)/hub demo
	$(BIN)/hub serve --host $(HOST) --port $(PORT)

test: $(TOOLS)
	$(BIN)/python -m pytest

lint: $(TOOLS)
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: $(TOOLS)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var build *.egg-info
