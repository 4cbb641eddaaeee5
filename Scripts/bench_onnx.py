#!/usr/bin/env python3
"""glassbox bench onnx beside onnxruntime: inference of the exported seed CNN (batch 64) and of a
transformer encoder (nn.TransformerEncoder: d_model 128, 4 heads, feed-forward 512, 2 layers,
batch 32 x 64 tokens, exported by torch.onnx.export), with 1 and 2 threads, on the same model
files and input shapes. Prints one line per case and the ratio onnxruntime time / Glassbox time
(above 1: Glassbox is faster).

    swift build -c release --product glassbox
    python Scripts/bench_onnx.py [--glassbox .build/release/glassbox] [--seconds 3]

Needs numpy, onnxruntime and torch (for the encoder export); not part of the build or the tests.
"""
import argparse
import json
import os
import subprocess
import tempfile
import time

import numpy as np
import onnxruntime as ort
import torch
from torch import nn


def export_encoder(path):
    torch.manual_seed(0)
    layer = nn.TransformerEncoderLayer(128, 4, dim_feedforward=512, dropout=0.0, batch_first=True)
    encoder = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False).eval()
    torch.onnx.export(encoder, (torch.randn(32, 64, 128),), path, input_names=["src"], output_names=["output"],
                      opset_version=17, dynamo=False)


def glassbox(binary, args, threads, seconds):
    out = subprocess.run([binary, "bench", "onnx", *args, "--threads", str(threads), "--seconds", str(seconds), "--json"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def onnxruntime_ms(path, batch, threads, seconds):
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    feeds = {}
    for i in session.get_inputs():
        shape = [d if isinstance(d, int) else batch for d in i.shape]
        feeds[i.name] = np.random.default_rng(1).uniform(-1, 1, shape).astype(np.float32)
    session.run(None, feeds)
    times = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(times) < 5:
        start = time.perf_counter()
        session.run(None, feeds)
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--glassbox", default=".build/release/glassbox")
    parser.add_argument("--seconds", type=float, default=3)
    a = parser.parse_args()
    directory = tempfile.mkdtemp()
    cnn = os.path.join(directory, "seed_cnn.onnx")
    encoder = os.path.join(directory, "encoder.onnx")
    export_encoder(encoder)
    print(f"onnxruntime {ort.__version__}, {os.cpu_count()} cores")
    for name, args, path, batch in [("seed CNN", ["--out", cnn, "--batch-size", "64"], cnn, 64),
                                    ("encoder", ["--model", encoder], encoder, 32)]:
        for threads in (1, 2):
            g = glassbox(a.glassbox, args, threads, a.seconds)
            o = onnxruntime_ms(path, batch, threads, a.seconds)
            ratio = o / g["milliseconds_per_batch"]
            print(f"{name:9s} batch {g['batch_size']:3d}, {threads} thread{'s' if threads > 1 else ' '}: "
                  f"Glassbox {g['milliseconds_per_batch']:9.2f} ms, onnxruntime {o:8.2f} ms, ratio {ratio:.3f}")


if __name__ == "__main__":
    main()
