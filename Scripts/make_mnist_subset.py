#!/usr/bin/env python3
"""Writes the MNIST subset embedded in Glassbox: Sources/Glassbox/Datasets/mnist/.

    python3 Scripts/make_mnist_subset.py [MNIST_DIR]     # default ../shared/data/mnist

Takes the first 10 000 training and the first 2 000 test images and labels of the original
gzip-compressed IDX files, in their original order, and writes them in the same format with
only the count in each header changed, gzip level 9 with mtime 0 and no file name (so the
output is deterministic). Standard library only.
"""
import gzip
import hashlib
import os
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Sources", "Glassbox", "Datasets", "mnist")
COUNTS = {"train": 10_000, "t10k": 2_000}


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    zero, dtype, rank = struct.unpack(">HBB", data[:4])
    assert zero == 0 and dtype == 0x08, "%s: not a UInt8 IDX file" % path
    shape = struct.unpack(">%dI" % rank, data[4:4 + 4 * rank])
    return shape, data[4 + 4 * rank:]


def main():
    source = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared", "data", "mnist")
    os.makedirs(OUT, exist_ok=True)
    for prefix, count in COUNTS.items():
        for kind, magic in (("images-idx3-ubyte", 0x803), ("labels-idx1-ubyte", 0x801)):
            name = "%s-%s" % (prefix, kind)
            shape, payload = read_idx(os.path.join(source, name + ".gz"))
            per_item = len(payload) // shape[0]
            header = struct.pack(">I", magic) + struct.pack(">%dI" % len(shape), count, *shape[1:])
            data = header + payload[:count * per_item]
            with open(os.path.join(OUT, name + ".gz"), "wb") as f:
                f.write(gzip.compress(data, compresslevel=9, mtime=0))
            print("%s.gz: %s items, md5 of the uncompressed file %s"
                  % (name, count, hashlib.md5(data).hexdigest()))


if __name__ == "__main__":
    main()
