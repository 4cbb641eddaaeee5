import GlassboxIO

/// The comparison of two tensor files entry by entry, with `torch.allclose` semantics:
/// elements `a` (first file) and `b` (second) agree when `|a − b| ≤ atol + rtol·|b|`; equal
/// infinities agree; NaN never does. The library behind `glassbox compare`.
public struct TensorComparison: Sendable {
    /// The outcome for one entry name.
    public enum Outcome: Equatable, Sendable {
        /// Both files hold it with the same dtype and shape.
        case compared(maxAbsoluteError: Double, maxRelativeError: Double, passed: Bool)
        /// Only the first file holds it.
        case onlyInFirst
        /// Only the second file holds it.
        case onlyInSecond
        /// The shapes differ.
        case shapeMismatch(first: [Int], second: [Int])
        /// The dtypes differ.
        case dtypeMismatch(first: DType, second: DType)
    }

    /// One entry's result.
    public struct Entry: Equatable, Sendable {
        /// The tensor name.
        public var name: String
        /// What was found.
        public var outcome: Outcome
        /// Whether the entry is within tolerance (only ``Outcome/compared(maxAbsoluteError:maxRelativeError:passed:)`` can pass).
        public var passed: Bool {
            if case .compared(_, _, let passed) = outcome { return passed }
            return false
        }
    }

    /// The entries: the first file's names in order, then names only in the second.
    public var entries: [Entry]
    /// The relative tolerance used.
    public var rtol: Double
    /// The absolute tolerance used.
    public var atol: Double

    /// Whether every entry passed.
    public var passed: Bool { entries.allSatisfy(\.passed) }

    /// Compares `first` against `second` (the reference: relative errors divide by `|b|`).
    public init(_ first: SafeTensors, _ second: SafeTensors, rtol: Double = 1e-5, atol: Double = 1e-8) {
        self.rtol = rtol
        self.atol = atol
        let seconds = second.tensorsByName
        let firstNames = Set(first.tensors.map(\.name))
        var entries: [Entry] = []
        for (name, a) in first.tensors {
            guard let b = seconds[name] else {
                entries.append(Entry(name: name, outcome: .onlyInFirst))
                continue
            }
            entries.append(Entry(name: name, outcome: Self.compare(a, b, rtol: rtol, atol: atol)))
        }
        for (name, _) in second.tensors where !firstNames.contains(name) {
            entries.append(Entry(name: name, outcome: .onlyInSecond))
        }
        self.entries = entries
    }

    /// Compares two arrays with `torch.allclose` semantics.
    public static func compare(_ a: ArrayData, _ b: ArrayData, rtol: Double, atol: Double) -> Outcome {
        guard a.dtype == b.dtype else { return .dtypeMismatch(first: a.dtype, second: b.dtype) }
        guard a.shape == b.shape else { return .shapeMismatch(first: a.shape, second: b.shape) }
        let x = a.asDoubles()
        let y = b.asDoubles()
        var maxAbsolute = 0.0
        var maxRelative = 0.0
        var passed = true
        for (u, v) in zip(x, y) {
            if u == v { continue }  // includes equal infinities
            let difference = Swift.abs(u - v)
            if difference.isNaN {
                maxAbsolute = .nan
                maxRelative = .nan
                passed = false
                continue
            }
            if !maxAbsolute.isNaN { maxAbsolute = Swift.max(maxAbsolute, difference) }
            if !maxRelative.isNaN { maxRelative = Swift.max(maxRelative, v == 0 ? .infinity : difference / Swift.abs(v)) }
            if !(difference <= atol + rtol * Swift.abs(v)) { passed = false }
        }
        return .compared(maxAbsoluteError: maxAbsolute, maxRelativeError: maxRelative, passed: passed)
    }

    /// One line per entry (`PASS name  max abs …  max rel …`), then a summary line.
    public var report: String {
        let width = entries.map(\.name.count).max() ?? 0
        var lines: [String] = []
        for entry in entries {
            let name = entry.name + String(repeating: " ", count: Swift.max(width - entry.name.count, 0))
            let status = entry.passed ? "PASS" : "FAIL"
            switch entry.outcome {
            case .compared(let absolute, let relative, _):
                lines.append("\(status)  \(name)  max abs \(format(absolute))  max rel \(format(relative))")
            case .onlyInFirst: lines.append("\(status)  \(name)  only in the first file")
            case .onlyInSecond: lines.append("\(status)  \(name)  only in the second file")
            case .shapeMismatch(let first, let second): lines.append("\(status)  \(name)  shape \(first) vs \(second)")
            case .dtypeMismatch(let first, let second):
                lines.append("\(status)  \(name)  dtype \(first.safeTensorsName) vs \(second.safeTensorsName)")
            }
        }
        let failed = entries.filter { !$0.passed }.count
        lines.append(
            failed == 0
                ? "all \(entries.count) tensors within rtol=\(format(rtol)) atol=\(format(atol))"
                : "\(failed) of \(entries.count) tensors NOT within rtol=\(format(rtol)) atol=\(format(atol))")
        return lines.joined(separator: "\n")
    }
}

/// A number in compact scientific notation (`3.1e-07`), `0` for zero.
func format(_ value: Double) -> String {
    if value == 0 { return "0" }
    if !value.isFinite { return "\(value)" }
    var exponent = Int((Swift.abs(value)).log10Floor)
    var mantissa = value / pow10(exponent)
    if Swift.abs(mantissa) >= 9.95 {
        exponent += 1
        mantissa /= 10
    }
    let rounded = (mantissa * 10).rounded() / 10
    let sign = exponent < 0 ? "-" : "+"
    let digits = Swift.abs(exponent) < 10 ? "0\(Swift.abs(exponent))" : "\(Swift.abs(exponent))"
    return "\(rounded)e\(sign)\(digits)"
}

private func pow10(_ n: Int) -> Double {
    var result = 1.0
    if n >= 0 { for _ in 0..<n { result *= 10 } } else { for _ in 0..<(-n) { result /= 10 } }
    return result
}

extension Double {
    /// ⌊log₁₀ |x|⌋ for finite non-zero `x`, without Foundation.
    fileprivate var log10Floor: Double {
        var x = Swift.abs(self)
        var exponent = 0.0
        while x >= 10 { x /= 10; exponent += 1 }
        while x < 1 { x *= 10; exponent -= 1 }
        return exponent
    }
}
