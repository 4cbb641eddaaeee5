/// Reductions along one axis of a contiguous buffer viewed as `[outer, axis, inner]`.
///
/// Loop structure: for each `outer` slice, rows of the axis are accumulated into the `inner`
/// outputs in axis order (a vectorisable loop over `inner`). The order of accumulation is fixed,
/// and threads split only `outer`, so the result is bitwise identical for every thread count.
public enum Reduction {
    /// `Σ p[0..<n]` in eight interleaved SIMD lanes, then the lanes and the tail in a fixed
    /// order (so the result does not depend on how the caller splits work).
    @inline(__always)
    static func laneSum<T: KernelScalar>(_ p: UnsafePointer<T>, _ n: Int) -> T {
        var acc = SIMD8<T>(repeating: 0)
        var i = 0
        while i + 8 <= n {
            acc += UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<T>.self)
            i += 8
        }
        var s = acc.sum()
        while i < n { s += p[i]; i += 1 }
        return s
    }

    /// `y[o, i] = Σ_a x[o, a, i]`.
    public static func sum<T: KernelScalar>(
        _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, outer: Int, axis: Int, inner: Int
    ) {
        if T.self == Float.self {
            sumImpl(rebind(x, Float.self), rebind(y, Float.self), outer, axis, inner)
        } else if T.self == Double.self {
            sumImpl(rebind(x, Double.self), rebind(y, Double.self), outer, axis, inner)
        } else {
            sumImpl(x, y, outer, axis, inner)
        }
    }

    static func sumImpl<T: KernelScalar>(
        _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ outer: Int, _ axis: Int, _ inner: Int
    ) {
        let xs = SendableConstPointer(x), ys = SendablePointer(y)
        let minOuter = Swift.max(1, (1 << 16) / Swift.max(1, axis * inner))
        Threading.parallelChunks(outer, minimumChunk: minOuter) { r in
            for o in r {
                let src = xs.base + o * axis * inner
                let dst = ys.base + o * inner
                if inner == 1 {
                    dst[0] = laneSum(src, axis)
                } else {
                    for i in 0..<inner { dst[i] = src[i] }
                    for a in 1..<Swift.max(axis, 1) {
                        let row = src + a * inner
                        for i in 0..<inner { dst[i] += row[i] }
                    }
                    if axis == 0 { for i in 0..<inner { dst[i] = 0 } }
                }
            }
        }
    }

    /// `y[o, i] = max_a x[o, a, i]` and `index[o, i]` = the first `a` attaining it (NaN wins,
    /// like PyTorch).
    public static func max<T: KernelScalar>(
        _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ index: UnsafeMutablePointer<Int>,
        outer: Int, axis: Int, inner: Int
    ) {
        precondition(axis > 0, "max: cannot reduce an empty axis")
        for o in 0..<outer {
            let src = x + o * axis * inner
            for i in 0..<inner {
                var best = src[i]
                var bestIndex = 0
                if !best.isNaN {
                    for a in 1..<axis {
                        let v = src[a * inner + i]
                        if v > best || v.isNaN {
                            best = v
                            bestIndex = a
                            if v.isNaN { break }
                        }
                    }
                }
                y[o * inner + i] = best
                index[o * inner + i] = bestIndex
            }
        }
    }
}
