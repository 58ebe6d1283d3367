#!/usr/bin/env python3
"""Compares PNG files pixel by pixel, independently of Sharemark's own decoder.

    Scripts/png-pixels.py ROOT_A ROOT_B LIST      (LIST: one relative path per line)

For every path of LIST, decodes ROOT_A/PATH and ROOT_B/PATH (greyscale, RGB, palette, with or
without alpha, bit depths 1-16, any row filter; not interlaced: neither writer interlaces) and
compares width, height and every pixel: palette images (what Sharemark and qrencode write) as
indices into palettes that must be equal in RGBA and of the same bit depth, others as RGBA.
Prints one line per differing or unreadable file and a summary; exits 1 when any file is
missing, unreadable or differs. The benchmark scripts use it so that a run whose output is
wrong prints no speed-up. Standard library only (zlib), so it needs no package.
"""
import struct
import sys
import zlib


def decode(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, palette, trns = 8, [], None, None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if zlib.crc32(kind + body) != struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])[0]:
            raise ValueError(f"bad CRC in {kind.decode('latin-1')}")
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if interlace:
                raise ValueError("interlaced")
        elif kind == b"PLTE":
            palette = [tuple(body[i:i + 3]) for i in range(0, len(body), 3)]
        elif kind == b"tRNS":
            trns = body
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        pos += 12 + length
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour]
    bits = channels * depth
    stride = (width * bits + 7) // 8
    step = max(1, bits // 8)
    raw = zlib.decompress(b"".join(idat))
    if len(raw) != height * (stride + 1):
        raise ValueError("image data of the wrong size")
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - step] if i >= step else 0
            b = previous[i]
            c = previous[i - step] if i >= step else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
            elif kind != 0:
                raise ValueError(f"row filter {kind}")
        rows.append(bytes(line))
        previous = line
    if colour == 3:
        # Palette images (both writers' output) compare as rows of indices into the same RGBA
        # palette: expanding every pixel in Python would take minutes for an archive.
        rgba = [entry + ((trns[i] if trns is not None and i < len(trns) else 255),) for i, entry in enumerate(palette)]
        spare = stride * 8 - width * bits
        mask = (0xFF << spare) & 0xFF
        return width, height, (depth, tuple(rgba), [row[:-1] + bytes([row[-1] & mask]) for row in rows])
    pixels = []
    for line in rows:
        for x in range(width):
            if depth < 8:
                bit = x * bits
                samples = [(line[bit // 8] >> (8 - depth - bit % 8)) & ((1 << depth) - 1)]
            else:
                size = depth // 8
                start = x * channels * size
                samples = [int.from_bytes(line[start + k * size:start + (k + 1) * size], "big") >> (depth - 8)
                           for k in range(channels)]
            if colour == 0:
                grey = samples[0] * 255 // ((1 << depth) - 1) if depth < 8 else samples[0]
                pixels.append((grey, grey, grey, 255))
            elif colour == 4:
                pixels.append((samples[0],) * 3 + (samples[1],))
            elif colour == 2:
                pixels.append(tuple(samples) + (255,))
            else:
                pixels.append(tuple(samples))
    return width, height, pixels


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    root_a, root_b, listing = sys.argv[1:]
    paths = [line.strip() for line in open(listing) if line.strip()]
    bad = 0
    for path in paths:
        try:
            a = decode(f"{root_a}/{path}")
            b = decode(f"{root_b}/{path}")
        except (OSError, ValueError, KeyError, zlib.error, struct.error) as error:
            print(f"{path}: {error}")
            bad += 1
            continue
        if a[:2] != b[:2]:
            print(f"{path}: {a[0]}x{a[1]} against {b[0]}x{b[1]}")
            bad += 1
        elif a[2] != b[2]:
            print(f"{path}: the pixels differ")
            bad += 1
    print(f"png-pixels: {len(paths) - bad} of {len(paths)} files pixel-identical")
    sys.exit(1 if bad or not paths else 0)


if __name__ == "__main__":
    main()
