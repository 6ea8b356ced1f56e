#!/usr/bin/env bash
# khaosat-server's exports and reports end to end on a generated province (demo-data): the XLSX
# export, the CSV's byte-order mark, the GeoJSON, and the reports (XLSX and HTML) read back with
# Debian's openpyxl and compared with what server.db holds (read here with Python's sqlite3 and
# the instance XML parsed here, not with khaosat's code); the HTML rendered in headless Chromium
# (DOM and a PNG screenshot); the same data and --as-of giving the same bytes; bad input refused.
# Usage: office_report_test.sh KHAOSAT_SERVER   (KEEP_DIR=DIR keeps the report and screenshot)
set -euo pipefail
SERVER=$1
PY=/usr/bin/python3
T=$(mktemp -d)
D=$T/data
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$SERVER" demo-data --data "$D" --seed 7 --year 2027 > /dev/null

# --- demo-data covers the province: every commune of communes.csv has A, B and C submissions ---
"$PY" - "$D/server.db" "$(dirname "$0")/../../forms/communes.csv" <<'PY' || fail "demo-data leaves communes without A, B or C"
import csv, sqlite3, sys, xml.etree.ElementTree as ET
codes = {r["name"] for r in csv.DictReader(open(sys.argv[2], encoding="utf-8"))}
assert len(codes) == 38, len(codes)
seen = {"lc_establishment": set(), "lc_craft_village": set(), "lc_coop_needs": set()}
for form, x in sqlite3.connect(sys.argv[1]).execute("SELECT form_id, xml FROM submissions"):
    seen[form].add(ET.fromstring(x).findtext(".//commune"))
for form, got in seen.items():
    assert got == codes, (form, sorted(codes - got), sorted(got - codes))
PY

# --- The XLSX export, every form --------------------------------------------------------------
"$SERVER" export --data "$D" --format xlsx -o "$T/all.xlsx"
"$PY" - "$D/server.db" "$T/all.xlsx" <<'PY' || fail "the XLSX export does not equal the database"
import sqlite3, sys, datetime, xml.etree.ElementTree as ET
import openpyxl
db = sqlite3.connect(sys.argv[1])
wb = openpyxl.load_workbook(sys.argv[2])
assert wb.sheetnames[:4] == ["lc_coop_needs", "lc_coop_needs.ocop_products", "lc_coop_needs.received",
                             "lc_coop_needs.needs"], wb.sheetnames
for form, needs_sheet, est_col in [("lc_establishment", "lc_establishment.needs", "Tên cơ sở (est_name)"),
                                   ("lc_craft_village", "lc_craft_village.needs", "Tên nghề (craft_name)")]:
    rows = db.execute("SELECT instance_id, xml FROM submissions WHERE form_id = ? ORDER BY instance_id", (form,)).fetchall()
    ws = wb[form]
    head = [c.value for c in ws[1]]
    assert est_col in head, head
    data = {r[0]: dict(zip(head, r)) for r in ws.iter_rows(min_row=2, values_only=True)}
    assert set(data) == {r[0] for r in rows}, (form, len(data), len(rows))
    date_col = "Ngày khảo sát (survey_date)"
    workers_col = next(h for h in head if h.endswith("(workers_total)"))
    for iid, x in rows[::7]:   # a sample of rows, every cell checked against the XML
        root = ET.fromstring(x)
        row = data[iid]
        assert row[date_col] == datetime.datetime.fromisoformat(root.findtext("survey_date")), (iid, row[date_col])
        assert row[workers_col] == int(root.find(".//workers_total").text), iid
        assert isinstance(row[workers_col], (int, float))
        name = root.findtext(".//est_name") if form == "lc_establishment" else root.findtext(".//craft_name")
        assert row[est_col] == name, (iid, row[est_col], name)
    # The needs repeat: one row per instance, linked to its parent, amounts as numbers.
    ws = wb[needs_sheet]
    head = [c.value for c in ws[1]]
    assert head[:3] == ["Khóa (key)", "Khóa dòng cha (parent)", "Mã bản ghi (instance_id)"], head
    amount = head.index("Kinh phí đề nghị hỗ trợ (triệu đồng) (amount_requested)")
    got = list(ws.iter_rows(min_row=2, values_only=True))
    want = [float(n.findtext("amount_requested")) for _, x in rows for n in ET.fromstring(x).iter("needs")]
    assert len(got) == len(want), (needs_sheet, len(got), len(want))
    assert abs(sum(r[amount] for r in got) - sum(want)) < 1e-6
    assert all(r[1] in data and r[0].startswith(r[1] + "/") for r in got)
    # Select answers by their choice labels in the form, not by code.
    kind = head.index("Nội dung hỗ trợ (need_type)")
    source = head.index("Nguồn kinh phí đề nghị (funding_source)")
    shown = {}
    for r in got:
        shown.setdefault(r[2], []).append(r[kind])
    codes = {iid: [n.findtext("need_type") for n in ET.fromstring(x).iter("needs")] for iid, x in rows}
    labels = {"training": "Đào tạo nghề, truyền nghề", "machinery": "Ứng dụng máy móc, thiết bị tiên tiến, chuyển giao công nghệ"}
    for iid, mine in codes.items():
        assert len(shown.get(iid, [])) == len(mine), iid
        for label, code in zip(shown[iid], mine):
            assert label == labels.get(code, label) and label != code, (iid, label, code)
    for r in got:
        assert r[source] in ("Kinh phí khuyến công quốc gia", "Kinh phí khuyến công địa phương (tỉnh)", "Chương trình, nguồn vốn khác"), r[source]
    assert set(labels) <= {c for mine in codes.values() for c in mine}
