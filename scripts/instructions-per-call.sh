#!/usr/bin/env bash
# Instructions per `tools/call` of a b2b-mcp binary, counted by valgrind's callgrind: `serve` on
# the sample data (as benches/throughput.rs runs it), 300 calls to warm it, the counters zeroed,
# then CALLS calls (one keep-alive connection, the throughput bench's request), the counters
# dumped. Every thread is counted (with OTLP=1 the batch processor's too). Unlike time and CPU
# on this shared machine, the count repeats to within 0.2% run to run, so it shows a change of
# a few percent that the throughput bench's rounds cannot resolve (bench-results/tracing.txt).
#
#   scripts/instructions-per-call.sh BINARY [CALLS]     (CALLS: 2000 by default)
#   OTLP=1 scripts/instructions-per-call.sh BINARY      (span export on, to a sink started here)
#
# Needs valgrind (callgrind_control) and python3. A binary with symbols (profile `symbols`, or
# CARGO_PROFILE_BENCH_STRIP=false for the bench profile) makes the output file readable with
# `callgrind_annotate --inclusive=yes FILE`; the script prints the file's name.
set -euo pipefail
binary=${1:?usage: $0 BINARY [CALLS]}
calls=${2:-2000}
work=$(mktemp -d /tmp/b2b-instructions.XXXXXX)
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# The client: the throughput bench's request, checked, over one connection.
cat > "$work/client.py" <<'EOF'
import http.client, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
meta = '{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}'
body = ('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search_companies",'
        '"arguments":{"country":"Germany","limit":10},"_meta":%s}}' % meta)
headers = {"content-type": "application/json", "accept": "application/json, text/event-stream",
           "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": "search_companies"}
c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
for _ in range(n):
    c.request("POST", "/mcp", body, headers)
    r = c.getresponse()
    data = r.read()
    assert r.status == 200 and b"Acme Analytics GmbH" in data, data[:300]
EOF

extra=()
sink=
if [ "${OTLP:-}" = 1 ]; then
  # An OTLP/HTTP sink that answers every export 200 (an empty ExportTraceServiceResponse).
  sink_port=$(free_port)
  python3 - "$sink_port" <<'EOF' &
import http.server, sys
class Sink(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Sink).serve_forever()
EOF
  sink=$!
  extra=(OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$sink_port")
fi

port=$(free_port)
env -i PATH="$PATH" INBOUND_AUTH=off STAGE=bench RATE_LIMITS='*=4000000000/min,*=4000000000/day' "${extra[@]}" \
  valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" "$binary" serve --bind "127.0.0.1:$port" \
  >/dev/null 2>"$work/valgrind.log" &
server=$!
trap 'kill "$server" ${sink:+"$sink"} 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
# With OTLP=1, a pause before zeroing and before dumping lets the batch processor send what it
# holds (every 5 s), so the window holds exactly the spans of its own calls.
settle() { if [ -n "$sink" ]; then sleep 6; fi; }
python3 "$work/client.py" "$port" 300
settle
callgrind_control -z "$server" >/dev/null 2>&1
python3 "$work/client.py" "$port" "$calls"
settle
callgrind_control -d "$server" >/dev/null 2>&1
sleep 1
kill -INT "$server"
wait "$server" || true
dump=$(ls "$work"/callgrind.out.* | head -1)
total=$(sed -n 's/^summary: //p' "$dump")
echo "$(basename "$binary")${OTLP:+ (OTLP=1)}: $total instructions for $calls calls, $((total / calls)) per tools/call ($dump)"
