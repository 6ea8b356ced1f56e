#!/usr/bin/env python3
"""Form size and growth, run by `scripts/bench scale`: the khaosat CLI on generated big forms and
long scripts, each in its own process, with its wall time, CPU time and peak RSS (wait4).

usage: bench_scale.py KHAOSAT BENCH_XLSFORM OUT_DIR [--quick]

Cases (inputs are generated into OUT_DIR, never stored in git):
  questions .md    form check / form convert of 10k, 20k, 50k, 100k rows (bench_xlsform's
                   generated survey: groups, repeats, selects, ${} references, two languages)
  flat .md         form check / form convert of 10k, 100k text questions in one flat survey
                   (the issue's 2.9 MB case)
  questions .xlsx  form check of 10k, 50k, 100k, 300k rows (the same survey as a workbook; 300k
                   passes the reader's 64 MB bound on one sheet and is refused, as it should be)
  choices          form convert of one select over a list of 10k, 20k, 50k, 100k choices
  selects          form convert of 250, 500 selects (100 with --quick) over one list of 50,000
                   choices (plain labels in a translated form: the itext question is answered
                   once per list); the session still copies the list's choices into each
                   select (selects x choices: 500 selects take about 1.5 GB)
  XForm            form check of a flat XForm of 10k, 100k questions (itext labels)
  set steps        form fill --compact of 100k, 1M `set` steps on a two-question form
  itemset          form check of an inline itemset of 100k, 1M items
The growth ratios are time(size) / time(smallest size) against size / smallest size, for each
size: equal means linear; with them, the peak RSS the largest size has over the smallest, per
row (question, choice, step or item) more. CPU time (user + system) is the figure to read on a shared machine;
the 2-second target for 100,000 questions or choices (issue 9) is on it.
"""
import os
import subprocess
import sys
import time


