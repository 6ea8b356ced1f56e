#!/usr/bin/env bash
# pg.office.report: the exports and reports over PostgreSQL equal those over SQLite for the same
# generated province (demo-data: same seed, same submissions): the report's XLSX and HTML and the
# GeoJSON byte for byte; the XLSX export cell for cell but the server's arrival times.
# office_report_test.sh checks the SQLite side against server.db itself.
# Usage: office_report_pg_test.sh KHAOSAT_SERVER   (with KHAOSAT_TEST_PG_URL)
set -euo pipefail
SERVER=$1
T=$(mktemp -d)
source "$(dirname "$0")/../support/pg_test_db.sh"
cleanup() {
  rm -rf "$T"
  pg_test_db_drop
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
[[ -n "$PG_ADMIN" ]] || fail "KHAOSAT_TEST_PG_URL is not set"
pg_test_db_create report
for side in sqlite pg; do
  opts=()
  [[ $side == pg ]] && opts=("${DB[@]}")
  mkdir -p "$T/$side"
  "$SERVER" demo-data --data "$T/$side/d" --seed 11 --year 2027 "${opts[@]}" > /dev/null
  "$SERVER" report --data "$T/$side/d" --year 2027 --as-of 2027-11-30 -o "$T/$side/r" "${opts[@]}" > /dev/null
  "$SERVER" export --data "$T/$side/d" --format geojson -o "$T/$side/p.geojson" "${opts[@]}"
  "$SERVER" export --data "$T/$side/d" --format xlsx -o "$T/$side/all.xlsx" "${opts[@]}"
done
cmp "$T/sqlite/r/bao-cao-2027.html" "$T/pg/r/bao-cao-2027.html" || fail "the report pages differ between SQLite and PostgreSQL"
cmp "$T/sqlite/r/bao-cao-2027.xlsx" "$T/pg/r/bao-cao-2027.xlsx" || fail "the report workbooks differ between SQLite and PostgreSQL"
cmp "$T/sqlite/p.geojson" "$T/pg/p.geojson" || fail "the GeoJSON differs between SQLite and PostgreSQL"
/usr/bin/python3 - "$T/sqlite/all.xlsx" "$T/pg/all.xlsx" <<'PY' || fail "the XLSX exports differ between SQLite and PostgreSQL"
import sys, openpyxl
a, b = openpyxl.load_workbook(sys.argv[1]), openpyxl.load_workbook(sys.argv[2])
assert a.sheetnames == b.sheetnames
for name in a.sheetnames:
    ra = sorted(map(list, a[name].iter_rows(values_only=True)), key=str)
    rb = sorted(map(list, b[name].iter_rows(values_only=True)), key=str)
    head = list(a[name].iter_rows(max_row=1, values_only=True))[0]
    skip = [i for i, h in enumerate(head) if h == "Ngày nhận (received_at)"]
    for r in ra + rb:
        for i in skip: r[i] = None
    assert sorted(ra, key=str) == sorted(rb, key=str), name
print("pg export ok")
PY
echo "office_report_pg_test: ok"
