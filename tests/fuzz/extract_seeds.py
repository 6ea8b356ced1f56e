#!/usr/bin/env python3
"""Writes the committed seed corpora of the fuzz targets (tests/fuzz/corpus/<target>):

xpath: distinct XPath expressions from the conformance forms' binds and body (calculate,
  relevant, constraint, readonly, required, jr:count, nodeset, ref, value), at most MAX_SEEDS,
  chosen for variety (every function name and operator first), one file each named by its SHA-1.
session_script: for each form of fuzz_entries.cpp's kScriptForms, its conformance step script
  (tests/conformance/steps, compacted) and a binary-steps seed, each behind the form's index byte.
xform needs no committed seeds: scripts/fuzz copies the small conformance forms in.

Usage: tests/fuzz/extract_seeds.py
"""
import hashlib
import json
import pathlib
import re
import xml.etree.ElementTree as ET

MAX_SEEDS = 300
MAX_LEN = 400
ATTRS = {"calculate", "relevant", "constraint", "readonly", "required", "nodeset", "ref",
         "value", "{http://openrosa.org/javarosa}count", "saveIncomplete"}


def expressions(path):
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError:
        return
    for el in root.iter():
        for name, value in el.attrib.items():
            if name in ATTRS and value.strip():
                yield value.strip()


# Mirrors kScriptForms in fuzz_entries.cpp: the first input byte is an index into it.
SCRIPT_FORMS = [
    "repeats/13-repeat-count.xml", "repeats/12-NestedRepeat.xml",
    "repeats/08-complex-repeats.xml", "repeats/06-jr-test-add-repeat-calc.xml",
    "select/2-dynamic-selects-itemsets.xml", "computations/6-relevant-calculate-group.xml",
    "validation/1-validation.xml", "itext/01-itext-basic.xml", "date-and-time/date-and-time.xml",
    "value-types/numeric-value-types.xml", "rank/2-rank-with-choice-filter.xml",
    "test-scenario/two-secondary-instances-alt.xml", "xpath-fns/variadic-distance.xml",
    "geolocation/geoshape.xml",
]


def write_session_seeds(steps_dir, out):
    out.mkdir(parents=True, exist_ok=True)
    for i, form in enumerate(SCRIPT_FORMS):
        seeds = [bytes([i]) + bytes((i * 37 + k * 11) % 256 for k in range(48))]
        script = steps_dir / (form + ".seed1.steps.json")
        if script.exists():
            steps = json.loads(script.read_text())[:12]
            seeds.append(bytes([i]) + json.dumps(steps, ensure_ascii=False,
                                                 separators=(",", ":")).encode())
        for data in seeds:
            (out / hashlib.sha1(data).hexdigest()[:16]).write_bytes(data)


def main():
    here = pathlib.Path(__file__).resolve().parent
    forms = here.parent / "fixtures/odk-web-forms"
    out = here / "corpus/xpath"
    write_session_seeds(here.parent / "conformance/steps", here / "corpus/session_script")
    seen = set()
    for f in sorted(forms.rglob("*.xml")):
        seen.update(e for e in expressions(f) if len(e) <= MAX_LEN)
    # Prefer variety over volume: first the shortest expression calling each function name and
    # using each operator, then an even spread over the rest by length.
    ordered = sorted(seen, key=lambda e: (len(e), e))
    picked, features = [], set()
    for e in ordered:
        new = {m for m in re.findall(r"[A-Za-z][\w:-]*(?=\s*\()|[<>!=]=?|\bdiv\b|\bmod\b|\||\[", e)}
        if not new <= features:
            features |= new
            picked.append(e)
    rest = [e for e in ordered if e not in set(picked)]
    room = max(0, MAX_SEEDS - len(picked))
    if rest and room:
        step = max(1, len(rest) // room)
        picked += rest[::step][:room]
    picked = picked[:MAX_SEEDS]
    out.mkdir(parents=True, exist_ok=True)
    for e in picked:
        data = e.encode()
        (out / hashlib.sha1(data).hexdigest()[:16]).write_bytes(data)
    print(f"{len(picked)} expressions (of {len(seen)}) written to {out}")


if __name__ == "__main__":
    main()
