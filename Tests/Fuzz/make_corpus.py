#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz harnesses: Tests/Fuzz/Corpus/<harness>/.

Each corpus holds small valid files (copied from Tests/GlassboxIOTests/Fixtures and
Tests/Fixtures, or written here) and the malformed inputs the IO tests construct (bad magic,
truncations, overflowing or 2^40-element shapes, bad checksums, gaps and overlaps). Run from
the repository root with any Python 3 that has numpy (the torch venv does):

    /work/main/.venv-torch/bin/python Tests/Fuzz/make_corpus.py

Re-running rewrites the same bytes. Files that libFuzzer adds while running go to
.build-fuzz/corpus/, not here.
"""
import glob
import gzip
import json
import os
import shutil
import struct
import zlib

ROOT = "Tests/Fuzz/Corpus"
IO = "Tests/GlassboxIOTests/Fixtures"


def put(harness, name, data):
    os.makedirs(f"{ROOT}/{harness}", exist_ok=True)
    with open(f"{ROOT}/{harness}/{name}", "wb") as f:
        f.write(data)


def copy(harness, path, name=None):
    os.makedirs(f"{ROOT}/{harness}", exist_ok=True)
    shutil.copyfile(path, f"{ROOT}/{harness}/{name or os.path.basename(path)}")


def read(path):
    with open(path, "rb") as f:
        return f.read()


def safetensors(header, data=b"", pad=True):
    text = header.encode() if isinstance(header, str) else json.dumps(header, separators=(",", ":")).encode()
    if pad:
        text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + data


def npy(header, data=b""):
    text = header.encode()
    text += b" " * ((64 - (10 + len(text) + 1) % 64) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text + data


def png_chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png(width, height, bit_depth, color_type, raw, interlace=0):
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, interlace)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(raw, 9))
            + png_chunk(b"IEND", b""))


def raw_deflate(data, level):
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def main():
    if os.path.isdir(ROOT):
        shutil.rmtree(ROOT)
    payload = read(f"{IO}/payload.txt")[:2000]

    # safetensors
    for name in ["numpy.safetensors", "torch_all.safetensors", "empty.safetensors"]:
        copy("safetensors", f"{IO}/{name}")
    copy("safetensors", "Tests/Fixtures/state_dict/torch_sequential.safetensors")
    four = b"\0" * 4
    entry = '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'
    for name, header, data in [
        ("missing_dtype", '{"a":{"shape":[1],"data_offsets":[0,4]}}', four),
        ("negative_shape", '{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}', four),
        ("reversed_offsets", '{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}', four),
        ("metadata_not_string", '{"__metadata__":{"n":1}}', b""),
        ("duplicate", '{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}', b"\1\2"),
        ("overlap", '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', b"\0" * 8),
        ("gap", '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}', b"\0" * 12),
        ("leftover", entry, b"\0" * 8),
        ("overflow", '{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}', four),
        ("huge_2_40", '{"a":{"dtype":"F32","shape":[1048576,1048576],"data_offsets":[0,4398046511104]}}', four),
        ("float_shape", '{"a":{"dtype":"F32","shape":[1e30],"data_offsets":[0,4]}}', four),
        ("all_dtypes", '{"a":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]},"b":{"dtype":"BOOL","shape":[1],"data_offsets":[4,5]},'
         '"c":{"dtype":"I8","shape":[],"data_offsets":[5,6]},"__metadata__":{"k":"v"}}', b"\x80\x3f\x00\x40\x01\x07"),
    ]:
        put("safetensors", f"{name}.safetensors", safetensors(header, data))
    put("safetensors", "header_past_end.safetensors", struct.pack("<Q", 1000) + b"{}")
    put("safetensors", "header_too_large.safetensors", struct.pack("<Q", 1 << 40) + b"{}      ")

    # npy
    for path in sorted(glob.glob(f"{IO}/*.npy")):
        copy("npy", path)
    for index, header in enumerate([
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}",
        "{'descr': '<f4', 'fortran_order': False}",
        "{'descr': '<f4', 'fortran_order': Nope, 'shape': (2,)}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2)}",
        "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}",
        "{'descr': '<c8', 'fortran_order': False, 'shape': (1,)}",
        "{'descr': '|f4', 'fortran_order': False, 'shape': (2,)}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296)}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (1048576, 1048576)}",
        "{'descr': '>i2', 'fortran_order': True, 'shape': (2, 0, 3)}",
    ]):
        put("npy", f"bad_header_{index}.npy", npy(header, b"\0" * 8))
    f4 = read(f"{IO}/f4.npy")
    put("npy", "truncated_header.npy", f4[:40])
    put("npy", "truncated_data.npy", f4[:-1])
    put("npy", "version4.npy", f4[:6] + b"\x04" + f4[7:])

    # npz (and the zip reader under it)
    for name in ["savez.npz", "savez_compressed.npz"]:
        copy("npz", f"{IO}/{name}")
    compressed = bytearray(read(f"{IO}/savez_compressed.npz"))
    stored = bytearray(read(f"{IO}/savez.npz"))
    bad_crc = bytearray(stored)
    bad_crc[14] ^= 0xFF  # the first local header's CRC-32 (the reader checks the directory's)
    directory = stored.rfind(b"PK\x01\x02")
    bad_crc[directory + 16] ^= 0xFF
    put("npz", "bad_crc.npz", bytes(bad_crc))
    put("npz", "truncated.npz", bytes(stored[: len(stored) // 2]))
    put("npz", "no_directory.npz", bytes(stored[:-22]))
    corrupt = bytearray(compressed)
    corrupt[60] ^= 0x55
    put("npz", "corrupt_deflate.npz", bytes(corrupt))

    # IDX, raw and gzip
    for name in ["images-idx3-ubyte", "images-idx3-ubyte.gz", "labels-idx1-ubyte", "ints-idx2-int", "doubles-idx1-double"]:
        copy("idx", f"{IO}/{name}")
    put("idx", "huge_dims", b"\0\0\x08\x03" + struct.pack(">III", 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF) + b"\0" * 4)
    put("idx", "huge_2_40", b"\0\0\x0d\x02" + struct.pack(">II", 1 << 20, 1 << 20) + b"\0" * 4)
    put("idx", "truncated_dims", b"\0\0\x08\x03\0\0\0\x02")
    put("idx", "bad_magic", b"\1\0\x08\x01\0\0\0\x01\x05")
    put("idx", "bad_type", b"\0\0\x0a\x01\0\0\0\x01\x05")
    put("idx", "huge_2_40.gz", gzip.compress(b"\0\0\x08\x02" + struct.pack(">II", 1 << 20, 1 << 20) + b"\0" * 64, mtime=0))

    # gzip
    for name in ["fixed.gz", "dynamic.gz", "flags.gz", "multi.gz", "bomb.gz"]:
        copy("gzip", f"{IO}/{name}")
    fixed = read(f"{IO}/fixed.gz")
    stored_gz = gzip.compress(payload, compresslevel=0, mtime=0)
    put("gzip", "stored.gz", stored_gz)
    put("gzip", "block_type_3.gz", stored_gz[:10] + bytes([stored_gz[10] | 0x06]) + stored_gz[11:])
    put("gzip", "stored_length.gz", stored_gz[:11] + bytes([stored_gz[11] ^ 0xFF]) + stored_gz[12:])
    put("gzip", "half.gz", fixed[: len(fixed) // 2])
    put("gzip", "short_trailer.gz", fixed[:-3])
    put("gzip", "trailing.gz", fixed + b"\0\0\0")
    put("gzip", "bad_crc.gz", fixed[:-8] + bytes([fixed[-8] ^ 0xFF]) + fixed[-7:])
    put("gzip", "two_members.gz", fixed + fixed)

    # zlib
    for level in [0, 1, 9]:
        put("zlib", f"level{level}.zlib", zlib.compress(payload, level))
    put("zlib", "empty.zlib", zlib.compress(b""))
    good = zlib.compress(payload[:200], 9)
    put("zlib", "bad_check.zlib", good[:1] + bytes([good[1] ^ 1]) + good[2:])
    put("zlib", "fdict.zlib", b"\x78\xbb" + good[2:])
    put("zlib", "bad_adler.zlib", good[:-1] + bytes([good[-1] ^ 1]))
    put("zlib", "trailing.zlib", good + b"\0")
    put("zlib", "truncated.zlib", good[:-2])

    # raw deflate
    for level in [0, 1, 6, 9]:
        put("inflate", f"level{level}.deflate", raw_deflate(payload, level))
    put("inflate", "repeats.deflate", raw_deflate(b"ab" * 3000, 9))
    put("inflate", "empty.deflate", raw_deflate(b"", 9))
    put("inflate", "block_type_3", b"\x07")
    put("inflate", "far_distance", raw_deflate(b"xyz" * 10, 9)[:3] + b"\xff\xff")

    # PNG
    for path in sorted(glob.glob(f"{IO}/png/*.png")):
        copy("png", path)
    put("png", "huge_ihdr.png", png(0x7FFFFFFF, 0x7FFFFFFF, 8, 0, b"\0" * 16))
    put("png", "huge_2_40.png", png(1 << 20, 1 << 20, 1, 0, b"\0" * 16))
    put("png", "huge_rows_1bit.png", png(1 << 17, 1 << 17, 1, 3, b"\0" * 64))

    # PGM
    samples = [
        ("binary.pgm", b"P5\n3 2\n255\n" + bytes(range(6))),
        ("binary16.pgm", b"P5 2 1 65535\n\x01\x02\xff\xff"),
        ("plain.pgm", b"P2\n# comment\n3 2\n9\n0 1 2\n3 # mid\n4 9\n"),
        ("not_pgm.pgm", b"P6\n1 1\n255\n\0"),
        ("missing_height.pgm", b"P5\n2"),
        ("zero_width.pgm", b"P5\n0 2 255\n"),
        ("maxval.pgm", b"P2\n2 2 70000\n"),
        ("no_whitespace.pgm", b"P5\n2 2 255"),
        ("short.pgm", b"P5\n2 2 255\n\1\2\3"),
        ("over_maxval.pgm", b"P5\n2 1 100\n\x64\x65"),
        ("negative.pgm", b"P2\n2 1 255\n1 -2"),
        ("huge.pgm", b"P5\n2147483647 2147483647 255\n\0"),
        ("huge_plain.pgm", b"P2 1048576 1048576 255 1 2 3"),
    ]
    for name, data in samples:
        put("pgm", name, data)

    # Reference case files: every distinct one of the committed fixtures, plus malformed ones.
    seen = set()
    for path in sorted(glob.glob("Tests/Fixtures/reference/*/case.json")):
        text = read(path)
        if text not in seen:
            seen.add(text)
            put("case_json", os.path.basename(os.path.dirname(path)) + ".json", text)
    for name, text in [
        ("not_object.json", "[1, 2]"),
        ("extra_key.json", '{"module": "ReLU", "weights": 1}'),
        ("module_number.json", '{"module": 3}'),
        ("unknown_module.json", '{"module": "Transformer"}'),
        ("bad_args.json", '{"module": "Linear", "args": {"in_features": "x", "out_features": 2}}'),
        ("negative.json", '{"module": "Linear", "args": {"in_features": -1, "out_features": 2}}'),
        ("unknown_arg.json", '{"module": "ReLU", "args": {"inplace": false, "x": 1}}'),
        ("escapes.json", '{"module": "\\u0052eLU", "args": {}, "train": null, "x": [1e308, -0.0, "\\ud83d\\ude00"]}'),
        ("truncated.json", '{"module": "Linear", "args": {"in_fea'),
        ("deep.json", "[" * 200 + "]" * 200),
        # Layers too large to allocate (ran out of memory before the parameter cap).
        ("huge_linear.json", '{"module": "Linear", "args": {"in_features": 100000, "out_features": 100000}}'),
        ("huge_conv.json", '{"module": "Conv2d", "args": {"in_channels": 3000, "out_channels": 3000, "kernel_size": 300}}'),
        ("huge_batchnorm.json", '{"module": "BatchNorm2d", "args": {"num_features": 4611686018427387904}}'),
    ]:
        put("case_json", name, text.encode())

    # Checkpoints of the harness's model (Linear(3,4), BatchNorm1d(4), ReLU, Linear(4,2)) and
    # its Adam optimizer, as Checkpoint.save writes them; then broken variants.
    import numpy as np
    rng = np.random.default_rng(0)
    shapes = [("0.weight", [4, 3]), ("0.bias", [4]), ("1.weight", [4]), ("1.bias", [4]), ("3.weight", [2, 4]), ("3.bias", [2])]
    tensors = {f"model.{n}": rng.standard_normal(s).astype(np.float32) for n, s in shapes}
    tensors["model.1.running_mean"] = np.zeros(4, np.float32)
    tensors["model.1.running_var"] = np.ones(4, np.float32)
    tensors["model.1.num_batches_tracked"] = np.array(3, np.float32)
    for i, (_, s) in enumerate(shapes):
        tensors[f"optimizer.state.{i}.exp_avg"] = rng.standard_normal(s).astype(np.float32)
        tensors[f"optimizer.state.{i}.exp_avg_sq"] = np.abs(rng.standard_normal(s)).astype(np.float32)
        tensors[f"optimizer.state.{i}.step"] = np.array(3, np.float32)
    metadata = {"format": "glassbox-checkpoint-1", "epoch": "2", "rng_seed": "42", "rng_counter": "17", "model": "fuzz"}

    def checkpoint(tensors, metadata):
        header = {"__metadata__": metadata}
        data = b""
        for name, array in tensors.items():
            blob = array.tobytes()
            dtype = {"float32": "F32", "int64": "I64", "float16": "F16"}[str(array.dtype)]
            header[name] = {"dtype": dtype, "shape": list(array.shape), "data_offsets": [len(data), len(data) + len(blob)]}
            data += blob
        return safetensors(header, data)

    put("checkpoint", "valid.safetensors", checkpoint(tensors, metadata))
    put("checkpoint", "model_only.safetensors", checkpoint({k: v for k, v in tensors.items() if k.startswith("model.")}, metadata))
    put("checkpoint", "not_checkpoint.safetensors", checkpoint(tensors, {"format": "other"}))
    put("checkpoint", "bad_epoch.safetensors", checkpoint(tensors, dict(metadata, epoch="two")))
    put("checkpoint", "wrong_shape.safetensors", checkpoint(dict(tensors, **{"model.0.weight": np.zeros([3, 4], np.float32)}), metadata))
    put("checkpoint", "nan_step.safetensors", checkpoint(dict(tensors, **{"optimizer.state.0.step": np.array(np.nan, np.float32)}), metadata))
    put("checkpoint", "int_and_half.safetensors", checkpoint(dict(tensors, **{
        "model.1.num_batches_tracked": np.array(3, np.int64), "model.0.bias": np.zeros(4, np.float16)}), metadata))
    put("checkpoint", "stray_entry.safetensors", checkpoint(dict(tensors, **{"extra": np.zeros(1, np.float32)}), metadata))
    put("checkpoint", "bad_state_index.safetensors", checkpoint(dict(tensors, **{"optimizer.state.9.step": np.array(1, np.float32)}), metadata))


if __name__ == "__main__":
    main()
