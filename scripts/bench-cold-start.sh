#!/usr/bin/env bash
# `make bench-cold-start`: cold start measured on the release profile's binaries (the Lambda
# artifact's). `cargo bench` builds into the same target directory with its own profile, so the
# release binaries are copied aside first and the bench is pointed at the copies.
# Environment: BENCH_RESULTS (where the tables go), FEATURES (one allocator for b2b-mcp instead of
# the Lambda artifact's features: alloc-system, alloc-jemalloc, alloc-mimalloc), CARGO, and
# TARGET_DIR (the Makefile passes its own; else scripts/target-dir.sh asks cargo).
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO="${CARGO:-cargo}"  # may carry arguments (`cargo +stable`): used unquoted
features=()
if [ -n "${FEATURES:-}" ]; then
  features=(--no-default-features --features "$FEATURES")
  built_as="--no-default-features --features $FEATURES (FEATURES)"
else
  # The Lambda artifact's features (scripts/lambda-features.sh), so the bench runs what Lambda runs.
  flags=$(CARGO="$CARGO" scripts/lambda-features.sh)
  read -r -a features <<< "$flags"
  built_as="${features[*]:-default features} (the Lambda artifact's: Cargo.toml [package.metadata.lambda.build])"
fi

$CARGO build --locked --release --bin b2b-mcp --example lambda_floor --example lambda_hello "${features[@]}"
target_dir="${TARGET_DIR:-$(CARGO="$CARGO" scripts/target-dir.sh)}"
mkdir -p "$target_dir/cold-start"
cp "$target_dir/release/b2b-mcp" "$target_dir/release/examples/lambda_floor" "$target_dir/release/examples/lambda_hello" \
  "$target_dir/cold-start/"
COLD_START_BINARIES="$target_dir/cold-start" COLD_START_BUILT_AS="$built_as" $CARGO bench --locked --bench cold_start