print("export xlsx ok")
PY
"$SERVER" export --data "$D" --format xlsx --form lc_craft_village -o "$T/b.xlsx"
"$PY" -c "import openpyxl,sys; wb=openpyxl.load_workbook(sys.argv[1]); assert wb.sheetnames[0]=='lc_craft_village' and 'lc_establishment' not in wb.sheetnames, wb.sheetnames" "$T/b.xlsx" \
  || fail "export --form limits the workbook to that form"
"$SERVER" export --data "$D" --format xlsx -o "$T/all2.xlsx"
cmp "$T/all.xlsx" "$T/all2.xlsx" || fail "two XLSX exports of the same data differ"

# --- CSV: UTF-8 with a BOM --------------------------------------------------------------------
"$SERVER" export --data "$D" --form lc_establishment --format csv -o "$T/a.csv"
[[ $(head -c 3 "$T/a.csv" | od -An -tx1 | tr -d ' ') == efbbbf ]] || fail "the CSV has no UTF-8 byte-order mark"
"$PY" -c "import csv,sys; r=list(csv.reader(open(sys.argv[1], encoding='utf-8-sig'))); assert r[0][0]=='instance_id' and len(r)>250, r[0]" "$T/a.csv" \
  || fail "the CSV does not read back"

# --- GeoJSON ----------------------------------------------------------------------------------
"$SERVER" export --data "$D" --format geojson -o "$T/points.geojson"
"$PY" - "$D/server.db" "$T/points.geojson" <<'PY' || fail "the GeoJSON does not equal the database"
import json, sqlite3, sys, xml.etree.ElementTree as ET
db = sqlite3.connect(sys.argv[1])
g = json.load(open(sys.argv[2]))
assert g["type"] == "FeatureCollection"
want = {}
for iid, form, x in db.execute("SELECT instance_id, form_id, xml FROM submissions WHERE form_id IN ('lc_establishment','lc_craft_village')"):
    gps = ET.fromstring(x).findtext("gps")
    if gps:
        lat, lon = map(float, gps.split()[:2])
        want[iid] = (lon, lat, form)
got = {f["properties"]["instance_id"]: f for f in g["features"]}
assert set(got) == set(want) and len(want) > 200, (len(got), len(want))
for iid, f in got.items():
    lon, lat, form = want[iid]
    assert f["geometry"] == {"type": "Point", "coordinates": [lon, lat]}, (f["geometry"], lon, lat)
    assert 102 < lon < 104 and 21 < lat < 23
    p = f["properties"]
    assert p["kind"] == ("establishment" if form == "lc_establishment" else "craft_village")
    assert p["commune_name"].startswith(("Xã", "Phường")) and p["name"], p
print("geojson ok", len(got))
PY

