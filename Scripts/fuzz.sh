#!/usr/bin/env bash
# Builds the libFuzzer harnesses of Tests/Fuzz and runs each for N executions over its seed
# corpus (Tests/Fuzz/Corpus/<harness>/).
#
#   Scripts/fuzz.sh [--runs N] [HARNESS...]    (default: 20000 runs, every harness)
#   Scripts/fuzz.sh --list
#
# The modules (GlassboxKernels, GlassboxIO, Glassbox) are compiled with swiftc directly, with
# -sanitize=fuzzer,address (coverage for libFuzzer plus AddressSanitizer), into .build-fuzz/;
# Package.swift is not involved. A module is rebuilt only when one of its sources (or a module
# it imports) is newer than its stamp file. Each harness's new inputs go to
# .build-fuzz/corpus/<harness>/ (the committed seeds are only read); a crashing input is
# written to .build-fuzz/artifacts/<harness>-crash-<sha1>. GLASSBOX_FUZZ_BUILD=DIR builds and
# runs in DIR instead of .build-fuzz (a long run beside a short one).
#
# Exits non-zero if any harness crashed (trap, precondition, out-of-bounds access), leaked,
# ran past the per-input timeout or the memory limit. Prints executions, exec/s and wall time
# per harness.
set -euo pipefail
cd "$(dirname "$0")/.."

all=(safetensors npy npz idx gzip zlib inflate png pgm case_json checkpoint onnx)
# Harnesses that need the Glassbox module (the others link GlassboxIO only).
needs_glassbox=" case_json checkpoint "

runs=20000
selected=()
while (($#)); do
    case "$1" in
        --runs) runs="$2"; shift 2 ;;
        --list) printf '%s\n' "${all[@]}"; exit 0 ;;
        -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
        -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
        *)
            [[ " ${all[*]} " == *" $1 "* ]] || { echo "fuzz.sh: unknown harness '$1' (see --list)" >&2; exit 2; }
            selected+=("$1"); shift ;;
    esac
done
((${#selected[@]})) || selected=("${all[@]}")

build=${GLASSBOX_FUZZ_BUILD:-.build-fuzz}
mkdir -p "$build/modules" "$build/bin" "$build/artifacts" "$build/corpus"
flags=(-O -wmo -parse-as-library -sanitize=fuzzer,address -swift-version 6 -use-ld=lld)

# Compiles module $1 (sources under Sources/$1, importing modules $2...) into one object per
# source file under $build/modules/$1.objects/ (whole-module optimisation, code generation on
# every core: -num-threads) plus $1.swiftmodule, unless the module's stamp is newer than its
# sources and the stamps of the modules it imports.
build_module() {
    local name=$1 objects="$build/modules/$1.objects" stamp="$build/modules/$1.stamp"
    shift
    local dependencies=()
    for dependency in "$@"; do dependencies+=("$build/modules/$dependency.stamp"); done
    local sources=()
    mapfile -t sources < <(find "Sources/$name" -name '*.swift' | sort)
    if [[ -f $stamp ]] && [[ -z $(find "${sources[@]}" "${dependencies[@]}" -newer "$stamp") ]]; then return; fi
    echo "fuzz.sh: compiling $name (${#sources[@]} files)" >&2
    rm -rf "$objects" && mkdir -p "$objects"
    local map="$objects/output-file-map.json" source
    {
        printf '{\n'
        for source in "${sources[@]}"; do
            printf '  "%s": {"object": "%s/%s.o"},\n' "$source" "$objects" "$(basename "$source" .swift)"
        done
        printf '  "": {}\n}\n'
    } >"$map"
    swiftc "${flags[@]}" -num-threads "$(getconf _NPROCESSORS_ONLN)" -module-name "$name" -I "$build/modules" \
        -emit-module -emit-module-path "$build/modules/$name.swiftmodule" \
        -output-file-map "$map" -c "${sources[@]}"
    touch "$stamp"
}

build_module GlassboxKernels
build_module GlassboxIO
for harness in "${selected[@]}"; do
    if [[ $needs_glassbox == *" $harness "* ]]; then build_module Glassbox GlassboxKernels GlassboxIO; break; fi
done

# Links harness $1 (Tests/Fuzz/$1.swift plus the shared Tests/Fuzz/Support.swift).
build_harness() {
    local name=$1 binary="$build/bin/$1"
    local modules=(GlassboxIO) module objects=() stamps=()
    if [[ $needs_glassbox == *" $name "* ]]; then modules+=(Glassbox GlassboxKernels); fi
    for module in "${modules[@]}"; do
        objects+=("$build/modules/$module.objects/"*.o)
        stamps+=("$build/modules/$module.stamp")
    done
    if [[ -f $binary ]] && [[ -z $(find "Tests/Fuzz/$name.swift" Tests/Fuzz/Support.swift "${stamps[@]}" -newer "$binary") ]]; then
        return
    fi
    echo "fuzz.sh: linking harness $name" >&2
    swiftc "${flags[@]}" -module-name "Fuzz_$name" -I "$build/modules" \
        "Tests/Fuzz/$name.swift" Tests/Fuzz/Support.swift "${objects[@]}" -o "$binary"
}
for harness in "${selected[@]}"; do build_harness "$harness"; done

# The Swift runtime's crash handler and AddressSanitizer both want the fatal signals: let
# libFuzzer and ASan report crashes.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}

failed=()
printf '\n%-12s %12s %10s %8s  %s\n' harness executions exec/s wall_s result
for harness in "${selected[@]}"; do
    log="$build/$harness.log"
    mkdir -p "$build/corpus/$harness"
    start=$(date +%s%N)
    status=0
    "$build/bin/$harness" -runs="$runs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$build/artifacts/$harness-" \
        "$build/corpus/$harness" "Tests/Fuzz/Corpus/$harness" >"$log" 2>&1 || status=$?
    milliseconds=$((($(date +%s%N) - start) / 1000000))
    wall=$(printf '%d.%01d' $((milliseconds / 1000)) $((milliseconds % 1000 / 100)))
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    speed=$( ((${executions:-0} > 0 && milliseconds > 0)) && echo $((executions * 1000 / milliseconds)) || echo '?')
    result=ok
    if ((status != 0)); then
        result="FAILED (exit $status, see $log)"
        failed+=("$harness")
    fi
    printf '%-12s %12s %10s %8s  %s\n' "$harness" "${executions:-?}" "$speed" "$wall" "$result"
    if ((status != 0)); then grep -m1 -E 'ERROR|Fatal error|Precondition failed|SUMMARY' "$log" >&2 || true; fi
done

if ((${#failed[@]})); then
    echo "fuzz.sh: ${#failed[@]} harness(es) failed: ${failed[*]}" >&2
    exit 1
fi
