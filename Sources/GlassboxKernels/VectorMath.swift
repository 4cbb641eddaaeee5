// VectorMath: elementwise exp, log, tanh, sigmoid and erf over contiguous buffers.
//
// Loop structure: the buffer is cut into chunks of at least `parallelMinimumChunk` elements
// (a multiple of the vector width), at most `Threading.threadCount` of them, run in parallel;
// each chunk runs full `FloatVector`s (SIMD8<Float>, SIMD16<Float> under the AVX512 trait)
// through the single-vector function and handles its last `count % width` elements by padding
// one vector. Every element goes through the same lane-wise code, so the result does not
// depend on the chunking or the thread count.
//
// The single-vector Float functions (`VectorMath.exp(_: V) -> V` and friends, in
// VectorMath+Float.swift) are `@inlinable` and generic over the SIMD width, so kernels in other
// modules (a fused LSTM gate, GELU) can call them and get them specialised and inlined.
// Double buffers use libm (Glibc) scalar loops. Methods and measured errors:
// Docs/KernelsVectorMath.md.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Elementwise transcendental functions over contiguous buffers and over single SIMD vectors.
///
/// Float: own SIMD implementations (range reduction + polynomials fitted for this library).
/// Measured maximum errors over ≥ 10⁷ points per function, in both the plain and the FMA build:
/// `exp`, `log`, `tanh`, `erf` 1 ulp, `sigmoid` 2 ulp (bound asserted by the tests: 4 ulp;
/// see Docs/KernelsVectorMath.md for the exact table). Double: the platform libm, scalar.
/// Special values follow libm: NaN in gives NaN out, `exp` overflows to +inf and underflows
/// through the subnormals to 0, `log(0) = -inf`, `log(x < 0) = NaN`, and `tanh`, `sigmoid`, `erf`
/// saturate without NaN.
public enum VectorMath {
    #if AVX512
    /// The SIMD vector the buffer kernels use for `Float`: `SIMD16<Float>` under the AVX512
    /// trait, `SIMD8<Float>` otherwise. (Exact; no error bound applies.)
    public typealias FloatVector = SIMD16<Float>
    #else
    /// The SIMD vector the buffer kernels use for `Float`: `SIMD16<Float>` under the AVX512
    /// trait, `SIMD8<Float>` otherwise. (Exact; no error bound applies.)
    public typealias FloatVector = SIMD8<Float>
    #endif

    /// Buffers at least this long are split over ``Threading/threadCount`` threads.
    @usableFromInline static let parallelThreshold = 1 << 16
    /// The smallest chunk one thread is given.
    @usableFromInline static let parallelMinimumChunk = 1 << 15

    /// `y[i] = exp(x[i])`. `x` and `y` may be the same buffer.
    ///
    /// Float: max error ≤ 4 ulp (asserted by the tests; measured 1 ulp) on [-87.3, 88.7], subnormal results within
    /// 1 ulp of the subnormal spacing; overflow → +inf, underflow → 0, NaN → NaN.
    /// Double: libm `exp`.
    @inlinable
    public static func exp<T: KernelScalar>(
        _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, count: Int
    ) {
        if T.self == Float.self {
            mapFloat(x, y, count) { (v: FloatVector) in VectorMath.exp(v) }
        } else {
            for i in 0..<count { y[i] = T(LibM.exp(Double(x[i]))) }
        }
    }

    /// `y[i] = log(x[i])` (natural logarithm). `x` and `y` may be the same buffer.
    ///
    /// Float: max error ≤ 4 ulp (asserted by the tests; measured 1 ulp) over all positive floats, subnormals included;
    /// `log(±0) = -inf`, `log(x < 0) = NaN`, `log(+inf) = +inf`, NaN → NaN. Double: libm `log`.
    @inlinable
    public static func log<T: KernelScalar>(
        _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, count: Int
    ) {
        if T.self == Float.self {
            mapFloat(x, y, count) { (v: FloatVector) in VectorMath.log(v) }
        } else {
            for i in 0..<count { y[i] = T(LibM.log(Double(x[i]))) }
        }
    }

    /// `y[i] = tanh(x[i])`. `x` and `y` may be the same buffer.
    ///
    /// Float: max error ≤ 4 ulp (asserted by the tests; measured 1 ulp) for all finite x (subnormals near 0 included);
    /// `tanh(±large) = ±1`, NaN → NaN. Double: libm `tanh`.
    @inlinable
    public static func tanh<T: KernelScalar>(
        _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, count: Int
    ) {
        if T.self == Float.self {
            mapFloat(x, y, count) { (v: FloatVector) in VectorMath.tanh(v) }
        } else {
            for i in 0..<count { y[i] = T(LibM.tanh(Double(x[i]))) }
        }
    }

