#!/bin/sh
# Measures the Float VectorMath error table and throughput (SIMD vs the libm loop, one thread)
# in the plain release build and the FMA build for this CPU, and runs the Softmax tests in both.
# Usage: Scripts/measure_vector_math.sh   (from the package root; ~1–2 min on 2 cores)
set -e
cd "$(dirname "$0")/.."
export GLASSBOX_VMATH_REPORT=1
echo "== plain build: swift test -c release"
swift test -c release --scratch-path .build-vmath-plain --filter 'VectorMath|Softmax' 2>&1 \
  | grep -E 'VMATH|Test run|✘'
echo "== FMA build: swift test -c release --traits FMA -Xswiftc -target-cpu -Xswiftc native"
swift test -c release --scratch-path .build-vmath-fma --traits FMA -Xswiftc -target-cpu -Xswiftc native \
  --filter 'VectorMath|Softmax' 2>&1 | grep -E 'VMATH|Test run|✘'
