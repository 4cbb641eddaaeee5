#!/bin/sh
# Measures the Float VectorMath error table (the tests, with GLASSBOX_VMATH_REPORT=1) and the
# throughput (SIMD vs the libm loop, one thread: `Benchmarks vmath`) in the plain release build
# and the FMA build for this CPU, and runs the Softmax tests in both.
# Usage: Scripts/measure_vector_math.sh   (from the package root; ~2–3 min on 2 cores)
set -e
cd "$(dirname "$0")/.."
export GLASSBOX_VMATH_REPORT=1
for build in plain fma; do
    if [ "$build" = plain ]; then flags=""; else flags="--traits FMA -Xswiftc -target-cpu -Xswiftc native"; fi
    echo "== $build build: swift test -c release $flags"
    # shellcheck disable=SC2086
    swift test -c release --scratch-path ".build-vmath-$build" $flags --filter 'VectorMath|Softmax' 2>&1 \
      | grep -E 'VMATH|Test run|✘'
    # shellcheck disable=SC2086
    swift build -c release --scratch-path ".build-vmath-$build" $flags --product Benchmarks >/dev/null
    ".build-vmath-$build/release/Benchmarks" vmath
done
