#!/usr/bin/env bash
# A throwaway PostgreSQL server for the pg.* tests: initdb in DIR, listening on 127.0.0.1:PORT
# only (no Unix socket outside DIR), trust authentication for the local user. As root, the server
# runs as user nobody (postgres refuses to run as root) and DIR is given to nobody. fsync is off
# (a test server) unless PG_CLUSTER_FSYNC=on (scripts/bench: durable commits, as in production).
# Usage: tests/support/pg_cluster.sh start|stop DIR PORT
# The tests then use postgresql://<user>@127.0.0.1:PORT/postgres (<user>: nobody as root, else $USER).
set -euo pipefail
action=${1:?start|stop}; dir=${2:?DIR}; port=${3:?PORT}
bin=${KHAOSAT_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
[[ -x "$bin/pg_ctl" ]] || { echo "pg_cluster: no PostgreSQL server binaries (apt-get install postgresql)" >&2; exit 1; }
as_owner() {
  if [[ $(id -u) == 0 ]]; then runuser -u nobody -- "$@"; else "$@"; fi
}
case "$action" in
  start)
    if [[ -f "$dir/data/postmaster.pid" ]]; then as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true; fi
    rm -rf "$dir"
    mkdir -p "$dir"
    [[ $(id -u) == 0 ]] && chown nobody "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -A trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-h 127.0.0.1 -p $port -k $dir -c fsync=${PG_CLUSTER_FSYNC:-off} -c max_connections=50" start >/dev/null ||
      { cat "$dir/server.log" >&2; exit 1; }
    ;;
  stop)
    if [[ -f "$dir/data/postmaster.pid" ]]; then as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null; fi
    rm -rf "$dir"
    ;;
  *) echo "usage: pg_cluster.sh start|stop DIR PORT" >&2; exit 2 ;;
esac