# --- Reports -----------------------------------------------------------------------------------
"$SERVER" report --data "$D" --year 2027 --as-of 2027-11-30 -o "$T/r1" > "$T/report.out"
grep -q "bao-cao-2027.html" "$T/report.out" || fail "report printed no summary: $(cat "$T/report.out")"
"$SERVER" report --data "$D" --year 2027 --as-of 2027-11-30 -o "$T/r2" > /dev/null
cmp "$T/r1/bao-cao-2027.xlsx" "$T/r2/bao-cao-2027.xlsx" || fail "two report workbooks of the same data and date differ"
cmp "$T/r1/bao-cao-2027.html" "$T/r2/bao-cao-2027.html" || fail "two report pages of the same data and date differ"
"$PY" - "$D/server.db" "$T/r1/bao-cao-2027.xlsx" "$(dirname "$0")/../../forms/communes.csv" <<'PY' || fail "the reports do not equal the database"
import csv, datetime, sqlite3, sys, xml.etree.ElementTree as ET
import openpyxl
db = sqlite3.connect(sys.argv[1])
wb = openpyxl.load_workbook(sys.argv[2])
communes = [r["label_vi"] for r in csv.DictReader(open(sys.argv[3], encoding="utf-8"))]
assert len(communes) == 38
state = {}
for iid, s in db.execute("SELECT instance_id, state FROM reviews ORDER BY id"):
    state[iid] = s
subs = [(iid, form, ET.fromstring(x)) for iid, form, x in db.execute("SELECT instance_id, form_id, xml FROM submissions")]
kept = [s for s in subs if state.get(s[0]) != "rejected"]
def rows(name):
    ws = wb[name]
    out = list(ws.iter_rows(min_row=5, values_only=True))
    return out
assert wb.sheetnames == ["Cơ sở CNNT", "Sản phẩm OCOP", "Làng nghề", "Sổ hỗ trợ", "Độ phủ khảo sát", "Chất lượng dữ liệu"], wb.sheetnames

# Coverage: every commune of communes.csv, in its order, zero rows included; counts per form.
cov = rows("Độ phủ khảo sát")
assert [r[0] for r in cov[:-1]] == communes, [r[0] for r in cov[:3]]
assert cov[-1][0] == "Tổng cộng / Total"
by_form = {"lc_establishment": 1, "lc_craft_village": 2, "lc_coop_needs": 3}
total = [0, 0, 0]
for _, form, _ in subs: total[by_form[form] - 1] += 1
assert list(cov[-1][1:4]) == total, (cov[-1], total)
approved = sum(1 for s in subs if state.get(s[0]) == "approved")
assert cov[-1][5] == approved, (cov[-1][5], approved)
assert sum(r[4] for r in cov[:-1]) == len(subs)

# Establishments: counts, workers and revenue of the A submissions not rejected.
est = rows("Cơ sở CNNT")
a = [x for _, f, x in kept if f == "lc_establishment"]
assert est[-1][3] == len(a), (est[-1], len(a))
assert est[-1][4] == sum(int(x.find(".//workers_total").text) for x in a)
rev = sum(float(x.findtext(".//revenue")) for x in a if x.findtext(".//revenue"))
assert abs(est[-1][5] - rev) < 1e-6, (est[-1][5], rev)
assert sum(r[3] for r in est[:-1]) == len(a)

# OCOP: one row per product of A and C not rejected; expiry = decision + 36 months, "expiring"
# within 6 months of the report date.
ocop = rows("Sản phẩm OCOP")
prods = [p for _, f, x in kept if f != "lc_craft_village" for p in x.iter("ocop_products")]
assert len(ocop) == len(prods) and len(prods) > 20, (len(ocop), len(prods))
today, soon = datetime.datetime(2027, 11, 30), datetime.datetime(2028, 5, 30)
expiring = 0
for p in prods:
    d = p.findtext("ocop_cert_date")
    if d and p.findtext("ocop_stars") in "345":
        dd = datetime.datetime.fromisoformat(d)
        e = dd.replace(year=dd.year + 3)
        expiring += today <= e <= soon
got_expiring = sum(1 for r in ocop if r[7].startswith("Sắp hết hạn"))
assert got_expiring == expiring and expiring > 0, (got_expiring, expiring)
assert all(isinstance(r[5], datetime.datetime) for r in ocop if r[5] is not None)

# Villages: one row per B not rejected.
vil = rows("Làng nghề")
assert len(vil) == sum(1 for _, f, _ in kept if f == "lc_craft_village")

# Ledger: every support received in A, B and C, and its total.
led = rows("Sổ hỗ trợ")
rec = [r for _, f, x in kept for r in x.iter("received")]
assert len(led) == len(rec) + 1 and len(rec) > 10
for form in ("lc_craft_village", "lc_coop_needs"):
    assert any(next(x.iter("received"), None) is not None for _, f, x in kept if f == form), form
