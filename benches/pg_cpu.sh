#!/usr/bin/env bash
# CPU time per transaction of each proxy (not a test): pgbouncer in session mode (b),
# tuomin passing through (c) and tuomin masking (d), read from /proc/<pid>/stat
# (user + system time) around a pgbench run, divided by the transactions — the figure
# that decides the pgbench ratios on a machine where the proxy, PostgreSQL and pgbench
# share the cores. Same setup as benches/pg_load.sh (benches/pg_bench_env.sh).
#
#   bash benches/pg_cpu.sh                    # DURATION=5 CUSTOMERS=20000
#   SCRIPTS=range MODES=simple PSEUDONYM_MEMO=0 bash benches/pg_cpu.sh
set -euo pipefail
cd "$(dirname "$0")/.."
CUSTOMERS=${CUSTOMERS:-20000}
DURATION=${DURATION:-5}
source benches/pg_bench_env.sh
pg_bench_setup >/dev/null 2>&1
run() { # label port user script mode
  local tps cpu
  read -r tps cpu < <(tps_and_cpu "$2" "$3" "$4" "$5")
  echo "| $1 | $4 | $5 | $tps | $cpu |"
}
echo "| proxy | query | protocol | TPS | CPU µs per transaction |"
echo "|---|---|---|---:|---:|"
for script in ${SCRIPTS:-point range}; do
  for mode in ${MODES:-simple extended}; do
    run "(b) pgbouncer" "$BOUNCER_PORT" postgres "$script" "$mode"
    run "(c) tuomin pass" "$PASS_PORT" passthrough "$script" "$mode"
    run "(d) tuomin FF1×3" "$MASK_PORT" qa "$script" "$mode"
  done
done
