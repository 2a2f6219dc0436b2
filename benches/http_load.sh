#!/usr/bin/env bash
# Load test of `ordo serve`: wrk against POST /v1/rulesets/bikes/evaluate (examples/bikes,
# quote.json) on a release build, with the audit log on and then off. Prints throughput and
# latency percentiles, and checks that every answered request of the audited run is in the log.
#
#   benches/http_load.sh [DURATION_SECONDS] [CONNECTIONS] [THREADS]
#
# Needs wrk (apt-get install -y wrk), curl and python3. Not part of CI: it only talks to
# 127.0.0.1 and stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${1:-20}"
CONNECTIONS="${2:-32}"
THREADS="${3:-1}"

command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install -y wrk" >&2; exit 1; }

cargo build --release --quiet --bin ordo
TARGET="${CARGO_TARGET_DIR:-target}"
ORDO="$TARGET/release/ordo"

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

python3 - "$WORK" <<'PY'
import json, sys
work = sys.argv[1]
source = open("examples/bikes/bikes.ordo").read()
quote = json.load(open("examples/bikes/quote.json"))
json.dump({"source": source}, open(f"{work}/publish.json", "w"))
body = json.dumps({"version": "2.0.0", "input": quote}, separators=(",", ":"))
open(f"{work}/evaluate.json", "w").write(body)
with open(f"{work}/evaluate.lua", "w") as f:
    f.write('wrk.method = "POST"\n')
    f.write('wrk.headers["Content-Type"] = "application/json"\n')
    f.write("wrk.body = [==[" + body + "]==]\n")
PY

# start_server [EXTRA ARGS...]: starts `ordo serve` on a free loopback port, sets BASE.
start_server() {
  rm -f "$WORK"/ordo.db* "$WORK/serve.out" "$WORK/serve.err"
  "$ORDO" serve --addr 127.0.0.1:0 --db "$WORK/ordo.db" --log warn "$@" >"$WORK/serve.out" 2>"$WORK/serve.err" &
  SERVER_PID=$!
  for _ in $(seq 1 600); do
    if grep -q "listening on" "$WORK/serve.out" 2>/dev/null; then break; fi
    sleep 0.05
  done
  BASE="$(sed -n 's/^ordo serve: listening on //p' "$WORK/serve.out")"
  [ -n "$BASE" ] || { echo "error: ordo serve did not start:" >&2; cat "$WORK/serve.err" >&2; exit 1; }
  curl -sf -X POST "$BASE/v1/rulesets" -H 'Content-Type: application/json' \
    --data-binary @"$WORK/publish.json" >/dev/null || { echo "error: publishing bikes failed" >&2; exit 1; }
  # Warm up, and check that the request works.
  local answer
  answer="$(curl -sf -X POST "$BASE/v1/rulesets/bikes/evaluate" -H 'Content-Type: application/json' \
    --data-binary @"$WORK/evaluate.json")"
  case "$answer" in
    *'"valid":true'*) ;;
    *) echo "error: the evaluation request failed: $answer" >&2; exit 1 ;;
  esac
}

stop_server() {
  kill -TERM "$SERVER_PID"; wait "$SERVER_PID" || true; SERVER_PID=""
}

# run LABEL: wrk against the running server; prints a summary line.
run() {
  local label="$1" out="$WORK/wrk-$1.txt"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$WORK/evaluate.lua" \
    "$BASE/v1/rulesets/bikes/evaluate" >"$out"
  cat "$out"
  if grep -q "Non-2xx" "$out"; then echo "error: some requests failed" >&2; exit 1; fi
  local rps p50 p99 total
  rps="$(awk '/^Requests\/sec:/ {print $2}' "$out")"
  p50="$(awk '$1 == "50%" {print $2}' "$out")"
  p99="$(awk '$1 == "99%" {print $2}' "$out")"
  total="$(awk '/requests in/ {print $1}' "$out")"
  echo "RESULT audit=$label requests=$total rps=$rps p50=$p50 p99=$p99 (connections=$CONNECTIONS threads=$THREADS duration=${DURATION}s)"
  LAST_TOTAL="$total"
}

echo "== audit on"
start_server
run on
stop_server
rows="$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from audit_log').fetchone()[0])" "$WORK/ordo.db")"
# The log holds the warm-up request, every request wrk counted, and at most one per
# connection that was answered after wrk stopped counting.
echo "audit rows: $rows (wrk counted $LAST_TOTAL answered requests)"
if [ "$rows" -lt "$((LAST_TOTAL + 1))" ]; then echo "error: answered requests are missing from the audit log" >&2; exit 1; fi

echo "== audit off"
start_server --no-audit
run off
stop_server
