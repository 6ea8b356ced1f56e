#!/usr/bin/env python3
"""scripts/bench app: the desktop app under Xvfb (Mesa llvmpipe), Release build.

Cold start to first frame (a fresh database: the built-in forms are compiled and installed; then
a warm start on the same database), frame time on a generated 1,000-question form (a question
page and the overview) and on form A with 200 product instances (a page and the overview),
resident memory and what it is made of (anonymous pages, the app's own, beside mapped files such as
llvmpipe's libLLVM; /proc/self/status and smaps_rollup). Targets: <= 300 ms, <= 16 ms, <= 80 MB.
Usage: bench_app.py KHAOSAT_APP FORMS_DIR WORK_DIR
"""
import json, os, shutil, subprocess, sys

app, forms, work = sys.argv[1:4]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)


def run(name, steps, db, forms_dir, size="360x800"):
    walk = os.path.join(work, name + ".json")
    with open(walk, "w", encoding="utf-8") as f:
        json.dump(steps, f, ensure_ascii=False)
    out = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1400x1000x24", app, "--walk", walk, "--size", size,
                          "--db", db, "--forms", forms_dir, "--offline", "--stats"],
                         capture_output=True, text=True, env=dict(os.environ, TZ="UTC", LIBGL_ALWAYS_SOFTWARE="1"))
    if out.returncode != 0:
        sys.exit(f"bench app: walk {name} failed: {out.stderr.strip()}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# A generated form: 1,000 integer questions, each with a constraint and a relevance on the one before.
big = os.path.join(work, "big")
os.makedirs(big)
rows = ["| settings |", "| | form_title | form_id | version |", "| | Bench 1000 | bench_1000 | 1 |", "",
        "| survey |", "| | type | name | label | relevant | constraint |"]
for i in range(1000):
    rel = f"${{q{i - 1}}} != 7" if i else ""
    rows.append(f"| | integer | q{i} | Câu hỏi số {i + 1} | {rel} | . >= 0 |")
with open(os.path.join(big, "big.md"), "w", encoding="utf-8") as f:
    f.write("\n".join(rows) + "\n")

home = [{"expect": "Điền biểu mẫu"}]
cold = run("cold", home, os.path.join(work, "cold.db"), forms)
warm = run("warm", home, os.path.join(work, "cold.db"), forms)
page = [{"tap": "Điền biểu mẫu"}, {"tap": "Bench 1000"}, {"tap": "Tiếp ›"}, {"frames": 120}]
big_page = run("big-page", page, os.path.join(work, "big.db"), big)
big_over = run("big-overview", page[:-1] + [{"tap": "Mục lục"}, {"scroll": 20000}, {"frames": 120}],
               os.path.join(work, "big.db"), big)

# Form A with 200 products: add them at the "add another?" prompt (4 questions each; the name is
# required, and an empty required answer keeps "Tiếp ›" on its question).
name = [{"tap": "Tên sản phẩm *"}, {"type": "Chè"}]
steps = [{"tap": "Điền biểu mẫu"}, {"tap": "A. Khảo sát cơ sở"}, {"tap": "Mục lục"}, {"scroll": "+ Sản phẩm"},
         {"tap": "+ Sản phẩm"}]
for _ in range(199):
    steps += [{"tap": "Thêm"}] + name + [{"tap": "Tiếp ›"}, {"tap": "Tiếp ›"}, {"tap": "Tiếp ›"}, {"tap": "Tiếp ›"}]
steps += [{"expect": "Đã có 200 mục."}, {"tap": "‹ Trước"}, {"frames": 120}]
a_page = run("a-200-page", steps, os.path.join(work, "a.db"), forms)
a_over = run("a-200-overview", steps[:-1] + [{"tap": "Mục lục"}, {"scroll": 3000}, {"frames": 120}],
             os.path.join(work, "a2.db"), forms)

print("== app (Release, Xvfb + llvmpipe, 360x800)")
print(f"cold start to first frame: {cold['first_frame_ms']:.0f} ms (fresh database, built-in forms installed); "
      f"warm {warm['first_frame_ms']:.0f} ms (target <= 300 ms)")
for name, r in (("1,000-question form, a question page", big_page), ("1,000-question form, the overview", big_over),
                ("form A with 200 products, a page", a_page), ("form A with 200 products, the overview", a_over)):
    print(f"{name:42s} frame median {r['last120_median_ms']:.2f} ms  p95 {r['last120_p95_ms']:.2f} ms  "
          f"max {r['last120_max_ms']:.2f} ms (target <= 16 ms); RSS {r['rss_kib'] / 1024:.0f} MiB, "
          f"peak {r['peak_rss_kib'] / 1024:.0f} MiB (target <= 80 MB)")
    # RSS counts every page mapped in: most of it is llvmpipe (libLLVM, swrast_dri.so), which a
    # phone's GPU driver does not load. RssAnon is mostly the app's own (heap, stacks, buffers) but
    # also holds the libraries' relocated data pages (libLLVM's ~8 MiB): docs/app.md, "Speed".
    print(f"{'':42s} RSS = anon {r['rss_anon_kib'] / 1024:.1f} + file {r['rss_file_kib'] / 1024:.1f} + shmem "
          f"{r['rss_shmem_kib'] / 1024:.1f} MiB; private dirty {r['private_dirty_kib'] / 1024:.1f} MiB, "
          f"PSS {r['pss_kib'] / 1024:.1f} MiB")
print(f"{'the home screen, no form open':42s} RSS {warm['rss_kib'] / 1024:.0f} MiB = anon "
      f"{warm['rss_anon_kib'] / 1024:.1f} + file {warm['rss_file_kib'] / 1024:.1f} + shmem "
      f"{warm['rss_shmem_kib'] / 1024:.1f} MiB; private dirty {warm['private_dirty_kib'] / 1024:.1f} MiB, "
      f"PSS {warm['pss_kib'] / 1024:.1f} MiB")
