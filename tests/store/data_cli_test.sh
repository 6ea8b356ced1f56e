#!/usr/bin/env bash
# `khaosat data` end to end: add (draft, finalized, invalid, bad script), list, show, export,
# check (whole, damaged), refusals, and `data add` killed with SIGKILL at random moments (every
# id it printed must be stored, the database whole).
# Usage: data_cli_test.sh KHAOSAT_BINARY
source "$(dirname "${BASH_SOURCE[0]}")/cli_setup.sh" "$1"
json() { python3 -c "import json,sys; d=json.load(open('$1')); print($2)"; }

cat > form.xml <<'XML'
<?xml version="1.0"?>
<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml" xmlns:jr="http://openrosa.org/javarosa">
<h:head><h:title>Establishment survey</h:title><model><instance><data id="survey" version="1"><name/><age/><product jr:template=""><pname/></product><meta><instanceID/></meta></data></instance>
<bind nodeset="/data/name" type="string" required="true()"/><bind nodeset="/data/age" type="int" constraint=". &gt;= 0"/>
<bind nodeset="/data/meta/instanceID" type="string" jr:preload="uid"/>
</model></h:head><h:body><input ref="/data/name"><label>N</label></input><input ref="/data/age"><label>A</label></input>
<repeat nodeset="/data/product"><input ref="/data/product/pname"><label>P</label></input></repeat></h:body></h:html>
XML
cat > fill.json <<'JSON'
[{"set": "/data/name", "value": "Chè Tân Uyên, \"Lai Châu\""}, {"set": "/data/age", "value": "7"},
 {"add_repeat": "/data/product"}, {"set": "/data/product[1]/pname", "value": "chè"},
 {"add_repeat": "/data/product"}, {"set": "/data/product[2]/pname", "value": "mật ong"}]
JSON
echo '[{"set": "/data/age", "value": "3"}]' > noname.json
echo '[{"set": "/data/nope", "value": "3"}]' > badstep.json
printf 'JPEG bytes' > photo.jpg

# --help everywhere
expect_rc 0 "$K" data --help
for sub in list show export check add; do
  expect_rc 0 "$K" data $sub --help
  grep -q "usage: khaosat data $sub" out.txt || fail "data $sub --help prints no usage"
done
expect_rc 2 "$K" data list submissions
grep -q -- "--db FILE is required" err.txt || fail "missing --db not explained"
expect_rc 2 "$K" data frobnicate --db x.db

