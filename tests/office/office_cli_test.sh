#!/usr/bin/env bash
# khaosat-server's office commands end to end: demo-data -> review -> plan-override -> plan, the
# plan's JSON checked for its promises (budget per source, ineligible never funded, the cut,
# explanations that sum to the scores, overrides shown), byte-identical reruns (JSON and XLSX),
# the XLSX read back with Debian's openpyxl, and bad input refused with plan.input.
# With KHAOSAT_TEST_PG_URL (postgresql://USER@HOST:PORT/postgres: the pg.office.cli test), every
# command keeps its data in a fresh PostgreSQL database there (--database URL).
# Usage: office_cli_test.sh KHAOSAT_SERVER
source "$(dirname "$0")/cli_setup.sh" office "$1"

SERVER demo-data --data "$D" --seed 7 --year 2027 > "$T/demo.out"
grep -q "approved" "$T/demo.out" || fail "demo-data printed no summary"
if SERVER demo-data --data "$D" --seed 7 --year 2027 2> "$T/again.err"; then fail "demo-data wrote into a non-empty folder"; fi
grep -q "not empty" "$T/again.err" || fail "demo-data's refusal does not say why"
if [[ -n "$PG_ADMIN" ]]; then
  # A new folder but the same database: refused too, and nothing is added to it.
  if SERVER demo-data --data "$T/other" --seed 8 --year 2027 2> "$T/again.err"; then fail "demo-data wrote into a non-empty database"; fi
  grep -q "enrolled devices" "$T/again.err" || fail "demo-data's refusal (database) does not say why: $(cat "$T/again.err")"
fi

B=(--budget provincial=6000 --budget national=4000 --budget other=1500)
SERVER plan --data "$D" --year 2027 "${B[@]}" --format json -o "$T/plan1.json"

# The plan keeps its promises.
check_plan() {
  "$PY" - "$1" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
needs = p["needs"]
assert len(needs) > 300, len(needs)
budget = {s["source"]: s for s in p["sources"]}
assert set(budget) == {"national", "provincial", "other"}, budget
for src, s in budget.items():
    mine = [n for n in needs if n["eligible"] and n["source"] == src]
    assert [n["rank"] for n in mine] == list(range(1, len(mine) + 1)), src
    funded = sum(n["amount"] for n in mine if n["funded"])
    assert abs(funded - s["funded_total"]) < 1e-6 and funded <= s["budget"] + 1e-6, (src, funded, s)
    assert any(n["funded"] for n in mine) and any(not n["funded"] for n in mine), src
    # The cut: pinned first, then in rank order each need that fits the remaining budget.
    left = s["budget"]
    for n in mine:
        if n.get("override", {}).get("action") == "pin" and n["funded"]:
            left -= n["amount"]
    for n in mine:
        o = n.get("override", {}).get("action")
        if o == "pin":
            continue
        if o == "exclude":
            assert not n["funded"], n["id"]
            continue
        fits = n["amount"] <= left + 1e-9
        assert n["funded"] == fits, (n["id"], n["amount"], left)
        if fits:
            left -= n["amount"]
    # Scores never rise down the ranking.
    assert all(a["score"] >= b["score"] for a, b in zip(mine, mine[1:])), src
apart = [n for n in needs if not n["eligible"]]
assert apart and not any(n["funded"] for n in apart), "an ineligible need was funded"
assert any(n["duplicate_funded"] for n in apart)
for n in needs:
    assert sum(x["points"] for x in n["explanation"]) == n["score"], n["id"]
assert any(x["criterion"].startswith("area.") for n in needs for x in n["explanation"])
# communes.csv knows no highland commune (unknown for all 38): never scored as highland, and the
# explanations say that the area priority is unknown.
assert not any(x["criterion"] == "area.highland_border" and ": highland" in x["why_en"]
               for n in needs for x in n["explanation"])
assert any(x["criterion"] == "area.unknown" and x["points"] == 0 and "vùng cao" in x["why_vi"]
           and "highland" in x["why_en"] and x["why"] == x["why_vi"] + " / " + x["why_en"]
           for n in needs for x in n["explanation"])
# Each text in each language (the app shows its language's), the joined one under the old key.
for n in needs:
    assert n["decision"] in (n["decision_vi"], n["decision_vi"] + " / " + n["decision_en"]), n["id"]
    assert n["decision_vi"] and n["decision_en"] and n["decision_vi"] != n["decision_en"], n["id"]
    for x in n["explanation"]:
        assert x["why_vi"] and x["why_en"], (n["id"], x)
        assert " / " not in x["why_vi"].replace(" / (", "") and "xã/commune" not in x["why_vi"], x
# Activities by the labels the published forms give their codes (forms/*.md, support_activity).
labels = {n["activity"]: (n["activity_vi"], n["activity_en"]) for n in needs}
assert labels.get("training") == ("Đào tạo nghề, truyền nghề", "Vocational training, craft transmission"), labels.get("training")
assert all(vi != code and en != code for code, (vi, en) in labels.items()), labels
PY
}
check_plan "$T/plan1.json" || fail "the plan breaks a promise"

