#!/usr/bin/env bash
# khaosat-server queue end to end (docs/office.md "The queue"): demo-data leaves possible
# duplicates, registry conflicts and a submission conflict in the queue; merge, distinct and
# resolve take them out, each recorded with who and why (queue --all); refusals exit non-zero
# with the reason and record nothing. With KHAOSAT_TEST_PG_URL (the pg.office.queue_cli test)
# every command keeps its data in a fresh PostgreSQL database (--database URL).
# Usage: queue_cli_test.sh KHAOSAT_SERVER
source "$(dirname "$0")/cli_setup.sh" queue "$1"
# expect RC WORDS ARGS...: the command exits RC and its error output holds WORDS.
expect() {
  local want=$1 words=$2; shift 2
  set +e
  SERVER "$@" > "$T/out" 2> "$T/err"
  local rc=$?
  set -e
  [[ $rc -eq $want ]] || fail "$*: exit $rc, not $want ($(cat "$T/err"))"
  grep -qF -- "$words" "$T/err" || fail "$*: '$words' not in: $(cat "$T/err")"
}
q() { SERVER queue --data "$D" --json "$@" > "$T/q.json"; }
decisions() { SERVER queue --data "$D" --json --all | "$PY" -c "import json,sys; print(len(json.load(sys.stdin)['decisions']))"; }

for c in merge distinct resolve; do
  "$SERVER_BIN" queue "$c" --help > "$T/help" || fail "queue $c --help"
  grep -q "usage: khaosat-server queue $c" "$T/help" || fail "queue $c --help says no usage"
done
"$SERVER_BIN" queue --help | grep -q -- "--all" || fail "queue --help does not name --all"

SERVER demo-data --data "$D" --seed 7 --year 2027 > /dev/null
q
"$PY" - "$T/q.json" <<'PY' || fail "demo-data's queue: $(cat "$T/q.json")"
import json, sys
q = json.load(open(sys.argv[1]))
reasons = sorted(g["reason"] for g in q["duplicates"])
assert reasons == ["name+commune", "phone", "tax_code"], reasons
assert all(g["open"] and len(g["records"]) == 2 for g in q["duplicates"])
assert [c["property"] for c in q["conflicts"]] == ["phone", "name"], q["conflicts"]
assert all(c["id"].startswith("r") and c["open"] for c in q["conflicts"])
[s] = q["submission_conflicts"]
assert s["id"].startswith("s") and s["open"]
assert s["stored"]["sha256"] != s["other"]["sha256"] and s["stored"]["device_id"] != s["other"]["device_id"]
assert s["stored"]["received_at"] > 0 and s["other"]["received_at"] > 0
assert "decisions" not in q
# Each duplicate's records come with what tells them apart: name, commune (its label), phone, tax code.
import re
for g in q["duplicates"]:
    assert [r["id"] for r in g["about"]] == g["records"], g
    for r in g["about"]:
        assert r["name"] and r["commune"].startswith(("Xã ", "Phường ")), r
        digits = lambda v: re.sub(r"\D", "", v)
        if g["reason"] == "phone":
            assert digits(r["phone"]).endswith(g["key"][1:]), (g["key"], r)
        if g["reason"] == "tax_code":
            assert digits(r["tax_code"]) == g["key"], (g["key"], r)
PY
SERVER queue --data "$D" > "$T/text"
grep -q "possible duplicates: 3" "$T/text" && grep -q "registry conflicts: 2" "$T/text" &&
  grep -q "submission conflicts: 1" "$T/text" || fail "queue's text: $(cat "$T/text")"
"$PY" - "$T/q.json" "$T/text" <<'PY' || fail "queue's text does not show each duplicate record's name and commune"
import json, sys
q = json.load(open(sys.argv[1]))
text = open(sys.argv[2], encoding="utf-8").read().splitlines()
for g in q["duplicates"]:
    for r in g["about"]:
        line = next(l for l in text if l.strip().startswith(r["id"] + "  "))
        assert r["name"] in line and r["commune"] in line, (line, r)
PY
field() { "$PY" -c "import json,sys; q=json.load(open('$T/q.json')); print($1)"; }
A=$(field "next(g for g in q['duplicates'] if g['reason']=='name+commune')['records'][0]")
B=$(field "next(g for g in q['duplicates'] if g['reason']=='name+commune')['records'][1]")
P1=$(field "next(g for g in q['duplicates'] if g['reason']=='phone')['records'][0]")
P2=$(field "next(g for g in q['duplicates'] if g['reason']=='phone')['records'][1]")
R1=$(field "q['conflicts'][0]['id']")
R2=$(field "q['conflicts'][1]['id']")
OTHER=$(field "q['conflicts'][0]['other']['value']")
S1=$(field "q['submission_conflicts'][0]['id']")
# The report's data-quality queue lists the phone group as "<registry>: <key>" until it is judged.
P_ROW=$(field "next(g['registry'] + ': ' + g['key'] for g in q['duplicates'] if g['reason']=='phone')")
SERVER report --data "$D" --year 2027 -o "$T/report-before" > /dev/null
grep -qF "$P_ROW" "$T/report-before/bao-cao-2027.html" || fail "the report before 'distinct' lacks the phone group '$P_ROW'"
SOTHER=$(field "q['submission_conflicts'][0]['other']['sha256']")

