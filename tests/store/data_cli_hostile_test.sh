#!/usr/bin/env bash
# `khaosat data` against hostile use (issue 9): two attachments with one file name, several
# processes creating the same new database at once, a database whose schema lost a table, a
# stored instance that is not well-formed XML, a folder the database cannot be written in, a NUL
# in an answer. Every refusal leaves the files as they were.
# Usage: data_cli_hostile_test.sh KHAOSAT_BINARY
source "$(dirname "${BASH_SOURCE[0]}")/cli_setup.sh" "$1"
sql() { python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.commit()" "$@"; }
sql_value() { python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])" "$@"; }

cat > form.xml <<'XML'
<?xml version="1.0"?>
<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml" xmlns:jr="http://openrosa.org/javarosa">
<h:head><h:title>Photos</h:title><model><instance><data id="photos" version="1"><name/><photo/><meta><instanceID/></meta></data></instance>
<bind nodeset="/data/name" type="string"/><bind nodeset="/data/photo" type="binary"/>
<bind nodeset="/data/meta/instanceID" type="string" jr:preload="uid"/>
</model></h:head><h:body><input ref="/data/name"><label>N</label></input><upload ref="/data/photo" mediatype="image/*"><label>P</label></upload></h:body></h:html>
XML
echo '[{"set": "/data/name", "value": "A"}, {"set": "/data/photo", "value": "photo.jpg"}]' > fill.json
mkdir -p a b
printf 'first photo' > a/photo.jpg
printf 'second photo' > b/photo.jpg

# 1. Two attachments with one file name: refused, naming both paths, nothing stored.
for mode in --finalize ""; do
  expect_rc 2 "$K" data add --db dup.db form.xml fill.json $mode --attach a/photo.jpg --attach b/photo.jpg
  grep -q "'a/photo.jpg' and --attach 'b/photo.jpg' have the same file name 'photo.jpg'" err.txt ||
    fail "duplicate attachment names ($mode): $(cat err.txt)"
  grep -q "Nothing was stored" err.txt || fail "duplicate attachment names: does not say nothing was stored"
done
[[ ! -e dup.db ]] || fail "a refused add with duplicate attachment names created the database"
# Distinct names are both kept.
cp b/photo.jpg b/photo2.jpg
expect_rc 0 "$K" data add --db dup.db form.xml fill.json --finalize --attach a/photo.jpg --attach b/photo2.jpg
ID=$(cat out.txt)
expect_rc 0 "$K" data show "$ID" --db dup.db
[[ $(grep -c "^attachment: " out.txt) == 2 ]] || fail "two attachments with distinct names: $(cat out.txt)"

# 2. Several processes creating the same new database at once: every one succeeds, and the
# database holds every submission.
trials=10
for t in $(seq 1 $trials); do
  for p in 1 2 3; do
    "$K" data add --db "race$t.db" form.xml fill.json --finalize > "race$t.$p.out" 2> "race$t.$p.err" &
  done
  wait
  for p in 1 2 3; do
    [[ -s race$t.$p.out ]] || fail "race $t: process $p failed: $(cat race$t.$p.err)"
  done
  n=$("$K" data list submissions --db "race$t.db" | wc -l)
  [[ $n == 3 ]] || fail "race $t: $n submissions stored, wanted 3"
done
ok=$(cat race*.out | wc -l)
echo "creation race: $trials trials of 3 processes, $ok of $((trials * 3)) adds succeeded"

# 3. A khaosat header (application id, version 2) with no tables: refused, not one byte written.
sql empty.db "PRAGMA application_id = 1263031108; PRAGMA user_version = 2;"
cp empty.db empty.copy
expect_rc 1 "$K" data add --db empty.db form.xml fill.json --finalize
grep -q "table 'forms' is missing" err.txt || fail "an empty schema is not explained: $(cat err.txt)"
cmp -s empty.db empty.copy || fail "an empty-schema database was modified before the refusal"
[[ ! -e empty.db-wal ]] || fail "an empty-schema database got a WAL file"

