#!/usr/bin/env bash
# CPU time per transaction of each proxy (not a test): pgbouncer in session mode (b),
# tuomin passing through (c) and tuomin masking (d), read from /proc/<pid>/stat
# (user + system time, and user alone) around a pgbench run, divided by the
# transactions — the figure that decides the pgbench ratios on a machine where the
# proxy, PostgreSQL and pgbench share the cores — with the proxy's context
# switches per transaction, the whole machine's, and the machine's idle share (a
# proxy that wakes more often costs more system time; one that serialises its
# sessions leaves the cores idle). ROUNDS runs each cell that many times, side by side.
# Same setup as benches/pg_load.sh (benches/pg_bench_env.sh).
#
#   bash benches/pg_cpu.sh                    # DURATION=5 CUSTOMERS=20000
#   SCRIPTS=point MODES=extended ROUNDS=4 bash benches/pg_cpu.sh
#   SCRIPTS=range MODES=simple PSEUDONYM_MEMO=0 bash benches/pg_cpu.sh
set -euo pipefail
cd "$(dirname "$0")/.."
CUSTOMERS=${CUSTOMERS:-20000}
DURATION=${DURATION:-5}
source benches/pg_bench_env.sh
pg_bench_setup >/dev/null 2>&1
run() { # label port user script mode
  local tps cpu user switches machine idle
  read -r tps cpu user switches machine idle < <(tps_and_cpu "$2" "$3" "$4" "$5")
  echo "| $1 | $4 | $5 | $tps | $cpu | $user | $switches | $machine | $idle % |"
}
echo "| proxy | query | protocol | TPS | CPU µs per transaction | of which user | proxy switches per transaction | machine switches per transaction | machine idle |"
echo "|---|---|---|---:|---:|---:|---:|---:|---:|"
for round in $(seq "${ROUNDS:-1}"); do
  for script in ${SCRIPTS:-point range}; do
    for mode in ${MODES:-simple extended}; do
      run "(b) pgbouncer" "$BOUNCER_PORT" postgres "$script" "$mode"
      run "(c) tuomin pass" "$PASS_PORT" passthrough "$script" "$mode"
      run "(d) tuomin FF1×3" "$MASK_PORT" qa "$script" "$mode"
    done
  done
done
