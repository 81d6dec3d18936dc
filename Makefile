# b2b-mcp: build, test, run and deploy the MCP server.
# `make run` serves the local stage on http://127.0.0.1:3000/mcp; `make test` is what CI runs.

CARGO ?= cargo
BIND ?= 127.0.0.1:3000
BIN := b2b-mcp
# Where the tools live (see `tools` below); the tests find them through these exports.
VENV ?= .tools/venv
NODE_TOOLS ?= .tools/node
export B2B_TOOLS_VENV := $(abspath $(VENV))
export B2B_TOOLS_NODE := $(abspath $(NODE_TOOLS))

.PHONY: help build build-debug release test lint fmt run stdio tools smoke conformance inspector bench fuzz \
	bench-load bench-cold-start bench-allocators \
	watch invoke deploy logs clean

help:
	@echo "make run          the local platform and the MCP server against it (mutations on unless"
	@echo "                  ALLOW_MUTATIONS=false; STAGE, AUTH=off|jwt likewise from the environment)"
	@echo "make stdio        run the stdio transport (for desktop clients)"
	@echo "make test         format check, clippy, cfn-lint, sam validate, all tests (installs the tools into .tools/ first)"
	@echo "make lint         the format check, clippy, cfn-lint and sam validate --lint alone"
	@echo "make build        the Lambda artifact: arm64 release build, zipped (cargo lambda build)"
	@echo "make build-debug  debug build;  make release: optimised build for this machine"
	@echo "make watch        the Lambda runtime emulator on 127.0.0.1:$(LAMBDA_PORT) (sample data, stage local)"
	@echo "make invoke EVENT=apigw-v2-tools-call"
	@echo "                  send events/EVENT.json to the function make watch runs"
	@echo "make deploy STAGE=dev|staging|prod"
	@echo "                  sam build, then sam deploy --config-env STAGE (samconfig.toml; AWS credentials needed)"
	@echo "make logs STAGE=dev|staging|prod"
	@echo "                  follow the stage's function logs (sam logs --tail)"
	@echo "make smoke URL=https://.../mcp TOKEN=... [MUTATIONS=1] [MODE=auto|legacy|2026-07-28]"
	@echo "                  the release gate against a deployed stage (read-only unless MUTATIONS=1)"
	@echo "make conformance URL=http://127.0.0.1:3000/mcp"
	@echo "                  the official MCP conformance suite, both protocol eras"
	@echo "make inspector    open MCP Inspector on the server make run started"
	@echo "make bench        benchmarks: MCP overhead, end to end and load with faults, cold start, state table"
	@echo "                  (tables in bench-results/; make bench-allocators compares glibc, mimalloc, jemalloc)"
	@echo "make fuzz [FUZZ_RUNS=N]"
	@echo "                  the request-path fuzz target (cargo-fuzz), N runs"

build-debug:
	$(CARGO) build --locked --bin $(BIN)

release:
	$(CARGO) build --locked --release --bin $(BIN)

fmt:
	$(CARGO) fmt --all

# cfn-lint and `sam validate --lint` run offline: they only need a region and some credentials.
SAM_OFFLINE := AWS_ACCESS_KEY_ID=offline AWS_SECRET_ACCESS_KEY=offline AWS_SESSION_TOKEN= \
	AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1 SAM_CLI_TELEMETRY=0
lint: $(VENV)/.installed
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --workspace --all-targets -- -D warnings
	$(VENV)/bin/cfn-lint template.yaml
	$(SAM_OFFLINE) $(VENV)/bin/sam validate --lint --template template.yaml

# Tools the tests drive as real peers, installed into ignored directories (CI points them outside
# the clone so a rerun reuses them). Python: moto, botocore (SigV4), the official MCP Python SDK,
# cargo-lambda, the SAM CLI and cfn-lint. Node: Node 22, the MCP conformance suite and the
# TypeScript SDK 1.x, from a lockfile.
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
	$(CARGO) test --locked --workspace
	$(CARGO) clippy --locked --test e2e -- -D warnings
	$(CARGO) test --locked --test e2e

run:
	./scripts/run-local.sh

# Like make run: these defaults only where the environment says nothing.
stdio: build-debug
	@STAGE="$${STAGE:-local}" ALLOW_MUTATIONS="$${ALLOW_MUTATIONS:-true}" $(CARGO) run --quiet --locked --bin $(BIN) -- stdio

# The Lambda artifact and its deployment. cargo-lambda (with its zig) and the SAM CLI come from the
# venv, first on PATH; `sam build` runs cargo-lambda itself (BuildMethod rust-cargolambda).
LAMBDA_TARGET := aarch64-unknown-linux-gnu
LAMBDA_PORT ?= 9000
EVENT ?= apigw-v2-tools-call
STAGES := dev staging prod
STAGE ?=
VENV_PATH = PATH="$(abspath $(VENV))/bin:$$PATH"
SAM = $(VENV_PATH) SAM_CLI_TELEMETRY=0 $(abspath $(VENV))/bin/sam
check_stage = @case " $(STAGES) " in *" $(STAGE) "*) ;; \
	*) echo "usage: make $@ STAGE=dev|staging|prod (got '$(STAGE)')" >&2; exit 2;; esac

add_lambda_target = @rustup target list --installed | grep -qx $(LAMBDA_TARGET) || rustup target add $(LAMBDA_TARGET)

