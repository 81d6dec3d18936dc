# b2b-mcp: build, run, test, deploy and measure the MCP server.
# `make run` serves the local stage on http://127.0.0.1:3000/mcp; `make test` is what CI runs.
# `make help` lists every target: it reads the `## ` text on each rule line below, so a target
# without one is not public. Longer recipes live in scripts/.

CARGO ?= cargo
BIN := b2b-mcp
BIND ?= 127.0.0.1:3000
# Where cargo builds, as cargo itself reports it (CARGO_TARGET_DIR, which CI sets, else a cargo
# config's build.target-dir, else target/ here): the one place the Makefile learns it.
TARGET_DIR := $(or $(shell CARGO='$(CARGO)' scripts/target-dir.sh 2>/dev/null),$(CURDIR)/target)
# Where the tools live (`make tools`); the tests find them through these exports.
VENV ?= .tools/venv
NODE_TOOLS ?= .tools/node
export B2B_TOOLS_VENV := $(abspath $(VENV))
export B2B_TOOLS_NODE := $(abspath $(NODE_TOOLS))
# Each install's stamp is named by a digest of its manifests, not dated by them: a fresh clone
# (whose files are all new) reuses what identical manifests installed; a changed one installs anew.
VENV_STAMP := $(VENV)/.installed-$(shell cat tests/clients/requirements.txt | sha256sum | cut -c1-16)
NODE_STAMP := $(NODE_TOOLS)/.installed-$(shell cat tests/clients/package.json tests/clients/package-lock.json | sha256sum | cut -c1-16)

.PHONY: help build build-debug release run stdio watch invoke test lint fmt tools smoke conformance \
	inspector deploy logs bench bench-load bench-cold-start bench-throughput bench-allocators size fuzz clean

help: ## this list
	@awk 'BEGIN { FS = ":[^=]*## " } \
		/^##@ / { printf "\n%s\n", substr($$0, 5) } \
		/^[a-zA-Z0-9_-]+:([^=]|$$).*## / { printf "  make %-17s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

##@ Build
# cargo-lambda (with its zig) comes from the venv, first on PATH.
LAMBDA_TARGET := aarch64-unknown-linux-gnu
VENV_PATH = PATH="$(abspath $(VENV))/bin:$$PATH"
add_lambda_target = @rustup target list --installed | grep -qx $(LAMBDA_TARGET) || rustup target add $(LAMBDA_TARGET)
LAMBDA_ZIP = $(TARGET_DIR)/lambda/$(BIN)/bootstrap.zip
# The Lambda artifact (a zip holding bootstrap, or the bootstrap itself) must not link jemalloc:
# Cargo.toml's [package.metadata.lambda.build] leaves it out (docs/benchmarks.md: Cold start).
no_jemalloc = python3 -c 'import sys, zipfile; path = sys.argv[1]; \
	data = zipfile.ZipFile(path).read("bootstrap") if path.endswith(".zip") else open(path, "rb").read(); \
	sys.exit(b"<jemalloc>" in data and path + ": links jemalloc; Cargo.toml [package.metadata.lambda.build] should leave it out")'

build: $(VENV_STAMP) ## the Lambda artifact: arm64 release build, zipped (cargo lambda build); checks it has no jemalloc, prints its size
	$(add_lambda_target)
	$(VENV_PATH) $(CARGO) lambda build --release --arm64 --locked --bin $(BIN) --output-format zip
	@$(no_jemalloc) "$(LAMBDA_ZIP)"
	@echo "Lambda zip: $(LAMBDA_ZIP) ($$(stat -c %s "$(LAMBDA_ZIP)") bytes)"

build-debug: ## debug build of the server
	$(CARGO) build --locked --bin $(BIN)

release: ## optimised build of the server for this machine
	$(CARGO) build --locked --release --bin $(BIN)

##@ Run
run: ## the local platform and the server against it (env: ALLOW_MUTATIONS=false, STAGE, AUTH=off|jwt)
	./scripts/run-local.sh

# Like make run: these defaults only where the environment says nothing.
stdio: build-debug ## the stdio transport for desktop clients, sample data (env: STAGE, ALLOW_MUTATIONS)
	@STAGE="$${STAGE:-local}" ALLOW_MUTATIONS="$${ALLOW_MUTATIONS:-true}" $(CARGO) run --quiet --locked --bin $(BIN) -- stdio

