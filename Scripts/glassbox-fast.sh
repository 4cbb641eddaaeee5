#!/usr/bin/env bash
# Builds the glassbox command for this machine's CPU and runs it with the given arguments:
#   Scripts/glassbox-fast.sh train cnn
# The flags are chosen from the CPU:
#   x86-64 with AVX-512:      --traits AVX512  -Xswiftc -target-cpu -Xswiftc native
#   x86-64 with AVX2 and FMA: --traits FMA     -Xswiftc -target-cpu -Xswiftc native
#   arm64:                    (fused multiply-add is always on) -Xswiftc -target-cpu -Xswiftc native
#   anything else:            the plain release build
# The build goes to .build-fast (override with GLASSBOX_BUILD_PATH), so it does not fight the
# plain build in .build. `Scripts/glassbox-fast.sh --print-flags` prints the `swift build`
# flags and exits, for use in your own commands. Only the command is built with these flags;
# the library itself has no unsafe flags and stays a plain versioned dependency.
set -euo pipefail
cd "$(dirname "$0")/.."

flags=(-c release)
case "$(uname -m)" in
x86_64 | amd64)
    cpu_flags=""
    if [ -r /proc/cpuinfo ]; then
        cpu_flags=$(grep -m1 '^flags' /proc/cpuinfo || true)
    elif command -v sysctl > /dev/null; then
        cpu_flags=$(sysctl -n machdep.cpu.features machdep.cpu.leaf7_features 2> /dev/null | tr 'A-Z.' 'a-z_' || true)
    fi
    if grep -qw 'avx512f' <<< "$cpu_flags"; then
        flags+=(--traits AVX512 -Xswiftc -target-cpu -Xswiftc native)
    elif grep -qw 'fma' <<< "$cpu_flags" && grep -qw 'avx2' <<< "$cpu_flags"; then
        flags+=(--traits FMA -Xswiftc -target-cpu -Xswiftc native)
    fi
    ;;
arm64 | aarch64)
    flags+=(-Xswiftc -target-cpu -Xswiftc native)
    ;;
esac

if [ "${1:-}" = "--print-flags" ]; then
    echo "${flags[*]}"
    exit 0
fi

build_path=${GLASSBOX_BUILD_PATH:-.build-fast}
swift build "${flags[@]}" --build-path "$build_path" --product glassbox >&2
exec "$build_path/release/glassbox" "$@"
