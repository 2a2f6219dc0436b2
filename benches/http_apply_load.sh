#!/usr/bin/env bash
# Load test of workflow instances in `ordo serve`: wrk sends POST /v1/instances/{id}/apply to a
# release build, each request moving one of INSTANCES instances of a two-state workflow
# (`take`: open → working, `pause`: working → open) with the `seq` it last saw, so every
# request is a real transition: the instance read under its lock, the engine's apply, the new
# row, its history event, its SLA timer re-armed and its audit entry committed together. The
# Lua script keeps the instances that are not in flight in a queue and takes each answer's
# `id`, `seq` and `state` back into it; a stale `seq` (409) would fail the run.
#
#   benches/http_apply_load.sh [DURATION_SECONDS] [CONNECTIONS] [sqlite|postgres] [INSTANCES]
#
# postgres starts a throwaway PostgreSQL server (scripts/lib/postgres.sh). After the run, the
# events in the store must be at least the answers wrk counted. SERVE_ARGS adds arguments to
# `ordo serve` (see http_lib.sh). Needs wrk, curl and python3; not part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${1:-20}"
CONNECTIONS="${2:-32}"
STORE="${3:-sqlite}"
INSTANCES="${4:-1000}"
if [ "$INSTANCES" -lt "$((CONNECTIONS * 2))" ]; then
  echo "error: INSTANCES must be at least twice CONNECTIONS, so one is always free" >&2; exit 2
fi

source benches/http_lib.sh
case "$STORE" in
  sqlite) DB="$WORK/ordo.db" ;;
  postgres)
    source scripts/lib/postgres.sh
    trap 'http_cleanup; pg_stop' EXIT
    pg_start
    DB="$PG_URL" ;;
  *) echo "error: the store is sqlite or postgres, not $STORE" >&2; exit 2 ;;
esac

python3 - "$WORK" "$INSTANCES" <<'PY'
import json, sys
work, count = sys.argv[1], int(sys.argv[2])
source = """ruleset desk version "1.0.0"
effective 2026-01-01

roles agent

input {
  title: Text
  priority: Int in 1..5
}

workflow ticket {
  state open initial owner agent sla 2 days
  state working owner agent

  transition take: open -> working by agent
  transition pause: working -> open by agent
}
"""
json.dump({"source": source}, open(f"{work}/publish.json", "w"))
ids = [f"D-{n}" for n in range(count)]
json.dump(ids, open(f"{work}/ids.json", "w"))
with open(f"{work}/apply.lua", "w") as f:
    f.write("local ids = {" + ",".join(f'"{i}"' for i in ids) + "}\n")
    f.write(r'''
-- The instances not in flight, first in first out.
local queue, head, tail = {}, 1, 0
local function push(entry) tail = tail + 1; queue[tail] = entry end
local function pop()
  local entry = queue[head]
  queue[head] = nil
  head = head + 1
  return entry
end
for _, id in ipairs(ids) do push({ id = id, seq = 1, state = "open" }) end

local headers = { ["Content-Type"] = "application/json" }
local actor = '"actor":{"id":"amy","roles":["agent"]}'

request = function()
  local entry = pop()
  local transition = entry.state == "open" and "take" or "pause"
  local body = '{"transition":"' .. transition .. '","seq":' .. entry.seq .. ',' .. actor .. '}'
  return wrk.format("POST", "/v1/instances/" .. entry.id .. "/apply", headers, body)
end

response = function(status, _, body)
  if status ~= 200 then return end
  local id = body:match('"id":"([^"]+)"')
  local state = body:match('"state":"([^"]+)"')
  local seq = tonumber(body:match('"seq":(%d+)'))
  push({ id = id, seq = seq, state = state })
end
''')
PY

start_server "$DB"
post /v1/rulesets "$WORK/publish.json" >/dev/null || { echo "error: publishing the desk failed" >&2; exit 1; }
python3 - "$BASE" "$WORK/ids.json" <<'PY'
import json, sys, time, urllib.request
from concurrent.futures import ThreadPoolExecutor
base, ids = sys.argv[1], json.load(open(sys.argv[2]))
def start(id):
    body = json.dumps({"ruleset": "desk", "workflow": "ticket", "id": id,
                       "input": {"title": f"Ticket {id}", "priority": 3},
                       "actor": {"id": "amy", "roles": ["agent"]}}).encode()
    request = urllib.request.Request(f"{base}/v1/instances", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as answer:
        assert answer.status == 201, answer.status
began = time.monotonic()
with ThreadPoolExecutor(16) as pool:
    list(pool.map(start, ids))
print(f"started {len(ids)} instances in {time.monotonic() - began:.1f} s")
PY

# One thread: the queue of free instances lives in one Lua state.
wrk_run "apply store=$STORE instances=$INSTANCES" "$WORK/apply.lua" /v1/instances "$CONNECTIONS" 1 "$DURATION"
stop_server

events="$(store_count "$DB" "select count(*) from instance_history where kind = 'apply'")"
rows="$(audit_rows "$DB")"
echo "transition events: $events, audit rows: $rows (wrk counted $LAST_TOTAL answered requests)"
if [ "$events" -lt "$LAST_TOTAL" ]; then echo "error: answered transitions are missing from the store" >&2; exit 1; fi
