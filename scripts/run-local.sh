#!/usr/bin/env bash
# `make run`: the local platform (creating its company database on first start) and the MCP
# server in `serve` mode pointed at it, signing with SigV4 like a deployed stage. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."

BIND="${BIND:-127.0.0.1:3000}"
PLATFORM_PORT="${PLATFORM_PORT:-4000}"
COMPANIES="${COMPANIES:-20000}"
CARGO="${CARGO:-cargo}"

$CARGO build --locked -p b2b-mcp -p platform-local --bins
# Wherever cargo put them (CARGO_TARGET_DIR, build.target-dir in a cargo config, ...).
TARGET_DIR=$($CARGO metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
PROFILE_DIR="$TARGET_DIR/debug"

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for port in "$PLATFORM_PORT" "${BIND##*:}"; do
  if port_open "$port"; then
    echo "port $port is already in use (an earlier make run still running?); stop it or set PLATFORM_PORT / BIND" >&2
    exit 1
  fi
done

"$PROFILE_DIR/platform-local" --port "$PLATFORM_PORT" --companies "$COMPANIES" &
PLATFORM=$!
cleanup() { kill "$PLATFORM" 2>/dev/null || true; wait "$PLATFORM" 2>/dev/null || true; }
trap cleanup EXIT INT TERM

# Wait for our platform (it listens once its database is built); bash's /dev/tcp needs no curl.
ready=
for _ in $(seq 1 3000); do
  if ! kill -0 "$PLATFORM" 2>/dev/null; then echo "platform-local failed to start" >&2; exit 1; fi
  if port_open "$PLATFORM_PORT"; then ready=1; break; fi
  sleep 0.2
done
[ -n "$ready" ] || { echo "platform-local did not start listening on $PLATFORM_PORT" >&2; exit 1; }

cat <<MSG

MCP endpoint: http://$BIND/mcp   (stage local, mutations on, backend: platform-local on :$PLATFORM_PORT, SigV4)
Try it:
  curl -s http://$BIND/mcp -H 'content-type: application/json' \\
    -H 'mcp-protocol-version: 2026-07-28' -H 'mcp-method: tools/call' -H 'mcp-name: search_companies' \\
    -d '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search_companies","arguments":{"country":"Germany","industry":"SaaS"},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}'
A token for the platform's OIDC mode: $PROFILE_DIR/platform-local mint-token --sub you
Ctrl-C stops both.

MSG

# The platform's test-only IAM credentials (platform-local/src/defaults.rs), never real ones.
STAGE=local ALLOW_MUTATIONS=true INBOUND_AUTH=off \
APPSYNC_URL="http://127.0.0.1:$PLATFORM_PORT/graphql" APPSYNC_AUTH=iam AWS_REGION=us-east-1 \
AWS_ACCESS_KEY_ID=AKIDLOCALPLATFORM AWS_SECRET_ACCESS_KEY=local-platform-test-secret \
  "$PROFILE_DIR/b2b-mcp" serve --bind "$BIND"