# add: finalized with an attachment, a draft, an invalid one, a failing step
expect_rc 0 "$K" data add --db d.db form.xml fill.json --finalize --attach photo.jpg
ID=$(cat out.txt)
[[ $ID =~ ^uuid:[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$ ]] || fail "add printed '$ID', not a UUIDv7 instance id"
expect_rc 0 "$K" data add --db d.db form.xml noname.json --json
DRAFT=$(json out.txt 'd["draft_id"]')
[[ $(json out.txt 'd["state"]') == draft ]] || fail "add without --finalize did not save a draft"
expect_rc 1 "$K" data add --db d.db form.xml noname.json --finalize
grep -q "/data/name: required" err.txt || fail "invalid add does not name the violation: $(cat err.txt)"
grep -q "nothing was stored" err.txt || fail "invalid add does not say nothing was stored"
expect_rc 1 "$K" data add --db d.db form.xml badstep.json --finalize
grep -q "badstep.json: step 1" err.txt || fail "a failing step is not named: $(cat err.txt)"
expect_rc 2 "$K" data add --db d.db form.xml missing.json
grep -q "missing.json" err.txt || fail "a missing script is not named"
expect_rc 2 "$K" data add --db d.db form.xml --attach nothere.jpg
grep -q "nothere.jpg" err.txt || fail "a missing attachment is not named"

# list
expect_rc 0 "$K" data list submissions --db d.db --json
[[ $(json out.txt 'len(d)') == 1 ]] || fail "expected 1 submission: $(cat out.txt)"
[[ $(json out.txt 'd[0]["instance_id"]') == "$ID" ]] || fail "list does not show the printed id"
expect_rc 0 "$K" data list drafts --db d.db --json
[[ $(json out.txt 'd[0]["draft_id"]') == "$DRAFT" ]] || fail "list drafts misses the draft"
expect_rc 0 "$K" data list forms --db d.db --json
[[ $(json out.txt 'd[0]["form_id"] + " " + str(d[0]["current"])') == "survey True" ]] || fail "list forms"
expect_rc 0 "$K" data list outbox --db d.db --json
[[ $(json out.txt '" ".join(str(e["seq"]) + e["kind"] + e["subject"] for e in d)') == "1submission$ID" ]] || fail "outbox: $(cat out.txt)"
expect_rc 2 "$K" data list things --db d.db

# show, export
expect_rc 0 "$K" data show "$ID" --db d.db
grep -q "<pname>mật ong</pname>" out.txt || fail "show prints no XML"
grep -q "attachment: photo.jpg" out.txt || fail "show does not list the attachment"
expect_rc 0 "$K" data show "${ID#uuid:}" --db d.db --json
[[ $(json out.txt 'd["data"]["data"]["age"]') == 7 ]] || fail "show --json"
expect_rc 0 "$K" data show "$DRAFT" --db d.db
expect_rc 1 "$K" data show nothing-like-this --db d.db
grep -q "no submission, draft or registry record 'nothing-like-this'" err.txt || fail "show of a missing id"
expect_rc 0 "$K" data export --db d.db --format csv --out out.csv
printf 'instance_id,form_id,form_version,state,finalized_at,deprecated_id,name,age,product[1]/pname,product[2]/pname,meta/instanceID\r\n' > want-header.csv
head -1 out.csv | cmp -s - want-header.csv || fail "CSV header: $(head -1 out.csv)"
grep -q ',"Chè Tân Uyên, ""Lai Châu""",7,chè,mật ong,' out.csv || fail "CSV row: $(tail -1 out.csv)"
expect_rc 0 "$K" data export --db d.db
[[ $(json out.txt 'd[0]["data"]["data"]["product"][1]["pname"]') == "mật ong" ]] || fail "JSON export"
expect_rc 2 "$K" data export --db d.db --format xml

# check: whole, then a damaged attachment
expect_rc 0 "$K" data check --db d.db
grep -q "d.db: ok (1 submissions, 1 drafts, 1 attachments, 1 outbox entries)" out.txt || fail "check: $(cat out.txt)"
SHA=$(sha256sum photo.jpg | cut -d' ' -f1)
chmod u+w "d.db.media/$SHA"; printf 'other' > "d.db.media/$SHA"
expect_rc 1 "$K" data check --db d.db
grep -q "attachment $SHA" out.txt || fail "check does not name the damaged attachment: $(cat out.txt)"
printf 'JPEG bytes' > "d.db.media/$SHA"

# refusals: no such file, not a database (left untouched)
expect_rc 1 "$K" data list submissions --db none.db
grep -q "none.db: no such database" err.txt || fail "missing database: $(cat err.txt)"
[[ ! -e none.db ]] || fail "list created a database"
head -c 20000 /dev/urandom > junk.db; cp junk.db junk.copy
expect_rc 1 "$K" data list submissions --db junk.db
grep -q "junk.db: not a khaosat database, or damaged" err.txt || fail "junk database: $(cat err.txt)"
expect_rc 1 "$K" data add --db junk.db form.xml fill.json --finalize
cmp -s junk.db junk.copy || fail "a junk database was modified"

# `data add` killed with SIGKILL at random moments: every id it printed is stored, whole.
for i in $(seq 1 15); do
  "$K" data add --db k.db form.xml fill.json --finalize --attach photo.jpg >> printed.txt 2>/dev/null &
  pid=$!
  sleep "0.$(printf %03d $(( RANDOM % 150 )))"
  kill -9 $pid 2>/dev/null
  wait $pid 2>/dev/null
done
"$K" data add --db k.db form.xml fill.json --finalize >> printed.txt || fail "add after kills"
expect_rc 0 "$K" data check --db k.db
"$K" data list submissions --db k.db > listed.txt
n=0
while read -r id; do
  [[ -z $id ]] && continue
  n=$((n + 1))
  grep -q "^$id " listed.txt || fail "printed by a killed add but not stored: $id"
done < printed.txt
echo "data add kill -9: $n printed ids all stored; $(wc -l < listed.txt) stored"

finish "data CLI: all checks passed"
