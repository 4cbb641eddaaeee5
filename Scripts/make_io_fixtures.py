#!/usr/bin/env python3
"""Writes the GlassboxIO test fixtures into Tests/GlassboxIOTests/Fixtures/.

Needs numpy, torch and safetensors, e.g.:
    /work/main/.venv-torch/bin/python Scripts/make_io_fixtures.py

Every file is deterministic (fixed values, gzip mtime 0). `expected.json` lists, for each
fixture, the dtype, shape and the exact little-endian C-order bytes (hex) a reader must return,
plus float64 (and for 16-bit floats float32) conversions for checking ArrayData's readers.
"""
import gzip
import io
import json
import os
import struct
import zlib

import numpy as np
import torch
import safetensors.numpy
import safetensors.torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "GlassboxIOTests", "Fixtures")

NP_TO_GB = {
    np.dtype("float64"): "f64", np.dtype("float32"): "f32", np.dtype("float16"): "f16",
    np.dtype("int64"): "i64", np.dtype("int32"): "i32", np.dtype("int16"): "i16",
    np.dtype("int8"): "i8", np.dtype("uint8"): "u8", np.dtype("bool"): "bool",
}


def path(name):
    return os.path.join(OUT, name)


def describe(array):
    """Expected entry for a numpy array (any byte order/layout): LE C-order bytes."""
    native = array.astype(array.dtype.newbyteorder("<"), order="C")
    entry = {
        "dtype": NP_TO_GB[native.dtype.newbyteorder("=")],
        "shape": list(native.shape),
        "hex": native.tobytes().hex(),
        "f64hex": native.astype("<f8").tobytes().hex(),
    }
    if native.dtype.kind == "f" and native.dtype.itemsize == 2:
        entry["f32hex"] = native.astype("<f4").tobytes().hex()
    return entry


def describe_torch(tensor):
    if tensor.dtype == torch.bfloat16:
        bits = tensor.contiguous().view(torch.int16).numpy().astype("<i2")
        return {
            "dtype": "bf16",
            "shape": list(tensor.shape),
            "hex": bits.tobytes().hex(),
            "f64hex": tensor.double().numpy().astype("<f8").tobytes().hex(),
            "f32hex": tensor.float().numpy().astype("<f4").tobytes().hex(),
        }
    return describe(tensor.numpy())


# ----------------------------------------------------------------------------------------------
# Values

F32 = np.array([0.0, -0.0, 1.5, -2.25, 3.4028235e38, 1e-45, np.inf, -np.inf, np.nan, 0.1],
               dtype=np.float32).reshape(2, 5)
F64 = np.array([0.0, -0.0, 1.5, -2.25, 1.7976931348623157e308, 5e-324, np.inf, -np.inf, np.nan,
                0.1], dtype=np.float64).reshape(5, 2)
F16 = np.array([0.0, -0.0, 1.0, -2.5, 65504.0, 2.0**-14, 2.0**-24, 3 * 2.0**-24, np.inf, -np.inf,
                np.nan, 0.1], dtype=np.float16).reshape(3, 4)
I64 = np.array([0, -1, 2**62, -2**63, 2**63 - 1, 12345], dtype=np.int64).reshape(2, 3)
I32 = np.array([0, -1, 2**31 - 1, -2**31, 7, -123456], dtype=np.int32).reshape(3, 2)
I16 = np.array([0, -1, 32767, -32768], dtype=np.int16)
I8 = np.array([0, -1, 127, -128, 5], dtype=np.int8)
U8 = np.array([0, 1, 127, 128, 255, 42], dtype=np.uint8).reshape(2, 3)
BOOL = np.array([True, False, True, True], dtype=np.bool_).reshape(2, 2)
BF16 = torch.tensor([0.0, -0.0, 1.0, -2.5, 3.0e38, 1e-40, float("inf"), float("-inf"), float("nan"),
                     0.1], dtype=torch.bfloat16).reshape(2, 5)


def payload():
    """About 20 KB of deterministic, compressible text."""
    words = ["tensor", "gradient", "kernel", "glass", "box", "swift", "inflate", "huffman",
             "deflate", "stream", "block", "symbol", "distance", "length", "literal"]
    state = 12345
    out = []
    for _ in range(3000):
        state = (state * 1103515245 + 12345) % 2**31
        out.append(words[state % len(words)])
        if state % 11 == 0:
            out.append("\n")
    return " ".join(out).encode()