# The function under cargo-lambda's Runtime API emulator, rebuilt on change, with the built-in
# sample data; `make invoke` sends it an API Gateway event, or POST to
# http://127.0.0.1:$(LAMBDA_PORT)/lambda-url/$(BIN)/mcp (a function-URL event, which carries no
# caller identity and so gets 401, as a deployed function would). The events' IAM role crm-sync
# is a writer here, so the internal-route mutation event goes through.
LAMBDA_PORT ?= 9000
EVENT ?= apigw-v2-tools-call
watch: $(VENV_STAMP) ## the Lambda function under cargo-lambda's emulator on 127.0.0.1:LAMBDA_PORT (9000)
	$(VENV_PATH) $(CARGO) lambda watch -A 127.0.0.1 -P $(LAMBDA_PORT) --locked --bin $(BIN) \
		--env-var STAGE=local --env-var SAMPLE_DATA=true --env-var ALLOW_MUTATIONS=true \
		--env-var IAM_WRITERS=arn:aws:iam::123456789012:role/crm-sync

invoke: $(VENV_STAMP) ## send events/EVENT.json to what make watch runs (EVENT=apigw-v2-tools-call)
	@test -f events/$(EVENT).json || { echo "no events/$(EVENT).json; one of: $$(ls events | sed 's/\.json$$//' | tr '\n' ' ')" >&2; exit 2; }
	$(VENV_PATH) $(CARGO) lambda invoke $(BIN) -A 127.0.0.1 -P $(LAMBDA_PORT) --data-file events/$(EVENT).json

##@ Test
test: lint tools ## lint, then every test (installs the tools first); what CI runs
	@scripts/timed.sh "cargo test (unit, platform-local, tests/app)" $(CARGO) test --locked --workspace
	@scripts/timed.sh "e2e (tests/e2e, the real peers)" $(CARGO) test --locked --test e2e

# cfn-lint and `sam validate --lint` run offline: they only need a region and some credentials.
SAM_OFFLINE := AWS_ACCESS_KEY_ID=offline AWS_SECRET_ACCESS_KEY=offline AWS_SESSION_TOKEN= \
	AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1 SAM_CLI_TELEMETRY=0
lint: $(VENV_STAMP) ## format check, clippy, cfn-lint and sam validate --lint
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --workspace --all-targets -- -D warnings
	# --all-targets leaves out the e2e binary (test = false in Cargo.toml).
	$(CARGO) clippy --locked --test e2e -- -D warnings
	$(VENV)/bin/cfn-lint template.yaml
	$(SAM_OFFLINE) $(VENV)/bin/sam validate --lint --template template.yaml

fmt: ## format the code
	$(CARGO) fmt --all

# Tools the tests drive as real peers, installed into ignored directories (CI points them outside
# the clone so a rerun reuses them). Python: moto, botocore (SigV4), the official MCP Python SDK,
# cargo-lambda, the SAM CLI and cfn-lint. Node: Node 22, the MCP conformance suite, the
# TypeScript SDK 1.x and MCP Inspector, from a lockfile.
tools: $(VENV_STAMP) $(NODE_STAMP) ## install the test peers and deploy tools into VENV and NODE_TOOLS
$(VENV_STAMP):
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r tests/clients/requirements.txt
	touch $@
$(NODE_STAMP):
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
# exported MCP_TOKEN) is sent as a bearer token; MUTATIONS=1 also writes a collection;
# DISCOVERY=1 (with MUTATIONS=1) also requests one paid e-mail discovery and reads it back;
# SMOKE_FLAGS passes more flags to tests/clients/smoke.py.
smoke: $(VENV_STAMP) ## release gate: URL=https://.../mcp TOKEN=... [MUTATIONS=1 [DISCOVERY=1]] [MODE=auto|legacy|2026-07-28]
	@test -n "$(URL)" || { echo "usage: make smoke URL=https://.../mcp TOKEN=... [MUTATIONS=1] [MODE=auto|legacy|2026-07-28]" >&2; exit 2; }
	@$(if $(TOKEN),MCP_TOKEN="$(TOKEN)") $(VENV)/bin/python tests/clients/smoke.py "$(URL)" --mode "$(MODE)" $(if $(MUTATIONS),--mutations) $(if $(DISCOVERY),--discovery) $(SMOKE_FLAGS)