assert abs(led[-1][4] - sum(float(r.findtext("rec_amount")) for r in rec)) < 1e-6

# Quality: the review verdicts and the devices not synced for 14 days before 2027-11-30 (all 5).
q = rows("Chất lượng dữ liệu")
reviews = [r for r in q if r[0] == "Kết quả duyệt / review"]
assert len(reviews) == sum(1 for s in subs if state.get(s[0]) != "approved"), len(reviews)
assert sum(1 for r in q if r[0].startswith("Thiết bị")) == 5
missing = [r for r in q if r[0].startswith("Thiếu dữ liệu")]
assert missing and all(r[5] for r in missing)
print("report xlsx ok")
PY

# Coverage lists every commune, also those without a survey (5 submissions over 38 communes).
"$SERVER" demo-data --data "$T/few" --seed 3 --year 2027 --count 5 > /dev/null
"$SERVER" report --data "$T/few" --year 2027 --as-of 2027-11-30 -o "$T/rf" > /dev/null
"$PY" - "$T/rf/bao-cao-2027.xlsx" <<'PY' || fail "coverage leaves out communes without a survey"
import openpyxl, sys
cov = list(openpyxl.load_workbook(sys.argv[1])["Độ phủ khảo sát"].iter_rows(min_row=5, values_only=True))
assert len(cov) == 39, len(cov)
zero = [r for r in cov[:-1] if r[4] == 0]
assert len(zero) >= 30, len(zero)
assert cov[-1][4] == 5, cov[-1]
PY

# The date is the server's clock unless --as-of: today, no device is 14 days late.
"$SERVER" report --data "$D" --year 2027 -o "$T/r3" > /dev/null
"$PY" -c "
import openpyxl, sys
q = list(openpyxl.load_workbook(sys.argv[1])['Chất lượng dữ liệu'].iter_rows(min_row=5, values_only=True))
assert not any(r[0].startswith('Thiết bị') for r in q)" "$T/r3/bao-cao-2027.xlsx" || fail "devices synced today are listed as late"

# --- The HTML page in headless Chromium --------------------------------------------------------
HTML=$T/r1/bao-cao-2027.html
if grep -Eq '(src|href)="(https?:|//|file:)|<link |<script|url\(' "$HTML"; then fail "the report page refers to something outside itself"; fi
CHROME=$(command -v chromium || command -v chromium-browser || true)
[[ -n "$CHROME" ]] || fail "chromium is not installed (scripts/setup)"
CH=(--headless=new --no-sandbox --disable-gpu --no-first-run --disable-extensions --user-data-dir="$T/chrome"
    --enable-logging=stderr --v=0)
"$CHROME" "${CH[@]}" --dump-dom "file://$HTML" > "$T/dom.html" 2> "$T/chrome.err" || fail "chromium: $(tail -5 "$T/chrome.err")"
if grep -E 'CONSOLE|Uncaught|ERR_FILE_NOT_FOUND|Failed to load' "$T/chrome.err"; then fail "the page logs errors"; fi
"$PY" - "$T/dom.html" "$T/r1/bao-cao-2027.xlsx" <<'PY' || fail "the rendered page lacks what the workbook has"
import sys, html.parser, openpyxl
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.table = None; self.rows = {}; self.svgs = 0; self.circles = 0; self.sections = []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table": self.table = a.get("id"); self.rows[self.table] = 0
        if tag == "tr" and self.table and self.in_body: self.rows[self.table] += 1
        if tag == "tbody": self.in_body = True
        if tag == "thead": self.in_body = False
        if tag == "svg": self.svgs += 1
        if tag == "circle": self.circles += 1
        if tag == "section": self.sections.append(a.get("id"))
    in_body = False
p = P(); p.feed(open(sys.argv[1], encoding="utf-8").read())
wb = openpyxl.load_workbook(sys.argv[2])
ids = ["establishments", "ocop", "villages", "ledger", "coverage", "quality"]
assert p.sections == ids, p.sections
for i, name in zip(ids, wb.sheetnames):
    n = wb[name].max_row - 4
    assert p.rows["t-" + i] == max(n, 1), (i, p.rows["t-" + i], n)
