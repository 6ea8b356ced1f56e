#!/usr/bin/env bash
# The walk that starts form A from a registry record, in the real app under Xvfb: fill form A
# and finalize it (walks/fill_form_a.json: the establishment enters the registry), open it in the
# registry browser and its history (created by that survey), "Khảo sát cơ sở này", answer a
# question and leave (a draft), then the form list's new-or-existing picker with the
# diacritic-insensitive search (walks/survey_from_registry.json).
# Then checks the database: one establishment, and the draft prefilled from it.
# Usage: xvfb_registry_walk_test.sh KHAOSAT_APP KHAOSAT WxH SCREENSHOT_DIR
set -euo pipefail
app=$1 K=$2 size=$3 shots=$4
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
rm -rf "$shots"; mkdir -p "$shots"
jq -s add "$here/walks/fill_form_a.json" "$here/walks/survey_from_registry.json" > "$tmp/walk.json"
LIBGL_ALWAYS_SOFTWARE=1 xvfb-run -a -s "-screen 0 1400x1000x24" \
  "$app" --walk "$tmp/walk.json" --screenshots "$shots" --size "$size" --db "$tmp/device.db" --offline \
  --location "22.3862 103.4990 1250 8" --settings "$tmp/settings.json"
for f in 10-record 10-record-history 11-survey-from-record 12-new-or-existing; do
  head -c 8 "$shots/$f.png" | od -An -tx1 | grep -q '89 50 4e 47' || { echo "$f.png is missing or not a PNG"; exit 1; }
done
records=$("$K" data list records --db "$tmp/device.db" --registry establishment --json)
id=$(jq -r 'if length == 1 then .[0].record_id else error("expected one establishment") end' <<<"$records")
draft=$("$K" data list drafts --db "$tmp/device.db" --json | jq -r 'if length == 1 then .[0].draft_id else error("expected one draft") end')
xml=$("$K" data show "$draft" --db "$tmp/device.db" --json | jq -r '.instance_xml')
for want in "<record_id>$id</record_id>" "<est_name>HTX Chè Bình Lư</est_name>" "<commune>binh_lu</commune>" \
            "<officer>Lò Thị Mai</officer>"; do
  grep -qF "$want" <<<"$xml" || { echo "the draft started from the record lacks $want: $xml"; exit 1; }
done
echo "registry walk passed at $size; screenshots in $shots"