# The paid tool end to end with the official Python SDK (tests/clients/confirm.py): asked and
# answered yes, then followed as a task to its contacts (FLOW=task), or another flow. Queues a
# billed discovery on a deployed stage.
smoke-paid: $(VENV_STAMP) ## the paid tool, confirmed and followed (billed!): URL=... TOKEN=... [FLOW=task|accept|decline|legacy] [COMPANY=id]
	@test -n "$(URL)" || { echo "usage: make smoke-paid URL=https://.../mcp TOKEN=... [FLOW=task] [COMPANY=c_0000001]" >&2; exit 2; }
	@$(if $(TOKEN),MCP_TOKEN="$(TOKEN)") $(VENV)/bin/python tests/clients/confirm.py "$(URL)" "$(or $(FLOW),task)" --company "$(or $(COMPANY),c_0000001)"

# The official conformance suite, each protocol era's required scenarios against its baseline of
# scenarios that cannot apply (tests/conformance/, reasons in docs/protocol.md), plus the header
# checks.
conformance: $(NODE_STAMP) ## the MCP conformance suite, both eras: URL=http://127.0.0.1:3000/mcp
	@test -n "$(URL)" || { echo "usage: make conformance URL=http://127.0.0.1:3000/mcp" >&2; exit 2; }
	$(CONFORMANCE) server --url "$(URL)" --requirements 2026-07-28 --expected-failures tests/conformance/expected-failures-2026-07-28.yaml
	$(CONFORMANCE) server --url "$(URL)" --requirements 2025-11-25 --expected-failures tests/conformance/expected-failures-2025-11-25.yaml
	$(CONFORMANCE) server --url "$(URL)" --scenario http-header-validation --spec-version 2026-07-28

# MCP Inspector's web UI (it needs Node >= 22.19: the one in $(NODE_TOOLS)) for the server that
# make run started, or URL=...; it prints a session token to add to the address below.
INSPECTOR ?= @modelcontextprotocol/inspector@2.12.0
inspector: $(NODE_STAMP) ## MCP Inspector's web UI on the server make run started (or URL=...)
	@echo "Inspector: http://localhost:6274/?transport=streamable-http&serverUrl=$(or $(URL),http://$(BIND)/mcp)"
	PATH="$(abspath $(NODE_TOOLS))/node_modules/.bin:$$PATH" npx --yes $(INSPECTOR)

##@ Deploy
# The SAM CLI comes from the venv, first on PATH; `sam build` runs cargo-lambda itself
# (BuildMethod rust-cargolambda). samconfig.toml holds each stage's stack and parameters.
STAGES := dev staging prod
STAGE ?=
SAM = $(VENV_PATH) SAM_CLI_TELEMETRY=0 $(abspath $(VENV))/bin/sam
check_stage = @case " $(STAGES) " in *" $(STAGE) "*) ;; \
	*) echo "usage: make $@ STAGE=dev|staging|prod (got '$(STAGE)')" >&2; exit 2;; esac

deploy: $(VENV_STAMP) ## sam build, then sam deploy --config-env STAGE (STAGE=dev|staging|prod; AWS credentials)
	$(check_stage)
	@$(VENV)/bin/python scripts/check-samconfig.py $(STAGE)
	$(add_lambda_target)
	$(SAM) build
	@$(no_jemalloc) .aws-sam/build/McpFunction/bootstrap
	$(SAM) deploy --config-env $(STAGE)

logs: $(VENV_STAMP) ## follow a stage's function logs (sam logs --tail): STAGE=dev|staging|prod
	$(check_stage)
	$(SAM) logs --stack-name $(BIN)-$(STAGE) --name McpFunction --tail

