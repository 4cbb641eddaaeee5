#!/usr/bin/env python3
"""Checks that NumPy and safetensors' Python reader load the files Glassbox writes exactly.

    mkdir -p /tmp/gb-export
    GLASSBOX_IO_EXPORT_DIR=/tmp/gb-export swift test --filter ExportTests
    /work/main/.venv-torch/bin/python Scripts/check_io_roundtrip.py /tmp/gb-export

The expected values are spelled out here independently of the Swift side (they match
ExportValues in Tests/GlassboxIOTests/ExportTests.swift); comparisons are bitwise.
"""
import json
import struct
import sys

import numpy as np
import torch
import safetensors.numpy
import safetensors.torch
from safetensors import safe_open

INF, NAN = float("inf"), float("nan")
EXPECTED = {
    "f32": np.array([0.0, -0.0, 1.5, -2.25, 3.4028235e38, 1e-45, INF, -INF, NAN, 0.1], dtype=np.float32).reshape(2, 5),
    "f64": np.array([0.0, -0.0, 1.5, -2.25, 1.7976931348623157e308, 5e-324, INF, -INF, NAN, 0.1]).reshape(5, 2),
    "f16": np.array([0.0, -0.0, 1.0, -2.5, 65504.0, 2.0**-14, 2.0**-24, 3 * 2.0**-24, INF, -INF, NAN, 0.1],
                    dtype=np.float16).reshape(3, 4),
    "i64": np.array([0, -1, 2**62, -2**63, 2**63 - 1, 12345], dtype=np.int64).reshape(2, 3),
    "i32": np.array([0, -1, 2**31 - 1, -2**31, 7, -123456], dtype=np.int32).reshape(3, 2),
    "u8": np.array([0, 1, 127, 128, 255, 42], dtype=np.uint8).reshape(2, 3),
    "bool": np.array([True, False, True, True]).reshape(2, 2),
    "scalar": np.array(2.5),
    "empty": np.zeros((0, 3), dtype=np.float32),
}
BF16 = torch.tensor([0.0, -0.0, 1.0, -2.5, 3.0e38, 1e-40, INF, -INF, NAN, 0.1], dtype=torch.bfloat16).reshape(2, 5)


def same(name, got, want):
    ok = got.dtype == want.dtype and got.shape == want.shape and got.tobytes() == want.tobytes()
    print(f"  {name:8} {str(got.dtype):8} {str(got.shape):8} {'exact' if ok else 'MISMATCH'}")
    return ok


def main(directory):
    ok = True
    print(f"numpy {np.__version__}, safetensors {safetensors.__version__}, torch {torch.__version__}")
    print("np.load on glassbox_<name>.npy:")
    for name, want in EXPECTED.items():
        ok &= same(name, np.load(f"{directory}/glassbox_{name}.npy", allow_pickle=False), want)
    print("np.load on glassbox.npz:")
    with np.load(f"{directory}/glassbox.npz", allow_pickle=False) as archive:
        ok &= list(archive.files) == list(EXPECTED)
        for name, want in EXPECTED.items():
            ok &= same(name, archive[name], want)
    print("safetensors safe_open(framework='np').get_tensor on glassbox.safetensors (numpy has no bf16):")
    with safe_open(f"{directory}/glassbox.safetensors", framework="np") as f:
        ok &= sorted(f.keys()) == sorted(list(EXPECTED) + ["bf16"])
        for name, want in EXPECTED.items():
            ok &= same(name, f.get_tensor(name), want)
    print("safetensors.torch.load_file on glassbox.safetensors (bf16):")
    torch_tensors = safetensors.torch.load_file(f"{directory}/glassbox.safetensors")
    bf16 = torch_tensors["bf16"]
    bits_ok = bf16.dtype == torch.bfloat16 and torch.equal(bf16.view(torch.int16), BF16.view(torch.int16))
    print(f"  bf16     {bf16.dtype} {tuple(bf16.shape)} {'exact' if bits_ok else 'MISMATCH'}")
    ok &= bits_ok
    with safe_open(f"{directory}/glassbox.safetensors", framework="np") as f:
        metadata = f.metadata()
    print(f"metadata: {metadata}")
    ok &= metadata == {"format": "pt", "producer": "Glassbox \u2713"}
    with open(f"{directory}/glassbox.safetensors", "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
    print(f"header length {n} (multiple of 8: {n % 8 == 0}); key order: {list(header)}")
    ok &= n % 8 == 0
    print("ALL EXACT" if ok else "FAILURES")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/gb-export"))
