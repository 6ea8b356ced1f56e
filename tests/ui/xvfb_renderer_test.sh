#!/usr/bin/env bash
# The app's two drawing paths on the same walk (fill_form_a.json) under Xvfb: --renderer gl
# (OpenGL through Mesa's llvmpipe) and --renderer software (SDL's software renderer). Each must
# pass the walk; each pair of screenshots must show the same screen, not blank, within
# png_compare.py's limits; the software path must have mapped no OpenGL, Mesa or LLVM library
# (--stats reads /proc/self/maps), the GL path must have. Then auto, as the app starts by
# default: under llvmpipe it probes, takes the software path and remembers it; the next start
# uses what it remembered.
# Usage: xvfb_renderer_test.sh KHAOSAT_APP WALK.json WxH SCREENSHOT_DIR
set -euo pipefail
app=$1 walk=$2 size=$3 shots=$4
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
rm -rf "$shots"; mkdir -p "$shots"
run() {  # run NAME [ARGS...]: the walk into $shots/NAME, its --stats JSON in $tmp/NAME.json
  local name=$1; shift
  mkdir -p "$shots/$name" "$tmp/$name"
  LIBGL_ALWAYS_SOFTWARE=1 xvfb-run -a -s "-screen 0 1400x1000x24" \
    "$app" --walk "$walk" --screenshots "$shots/$name" --size "$size" --db "$tmp/$name/device.db" --offline \
    --location "22.3862 103.4990 1250 8" --settings "$tmp/$name/settings.json" --stats "$@" >"$tmp/$name.out"
  tail -n 1 "$tmp/$name.out" >"$tmp/$name.json"
}
fail() { echo "FAIL: $*"; exit 1; }
stat() { jq -r "$2" "$tmp/$1.json"; }

run gl --renderer gl
run software --renderer software
[[ $(stat gl .renderer) == gl && $(stat software .renderer) == software ]] || fail "--renderer not followed"
[[ $(stat software '.gl_libraries | length') == 0 ]] || fail "the software path mapped $(stat software .gl_libraries)"
[[ $(stat gl '.gl_libraries | length') -gt 0 ]] || fail "the GL path shows no GL library mapped: the check sees nothing"
n=0
for f in "$shots/gl"/*.png; do
  name=$(basename "$f")
  [[ -f "$shots/software/$name" ]] || fail "the software path has no $name"
  echo -n "$name: "
  python3 "$here/png_compare.py" "$f" "$shots/software/$name" --side "$shots/side-$name" \
    || fail "$name differs between the paths (side by side: $shots/side-$name)"
  n=$((n + 1))
done
[[ $n -ge 3 ]] || fail "expected screenshots, found $n"

# auto: probes (llvmpipe, so software) and remembers; the next start in the same folder reads it.
mkdir -p "$tmp/auto"
for start in first second; do
  LIBGL_ALWAYS_SOFTWARE=1 KHAOSAT_RENDERER= xvfb-run -a -s "-screen 0 1400x1000x24" \
    "$app" --walk "$here/walks/home.json" --size "$size" --db "$tmp/auto/device.db" --offline \
    --settings "$tmp/auto/settings.json" --stats | tail -n 1 >"$tmp/auto-$start.json"
done
[[ $(jq -r .renderer "$tmp/auto-first.json") == software ]] || fail "auto under llvmpipe: $(cat "$tmp/auto-first.json")"
jq -r .renderer_why "$tmp/auto-first.json" | grep -q '^probed: OpenGL is llvmpipe' || fail "auto did not probe: $(jq -r .renderer_why "$tmp/auto-first.json")"
jq -r .renderer_why "$tmp/auto-second.json" | grep -q '^remembered: OpenGL is llvmpipe' || fail "auto did not remember: $(jq -r .renderer_why "$tmp/auto-second.json")"
[[ $(jq -r '.gl_libraries | length' "$tmp/auto-first.json") == 0 ]] || fail "auto's probe left GL in the app: $(jq -c .gl_libraries "$tmp/auto-first.json")"
[[ -f "$tmp/auto/khaosat-renderer.txt" ]] || fail "auto remembered nothing beside the settings"
echo "both paths passed at $size, $n screenshots alike; auto probed and remembered; side by side in $shots"
