# The two commands that matter: `make run` and `make test`. Everything they need is installed
# here, from the package registry, into .venv; nothing relies on what is already on the machine.
# `make run` installs the hub's runtime only; `make test` adds the test tools and the report
# extra (matplotlib, for `hub report --out`).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.runtime
TOOLS := $(VENV)/.test-tools
# The web app's design system (govuk-frontend) and, for the browser tests, axe-core: from the
# npm registry, exactly as hub/web/package-lock.json pins them (Node 20 and npm).
WEB_MODULES := hub/web/node_modules/.package-lock.json
HOST ?= 127.0.0.1
PORT ?= 8000
# A fresh HUB_HOME is a fresh hub: keys, the default store and local state live in it.
HUB_HOME ?= $(CURDIR)/var
export HUB_HOME

.PHONY: run test lint bench install clean web

$(RUNTIME): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e .
	touch $(RUNTIME)

$(TOOLS): $(RUNTIME)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test,report]'
	touch $(TOOLS)

# The OpenID Connect provider the sign-in tests run (tests/oidc_provider): oidc-provider from
# the npm registry at the versions its lock file pins, installed beside it, never globally.
OIDC_PROVIDER := tests/oidc_provider/node_modules/.package-lock.json

$(OIDC_PROVIDER): tests/oidc_provider/package.json tests/oidc_provider/package-lock.json
	npm ci --prefix tests/oidc_provider --no-audit --no-fund --ignore-scripts
	touch $(OIDC_PROVIDER)

install: $(TOOLS) $(OIDC_PROVIDER) $(WEB_MODULES)

$(WEB_MODULES): hub/web/package.json hub/web/package-lock.json
	cd hub/web && npm ci --no-audit --no-fund --ignore-scripts
	touch $(WEB_MODULES)

web: $(WEB_MODULES)

run: $(RUNTIME) $(WEB_MODULES)
	$(BIN)/hub demo
	$(BIN)/hub serve --host $(HOST) --port $(PORT)

# Two workers (the CI machine has two cores), each test file whole on one worker (its
# module fixtures, its broker); every test has its own store, schema and HUB_HOME.
TEST_WORKERS ?= 2

test: $(TOOLS) $(OIDC_PROVIDER) $(WEB_MODULES)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

lint: $(TOOLS)
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: $(TOOLS)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var build *.egg-info tests/oidc_provider/node_modules hub/web/node_modules

# The container image (deploy/README.md, "Containers"). ENGINE: podman (the default) or
# docker, with any global options. BASE_IMAGE: where no public registry is reachable,
# `make image-base` builds LOCAL_BASE_IMAGE with debootstrap (root), then
# `make image BASE_IMAGE=localhost/debian-python:bookworm`. PIP_CERT, if set (pip's own
# setting), is passed to the build as the secret pip_cert: the CA bundle of a TLS-inspecting
# proxy in front of PyPI, never stored in the image.
ENGINE ?= podman
IMAGE ?= localhost/safeguarding-hub:latest
BASE_IMAGE ?= docker.io/library/python:3.11-slim
LOCAL_BASE_IMAGE ?= localhost/debian-python:bookworm
IMAGE_BUILD_FLAGS ?=
comma := ,

.PHONY: image image-base test-image

image:
	$(ENGINE) build $(if $(findstring podman,$(firstword $(ENGINE))),--format docker) \
		--build-arg BASE_IMAGE=$(BASE_IMAGE) \
		$(if $(PIP_CERT),--secret id=pip_cert$(comma)src=$(PIP_CERT)) \
		$(IMAGE_BUILD_FLAGS) -t $(IMAGE) -f Dockerfile .

image-base:
	BASE_IMAGE=$(LOCAL_BASE_IMAGE) PODMAN="$(ENGINE)" deploy/container/make-local-base.sh

# Builds the image and runs it (slow; root and Podman): tests/integration/test_image.py.
test-image: $(TOOLS)
	HUB_TEST_IMAGE=1 $(BIN)/python -m pytest tests/integration/test_image.py