# 4. check: a dropped audit table, and a stored instance that is not well-formed XML.
expect_rc 0 "$K" data add --db audit.db form.xml fill.json --finalize
sql audit.db "DROP TABLE audit;"
cp audit.db audit.copy
expect_rc 1 "$K" data check --db audit.db
grep -q "schema: table 'audit' is missing" out.txt || fail "check does not report the dropped audit table: $(cat out.txt)"
grep -q "schema: index 'audit_by_subject' is missing" out.txt || fail "check does not report the dropped index: $(cat out.txt)"
grep -q "DAMAGED" out.txt || fail "check says ok with a dropped table: $(cat out.txt)"
expect_rc 1 "$K" data add --db audit.db form.xml fill.json --finalize
grep -q "table 'audit' is missing" err.txt || fail "add on a dropped audit table: $(cat err.txt)"
cmp -s audit.db audit.copy || fail "add on a damaged schema wrote to the database"

expect_rc 0 "$K" data add --db ctl.db form.xml fill.json --finalize
CID=$(cat out.txt)
# As an older khaosat stored it: a control character in a value, the hash made to match.
python3 - ctl.db "$CID" <<'PY'
import hashlib, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
xml = c.execute("SELECT instance_xml FROM submission_content WHERE instance_id = ?", (sys.argv[2],)).fetchone()[0]
xml = xml.replace("<name>A</name>", "<name>ctl\x01\x08\x1b</name>")
c.execute("UPDATE submission_content SET instance_xml = ? WHERE instance_id = ?", (xml, sys.argv[2]))
c.execute("UPDATE submissions SET sha256 = ? WHERE instance_id = ?", (hashlib.sha256(xml.encode()).hexdigest(), sys.argv[2]))
c.commit()
PY
expect_rc 1 "$K" data check --db ctl.db
grep -q "submission $CID: its XML is not well-formed: U+0001 is not allowed in XML 1.0" out.txt ||
  fail "check does not report the control character with the instance id: $(cat out.txt)"

# 5. A folder the database cannot be written in (as an unprivileged user: root ignores modes).
mkdir -p ro && expect_rc 0 "$K" data add --db ro/d.db form.xml fill.json --finalize
chmod -R a+rX "$T"; chmod a+w ro/d.db; chmod 0555 ro
as_user() { if [[ $(id -u) == 0 ]]; then setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; else "$@"; fi; }
cp ro/d.db ro.copy
as_user "$K" data add --db ro/d.db form.xml fill.json --finalize >out.txt 2>err.txt
rc=$?
[[ $rc == 1 ]] || fail "add in a read-only folder: exit $rc: $(cat err.txt)"
grep -q "ro: the folder of the database ro/d.db is not writable" err.txt || fail "read-only folder not named: $(cat err.txt)"
grep -q "d.db-wal" err.txt || fail "read-only folder: does not say SQLite needs the -wal file: $(cat err.txt)"
grep -q "readonly database" err.txt && fail "read-only folder: SQLite's bare message: $(cat err.txt)"
cmp -s ro/d.db ro.copy || fail "add in a read-only folder changed the database"
chmod 0755 ro

# 6. A NUL in an answer: refused, saying which answer (the session refuses it at the step; the
# store refuses XML that would not be well-formed), nothing stored.
printf '[{"set": "/data/name", "value": "a\\u0000b"}]' > nul.json
expect_rc 1 "$K" data add --db nul.db form.xml nul.json --finalize
grep -q -e "nul.json: step 1" -e "U+0000 is not allowed in XML 1.0, in <name>" err.txt ||
  fail "a NUL in a value: neither the step nor the element is named: $(cat err.txt)"
grep -qi "nothing was stored" err.txt || fail "a NUL in a value: does not say nothing was stored: $(cat err.txt)"
if [[ -e nul.db ]]; then
  [[ $("$K" data list submissions --db nul.db | wc -l) == 0 ]] || fail "a NUL in a value was stored"
fi
echo "NUL in a value: $(cat err.txt)"

finish "data CLI hostile inputs: all checks passed"