##@ Bench
# Results in bench-results/: the MCP layer in-process, end to end on loopback next to the
# platform alone, load with faults against the real binary, cold start, the state table, and the
# MCP layer's throughput against the official TypeScript SDK's.
# FEATURES=alloc-system|alloc-jemalloc|alloc-mimalloc builds the server with that one allocator
# wherever it runs, instead of the default (glibc's malloc on Lambda, jemalloc elsewhere), and
# BENCH_RESULTS=dir writes the tables elsewhere (make bench-allocators does both).
BENCH_RESULTS ?= bench-results
FEATURES ?=
feature_flags = $(if $(FEATURES),--no-default-features --features $(FEATURES))
bench_env = BENCH_RESULTS=$(abspath $(BENCH_RESULTS))

bench: $(VENV_STAMP) $(NODE_STAMP) ## every benchmark: MCP overhead, load with faults, cold start, state table, throughput
	$(bench_env) $(CARGO) bench --locked --bench mcp_overhead
	$(MAKE) --no-print-directory bench-load bench-cold-start bench-throughput
	$(bench_env) $(CARGO) bench --locked --bench state_latency

bench-load: ## end to end on loopback and load with faults (FEATURES=, BENCH_RESULTS=)
	$(bench_env) $(CARGO) bench --locked --bench load $(feature_flags)

bench-cold-start: $(VENV_STAMP) ## cold start over HTTPS at Lambda's CPU share per memory size, against the floor (FEATURES=)
	$(bench_env) B2B_TOOLS_VENV=$(abspath $(VENV)) FEATURES="$(FEATURES)" CARGO='$(CARGO)' TARGET_DIR='$(TARGET_DIR)' scripts/bench-cold-start.sh

# The release binary's requests per second, latency and CPU per request against the TypeScript
# SDK v2's stateless server (createMcpHandler) on Node, alternating, from one command.
bench-throughput: $(NODE_STAMP) ## MCP layer throughput against the TypeScript SDK v2 (bench-results/throughput.txt; FEATURES=)
	$(bench_env) FEATURES="$(FEATURES)" CARGO='$(CARGO)' TARGET_DIR='$(TARGET_DIR)' scripts/bench-throughput.sh

# The allocator choice: load, cold start and throughput with glibc's malloc, mimalloc and jemalloc.
bench-allocators: ## load, cold start and throughput with glibc, mimalloc and jemalloc (bench-results/allocators/)
	$(MAKE) --no-print-directory bench-load bench-cold-start bench-throughput BENCH_RESULTS=bench-results/allocators/system FEATURES=alloc-system
	$(MAKE) --no-print-directory bench-load bench-cold-start bench-throughput BENCH_RESULTS=bench-results/allocators/mimalloc FEATURES=alloc-mimalloc
	$(MAKE) --no-print-directory bench-load bench-cold-start bench-throughput BENCH_RESULTS=bench-results/allocators/jemalloc FEATURES=alloc-jemalloc

# What the Lambda artifact is made of (scripts/size.sh): the zip's bytes as `make build` makes it,
# and cargo-bloat's breakdown by crate and by function of the same binary with its symbols (the
# `symbols` profile). cargo-bloat is installed on first use. SIZE_RESULTS=dir writes elsewhere.
CARGO_BLOAT_VERSION := 0.12.1
SIZE_RESULTS ?= bench-results/size
size: $(VENV_STAMP) ## the arm64 Lambda binary by crate and function, and the zip's bytes (bench-results/size/)
	$(add_lambda_target)
	@$(CARGO) bloat --version >/dev/null 2>&1 || $(CARGO) install cargo-bloat --locked --version $(CARGO_BLOAT_VERSION)
	$(VENV_PATH) CARGO='$(CARGO)' TARGET_DIR='$(TARGET_DIR)' SIZE_RESULTS='$(abspath $(SIZE_RESULTS))' scripts/size.sh

##@ Fuzz
FUZZ_RUNS ?= 20000
fuzz: ## the request-path fuzz target (cargo-fuzz), FUZZ_RUNS runs (default 20000; -1: until stopped), FUZZ_SANITIZER (address; CI: none)
	FUZZ_RUNS='$(FUZZ_RUNS)' CARGO='$(CARGO)' scripts/fuzz.sh

##@ Housekeeping
clean: ## cargo clean and SAM's build directory
	$(CARGO) clean
	rm -rf .aws-sam
