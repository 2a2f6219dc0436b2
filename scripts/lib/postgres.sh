# Sourced by scripts that need a throwaway PostgreSQL server: `pg_start` installs PostgreSQL
# from Debian's packages when it is missing (as root), runs initdb in a temporary directory,
# starts the server on a free port of 127.0.0.1 (owned by the `postgres` user when run as root)
# and sets PG_URL; `pg_stop` stops it and removes the directory. Callers put `pg_stop` in their
# EXIT trap.

pg_find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

pg_as_owner() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }

pg_start() {
  PG_BIN="$(pg_find_bin || true)"
  if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "== installing PostgreSQL"
      export DEBIAN_FRONTEND=noninteractive
      timeout 600 apt-get install -y -q postgresql >/dev/null 2>&1 ||
        { timeout 300 apt-get update -q >/dev/null && timeout 600 apt-get install -y -q postgresql >/dev/null; }
      PG_BIN="$(pg_find_bin)"
    else
      echo "PostgreSQL is needed (apt-get install postgresql)" >&2
      return 1
    fi
  fi
  PG_DIR="$(mktemp -d /tmp/ordo-pg.XXXXXX)"
  local port
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  if [ "$(id -u)" = 0 ]; then chown postgres "$PG_DIR"; fi
  echo "== PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
  pg_as_owner "'$PG_BIN/initdb' -D '$PG_DIR/data' -A trust -U postgres" >/dev/null
  pg_as_owner "'$PG_BIN/pg_ctl' -D '$PG_DIR/data' -w -t 60 -l '$PG_DIR/log' \
    -o \"-p $port -k $PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=300\" start" >/dev/null
  PG_URL="postgres://postgres@127.0.0.1:$port/postgres"
}

pg_stop() {
  if [ -n "${PG_DIR:-}" ]; then
    pg_as_owner "'$PG_BIN/pg_ctl' -D '$PG_DIR/data' -m immediate stop" >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
    PG_DIR=""
  fi
}
