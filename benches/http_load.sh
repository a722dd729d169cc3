#!/usr/bin/env bash
# HTTP gateway load benchmark (not a test): wrk against, in one run on this machine,
#   (a) the upstream directly (nginx serving a ~2 KB JSON file),
#   (b) nginx proxy_pass in front of it,
#   (c) tuomin passing a route through (declared pass-through type, bytes untouched),
#   (d) tuomin masking five fields of the ~2 KB JSON response.
# Loopback only, bounded duration; throwaway nginx and tuomin under a temp dir.
# Needs: wrk, nginx (apt-get install -y wrk nginx), a release build of tuomin.
# Usage: benches/http_load.sh [seconds per run, default 10] [connections, default 32]
# B_BIN=path [ROUNDS=3]: a paired before/after instead of the table: a second gateway of
# that build beside the first (same policy), and ROUNDS rounds of (b), then (d) on each
# build, side by side (the machine's speed drifts between sittings; pairs show a change).
set -euo pipefail

DURATION="${1:-10}"
CONNS="${2:-32}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
# TUOMIN_BIN runs another build (e.g. of main, for a before/after in one sitting).
# ROUNDS (default 3): the table's runs are repeated side by side and their medians given.
TUOMIN="${TUOMIN_BIN:-$ROOT/target/release/tuomin}"
for tool in wrk nginx; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install -y wrk nginx" >&2; exit 1; }
done
[ -n "${TUOMIN_BIN:-}" ] || (cd "$ROOT" && cargo build --release --quiet --bin tuomin)

WORK="$(mktemp -d)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
UP=$(free_port); NGX=$(free_port); GW=$(free_port)

# ~2 KB JSON: five C2 fields (name, mobile, email, id_number, card_no), the rest C1.
mkdir -p "$WORK/www/json" "$WORK/www/bin" "$WORK/nginx"
python3 - "$WORK/www/json/customer" <<'PY'
import json, sys
doc = {"customer_id": 1001, "name": "王小明", "mobile": "13912345678",
       "email": "wang.xiaoming@example.com", "id_number": "110105199003071234",
       "card_no": "6222020200112233445", "status": "active", "branch_code": "BR001",
       "history": [{"seq": i, "event": "login", "created_at": "2024-03-01T12:00:%02dZ" % i,
                    "status": "ok", "branch_code": "BR%03d" % i} for i in range(17)]}
text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
open(sys.argv[1], "w").write(text)
print(len(text.encode()), "bytes", file=sys.stderr)
PY
cp "$WORK/www/json/customer" "$WORK/www/bin/customer"
# nginx workers run unprivileged: the (mktemp 0700) tree must be readable to them.
chmod -R a+rX "$WORK"