def gzip_member(data, deflated, flags=0, extra=b"", name=b"", comment=b""):
    header = bytearray(b"\x1f\x8b\x08" + bytes([flags]) + b"\x00\x00\x00\x00\x00\xff")
    if flags & 4:
        header += struct.pack("<H", len(extra)) + extra
    if flags & 8:
        header += name + b"\x00"
    if flags & 16:
        header += comment + b"\x00"
    if flags & 2:
        header += struct.pack("<H", zlib.crc32(bytes(header)) & 0xFFFF)
    return bytes(header) + deflated + struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF)


def raw_deflate(data, level=9, strategy=zlib.Z_DEFAULT_STRATEGY):
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15, 9, strategy)
    return compressor.compress(data) + compressor.flush()


def main():
    os.makedirs(OUT, exist_ok=True)
    for name in os.listdir(OUT):
        os.remove(path(name))
    expected = {"npy": [], "npz": [], "safetensors": [], "gzip": [], "idx": []}

    # --- .npy ------------------------------------------------------------------------------
    npy = {
        "f4.npy": F32, "f8.npy": F64, "f2.npy": F16, "i8.npy": I64, "i4.npy": I32, "i2.npy": I16,
        "i1.npy": I8, "u1.npy": U8, "b1.npy": BOOL,
        "be_f4.npy": F32.astype(">f4"), "be_f8.npy": F64.astype(">f8"),
        "be_i8.npy": I64.astype(">i8"), "be_i4.npy": I32.astype(">i4"),
        "fortran_f4.npy": np.asfortranarray(np.arange(24, dtype=np.float32).reshape(2, 3, 4) * 0.5),
        "fortran_i8.npy": np.asfortranarray(I64.reshape(3, 2)),
        "fortran_be_f8.npy": np.asfortranarray(F64.reshape(2, 5).astype(">f8")),
        "scalar.npy": np.array(2.5, dtype=np.float64),
        "empty.npy": np.zeros((0, 3), dtype=np.float32),
    }
    for name, array in npy.items():
        np.save(path(name), array, allow_pickle=False)
        expected["npy"].append({"file": name, **describe(array)})
    for version in [(2, 0), (3, 0)]:
        name = f"v{version[0]}.npy"
        with open(path(name), "wb") as f:
            np.lib.format.write_array(f, F32, version=version, allow_pickle=False)
        expected["npy"].append({"file": name, **describe(F32)})

    # --- .npz ------------------------------------------------------------------------------
    arrays = {"weights": F32, "labels": U8, "mask": BOOL, "ids": I64}
    np.savez(path("savez.npz"), **arrays)
    big = (np.arange(1200, dtype=np.float32) % 37) * 0.25
    compressed = {"big": big.reshape(30, 40), "labels": U8, "weights": F64}
    np.savez_compressed(path("savez_compressed.npz"), **compressed)
    for name, contents in [("savez.npz", arrays), ("savez_compressed.npz", compressed)]:
        expected["npz"].append({"file": name, "arrays": [{"name": k, **describe(v)} for k, v in contents.items()]})

    # --- safetensors -------------------------------------------------------------------------
    tensors = {
        "f64": torch.from_numpy(F64.copy()), "f32": torch.from_numpy(F32.copy()),
        "f16": torch.from_numpy(F16.copy()), "bf16": BF16, "i64": torch.from_numpy(I64.copy()),
        "i32": torch.from_numpy(I32.copy()), "i16": torch.from_numpy(I16.copy()),
        "i8": torch.from_numpy(I8.copy()), "u8": torch.from_numpy(U8.copy()),
        "bool": torch.from_numpy(BOOL.copy()), "scalar": torch.tensor(3.5, dtype=torch.float32),
        "empty": torch.zeros(0, 3, dtype=torch.float32),
        "layer.0.weight": torch.arange(6, dtype=torch.float32).reshape(2, 3),
    }
    metadata = {"format": "pt", "note": "Glassbox fixture \u00fc\u2713"}
    safetensors.torch.save_file(tensors, path("torch_all.safetensors"), metadata=metadata)
    np_tensors = {"a": F32, "b": I64, "c": BOOL, "d": F16}
    safetensors.numpy.save_file(np_tensors, path("numpy.safetensors"))
    safetensors.numpy.save_file({}, path("empty.safetensors"))
    for name, contents, meta in [("torch_all.safetensors", tensors, metadata),
                                 ("numpy.safetensors", {k: torch.from_numpy(v) for k, v in np_tensors.items()}, None),
                                 ("empty.safetensors", {}, None)]:
        with open(path(name), "rb") as f:
            (n,) = struct.unpack("<Q", f.read(8))
            header = json.loads(f.read(n))  # keeps the file's key order
        order = [k for k in header if k != "__metadata__"]
        expected["safetensors"].append({
            "file": name, "metadata": meta or {},
            "tensors": [{"name": k, **describe_torch(contents[k])} for k in order],
        })

    # --- gzip / deflate --------------------------------------------------------------------
    data = payload()
    with open(path("payload.txt"), "wb") as f:
        f.write(data)
    with open(path("stored.gz"), "wb") as f:  # stored blocks
        f.write(gzip_member(data, raw_deflate(data, level=0)))
    with open(path("fixed.gz"), "wb") as f:  # fixed Huffman blocks
        f.write(gzip_member(data, raw_deflate(data, strategy=zlib.Z_FIXED)))
    buffer = io.BytesIO()  # dynamic Huffman, FNAME, via Python's gzip writer
    with gzip.GzipFile(filename="payload.txt", mode="wb", fileobj=buffer, mtime=0) as g:
        g.write(data)
    with open(path("dynamic.gz"), "wb") as f:
        f.write(buffer.getvalue())
    with open(path("flags.gz"), "wb") as f:  # FTEXT | FHCRC | FEXTRA | FNAME | FCOMMENT
        f.write(gzip_member(data, raw_deflate(data), flags=1 | 2 | 4 | 8 | 16, extra=b"GB\x02\x00hi",
                            name=b"payload.txt", comment=b"a comment"))
    half = len(data) // 2
    with open(path("multi.gz"), "wb") as f:  # two members
        f.write(gzip_member(data[:half], raw_deflate(data[:half])) +
                gzip_member(data[half:], raw_deflate(data[half:], strategy=zlib.Z_FIXED)))
    with open(path("bomb.gz"), "wb") as f:  # 8 MiB of zeros
        zeros = bytes(8 << 20)
        f.write(gzip_member(zeros, raw_deflate(zeros)))
    for name in ["stored.gz", "fixed.gz", "dynamic.gz", "flags.gz", "multi.gz"]:
        expected["gzip"].append({"file": name, "payload": "payload.txt"})
    expected["gzip_bomb"] = {"file": "bomb.gz", "size": 8 << 20}

    # --- IDX -------------------------------------------------------------------------------
    images = (np.arange(2 * 3 * 4, dtype=np.uint8) * 11).reshape(2, 3, 4)
    labels = np.array([5, 0, 4, 1, 9], dtype=np.uint8)
    ints = np.array([[1, -2], [70000, -2**31]], dtype=np.int32)
    doubles = np.array([0.5, -1.25, 1e300], dtype=np.float64)

    def idx_bytes(array, code):
        header = bytes([0, 0, code, array.ndim]) + b"".join(struct.pack(">I", d) for d in array.shape)
        return header + array.astype(array.dtype.newbyteorder(">")).tobytes()

    files = {"images-idx3-ubyte": (images, 0x08), "labels-idx1-ubyte": (labels, 0x08),
             "ints-idx2-int": (ints, 0x0C), "doubles-idx1-double": (doubles, 0x0E)}
    for name, (array, code) in files.items():
        with open(path(name), "wb") as f:
            f.write(idx_bytes(array, code))
        expected["idx"].append({"file": name, **describe(array)})
    with open(path("images-idx3-ubyte.gz"), "wb") as f:
        f.write(gzip.compress(idx_bytes(images, 0x08), mtime=0))
    expected["idx"].append({"file": "images-idx3-ubyte.gz", **describe(images)})

    with open(path("expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    total = sum(os.path.getsize(path(n)) for n in os.listdir(OUT))
    print(f"wrote {len(os.listdir(OUT))} files, {total} bytes, into {OUT}")


if __name__ == "__main__":
    main()
