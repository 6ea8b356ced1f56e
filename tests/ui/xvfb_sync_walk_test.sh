#!/usr/bin/env bash
# The app against a real server, under Xvfb (Mesa llvmpipe): starts `khaosat-server serve` on a
# free loopback port over a fresh data folder (`init` publishes the built-in forms, `enroll
# --role officer --commune binh_lu` gives the code), then walks enroll -> fill form A in
# Vietnamese -> finalize -> sync -> sent (walks/enroll.json + fill_form_a.json + sync_sent.json, with @SERVER_URL@,
# @ENROLL_CODE@ and @DEVICE@ filled in), and checks the screenshots and that the server holds
# the survey. @DEVICE@ is "phone" below 600 px wide, else "desktop" (phone-enroll.png, ...).
# Then the office: a second app enrolled as admin syncs, opens the office view, finds the survey
# and rejects it with a reason (enroll.json + office_sync.json + office_reject.json); the officer's
# app syncs, shows the reason, edits and resends it (officer_resend.json); the office approves
# the edit (office_approve.json), and the officer's saved surveys show it approved
# (officer_reviewed.json). The server must hold the edit naming the rejected survey, and
# both reviews made by the admin device.
# Usage: xvfb_sync_walk_test.sh KHAOSAT_APP KHAOSAT_SERVER WxH SCREENSHOT_DIR
source "$(dirname "$0")/xvfb_server.sh" "$@"

"$server" init --data "$tmp/server" >/dev/null
code=$("$server" enroll --data "$tmp/server" --role officer --commune binh_lu --name "xvfb walk $size")  # the walk's commune
serve "$tmp/server"
# join OUT CODE WALK...: the walks joined into OUT, placeholders filled in.
join() {
  local out=$1 code=$2
  shift 2
  jq -s --arg url "$url" --arg code "$code" --arg device "$device" \
    'add | walk(if type == "string"
                then gsub("@SERVER_URL@"; $url) | gsub("@ENROLL_CODE@"; $code) | gsub("@DEVICE@"; $device)
                else . end)' \
    "$@" >"$out"
}
# run_app DB WALK: the app under Xvfb.
run_app() {
  LIBGL_ALWAYS_SOFTWARE=1 xvfb-run -a -s "-screen 0 1400x1000x24" \
    "$app" --walk "$2" --screenshots "$shots" --size "$size" --db "$1" \
    --location "22.3862 103.4990 1250 8" --settings "$1.settings.json"
}
join "$tmp/walk.json" "$code" "$walks/enroll.json" "$walks/fill_form_a.json" "$walks/sync_sent.json"
run_app "$tmp/device.db" "$tmp/walk.json"

for name in "$device-enroll" "$device-sync" "$device-sent"; do
  [[ -f "$shots/$name.png" ]] || { echo "missing screenshot $shots/$name.png"; exit 1; }
done
for f in "$shots"/*.png; do
  head -c 8 "$f" | od -An -tx1 | grep -q '89 50 4e 47' || { echo "$f is not a PNG"; exit 1; }
done
# The server holds the survey the device says it sent.
n=$("$server" export --data "$tmp/server" --form lc_establishment --format json | jq length)
[[ $n -eq 1 ]] || { echo "the server holds $n form A submissions, expected 1"; exit 1; }

# The office, from a second app enrolled as admin, rejects it with a reason; the officer's app
# syncs, shows the reason, edits the survey and sends it again; the office approves the edit.
admin_code=$("$server" enroll --data "$tmp/server" --role admin --name "xvfb office $size")
join "$tmp/office.json" "$admin_code" "$walks/enroll.json" "$walks/office_sync.json" "$walks/office_reject.json"
run_app "$tmp/office.db" "$tmp/office.json"
join "$tmp/resend.json" "" "$walks/officer_resend.json"
run_app "$tmp/device.db" "$tmp/resend.json"
join "$tmp/approve.json" "" "$walks/office_approve.json"
run_app "$tmp/office.db" "$tmp/approve.json"
join "$tmp/reviewed.json" "" "$walks/officer_reviewed.json"
run_app "$tmp/device.db" "$tmp/reviewed.json"
# The server: the edit names the rejected survey; both reviews were recorded with the admin
# device that made them ("NAME (DEVICE_ID)").
q() { sqlite3 "$tmp/server/server.db" "$1"; }
[[ $(q "SELECT count(*) FROM submissions s JOIN submissions old ON s.deprecated_id = old.instance_id") -eq 1 ]] ||
  { echo "the server does not hold an edit naming the rejected survey"; q "SELECT instance_id, deprecated_id FROM submissions"; exit 1; }
[[ $(q "SELECT count(*) FROM submissions WHERE deprecated_id IS NOT NULL AND xml LIKE '%<workers_total>65</workers_total>%'") -eq 1 ]] ||
  { echo "the edit on the server does not hold the corrected number of workers (65)"; exit 1; }
reviews=$(q "SELECT group_concat(state, ',') FROM (SELECT r.state FROM reviews r JOIN devices d
             ON r.by_name = d.name || ' (' || d.device_id || ')' WHERE d.role = 'admin' ORDER BY r.id)")
[[ $reviews == "rejected,approved" ]] || { echo "the server's review trail from the office's app is '$reviews', expected rejected,approved"; exit 1; }
for name in "$device-office-list" "$device-office-open" "$device-office-rejected" "$device-office-queue" \
            "$device-rejected" "$device-resent" "$device-office-approved" "$device-reviewed"; do
  [[ -f "$shots/$name.png" ]] || { echo "missing screenshot $shots/$name.png"; exit 1; }
done
echo "sync and office walk passed at $size against $url; screenshots in $shots"
