#!/usr/bin/env python3
"""The README's main job beside PyTorch, end to end: `Scripts/glassbox-fast.sh train cnn` as the
README writes it (the seed CNN, 10 epochs of the embedded 10k MNIST subset, batch 64, Adam,
cosine) against `Benchmarks/torch_train.py cnn` running the same 10 epochs (1 570 steps, no
warm-up excluded) on the same data, alternating ROUNDS rounds; each side's training seconds
(Glassbox's from `--metrics`, which excludes the final test evaluation; PyTorch's from its timed
steps), their medians and ratio, and each side's per-epoch throughput (epochs 2–10: the spread
between the slowest and the fastest epoch, relative to the fastest; PyTorch's, timed every 157
steps, shows how much of the spread is the machine's noise). Usage:

    Scripts/glassbox-fast.sh --print-flags >/dev/null   # builds nothing; the first round builds
    .venv-torch/bin/python Benchmarks/readme_job.py [--rounds 3] [--threads 2]

`--threads` sets PyTorch's threads; Glassbox uses every core, as the README's command does
(2 on the 2-core machines these figures come from).
"""
import argparse, json, os, re, statistics, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
STEPS = 1570  # 10 epochs of ceil(10 000 / 64) = 157 batches


def glassbox_run():
    with tempfile.TemporaryDirectory() as tmp:
        metrics = os.path.join(tmp, "metrics.json")
        out = subprocess.run([os.path.join(ROOT, "Scripts", "glassbox-fast.sh"), "train", "cnn", "--metrics", metrics],
                             cwd=ROOT, capture_output=True, text=True, check=True)
        with open(metrics) as f:
            m = json.load(f)
    epochs = {}
    for piece in re.split(r"[\r\n]", out.stderr + out.stdout):
        hit = re.match(r"epoch\s+(\d+)/\d+ \[#+\]\s+(\d+)/(\d+) .* (\d+) samples/s", piece)
        if hit and hit.group(2) == hit.group(3):
            epochs[int(hit.group(1))] = float(hit.group(4))
    summary = [line for line in out.stdout.splitlines() if line.startswith("cnn:")]
    # The progress bar's figure at the end of epoch k is the rate since the start, k·N samples
    # over t_k seconds (every epoch covers the N training images); epoch k alone took
    # t_k − t_{k−1}, so its own rate is 1 / (k / r_k − (k − 1) / r_{k−1}).
    cumulative = [epochs[k] for k in sorted(epochs)]
    per_epoch, previous = [], 0.0
    for k, rate in enumerate(cumulative, start=1):
        per_epoch.append(1 / (k / rate - previous))
        previous = k / rate
    return m["seconds"], per_epoch, summary[-1] if summary else ""


def torch_run(threads):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    out = subprocess.run([sys.executable, os.path.join(HERE, "torch_train.py"), "cnn", "--threads", str(threads),
                          "--steps", str(STEPS), "--warmup", "0", "--epoch-steps", str(STEPS // 10), "--json"], env=env, capture_output=True, text=True, check=True)
    row = json.loads([line for line in out.stdout.splitlines() if line.startswith("{")][-1])
    return row["seconds"], [10_000 / seconds for seconds in row["epoch_seconds"]]


def spread_of(rates):
    """The spread between the slowest and the fastest epoch, relative to the fastest."""
    return (max(rates) - min(rates)) / max(rates) if rates else float("nan")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    args = p.parse_args()
    glassbox, torch_seconds, spreads, torch_spreads = [], [], [], []
    for r in range(args.rounds):
        seconds, epochs, summary = glassbox_run()
        later = epochs[1:]
        spread = spread_of(later)
        glassbox.append(seconds)
        spreads.append(spread)
        torch_total, torch_epochs = torch_run(args.threads)
        torch_seconds.append(torch_total)
        torch_spreads.append(spread_of(torch_epochs[1:]))
        print(f"round {r + 1}: Glassbox {seconds:.1f} s ({summary}); per-epoch samples/s {[int(e) for e in epochs]}, "
              f"epochs 2-10 spread {spread * 100:.1f} %; PyTorch ({args.threads} threads) {torch_total:.1f} s, "
              f"per-epoch samples/s {[int(e) for e in torch_epochs]}, epochs 2-10 spread {torch_spreads[-1] * 100:.1f} %",
              flush=True)
    g, t = statistics.median(glassbox), statistics.median(torch_seconds)
    print(f"median training seconds: Glassbox {g:.1f}, PyTorch {t:.1f}; PyTorch / Glassbox = {t / g:.2f} "
          f"(above 1: Glassbox is faster); largest per-epoch spread: Glassbox {max(spreads) * 100:.1f} %, "
          f"PyTorch {max(torch_spreads) * 100:.1f} %")


if __name__ == "__main__":
    main()
