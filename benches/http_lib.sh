# Sourced by the HTTP load scripts (http_load.sh, http_apply_load.sh): builds the release
# `ordo`, starts and stops `ordo serve` on loopback, and runs wrk with a summary line. Sets
# ORDO, WORK (a temporary directory removed on exit) and, while a server runs, BASE.
#
# SERVE_ARGS (environment): extra arguments for every `ordo serve` of a run, for example
# `--rate-limit 1000000` to measure with the per-caller token bucket on.

command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install -y wrk" >&2; exit 1; }

cargo build --release --quiet --bin ordo
ORDO="${CARGO_TARGET_DIR:-target}/release/ordo"

WORK="$(mktemp -d)"
SERVER_PID=""
http_cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap http_cleanup EXIT

# start_server DB [EXTRA ARGS...]: starts `ordo serve` on a free loopback port with the store
# DB (a SQLite file or a PostgreSQL URL) and SERVE_ARGS; sets BASE.
start_server() {
  local db="$1"
  shift
  rm -f "$WORK/serve.out" "$WORK/serve.err"
  # shellcheck disable=SC2086 # SERVE_ARGS is a list of arguments
  "$ORDO" serve --addr 127.0.0.1:0 --db "$db" --log warn ${SERVE_ARGS:-} "$@" \
    >"$WORK/serve.out" 2>"$WORK/serve.err" &
  SERVER_PID=$!
  for _ in $(seq 1 600); do
    if grep -q "listening on" "$WORK/serve.out" 2>/dev/null; then break; fi
    sleep 0.05
  done
  BASE="$(sed -n 's/^ordo serve: listening on //p' "$WORK/serve.out")"
  [ -n "$BASE" ] || { echo "error: ordo serve did not start:" >&2; cat "$WORK/serve.err" >&2; exit 1; }
}

stop_server() {
  kill -TERM "$SERVER_PID"; wait "$SERVER_PID" || true; SERVER_PID=""
}

# post ROUTE FILE: POSTs the JSON in FILE to the running server; prints the answer, fails on
# an error status.
post() {
  curl -sf -X POST "$BASE$1" -H 'Content-Type: application/json' --data-binary @"$2"
}

# wrk_run LABEL SCRIPT ROUTE CONNECTIONS THREADS SECONDS: wrk with the Lua SCRIPT against the
# running server; prints wrk's report and a RESULT line, fails when an answer was not 2xx, and
# sets LAST_TOTAL to the requests wrk counted.
wrk_run() {
  local label="$1" script="$2" route="$3" connections="$4" threads="$5" seconds="$6"
  local out="$WORK/wrk-$label.txt"
  wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency -s "$script" "$BASE$route" >"$out"
  cat "$out"
  if grep -q "Non-2xx" "$out"; then echo "error: some requests failed" >&2; exit 1; fi
  local rps p50 p99
  rps="$(awk '/^Requests\/sec:/ {print $2}' "$out")"
  p50="$(awk '$1 == "50%" {print $2}' "$out")"
  p99="$(awk '$1 == "99%" {print $2}' "$out")"
  LAST_TOTAL="$(awk '/requests in/ {print $1}' "$out")"
  echo "RESULT $label requests=$LAST_TOTAL rps=$rps p50=$p50 p99=$p99 (connections=$connections threads=$threads duration=${seconds}s${SERVE_ARGS:+ serve: $SERVE_ARGS})"
}

# store_count DB SQL: the one number SQL selects from the SQLite file or PostgreSQL database DB.
store_count() {
  case "$1" in
    postgres://*) psql -qtA "$1" -c "$2" ;;
    *) python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])" "$1" "$2" ;;
  esac
}

# audit_rows DB: the rows of the audit log in DB.
audit_rows() { store_count "$1" 'select count(*) from audit_log'; }
