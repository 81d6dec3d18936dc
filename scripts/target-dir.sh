#!/bin/sh
# Prints the directory cargo builds into, as cargo itself reports it: CARGO_TARGET_DIR when set
# (CI sets it), else a build.target-dir from a cargo config, else target/ in the workspace. The
# Makefile and run-local.sh both ask this, so they find what cargo built wherever that is.
set -eu
cd "$(dirname "$0")/.."
# CARGO unquoted on purpose: it may carry arguments (`cargo +stable`), as in run-local.sh.
${CARGO:-cargo} metadata --format-version 1 --no-deps \
  | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p'
