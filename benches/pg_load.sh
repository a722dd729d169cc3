#!/usr/bin/env bash
# Load benchmark of the PostgreSQL gateway (not a test): pgbench, 4 clients, on this
# machine, loopback only, bounded durations, against
#   (a) PostgreSQL direct
#   (b) pgbouncer in session mode
#   (c) tuomin, consumer with no masked column (policy with unclassified = pass)
#   (d) tuomin, consumer `qa` masking three C2 columns with FF1
#       (customers.id_number fpe_cn_id, customers.mobile fpe_mobile, customers.email fpe_email)
# on a point select and a 100-row range select, simple and extended protocol.
# Writes the table to benches/pg.md.table (paste it into benches/pg.md with the
# analysis; OUT=… to change). Needs: postgresql, pgbench, pgbouncer.
#
#   bash benches/pg_load.sh            # DURATION=10 CLIENTS=4 CUSTOMERS=20000 by default
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
CLIENTS=${CLIENTS:-4}
CUSTOMERS=${CUSTOMERS:-20000}
OUT=${OUT:-benches/pg.md}
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
WORK=$(mktemp -d /tmp/tuomin-bench-XXXX)
RUNAS=()
if [ "$(id -u)" = 0 ]; then RUNAS=(runuser -u postgres --); chown postgres "$WORK"; fi
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 1
  "${RUNAS[@]}" "$BIN/pg_ctl" -D "$WORK/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

echo "== building tuomin (release)"
cargo build --release --quiet --bin tuomin
TUOMIN=$PWD/target/release/tuomin

echo "== PostgreSQL"
PGPORT=$(free_port)
"${RUNAS[@]}" "$BIN/initdb" -D "$WORK/data" -U postgres --auth=trust -E UTF8 --locale=C >/dev/null
"${RUNAS[@]}" "$BIN/pg_ctl" -D "$WORK/data" -l "$WORK/pg.log" -w \
  -o "-p $PGPORT -k $WORK -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50" start >/dev/null
psql -X -q -h 127.0.0.1 -p "$PGPORT" -U postgres -c "create database bench" postgres
"$TUOMIN" demo-data --out "$WORK/demo" --customers "$CUSTOMERS" --format sql >/dev/null
psql -X -q -h 127.0.0.1 -p "$PGPORT" -U postgres -v ON_ERROR_STOP=1 -f "$WORK/demo/demo.sql" bench
psql -X -q -h 127.0.0.1 -p "$PGPORT" -U postgres -c "analyze" bench

