#!/usr/bin/env bash
# `make run`: the local platform (creating its company database on first start) and the MCP
# server in `serve` mode pointed at it, signing with SigV4 like a deployed stage. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each setting is make run's default only where the environment says nothing:
# `ALLOW_MUTATIONS=false make run` serves without mutations.
BIND="${BIND:-127.0.0.1:3000}"
PLATFORM_PORT="${PLATFORM_PORT:-4000}"
COMPANIES="${COMPANIES:-20000}"
CARGO="${CARGO:-cargo}"
STAGE="${STAGE:-local}"
ALLOW_MUTATIONS="${ALLOW_MUTATIONS:-true}"
# AUTH=off|jwt; an INBOUND_AUTH in the environment counts as AUTH.
AUTH="${AUTH:-${INBOUND_AUTH:-off}}"
case "$(echo "$ALLOW_MUTATIONS" | tr '[:upper:]' '[:lower:]')" in
  true|1) MUTATIONS=on ;;
  false|0) MUTATIONS=off ;;
  *) echo "ALLOW_MUTATIONS must be true or false (got '$ALLOW_MUTATIONS')" >&2; exit 2 ;;
esac

$CARGO build --locked -p b2b-mcp -p platform-local --bins
# Wherever cargo put them (CARGO_TARGET_DIR, build.target-dir in a cargo config, ...).
TARGET_DIR=$(CARGO="$CARGO" scripts/target-dir.sh)
PROFILE_DIR="$TARGET_DIR/debug"

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for port in "$PLATFORM_PORT" "${BIND##*:}"; do
  if port_open "$port"; then
    echo "port $port is already in use (an earlier make run still running?); stop it or set PLATFORM_PORT / BIND" >&2
    exit 1
  fi
done

# HTTPS, as AppSync is: the platform makes its own CA at first start (local/test only), and the
# server trusts it through LOCAL_CA_FILE alone.
TLS_DIR="${TLS_DIR:-.tools/platform/tls}"
"$PROFILE_DIR/platform-local" --port "$PLATFORM_PORT" --companies "$COMPANIES" --tls-dir "$TLS_DIR" &
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

# AUTH=off (default): no token, every call is the fixed local principal (allowed on loopback only).
# AUTH=jwt: the authenticated path, as a deployed stage: callers need a bearer token issued by the
# platform's sign-in, which also publishes the keys the server checks it against.
MINT="$PROFILE_DIR/platform-local mint-token --tls --port $PLATFORM_PORT --sub you"
case "$AUTH" in
  off) AUTH_ENV=(INBOUND_AUTH=off); AUTH_LINE="no token needed (AUTH=off; make run AUTH=jwt for the authenticated path)"
       CURL_AUTH=""; SMOKE_TOKEN="" ;;
  jwt) AUTH_ENV=(INBOUND_AUTH=jwt "OIDC_ISSUER=https://localhost:$PLATFORM_PORT" OIDC_AUDIENCE=b2b-mcp)
       AUTH_LINE="bearer token required (AUTH=jwt), issued by the platform's sign-in"
       CURL_AUTH="-H \"authorization: Bearer \$TOKEN\" "; SMOKE_TOKEN='TOKEN=$TOKEN ' ;;
  *) echo "AUTH must be off or jwt" >&2; exit 2 ;;
esac

SMOKE_MUTATIONS=""
if [ "$MUTATIONS" = on ]; then SMOKE_MUTATIONS="MUTATIONS=1"; fi

cat <<MSG

MCP endpoint: http://$BIND/mcp   (backend: platform-local on https://localhost:$PLATFORM_PORT, SigV4)
Stage: $STAGE   mutations $MUTATIONS (ALLOW_MUTATIONS=$ALLOW_MUTATIONS)   auth: $AUTH
Callers: $AUTH_LINE
A caller's token (scopes mcp:read mcp:write; --scope mcp:read for one that cannot write):
  TOKEN=\$($MINT)
Try it:
  curl -s http://$BIND/mcp -H 'content-type: application/json' $CURL_AUTH\\
    -H 'mcp-protocol-version: 2026-07-28' -H 'mcp-method: tools/call' -H 'mcp-name: search_companies' \\
    -d '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search_companies","arguments":{"country":"Germany","industry":"SaaS"},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}'
  make smoke URL=http://$BIND/mcp ${SMOKE_TOKEN}$SMOKE_MUTATIONS
Ctrl-C stops both.

MSG

# The platform's test-only IAM credentials (platform-local/src/defaults.rs), never real ones.
# These, the region and the AppSync URL stay fixed whatever the environment says: they must match
# the platform started above (its SigV4 check refuses other keys and other regions), and a
# developer's own AWS settings would only break the run.
env STAGE="$STAGE" ALLOW_MUTATIONS="$ALLOW_MUTATIONS" "${AUTH_ENV[@]}" \
  APPSYNC_URL="https://localhost:$PLATFORM_PORT/graphql" LOCAL_CA_FILE="$TLS_DIR/ca.pem" \
  APPSYNC_AUTH=iam AWS_REGION=us-east-1 \
  AWS_ACCESS_KEY_ID=AKIDLOCALPLATFORM AWS_SECRET_ACCESS_KEY=local-platform-test-secret \
  "$PROFILE_DIR/b2b-mcp" serve --bind "$BIND"