    /// `y[i] = 1 / (1 + exp(-x[i]))`. `x` and `y` may be the same buffer.
    ///
    /// Computed as `1 / (1 + e)` for x ≥ 0 and `e / (1 + e)` for x < 0 with `e = exp(-|x|)`, so
    /// the far negative tail keeps its relative accuracy down to the subnormals.
    /// Float: max error ≤ 4 ulp (asserted by the tests; measured 2 ulp) for all finite x; saturates to exactly 0 and 1
    /// without NaN; NaN → NaN. Double: the same formula on libm `exp` (correctly rounded to
    /// within about 2 ulp).
    @inlinable
    public static func sigmoid<T: KernelScalar>(
        _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, count: Int
    ) {
        if T.self == Float.self {
            mapFloat(x, y, count) { (v: FloatVector) in VectorMath.sigmoid(v) }
        } else {
            for i in 0..<count {
                let v = Double(x[i])
                let e = LibM.exp(-Swift.abs(v))
                y[i] = T((v < 0 ? e : 1) / (1 + e))
            }
        }
    }

    /// `y[i] = erf(x[i])`. `x` and `y` may be the same buffer.
    ///
    /// Float: max error ≤ 4 ulp (asserted by the tests; measured 1 ulp) for all finite x; `erf(±large) = ±1`,
    /// NaN → NaN. Double: libm `erf`.
    @inlinable
    public static func erf<T: KernelScalar>(
        _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, count: Int
    ) {
        if T.self == Float.self {
            mapFloat(x, y, count) { (v: FloatVector) in VectorMath.erf(v) }
        } else {
            for i in 0..<count { y[i] = T(LibM.erf(Double(x[i]))) }
        }
    }

    /// Applies a lane-wise vector function to a Float buffer (the generic `T` is Float here).
    @inlinable @inline(__always)
    static func mapFloat<T>(
        _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ count: Int,
        _ f: (FloatVector) -> FloatVector
    ) {
        let xf = UnsafeRawPointer(x).assumingMemoryBound(to: Float.self)
        let yf = UnsafeMutableRawPointer(y).assumingMemoryBound(to: Float.self)
        if count >= parallelThreshold && Threading.threadCount > 1 {
            Threading.parallelChunks(
                count, granularity: FloatVector.scalarCount, minimumChunk: parallelMinimumChunk
            ) { range in
                mapFloatRange(xf + range.lowerBound, yf + range.lowerBound, range.count, f)
            }
        } else {
            mapFloatRange(xf, yf, count, f)
        }
    }

    /// Applies a lane-wise function of two vectors to two Float buffers, `d = f(x, g)` (the
    /// generic `T` is Float here): a backward pass `∂x = g·f′(x)`. `d` may be `x` or `g`.
    @inlinable @inline(__always)
    static func mapFloat2<T>(
        _ x: UnsafePointer<T>, _ g: UnsafePointer<T>, _ d: UnsafeMutablePointer<T>, _ count: Int,
        _ f: (FloatVector, FloatVector) -> FloatVector
    ) {
        let xf = UnsafeRawPointer(x).assumingMemoryBound(to: Float.self)
        let gf = UnsafeRawPointer(g).assumingMemoryBound(to: Float.self)
        let df = UnsafeMutableRawPointer(d).assumingMemoryBound(to: Float.self)
        if count >= parallelThreshold && Threading.threadCount > 1 {
            let xs = SendableConstPointer(xf), gs = SendableConstPointer(gf), ds = SendablePointer(df)
            Threading.parallelChunks(
                count, granularity: FloatVector.scalarCount, minimumChunk: parallelMinimumChunk
            ) { range in
                mapFloat2Range(xs.base + range.lowerBound, gs.base + range.lowerBound, ds.base + range.lowerBound, range.count, f)
            }
        } else {
            mapFloat2Range(xf, gf, df, count, f)
        }
    }

    /// The serial loop of ``mapFloat2``: full vectors, then one padded vector (zeros in the
    /// unused lanes) for the tail.
    @inlinable @inline(__always)
    static func mapFloat2Range(
        _ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ d: UnsafeMutablePointer<Float>, _ count: Int,
        _ f: (FloatVector, FloatVector) -> FloatVector
    ) {
        let w = FloatVector.scalarCount
        var i = 0
        while i + w <= count {
            let xv = UnsafeRawPointer(x + i).loadUnaligned(as: FloatVector.self)
            let gv = UnsafeRawPointer(g + i).loadUnaligned(as: FloatVector.self)
            UnsafeMutableRawPointer(d + i).storeBytes(of: f(xv, gv), as: FloatVector.self)
            i += w
        }
        let rest = count - i
        if rest > 0 {
            var xv = FloatVector(), gv = FloatVector()
            for l in 0..<rest {
                xv[l] = x[i + l]
                gv[l] = g[i + l]
            }
            let r = f(xv, gv)
            for l in 0..<rest { d[i + l] = r[l] }
        }
    }

    /// The serial loop of ``mapFloat``: full vectors, then one padded vector for the tail.
    @inlinable @inline(__always)
    static func mapFloatRange(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ count: Int,
        _ f: (FloatVector) -> FloatVector
    ) {
        let w = FloatVector.scalarCount
        var i = 0
        while i + w <= count {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: FloatVector.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: f(v), as: FloatVector.self)
            i += w
        }
        let rest = count - i
        if rest > 0 {
            var v = FloatVector()
            for l in 0..<rest { v[l] = x[i + l] }
            let r = f(v)
            for l in 0..<rest { y[i + l] = r[l] }
        }
    }
}
