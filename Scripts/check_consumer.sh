#!/usr/bin/env bash
# Checks that Glassbox works as a SwiftPM dependency: clones the committed HEAD of this
# repository into a temporary directory, tags the clone 0.1.0 (the real repository is never
# tagged), creates a throwaway package that depends on it with
# `.package(url: "file://<clone>", from: "0.1.0")`, builds it and runs a forward pass whose
# output is checked. Exits non-zero on any failure. Uncommitted changes are not tested.
set -euo pipefail

repo=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
work=$(mktemp -d "${TMPDIR:-/tmp}/glassbox-consumer.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "check_consumer: cloning $(git -C "$repo" rev-parse --short HEAD) into $work/Glassbox"
git clone -q "$repo" "$work/Glassbox"
git -C "$work/Glassbox" -c user.name=check -c user.email=check@localhost tag -a 0.1.0 -m "consumer check"

mkdir -p "$work/Consumer/Sources/Consumer"
cat > "$work/Consumer/Package.swift" <<SWIFT
// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Consumer",
    dependencies: [.package(url: "file://$work/Glassbox", from: "0.1.0")],
    targets: [
        .executableTarget(
            name: "Consumer", dependencies: [.product(name: "Glassbox", package: "Glassbox")])
    ]
)
SWIFT

cat > "$work/Consumer/Sources/Consumer/main.swift" <<'SWIFT'
import Glassbox

#if canImport(Glibc)
import Glibc
#endif

// A forward pass: logits = x·W + b, then softmax over the classes.
let x = Tensor<Float>([[1, 2], [3, 4]])
let w = Tensor<Float>([[1, 0, -1], [0, 1, 1]])
let b = Tensor<Float>([0, 0, 1])
let p = (x.matmul(w) + b).softmax(dim: 1)
// Row 0: logits (1, 2, 2) → softmax (1, e, e) / (1 + 2e).
let e = Float(M_E)
let expected: [Float] = [1 / (1 + 2 * e), e / (1 + 2 * e), e / (1 + 2 * e)]
let row0 = Array(p.scalars[0..<3])
guard zip(row0, expected).allSatisfy({ abs($0 - $1) < 1e-6 }) else {
    print("consumer: softmax row 0 is \(row0), expected \(expected)")
    exit(1)
}
// The embedded dataset is found from a dependency's checkout too.
let digits = try Digits.loadAll()
guard digits.count == 1797 else {
    print("consumer: digits has \(digits.count) samples, expected 1797")
    exit(1)
}
print("consumer: softmax row 0 \(row0) ok; digits \(digits.count) samples ok")
SWIFT

cd "$work/Consumer"
swift build --scratch-path "$work/build" 2>&1 | tail -n 5
output=$("$work/build/debug/Consumer")
echo "$output"
case "$output" in
*"ok; digits 1797 samples ok"*) echo "check_consumer: OK" ;;
*) echo "check_consumer: unexpected output" >&2; exit 1 ;;
esac