assert p.rows["t-coverage"] == 39
assert p.svgs >= 7 and p.circles > 200, (p.svgs, p.circles)
print("html dom ok")
PY
# The map labels each commune that has located records: a marker at the mean of their GPS points
# with the commune's counts of establishments (A), villages (B) and needs (A, B, C), rejected
# submissions left out, as the database holds them.
"$PY" - "$D/server.db" "$T/dom.html" <<'PY' || fail "the map's commune markers do not equal the database"
import sqlite3, sys, html.parser, collections, xml.etree.ElementTree as ET
db = sqlite3.connect(sys.argv[1])
state = {}
for iid, s in db.execute("SELECT instance_id, state FROM reviews ORDER BY id"):
    state[iid] = s
want = collections.defaultdict(lambda: {"a": 0, "b": 0, "needs": 0, "pts": []})
for iid, form, x in db.execute("SELECT instance_id, form_id, xml FROM submissions"):
    if state.get(iid) == "rejected":
        continue
    e = ET.fromstring(x)
    if not (e.findtext(".//survey_date") or e.findtext(".//reg_date") or "").startswith("2027"):
        continue
    w = want[e.findtext(".//commune")]
    w["a"] += form == "lc_establishment"
    w["b"] += form == "lc_craft_village"
    w["needs"] += int(e.findtext(".//n_needs") or 0)
    gps = e.findtext(".//gps")
    if gps and form != "lc_coop_needs":
        w["pts"].append(tuple(map(float, gps.split()[:2])))
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.markers = {}; self.cur = None; self.texts = collections.defaultdict(str)
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "g" and a.get("class") == "commune-marker":
            self.markers[a["data-commune"]] = a; self.cur = a["data-commune"]
    def handle_endtag(self, tag):
        if tag == "g": self.cur = None
    def handle_data(self, d):
        if self.cur: self.texts[self.cur] += d
p = P(); p.feed(open(sys.argv[2], encoding="utf-8").read())
located = {c: w for c, w in want.items() if w["pts"]}
assert set(p.markers) == set(located) and len(located) >= 30, (sorted(set(located) ^ set(p.markers)), len(located))
for c, w in located.items():
    m = p.markers[c]
    assert (int(m["data-establishments"]), int(m["data-villages"]), int(m["data-needs"])) == (w["a"], w["b"], w["needs"]), (c, m, w)
    lat = sum(q[0] for q in w["pts"]) / len(w["pts"]); lon = sum(q[1] for q in w["pts"]) / len(w["pts"])
    assert abs(float(m["data-lat"]) - lat) < 1e-5 and abs(float(m["data-lon"]) - lon) < 1e-5, (c, m, lat, lon)
    label = p.texts[c]
    assert f"{w['a']}" in label and f"{w['needs']}" in label, (c, label)
print("map markers ok:", len(p.markers), "communes")
PY
# Chart labels are read in full (long sector and commune names wrap, never cut): in Chromium each
# label stays inside its chart, left of the bars and clear of the next label, and the labels of the
# sector chart are the table's sectors, whole. The workbook wraps text cells in wide columns.
{ sed 's#</body></html>##' "$HTML"
  cat <<'JS'
<script>
const out = [];
for (const svg of document.querySelectorAll('svg.chart')) {
  const title = svg.querySelector('title').textContent, bar = svg.querySelector('rect').x.baseVal.value;
  let prev = -1;
  for (const t of svg.querySelectorAll('text[text-anchor="end"]')) {
    const b = t.getBBox(), spans = [...t.querySelectorAll('tspan')].map(s => s.textContent);
    out.push({chart: title, text: spans.length ? spans.join(' ') : t.textContent, left: b.x, right: b.x + b.width,
              bar: bar, overlap: b.y < prev - 0.5});
    prev = b.y + b.height;
  }
}
const pre = document.createElement('pre'); pre.id = 'probe'; pre.textContent = JSON.stringify(out);
document.body.appendChild(pre);
</script></body></html>
JS
} > "$T/r1/probe.html"
"$CHROME" "${CH[@]}" --dump-dom "file://$T/r1/probe.html" > "$T/probe.html" 2> "$T/chrome4.err" || fail "chromium: $(tail -5 "$T/chrome4.err")"
"$PY" - "$T/probe.html" "$T/r1/bao-cao-2027.xlsx" <<'PY' || fail "chart labels are cut, or the workbook cuts long names"
import html, json, re, sys, openpyxl
labels = json.loads(html.unescape(re.search(r'<pre id="probe">(.*?)</pre>', open(sys.argv[1], encoding="utf-8").read(), re.S).group(1)))
assert len(labels) > 50, len(labels)
for l in labels:
    assert "…" not in l["text"], ("cut", l)
    assert l["left"] >= 0 and l["right"] <= l["bar"] + 0.5, ("outside its place", l)
    assert not l["overlap"], ("overlaps the label above", l)