# Refusals: exit status, the reason, nothing recorded.
expect 2 "--by NAME is required" queue merge --data "$D" "$A" "$B"
expect 1 "cannot be merged into itself" queue merge --data "$D" "$A" "$A" --by Lan
expect 1 "no registry record 'nobody'" queue merge --data "$D" "$A" nobody --by Lan
expect 1 "not a possible duplicate" queue distinct --data "$D" "$A" "$P1" --by Lan
expect 2 "one of them" queue resolve --data "$D" "$R1" --keep other --value x --by Lan
expect 2 "not a conflict id" queue resolve --data "$D" x7 --keep other --by Lan
expect 2 "keeps 'kept' or 'other'" queue resolve --data "$D" "$R1" --keep stored --by Lan
expect 2 "keeps 'stored' or 'other'" queue resolve --data "$D" "$S1" --value x --by Lan
expect 1 "no registry conflict 999" queue resolve --data "$D" r999 --keep other --by Lan
expect 2 "unknown action 'split'" queue split --data "$D"
[[ $(decisions) -eq 0 ]] || fail "a refused decision was recorded"

# Merge: the group leaves the queue; the merged record stays, marked; merging into it is refused.
SERVER queue merge --data "$D" "$A" "$B" --by Lan --reason "cùng một cơ sở / same shop" > /dev/null
expect 1 "was merged into $A already" queue merge --data "$D" "$B" "$A" --by Lan
SERVER export --data "$D" --registry establishment > "$T/reg.json"
"$PY" - "$T/reg.json" "$A" "$B" <<'PY' || fail "the merged record: $(head -c 600 "$T/reg.json")"
import json, sys
text = open(sys.argv[1]).read()
assert sys.argv[3] in text, "the merged record is gone"
PY
# Distinct: the phone group leaves the open queue, shows with --all.
SERVER queue distinct --data "$D" "$P1" "$P2" --by Minh --reason "hai hộ / two households" > /dev/null
SERVER report --data "$D" --year 2027 -o "$T/report-after" > /dev/null
grep -qF "$P_ROW" "$T/report-after/bao-cao-2027.html" && fail "the report still lists the group judged distinct ('$P_ROW')"
# Resolve: a registry conflict with the other value, one with the office's own, the submission's.
SERVER queue resolve --data "$D" "$R1" --keep other --by Lan --reason "gọi điện / phoned" > /dev/null
expect 1 "resolved already" queue resolve --data "$D" "$R1" --keep kept --by Lan
SERVER queue resolve --data "$D" "$R2" --value "Cơ sở dệt thổ cẩm Bản Lướt" --by Lan > /dev/null
SERVER queue resolve --data "$D" "$S1" --keep other --by Lan --reason "bản sau đúng / the later one is right" > /dev/null
q
"$PY" - "$T/q.json" <<'PY' || fail "the queue after the decisions: $(cat "$T/q.json")"
import json, sys
q = json.load(open(sys.argv[1]))
assert [g["reason"] for g in q["duplicates"]] == ["tax_code"], q["duplicates"]
assert q["conflicts"] == [] and q["submission_conflicts"] == [], q
PY
q --all
"$PY" - "$T/q.json" "$A" "$B" "$SOTHER" <<'PY' || fail "queue --all: $(cat "$T/q.json")"
import json, sys
q = json.load(open(sys.argv[1]))
a, b, sother = sys.argv[2:5]
closed = [g for g in q["duplicates"] if not g["open"]]
assert [g["reason"] for g in closed] == ["phone"], closed  # the merged pair is no group any more
assert all(not c["open"] for c in q["conflicts"]) and len(q["conflicts"]) == 2
[s] = q["submission_conflicts"]
assert not s["open"] and s["stored"]["sha256"] == sother, s
d = q["decisions"]
assert [x["kind"] for x in d] == ["merge", "distinct", "registry_conflict", "registry_conflict", "submission_conflict"], d
assert d[0]["records"] == [a, b] and d[0]["by"] == "Lan" and d[0]["reason"] == "cùng một cơ sở / same shop"
assert d[1]["by"] == "Minh" and d[1]["choice"] == "phone"
assert d[2]["choice"] == "other" and d[3]["choice"] == "value" and d[3]["value"] == "Cơ sở dệt thổ cẩm Bản Lướt"
assert d[4]["value"] == sother and all(x["at"] > 0 for x in d)
PY
# The chosen registry value is the record's now.
SERVER export --data "$D" --registry establishment > "$T/reg.json"
grep -qF -- "$OTHER" "$T/reg.json" || fail "the resolved value '$OTHER' is not in the registry"
grep -qF -- "Cơ sở dệt thổ cẩm Bản Lướt" "$T/reg.json" || fail "the office's value is not in the registry"
SERVER queue --data "$D" --all > "$T/text"
grep -q "\[decided\]" "$T/text" && grep -q "decisions: 5" "$T/text" || fail "queue --all's text: $(cat "$T/text")"
echo "office.queue_cli: ok"