cat > "$WORK/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  upstream up { server 127.0.0.1:$UP; keepalive 64; }
  server {
    listen 127.0.0.1:$UP;
    location /json/ { root $WORK/www; types { } default_type application/json; }
    location /bin/ { root $WORK/www; types { } default_type application/octet-stream; }
  }
  server {
    listen 127.0.0.1:$NGX;
    location / { proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
CONF
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' &
PIDS+=($!)
NGINX_PID=$!

"$TUOMIN" keygen --out "$WORK/bench.key" >/dev/null
# NO_AUDIT=1 measures without the audit trail (to see its share); default: recorded.
AUDIT_SECTION=$'[audit]\nfile = "audit.jsonl"'
[ "${NO_AUDIT:-0}" = 1 ] && AUDIT_SECTION=""
# PSEUDONYM_MEMO=0 turns the FPE memo off (every value encrypted every time).
DEFAULTS_SECTION=""
[ -n "${PSEUDONYM_MEMO:-}" ] && DEFAULTS_SECTION=$'[defaults]\npseudonym_memo = '"$PSEUDONYM_MEMO"
KEY_OUT="$("$TUOMIN" passwd --api-key)"
KEY="$(echo "$KEY_OUT" | sed -n 's/^key: //p')"
HASH_LINE="$(echo "$KEY_OUT" | grep '^api_keys')"
cat > "$WORK/policy.toml" <<TOML
version = 1
[keys]
master_key_file = "bench.key"
master_key_env = "TUOMIN_BENCH_KEY_NEVER_SET"
$AUDIT_SECTION
$DEFAULTS_SECTION
[categories.api_meta]
grade = "C1"
[json_keys]
customer_id = "internal_id"
name = "name"
mobile = "mobile"
email = "email"
id_number = "id_number"
card_no = "card_number"
status = "status"
branch_code = "branch"
seq = "api_meta"
event = "api_meta"
created_at = "timestamp"
[consumers.vendor]
scenario = "outsourced"
key_scope = "vendor"
$HASH_LINE
[http]
listen = "127.0.0.1:$GW"
[http.limits]
max_connections = 4096
[[http.routes]]
name = "pass"
path = "/bin/{f}"
upstream = "http://127.0.0.1:$UP"
pass_through = ["application/octet-stream"]
[[http.routes]]
name = "mask"
path = "/json/{f}"
upstream = "http://127.0.0.1:$UP"
TOML
TUOMIN_LOG=warn "$TUOMIN" serve --config "$WORK/policy.toml" 2>"$WORK/tuomin.log" &
PIDS+=($!)
TUOMIN_PID=$!
GATEWAYS=("$GW")
if [ -n "${B_BIN:-}" ]; then
  GW_B=$(free_port)
  mkdir -p "$WORK/b"
  cp "$WORK/bench.key" "$WORK/b/"
  sed -e "s#127.0.0.1:$GW\"#127.0.0.1:$GW_B\"#" "$WORK/policy.toml" > "$WORK/b/policy.toml"
  TUOMIN_LOG=warn "$B_BIN" serve --config "$WORK/b/policy.toml" 2>"$WORK/tuomin-b.log" &
  PIDS+=($!)
  TUOMIN_B_PID=$!
  GATEWAYS+=("$GW_B")
fi

for port in $UP $NGX "${GATEWAYS[@]}"; do
  for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
done
echo "--- one masked response (d):"
curl -s -H "x-api-key: $KEY" "http://127.0.0.1:$GW/json/customer" | head -c 300; echo

# CPU seconds (user + system, every thread) of a process and its children so far.
cpu() {
  python3 - "$@" <<'PY'
import os, sys
tick = os.sysconf("SC_CLK_TCK")
pids = set(sys.argv[1:])
for p in os.listdir("/proc"):
    try:
        if p.isdigit() and open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()[1] in pids:
            pids.add(p)
    except OSError:
        pass
total = 0
for pid in pids:
    try:
        for t in os.listdir(f"/proc/{pid}/task"):
            f = open(f"/proc/{pid}/task/{t}/stat").read().rsplit(")", 1)[1].split()
            total += int(f[11]) + int(f[12])
    except OSError:
        pass
print(total / tick)
PY
}

run() { # label url [header] -> label rps latency nginx-cpu-s tuomin-cpu-s requests
  local out rps n0 t0
  n0=$(cpu "$NGINX_PID"); t0=$(cpu "$TUOMIN_PID")
  if [ -n "${3:-}" ]; then
    out="$(wrk -t2 -c"$CONNS" -d"${DURATION}s" -H "$3" "$2")"
  else
    out="$(wrk -t2 -c"$CONNS" -d"${DURATION}s" "$2")"
  fi
  if echo "$out" | grep -q "Non-2xx"; then echo "$1: non-2xx responses" >&2; echo "$out" >&2; exit 1; fi
  rps="$(echo "$out" | awk '/Requests\/sec/ {print $2}')"
  echo "$1 $rps $(echo "$out" | awk '/Latency/ {print $2}') \
    $(python3 -c "print($(cpu "$NGINX_PID") - $n0, $(cpu "$TUOMIN_PID") - $t0)") \
    $(echo "$out" | awk '/requests in/ {print $1}')"
}

if [ "${LATENCY:-0}" = 1 ]; then
  for label in c d; do
    url="http://127.0.0.1:$GW/bin/customer"; [ $label = d ] && url="http://127.0.0.1:$GW/json/customer"
    echo "$label (one connection):"; wrk -t1 -c1 -d"${DURATION}s" -H "x-api-key: $KEY" "$url" | grep -E "Latency|Requests/sec"
  done
  exit 0
fi
if [ -n "${B_BIN:-}" ]; then
  echo "--- paired: (d) on $TUOMIN (A) and on $B_BIN (B), wrk -t2 -c$CONNS -d${DURATION}s"
  echo "| round | (b) requests/s | A (d)/(b) | A CPU µs/req | B (d)/(b) | B CPU µs/req |"
  echo "|---|---:|---:|---:|---:|---:|"
  for round in $(seq "${ROUNDS:-3}"); do
    B=$(run b "http://127.0.0.1:$NGX/json/customer")
    DA=$(run d "http://127.0.0.1:$GW/json/customer" "x-api-key: $KEY")
    DB=$(TUOMIN_PID=$TUOMIN_B_PID run d "http://127.0.0.1:$GW_B/json/customer" "x-api-key: $KEY")
    python3 - "$round" "$B" "$DA" "$DB" <<'PY'
import sys
b, a, o = (r.split() for r in sys.argv[2:])
share = lambda r: f"{float(r[1]) / float(b[1]):.2f} | {float(r[4]) * 1e6 / float(r[5]):.1f}"
print(f"| {sys.argv[1]} | {float(b[1]):,.0f} | {share(a)} | {share(o)} |")
PY
  done
  exit 0
fi
# The table: ROUNDS rounds (default 3) of the four runs side by side (in reverse order
# every other round); each cell is the median of its rounds, and every round's (d)/(b)
# is listed (the machine's speed drifts between and within sittings).
ROUNDS=${ROUNDS:-3}
echo "--- wrk -t2 -c$CONNS -d${DURATION}s, $(nproc) cores, loopback, $ROUNDS rounds"
RESULTS=()
for round in $(seq "$ROUNDS"); do
  order="a b c d"
  [ $((round % 2)) = 0 ] && order="d c b a"
  for label in $order; do
    case $label in
      a) RESULTS+=("$round $(run a "http://127.0.0.1:$UP/json/customer")") ;;
      b) RESULTS+=("$round $(run b "http://127.0.0.1:$NGX/json/customer")") ;;
      c) RESULTS+=("$round $(run c "http://127.0.0.1:$GW/bin/customer" "x-api-key: $KEY")") ;;
      d) RESULTS+=("$round $(run d "http://127.0.0.1:$GW/json/customer" "x-api-key: $KEY")") ;;
    esac
  done
done
python3 - "${RESULTS[@]}" <<'PY'
import statistics, sys
names = {"a": "upstream direct (nginx static)", "b": "nginx proxy_pass",
         "c": "tuomin, route passed through", "d": "tuomin, 5 fields masked (~2 KB JSON)"}
runs = {}
for r in sys.argv[1:]:
    rnd, label, rps, lat, ngx, tmn, n = r.split()
    runs.setdefault(label, {})[int(rnd)] = (float(rps), lat, float(ngx), float(tmn), float(n))
rounds = sorted(runs["b"])
med = lambda xs: statistics.median(xs)
b_rps = {k: v[0] for k, v in runs["b"].items()}
print("| run | what | requests/s | ratio to (b) | nginx CPU µs/req | tuomin CPU µs/req |")
print("|---|---|---:|---:|---:|---:|")
for label in "abcd":
    rs = runs[label]
    rps = med([rs[k][0] for k in rounds])
    ratio = med([rs[k][0] / b_rps[k] for k in rounds])
    ngx = med([rs[k][2] * 1e6 / rs[k][4] for k in rounds])
    tmn = med([rs[k][3] * 1e6 / rs[k][4] for k in rounds])
    print(f"| ({label}) | {names[label]} | {rps:,.0f} | {ratio:.2f} | {ngx:.1f} | {tmn:.1f} |")
by_round = " · ".join(f"{runs['d'][k][0] / b_rps[k]:.2f}" for k in rounds)
print(f"\n(d)/(b) by round: {by_round} (medians of the rounds above)")
PY