# Determinism: the same data gives the same bytes.
SERVER plan --data "$D" --year 2027 "${B[@]}" --format json > "$T/plan2.json"
cmp "$T/plan1.json" "$T/plan2.json" || fail "two JSON plans of the same data differ"

# A review removes a submission; an override pins or excludes a need, and both are shown.
read -r FUNDED UNFUNDED <<< "$("$PY" - "$T/plan1.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
prov = [n for n in p["needs"] if n["eligible"] and n["source"] == "provincial"]
f = next(n for n in prov if n["funded"])
u = next(n for n in reversed(prov) if not n["funded"] and n["amount"] <= 500)
print(f["submission"], u["id"])
PY
)"
SERVER review --data "$D" "$FUNDED" --state rejected --comment "Hồ sơ trùng / duplicate" --by "Lan" > /dev/null
SERVER plan-override --data "$D" "$UNFUNDED" --pin --reason "Vùng lũ / flood area" --by "Minh" > /dev/null
# The office's own tables: init (through demo-data) copied plan_rules.csv and communes.csv into the
# data folder; an edit there reaches `plan` and (below) the app's plan tab.
[[ -f "$D/plan_rules.csv" && -f "$D/communes.csv" ]] || fail "init did not copy the office's tables into $D"
sed -i 's/^version,[^,]*/version,office-edit-1/' "$D/plan_rules.csv"
SERVER plan --data "$D" --year 2027 "${B[@]}" --format json -o "$T/plan3.json"
"$PY" -c 'import json, sys; v = json.load(open(sys.argv[1]))["rules_version"]; assert v == "office-edit-1", v' "$T/plan3.json" \
  || fail "plan does not read the office's DIR/plan_rules.csv"
"$PY" - "$T/plan3.json" "$FUNDED" "$UNFUNDED" <<'PY' || fail "review or override not applied"
import json, sys
p = json.load(open(sys.argv[1]))
assert not any(n["submission"] == sys.argv[2] for n in p["needs"]), "a rejected submission is still planned"
n = next(n for n in p["needs"] if n["id"] == sys.argv[3])
assert n["funded"] and n["override"]["action"] == "pin" and n["override"]["by"] == "Minh", n
assert n["override"]["reason"] == "Vùng lũ / flood area"
PY
check_plan "$T/plan3.json" || fail "the plan with an override breaks a promise"

# The same plan from the app's office view: POST /v1/office/plan on `serve` answers the bytes
# `plan --format json` writes to an admin of the whole province; a viewer of one commune gets
# that commune's needs only; an officer is refused.
mkfifo "$T/serve.out"
# Started directly, not through the SERVER function: a function in the background is a subshell,
# and killing SERVE_PID would leave the server running.
"$SERVER_BIN" serve --data "$D" --listen 127.0.0.1:0 "${DB[@]}" > "$T/serve.out" 2> "$T/serve.err" &
SERVE_PID=$!
exec 3< "$T/serve.out"
read -r line <&3 || fail "serve did not start: $(cat "$T/serve.err")"
URL=${line##* on }
token() {  # token ROLE [--commune C]: a device enrolled over HTTP
  local code
  code=$(SERVER enroll --data "$D" --role "$@" --name "plan test")
  curl -sf -X POST "$URL/v1/enroll" -d "{\"code\": \"$code\", \"device_name\": \"plan test\"}" |
    "$PY" -c 'import json, sys; print(json.load(sys.stdin)["token"])'
}
plan_body='{"year": 2027, "budget": {"provincial": 6000, "national": 4000, "other": 1500}}'
post_plan() { curl -s -o "$2" -w '%{http_code}' -X POST "$URL/v1/office/plan" -H "Authorization: Bearer $1" -d "$plan_body"; }
[[ $(post_plan "$(token admin)" "$T/plan-http.json") == 200 ]] || fail "POST /v1/office/plan: $(cat "$T/plan-http.json")"
cmp "$T/plan3.json" "$T/plan-http.json" || fail "POST /v1/office/plan differs from plan --format json"
COMMUNE=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["needs"][0]["commune"])' "$T/plan3.json")
[[ $(post_plan "$(token viewer --commune "$COMMUNE")" "$T/plan-viewer.json") == 200 ]] || fail "a viewer's plan: $(cat "$T/plan-viewer.json")"
"$PY" - "$T/plan-viewer.json" "$COMMUNE" <<'PY' || fail "a viewer's plan holds needs of other communes"
import json, sys
needs = json.load(open(sys.argv[1]))["needs"]
assert needs and all(n["commune"] == sys.argv[2] for n in needs), [n["commune"] for n in needs]
PY
[[ $(post_plan "$(token officer --commune "$COMMUNE")" "$T/plan-officer.json") == 403 ]] || fail "an officer got a plan"
kill "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null || true
SERVE_PID=""
exec 3<&-

