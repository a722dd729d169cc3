#!/usr/bin/env bash
# Paired before/after of two tuomin builds (not a test): one PostgreSQL cluster, both
# builds serving the masking policy of benches/pg_load.sh (consumer `qa`, three FF1
# columns) on two ports, pgbench (4 clients) alternating between them ROUNDS times;
# prints TPS and tuomin's CPU per transaction (user + system, /proc) for each run.
# On a shared machine whose speed drifts by ±20 % between sittings, only runs taken
# side by side like this tell a change of a few percent from the drift.
#
#   A=target-old/release/tuomin B=target/release/tuomin bash benches/pg_ab.sh
#   A=... B=... SCRIPT=point MODE=simple ROUNDS=6 DURATION=5 CUSTOMERS=20000 bash benches/pg_ab.sh
set -euo pipefail
cd "$(dirname "$0")/.."
: "${A:?A=path of the first build}" "${B:?B=path of the second build}"
CUSTOMERS=${CUSTOMERS:-20000}
TUOMIN_BIN=$A
source benches/pg_bench_env.sh
pg_bench_setup >/dev/null 2>&1
PORT_A=$MASK_PORT
PORT_B=$(free_port)
sed -e "s#^listen = \"127.0.0.1:$MASK_PORT\"#listen = \"127.0.0.1:$PORT_B\"#" \
    -e "/^\[http\]/,/^\[\[http.routes\]\]/s#^listen = .*#listen = \"127.0.0.1:$(free_port)\"#" \
    "$WORK/mask.toml" > "$WORK/mask-b.toml"
RUST_LOG=warn "$(realpath "$B")" serve --config "$WORK/mask-b.toml" 2>"$WORK/mask-b.log" & PIDS+=($!)
sleep 2

run() { # label port
  local tps cpu
  read -r tps cpu _ < <(tps_and_cpu "$2" qa "${SCRIPT:-range}" "${MODE:-extended}")
  echo "| $1 | $tps | $cpu |"
}
echo "${SCRIPT:-range}, ${MODE:-extended} protocol, $CUSTOMERS customers; A=$A B=$B"
echo "| build | TPS | CPU µs per transaction |"
echo "|---|---:|---:|"
# One unreported run each first: connections, catalog, plans, and the memos filled.
run A "$PORT_A" >/dev/null
run B "$PORT_B" >/dev/null
for _ in $(seq "${ROUNDS:-4}"); do
  run A "$PORT_A"
  run B "$PORT_B"
done
