#!/usr/bin/env bash
# The office view's plan tab in the real window under Xvfb (Mesa llvmpipe), against
# `khaosat-server serve` over a generated province (`demo-data --seed 3 --year 2027`): an app
# enrolled as admin (enroll.json + office_sync.json) opens Văn phòng → Kế hoạch, types the year
# and a budget per source, makes the plan, checks the provincial fund's funded total against
# `khaosat-server plan --format json` of the same data, opens the first ranked need's
# explanation and scrolls to the needs listed apart (office_plan.json, @FIRST@ and
# @PROVINCIAL_FUNDED@ filled in from that plan). Screenshots @DEVICE@-office-plan*.png.
# Usage: xvfb_plan_walk_test.sh KHAOSAT_APP KHAOSAT_SERVER WxH SCREENSHOT_DIR
source "$(dirname "$0")/xvfb_server.sh" "$@"

"$server" demo-data --data "$tmp/server" --seed 3 --year 2027 >/dev/null
code=$("$server" enroll --data "$tmp/server" --role admin --name "xvfb plan $size")
"$server" plan --data "$tmp/server" --year 2027 --budget national=4000 --budget provincial=6000 --budget other=1500 \
  --format json -o "$tmp/plan.json"
first=$(jq -r '[.needs[] | select(.rank == 1)][0] | "#1 " + .applicant' "$tmp/plan.json")
funded=$(jq -r '.sources[] | select(.source == "provincial") | .funded_total' "$tmp/plan.json")
serve "$tmp/server"
jq -s --arg url "$url" --arg code "$code" --arg device "$device" --arg first "$first" --arg funded "$funded" \
  'add | walk(if type == "string"
              then gsub("@SERVER_URL@"; $url) | gsub("@ENROLL_CODE@"; $code) | gsub("@DEVICE@"; $device)
                   | gsub("@FIRST@"; $first) | gsub("@PROVINCIAL_FUNDED@"; $funded)
              else . end)' \
  "$walks/enroll.json" "$walks/office_sync.json" "$walks/office_plan.json" >"$tmp/walk.json"
LIBGL_ALWAYS_SOFTWARE=1 xvfb-run -a -s "-screen 0 1400x1000x24" \
  "$app" --walk "$tmp/walk.json" --screenshots "$shots" --size "$size" --db "$tmp/office.db" \
  --settings "$tmp/office.db.settings.json"
for name in "$device-office-plan" "$device-office-plan-need" "$device-office-plan-apart"; do
  [[ -f "$shots/$name.png" ]] || { echo "missing screenshot $shots/$name.png"; exit 1; }
done
echo "plan walk passed at $size against $url (first ranked: $first); screenshots in $shots"
