// SiLU (swish) forward and backward, each one pass over contiguous buffers.
//
//   forward   y  = x·σ(x)
//   backward  dx = g·σ(x)·(1 + x·(1 − σ(x)))
//
// The composite form (a sigmoid, then products and sums, each its own tensor) reads and writes
// every element 2 (forward) and 7 (backward) times; these read it once. Loop structure and
// threading as VectorMath's buffer kernels: chunks of at least `parallelMinimumChunk`
// elements, full `FloatVector`s through VectorMath.sigmoid, one padded vector for the tail.
// Every element runs the same lane-wise code, so the result does not depend on the thread
// count. Double runs the same formulas per element on libm `exp`.

/// Fused SiLU kernels: `x·σ(x)` and its derivative in one pass (σ as in
/// ``VectorMath/sigmoid(_:_:count:)``, so the Float error bound is that of the sigmoid plus two
/// roundings).
public enum SiLUKernels {
    /// `y[i] = x[i]·σ(x[i])`. `x` and `y` may be the same buffer.
    public static func forward<T: KernelScalar>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, count: Int) {
        if T.self == Float.self {
            VectorMath.mapFloat(x, y, count) { v in v * VectorMath.sigmoidInlined(v) }
        } else {
            for i in 0..<count { y[i] = x[i] * sigmoid(x[i]) }
        }
    }

    /// `dx[i] = g[i]·σ(x[i])·(1 + x[i]·(1 − σ(x[i])))`: the gradient of ``forward(_:_:count:)``
    /// given the output gradient `g`. `dx` may be `g`.
    public static func backward<T: KernelScalar>(
        _ x: UnsafePointer<T>, _ g: UnsafePointer<T>, _ dx: UnsafeMutablePointer<T>, count: Int
    ) {
        if T.self == Float.self {
            let xf = UnsafeRawPointer(x).assumingMemoryBound(to: Float.self)
            let gf = UnsafeRawPointer(g).assumingMemoryBound(to: Float.self)
            let df = UnsafeMutableRawPointer(dx).assumingMemoryBound(to: Float.self)
            if count >= VectorMath.parallelThreshold && Threading.threadCount > 1 {
                let xs = SendableConstPointer(xf), gs = SendableConstPointer(gf), ds = SendablePointer(df)
                Threading.parallelChunks(
                    count, granularity: VectorMath.FloatVector.scalarCount, minimumChunk: VectorMath.parallelMinimumChunk
                ) { range in
                    backwardRange(xs.base + range.lowerBound, gs.base + range.lowerBound, ds.base + range.lowerBound, range.count)
                }
            } else {
                backwardRange(xf, gf, df, count)
            }
        } else {
            for i in 0..<count {
                let s = sigmoid(x[i])
                dx[i] = g[i] * s * (x[i] * (1 - s) + 1)
            }
        }
    }

    /// The serial Float loop of ``backward(_:_:_:count:)``.
    static func backwardRange(
        _ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, _ count: Int
    ) {
        typealias V = VectorMath.FloatVector
        @inline(__always) func derivative(_ v: V, _ gv: V) -> V {
            let s = VectorMath.sigmoidInlined(v)
            return gv * s * (v * (1 - s) + 1)
        }
        let w = V.scalarCount
        var i = 0
        while i + w <= count {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: V.self)
            let gv = UnsafeRawPointer(g + i).loadUnaligned(as: V.self)
            UnsafeMutableRawPointer(dx + i).storeBytes(of: derivative(v, gv), as: V.self)
            i += w
        }
        let rest = count - i
        if rest > 0 {
            var v = V(), gv = V()
            for l in 0..<rest {
                v[l] = x[i + l]
                gv[l] = g[i + l]
            }
            let r = derivative(v, gv)
            for l in 0..<rest { dx[i + l] = r[l] }
        }
    }

    /// σ(v) for Double (and any non-Float scalar): the formula of VectorMath's Double sigmoid.
    @inline(__always)
    static func sigmoid<T: KernelScalar>(_ v: T) -> T {
        let d = Double(v)
        let e = LibM.exp(-Swift.abs(d))
        return T((d < 0 ? e : 1) / (1 + e))
    }
}
