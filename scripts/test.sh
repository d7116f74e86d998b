#!/usr/bin/env bash
# Runs the whole suite on SQLite, then again on PostgreSQL in a throwaway cluster that this script
# starts and removes. CONCORD_REQUIRE_ALL=1 turns a missing PostgreSQL or browser into a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
which_dbs=${CONCORD_TEST_DATABASES:-sqlite postgres}
status=0

run_suite() {  # $1 = label, rest = extra pytest args
  local label=$1; shift
  echo "=== Concord test suite on $label ==="
  "$PY" -m pytest "$@" || status=$?
}

pg_bindir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$d" ] && [ -x "$d/initdb" ]; then echo "$d"; return; fi
  d=$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/x)")
  [ -x "$d/initdb" ] && echo "$d"
}

for db in $which_dbs; do
  case $db in
    sqlite)
      DATABASE_URL= run_suite SQLite "$@"
      ;;
    postgres)
      bindir=$(pg_bindir || true)
      if [ -z "$bindir" ]; then
        if [ "${CONCORD_REQUIRE_ALL:-0}" = 1 ]; then
          echo "PostgreSQL server binaries not found, and CONCORD_REQUIRE_ALL=1." >&2; exit 1
        fi
        echo "=== PostgreSQL not installed: skipping the PostgreSQL run ==="; continue
      fi
      tmp=$(mktemp -d /tmp/concord-pg.XXXXXX)
      as_pg=()
      if [ "$(id -u)" = 0 ]; then
        id postgres >/dev/null 2>&1 || useradd --system --home "$tmp" postgres
        chown postgres "$tmp"; as_pg=(runuser -u postgres --)
      fi
      port=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
      cleanup() { "${as_pg[@]}" "$bindir/pg_ctl" -D "$tmp/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$tmp"; }
      trap cleanup EXIT
      "${as_pg[@]}" "$bindir/initdb" -D "$tmp/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$tmp/initdb.log" 2>&1 \
        || { cat "$tmp/initdb.log"; exit 1; }
      "${as_pg[@]}" "$bindir/pg_ctl" -D "$tmp/data" -l "$tmp/server.log" -w start -o \
        "-p $port -k $tmp -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100" >/dev/null \
        || { cat "$tmp/server.log"; exit 1; }
      # The role journeys (tests/e2e/journeys: every page at two sizes, axe) run in the SQLite pass
      # only: they test what the browser shows, and twice would take CI past its time budget; the
      # other browser tests and everything else run on PostgreSQL too.
      DATABASE_URL="postgres://postgres@127.0.0.1:$port/concord" run_suite "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}')" --ignore=tests/e2e/journeys "$@"
      cleanup; trap - EXIT
      ;;
  esac
done
exit $status