# XLSX: read back with openpyxl; the same plan twice (a second apart) gives the same bytes.
SERVER plan --data "$D" --year 2027 "${B[@]}" -o "$T/plan.xlsx"
sleep 1.1
SERVER plan --data "$D" --year 2027 "${B[@]}" --format xlsx -o "$T/plan-again.xlsx"
cmp "$T/plan.xlsx" "$T/plan-again.xlsx" || fail "two XLSX plans of the same data differ"
"$PY" - "$T/plan.xlsx" "$T/plan3.json" "$(dirname "$0")/../../forms/communes.csv" <<'PY' || fail "the XLSX does not match the JSON"
import json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
p = json.load(open(sys.argv[2]))
assert wb.sheetnames == ["Ngân sách", "Kế hoạch", "Giải thích"], wb.sheetnames
rows = list(wb["Kế hoạch"].iter_rows(min_row=2, values_only=True))
assert len(rows) == len(p["needs"]), (len(rows), len(p["needs"]))
# What the office signs names sources, communes and activities in Vietnamese, not by code.
SOURCES = {"national": "Khuyến công quốc gia", "provincial": "Khuyến công địa phương", "other": "Nguồn khác"}
communes = {}
for line in open(sys.argv[3], encoding="utf-8").read().splitlines()[1:]:
    cols = line.split(",")
    communes[cols[0]] = cols[1]
for row, n in zip(rows, p["needs"]):
    assert row[2] == n["id"] and row[0] == SOURCES.get(n["source"], n["source"]), (row, n["id"])
    assert row[5] == communes[n["commune"]] and row[5].startswith(("Xã ", "Phường ")), (row, n["commune"])
    assert row[6] == n["activity_vi"] and row[6] != n["activity"], (row, n["activity"])
    assert isinstance(row[7], (int, float)) and abs(row[7] - n["amount"]) < 1e-9, row
    assert row[10] == n["score"] and (row[1] or 0) == n["rank"], row
    assert row[12] == ("có" if n["funded"] else "không"), row
    if "override" in n:
        assert n["override"]["reason"] in row[14], row
budget = {r[0]: r for r in wb["Ngân sách"].iter_rows(min_row=2, values_only=True)}
for s in p["sources"]:
    s["source"] = SOURCES[s["source"]]
    assert abs(budget[s["source"]][1] - s["budget"]) < 1e-9 and abs(budget[s["source"]][2] - s["funded_total"]) < 1e-6
notes = [r[0] for r in wb["Ngân sách"].iter_rows(min_row=2, values_only=True) if r[0] and r[0].startswith("Chú ý")]
unknown = sum(any(x["criterion"] == "area.unknown" for x in n["explanation"]) for n in p["needs"])
assert len(notes) == 1 and f"{unknown} nhu cầu" in notes[0], (notes, unknown)
explained = sum(len(n["explanation"]) for n in p["needs"])
assert wb["Giải thích"].max_row - 1 == explained, (wb["Giải thích"].max_row, explained)
PY

# Bad input: plan.input, exit 2, nothing written.
expect_input_error() {
  local what=$1; shift
  set +e
  SERVER plan --data "$D" "$@" --format json -o "$T/bad.json" 2> "$T/err"
  local rc=$?
  set -e
  [[ $rc -eq 2 ]] || fail "$what: exit $rc, not 2"
  grep -q "plan.input" "$T/err" || fail "$what: no plan.input in: $(cat "$T/err")"
  [[ ! -e "$T/bad.json" ]] || fail "$what: a plan was written"
}
expect_input_error "unknown source" --year 2027 --budget moon=5
expect_input_error "negative amount" --year 2027 --budget national=-5
expect_input_error "bad year" --year twenty --budget national=5
printf 'key,value\nversion,x\nsector.magic,5\n' > "$T/rules.csv"
expect_input_error "unknown criterion" --year 2027 --budget national=5 --rules "$T/rules.csv"
grep -q "rules.csv:3" "$T/err" || fail "the rules error does not name the line"
set +e
SERVER review --data "$D" "uuid:nobody" --state approved 2> "$T/err"; rc=$?
set -e
[[ $rc -ne 0 ]] || fail "a review of an unknown submission was accepted"
# --budget SOURCE=AMOUNT... : several after one --budget (the usage's form) = the option repeated.
SERVER plan --data "$D" --year 2027 --budget provincial=6000 national=4000 other=1500 --format json -o "$T/plan-multi.json"
cmp "$T/plan3.json" "$T/plan-multi.json" || fail "--budget a=1 b=2 c=3 differs from --budget repeated"

