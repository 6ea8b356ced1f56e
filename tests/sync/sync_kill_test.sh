#!/usr/bin/env bash
# kill -9 with the real binaries (issue 10 §5): a device with N finalized surveys, each with its
# own photo, syncs against `khaosat-server serve` on loopback while the test kills the server
# inside a push's transaction (through a fault seam that pauses it before the commit), then the
# client (during push and uploads) and the server with SIGKILL at varied moments, then
# restarts whichever died. When a sync finally completes: every survey is on the server exactly
# once with the device's sha256 and whole photos, both sides' integrity checks pass, and the
# device marks every survey sent. With KHAOSAT_TEST_PG_URL the server keeps its data in a fresh
# PostgreSQL database there (pg.sync.kill).
# Usage: sync_kill_test.sh KHAOSAT KHAOSAT_SERVER [N]
set -uo pipefail
K=$(realpath "$1")
S=$(realpath "$2")
N=${3:-12}
T=$(mktemp -d)
SERVER_PID=""
source "$(dirname "$0")/../support/pg_test_db.sh"
cleanup() {
  [[ -n "$SERVER_PID" ]] && kill -9 "$SERVER_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"
  pg_test_db_drop
}
trap cleanup EXIT
cd "$T"
die() { echo "FAIL: $*" >&2; exit 1; }
json() { python3 -c "import json,sys; d=json.load(open('$1')); print($2)"; }
pg_test_db_create kill || exit 1

cat > form.xml <<'XML'
<?xml version="1.0"?>
<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml" xmlns:jr="http://openrosa.org/javarosa">
<h:head><h:title>Shop survey</h:title><model><instance><data id="shop" version="1"><name/><photo/><meta><instanceID/></meta></data></instance>
<bind nodeset="/data/name" type="string" required="true()"/><bind nodeset="/data/photo" type="binary"/>
<bind nodeset="/data/meta/instanceID" type="string" jr:preload="uid"/>
</model></h:head><h:body><input ref="/data/name"><label>N</label></input><upload ref="/data/photo" mediatype="image/*"><label>P</label></upload></h:body></h:html>
XML

start_server() {
  # Emptied here, before the server starts: its own `> serve.log` happens in the child, after the
  # wait below may already have read the previous server's "serving" (and then found it gone).
  : > serve.log
  "$S" serve --data srv "${DB[@]}" --listen "127.0.0.1:${PORT:-0}" > serve.log 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 300); do grep -q "serving" serve.log && break; sleep 0.1; done
  grep -q "serving" serve.log || die "serve did not start: $(cat serve.log)"
  if [[ -z "${PORT:-}" ]]; then
    URL=$(sed -n 's/.* on \(http:[^ ]*\).*/\1/p' serve.log)
    PORT=${URL##*:}
  fi
}

"$S" init --data srv "${DB[@]}" > /dev/null || die "init"
"$S" publish --data srv "${DB[@]}" form.xml > /dev/null || die "publish"
start_server
printf "name,label_vi\n105,Test commune\n" > communes.csv  # the test form's commune code
CODE=$("$S" enroll --data srv "${DB[@]}" --role officer --commune 105 --communes communes.csv)
"$K" sync enroll --db dev.db --server "$URL" --code "$CODE" > /dev/null || die "enroll"
for i in $(seq "$N"); do
  head -c $((300000 + i * 997)) /dev/urandom > "photo$i.jpg"
  printf '[{"set": "/data/name", "value": "Cơ sở %d"}, {"set": "/data/photo", "value": "photo%d.jpg"}]' "$i" "$i" > fill.json
  "$K" data add --db dev.db form.xml fill.json --finalize --attach "photo$i.jpg" > /dev/null || die "data add $i"
done
echo "sync_kill_test: $N surveys stored (${SECONDS} s)"

