#!/usr/bin/env python3
"""PNG fixtures for GlassboxIO's reader, and a check of Glassbox's PNG writer.

    python3 Scripts/make_png_fixtures.py            # writes Tests/GlassboxIOTests/Fixtures/png/
    python3 Scripts/make_png_fixtures.py --check DIR

The fixtures are written by an independent encoder built on Python's zlib: every colour type
and bit depth PNG allows, rows cycling through the five filter types, several IDAT chunks,
ancillary chunks, stored/fixed/dynamic deflate, and malformed files. `expected.json` holds for
each good file the width, height, channels and hex of the 8-bit pixels a reader must return,
and for each bad file the exact error message ("{file}" stands for the path).

--check decodes every `*.png` in DIR with the pure-Python decoder below (zlib + unfiltering)
and compares it with the `*.raw` file of the same name (the 8-bit pixels Glassbox wrote, after
a `W H C` header line); the files come from
    GLASSBOX_IO_EXPORT_DIR=DIR swift test --filter PNGTests
Only the standard library is used (zlib, struct, json).
"""
import json
import os
import struct
import sys
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "GlassboxIOTests", "Fixtures", "png")
SIGNATURE = b"\x89PNG\r\n\x1a\n"
SAMPLES = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def ihdr(width, height, depth, color, interlace=0):
    return chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, color, 0, 0, interlace))


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def predict(kind, left, up, up_left):
    return [0, left, up, (left + up) // 2, paeth(left, up, up_left)][kind]


def filter_rows(rows, bpp):
    """Row y gets filter y % 5, so every image of 5+ rows uses all five."""
    out = bytearray()
    previous = bytes(len(rows[0]))
    for y, row in enumerate(rows):
        kind = y % 5
        out.append(kind)
        for i, value in enumerate(row):
            left = row[i - bpp] if i >= bpp else 0
            up_left = previous[i - bpp] if i >= bpp else 0
            out.append((value - predict(kind, left, previous[i], up_left)) & 0xFF)
        previous = row
    return bytes(out)


def unfilter(data, width, height, bits_per_pixel):
    row_bytes = (width * bits_per_pixel + 7) // 8
    bpp = max(1, bits_per_pixel // 8)
    assert len(data) == height * (row_bytes + 1), "image data size"
    rows, previous = [], bytearray(row_bytes)
    for y in range(height):
        kind = data[y * (row_bytes + 1)]
        raw = data[y * (row_bytes + 1) + 1:(y + 1) * (row_bytes + 1)]
        row = bytearray(row_bytes)
        for i in range(row_bytes):
            left = row[i - bpp] if i >= bpp else 0
            up_left = previous[i - bpp] if i >= bpp else 0
            row[i] = (raw[i] + predict(kind, left, previous[i], up_left)) & 0xFF
        rows.append(bytes(row))
        previous = row
    return rows


class Random:
    """A tiny LCG so the fixtures need nothing beyond the standard library."""

    def __init__(self, seed):
        self.state = seed

    def next(self, bound):
        self.state = (self.state * 6364136223846793005 + 1442695040888963407) % 2**64
        return (self.state >> 33) % bound


def pack_samples(values, depth):
    """Packs one row of samples of `depth` bits, MSB first (or big-endian 16-bit)."""
    if depth == 16:
        return b"".join(struct.pack(">H", v) for v in values)
    if depth == 8:
        return bytes(values)
    out, accumulator, bits = bytearray(), 0, 0
    for v in values:
        accumulator = accumulator << depth | v
        bits += depth
        if bits == 8:
            out.append(accumulator)
            accumulator, bits = 0, 0
    if bits:
        out.append(accumulator << (8 - bits))
    return bytes(out)


def to8(value, depth):
    if depth == 16:
        return (value * 255 + 32767) // 65535
    return value * 255 // ((1 << depth) - 1)


def make(width, height, depth, color, seed, *, palette=None, trns=None, level=9, idat_parts=1,
         extra_before=b"", strategy=zlib.Z_DEFAULT_STRATEGY):
    rng = Random(seed)
    samples = SAMPLES[color]
    top = (len(palette) if palette else 1 << depth) if color == 3 else 1 << depth
    values = [[rng.next(top) for _ in range(width * samples)] for _ in range(height)]
    # Smooth gradients too, so the filters and matches have something to do.
    for y in range(height):
        for i in range(0, width * samples, 3):
            values[y][i] = (y * 7 + i * 3) % top
    rows = [pack_samples(r, depth) for r in values]
    bpp = max(1, samples * depth // 8)
    compressor = zlib.compressobj(level, zlib.DEFLATED, 15, 9, strategy)
    data = compressor.compress(filter_rows(rows, bpp)) + compressor.flush()
    step = (len(data) + idat_parts - 1) // idat_parts
    idats = b"".join(chunk(b"IDAT", data[i:i + step]) for i in range(0, len(data), step))
    head = ihdr(width, height, depth, color)
    if palette:
        head += chunk(b"PLTE", b"".join(bytes(p) for p in palette))
    if trns is not None:
        head += chunk(b"tRNS", bytes(trns))
    png = SIGNATURE + head + extra_before + idats + chunk(b"IEND", b"")
    if color == 3:
        channels = 4 if trns is not None else 3
        pixels = bytearray()
        for r in values:
            for index in r:
                pixels += bytes(palette[index])
                if channels == 4:
                    pixels.append(trns[index] if index < len(trns) else 255)
    else:
        channels = samples
        pixels = bytes(to8(v, depth) for r in values for v in r)
    return png, {"width": width, "height": height, "channels": channels, "hex": bytes(pixels).hex()}


def generate():
    os.makedirs(OUT, exist_ok=True)
    rng = Random(99)
    palette = [(rng.next(256), rng.next(256), rng.next(256)) for _ in range(11)]
    good = {
        "gray8.png": make(7, 6, 8, 0, 1),
        "gray16.png": make(4, 5, 16, 0, 2),
        "gray1.png": make(11, 5, 1, 0, 3),
        "gray2.png": make(6, 5, 2, 0, 4),
        "gray4.png": make(5, 5, 4, 0, 5),
        "gray_alpha8.png": make(5, 5, 8, 4, 6),
        "gray_alpha16.png": make(3, 5, 16, 4, 7),
        "rgb8.png": make(6, 5, 8, 2, 8),
        "rgb16.png": make(3, 5, 16, 2, 9),
        "rgba8.png": make(5, 6, 8, 6, 10),
        "rgba16.png": make(2, 5, 16, 6, 11),
        "palette8.png": make(6, 5, 8, 3, 12, palette=palette),
        "palette4_trns.png": make(5, 5, 4, 3, 13, palette=palette, trns=[0, 128, 255, 7]),
        "palette2.png": make(9, 5, 2, 3, 14, palette=palette[:4]),
        "palette1.png": make(10, 5, 1, 3, 15, palette=palette[:2]),
        "stored.png": make(8, 5, 8, 2, 16, level=0),
        "fixed_huffman.png": make(9, 5, 8, 0, 17, strategy=zlib.Z_FIXED),
        "multi_idat.png": make(16, 8, 8, 6, 18, idat_parts=4,
                               extra_before=chunk(b"tEXt", b"Comment\x00made by make_png_fixtures.py")),
        "large.png": make(37, 53, 8, 2, 19),
    }
    expected = {"images": {}, "errors": {}}
    for name, (png, entry) in good.items():
        write(name, png)
        expected["images"][name] = entry

    base, _ = make(4, 5, 8, 0, 20)
    ihdr_end = 8 + 25
    idat_start = base.index(b"IDAT") - 4
    idat_length = struct.unpack(">I", base[idat_start:idat_start + 4])[0]
    idat_crc_at = idat_start + 8 + idat_length
    iend = base[idat_crc_at + 4:]

    def raw_png(width, height, depth, color, rows_data, interlace=0, extra=b""):
        return SIGNATURE + ihdr(width, height, depth, color, interlace) + extra + \
            chunk(b"IDAT", zlib.compress(rows_data, 9)) + chunk(b"IEND", b"")

    bad_crc = bytearray(base)
    bad_crc[idat_crc_at + 3] ^= 0x01
    stored_crc = struct.unpack(">I", bad_crc[idat_crc_at:idat_crc_at + 4])[0]
    actual_crc = zlib.crc32(base[idat_start + 4:idat_crc_at])
    adler_bad = bytearray(zlib.compress(bytes(5 * 5), 9))
    adler_bad[-1] ^= 0xFF
    stored_adler = struct.unpack(">I", adler_bad[-4:])[0]
    actual_adler = zlib.adler32(bytes(5 * 5))
    bad = {
        "bad_signature.png": (b"\x89PNG\r\n\x1a\x0b" + base[8:],
                              "{file}: not a PNG file (it does not start with the signature 89 50 4E 47 0D 0A 1A 0A)"),
        "bad_crc.png": (bytes(bad_crc),
                        "{file}: chunk IDAT: CRC-32 is 0x%08x, the file says 0x%08x" % (actual_crc, stored_crc)),
        "truncated.png": (base[:idat_start + 8 + idat_length // 2], "{file}: file ends inside the IDAT chunk"),
        "no_iend.png": (base[:idat_crc_at + 4], "{file}: file ends before the IEND chunk"),
        "interlaced.png": (raw_png(4, 5, 8, 0, bytes(5 * 5), interlace=1),
                           "{file}: interlace method 1 (Adam7) is not supported; only non-interlaced images (method 0) can be read"),
        "bad_bit_depth.png": (raw_png(4, 5, 4, 2, bytes(5 * 3)),
                              "{file}: bit depth 4 is not supported for colour type 2 (RGB); supported: 8, 16"),
        "bad_color_type.png": (raw_png(4, 5, 8, 5, bytes(5 * 5)),
                               "{file}: invalid IHDR chunk: colour type 5, expected 0, 2, 3, 4 or 6"),
        "bad_filter.png": (raw_png(4, 5, 8, 0, bytes(5 * 2) + b"\x05" + bytes(4) + bytes(5 * 2)),
                           "{file}: row 2: invalid filter type 5 (expected 0...4)"),
        "short_data.png": (raw_png(4, 5, 8, 0, bytes(5 * 4)),
                           "{file}: image data decompresses to 20 bytes, the header's size needs 25"),
        "long_data.png": (raw_png(4, 5, 8, 0, bytes(5 * 6)),
                          "{file}: image data decompresses to more than 25 bytes, the header's size needs 25"),
        "bad_adler.png": (SIGNATURE + ihdr(4, 5, 8, 0) + chunk(b"IDAT", bytes(adler_bad)) + chunk(b"IEND", b""),
                          "{file}: image data: zlib Adler-32 is 0x%08x, trailer says 0x%08x" % (actual_adler, stored_adler)),
        "no_idat.png": (SIGNATURE + ihdr(4, 5, 8, 0) + chunk(b"IEND", b""), "{file}: no IDAT chunk"),
        "idat_first.png": (SIGNATURE + base[ihdr_end:], "{file}: chunk IDAT comes before IHDR"),
        "unknown_critical.png": (raw_png(4, 5, 8, 0, bytes(25), extra=chunk(b"ABCD", b"x")),
                                 "{file}: unknown critical chunk ABCD"),
        "no_palette.png": (raw_png(4, 5, 8, 3, bytes(25)), "{file}: no PLTE chunk"),
        "palette_index.png": (raw_png(2, 1, 8, 3, b"\x00\x01\x02", extra=chunk(b"PLTE", bytes(6))),
                              "{file}: palette index 2 outside the 2-entry palette"),
    }
    assert iend == chunk(b"IEND", b"")
    for name, (png, message) in bad.items():
        write(name, png)
        expected["errors"][name] = message
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def decode(png):
    """Decodes an 8-bit non-interlaced gray/GA/RGB/RGBA PNG (what Glassbox writes)."""
    assert png[:8] == SIGNATURE, "signature"
    position, data, header = 8, b"", None
    while True:
        length, kind = struct.unpack(">I4s", png[position:position + 8])
        body = png[position + 8:position + 8 + length]
        crc = struct.unpack(">I", png[position + 8 + length:position + 12 + length])[0]
        assert crc == zlib.crc32(kind + body), "CRC of %s" % kind
        position += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            data += body
        elif kind == b"IEND":
            break
    width, height, depth, color, _, _, interlace = header
    assert depth == 8 and interlace == 0
    channels = SAMPLES[color]
    rows = unfilter(zlib.decompress(data), width, height, 8 * channels)
    return width, height, channels, b"".join(rows)


def check(directory):
    names = sorted(n for n in os.listdir(directory) if n.endswith(".png"))
    assert names, "no PNG files in " + directory
    for name in names:
        with open(os.path.join(directory, name), "rb") as f:
            decoded = decode(f.read())
        with open(os.path.join(directory, name[:-4] + ".raw"), "rb") as f:
            header, pixels = f.read().split(b"\n", 1)
        expected = tuple(int(v) for v in header.split()) + (pixels,)
        if decoded != expected:
            sys.exit("MISMATCH " + name)
    print("ALL EXACT (%d PNG files)" % len(names))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        check(sys.argv[2])
    else:
        generate()
