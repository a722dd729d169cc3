#!/usr/bin/env bash
# Instructions per request through the gateway, counted by callgrind (repeatable on a
# loaded machine, unlike requests/s). Runs benches/http_requests.rs in each mode with
# two request counts; (Ir(N2) - Ir(N1)) / (N2 - N1) is the cost of one request with
# start-up excluded, client and upstream included; the gateway's own share is that
# minus the `direct` mode (client against the upstream alone).
# Needs: valgrind (apt-get install -y valgrind). Usage: benches/http_instructions.sh
# [N1 default 400] [N2 default 2400]. NO_AUDIT=1 leaves the audit trail out.
set -euo pipefail
N1="${1:-400}"
N2="${2:-2400}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
BIN="$(cargo bench --bench http_requests --no-run --message-format=json 2>/dev/null \
  | python3 -c 'import json,sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "http_requests" and m.get("executable"):
        print(m["executable"])')"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
count() { # mode n -> total instructions
  valgrind --tool=callgrind --callgrind-out-file="$OUT/$1.$2" "$BIN" "$1" "$2" 4 >/dev/null 2>"$OUT/log"
  awk '/^summary:/ {print $2}' "$OUT/$1.$2"
}
declare -A PER
for mode in direct pass mask; do
  a=$(count "$mode" "$N1"); b=$(count "$mode" "$N2")
  PER[$mode]=$(( (b - a) / (N2 - N1) ))
done
a=$(count filter "$N1"); b=$(count filter "$N2")
PER[filter]=$(( (b - a) / (N2 - N1) ))
echo "| mode | instructions per request (all) | of which the gateway |"
echo "|---|---:|---:|"
echo "| direct (client + upstream) | ${PER[direct]} | - |"
echo "| (c) pass | ${PER[pass]} | $(( PER[pass] - PER[direct] )) |"
echo "| (d) mask | ${PER[mask]} | $(( PER[mask] - PER[direct] )) |"
echo "| body filter alone (mask_json) | ${PER[filter]} | ${PER[filter]} |"
