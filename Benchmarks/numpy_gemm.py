#!/usr/bin/env python3
"""Glassbox GEMM vs numpy matmul, measured in the same run, as a ratio.

Runs numpy for each (n, threads, dtype) — threads fixed through OPENBLAS_NUM_THREADS in a child
process — and the Glassbox `Benchmarks` binary for the same cases, interleaved, and prints the
ratio Glassbox/numpy. Usage:

    swift build -c release --traits FMA -Xswiftc -target-cpu -Xswiftc native
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 Benchmarks/numpy_gemm.py \
        [--binary .build/release/Benchmarks] [--sizes 256,512,1024,2048] [--threads 1,2]

(OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE, set on some of these machines, slow a current numpy.)
"""
import argparse, json, os, subprocess, sys

NUMPY_CHILD = r"""
import sys, time, numpy as np
n, dtype = int(sys.argv[1]), sys.argv[2]
dt = np.float32 if dtype == "f32" else np.float64
a = np.random.rand(n, n).astype(dt); b = np.random.rand(n, n).astype(dt)
a @ b
res = []
for _ in range(5):
    t = time.perf_counter(); r = 0
    while time.perf_counter() - t < 0.2:
        a @ b; r += 1
    res.append(2 * n**3 / ((time.perf_counter() - t) / r) / 1e9)
print(sorted(res)[2])
"""

def numpy_gflops(n, threads, dtype):
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    env.pop("OPENBLAS_CORETYPE", None); env.pop("OPENBLAS_L2_SIZE", None)
    out = subprocess.run([sys.executable, "-c", NUMPY_CHILD, str(n), dtype], env=env,
                         capture_output=True, text=True, check=True)
    return float(out.stdout.strip())

def glassbox_gflops(binary, n, threads):
    out = subprocess.run([binary, "--sizes", str(n), "--threads", str(threads), "--json"],
                         capture_output=True, text=True, check=True)
    rows = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    return {r["scalar"]: r["gflops"] for r in rows}, rows[0]["configuration"]

def main():
    p = argparse.ArgumentParser()
    p.add_argument("--binary", default=".build/release/Benchmarks")
    p.add_argument("--sizes", default="256,512,1024,2048")
    p.add_argument("--threads", default="1,%d" % os.cpu_count())
    args = p.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    threads = sorted(set(int(t) for t in args.threads.split(",")))
    import numpy
    print(f"numpy {numpy.__version__}")
    print(f"{'n':>5} {'thr':>3} {'dtype':>5} {'glassbox':>9} {'numpy':>8} {'ratio':>6}")
    for n in sizes:
        for t in threads:
            gb, config = glassbox_gflops(args.binary, n, t)
            for dtype in ("f32", "f64"):
                npg = numpy_gflops(n, t, dtype)
                print(f"{n:>5} {t:>3} {dtype:>5} {gb[dtype]:>9.1f} {npg:>8.1f} {gb[dtype] / npg:>6.2f}", flush=True)
    print(f"glassbox configuration: {config}")

if __name__ == "__main__":
    main()
