#!/usr/bin/env bash
# Prints the cargo flags the Lambda artifact is built with: the features `cargo lambda build`
# (make build, sam build) takes from Cargo.toml's [package.metadata.lambda.build], as
# `--no-default-features --features a,b`, or nothing for the default features. For the tools that
# build the same binary with plain cargo (the cold-start bench, cargo-bloat in `make size`), so
# they measure what Lambda runs. cargo-lambda also merges [workspace.metadata.lambda.build],
# CargoLambda.toml and CARGO_LAMBDA_BUILD.* variables; this repository uses none of them, and the
# check in `make build` on the built artifact would catch a drift for the allocator.
# Environment: CARGO (may carry arguments: used unquoted).
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO="${CARGO:-cargo}"
$CARGO metadata --locked --no-deps --format-version 1 | python3 -c '
import json, sys
package = next(p for p in json.load(sys.stdin)["packages"] if p["name"] == "b2b-mcp")
build = ((package.get("metadata") or {}).get("lambda") or {}).get("build") or {}
flags = ["--no-default-features"] if build.get("no_default_features") else []
if build.get("features"):
    flags += ["--features", ",".join(build["features"])]
print(" ".join(flags))'
