# Sourced by the office's command-line tests (office_cli_test.sh, queue_cli_test.sh): strict
# mode, a temporary folder T removed on exit with the data folder D=$T/data inside, fail(), and
# SERVER, which runs khaosat-server with --database when the test runs over PostgreSQL
# (KHAOSAT_TEST_PG_URL: a fresh database per run, dropped on exit; tests/support/pg_test_db.sh).
# Usage: source cli_setup.sh PREFIX KHAOSAT_SERVER   (PREFIX names the PostgreSQL database)
# Sets SERVER_BIN, PY, T, D, DB, PG_ADMIN, SERVE_PID (set it to a server the test starts).
set -euo pipefail
SERVER_BIN=$2
PY=/usr/bin/python3
T=$(mktemp -d)
D=$T/data
source "$(dirname "${BASH_SOURCE[0]}")/../support/pg_test_db.sh"
SERVE_PID=""  # a `khaosat-server serve` the test started, stopped on exit
cleanup() {
  if [[ -n $SERVE_PID ]]; then kill "$SERVE_PID" 2>/dev/null || true; wait "$SERVE_PID" 2>/dev/null || true; fi
  rm -rf "$T"
  pg_test_db_drop
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
pg_test_db_create "$1"
# Every command, with --database when the test runs over PostgreSQL.
SERVER() { "$SERVER_BIN" "$@" "${DB[@]}"; }
