#!/usr/bin/env python3
"""Glassbox vs PyTorch CPU: forward + backward of one sequence layer, training mode, loss =
output.sum(), in sequences/s, measured in the same run, as a ratio:

  transformer  one TransformerEncoderLayer (d_model 128, 4 heads, feed-forward 512, dropout 0,
               batch_first), 32 sequences of 64 tokens;
  lstm         the seed model's LSTM (100 -> 256, 2 layers, batch_first), 32 sequences of 50 steps.

For each thread count, PyTorch runs in a child process (torch.set_num_threads) and
`glassbox bench MODEL` right after it; rounds alternate so drift hits both. Usage:

    swift build -c release --traits FMA -Xswiftc -target-cpu -Xswiftc native
    .venv-torch/bin/python Benchmarks/torch_layers.py transformer|lstm [--binary .build/release/glassbox] \
        [--threads 1,2] [--rounds 3] [--batch-size 32] [--length N]
"""
import argparse, json, os, statistics, subprocess, sys

TORCH_CHILD = r"""
import sys, time, statistics, torch
model, threads, batch, length, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
torch.set_num_threads(threads)
torch.manual_seed(0)
if model == "transformer":
    layer = torch.nn.TransformerEncoderLayer(128, 4, 512, dropout=0.0, batch_first=True)
    x = torch.randn(batch, length, 128)
    def output():
        return layer(x)
else:
    layer = torch.nn.LSTM(input_size=100, hidden_size=256, num_layers=2, batch_first=True)
    x = torch.randn(batch, length, 100)
    def output():
        return layer(x)[0]
def step():
    layer.zero_grad(set_to_none=True)
    output().sum().backward()
for _ in range(3):
    step()
rates = []
for _ in range(5):
    t = time.perf_counter(); n = 0
    while time.perf_counter() - t < seconds / 5:
        step(); n += 1
    rates.append(batch * n / (time.perf_counter() - t))
print(statistics.median(rates))
"""


def torch_rate(model, threads, batch, length, seconds):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    out = subprocess.run([sys.executable, "-c", TORCH_CHILD, model, str(threads), str(batch), str(length), str(seconds)],
                         env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def glassbox_rate(binary, model, threads, batch, length, seconds):
    out = subprocess.run([binary, "bench", model, "--threads", str(threads), "--batch-size", str(batch),
                          "--length", str(length), "--seconds", str(seconds), "--json"],
                         capture_output=True, text=True, check=True)
    row = json.loads(out.stdout.strip().splitlines()[-1])
    return row["sequences_per_second"], row["configuration"]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("model", choices=["transformer", "lstm"])
    p.add_argument("--binary", default=".build/release/glassbox")
    p.add_argument("--threads", default="1,%d" % os.cpu_count())
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--length", type=int, help="steps per sequence (default: transformer 64, lstm 50)")
    p.add_argument("--seconds", type=float, default=3.0)
    args = p.parse_args()
    args.length = args.length or {"transformer": 64, "lstm": 50}[args.model]
    import torch
    print(f"{args.model}: torch {torch.__version__}, batch {args.batch_size} x {args.length} steps, {args.rounds} rounds (medians)")
    print(f"{'thr':>3} {'glassbox seq/s':>15} {'torch seq/s':>12} {'ratio':>6}")
    config = "?"
    for t in sorted(set(int(s) for s in args.threads.split(","))):
        gb, tr = [], []
        for _ in range(args.rounds):
            tr.append(torch_rate(args.model, t, args.batch_size, args.length, args.seconds))
            rate, config = glassbox_rate(args.binary, args.model, t, args.batch_size, args.length, args.seconds)
            gb.append(rate)
        g, r = statistics.median(gb), statistics.median(tr)
        ratios = sorted(a / b for a, b in zip(gb, tr))
        print(f"{t:>3} {g:>15.0f} {r:>12.0f} {g / r:>6.2f}   (per-round ratios {', '.join(f'{x:.2f}' for x in ratios)})",
              flush=True)
    print(f"glassbox configuration: {config}")


if __name__ == "__main__":
    main()
