#!/usr/bin/env python3
"""Glassbox vs PyTorch CPU: one Adam training step of the seed CNN, batch 64, in images/s,
measured in the same run, as a ratio.

The seed CNN: Conv2d(1,32,3) → ReLU → MaxPool2d(2) → Conv2d(32,64,3) → ReLU → MaxPool2d(2) →
Flatten → Linear(1600,128) → ReLU → Linear(128,10), cross-entropy, Adam (lr 1e-3), Float32.
For each thread count, PyTorch runs in a child process (torch.set_num_threads) and the
`glassbox bench cnn` command right after it; rounds alternate so drift hits both. Usage:

    swift build -c release --traits FMA -Xswiftc -target-cpu -Xswiftc native
    .venv-torch/bin/python Benchmarks/torch_cnn.py [--binary .build/release/glassbox] \
        [--threads 1,2] [--rounds 3] [--batch-size 64]
"""
import argparse, json, os, statistics, subprocess, sys

TORCH_CHILD = r"""
import sys, time, torch
threads, batch, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
torch.set_num_threads(threads)
torch.manual_seed(0)
nn = torch.nn
model = nn.Sequential(
    nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(1600, 128), nn.ReLU(), nn.Linear(128, 10))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
x = torch.randn(batch, 1, 28, 28)
y = torch.randint(0, 10, (batch,))
def step():
    opt.zero_grad(set_to_none=True)
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
for _ in range(5):
    step()
rates = []
for _ in range(5):
    t = time.perf_counter(); n = 0
    while time.perf_counter() - t < seconds / 5:
        step(); n += 1
    rates.append(batch * n / (time.perf_counter() - t))
import statistics
print(statistics.median(rates))
"""


def torch_rate(threads, batch, seconds):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    out = subprocess.run([sys.executable, "-c", TORCH_CHILD, str(threads), str(batch), str(seconds)],
                         env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def glassbox_rate(binary, threads, batch, seconds):
    out = subprocess.run([binary, "bench", "cnn", "--threads", str(threads), "--batch-size", str(batch),
                          "--seconds", str(seconds), "--json"], capture_output=True, text=True, check=True)
    row = json.loads(out.stdout.strip().splitlines()[-1])
    return row["images_per_second"], row["configuration"]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--binary", default=".build/release/glassbox")
    p.add_argument("--threads", default="1,%d" % os.cpu_count())
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--seconds", type=float, default=3.0)
    args = p.parse_args()
    import torch
    print(f"torch {torch.__version__}, batch {args.batch_size}, {args.rounds} rounds (medians)")
    print(f"{'thr':>3} {'glassbox img/s':>15} {'torch img/s':>12} {'ratio':>6}")
    config = "?"
    for t in sorted(set(int(s) for s in args.threads.split(","))):
        gb, tr = [], []
        for _ in range(args.rounds):
            tr.append(torch_rate(t, args.batch_size, args.seconds))
            rate, config = glassbox_rate(args.binary, t, args.batch_size, args.seconds)
            gb.append(rate)
        g, r = statistics.median(gb), statistics.median(tr)
        ratios = sorted(a / b for a, b in zip(gb, tr))
        print(f"{t:>3} {g:>15.0f} {r:>12.0f} {g / r:>6.2f}   (per-round ratios {', '.join(f'{x:.2f}' for x in ratios)})",
              flush=True)
    print(f"glassbox configuration: {config}")


if __name__ == "__main__":
    main()
