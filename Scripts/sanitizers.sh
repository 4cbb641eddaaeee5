#!/usr/bin/env bash
# Runs the kernel, IO, determinism and checkpoint tests under ThreadSanitizer and
# AddressSanitizer: `swift test --sanitize=thread|address` (debug builds, kept apart in
# .build-tsan and .build-asan so the normal build is not invalidated). Any sanitizer report
# stops the run with a non-zero exit status (halt_on_error), as does a failing test.
#
# Usage: Scripts/sanitizers.sh [thread] [address]   (both when none is named; from anywhere)
# Time: see Docs/Reliability.md, "Sanitizers" (about 15 minutes for both on the 2-core machine).
set -euo pipefail
cd "$(dirname "$0")/.."

# Swift Testing identifiers are Module.Suite/test; the cheap suites of GlassboxTests that
# exercise threads (determinism across thread counts, the attention and recurrent kernels) and
# files (checkpoints).
filter='^(GlassboxKernelsTests|GlassboxIOTests)\.|^GlassboxTests\.(DeterminismTests|CheckpointTests|CheckpointFailureTests|AttentionTests|RecurrentDeterminismTests)/'

run() {
    local sanitizer=$1 scratch=$2
    local start=$SECONDS
    echo "== sanitizers: $sanitizer ($scratch)"
    # --disable-xctest: the tests are Swift Testing ones; the empty XCTest pass would only add
    # LeakSanitizer's report of XCTest's own 144 bytes (XCTest.SuiteRun, XCTMain).
    swift test --sanitize="$sanitizer" --scratch-path "$scratch" --disable-xctest --filter "$filter"
    echo "== sanitizers: $sanitizer clean in $((SECONDS - start)) s"
}

export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1${TSAN_OPTIONS:+:$TSAN_OPTIONS}"
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:strict_string_checks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"

sanitizers=("$@")
[ ${#sanitizers[@]} -eq 0 ] && sanitizers=(thread address)
for sanitizer in "${sanitizers[@]}"; do
    case $sanitizer in
    thread) run thread .build-tsan ;;
    address) run address .build-asan ;;
    *) echo "sanitizers.sh: unknown sanitizer '$sanitizer' (thread or address)" >&2; exit 2 ;;
    esac
done
