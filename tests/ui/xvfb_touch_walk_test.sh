#!/usr/bin/env bash
# The touch-input walk (walks/touch_inputs.json) in the real desktop app under Xvfb: a dateTime
# typed as a local date and time, a photo picked and scaled to the form's max-pixels, a cut JPEG
# refused, then the same screens in high contrast. The form is tests/ui/forms/touch.md (--forms),
# the photos a 3000x2000 PNG and a JPEG cut after its header, made here. Checks the walk passed,
# left its screenshots, and stored the photo scaled to 1024x683.
# Usage: xvfb_touch_walk_test.sh KHAOSAT_APP WxH SCREENSHOT_DIR
set -euo pipefail
app=$1 size=$2 shots=$3
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
rm -rf "$shots"; mkdir -p "$shots" "$tmp/photos"
python3 - "$tmp/photos/front.png" <<'PY'
import struct, sys, zlib
w, h = 3000, 2000
raw = bytearray()
line = bytes(v for x in range(w) for v in (x * 255 // w, 90, 200 - x * 150 // w))
for y in range(h):
    raw += b'\0' + line
def chunk(t, d):
    return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
png = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0))
png += chunk(b'IDAT', zlib.compress(bytes(raw), 6)) + chunk(b'IEND', b'')
open(sys.argv[1], 'wb').write(png)
PY
printf '\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xdb' > "$tmp/photos/cut.jpg"
LIBGL_ALWAYS_SOFTWARE=1 TZ=Asia/Ho_Chi_Minh xvfb-run -a -s "-screen 0 1400x1000x24" \
  "$app" --walk "$here/walks/touch_inputs.json" --screenshots "$shots" --size "$size" --db "$tmp/device.db" \
  --offline --forms "$here/forms" --photos "$tmp/photos" --settings "$tmp/settings.json"
n=$(find "$shots" -name '*.png' | wc -l)
[[ $n -ge 10 ]] || { echo "expected 10 screenshots in $shots, found $n"; exit 1; }
# The stored photo: the only PNG in the media folder beside the database, 1024x683.
python3 - "$tmp" <<'PY'
import os, struct, sys
found = []
for root, _, names in os.walk(sys.argv[1]):
    if 'photos' in root.split(os.sep):
        continue
    for n in names:
        with open(os.path.join(root, n), 'rb') as f:
            head = f.read(24)
        if head[:8] == b'\x89PNG\r\n\x1a\n':
            found.append(struct.unpack('>II', head[16:24]))
if found != [(1024, 683)]:
    sys.exit(f'expected one stored PNG of 1024x683, found {found}')
PY
echo "touch walk passed at $size; screenshots in $shots"
