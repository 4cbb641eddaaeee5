#!/usr/bin/env python3
"""Checks Glassbox's ONNX export in onnxruntime: every <name>.onnx in DIR, run on
<name>.input.npy, must match Glassbox's own output <name>.expected.npy within 1e-5
(|a - b| <= 1e-5 * (1 + |b|)).

Make the files with the export tests, then check them:

    mkdir -p /tmp/onnx-export
    GLASSBOX_ONNX_EXPORT_DIR=/tmp/onnx-export swift test --filter ONNXExportTests
    python Scripts/check_onnx_export.py /tmp/onnx-export

Needs numpy, onnx and onnxruntime (not part of the build or the tests). Exits 1 on any mismatch.
"""
import glob
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort


def main():
    directory = sys.argv[1] if len(sys.argv) > 1 else "/tmp/onnx-export"
    models = sorted(glob.glob(os.path.join(directory, "*.onnx")))
    if not models:
        print(f"no .onnx files in {directory}")
        return 1
    failed = 0
    for path in models:
        name = os.path.basename(path)[: -len(".onnx")]
        onnx.checker.check_model(onnx.load(path), full_check=True)
        session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        x = np.load(os.path.join(directory, name + ".input.npy"))
        expected = np.load(os.path.join(directory, name + ".expected.npy"))
        (got,) = session.run(["output"], {"input": x})
        error = float(np.max(np.abs(got - expected) / (1 + np.abs(expected)))) if got.shape == expected.shape else float("inf")
        ok = error <= 1e-5
        failed += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {name}: output {list(got.shape)}, max relative error {error:.2e}")
    print(f"{len(models) - failed} passed, {failed} failed (onnxruntime {ort.__version__})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
