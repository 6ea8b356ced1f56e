#!/usr/bin/env bash
# `khaosat data add` and the registry (docs/storage.md, "Registries from submissions"): the
# built-in form A, finalized, creates an establishment; `--record ID` starts form A from it,
# prefilled, and finalizing updates that record (no second one); a draft changes nothing; a
# record of another registry is refused with nothing stored.
# Usage: data_cli_entities_test.sh KHAOSAT_BINARY SOURCE_DIR
SRC=$(realpath "$2")
source "$(dirname "${BASH_SOURCE[0]}")/cli_setup.sh" "$1"
records() { "$K" data list records --db d.db --registry "$1" --json; }
py() { python3 -c "$1"; }

FORM=$SRC/forms/a_establishment.md
SCRIPT=$SRC/tests/forms/a_establishment.eligible.steps.json

expect_rc 0 "$K" data add --help
grep -q -- "--record ID" out.txt || fail "data add --help does not name --record"

# A draft: no registry record.
expect_rc 0 "$K" data add --db d.db "$FORM" "$SCRIPT" --media "$SRC/forms" --now 2026-11-26T03:00:00Z
[[ $(records establishment | py "import json,sys; print(len(json.load(sys.stdin)))") == 0 ]] ||
  fail "a draft made a registry record"

# Finalized: one establishment with the form's answers.
expect_rc 0 "$K" data add --db d.db "$FORM" "$SCRIPT" --media "$SRC/forms" --now 2026-11-26T03:00:00Z --finalize
records establishment > rec.json
[[ $(py "import json; print(len(json.load(open('rec.json'))))") == 1 ]] || fail "finalize made no record: $(cat rec.json)"
ID=$(py "import json; print(json.load(open('rec.json'))[0]['record_id'])")
py "
import json, sys
r = json.load(open('rec.json'))[0]
p = {k: v['value'] for k, v in r['properties'].items()}
want = {'name': 'HTX Chè Bình Lư', 'commune': 'binh_lu', 'tax_code': '6200456789', 'phone': '0912345678',
        'representative': 'Tẩn Văn Lở', 'village': 'Bản Thẳm', 'legal_form': 'coop', 'sector': 'a'}
bad = {k: (p.get(k), v) for k, v in want.items() if p.get(k) != v}
sys.exit('record properties differ: %r' % bad if bad else 0)
" || fail "the record's properties"

# Survey it again from the record: prefilled (the script sets only the phone), it updates.
echo '[{"set": "/data/a1/phone", "value": "0988777666"}]' > phone.json
expect_rc 1 "$K" data add --db d.db "$FORM" phone.json --media "$SRC/forms" --record "$ID" --finalize
grep -q "not valid" err.txt || fail "the prefilled instance was expected to lack the non-registry answers: $(cat err.txt)"
python3 - "$SCRIPT" > again.json <<'PY'
import json, sys
steps = [s for s in json.load(open(sys.argv[1])) if s.get("set") not in
         ("/data/a0/district_filter", "/data/a0/commune", "/data/a0/village", "/data/a1/est_name",
          "/data/a1/legal_form", "/data/a1/reg_no", "/data/a1/rep_name", "/data/a1/phone", "/data/a2/sector")]
# A repeat that is not relevant when the survey starts is not in the saved instance the record's
# survey starts from (as when a draft is resumed): its first item is added, as a person would.
i = next(k for k, s in enumerate(steps) if s.get("set", "").startswith("/data/a7/received[1]"))
steps.insert(i, {"add_repeat": "/data/a7/received"})
steps.append({"set": "/data/a1/phone", "value": "0988777666"})
print(json.dumps(steps))
PY
expect_rc 0 "$K" data add --db d.db "$FORM" again.json --media "$SRC/forms" --record "$ID" --finalize --json
records establishment > rec2.json
py "
import json, sys
rs = json.load(open('rec2.json'))
if len(rs) != 1: sys.exit('expected one record, got %d' % len(rs))
p = {k: v['value'] for k, v in rs[0]['properties'].items()}
if rs[0]['record_id'] != '$ID' or p['phone'] != '0988777666' or p['name'] != 'HTX Chè Bình Lư' or p['commune'] != 'binh_lu':
    sys.exit('not updated in place: %r' % rs)
