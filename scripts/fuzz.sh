#!/usr/bin/env bash
# `make fuzz`: the request-path fuzz target (fuzz/fuzz_targets/request.rs) under libFuzzer via
# cargo-fuzz, on the stable toolchain (RUSTC_BOOTSTRAP lets cargo-fuzz use its nightly flags).
# FUZZ_RUNS bounds the run (CI: 20000); -1 runs until stopped. FUZZ_SANITIZER picks libFuzzer's
# sanitizer (default address; CI's short run uses none: the target's checks are panics and
# answers, which need no sanitizer, and the build from nothing takes 5 min 10 s instead of 7 min
# 12 s on the 2-core CI machine). The corpus starts from the
# committed seeds and keeps what libFuzzer finds (fuzz/corpus is not committed).
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO="${CARGO:-cargo}"  # may carry arguments (`cargo +stable`): used unquoted
command -v cargo-fuzz >/dev/null 2>&1 || $CARGO install --locked cargo-fuzz
mkdir -p fuzz/corpus/request
cp -n fuzz/seeds/request/* fuzz/corpus/request/ 2>/dev/null || true
cd fuzz
RUSTC_BOOTSTRAP=1 $CARGO fuzz run --sanitizer "${FUZZ_SANITIZER:-address}" request corpus/request -- -runs="${FUZZ_RUNS:-20000}" -max_len=4096
