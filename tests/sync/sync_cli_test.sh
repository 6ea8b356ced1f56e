#!/usr/bin/env bash
# End to end with the real binaries over loopback HTTP: `khaosat-server init/publish/enroll/serve/
# devices/export/check` and two devices with `khaosat sync enroll`, `khaosat data add`,
# `khaosat sync`, `khaosat data list records`. Every command's --help works; errors are clear.
# With KHAOSAT_TEST_PG_URL (postgresql://USER@HOST:PORT/postgres: the pg.sync.cli test), the
# server keeps its data in a fresh PostgreSQL database there (every command gets --database URL),
# and a wrong URL is checked to be a clear sync.database error.
# Usage: sync_cli_test.sh KHAOSAT KHAOSAT_SERVER
set -uo pipefail
K=$(realpath "$1")
S=$(realpath "$2")
T=$(mktemp -d)
SERVER_PID=""
source "$(dirname "$0")/../support/pg_test_db.sh"
cleanup() {
  [[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"
  pg_test_db_drop
}
trap cleanup EXIT
source "$(dirname "$0")/../support/expect.sh"
cd "$T"
json() { python3 -c "import json,sys; d=json.load(open('$1')); print($2)"; }

cat > form.xml <<'XML'
<?xml version="1.0"?>
<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml" xmlns:jr="http://openrosa.org/javarosa">
<h:head><h:title>Shop survey</h:title><model><instance><data id="shop" version="3"><name/><photo/><meta><instanceID/></meta></data></instance>
<bind nodeset="/data/name" type="string" required="true()"/><bind nodeset="/data/photo" type="binary"/>
<bind nodeset="/data/meta/instanceID" type="string" jr:preload="uid"/>
</model></h:head><h:body><input ref="/data/name"><label>N</label></input><upload ref="/data/photo" mediatype="image/*"><label>P</label></upload></h:body></h:html>
XML
printf '[{"set": "/data/name", "value": "Chè Tân Uyên"}, {"set": "/data/photo", "value": "photo.jpg"}]' > fill.json
head -c 300000 /dev/urandom > photo.jpg
if [[ -n "$PG_ADMIN" ]]; then
  pg_test_db_create cli || exit 1
  # A wrong URL, an unreachable server: a clear reason (sync.database), exit 1, nothing created.
  expect_rc 1 "$S" init --data srv --database "mysql://localhost/x"
  grep -q "sync.database" err.txt || fail "a wrong URL: $(cat err.txt)"
  expect_rc 1 "$S" devices --data srv --database "postgresql://nobody:hunter2@127.0.0.1:1/x"
  grep -q "sync.database" err.txt && grep -q "127.0.0.1:1/x" err.txt || fail "an unreachable server: $(cat err.txt)"
  grep -q "hunter2" err.txt && fail "the password is shown: $(cat err.txt)"
  rm -rf srv
fi

# --help everywhere, usage errors with exit 2.
for c in serve init publish enroll devices export check queue; do expect_rc 0 "$S" "$c" --help; done
expect_rc 0 "$K" sync --help
expect_rc 0 "$K" sync enroll --help
expect_rc 2 "$S" enroll --data srv "${DB[@]}"
grep -q "role is required" err.txt || fail "enroll without --role: $(cat err.txt)"
expect_rc 2 "$S" enroll --data srv "${DB[@]}" --role boss
expect_rc 2 "$S" frobnicate
expect_rc 2 "$K" sync
[[ -z "$PG_ADMIN" ]] && expect_rc 1 "$S" check --data nowhere
[[ -z "$PG_ADMIN" ]] && { grep -q "no server.db" err.txt || fail "check of a missing folder: $(cat err.txt)"; }

# The server: init (built-in forms), publish a form, serve on a free port.
expect_rc 0 "$S" init --data srv "${DB[@]}"
grep -q "published" out.txt || fail "init published nothing: $(cat out.txt)"
expect_rc 0 "$S" init --data srv "${DB[@]}"   # again: nothing new, no error
expect_rc 0 "$S" publish --data srv "${DB[@]}" form.xml
expect_rc 1 "$S" publish --data srv "${DB[@]}" /etc/hostname
"$S" serve --data srv "${DB[@]}" --listen 127.0.0.1:0 > serve.log 2>&1 &
SERVER_PID=$!
for _ in $(seq 50); do grep -q "serving" serve.log && break; sleep 0.1; done
URL=$(sed -n 's/.* on \(http:[^ ]*\).*/\1/p' serve.log)
[[ -n "$URL" ]] || { fail "serve did not start: $(cat serve.log)"; exit 1; }

# Two devices. The test form's commune is "105", which is no Lai Chau commune: a table of its own.
printf 'name,label_vi\n105,Test commune\n' > communes.csv
expect_rc 2 "$S" enroll --data srv "${DB[@]}" --role officer --commune 105
grep -q "unknown commune '105'" err.txt || fail "enroll checks --commune against forms/communes.csv: $(cat err.txt)"
expect_rc 2 "$S" serve --data srv "${DB[@]}" --rate-burst lots
grep -q "rate-burst takes a whole number" err.txt || fail "serve --rate-burst checks its value: $(cat err.txt)"
CODE_A=$("$S" enroll --data srv "${DB[@]}" --role officer --commune 105 --communes communes.csv --name "phone A")
CODE_B=$("$S" enroll --data srv "${DB[@]}" --role officer --commune 105 --communes communes.csv)
expect_rc 0 "$K" sync enroll --db a.db --server "$URL" --code "$CODE_A"
expect_rc 1 "$K" sync enroll --db c.db --server "$URL" --code "$CODE_A"   # spent
grep -q "used already" err.txt || fail "a spent code: $(cat err.txt)"
expect_rc 0 "$K" sync enroll --db b.db --server "$URL" --code "$CODE_B"
expect_rc 0 "$K" data add --db a.db form.xml fill.json --finalize --attach photo.jpg
expect_rc 0 "$K" data add --db a.db form.xml fill.json --finalize --attach photo.jpg
expect_rc 0 "$K" sync --db a.db --json
[[ $(json out.txt "d['accepted']") == 2 ]] || fail "device A: $(cat out.txt)"
[[ $(json out.txt "d['submissions']['accepted']") == 2 ]] || fail "device A surveys: $(cat out.txt)"
[[ $(json out.txt "d['attachments']") == 1 ]] || fail "device A attachments: $(cat out.txt)"
expect_rc 0 "$K" sync --db a.db --json   # again: nothing to do, still complete
[[ $(json out.txt "d['pushed']") == 0 ]] || fail "second sync pushed again: $(cat out.txt)"
# A survey the server refuses (a form it never published): exit 3, the survey and the server's
# reason named; kept on the device as rejected with that reason; the next sync has nothing to do.
sed 's/id="shop" version="3"/id="unpublished" version="1"/' form.xml > unpublished.xml
expect_rc 0 "$K" data add --db a.db unpublished.xml fill.json --finalize --attach photo.jpg
REFUSED=$(cat out.txt)
expect_rc 3 "$K" sync --db a.db
grep -q "refused 1 record" err.txt && grep -q "survey $REFUSED: .*unpublished" err.txt \
  || fail "a refused survey is not named with its reason: $(cat err.txt)"
expect_rc 0 "$K" data list submissions --db a.db
grep "$REFUSED" out.txt | grep -q "rejected  .*unpublished" || fail "list submissions: $(cat out.txt)"
expect_rc 0 "$K" sync --db a.db --json
[[ $(json out.txt "d['pushed']") == 0 && $(json out.txt "d['refusals']") == "[]" ]] || fail "after a refusal: $(cat out.txt)"
expect_rc 0 "$K" sync --db b.db
expect_rc 0 "$K" data list forms --db b.db --json
python3 -c "import json; f=json.load(open('out.txt')); assert any(x['form_id']=='shop' for x in f), f" || fail "B did not get the form"
expect_rc 0 "$K" data list records --db b.db --registry establishment --search "che tan" --json
expect_rc 2 "$K" data list records --db b.db --registry shops

# The server's side, while it serves.
expect_rc 0 "$S" export --data srv "${DB[@]}" --form shop --format csv
[[ $(grep -c "photo.jpg:" out.txt) == 2 ]] || fail "export: $(cat out.txt)"
expect_rc 0 "$S" export --data srv "${DB[@]}" --form shop -o shop.json
[[ $(json shop.json "len(d)") == 2 ]] || fail "export -o: $(cat shop.json)"
[[ $(json shop.json "d[0]['attachments'][0]['sha256']") == $(sha256sum photo.jpg | cut -c1-64) ]] || fail "attachment sha256"
expect_rc 0 "$S" check --data srv "${DB[@]}"
grep -q "^waiting:" out.txt && fail "check lists a waiting edit before any: $(cat out.txt)"
# An edit that arrives before the survey it replaces (a device W pushes it over HTTP itself):
# acknowledged, held; check lists it (text and --json 'waiting'), and waiting is no problem.
CODE_W=$("$S" enroll --data srv "${DB[@]}" --role officer --commune 105 --communes communes.csv)
expect_rc 0 "$K" sync enroll --db w.db --server "$URL" --code "$CODE_W"
python3 - "$URL" w.db > push.txt <<'PY' || fail "pushing an edit before its predecessor: $(cat push.txt)"
import json, sqlite3, sys, urllib.request
url, db = sys.argv[1], sys.argv[2]
e = json.loads(sqlite3.connect(db).execute("SELECT value FROM sync_state WHERE key = 'sync.enrollment'").fetchone()[0])
eid, old = "uuid:0190b2d4-5f7e-7000-8000-0000000e0e01", "uuid:0190b2d4-5f7e-7000-8000-0000000e0e00"
xml = (f'<data id="shop" version="3"><name>Chè Tân Uyên (sửa)</name><photo/><meta><instanceID>{eid}</instanceID>'
       f'<deprecatedID>{old}</deprecatedID></meta></data>')
batch = {"device_id": e["device_id"], "first_seq": 1, "last_seq": 1, "records": [
    {"seq": 1, "kind": "submission", "id": eid, "form_id": "shop", "form_version": "3", "deprecated_id": old, "xml": xml}]}
req = urllib.request.Request(url + "/v1/push", json.dumps(batch).encode(), method="POST",
                             headers={"Content-Type": "application/json", "Authorization": "Bearer " + e["token"]})
answer = json.load(urllib.request.urlopen(req))
r = answer["results"][0]
assert r["status"] == "accepted" and "waits for instance " + old in r["reason"], answer
print(e["device_id"])
PY
DEV_W=$(cat push.txt)
expect_rc 0 "$S" check --data srv "${DB[@]}"
grep -q "is whole" out.txt || fail "check with a waiting edit is not whole: $(cat out.txt)"
grep -qx "waiting: edit uuid:0190b2d4-5f7e-7000-8000-0000000e0e01 (form shop, device $DEV_W, seq 1) waits for uuid:0190b2d4-5f7e-7000-8000-0000000e0e00, which it replaces" out.txt \
  || fail "check does not list the waiting edit: $(cat out.txt)"
expect_rc 0 "$S" check --data srv "${DB[@]}" --json
python3 - out.txt "$DEV_W" <<'PY' || fail "check --json: $(cat out.txt)"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["ok"] is True and d["problems"] == [], d
w = d["waiting"]
assert len(w) == 1, w
w = w[0]
assert (w["instance_id"], w["deprecated_id"], w["form_id"], w["device_id"], w["seq"]) == (
    "uuid:0190b2d4-5f7e-7000-8000-0000000e0e01", "uuid:0190b2d4-5f7e-7000-8000-0000000e0e00", "shop", sys.argv[2], 1), w
assert len(w["sha256"]) == 64 and w["received_at"] > 0, w
PY
expect_rc 0 "$S" export --data srv "${DB[@]}" --form shop -o shop-waiting.json
[[ $(json shop-waiting.json "len(d)") == 2 ]] || fail "export shows a waiting edit: $(cat shop-waiting.json)"
expect_rc 0 "$S" queue --data srv "${DB[@]}" --json
python3 -c "import json; q=json.load(open('out.txt')); assert q['duplicates'] == [] and q['conflicts'] == [], q" || fail "queue: $(cat out.txt)"
expect_rc 2 "$S" queue --data srv "${DB[@]}" extra
expect_rc 0 "$S" devices --data srv "${DB[@]}" --json
[[ $(json out.txt "len(d)") == 3 ]] || fail "devices: $(cat out.txt)"
DEV_A=$(json out.txt "[x['device_id'] for x in d if x['name']=='phone A'][0]")
# On a terminal, a progress bar on standard error (redrawn with '\r'); not when it is a file.
expect_rc 0 "$K" sync --db a.db
grep -q $'\r' err.txt && fail "progress written to a file: $(cat -A err.txt | head -3)"
expect_rc 0 "$K" data add --db a.db form.xml fill.json --finalize
script -qec "'$K' sync --db a.db" /dev/null > tty.txt 2>&1 || fail "sync on a terminal: $(cat tty.txt)"
grep -q $'\r\[#*\.*\] push  [0-9]*/1 records' tty.txt || fail "no progress bar on a terminal: $(cat -A tty.txt | head -5)"
grep -q $'\r\[##############################\] done  1/1 records' tty.txt \
  || fail "the progress bar does not end full and done: $(cat -A tty.txt | head -5)"
expect_rc 0 "$S" devices --data srv "${DB[@]}" --revoke "$DEV_A"
expect_rc 0 "$K" data add --db a.db form.xml fill.json --finalize
expect_rc 1 "$K" sync --db a.db
grep -q "revoked" err.txt || fail "a revoked device: $(cat err.txt)"

# HTTPS: a throwaway self-signed certificate, pinned by the device at enrollment.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=khaosat-test \
  -addext subjectAltName=IP:127.0.0.1 -keyout tls.key -out tls.pem 2>/dev/null || fail "openssl req"
expect_rc 2 "$S" serve --data srv "${DB[@]}" --tls-cert tls.pem
expect_rc 1 "$S" serve --data srv "${DB[@]}" --tls-cert tls.pem --tls-key nothing.key
grep -q "nothing.key" err.txt || fail "serve with a missing key: $(cat err.txt)"
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null
: > serve.log  # emptied before the server starts: the wait below must not read the HTTP server's line
"$S" serve --data srv "${DB[@]}" --listen 127.0.0.1:0 --tls-cert tls.pem --tls-key tls.key > serve.log 2>&1 &
SERVER_PID=$!
for _ in $(seq 50); do grep -q "serving" serve.log && break; sleep 0.1; done
TLS_URL=$(sed -n 's/.* on \(https:[^ ]*\).*/\1/p' serve.log)
[[ -n "$TLS_URL" ]] || fail "serve over HTTPS did not start: $(cat serve.log)"
CODE_D=$("$S" enroll --data srv "${DB[@]}" --role officer --commune 105 --communes communes.csv)
expect_rc 1 "$K" sync enroll --db d.db --server "$TLS_URL" --code "$CODE_D"   # not pinned: not trusted
grep -q "not trusted" err.txt || fail "HTTPS without --ca: $(cat err.txt)"
expect_rc 0 "$K" sync enroll --db d.db --server "$TLS_URL" --code "$CODE_D" --ca tls.pem
expect_rc 0 "$K" sync --db d.db --json
[[ $(json out.txt "d['complete']") == True ]] || fail "sync over HTTPS: $(cat out.txt)"
expect_rc 1 "$K" sync enroll --db e.db --server http://192.0.2.1:8742 --code "$CODE_D"
grep -q "sync.insecure" err.txt || fail "plain HTTP to another machine: $(cat err.txt)"

# A server that is not there: a clear reason, exit 1.
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=""
expect_rc 1 "$K" sync --db b.db
grep -q "sync.transport" err.txt || fail "no server: $(cat err.txt)"

# check finds damage, names it and exits 1 (the simulation and the kill test rely on its "whole").
att=$(find srv/attachments -type f -size +1k | head -1)
if [[ -z "$att" ]]; then fail "no attachment file under srv/attachments"; else
  cp "$att" att.bak
  printf 'X' | dd of="$att" bs=1 seek=1000 conv=notrunc status=none
  expect_rc 1 "$S" check --data srv "${DB[@]}"
  grep -q "^attachment $(basename "$att"): its file hashes to" out.txt || fail "check on a changed photo: $(cat out.txt)"
  rm "$att"
  expect_rc 1 "$S" check --data srv "${DB[@]}" --json
  [[ $(json out.txt "d['ok']") == False && $(json out.txt "len(d['problems'])") == 1 ]] || fail "check on a lost photo: $(cat out.txt)"
  cp att.bak "$att"
  expect_rc 0 "$S" check --data srv "${DB[@]}"
fi
if [[ -z "$PG_ADMIN" ]]; then
  sqlite3 srv/server.db "UPDATE submissions SET xml = replace(xml, 'Chè', 'Che') WHERE rowid = (SELECT min(rowid) FROM submissions)"
  expect_rc 1 "$S" check --data srv
  grep -q "^submission uuid:.*: its XML does not hash to its sha256" out.txt || fail "check on a changed submission: $(cat out.txt)"
fi

finish "sync_cli_test: ok"
