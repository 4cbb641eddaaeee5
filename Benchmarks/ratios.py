#!/usr/bin/env python3
"""The one table of Glassbox against PyTorch and numpy, measured in the same run: every
`glassbox bench train MODEL` beside `Benchmarks/torch_train.py MODEL` (steady-state optimizer
steps per second of the same recipe on the same real data, and each side's peak RSS), the layer
benches (cnn, lstm, transformer beside PyTorch) and GEMM beside numpy, at 1 and 2 threads.

Each row runs ROUNDS alternating rounds (Glassbox, then PyTorch, each in its own process) and
reports the medians and their ratio (Glassbox / other: above 1 is faster). Usage:

    Scripts/glassbox-fast.sh --print-flags        # the build this machine's README command uses
    swift build $(Scripts/glassbox-fast.sh --print-flags)
    .venv-torch/bin/python Benchmarks/ratios.py [--models cnn,gpt] [--threads 1,2] [--rounds 3] \
        [--skip-layers] [--markdown Benchmarks/README.md [--append]]

`--markdown FILE` rewrites the table between the `<!-- ratios -->` markers of FILE; with
`--append` it keeps the rows this run does not measure (so the acceptance recipes can take
3 rounds and the others 1 in a second run).
"""
import argparse, json, os, platform, statistics, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import numpy_gemm, torch_cnn, torch_layers  # noqa: E402  (the per-bench scripts' runners)

TRAIN_MODELS = ["mlp", "cnn", "lenet", "vgg", "seqmnist", "vit", "seq2seq", "transformer-seq2seq", "caption",
                "forecast", "charlm", "gpt", "autoencoder", "vae", "gan", "wgan", "wgan-gp", "ddpm"]


def last_json(stdout):
    return json.loads([line for line in stdout.splitlines() if line.startswith("{")][-1])


def glassbox_train(binary, model, threads):
    out = subprocess.run([binary, "bench", "train", model, "--threads", str(threads), "--json"],
                         capture_output=True, text=True, check=True)
    return last_json(out.stdout)


