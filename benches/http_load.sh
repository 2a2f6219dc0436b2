#!/usr/bin/env bash
# Load test of `ordo serve`: wrk against POST /v1/rulesets/bikes/evaluate (examples/bikes,
# quote.json) on a release build, with the audit log on and then off. Prints throughput and
# latency percentiles, and checks that every answered request of the audited run is in the log.
#
#   benches/http_load.sh [DURATION_SECONDS] [CONNECTIONS] [THREADS]
#
# SERVE_ARGS adds arguments to `ordo serve` (see http_lib.sh). Needs wrk (apt-get install -y
# wrk), curl and python3. Not part of CI: it only talks to 127.0.0.1 and stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${1:-20}"
CONNECTIONS="${2:-32}"
THREADS="${3:-1}"

source benches/http_lib.sh

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

# start_bikes [EXTRA ARGS...]: a server on a new store with bikes published, warmed up.
start_bikes() {
  rm -f "$WORK"/ordo.db*
  start_server "$WORK/ordo.db" "$@"
  post /v1/rulesets "$WORK/publish.json" >/dev/null || { echo "error: publishing bikes failed" >&2; exit 1; }
  local answer
  answer="$(post /v1/rulesets/bikes/evaluate "$WORK/evaluate.json")"
  case "$answer" in
    *'"valid":true'*) ;;
    *) echo "error: the evaluation request failed: $answer" >&2; exit 1 ;;
  esac
}

ROUTE=/v1/rulesets/bikes/evaluate

echo "== audit on"
start_bikes
wrk_run audit=on "$WORK/evaluate.lua" "$ROUTE" "$CONNECTIONS" "$THREADS" "$DURATION"
stop_server
rows="$(audit_rows "$WORK/ordo.db")"
# The log holds the warm-up request, every request wrk counted, and at most one per
# connection that was answered after wrk stopped counting.
echo "audit rows: $rows (wrk counted $LAST_TOTAL answered requests)"
if [ "$rows" -lt "$((LAST_TOTAL + 1))" ]; then echo "error: answered requests are missing from the audit log" >&2; exit 1; fi

echo "== audit off"
start_bikes --no-audit
wrk_run audit=off "$WORK/evaluate.lua" "$ROUTE" "$CONNECTIONS" "$THREADS" "$DURATION"
stop_server
