# Every target runs from the project's own virtual environment, which this Makefile creates
# and fills from pyproject.toml + uv.lock whenever they change. Nothing else is assumed but
# python3 (and node/npm for the spec linter and the HTML reference).

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
REDOCLY := npx --yes @redocly/cli@2.77.0  # the pin of scripts/lint_spec.py (a test compares)
SPEC := openapi/plivo-dtmf.yaml
MOCK_PORT ?= 4010
export PATH := $(CURDIR)/$(BIN):$(PATH)
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)

.PHONY: help venv generate check-generated lint lint-spec lint-python docs mock demo spec-diff release dist test test-typescript contract bench clean

help: ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(BIN)/.installed: pyproject.toml uv.lock generated/python/pyproject.toml generated/python-mock-control/pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	@$(BIN)/uv sync --quiet --frozen --inexact --compile-bytecode
	@touch $@

venv: $(BIN)/.installed ## Create or refresh .venv from the lock file.

generate: venv ## Set the pending version, then regenerate generated/ (python, python-mock-control, typescript) from openapi/.
	$(BIN)/python scripts/release.py --set-version
	$(BIN)/python scripts/generate.py
	$(BIN)/python scripts/generate_typescript.py

# Every check runs (each stale package gets its diff) before the target fails.
check-generated: venv ## Fail with a diff when generated/ is not what openapi/ generates (and run the release gate).
	@code=0; \
	$(BIN)/python scripts/generate.py --check || code=1; \
	$(BIN)/python scripts/generate_typescript.py --check || code=1; \
	$(BIN)/python scripts/release.py --check || code=1; \
	exit $$code

spec-diff: venv ## Spec changes since the last release: make spec-diff [OLD=file|ref] [NEW=file|ref] [FORMAT=text|markdown|json].
	PYTHONPATH=scripts $(BIN)/python -m specdiff $(if $(OLD),--old '$(OLD)') $(if $(NEW),--new '$(NEW)') --format $(or $(FORMAT),text)

release: venv ## Release the spec changes: next semver, changelogs, recorded spec, regenerate (DATE=YYYY-MM-DD, DRY_RUN=1).
	$(BIN)/python scripts/release.py $(if $(DATE),--date $(DATE)) $(if $(DRY_RUN),--dry-run)

DIST := dist

# Publishing needs registry credentials this project does not have: there is no `make publish`.
dist: venv ## Build into dist/ the wheels, sdists and npm tarball users install, and check them (DIST=... for another folder; no make publish: no registry credentials).
	rm -rf $(DIST)
	$(BIN)/uv build --quiet --out-dir $(DIST) generated/python
	$(BIN)/uv build --quiet --out-dir $(DIST) generated/python-mock-control
	$(BIN)/uv build --quiet --out-dir $(DIST) .
	npm pack ./$(TS_SDK) --pack-destination $(DIST) --ignore-scripts --loglevel=error >/dev/null
	$(BIN)/twine check --strict $(DIST)/*.whl $(DIST)/*.tar.gz
	$(BIN)/python scripts/check_dist.py $(DIST)

lint-spec: venv ## Validate the spec (openapi-spec-validator, then Redocly's enforced rules, then the numbers its prose states).
	$(BIN)/python scripts/lint_spec.py

lint-python: venv ## ruff check + format check, mypy --strict on our code and on generated/python/.
	$(BIN)/ruff check scripts tests openapi
	$(BIN)/ruff format --check scripts tests openapi
	$(BIN)/mypy
	cd generated/python && ../../$(BIN)/mypy --strict --cache-dir ../../.mypy_cache plivo_dtmf_client
	cd generated/python-mock-control && ../../$(BIN)/mypy --strict --cache-dir ../../.mypy_cache plivo_mock_control_client

lint: lint-spec lint-python ## All linters.

docs: ## Render the static HTML API reference to build/docs/index.html.
	$(REDOCLY) build-docs $(SPEC) --config openapi/redocly.yaml --output build/docs/index.html

mock: venv ## Serve the mock Plivo on 127.0.0.1:4010 (MOCK_PORT=...) until Ctrl-C.
	MOCK_PORT=$(MOCK_PORT) scripts/mock

demo: venv ## The main job end to end: lint, regenerate, check drift, send digits via the mock, contract-test it.
	scripts/demo

test: venv check-generated lint test-typescript ## Drift check, linters and the whole test suite.
	$(BIN)/pytest

TS_SDK := generated/typescript

$(TS_SDK)/node_modules/.installed: $(TS_SDK)/package-lock.json
	cd $(TS_SDK) && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	@touch $@

test-typescript: venv $(TS_SDK)/node_modules/.installed ## The TypeScript SDK: tsc --strict, then node --test against the mock.
	node $(TS_SDK)/node_modules/typescript/bin/tsc -p $(TS_SDK) --noEmit
	node $(TS_SDK)/node_modules/typescript/bin/tsc -p tests/typescript
	node --test --test-reporter=spec tests/typescript/

contract: venv ## Contract-test a provider: make contract BASE_URL=... PLIVO_AUTH_ID=... PLIVO_AUTH_TOKEN=...
	@# make turns any failure into 2; CI wanting 0 kept / 1 violated / 2 error calls scripts/contract.
	@# $(PWD) is where make was started (make -C moves the recipe): a --states module lives there.
	@code=0; CONTRACT_CALLER_DIR="$${CONTRACT_CALLER_DIR:-$(PWD)}" scripts/contract || code=$$?; \
		echo "contract: runner exit $$code (0 kept, 1 violated, 2 error; scripts/contract exits with it)"; \
		exit $$code

bench: venv ## Benchmarks: tables of figures and ratios measured side by side (BENCH_ARGS="mock --quick").
	PYTHONPATH=scripts $(BIN)/python -m benchmarks $(BENCH_ARGS)

clean: ## Remove the venv, caches and build output.
	rm -rf $(VENV) build $(DIST) reports .mypy_cache .pytest_cache .ruff_cache .hypothesis
