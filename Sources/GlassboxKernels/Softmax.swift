// Softmax: softmax, log-softmax and log-sum-exp along the middle axis of a contiguous buffer
// viewed as [outer, axis, inner].
//
// Loop structure: `outer` is split into contiguous blocks over `Threading.threadCount` threads
// (at least `minimumElementsPerChunk` elements per block); nothing else is split, so every
// output is computed by the same code in the same order for every thread count.
// - inner == 1 (the common last-axis case): each row is contiguous; three passes per row,
//   SIMD along the row (`FloatVector` lanes, one padded vector for the tail): max; then
//   exp(x − max) stored (softmax) and summed in one vector accumulator, reduced lane 0…W−1;
//   then scale (y / sum) or shift (x − max − log sum).
// - inner > 1: SIMD across `inner` (W neighbouring columns at a time, the last group padded),
//   the same three passes running down the axis with stride `inner`; sums are per column.
// Float uses ``VectorMath/exp(_:)-(V)`` (≤ 2 ulp); Double uses libm scalar loops with the same
// structure. Special values match PyTorch: a row of all -inf (or with +inf or NaN) gives NaN
// softmax and log-softmax; logsumexp treats an infinite max as 0, so all -inf → -inf and any
// +inf → +inf.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Softmax, log-softmax and log-sum-exp along one axis of a contiguous buffer viewed as
/// `[outer, axis, inner]`.
///
/// Numerically stable (the maximum along the axis is subtracted before `exp`), deterministic
/// (bitwise identical for every ``Threading/threadCount``: only `outer` is split over threads),
/// and matching PyTorch on special values. Float error: each softmax output is within
/// about (4 + axis/8)·2⁻²⁴ relative of the exact value (exp ≤ 2 ulp, Float summation of `axis`
/// terms in `FloatVector.scalarCount` lanes, one division); log-softmax and logsumexp within a
/// few ulp of |x − max| + log Σ. Double: libm `exp`/`log`, Double accumulation.
public enum Softmax {
    /// Blocks of `outer` handed to one thread hold at least this many elements.
    @usableFromInline static let minimumElementsPerChunk = 1 << 14

    /// `y = softmax(x)` along the middle axis of `[outer, axis, inner]`, or `log_softmax` when
    /// `log` is true. `x` and `y` may be the same buffer.
    ///
    /// Computes `exp(x − max) / Σ exp(x − max)` (or `x − max − log Σ exp(x − max)`), like
    /// `torch.softmax`/`torch.log_softmax`: a row of all -inf, or a row containing +inf or NaN,
    /// gives NaN. Float error: relative ≤ (4 + axis/8)·2⁻²⁴ per softmax output (in practice a
    /// few ulp); log-softmax absolute ≤ a few ulp of |x − max| + log Σ. Double: libm, Double sums.
    @inlinable
    public static func forward<T: KernelScalar>(
        _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>,
        outer: Int, axis: Int, inner: Int, log: Bool
    ) {
        precondition(outer >= 0 && axis >= 0 && inner >= 0,
                     "Softmax.forward: negative shape [\(outer), \(axis), \(inner)]")
        if outer == 0 || axis == 0 || inner == 0 { return }
        let xs = SendableConstPointer(x), ys = SendablePointer(y)
        forEachOuterBlock(outer: outer, perOuter: axis * inner) { range in
            for o in range {
                let xo = xs.base + o * axis * inner, yo = ys.base + o * axis * inner
                if T.self == Float.self {
                    let xf = UnsafeRawPointer(xo).assumingMemoryBound(to: Float.self)
                    let yf = UnsafeMutableRawPointer(yo).assumingMemoryBound(to: Float.self)
                    if inner == 1 {
                        floatRow(xf, yf, axis, log: log)
                    } else {
                        floatColumns(xf, yf, axis, inner, log: log)
                    }
                } else {
                    scalarColumns(xo, yo, axis, inner, log: log)
                }
            }
        }
    }