" || fail "the update from --record"
[[ $("$K" data list outbox --db d.db --json | py "import json,sys; print(' '.join(e['kind'] for e in json.load(sys.stdin)))") == \
   "registry submission registry submission" ]] || fail "outbox: $("$K" data list outbox --db d.db --json)"

# A record of another registry, and an unknown record: refused, nothing stored.
expect_rc 1 "$K" data add --db d.db "$SRC/forms/c_coop_needs.md" again.json --media "$SRC/forms" --record "$ID" --finalize
grep -q "'cooperatives', not the establishments" err.txt || fail "form C from an establishment: $(cat err.txt)"
expect_rc 1 "$K" data add --db d.db "$FORM" again.json --media "$SRC/forms" --record nope --finalize
grep -q "no registry record 'nope'" err.txt || fail "unknown record: $(cat err.txt)"
[[ $("$K" data list submissions --db d.db --json | py "import json,sys; print(len(json.load(sys.stdin)))") == 2 ]] ||
  fail "a refused --record stored a submission"

# An open conflict the last pull brought (written here as a pull writes it: docs/storage.md,
# record_conflicts) is listed under its record, in text and JSON.
[[ $(records establishment | py "import json,sys; print(json.load(sys.stdin)[0]['conflicts'])") == "[]" ]] ||
  fail "a record without conflicts: $(records establishment)"
sqlite3 d.db "INSERT INTO record_conflicts VALUES ('$ID', 'r12', 'phone', '0988777666', '0912345678')"
expect_rc 0 "$K" data list records --db d.db --registry establishment
grep -q "conflict r12: phone = 0988777666, or 0912345678" out.txt || fail "list records text: $(cat out.txt)"
[[ $(records establishment | py "import json,sys; c = json.load(sys.stdin)[0]['conflicts']; print(c[0]['conflict'], c[0]['other'])") == "r12 0912345678" ]] ||
  fail "list records --json: $(records establishment)"

# Who wrote each property: this device, or another device by the name the office enrolled it
# under (known_devices, written here as a pull writes it: docs/storage.md); a writer this device
# was never told of has no name ('by' null).
[[ $(records establishment | py "import json,sys; print(json.load(sys.stdin)[0]['properties']['name']['by'])") == "this device" ]] ||
  fail "list records --json by: $(records establishment)"
sqlite3 d.db "UPDATE registry_records SET properties = json_set(properties, '$.phone.hlc', '0190b2d45f7e-0001-0190b2d4-aaaa',
                '$.name.hlc', '0190b2d45f7e-0002-0190b2d4-bbbb') WHERE record_id = '$ID'"
[[ $(records establishment | py "import json,sys; p = json.load(sys.stdin)[0]['properties']; print(p['phone']['by'], p['name']['by'])") == "None None" ]] ||
  fail "list records --json by, writers not known: $(records establishment)"
sqlite3 d.db "INSERT INTO known_devices VALUES ('0190b2d4-aaaa', 'Lò Văn A', '[\"binh_lu\"]', 1)"
expect_rc 0 "$K" data list records --db d.db --registry establishment
grep -q "phone = 0988777666  (0190b2d45f7e-0001-0190b2d4-aaaa) by Lò Văn A (binh_lu)" out.txt || fail "list records text by: $(cat out.txt)"
grep -q "name = HTX Chè Bình Lư  (0190b2d45f7e-0002-0190b2d4-bbbb)$" out.txt || fail "list records text, writer not known: $(cat out.txt)"
[[ $(records establishment | py "import json,sys; print(json.load(sys.stdin)[0]['properties']['phone']['by'])") == "Lò Văn A (binh_lu)" ]] ||
  fail "list records --json by a known device: $(records establishment)"
expect_rc 0 "$K" data show "$ID" --db d.db
grep -q "phone = 0988777666  (0190b2d45f7e-0001-0190b2d4-aaaa) by Lò Văn A (binh_lu)" out.txt || fail "show record by: $(cat out.txt)"

finish "data_cli_entities: all passed"
