#!/usr/bin/env python3
"""Glassbox convolution vs PyTorch CPU on the seed CNN's two layers, measured in the same run.

The seed CNN (Conv2d(1,32,3)→ReLU→MaxPool2d(2)→Conv2d(32,64,3)→ReLU→MaxPool2d(2)→Flatten→
Linear(1600,128)→ReLU→Linear(128,10)), batch 64, 28×28, Float32. One training step needs, per
layer:
  conv1  forward, then the gradients of the weight and bias (its input needs none);
  conv2  forward, then the gradients of the input, weight and bias.
For each layer and thread count this prints the milliseconds of the forward pass alone and of
forward + backward (through autograd with a random output gradient), for PyTorch (threads set
with torch.set_num_threads, each in its own process) and for the Glassbox `Benchmarks` binary
(`conv` mode), and the ratio PyTorch time / Glassbox time (> 1: Glassbox is faster). Each
process reports medians of 9 timings; the two are run alternately for `--rounds` rounds (the
machine may be shared) and the medians over rounds are printed. Usage:

    swift build -c release --traits FMA -Xswiftc -target-cpu -Xswiftc native
    python3 Benchmarks/torch_conv.py [--binary .build/release/Benchmarks] [--threads 1,2] [--rounds 3]
"""
import argparse, json, os, subprocess, sys

TORCH_CHILD = r"""
import json, sys, time, torch
import torch.nn.functional as F
threads = int(sys.argv[1])
torch.set_num_threads(threads)
torch.manual_seed(0)

def median_ms(f, samples=9, minimum=0.2):
    f(); f()
    results = []
    for _ in range(samples):
        start, reps = time.perf_counter(), 0
        while time.perf_counter() - start < minimum:
            f(); reps += 1
        results.append((time.perf_counter() - start) / reps * 1e3)
    return sorted(results)[len(results) // 2]

layers = {
    "conv1": (torch.randn(64, 1, 28, 28), torch.randn(32, 1, 3, 3) / 3, False),
    "conv2": (torch.randn(64, 32, 13, 13), torch.randn(64, 32, 3, 3) / 17, True),
}
for name, (x, w, input_grad) in layers.items():
    x = x.requires_grad_(input_grad)
    w = w.requires_grad_(True)
    b = torch.zeros(w.shape[0], requires_grad=True)
    go = torch.randn_like(F.conv2d(x, w, b))
    wrt = [x, w, b] if input_grad else [w, b]
    def forward():
        with torch.no_grad():
            F.conv2d(x, w, b)
    def training():
        torch.autograd.grad(F.conv2d(x, w, b), wrt, go)
    print(json.dumps({"layer": name, "threads": threads, "forward": median_ms(forward), "step": median_ms(training)}))
"""


def torch_times(threads):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    out = subprocess.run([sys.executable, "-c", TORCH_CHILD, str(threads)], env=env,
                         capture_output=True, text=True, check=True)
    return {r["layer"]: r for r in map(json.loads, out.stdout.splitlines())}


def glassbox_times(binary, threads):
    out = subprocess.run([binary, "conv", "--threads", str(threads), "--json"],
                         capture_output=True, text=True, check=True)
    rows = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    return {r["layer"]: r for r in rows}, rows[0]["configuration"]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--binary", default=".build/release/Benchmarks")
    p.add_argument("--threads", default="1,%d" % os.cpu_count())
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    threads = sorted(set(int(t) for t in args.threads.split(",")))
    import torch
    print(f"torch {torch.__version__}, {args.rounds} rounds")
    print(f"{'layer':>5} {'thr':>3} {'pass':>8} {'glassbox ms':>11} {'torch ms':>8} {'ratio':>6}")
    median = lambda values: sorted(values)[len(values) // 2]
    for t in threads:
        rounds = []
        for _ in range(args.rounds):
            gb, config = glassbox_times(args.binary, t)
            rounds.append((gb, torch_times(t)))
        for layer in ("conv1", "conv2"):
            for key, label in (("forward", "forward"), ("step", "fwd+bwd")):
                g = median([r[0][layer][key] for r in rounds])
                q = median([r[1][layer][key] for r in rounds])
                print(f"{layer:>5} {t:>3} {label:>8} {g:>11.3f} {q:>8.3f} {q / g:>6.2f}", flush=True)
    print(f"glassbox configuration: {config}")


if __name__ == "__main__":
    main()
