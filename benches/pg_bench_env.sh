# Shared setup of the PostgreSQL benchmark scripts (sourced, not run): a throwaway
# PostgreSQL cluster with the demo bank, pgbouncer in session mode, and two tuomin
# policies (all pass, and the demo policy with consumer `qa`), all on loopback.
# Sets PGPORT, BOUNCER_PORT, PASS_PORT, MASK_PORT, WORK, TUOMIN and writes
# $WORK/point.sql and $WORK/range.sql; cleans everything up on exit.
#
# Callers set CUSTOMERS before calling pg_bench_setup. PSEUDONYM_MEMO sets the masking
# policy's `[defaults] pseudonym_memo` (default: the built-in 65536; 0 turns the memo
# off, so every value is encrypted). TUOMIN_BIN=path runs that build of tuomin.

BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
WORK=$(mktemp -d /tmp/tuomin-bench-XXXX)
RUNAS=()
if [ "$(id -u)" = 0 ]; then RUNAS=(runuser -u postgres --); chown postgres "$WORK"; fi
PIDS=()
pg_bench_cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 1
  "${RUNAS[@]}" "$BIN/pg_ctl" -D "$WORK/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap pg_bench_cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# The process listening on a port.
pid_on() { ss -ltnp "sport = :$1" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2; }
# pgbench (CLIENTS clients, default 4; DURATION seconds, default 5) through the proxy on a port; prints
# "TPS CPU-µs USER-µs PROXY-SWITCHES MACHINE-SWITCHES IDLE-%", per transaction but the
# last: the proxy process's CPU (user + system) and user time (/proc/<pid>/stat), its
# threads' context switches, voluntary and involuntary (/proc/<pid>/task/*/status), the machine's
# context switches and its idle share over the run (/proc/stat):
#   tps_and_cpu port user script mode
tps_and_cpu() {
  local pid out tps txns
  local -a before after
  pid=$(pid_on "$1")
  read -r -a before < <(proc_counters "$pid")
  out=$(PGPASSWORD=bench-pass pgbench -n -c "${CLIENTS:-4}" -j 2 -T "${DURATION:-5}" -M "$4" -f "$WORK/$3.sql" \
    -h 127.0.0.1 -p "$1" -U "$2" bench 2>&1)
  read -r -a after < <(proc_counters "$pid")
  tps=$(echo "$out" | awk '/^tps/ {printf "%d", $3; exit}')
  txns=$(echo "$out" | awk '/number of transactions actually processed/ {print $NF}')
  python3 - "$tps" "$txns" "$(getconf CLK_TCK)" "${before[@]}" "${after[@]}" <<'PY'
import sys
tps, txns, tck = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
b, a = [int(x) for x in sys.argv[4:10]], [int(x) for x in sys.argv[10:16]]
d = [y - x for x, y in zip(b, a)]
cpu, user, switches, machine, idle, total = d
print(tps, round(cpu * 1e6 / tck / txns, 1), round(user * 1e6 / tck / txns, 1),
      round(switches / txns, 2), round(machine / txns, 2), round(100 * idle / max(total, 1)))
PY
}

# "CPU USER SWITCHES MACHINE-SWITCHES IDLE TOTAL" counters of process $1 and the machine.
proc_counters() {
  local cpu user switches
  read -r cpu user < <(awk '{print $14 + $15, $14}' "/proc/$1/stat")
  switches=$(awk '/ctxt_switches/ {s += $2} END {print s}' /proc/"$1"/task/*/status 2>/dev/null)
  awk -v c="$cpu" -v u="$user" -v s="$switches" '
    /^cpu / {idle = $5 + $6; total = $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}
    /^ctxt/ {ctxt = $2}
    END {print c, u, s, ctxt, idle, total}' /proc/stat
}

pg_bench_setup() {
  # TUOMIN_BIN runs another build (a before/after in one sitting, or one with
  # debug line tables for a profile); by default the release build, built here.
  if [ -n "${TUOMIN_BIN:-}" ]; then
    TUOMIN=$(realpath "$TUOMIN_BIN")
  else
    echo "== building tuomin (release)"
    cargo build --release --quiet --bin tuomin
    TUOMIN=$PWD/target/release/tuomin
  fi

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
  local upstream="[postgres.upstream]
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
      -e '/^\[audit\]/,/^$/d' -e "s#^listen = \"127.0.0.1:8443\"#listen = \"127.0.0.1:$(free_port)\"#" config/demo.toml \
    | sed -e "s#^\[consumers.qa\]#[consumers.qa]\nscram_verifier = \"$VERIFIER\"#" \
          -e "s#^\[defaults\]#[defaults]\npseudonym_memo = ${PSEUDONYM_MEMO:-65536}#" > "$WORK/mask.toml"
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
}
