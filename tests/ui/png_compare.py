#!/usr/bin/env python3
"""Compares two screenshots of the same screen drawn by the app's two drawing paths.

Reads the PNGs khaosat-app writes (8-bit RGB or RGBA, not interlaced) with nothing but zlib, and
prints JSON: the size, how many pixels are not the white background (a blank frame has none),
the fraction of pixels whose colour differs by more than 64 in a channel (antialiasing and glyph
edges differ a little between OpenGL and SDL's software renderer; a missing widget or another
screen differs a lot), and the largest difference between the two images averaged over 8x8
blocks (a shifted or missing element shows there; an edge drawn a little differently does not).
Exit 1 when a limit is passed or either image is blank.

The defaults hold for the app's screens (fill_form_a.json at 360x800 and 1280x800, 6 December
2026: at most 0.037 of the pixels, blocks up to 89 where a line of text ends 2-3 pixels apart,
the software path baking glyphs at whole pixels; ink within 4%); another screen of the same walk
passes 140 in some block.
Usage: png_compare.py A.png B.png [--max-pixels F] [--max-block N] [--max-ink F] [--side OUT.png]
                      [--diff OUT.png]
  --max-pixels F  the fraction of pixels allowed to differ by more than 64 (default 0.06)
  --max-block N   the largest allowed difference of an 8x8 block's mean, 0-255 (default 120)
  --max-ink F     how far the two images' ink may differ, relative (default 0.1: missing text fails)
  --side OUT.png  writes A and B side by side, to look at; --diff OUT.png the differing pixels
"""
import argparse, json, struct, sys, zlib


def read_png(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit(f"{path}: not a PNG")
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or color not in (2, 6) or interlace:
                sys.exit(f"{path}: only 8-bit RGB/RGBA, not interlaced, is read here")
            channels = 4 if color == 6 else 3
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw, stride = zlib.decompress(idat), width * channels
    rows, prev = [], bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up, corner = prev[i], prev[i - channels] if i >= channels else 0
            if kind == 1: line[i] = (line[i] + left) & 255
            elif kind == 2: line[i] = (line[i] + up) & 255
            elif kind == 3: line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
        rows.append(bytes(b for x in range(width) for b in line[x * channels:x * channels + 3]))
        prev = line
    return width, height, rows


def write_png(path, width, height, rows):
    raw = b"".join(b"\x00" + r for r in rows)
    chunk = lambda kind, body: struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("a"); ap.add_argument("b")
    ap.add_argument("--max-pixels", type=float, default=0.06)
    ap.add_argument("--max-block", type=float, default=120)
    ap.add_argument("--max-ink", type=float, default=0.1)
    ap.add_argument("--side"); ap.add_argument("--diff")
    args = ap.parse_args()
    (w, h, a), (wb, hb, b) = read_png(args.a), read_png(args.b)
    if (w, h) != (wb, hb):
        print(json.dumps({"error": f"sizes differ: {w}x{h} and {wb}x{hb}"})); return 1
    differing, ink_a, ink_b, diff_rows = 0, 0, 0, []
    block = 8
    sums = [[0] * ((w + block - 1) // block) for _ in range((h + block - 1) // block)]
    for y in range(h):
        ra, rb, drow = a[y], b[y], bytearray(w * 3)
        for x in range(w):
            i = x * 3
            d = max(abs(ra[i] - rb[i]), abs(ra[i + 1] - rb[i + 1]), abs(ra[i + 2] - rb[i + 2]))
            ink_a += ra[i] + ra[i + 1] + ra[i + 2] < 720
            ink_b += rb[i] + rb[i + 1] + rb[i + 2] < 720
            sums[y // block][x // block] += (ra[i] + ra[i + 1] + ra[i + 2]) - (rb[i] + rb[i + 1] + rb[i + 2])
            if d > 64:
                differing += 1
                drow[i] = 255
        diff_rows.append(bytes(drow))
    worst = max(abs(s) for row in sums for s in row) / (3 * block * block)
    result = {"size": f"{w}x{h}", "ink_a": ink_a / (w * h), "ink_b": ink_b / (w * h),
              "differing_pixels": differing / (w * h), "worst_block": round(worst, 1)}
    print(json.dumps(result))
    if args.side:
        write_png(args.side, 2 * w + 4, h, [a[y] + b"\x80" * 12 + b[y] for y in range(h)])
    if args.diff:
        write_png(args.diff, w, h, diff_rows)
    if min(ink_a, ink_b) < 0.001 * w * h:
        print("blank: nothing but the background", file=sys.stderr); return 1
    failed = [what for what, bad in (("pixels", result["differing_pixels"] > args.max_pixels),
                                     ("block", worst > args.max_block),
                                     ("ink", abs(ink_a - ink_b) > args.max_ink * max(ink_a, ink_b))) if bad]
    if failed:
        print("differ beyond the limits: " + ", ".join(failed), file=sys.stderr); return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