    /// `y[o, i] = log Σ_a exp(x[o, a, i])` for `x` viewed as `[outer, axis, inner]`; `y` has
    /// `outer · inner` elements.
    ///
    /// Computed as `m + log Σ exp(x − m)` with `m` the maximum, where an infinite `m` is taken
    /// as 0 (like `torch.logsumexp`): all -inf → -inf, any +inf → +inf, NaN → NaN; `axis == 0`
    /// gives -inf. Float error: a few ulp of `|m| + log Σ` (exp ≤ 2 ulp, Float sums, log
    /// ≤ 1 ulp). Double: libm, Double sums.
    @inlinable
    public static func logSumExp<T: KernelScalar>(
        _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>,
        outer: Int, axis: Int, inner: Int
    ) {
        precondition(outer >= 0 && axis >= 0 && inner >= 0,
                     "Softmax.logSumExp: negative shape [\(outer), \(axis), \(inner)]")
        if outer == 0 || inner == 0 { return }
        if axis == 0 {
            for i in 0..<(outer * inner) { y[i] = -T.infinity }
            return
        }
        let xs = SendableConstPointer(x), ys = SendablePointer(y)
        forEachOuterBlock(outer: outer, perOuter: axis * inner) { range in
            for o in range {
                let xo = xs.base + o * axis * inner, yo = ys.base + o * inner
                if T.self == Float.self {
                    let xf = UnsafeRawPointer(xo).assumingMemoryBound(to: Float.self)
                    let yf = UnsafeMutableRawPointer(yo).assumingMemoryBound(to: Float.self)
                    if inner == 1 {
                        yf.pointee = floatRowLogSumExp(xf, axis)
                    } else {
                        floatColumnsLogSumExp(xf, yf, axis, inner)
                    }
                } else {
                    scalarColumnsLogSumExp(xo, yo, axis, inner)
                }
            }
        }
    }

    // MARK: - Scheduling

    /// Runs `body` on contiguous blocks of `0..<outer`, in parallel when the work is large.
    @inlinable @inline(__always)
    static func forEachOuterBlock(outer: Int, perOuter: Int, _ body: (Range<Int>) -> Void) {
        let minimumOuter = max(1, minimumElementsPerChunk / max(1, perOuter))
        if outer < 2 * minimumOuter || Threading.threadCount == 1 {
            body(0..<outer)
        } else {
            Threading.parallelChunks(outer, minimumChunk: minimumOuter, body)
        }
    }

    // MARK: - Float, SIMD

    @usableFromInline typealias V = VectorMath.FloatVector

    /// The first `count` lanes from `p` (stride `stride`), the rest `fill`.
    @inlinable @inline(__always)
    static func loadPartial(_ p: UnsafePointer<Float>, _ count: Int, fill: Float) -> V {
        var v = V(repeating: fill)
        for l in 0..<count { v[l] = p[l] }
        return v
    }

    @inlinable @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> V {
        UnsafeRawPointer(p).loadUnaligned(as: V.self)
    }

    @inlinable @inline(__always)
    static func store(_ v: V, _ p: UnsafeMutablePointer<Float>, count: Int = V.scalarCount) {
        if count == V.scalarCount {
            UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
        } else {
            for l in 0..<count { p[l] = v[l] }
        }
    }

    /// Lane-wise maximum that skips NaN lanes of `b` (NaN reaches the result through the sums).
    @inlinable @inline(__always)
    static func maxLanes(_ a: V, _ b: V) -> V {
        a.replacing(with: b, where: b .> a)
    }

    /// The maximum of a contiguous row (NaN skipped; -inf for an all -inf row).
    @inlinable @inline(__always)
    static func rowMax(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        let w = V.scalarCount
        var m = V(repeating: -.infinity)
        var i = 0
        while i + w <= n { m = maxLanes(m, load(x + i)); i += w }
        if i < n { m = maxLanes(m, loadPartial(x + i, n - i, fill: -.infinity)) }
        var r = m[0]
        for l in 1..<w where m[l] > r { r = m[l] }
        return r
    }

    /// Σ exp(x[i] − m) over a contiguous row, storing each term in `y` when `y` is not nil.
    @inlinable @inline(__always)
    static func rowExpSum(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>?, _ n: Int, _ m: Float
    ) -> Float {
        let w = V.scalarCount
        let mv = V(repeating: m)
        var acc = V()
        var i = 0
        while i + w <= n {
            let e = VectorMath.exp(load(x + i) - mv)
            if let y { store(e, y + i) }
            acc += e
            i += w
        }
        if i < n {
            var e = VectorMath.exp(loadPartial(x + i, n - i, fill: m) - mv)
            if let y { store(e, y + i, count: n - i) }
            for l in (n - i)..<w { e[l] = 0 }
            acc += e
        }
        var s = acc[0]
        for l in 1..<w { s += acc[l] }
        return s
    }

    /// Softmax or log-softmax of one contiguous row.
    @inlinable
    static func floatRow(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int, log: Bool) {
        let w = V.scalarCount
        let m = rowMax(x, n)
        if log {
            let mv = V(repeating: m)
            let ls = V(repeating: LibM.log(rowExpSum(x, nil, n, m)))
            var i = 0
            while i + w <= n { store((load(x + i) - mv) - ls, y + i); i += w }
            if i < n { store((loadPartial(x + i, n - i, fill: 0) - mv) - ls, y + i, count: n - i) }
        } else {
            let s = V(repeating: rowExpSum(x, y, n, m))
            var i = 0
            while i + w <= n { store(load(UnsafePointer(y + i)) / s, y + i); i += w }
            if i < n { store(loadPartial(UnsafePointer(y + i), n - i, fill: 1) / s, y + i, count: n - i) }
        }
    }

