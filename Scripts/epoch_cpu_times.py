#!/usr/bin/env python3
# Per-epoch CPU time (user+system), minor page faults and machine-wide steal time of a `glassbox train` run, for machines shared with other work where wall
# time is meaningless. Usage: Scripts/epoch_cpu_times.py ENV|- BINARY train cnn [options]
# (ENV: comma-separated NAME=VALUE pairs for the child, or - for none). Reads /proc/PID/stat
# (Linux) each time the progress bar on stderr finishes an epoch; images/CPU-s assumes the
# 10 000 training images of the embedded MNIST subset.
import os, re, subprocess, sys, time
env = dict(os.environ)
for kv in sys.argv[1].split(",") if sys.argv[1] != "-" else []:
    k, v = kv.split("="); env[k] = v
cmd = sys.argv[2:]
tick = os.sysconf("SC_CLK_TCK")
p = subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
def cpu():
    f = open(f"/proc/{p.pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / tick, int(f[12]) / tick, int(f[7]), steal()
def steal():
    # Machine-wide CPU time stolen by the hypervisor (the 8th value of /proc/stat's cpu line).
    return int(open("/proc/stat").readline().split()[8]) / tick
t0 = time.time(); marks = [(cpu(), 0.0)]; seen = set(); buf = b""
while True:
    ch = p.stderr.read1(4096)
    if not ch: break
    buf += ch
    parts = re.split(rb"[\r\n]", buf); buf = parts[-1]
    for line in parts[:-1]:
        m = re.search(rb"epoch\s+(\d+)/\d+ \[#+\]\s+(\d+)/(\d+)", line)
        if m and m.group(2) == m.group(3) and m.group(1) not in seen:
            seen.add(m.group(1)); marks.append((cpu(), time.time() - t0))
out = p.stdout.read().decode(); p.wait()
print(" ".join(sys.argv[1:2]), [l for l in out.splitlines() if "accuracy" in l])
for i in range(1, len(marks)):
    (c1, s1, f1, st1), w1 = marks[i]; (c0, s0, f0, st0), w0 = marks[i-1]
    c = c1 - c0; w = w1 - w0
    print(f"epoch {i}: cpu {c:.2f} s (system {s1 - s0:.2f})  wall {w:.2f} s  images/cpu-s {10000/c:.0f}"
          f"  minor faults {f1 - f0}  machine steal {st1 - st0:.2f} s")
print(f"total cpu {marks[-1][0][0] - marks[0][0][0]:.2f} s wall {marks[-1][1]:.2f} s")
