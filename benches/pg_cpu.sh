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
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
pid_on() { ss -ltnp "sport = :$1" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2; }
HZ=$(getconf CLK_TCK)
run() { # label port user pid script mode
  local before after out tps txns
  before=$(ticks "$4")
  out=$(PGPASSWORD=bench-pass pgbench -n -c 4 -j 2 -T "$DURATION" -M "$6" -f "$WORK/$5.sql" \
    -h 127.0.0.1 -p "$2" -U "$3" bench 2>&1)
  after=$(ticks "$4")
  tps=$(echo "$out" | awk '/^tps/ {printf "%d", $3; exit}')
  txns=$(echo "$out" | awk '/number of transactions actually processed/ {print $NF}')
  echo "| $1 | $5 | $6 | $tps | $(python3 -c "print(round(($after - $before) * 1e6 / $HZ / $txns, 1))") |"
}
echo "| proxy | query | protocol | TPS | CPU µs per transaction |"
echo "|---|---|---|---:|---:|"
for script in ${SCRIPTS:-point range}; do
  for mode in ${MODES:-simple extended}; do
    run "(b) pgbouncer" "$BOUNCER_PORT" postgres "$(pid_on "$BOUNCER_PORT")" "$script" "$mode"
    run "(c) tuomin pass" "$PASS_PORT" passthrough "$(pid_on "$PASS_PORT")" "$script" "$mode"
    run "(d) tuomin FF1×3" "$MASK_PORT" qa "$(pid_on "$MASK_PORT")" "$script" "$mode"
  done
done
