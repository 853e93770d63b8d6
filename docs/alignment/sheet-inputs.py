#!/usr/bin/env python3
"""The frames of docs/alignment-sheet.png: scikit-image's astronaut photograph (NASA, public domain;
Debian package python3-skimage-lib), its top 512x320 pixels as in Tests/Fixtures, turned by +20 and
-20 degrees, shrunk into a 720x576 (MMI) and a 320x240 (Oulu-CASIA) frame, and a blank frame, as
PNG files in OUT/happy/ (the folder layout). Needs numpy. Usage: sheet-inputs.py OUT"""
import os, struct, sys, zlib
import numpy as np

SOURCE = "/usr/lib/python3/dist-packages/skimage/data/astronaut.png"


def read_png(path):
    """8-bit RGB, non-interlaced PNG (what the source is)."""
    data = open(path, "rb").read()
    pos, idat = 8, b""
    while pos < len(data):
        n, = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            w, h, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and colour == 2 and interlace == 0, "expected an 8-bit RGB PNG"
        elif kind == b"IDAT":
            idat += body
    raw, stride, ch = zlib.decompress(idat), w * 3, 3
    out, prev, i = np.zeros((h, stride), np.int32), np.zeros(stride, np.int32), 0
    for y in range(h):
        f, line = raw[i], np.frombuffer(raw[i + 1:i + 1 + stride], np.uint8).astype(np.int32)
        i += 1 + stride
        cur = np.zeros(stride, np.int32)
        for x in range(stride):
            a = cur[x - ch] if x >= ch else 0
            b, c = prev[x], (prev[x - ch] if x >= ch else 0)
            p = [0, a, b, (a + b) // 2][f] if f < 4 else (
                a if abs(b - c) <= abs(a - c) and abs(b - c) <= abs(a + b - 2 * c) else (b if abs(a - c) <= abs(a + b - 2 * c) else c))
            cur[x] = (line[x] + p) & 255
        out[y], prev = cur, cur
    return out.reshape(h, w, 3).astype(np.float32)


def write_png(path, img):
    img = np.clip(img + 0.5, 0, 255).astype(np.uint8)
    h, w, _ = img.shape
    chunk = lambda t, b: struct.pack(">I", len(b)) + t + b + struct.pack(">I", zlib.crc32(t + b) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + img[y].tobytes() for y in range(h))
    open(path, "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                           + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def bilinear(img, sx, sy):
    h, w, _ = img.shape
    sx, sy = np.clip(sx, 0, w - 1.001), np.clip(sy, 0, h - 1.001)
    x0, y0 = sx.astype(int), sy.astype(int)
    fx, fy = (sx - x0)[..., None], (sy - y0)[..., None]
    return (img[y0, x0] * (1 - fx) * (1 - fy) + img[y0, x0 + 1] * fx * (1 - fy)
            + img[y0 + 1, x0] * (1 - fx) * fy + img[y0 + 1, x0 + 1] * fx * fy)


def rotate(img, degrees, cx, cy):
    """Turned counter-clockwise on screen about (cx, cy); mid-gray outside."""
    h, w, _ = img.shape
    t = np.deg2rad(degrees)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    sx = cx + np.cos(t) * (xs - cx) - np.sin(t) * (ys - cy)
    sy = cy + np.sin(t) * (xs - cx) + np.cos(t) * (ys - cy)
    out = bilinear(img, sx, sy)
    out[(sx < 0) | (sy < 0) | (sx > w - 1) | (sy > h - 1)] = 128
    return out


def framed(img, scale, width, height, x, y):
    h, w, _ = img.shape
    nh, nw = int(h * scale), int(w * scale)
    ys, xs = np.mgrid[0:nh, 0:nw].astype(np.float32)
    out = np.full((height, width, 3), 110, np.float32)
    out[y:y + nh, x:x + nw] = bilinear(img, (xs + 0.5) / scale - 0.5, (ys + 0.5) / scale - 0.5)
    return out


photo = read_png(SOURCE)[:320]
folder = os.path.join(sys.argv[1], "happy")
os.makedirs(folder, exist_ok=True)
for name, img in {"A1_1_1": photo, "A1_2_1": rotate(photo, 20, 225, 125), "A1_3_1": rotate(photo, -20, 225, 125),
                  "A1_4_1": framed(photo, 0.7, 720, 576, 300, 150), "A1_5_1": framed(photo, 0.45, 320, 240, 60, 30),
                  "A1_6_1": np.full((240, 320, 3), 120, np.float32)}.items():
    write_png(os.path.join(folder, name + ".png"), img)
