#!/usr/bin/env bash
# `make bench-throughput`: b2b-mcp against the TypeScript SDK v2's stateless server
# (benches/throughput.rs), with the release profile's binary. `cargo bench` builds into the same
# target directory with its own profile, so the release binary is copied aside first and the
# bench is pointed at the copy. The Node peer comes from `make tools` (B2B_TOOLS_NODE).
# Environment: BENCH_RESULTS (where the table goes), FEATURES (one allocator wherever the server runs, instead of the default glibc-on-Lambda, jemalloc-elsewhere: alloc-system, alloc-jemalloc, alloc-mimalloc), CARGO,
# TARGET_DIR (the Makefile passes its own; else scripts/target-dir.sh asks cargo), and the
# bench's ROUNDS, ROUND_SECONDS, WARMUP_SECONDS.
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO="${CARGO:-cargo}"  # may carry arguments (`cargo +stable`): used unquoted
features=()
if [ -n "${FEATURES:-}" ]; then features=(--no-default-features --features "$FEATURES"); fi

$CARGO build --locked --release --bin b2b-mcp "${features[@]}"
target_dir="${TARGET_DIR:-$(CARGO="$CARGO" scripts/target-dir.sh)}"
mkdir -p "$target_dir/throughput"
cp "$target_dir/release/b2b-mcp" "$target_dir/throughput/"
THROUGHPUT_BINARY="$target_dir/throughput/b2b-mcp" $CARGO bench --locked --bench throughput
