# b2b-mcp: build, test and run the MCP server.
# `make run` serves the local stage on http://127.0.0.1:3000/mcp; `make test` is what CI runs.

CARGO ?= cargo
BIND ?= 127.0.0.1:3000
BIN := b2b-mcp

.PHONY: help build release test lint fmt run stdio tools smoke conformance inspector clean

help:
	@echo "make run          the local platform and the MCP server against it (mutations on)"
	@echo "make stdio        run the stdio transport (for desktop clients)"
	@echo "make test         format check, clippy, all tests (installs the test tools into .tools/ first)"
	@echo "make build        debug build;  make release: optimised build"
	@echo "make smoke URL=https://.../mcp TOKEN=... [MUTATIONS=1] [MODE=auto|legacy|2026-07-28]"
	@echo "                  the release gate against a deployed stage (read-only unless MUTATIONS=1)"
	@echo "make conformance URL=http://127.0.0.1:3000/mcp"
	@echo "                  the official MCP conformance suite, both protocol eras"
	@echo "make inspector    open MCP Inspector on the server make run started"

build:
	$(CARGO) build --locked --bin $(BIN)

release:
	$(CARGO) build --locked --release --bin $(BIN)

fmt:
	$(CARGO) fmt --all

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --workspace --all-targets -- -D warnings

# Tools the tests drive as real peers, installed into ignored directories (CI points them outside
# the clone so a rerun reuses them). Python: moto, botocore (SigV4), the official MCP Python SDK and
# cargo-lambda. Node: Node 22, the MCP conformance suite and the TypeScript SDK 1.x, from a lockfile.
VENV ?= .tools/venv
NODE_TOOLS ?= .tools/node
export B2B_TOOLS_VENV := $(abspath $(VENV))
export B2B_TOOLS_NODE := $(abspath $(NODE_TOOLS))
tools: $(VENV)/.installed $(NODE_TOOLS)/.installed
$(VENV)/.installed: tests/clients/requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r tests/clients/requirements.txt
	touch $@
$(NODE_TOOLS)/.installed: tests/clients/package.json tests/clients/package-lock.json
	mkdir -p $(NODE_TOOLS)
	cp tests/clients/package.json tests/clients/package-lock.json $(NODE_TOOLS)/
	cd $(NODE_TOOLS) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

NODE := $(NODE_TOOLS)/node_modules/.bin/node
CONFORMANCE := $(NODE) $(NODE_TOOLS)/node_modules/@modelcontextprotocol/conformance/dist/index.js
URL ?=
MODE ?= auto

# The release gate against a deployed stage (after make deploy): the official Python SDK lists
# and calls every read tool and validates each answer against its outputSchema. TOKEN (or an
# exported MCP_TOKEN) is sent as a bearer token; MUTATIONS=1 also writes a collection.
smoke: $(VENV)/.installed
	@test -n "$(URL)" || { echo "usage: make smoke URL=https://.../mcp TOKEN=... [MUTATIONS=1] [MODE=auto|legacy|2026-07-28]" >&2; exit 2; }
	@$(if $(TOKEN),MCP_TOKEN="$(TOKEN)") $(VENV)/bin/python tests/clients/smoke.py "$(URL)" --mode "$(MODE)" $(if $(MUTATIONS),--mutations) $(SMOKE_FLAGS)

# The official conformance suite, each protocol era's required scenarios against its baseline of
# scenarios that cannot apply (tests/conformance/, reasons in the README), plus the header checks.
conformance: $(NODE_TOOLS)/.installed
	@test -n "$(URL)" || { echo "usage: make conformance URL=http://127.0.0.1:3000/mcp" >&2; exit 2; }
	$(CONFORMANCE) server --url "$(URL)" --requirements 2026-07-28 --expected-failures tests/conformance/expected-failures-2026-07-28.yaml
	$(CONFORMANCE) server --url "$(URL)" --requirements 2025-11-25 --expected-failures tests/conformance/expected-failures-2025-11-25.yaml
	$(CONFORMANCE) server --url "$(URL)" --scenario http-header-validation --spec-version 2026-07-28

# MCP Inspector's web UI (it needs Node >= 22.19: the one in $(NODE_TOOLS)) for the server that
# make run started, or URL=...; it prints a session token to add to the address below.
INSPECTOR ?= @modelcontextprotocol/inspector@2.12.0
inspector: $(NODE_TOOLS)/.installed
	@echo "Inspector: http://localhost:6274/?transport=streamable-http&serverUrl=$(or $(URL),http://$(BIND)/mcp)"
	PATH="$(abspath $(NODE_TOOLS))/node_modules/.bin:$$PATH" npx --yes $(INSPECTOR)

test: lint tools
	$(CARGO) test --locked --workspace --lib --tests

run:
	./scripts/run-local.sh

stdio: build
	@STAGE=local ALLOW_MUTATIONS=true $(CARGO) run --quiet --locked --bin $(BIN) -- stdio

clean:
	$(CARGO) clean