build: $(VENV)/.installed
	$(add_lambda_target)
	$(VENV_PATH) $(CARGO) lambda build --release --arm64 --locked --bin $(BIN) --output-format zip
	@target=$$($(CARGO) metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p'); \
	zip="$$target/lambda/$(BIN)/bootstrap.zip"; \
	echo "Lambda zip: $$zip ($$(stat -c %s "$$zip") bytes)"

# The function under cargo-lambda's Runtime API emulator, rebuilt on change, with the built-in
# sample data; `make invoke` sends it an API Gateway event, or POST to
# http://127.0.0.1:$(LAMBDA_PORT)/lambda-url/$(BIN)/mcp (a function-URL event, which carries no
# caller identity and so gets 401, as a deployed function would). The events' IAM role crm-sync
# is a writer here, so the internal-route mutation event goes through.
watch: $(VENV)/.installed
	$(VENV_PATH) $(CARGO) lambda watch -A 127.0.0.1 -P $(LAMBDA_PORT) --locked --bin $(BIN) \
		--env-var STAGE=local --env-var SAMPLE_DATA=true --env-var ALLOW_MUTATIONS=true \
		--env-var IAM_WRITERS=arn:aws:iam::123456789012:role/crm-sync

invoke: $(VENV)/.installed
	@test -f events/$(EVENT).json || { echo "no events/$(EVENT).json; one of: $$(ls events | sed 's/\.json$$//' | tr '\n' ' ')" >&2; exit 2; }
	$(VENV_PATH) $(CARGO) lambda invoke $(BIN) -A 127.0.0.1 -P $(LAMBDA_PORT) --data-file events/$(EVENT).json

# samconfig.toml holds each stage's stack and parameters; deploying its EXAMPLE placeholders would
# create a stage that cannot reach the platform, so that is refused.
deploy: $(VENV)/.installed
	$(check_stage)
	@$(VENV)/bin/python -c 'import sys, tomllib; p = tomllib.load(open("samconfig.toml", "rb"))[sys.argv[1]]["deploy"]["parameters"]["parameter_overrides"]; sys.exit("samconfig.toml: replace the EXAMPLE placeholders in [%s.deploy.parameters] first" % sys.argv[1] if "EXAMPLE" in p else 0)' $(STAGE)
	$(add_lambda_target)
	$(SAM) build
	$(SAM) deploy --config-env $(STAGE)

logs: $(VENV)/.installed
	$(check_stage)
	$(SAM) logs --stack-name $(BIN)-$(STAGE) --name McpFunction --tail

# Benchmarks (results in bench-results/): the MCP layer in-process, end to end on loopback next
# to the platform alone, and load with faults against the real binary.
# FEATURES=alloc-mimalloc|alloc-jemalloc builds the server with another allocator, and
# BENCH_RESULTS=dir writes the tables elsewhere (make bench-allocators does both).
BENCH_RESULTS ?= bench-results
FEATURES ?=
feature_flags = $(if $(FEATURES),--features $(FEATURES))
bench: $(VENV)/.installed
	BENCH_RESULTS=$(abspath $(BENCH_RESULTS)) $(CARGO) bench --locked --bench mcp_overhead
	$(MAKE) --no-print-directory bench-load bench-cold-start
	BENCH_RESULTS=$(abspath $(BENCH_RESULTS)) $(CARGO) bench --locked --bench state_latency

bench-load:
	BENCH_RESULTS=$(abspath $(BENCH_RESULTS)) $(CARGO) bench --locked --bench load $(feature_flags)

# Cold start measures the release profile's binaries (the Lambda artifact's). `cargo bench` builds
# into the same target directory with its own profile, so they are copied aside first.
target_dir = $(shell $(CARGO) metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
bench-cold-start:
	$(CARGO) build --locked --release --bin $(BIN) --example lambda_hello $(feature_flags)
	@dir="$(target_dir)"; mkdir -p "$$dir/cold-start" && \
		cp "$$dir/release/$(BIN)" "$$dir/release/examples/lambda_hello" "$$dir/cold-start/" && \
		BENCH_RESULTS=$(abspath $(BENCH_RESULTS)) COLD_START_BINARIES="$$dir/cold-start" \
		$(CARGO) bench --locked --bench cold_start

# The allocator choice: load and cold start with glibc's malloc, mimalloc and jemalloc.
bench-allocators:
	$(MAKE) --no-print-directory bench-load bench-cold-start BENCH_RESULTS=bench-results/allocators/system FEATURES=
	$(MAKE) --no-print-directory bench-load bench-cold-start BENCH_RESULTS=bench-results/allocators/mimalloc FEATURES=alloc-mimalloc
	$(MAKE) --no-print-directory bench-load bench-cold-start BENCH_RESULTS=bench-results/allocators/jemalloc FEATURES=alloc-jemalloc

# The request-path fuzz target (libFuzzer through cargo-fuzz, on the stable toolchain via
# RUSTC_BOOTSTRAP). FUZZ_RUNS bounds it: CI runs it short; leave it running for a long campaign.
FUZZ_RUNS ?= 20000
fuzz:
	@command -v cargo-fuzz >/dev/null 2>&1 || $(CARGO) install --locked cargo-fuzz
	mkdir -p fuzz/corpus/request && cp -n fuzz/seeds/request/* fuzz/corpus/request/ 2>/dev/null || true
	cd fuzz && RUSTC_BOOTSTRAP=1 $(CARGO) fuzz run request corpus/request -- -runs=$(FUZZ_RUNS) -max_len=4096

clean:
	$(CARGO) clean
	rm -rf .aws-sam
