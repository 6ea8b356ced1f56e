# Sourced by the command-line test scripts that also run over PostgreSQL (pg.sync.cli,
# pg.sync.kill, pg.office.cli). With KHAOSAT_TEST_PG_URL (postgresql://USER@HOST:PORT/postgres,
# the server tests/support/pg_cluster.sh started), pg_test_db_create makes a fresh database
# khaosat_<PREFIX>_<pid> there and sets DB=(--database URL) for every khaosat-server command;
# pg_test_db_drop (from the script's cleanup) drops it. Without it, DB=() and both do nothing.
# Sets PG_ADMIN (the admin URL, "" over SQLite) and DB.
DB=()
PG_ADMIN=${KHAOSAT_TEST_PG_URL:-}
PG_NAME=""
psql_admin() { psql -X -q -v ON_ERROR_STOP=1 "$PG_ADMIN" -c "$1" >/dev/null; }
pg_test_db_create() {  # pg_test_db_create PREFIX
  [[ -n "$PG_ADMIN" ]] || return 0
  PG_NAME="khaosat_$1_$$"
  psql_admin "DROP DATABASE IF EXISTS $PG_NAME" && psql_admin "CREATE DATABASE $PG_NAME" ||
    { echo "FAIL: cannot create the test database $PG_NAME" >&2; return 1; }
  DB=(--database "${PG_ADMIN%/*}/$PG_NAME")
}
pg_test_db_drop() {
  if [[ -n "$PG_ADMIN" && -n "$PG_NAME" ]]; then psql_admin "DROP DATABASE IF EXISTS $PG_NAME WITH (FORCE)"; fi
}