# Kill the server mid-ingest: restarted with the fault seam (KHAOSAT_FAULT_PUSH_PAUSE_MS, see
# sync/src/storage_common.hpp), its push sleeps inside the batch's transaction, after every record
# of the batch was applied and before the commit, and says so on stderr; the test kills it there.
# Nothing of that batch may be stored; a later sync brings it all once.
kills=0
kill -9 "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null
KHAOSAT_FAULT_PUSH_PAUSE_MS=60000 start_server
"$K" sync --db dev.db > /dev/null 2>&1 &
pid=$!
for _ in $(seq 600); do grep -q "fault seam" serve.log && break; sleep 0.1; done
grep -q "fault seam" serve.log || die "the push never reached the fault seam: $(cat serve.log)"
grep "fault seam" serve.log | head -1
kill -9 "$SERVER_PID" && kills=$((kills + 1))
wait "$SERVER_PID" 2>/dev/null
"$S" export --data srv "${DB[@]}" --form shop -o mid.json || die "export after the kill mid-ingest"
json mid.json 'len(d)' | grep -qx 0 || die "a batch killed before its commit left submissions: $(json mid.json 'len(d)')"
"$S" check --data srv "${DB[@]}" > check.out 2>&1 || die "server check after the kill mid-ingest: $(cat check.out)"
start_server
wait "$pid" 2>/dev/null  # the client's retries reach the new server, or it gives up

# Kill the client at varied moments, then the server during the device's sync, several times.
for delay in 0.05 0.15 0.3 0.5 0.8; do
  "$K" sync --db dev.db > /dev/null 2>&1 &
  pid=$!
  sleep "$delay"
  kill -9 "$pid" 2>/dev/null && kills=$((kills + 1))
  wait "$pid" 2>/dev/null
done
for delay in 0.1 0.3 0.6; do
  "$K" sync --db dev.db > /dev/null 2>&1 &
  pid=$!
  sleep "$delay"
  kill -9 "$SERVER_PID" 2>/dev/null && kills=$((kills + 1))
  wait "$SERVER_PID" 2>/dev/null
  start_server              # back on the same port: the client's retries may reach it
  wait "$pid" 2>/dev/null   # the client finishes, or gives up
done
echo "sync_kill_test: $kills processes killed with SIGKILL (${SECONDS} s)"

# Then a sync that completes (a few tries: the client's own retries may run out while the
# server restarts).
ok=0
for _ in 1 2 3; do
  if "$K" sync --db dev.db --json > sync.json 2> sync.err; then ok=1; break; fi
done
[[ $ok == 1 ]] || die "the last sync did not complete: $(cat sync.err)"

# Exactly once, whole.
"$S" export --data srv "${DB[@]}" --form shop -o shop.json || die "export"
python3 - "$N" <<'PY' || die "the server's submissions"
import json, sys, hashlib, glob
n = int(sys.argv[1])
subs = json.load(open("shop.json"))
ids = [s["instance_id"] for s in subs]
assert len(ids) == n and len(set(ids)) == n, (len(ids), len(set(ids)))
photos = {hashlib.sha256(open(p, "rb").read()).hexdigest() for p in glob.glob("photo*.jpg")}
got = {a["sha256"] for s in subs for a in s["attachments"]}
assert got == photos, "attachments differ"
PY
# The files on the server are the photos, byte for byte.
for f in photo*.jpg; do
  h=$(sha256sum "$f" | cut -c1-64)
  cmp -s "$f" "srv/attachments/$h" || die "the server's copy of $f is missing or differs"
done
"$S" check --data srv "${DB[@]}" > check.out 2>&1 || die "server check: $(cat check.out)"
"$K" data check --db dev.db > dcheck.out 2>&1 || die "device check: $(cat dcheck.out)"
"$K" data list submissions --db dev.db --json > list.json || die "data list"
python3 - "$N" <<'PY' || die "the device's states"
import json, sys
d = json.load(open("list.json"))
subs = d if isinstance(d, list) else d.get("submissions", [])
states = [s.get("state") for s in subs]
assert len(states) == int(sys.argv[1]) and all(s == "sent" for s in states), states
PY
echo "sync_kill_test: ok ($N surveys, $kills kills)"
