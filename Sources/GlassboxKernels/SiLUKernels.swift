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
            VectorMath.mapFloat2(x, g, dx, count) { v, gv in
                let s = VectorMath.sigmoidInlined(v)
                return gv * s * (v * (1 - s) + 1)
            }
        } else {
            for i in 0..<count {
                let s = sigmoid(x[i])
                dx[i] = g[i] * s * (x[i] * (1 - s) + 1)
            }
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
