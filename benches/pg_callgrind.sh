#!/usr/bin/env bash
# Instruction counts of the PostgreSQL gateway's hot path (not a test): the masking
# tuomin of benches/pg_load.sh (consumer `qa`, three FF1 columns) runs under
# `valgrind --tool=callgrind`, counting only inside the connection task
# (`tuomin::pg::server::run`'s spawned future: startup, both pumps, framing, gate, plans,
# masking; not the listener or the runtime's I/O driver). For each workload — point select
# and 100-row range select, simple and extended protocol — pgbench (one client) runs
# SHORT and then LONG transactions against two fresh instances; the difference over
# LONG − SHORT transactions is the cost of one transaction, without the connection,
# the catalog load and the first plans. Instruction counts are repeatable where
# wall-clock time on the shared machine is not.
#
# Prints a markdown table; leaves both dumps of each workload in benches/callgrind/
# (git-ignored): `python3 benches/callgrind_per_txn.py benches/callgrind/range-extended`
# lists the functions by instructions per transaction.
# Needs valgrind and what benches/pg_load.sh needs.
#
#   bash benches/pg_callgrind.sh       # SHORT=20 LONG=220 CUSTOMERS=20000
#   SCRIPTS=range MODES=extended TUOMIN_BIN=path bash benches/pg_callgrind.sh  # one workload
#   WHOLE=1 bash benches/pg_callgrind.sh     # the whole process, runtime included
#   WARM=1 bash benches/pg_callgrind.sh      # steady state: every value encrypted once first
set -euo pipefail
cd "$(dirname "$0")/.."
SHORT=${SHORT:-20}
LONG=${LONG:-220}
CUSTOMERS=${CUSTOMERS:-20000}
DUMPS=$PWD/benches/callgrind
mkdir -p "$DUMPS"
source benches/pg_bench_env.sh
pg_bench_setup

# WHOLE=1 counts the whole process (the runtime's scheduler and I/O driver, the
# listener, other threads) instead of the connection task alone.
if [ -n "${WHOLE:-}" ]; then
  COLLECT=(--collect-atstart=yes)
else
  # One toggle only: callgrind toggles collection at each entry into a matching
  # function, so two matches on one stack (the spawned task and the `connection`
  # future it polls, when both stay functions) switch collection off again.
  COLLECT=(--collect-atstart=no --toggle-collect='tuomin::pg::server::run::{{closure}}::{{closure}}')
fi

ir() { # workload mode txns → total Ir inside the session task
  local port out pid
  port=$(free_port)
  out="$DUMPS/$1-$2-$3.out"
  sed -e "s#^listen = \"127.0.0.1:$MASK_PORT\"#listen = \"127.0.0.1:$port\"#" \
      -e "/^\[http\]/,/^\[\[http.routes\]\]/s#^listen = .*#listen = \"127.0.0.1:$(free_port)\"#" \
      "$WORK/mask.toml" > "$WORK/cg.toml"
  RUST_LOG=warn valgrind --tool=callgrind --callgrind-out-file="$out" "${COLLECT[@]}" \
    "$TUOMIN" serve --config "$WORK/cg.toml" 2>"$WORK/cg.log" & pid=$!
  PIDS+=("$pid")
  for _ in $(seq 120); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null && break
    sleep 0.5
  done
  # WARM=1: one session reads every customer first, so the process-wide pseudonym memos
  # hold every value (as in a long pg_load.sh run) and no transaction pays a first
  # encryption. Both runs of a workload warm alike, so the difference is unchanged by it.
  if [ -n "${WARM:-}" ]; then
    PGPASSWORD=bench-pass psql -X -q -h 127.0.0.1 -p "$port" -U qa -o /dev/null \
      -c 'select customer_id, id_number, mobile, email from customers' bench
  fi
  PGPASSWORD=bench-pass pgbench -n -c 1 -t "$3" -M "$2" -f "$WORK/$1.sql" \
    -h 127.0.0.1 -p "$port" -U qa bench >"$WORK/pgbench.out" 2>&1 \
    || { cat "$WORK/pgbench.out" "$WORK/cg.log" >&2; exit 1; }
  kill -TERM "$pid"
  wait "$pid" || true
  awk '/^(summary|totals):/ {print $2; exit}' "$out"
}

{
  echo "| query | protocol | Ir per transaction |"
  echo "|---|---|---:|"
} > "$WORK/table"
for script in ${SCRIPTS:-point range}; do
  for mode in ${MODES:-simple extended}; do
    short=$(ir "$script" "$mode" "$SHORT")
    long=$(ir "$script" "$mode" "$LONG")
    per=$(( (long - short) / (LONG - SHORT) ))
    name=$([ "$script" = point ] && echo "point select" || echo "100-row range")
    echo "| $name | $mode | $per |" | tee -a "$WORK/table"
    mv "$DUMPS/$script-$mode-$SHORT.out" "$DUMPS/$script-$mode.short.out"
    mv "$DUMPS/$script-$mode-$LONG.out" "$DUMPS/$script-$mode.out"
    echo "$SHORT $LONG" > "$DUMPS/$script-$mode.txns"
  done
done
echo
cat "$WORK/table"