    /// logsumexp of one contiguous row (PyTorch: an infinite max counts as 0).
    @inlinable
    static func floatRowLogSumExp(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var m = rowMax(x, n)
        if m.isInfinite { m = 0 }
        return m + LibM.log(rowExpSum(x, nil, n, m))
    }

    /// Runs `body(j, lanes)` for each group of up to W neighbouring columns.
    @inlinable @inline(__always)
    static func forEachColumnGroup(_ inner: Int, _ body: (Int, Int) -> Void) {
        let w = V.scalarCount
        var j = 0
        while j < inner { body(j, min(w, inner - j)); j += w }
    }

    /// Column-wise max and Σ exp(x − max) of `lanes` columns starting at `x` (stride `inner`),
    /// storing the exp terms in `y` when given. Returns (max, sum).
    @inlinable @inline(__always)
    static func columnExpSum(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>?, _ axis: Int, _ inner: Int,
        _ lanes: Int, infiniteMaxAsZero: Bool
    ) -> (V, V) {
        let full = lanes == V.scalarCount
        func ld(_ a: Int) -> V { full ? load(x + a * inner) : loadPartial(x + a * inner, lanes, fill: 0) }
        var m = V(repeating: -.infinity)
        for a in 0..<axis { m = maxLanes(m, ld(a)) }
        if infiniteMaxAsZero { m = m.replacing(with: 0, where: m .== .infinity .| m .== -.infinity) }
        var s = V()
        for a in 0..<axis {
            let e = VectorMath.exp(ld(a) - m)
            if let y { store(e, y + a * inner, count: lanes) }
            s += e
        }
        return (m, s)
    }

    /// Softmax or log-softmax down the axis for all columns of one outer slice.
    @inlinable
    static func floatColumns(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ axis: Int, _ inner: Int, log: Bool
    ) {
        forEachColumnGroup(inner) { j, lanes in
            let full = lanes == V.scalarCount
            if log {
                let (m, s) = columnExpSum(x + j, nil, axis, inner, lanes, infiniteMaxAsZero: false)
                var ls = V()
                for l in 0..<lanes { ls[l] = LibM.log(s[l]) }
                for a in 0..<axis {
                    let p = x + j + a * inner
                    let v = full ? load(p) : loadPartial(p, lanes, fill: 0)
                    store((v - m) - ls, y + j + a * inner, count: lanes)
                }
            } else {
                let (_, s) = columnExpSum(x + j, y + j, axis, inner, lanes, infiniteMaxAsZero: false)
                for a in 0..<axis {
                    let p = UnsafePointer(y + j + a * inner)
                    let v = full ? load(p) : loadPartial(p, lanes, fill: 1)
                    store(v / s, y + j + a * inner, count: lanes)
                }
            }
        }
    }

    /// logsumexp down the axis for all columns of one outer slice.
    @inlinable
    static func floatColumnsLogSumExp(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ axis: Int, _ inner: Int
    ) {
        forEachColumnGroup(inner) { j, lanes in
            let (m, s) = columnExpSum(x + j, nil, axis, inner, lanes, infiniteMaxAsZero: true)
            for l in 0..<lanes { y[j + l] = m[l] + LibM.log(s[l]) }
        }
    }

    // MARK: - Double (any non-Float scalar), libm

    /// Softmax or log-softmax down the axis for all columns of one outer slice, scalar.
    @inlinable
    static func scalarColumns<T: KernelScalar>(
        _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ axis: Int, _ inner: Int, log: Bool
    ) {
        for i in 0..<inner {
            var m = -T.infinity
            for a in 0..<axis where x[a * inner + i] > m { m = x[a * inner + i] }
            var s = 0.0
            for a in 0..<axis {
                let e = LibM.exp(Double(x[a * inner + i] - m))
                if !log { y[a * inner + i] = T(e) }
                s += e
            }
            if log {
                let ls = T(LibM.log(s))
                for a in 0..<axis { y[a * inner + i] = (x[a * inner + i] - m) - ls }
            } else {
                for a in 0..<axis { y[a * inner + i] = T(Double(y[a * inner + i]) / s) }
            }
        }
    }

    /// logsumexp down the axis for all columns of one outer slice, scalar.
    @inlinable
    static func scalarColumnsLogSumExp<T: KernelScalar>(
        _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ axis: Int, _ inner: Int
    ) {
        for i in 0..<inner {
            var m = -T.infinity
            for a in 0..<axis where x[a * inner + i] > m { m = x[a * inner + i] }
            if m.isInfinite { m = 0 }
            var s = 0.0
            for a in 0..<axis { s += LibM.exp(Double(x[a * inner + i] - m)) }
            y[i] = m + T(LibM.log(s))
        }
    }
}