wb = openpyxl.load_workbook(sys.argv[2])
ws = wb["Cơ sở CNNT"]
sectors = {r[1] or "(chưa ghi / not given)" for r in ws.iter_rows(min_row=5, values_only=True)} - {"(chưa ghi / not given)"}
chart = {l["text"] for l in labels if l["chart"].startswith("Số cơ sở theo ngành nghề")}
assert sectors and sectors <= chart, ("the sector chart's labels are not the sectors", sorted(sectors - chart))
assert max(len(s) for s in sectors) > 60, sorted(sectors)   # the long ones are there to read
# In the workbook: text cells wrap, and a column of long names is wider than the default.
long_cells = [c for c in ws["B"][4:] if isinstance(c.value, str) and len(c.value) > 40]
assert long_cells and all(c.alignment.wrap_text for c in long_cells), "long sector names do not wrap"
assert ws.column_dimensions["B"].width >= 40, ws.column_dimensions["B"].width
print("chart labels ok:", len(labels), "labels, longest", max(len(l["text"]) for l in labels), "characters")
PY
# The map's commune labels as Chromium draws them: no label covers another label, another
# commune's marker or a leader line; every label stays inside the map; a label away from its marker
# has a leader line from the marker towards the label, one beside it has none.
{ sed 's#</body></html>##' "$HTML"
  cat <<'JS'
<script>
const svg = document.getElementById('map'), vb = svg.viewBox.baseVal, out = {labels: [], w: vb.width, h: vb.height};
for (const g of svg.querySelectorAll('g.commune-marker')) {
  const b = g.querySelector('text.commune-label').getBBox(), r = g.querySelector('rect'), l = g.querySelector('line.leader');
  const cx = r.x.baseVal.value + r.width.baseVal.value / 2, cy = r.y.baseVal.value + r.height.baseVal.value / 2;
  out.labels.push({code: g.dataset.commune, x0: b.x, y0: b.y, x1: b.x + b.width, y1: b.y + b.height, cx: cx, cy: cy,
                   leader: l ? [l.x1.baseVal.value, l.y1.baseVal.value, l.x2.baseVal.value, l.y2.baseVal.value] : null});
}
const pre = document.createElement('pre'); pre.id = 'probe'; pre.textContent = JSON.stringify(out);
document.body.appendChild(pre);
</script></body></html>
JS
} > "$T/r1/mapprobe.html"
"$CHROME" "${CH[@]}" --dump-dom "file://$T/r1/mapprobe.html" > "$T/mapprobe.html" 2> "$T/chrome5.err" || fail "chromium: $(tail -5 "$T/chrome5.err")"
"$PY" - "$T/mapprobe.html" <<'PY' || fail "map labels overlap, leave the map or lack their leader lines"
import html, json, math, re, sys
d = json.loads(html.unescape(re.search(r'<pre id="probe">(.*?)</pre>', open(sys.argv[1], encoding="utf-8").read(), re.S).group(1)))
L = d["labels"]
assert len(L) >= 30, len(L)
hit = lambda a, b: a["x0"] < b["x1"] and b["x0"] < a["x1"] and a["y0"] < b["y1"] and b["y0"] < a["y1"]
marker = lambda m: {"x0": m["cx"] - 6, "y0": m["cy"] - 6, "x1": m["cx"] + 6, "y1": m["cy"] + 6}
def through(seg, b):   # the segment passes through the box's interior (sampled)
    return any(b["x0"] + 0.5 < seg[0] + (seg[2] - seg[0]) * t / 100 < b["x1"] - 0.5 and
               b["y0"] + 0.5 < seg[1] + (seg[3] - seg[1]) * t / 100 < b["y1"] - 0.5 for t in range(1, 100))