echo "== pgbouncer (session mode)"
BOUNCER_PORT=$(free_port)
cat > "$WORK/pgbouncer.ini" <<INI
[databases]
bench = host=127.0.0.1 port=$PGPORT dbname=bench
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $BOUNCER_PORT
unix_socket_dir =
auth_type = trust
auth_file = $WORK/userlist.txt
pool_mode = session
max_client_conn = 100
default_pool_size = 20
logfile = $WORK/pgbouncer.log
INI
echo '"postgres" ""' > "$WORK/userlist.txt"
[ ${#RUNAS[@]} -gt 0 ] && chown postgres "$WORK/pgbouncer.ini" "$WORK/userlist.txt"
"${RUNAS[@]}" pgbouncer "$WORK/pgbouncer.ini" & PIDS+=($!)

echo "== tuomin (two policies: all pass, and the demo policy)"
"$TUOMIN" keygen --out "$WORK/bench.key" >/dev/null
VERIFIER=$(echo bench-pass | "$TUOMIN" passwd)
PASS_PORT=$(free_port)
MASK_PORT=$(free_port)
upstream="[postgres.upstream]
host = \"127.0.0.1\"
port = $PGPORT
user = \"postgres\""
cat > "$WORK/pass.toml" <<TOML
version = 1
[keys]
master_key_file = "bench.key"
master_key_env = "TUOMIN_BENCH_KEY_NEVER_SET"
[defaults]
unclassified = "pass"
unclassified_pass_reason = "benchmark baseline: no masked column"
[consumers.passthrough]
scenario = "dev_test"
key_scope = "bench"
scram_verifier = "$VERIFIER"
[postgres]
listen = "127.0.0.1:$PASS_PORT"
$upstream
TOML
sed -e 's#"../.tuomin/demo.key"#"bench.key"#' -e 's#"TUOMIN_MASTER_KEY"#"TUOMIN_BENCH_KEY_NEVER_SET"#' \
    -e '/^\[audit\]/,/^$/d' config/demo.toml \
  | sed -e "s#^\[consumers.qa\]#[consumers.qa]\nscram_verifier = \"$VERIFIER\"#" > "$WORK/mask.toml"
printf '\n[postgres]\nlisten = "127.0.0.1:%s"\n%s\n' "$MASK_PORT" "$upstream" >> "$WORK/mask.toml"
RUST_LOG=warn "$TUOMIN" serve --config "$WORK/pass.toml" 2>"$WORK/pass.log" & PIDS+=($!)
RUST_LOG=warn "$TUOMIN" serve --config "$WORK/mask.toml" 2>"$WORK/mask.log" & PIDS+=($!)
sleep 2

cat > "$WORK/point.sql" <<SQL
\set id random(1, $CUSTOMERS)
select customer_id, id_number, mobile, email from customers where customer_id = :id;
SQL
cat > "$WORK/range.sql" <<SQL
\set id random(1, $((CUSTOMERS - 100)))
select customer_id, id_number, mobile, email from customers where customer_id between :id and :id + 99;
SQL

tps() { # port user script mode
  PGPASSWORD=bench-pass pgbench -n -c "$CLIENTS" -j 2 -T "$DURATION" -M "$4" -f "$WORK/$3.sql" \
    -h 127.0.0.1 -p "$1" -U "$2" bench 2>"$WORK/pgbench.err" \
    | sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p'
}

declare -A R
for script in point range; do
  for mode in simple extended; do
    echo "== $script / $mode"
    R[a,$script,$mode]=$(tps "$PGPORT" postgres "$script" "$mode")
    R[b,$script,$mode]=$(tps "$BOUNCER_PORT" postgres "$script" "$mode")
    R[c,$script,$mode]=$(tps "$PASS_PORT" passthrough "$script" "$mode")
    R[d,$script,$mode]=$(tps "$MASK_PORT" qa "$script" "$mode")
    echo "   a=${R[a,$script,$mode]} b=${R[b,$script,$mode]} c=${R[c,$script,$mode]} d=${R[d,$script,$mode]}"
  done
done

ratio() { python3 -c "print(f'{float(\"$1\" or 0)/float(\"$2\" or 1):.2f}')"; }
{
  echo "# PostgreSQL gateway load benchmark"
  echo
  echo "Generated by \`bash benches/pg_load.sh\` on $(date -u +%Y-%m-%d) ($(nproc) cores, shared);"
  echo "pgbench, $CLIENTS clients, ${DURATION} s per cell, $CUSTOMERS customers, loopback, PostgreSQL $("$BIN/postgres" --version | awk '{print $3}'),"
  echo "$(pgbouncer --version | head -1). TPS excludes connection time."
  echo
  echo "(a) PostgreSQL direct · (b) pgbouncer, session mode · (c) tuomin, no masked column ·"
  echo "(d) tuomin, \`qa\` masking id_number (fpe_cn_id), mobile (fpe_mobile), email (fpe_email)."
  echo
  echo "| query | protocol | (a) direct | (b) pgbouncer | (c) tuomin pass | (d) tuomin FF1×3 | (d)/(b) | (c)/(b) | (d)/(a) |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
  for script in point range; do
    for mode in simple extended; do
      a=${R[a,$script,$mode]}; b=${R[b,$script,$mode]}; c=${R[c,$script,$mode]}; d=${R[d,$script,$mode]}
      name=$([ "$script" = point ] && echo "point select" || echo "100-row range")
      echo "| $name | $mode | $a | $b | $c | $d | $(ratio "$d" "$b") | $(ratio "$c" "$b") | $(ratio "$d" "$a") |"
    done
  done
  echo
  echo "Targets: (d) ≥ (b) on point selects; (d) ≥ 0.8 × (b) on 100-row selects."
} > "$OUT.table"
echo "== wrote $OUT.table"
cat "$OUT.table"
