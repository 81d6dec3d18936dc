# b2b-mcp: build, test and run the MCP server.
# `make run` serves the local stage on http://127.0.0.1:3000/mcp; `make test` is what CI runs.

CARGO ?= cargo
BIND ?= 127.0.0.1:3000
BIN := b2b-mcp

.PHONY: help build release test lint fmt run stdio tools clean

help:
	@echo "make run      the local platform and the MCP server against it (mutations on)"
	@echo "make stdio    run the stdio transport (for desktop clients)"
	@echo "make test     format check, clippy, all tests (installs moto into .tools/ first)"
	@echo "make build    debug build;  make release: optimised build"

build:
	$(CARGO) build --locked --bin $(BIN)

release:
	$(CARGO) build --locked --release --bin $(BIN)

fmt:
	$(CARGO) fmt --all

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --workspace --all-targets -- -D warnings

# Python tools the tests drive as real peers: moto (Secrets Manager), botocore (SigV4) and the
# official MCP Python SDK (a real client in both protocol eras).
VENV ?= .tools/venv
export B2B_TOOLS_VENV := $(abspath $(VENV))
tools: $(VENV)/.installed
$(VENV)/.installed: tests/clients/requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r tests/clients/requirements.txt
	touch $@

test: lint tools
	$(CARGO) test --locked --workspace --lib --tests

run:
	./scripts/run-local.sh

stdio: build
	@STAGE=local ALLOW_MUTATIONS=true $(CARGO) run --quiet --locked --bin $(BIN) -- stdio

clean:
	$(CARGO) clean