leaders = 0
for a in L:
    assert a["x0"] >= 0 and a["y0"] >= 0 and a["x1"] <= d["w"] and a["y1"] <= d["h"], ("outside the map", a)
    for b in L:
        if b is a: continue
        assert not hit(a, b), ("labels overlap", a["code"], b["code"])
        assert not hit(a, marker(b)), ("label covers a marker", a["code"], b["code"])
        assert not (b["leader"] and through(b["leader"], a)), ("leader line through a label", b["code"], a["code"])
    gap = math.hypot(max(a["x0"] - a["cx"], 0, a["cx"] - a["x1"]), max(a["y0"] - a["cy"], 0, a["cy"] - a["y1"]))
    if a["leader"]:
        leaders += 1
        x1, y1, x2, y2 = a["leader"]
        assert abs(x1 - a["cx"]) < 0.2 and abs(y1 - a["cy"]) < 0.2, ("leader does not start at its marker", a)
        # It ends on the label's estimated box, which holds the drawn text: within reach of the text.
        far = math.hypot(max(a["x0"] - x2, 0, x2 - a["x1"]), max(a["y0"] - y2, 0, y2 - a["y1"]))
        assert far < 30, ("leader ends away from its label", a, far)
    else:
        assert gap < 10, ("label away from its marker without a leader line", a, gap)
print("map labels ok:", len(L), "labels,", leaders, "with leader lines")
PY
"$CHROME" "${CH[@]}" --window-size=1100,1500 --screenshot="$T/report.png" "file://$HTML" 2> "$T/chrome2.err" > /dev/null \
  || fail "chromium screenshot: $(tail -5 "$T/chrome2.err")"
[[ $(head -c 8 "$T/report.png" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]] || fail "no PNG screenshot"
"$CHROME" "${CH[@]}" --print-to-pdf="$T/report.pdf" --no-pdf-header-footer "file://$HTML" 2> "$T/chrome3.err" > /dev/null \
  || fail "chromium print: $(tail -5 "$T/chrome3.err")"
PAGES=$(grep -ac '/Type /Page$\|/Type /Page[^s]' "$T/report.pdf" || true)
[[ $PAGES -ge 6 ]] || fail "the printed report has $PAGES pages; expected a page break before each of the 6 reports"
if [[ -n "${KEEP_DIR:-}" ]]; then mkdir -p "$KEEP_DIR" && cp "$T/report.png" "$T/report.pdf" "$HTML" "$T/r1/bao-cao-2027.xlsx" "$KEEP_DIR/"; fi

# --- Bad input ---------------------------------------------------------------------------------
expect_fail() {  # STATUS PATTERN COMMAND...
  local want=$1 pattern=$2; shift 2
  local rc=0
  "$@" > "$T/bad.out" 2> "$T/bad.err" || rc=$?
  [[ $rc == "$want" ]] || fail "$* exited $rc, not $want: $(cat "$T/bad.err")"
  grep -q -- "$pattern" "$T/bad.err" || fail "$*: the message does not say '$pattern': $(cat "$T/bad.err")"
}
expect_fail 2 "four digits" "$SERVER" report --data "$D" --year 27 -o "$T/bad"
expect_fail 2 "four digits" "$SERVER" report --data "$D" --year 2027x -o "$T/bad"
expect_fail 2 "YYYY-MM-DD" "$SERVER" report --data "$D" --year 2027 --as-of 2027-02-30 -o "$T/bad"
touch "$T/afile"
expect_fail 2 "is a file" "$SERVER" report --data "$D" --year 2027 -o "$T/afile"
expect_fail 2 "data folder" "$SERVER" report --data "$D" --year 2027 -o "$D"
expect_fail 2 "no such folder" "$SERVER" report --data "$T/nowhere" --year 2027 -o "$T/bad"
[[ ! -e "$T/nowhere" && ! -e "$T/bad" ]] || fail "a refused report created something"
expect_fail 2 "needs -o" "$SERVER" export --data "$D" --format xlsx
expect_fail 2 "registry goes out" "$SERVER" export --data "$D" --format geojson --registry establishment
expect_fail 2 "not published" "$SERVER" export --data "$D" --format xlsx --form nope -o "$T/x.xlsx"
expect_fail 1 "" "$SERVER" export --data "$D" --format xlsx -o "$D/server.db"
"$SERVER" check --data "$D" > /dev/null || fail "the data folder is not whole after the refusals"
for c in report export; do "$SERVER" "$c" --help > /dev/null || fail "$c --help"; done
echo "office_report_test: ok"