# A stray word or another command's option is refused, not ignored.
expect_usage() {  # expect_usage PATTERN ARGS...
  local pattern=$1; shift
  set +e
  SERVER "$@" > /dev/null 2> "$T/err"
  local rc=$?
  set -e
  [[ $rc -eq 2 ]] || fail "$*: exit $rc, not 2"
  grep -q -- "$pattern" "$T/err" || fail "$*: the message does not say '$pattern': $(cat "$T/err")"
}
expect_usage "unexpected 'junk'" plan --data "$D" --year 2027 --budget national=5 junk --format json
expect_usage "--communes is not an option of 'plan'" plan --data "$D" --year 2027 --budget national=5 --communes x.csv
expect_usage "--seed is not an option of 'report'" report --data "$D" --year 2027 --seed 9 -o "$T/rep"
expect_usage "--budget is not an option of 'queue'" queue --data "$D" --budget national=5
[[ ! -e "$T/rep" ]] || fail "a refused report wrote something"
# --format names what this command writes (plan: xlsx or json; export has csv and geojson too).
expect_usage "takes 'xlsx' or 'json', not 'pdf'" plan --data "$D" --year 2027 --budget national=5 --format pdf -o "$T/p.pdf"
expect_usage "takes 'json', 'csv', 'xlsx' or 'geojson', not 'pdf'" export --data "$D" --form lc_establishment --format pdf
[[ ! -e "$T/p.pdf" ]] || fail "a refused plan wrote something"

# A mistyped --data is refused, and no empty server is left behind (SQLite: the folder is the
# server; with --database the data is in PostgreSQL).
for cmd in "plan --year 2027 --budget national=5 --format json" "queue" "export --form lc_establishment" \
           "plan-override uuid:x#1 --pin --reason r" "review uuid:x --state approved" "devices" "check"; do
  set +e
  # shellcheck disable=SC2086
  "$SERVER_BIN" $cmd --data "$T/typo" > /dev/null 2> "$T/err"
  rc=$?
  set -e
  [[ $rc -ne 0 ]] || fail "$cmd on a missing --data folder: exit 0"
  grep -q -e "no such folder" -e "not a khaosat-server data folder" "$T/err" || fail "$cmd: the message does not say the folder is missing: $(cat "$T/err")"
  [[ ! -e "$T/typo" ]] || fail "$cmd made $T/typo"
done

# An override of a need that is not here is refused (the app's endpoint answers 404 for it).
expect_usage "sync.not_found" plan-override --data "$D" "uuid:does-not-exist#1" --pin --reason "typo" --by "Minh"

# Warnings: a priority weight below 0 turns its priority around; a year with no approved need.
sed 's/^sector.export,[0-9]*/sector.export,-100/' "$D/plan_rules.csv" > "$T/neg.csv"
SERVER plan --data "$D" --year 2027 "${B[@]}" --rules "$T/neg.csv" --format json > /dev/null 2> "$T/err"
grep -q "'sector.export' (-100) is below 0" "$T/err" || fail "no warning for a negative weight: $(cat "$T/err")"
SERVER plan --data "$D" --year 2031 "${B[@]}" --format json > "$T/empty.json" 2> "$T/err"
grep -q "the plan is empty" "$T/err" || fail "no warning for an empty plan: $(cat "$T/err")"

# The plan never writes over what it reads: the database, its rules, the commune table.
DBSUM=$(sha256sum "$D/plan_rules.csv" "$D/communes.csv" $([[ -z "$PG_ADMIN" ]] && echo "$D/server.db"))
for out in "$D/plan_rules.csv" "$D/communes.csv" $([[ -z "$PG_ADMIN" ]] && echo "$D/server.db"); do
  for fmt in json xlsx; do
    set +e
    SERVER plan --data "$D" --year 2027 "${B[@]}" --format "$fmt" -o "$out" 2> "$T/err"
    rc=$?
    set -e
    [[ $rc -ne 0 ]] || fail "plan --format $fmt -o $out: exit 0"
    grep -q "refusing to write over it" "$T/err" || fail "plan -o $out: $(cat "$T/err")"
  done
done
[[ "$DBSUM" == "$(sha256sum "$D/plan_rules.csv" "$D/communes.csv" $([[ -z "$PG_ADMIN" ]] && echo "$D/server.db"))" ]] \
  || fail "a refused plan changed an input"
SERVER check --data "$D" > /dev/null || fail "the data folder is not whole after the refusals"
echo "office.cli: ok"
