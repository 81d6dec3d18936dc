#!/usr/bin/env bash
# `make size`: what the Lambda artifact is made of, so a change can see what it costs. Builds the
# arm64 zip as `make build` does (its bytes are the figure that counts), then the same binary with
# its symbols kept (profile `symbols` in Cargo.toml: release, strip = false) for cargo-bloat, which
# attributes .text to crates and functions. cargo-lambda links through zig; cargo-bloat runs plain
# cargo, so it is given the same linker and C compiler (cargo-lambda's `zig cc`) and the same
# target CPU cargo-lambda passes. Writes SIZE_RESULTS (bench-results/size): summary.txt,
# crates.txt, functions.txt.
# Environment: CARGO, TARGET_DIR (the Makefile passes its own; else scripts/target-dir.sh asks
# cargo), SIZE_RESULTS; cargo-lambda and cargo-bloat on PATH (the Makefile sees to both).
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO="${CARGO:-cargo}"  # may carry arguments (`cargo +stable`): used unquoted
BIN=b2b-mcp
TRIPLE=aarch64-unknown-linux-gnu
out="${SIZE_RESULTS:-bench-results/size}"
target_dir="${TARGET_DIR:-$(CARGO="$CARGO" scripts/target-dir.sh)}"

build=($CARGO lambda build --release --arm64 --locked --bin "$BIN" --output-format zip)
"${build[@]}"
zip="$target_dir/lambda/$BIN/bootstrap.zip"
stripped=$(stat -c %s "$target_dir/$TRIPLE/release/$BIN")  # what the zip holds, as bootstrap

# cargo-lambda's zig, under the names cargo and the cc crate look for (CC/AR per target).
wrappers="$target_dir/size-wrappers"
mkdir -p "$wrappers"
lambda="$(command -v cargo-lambda)"
for tool in cc c++; do
    printf '#!/bin/sh\nexec "%s" zig %s -- -g -fno-sanitize=all -target aarch64-linux-gnu "$@"\n' \
        "$lambda" "$tool" >"$wrappers/zig-$tool"
done
printf '#!/bin/sh\nexec "%s" zig ar -- "$@"\n' "$lambda" >"$wrappers/zig-ar"
printf '#!/bin/sh\nexec "%s" zig ranlib -- "$@"\n' "$lambda" >"$wrappers/zig-ranlib"
chmod +x "$wrappers"/zig-*
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER="$wrappers/zig-cc"
export CC_aarch64_unknown_linux_gnu="$wrappers/zig-cc" CXX_aarch64_unknown_linux_gnu="$wrappers/zig-c++"
export AR_aarch64_unknown_linux_gnu="$wrappers/zig-ar" RANLIB_aarch64_unknown_linux_gnu="$wrappers/zig-ranlib"
# cargo-lambda's own flag for --arm64 (it prints it with -v).
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUSTFLAGS="-C target-cpu=neoverse-n1"

# The artifact's features (cargo lambda takes them from Cargo.toml; cargo-bloat runs plain cargo).
flags=$(CARGO="$CARGO" scripts/lambda-features.sh)
read -r -a features <<< "$flags"
bloat=($CARGO bloat --profile symbols --target "$TRIPLE" --locked --bin "$BIN" "${features[@]}")
mkdir -p "$out"
"${bloat[@]}" --crates -n 40 >"$out/crates.txt"
"${bloat[@]}" -n 60 >"$out/functions.txt"
symbols="$target_dir/$TRIPLE/symbols/$BIN"
{
    echo "The arm64 Lambda artifact (make size; $(date -u +%Y-%m-%d), commit $(git describe --always --dirty))"
    echo "zip:                  $(stat -c %s "$zip") bytes  (TARGET_DIR/${zip#"$target_dir"/}: ${build[*]})"
    echo "bootstrap (stripped): $stripped bytes"
    echo "bootstrap (symbols):  $(stat -c %s "$symbols") bytes  (profile symbols, for cargo-bloat)"
    if command -v readelf >/dev/null; then
        # The stripped binary's largest sections: code, then what unwinding (panic = "unwind") and
        # position independence (relocations) add to it.
        sections=""
        while read -r name hex; do
            sections+="$name $((16#$hex))  "
        done < <(readelf -SW "$target_dir/$TRIPLE/release/$BIN" | sed 's/^ *\[ *[0-9]*\] *//' |
            awk '$1 ~ /^\.(text|rodata|eh_frame|eh_frame_hdr|gcc_except_table|rela\.dyn|data\.rel\.ro)$/ { print $1, $5 }')
        echo "sections (bytes):     $sections"
    fi
    echo "crates.txt, functions.txt: ${bloat[*]} --crates -n 40 / -n 60"
    echo "$(rustc --version); cargo-bloat $($CARGO bloat --version); $($CARGO lambda --version)"
} >"$out/summary.txt"
cat "$out/summary.txt"
head -n 45 "$out/crates.txt"