def torch_train(model, threads):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    out = subprocess.run([sys.executable, os.path.join(HERE, "torch_train.py"), model, "--threads", str(threads), "--json"],
                         env=env, capture_output=True, text=True, check=True)
    return last_json(out.stdout)


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def median_rows(rounds, first, second):
    """Alternates `first` and `second` for `rounds` rounds; returns their rows."""
    a, b = [], []
    for _ in range(rounds):
        a.append(first())
        b.append(second())
    return a, b


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--binary", default=".build/release/glassbox")
    p.add_argument("--benchmarks-binary", default=".build/release/Benchmarks")
    p.add_argument("--models", default=",".join(TRAIN_MODELS))
    p.add_argument("--threads", default="1,2")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--skip-layers", action="store_true", help="only the bench train rows")
    p.add_argument("--markdown", help="rewrite the table between <!-- ratios --> markers of this file")
    p.add_argument("--append", action="store_true",
                   help="with --markdown: keep the table's rows this run does not measure (a second run with other "
                        "models or rounds adds to the first)")
    args = p.parse_args()
    threads = sorted(set(int(t) for t in args.threads.split(",")))
    models = [m for m in args.models.split(",") if m]
    unknown = [m for m in models if m not in TRAIN_MODELS]
    if unknown:
        sys.exit(f"ratios.py: unknown model(s) {unknown} (one of {TRAIN_MODELS})")
    import torch
    rows = []  # (job, threads, glassbox, other, unit, ratio, glassbox RSS, other RSS)

    def show(row):
        job, t, gb, other, unit, ratio, gb_rss, other_rss = row
        rss = f"  RSS {gb_rss:.0f} / {other_rss:.0f} MB" if gb_rss is not None else ""
        print(f"{job:<22} {t:>3} {gb:>11.2f} {other:>11.2f} {unit:<10} {ratio:>6.2f}{rss}", flush=True)
        rows.append(row)

    print(f"{cpu_name()}, {os.cpu_count()} cores; torch {torch.__version__}; {args.rounds} alternating rounds, medians")
    print(f"{'job':<22} {'thr':>3} {'glassbox':>11} {'other':>11} {'unit':<10} {'ratio':>6}")
    configuration = "?"
    for model in models:
        for t in threads:
            gb, tr = median_rows(args.rounds, lambda: glassbox_train(args.binary, model, t), lambda: torch_train(model, t))
            configuration = gb[0].get("configuration", configuration)
            g = statistics.median(r["steps_per_second"] for r in gb)
            o = statistics.median(r["steps_per_second"] for r in tr)
            show((f"train {model}", t, g, o, "steps/s", g / o,
                  max(r["peak_rss_mb"] for r in gb), max(r["peak_rss_mb"] for r in tr)))
    if not args.skip_layers:
        for t in threads:
            gb, tr = median_rows(args.rounds, lambda: torch_cnn.glassbox_rate(args.binary, t, 64, 3.0)[0],
                                 lambda: torch_cnn.torch_rate(t, 64, 3.0))
            g, o = statistics.median(gb), statistics.median(tr)
            show(("layer cnn step", t, g, o, "images/s", g / o, None, None))
        for layer, length in (("lstm", 50), ("transformer", 64)):
            for t in threads:
                gb, tr = median_rows(args.rounds, lambda: torch_layers.glassbox_rate(args.binary, layer, t, 32, length, 3.0)[0],
                                     lambda: torch_layers.torch_rate(layer, t, 32, length, 3.0))
                g, o = statistics.median(gb), statistics.median(tr)
                show((f"layer {layer}", t, g, o, "seq/s", g / o, None, None))
        for t in threads:
            gb, tr = median_rows(args.rounds, lambda: numpy_gemm.glassbox_gflops(args.benchmarks_binary, 1024, t)[0]["f32"],
                                 lambda: numpy_gemm.numpy_gflops(1024, t, "f32"))
            g, o = statistics.median(gb), statistics.median(tr)
            show(("GEMM f32 1024 (numpy)", t, g, o, "GFLOP/s", g / o, None, None))
    print(f"glassbox configuration: {configuration}")
    if args.markdown:
        with open(args.markdown) as f:
            text = f.read()
        start, end = text.index("<!-- ratios -->"), text.index("<!-- /ratios -->")
        measured = {(job, str(t)) for job, t, *_ in rows}
        kept = []
        if args.append:
            for line in text[start:end].splitlines():
                cells = [c.strip() for c in line.strip().strip("|").split("|")]
                if line.startswith("| ") and len(cells) == 8 and cells[0] != "job" and (cells[0], cells[1]) not in measured:
                    kept.append(line)
        lines = [f"Measured on {cpu_name()} ({os.cpu_count()} cores), Glassbox build `{configuration}`, "
                 f"torch {torch.__version__}; medians of the alternating rounds given per row; ratio = Glassbox / "
                 "other (above 1: Glassbox faster). Peak RSS: Glassbox / PyTorch, each process's own high-water mark.", "",
                 "| job | threads | Glassbox | PyTorch or numpy | unit | ratio | peak RSS (MB) | rounds |",
                 "|---|---:|---:|---:|---|---:|---|---:|"]
        lines += kept
        for job, t, gb, other, unit, ratio, gb_rss, other_rss in rows:
            rss = f"{gb_rss:.0f} / {other_rss:.0f}" if gb_rss is not None else ""
            lines.append(f"| {job} | {t} | {gb:.2f} | {other:.2f} | {unit} | {ratio:.2f} | {rss} | {args.rounds} |")
        with open(args.markdown, "w") as f:
            f.write(text[:start] + "<!-- ratios -->\n" + "\n".join(lines) + "\n" + text[end:])

if __name__ == "__main__":
    main()
