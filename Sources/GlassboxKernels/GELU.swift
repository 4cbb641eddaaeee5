#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// GELU forward and backward, one pass over the buffer each (the composite of erf, +, ·
// made five to seven passes and as many temporaries).
//
//   exact:  y = x·(erf(x·√½) + 1)·½            dy/dx = (erf(x·√½) + 1)·½ + x·e^(−x²/2)/√(2π)
//   tanh:   t = tanh((x + 0.044715·x³)·√(2/π))
//           y = x·t·½ + x·½                    dy/dx = (t + 1)·½ + x·½·(1 − t²)·(3·0.044715·x² + 1)·√(2/π)
//
// Loop structure: the buffer is cut into at most `Threading.threadCount` contiguous chunks of at
// least 2¹⁵ elements (buffers under 2¹⁶ stay on the calling thread); each chunk runs full
// `VectorMath.FloatVector`s through the lane-wise formula and its last `count % width`
// elements through one padded vector. Each lane performs the operations of the composite
// (`Tensor.gelu`'s differentiable form) in the same order, with the same `VectorMath` erf, exp
// and tanh, so the kernels give the composite's bits, and the same bits for every chunking and
// thread count. Double runs the same formulas in scalar loops on libm.

/// Fused GELU kernels over contiguous buffers (see the comment at the top of the file).
public enum GELUKernel {
    /// `y[i] = gelu(x[i])`, exact (`tanh: false`) or the tanh approximation. `x` and `y` may
    /// be the same buffer.
    public static func forward<T: KernelScalar>(
        _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, count: Int, tanh: Bool
    ) {
        if T.self == Float.self {
            let xs = SendableConstPointer(rebind(x, Float.self)), ys = SendablePointer(rebind(y, Float.self))
            chunks(count) { r in
                if tanh {
                    map(xs.base + r.lowerBound, ys.base + r.lowerBound, r.count) { (v: VectorMath.FloatVector) in tanhForward(v) }
                } else {
                    map(xs.base + r.lowerBound, ys.base + r.lowerBound, r.count) { (v: VectorMath.FloatVector) in exactForward(v) }
                }
            }
        } else {
            for i in 0..<count {
                let v = Double(x[i])
                y[i] = T(tanh ? tanhForwardScalar(v) : exactForwardScalar(v))
            }
        }
    }

    /// `gradInput[i] = gradOutput[i] · gelu′(x[i])`. `gradInput` may be the same buffer as
    /// `gradOutput` or `x`.
    public static func backward<T: KernelScalar>(
        _ x: UnsafePointer<T>, gradOutput: UnsafePointer<T>, gradInput: UnsafeMutablePointer<T>, count: Int, tanh: Bool
    ) {
        if T.self == Float.self {
            let xs = SendableConstPointer(rebind(x, Float.self)), gs = SendableConstPointer(rebind(gradOutput, Float.self))
            let ds = SendablePointer(rebind(gradInput, Float.self))
            chunks(count) { r in
                let lo = r.lowerBound
                if tanh {
                    VectorMath.mapFloat2Range(xs.base + lo, gs.base + lo, ds.base + lo, r.count) { (v: VectorMath.FloatVector, g) in g * tanhDerivative(v) }
                } else {
                    VectorMath.mapFloat2Range(xs.base + lo, gs.base + lo, ds.base + lo, r.count) { (v: VectorMath.FloatVector, g) in g * exactDerivative(v) }
                }
            }
        } else {
            for i in 0..<count {
                let v = Double(x[i])
                gradInput[i] = T(Double(gradOutput[i]) * (tanh ? tanhDerivativeScalar(v) : exactDerivativeScalar(v)))
            }
        }
    }

    // MARK: Float lanes (the composite's operations, in its order)

    /// `√½`, `1/√(2π)`, `√(2/π)` and the cubic coefficient, rounded to the scalar as
    /// `Tensor.gelu` rounds them.
    static var half: Float { Float(0.5).squareRoot() }
    static var inverseRootTwoPi: Float { 1 / (2 * Float.pi).squareRoot() }
    static var rootTwoOverPi: Float { (2 / Float.pi).squareRoot() }
    static var cubic: Float { 0.044715 }

    @inline(__always)
    static func exactForward<V: SIMD>(_ x: V) -> V where V.Scalar == Float, V.MaskStorage.Scalar == Int32 {
        x * (VectorMath.erf(x * half) + 1) * 0.5
    }

    @inline(__always)
    static func exactDerivative<V: SIMD>(_ x: V) -> V where V.Scalar == Float, V.MaskStorage.Scalar == Int32 {
        let cdf = (VectorMath.erf(x * half) + 1) * 0.5
        let pdf = VectorMath.exp(x * x * -0.5) * inverseRootTwoPi
        return cdf + x * pdf
    }

    @inline(__always)
    static func tanhForward<V: SIMD>(_ x: V) -> V where V.Scalar == Float, V.MaskStorage.Scalar == Int32 {
        let t = VectorMath.tanh((x + x * x * x * cubic) * rootTwoOverPi)
        return x * t * 0.5 + x * 0.5
    }

    @inline(__always)
    static func tanhDerivative<V: SIMD>(_ x: V) -> V where V.Scalar == Float, V.MaskStorage.Scalar == Int32 {
        let t = VectorMath.tanh((x + x * x * x * cubic) * rootTwoOverPi)
        let du = (x * x * (3 * cubic) + 1) * rootTwoOverPi
        return (t + 1) * 0.5 + x * 0.5 * (1 - t * t) * du
    }

    // MARK: Double (libm, scalar)

    static func exactForwardScalar(_ x: Double) -> Double { x * (LibM.erf(x * 0.5.squareRoot()) + 1) * 0.5 }

    static func exactDerivativeScalar(_ x: Double) -> Double {
        let cdf = (LibM.erf(x * 0.5.squareRoot()) + 1) * 0.5
        return cdf + x * (LibM.exp(x * x * -0.5) * (1 / (2 * Double.pi).squareRoot()))
    }

    static func tanhForwardScalar(_ x: Double) -> Double {
        let t = LibM.tanh((x + x * x * x * 0.044715) * (2 / Double.pi).squareRoot())
        return x * t * 0.5 + x * 0.5
    }

    static func tanhDerivativeScalar(_ x: Double) -> Double {
        let c = (2 / Double.pi).squareRoot()
        let t = LibM.tanh((x + x * x * x * 0.044715) * c)
        return (t + 1) * 0.5 + x * 0.5 * (1 - t * t) * ((x * x * (3 * 0.044715) + 1) * c)
    }

    // MARK: Loops

    /// Runs `body` on contiguous chunks of `0..<count` (vector-aligned), in parallel for large
    /// buffers.
    @inline(__always)
    static func chunks(_ count: Int, _ body: (Range<Int>) -> Void) {
        if count >= VectorMath.parallelThreshold && Threading.threadCount > 1 {
            Threading.parallelChunks(
                count, granularity: VectorMath.FloatVector.scalarCount, minimumChunk: VectorMath.parallelMinimumChunk, body)
        } else {
            body(0..<count)
        }
    }

    /// `y = f(x)` over `n` Floats: full vectors, then one padded vector.
    @inline(__always)
    static func map(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int,
        _ f: (VectorMath.FloatVector) -> VectorMath.FloatVector
    ) {
        VectorMath.mapFloatRange(x, y, n, f)
    }
}