def run(cmd, stdout=subprocess.DEVNULL, may_refuse=False):
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE)
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    code = os.waitstatus_to_exitcode(status)
    figures = {"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "rss_mib": ru.ru_maxrss / 1024}
    if code == 1 and may_refuse:  # a limit of the engine (docs/limits.md), told, not a failure
        figures["refused"] = err.decode(errors="replace").strip().splitlines()[0][:300]
        return figures
    if code != 0:
        sys.exit(f"bench_scale: {' '.join(cmd)} exited {code}: {err.decode(errors='replace')[:500]}")
    return figures


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def flat_md(out, n):
    """The issue's case: n distinct text questions in one flat survey (about 2.9 MB at 100k)."""
    lines = ["| survey | type | name | label |"]
    lines += [f"| | text | q{i} | Question {i} |" for i in range(n)]
    return write(out, "\n".join(lines) + "\n")


def choices_md(out, n):
    lines = ["| survey | type | name | label |", "| | select_one big | pick | Pick one |",
             "| choices | list_name | name | label |"]
    lines += [f"| | big | c{i} | Choice {i} |" for i in range(n)]
    return write(out, "\n".join(lines) + "\n")


XFORM_HEAD = ('<?xml version="1.0"?>\n<h:html xmlns="http://www.w3.org/2002/xforms" '
              'xmlns:h="http://www.w3.org/1999/xhtml" xmlns:jr="http://openrosa.org/javarosa">'
              '<h:head><h:title>{title}</h:title><model>')


def selects_md(out, selects, n):
    """`selects` select_one over one list of n choices; the survey's labels are translated (the
    form uses itext), the list's are not."""
    lines = ["| survey | type | name | label::English (en) |"]
    lines += [f"| | select_one big | s{i} | Select {i} |" for i in range(selects)]
    lines += ["| choices | list_name | name | label |"]
    lines += [f"| | big | c{i} | Choice {i} |" for i in range(n)]
    return write(out, "\n".join(lines) + "\n")


def flat_xform(out, n):
    with open(out, "w", encoding="utf-8") as f:
        f.write(XFORM_HEAD.format(title="flat"))
        f.write('<itext><translation lang="en" default="true()">')
        for i in range(n):
            f.write(f'<text id="/data/q{i}:label"><value>Question {i}</value></text>')
        f.write('</translation></itext><instance><data id="flat">')
        for i in range(n):
            f.write(f"<q{i}/>")
        f.write("<meta><instanceID/></meta></data></instance>")
        for i in range(n):
            f.write(f'<bind nodeset="/data/q{i}" type="{"int" if i % 2 else "string"}"/>')
        f.write('<bind nodeset="/data/meta/instanceID" type="string" readonly="true()" '
                'jr:preload="uid"/></model></h:head><h:body>')
        for i in range(n):
            f.write(f'<input ref="/data/q{i}"><label ref="jr:itext(\'/data/q{i}:label\')"/></input>')
        f.write("</h:body></h:html>\n")
    return out


def itemset_xform(out, n):
    with open(out, "w", encoding="utf-8") as f:
        f.write(XFORM_HEAD.format(title="itemset"))
        f.write('<instance><data id="items"><pick/><meta><instanceID/></meta></data></instance>'
                '<instance id="big"><root>')
        for i in range(n):
            f.write(f"<item><name>c{i}</name><label>Choice {i}</label></item>")
        f.write('</root></instance><bind nodeset="/data/pick" type="string"/>'
                '<bind nodeset="/data/meta/instanceID" type="string" readonly="true()" '
                'jr:preload="uid"/></model></h:head><h:body><select1 ref="/data/pick">'
                "<label>Pick</label><itemset nodeset=\"instance('big')/root/item\">"
                '<value ref="name"/><label ref="label"/></itemset></select1></h:body></h:html>\n')
    return out


def steps_case(out_dir, n):
    form = os.path.join(out_dir, "steps-form.xml")
    if not os.path.exists(form):
        with open(form, "w", encoding="utf-8") as f:
            f.write(XFORM_HEAD.format(title="steps"))
            f.write('<instance><data id="steps"><a/><b/></data></instance>'
                    '<bind nodeset="/data/a" type="int" constraint=". &lt; 1000"/>'
                    '<bind nodeset="/data/b" type="string" calculate="concat(\'x\', /data/a)"/>'
                    '</model></h:head><h:body><input ref="/data/a"><label>A</label></input>'
                    "</h:body></h:html>\n")
    script = os.path.join(out_dir, f"steps-{n}.json")
    with open(script, "w", encoding="utf-8") as f:
        f.write("[" + ",".join(f'{{"set":"/data/a","value":{i % 2000}}}' for i in range(n)) + "]\n")
    return form, script


def size_name(n):
    if n < 1000:
        return str(n)
    return f"{n // 1000000}M" if n % 1000000 == 0 else f"{n // 1000}k"


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    k, x, out = sys.argv[1], sys.argv[2], sys.argv[3]
    quick = "--quick" in sys.argv[4:]
    os.makedirs(out, exist_ok=True)
    results = []  # (case, size, figures)

    def measure(case, n, cmd, **kw):
        r = run(cmd, **kw)
        if "refused" in r:
            print(f"{case:28s} {size_name(n):>5s}  refused in {r['cpu']:.2f} s cpu, peak RSS "
                  f"{r['rss_mib']:.1f} MiB: {r['refused']}", flush=True)
            return
        results.append((case, n, r))
        print(f"{case:28s} {size_name(n):>5s}  wall {r['wall']:7.2f} s  cpu {r['cpu']:7.2f} s  "
              f"peak RSS {r['rss_mib']:8.1f} MiB", flush=True)

    def gen_xlsform(n, ext):
        path = os.path.join(out, f"questions-{n}.{ext}")
        if not os.path.exists(path):
            subprocess.run([x, "generate", str(n), path], check=True, stdout=subprocess.DEVNULL)
        return path

    print(f"== form size and growth (Release, {os.cpu_count()} cores; load average "
          f"{os.getloadavg()[0]:.1f})")
    sizes = [10000, 20000] if quick else [10000, 20000, 50000, 100000]
    for n in sizes:
        md = gen_xlsform(n, "md")
        measure("questions .md: form check", n, [k, "form", "check", md])
        measure("questions .md: form convert", n, [k, "form", "convert", md])
    for n in ([10000] if quick else [10000, 100000]):
        path = flat_md(os.path.join(out, f"flat-{n}.md"), n)
        measure("flat .md: form check", n, [k, "form", "check", path])
        measure("flat .md: form convert", n, [k, "form", "convert", path])
    for n in ([10000] if quick else [10000, 50000, 100000, 300000]):
        # 300,000 rows pass the workbook reader's 64 MB bound on one sheet: refused, by design.
        measure("questions .xlsx: form check", n, [k, "form", "check", gen_xlsform(n, "xlsx")],
                may_refuse=n > 100000)
    for n in ([10000] if quick else [10000, 20000, 50000, 100000]):
        path = choices_md(os.path.join(out, f"choices-{n}.md"), n)
        measure("choices: form convert", n, [k, "form", "convert", path])
    for n in ([100] if quick else [250, 500]):
        path = selects_md(os.path.join(out, f"selects-{n}.md"), n, 50000)
        measure("selects over 50k choices", n, [k, "form", "convert", path])
    for n in ([10000] if quick else [10000, 100000]):
        path = flat_xform(os.path.join(out, f"xform-{n}.xml"), n)
        measure("XForm: form check", n, [k, "form", "check", path])
    for n in ([10000] if quick else [100000, 1000000]):
        form, script = steps_case(out, n)
        measure("set steps: form fill", n, [k, "form", "fill", form, script, "--compact"])
    for n in ([10000] if quick else [100000, 1000000]):
        path = itemset_xform(os.path.join(out, f"itemset-{n}.xml"), n)
        measure("inline itemset: form check", n, [k, "form", "check", path])

    print("growth (cpu time of each size / the smallest's, against the size ratio; equal = linear):")
    cases = []
    for case, _, _ in results:
        if case not in cases:
            cases.append(case)
    for case in cases:
        rows = [(n, r) for c, n, r in results if c == case]
        if len(rows) < 2:
            continue
        n0, r0 = rows[0]
        steps = ", ".join(f"{size_name(n)} x{n / n0:g} -> cpu x{r['cpu'] / max(r0['cpu'], 1e-3):.1f}"
                          for n, r in rows[1:])
        n1, r1 = rows[-1]
        # Memory per row: what the largest size's peak has over the smallest's, per row more
        # (the process's own baseline cancels out).
        per_row = (r1["rss_mib"] - r0["rss_mib"]) * 1024 * 1024 / (n1 - n0)
        print(f"  {case:28s} from {size_name(n0)}: {steps}; peak RSS "
              f"x{r1['rss_mib'] / max(r0['rss_mib'], 1e-3):.1f}, {per_row:,.0f} bytes per row more")

    # Issue 9's target: 100,000 questions or choices load and convert in <= 2 s (CPU time).
    at_100k = [(c, r) for c, n, r in results if n == 100000 and not c.startswith(("set steps", "inline"))]
    if at_100k:
        print("target: 100,000 questions or choices in <= 2 s of CPU time (issue 9):")
        for case, r in at_100k:
            verdict = "met" if r["cpu"] <= 2.0 else "NOT met"
            print(f"  {case:28s} cpu {r['cpu']:5.2f} s, peak RSS {r['rss_mib']:6.1f} MiB: {verdict}")


if __name__ == "__main__":
    main()
