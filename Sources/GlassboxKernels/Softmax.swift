#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Softmax, log-softmax and log-sum-exp along one axis of a contiguous buffer viewed as
/// `[outer, axis, inner]`.
///
/// PLACEHOLDER: scalar loops, to be replaced by SIMD implementations on ``VectorMath``.
public enum Softmax {
    /// `y = softmax(x)` along the middle axis (or `log_softmax` when `log` is true).
    public static func forward<T: KernelScalar>(
        _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>,
        outer: Int, axis: Int, inner: Int, log: Bool
    ) {
        for o in 0..<outer {
            for i in 0..<inner {
                let base = o * axis * inner + i
                var m = -T.infinity
                for a in 0..<axis { m = Swift.max(m, x[base + a * inner]) }
                var s: T = 0
                for a in 0..<axis { s += T(Glibc.exp(Double(x[base + a * inner] - m))) }
                for a in 0..<axis {
                    let v = x[base + a * inner] - m
                    y[base + a * inner] = log ? v - T(Glibc.log(Double(s))) : T(Glibc.exp(Double(v))) / s
                }
            }
        }
    }

    /// `y[o, i] = log Σ_a exp(x[o, a, i])`, computed stably (max subtracted first).
    public static func logSumExp<T: KernelScalar>(
        _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>,
        outer: Int, axis: Int, inner: Int
    ) {
        for o in 0..<outer {
            for i in 0..<inner {
                let base = o * axis * inner + i
                var m = -T.infinity
                for a in 0..<axis { m = Swift.max(m, x[base + a * inner]) }
                if m == -T.infinity { y[o * inner + i] = m; continue }
                var s: T = 0
                for a in 0..<axis { s += T(Glibc.exp(Double(x[base + a * inner] - m))) }
                y[o * inner + i] = m + T(Glibc.log(Double(s)))
            }
        }
    }
}
