// VectorMath+Float: single-SIMD-vector Float exp, log, tanh, sigmoid, erf.
//
// Each function is lane-wise, branch-free (all paths computed, then blended by masks) and
// generic over the vector width `V` (SIMD4/8/16<Float>); `@inlinable` so that callers in other
// modules specialise and inline it. `exp` and `erf` are always inlined: called per vector from
// GELU's and attention's loops, a `SIMD16<Float>` argument and result otherwise cross the call
// in four xmm registers each, and exp was 7 % of a `train gpt` step as a call. Polynomial coefficients were fitted for this library
// (near-minimax, Lawson-weighted least squares against mpmath, then rounded to Float); the
// fitting script is in Docs/KernelsVectorMath.md. Multiply-adds use `addingProduct` only under
// the FMA trait (or on arm64); otherwise `a * b + c`, which swiftc never fuses.

#if canImport(Glibc)
import Glibc  // `addingProduct` lowers to `fmaf` on builds without FMA: link libm.
#elseif canImport(Musl)
import Musl
#endif

extension VectorMath {
    /// `a * b + c`, fused under the FMA trait (or on arm64), two roundings otherwise.
    @inlinable @inline(__always)
    static func mad<V: SIMD>(_ a: V, _ b: V, _ c: V) -> V where V.Scalar == Float {
        #if FMA || arch(arm64)
        return c.addingProduct(a, b)
        #else
        return a * b + c
        #endif
    }

    /// `a * b + c` with scalar `b` and `c` (see ``mad(_:_:_:)``).
    @inlinable @inline(__always)
    static func mad<V: SIMD>(_ a: V, _ b: Float, _ c: Float) -> V where V.Scalar == Float {
        mad(a, V(repeating: b), V(repeating: c))
    }

    /// The bit pattern of each lane.
    @inlinable @inline(__always)
    static func bits<V: SIMD>(_ v: V) -> V.MaskStorage
    where V.Scalar == Float, V.MaskStorage.Scalar == Int32 {
        unsafeBitCast(v, to: V.MaskStorage.self)
    }

    /// The Float with each lane's bit pattern.
    @inlinable @inline(__always)
    static func float<V: SIMD>(_ b: V.MaskStorage, as _: V.Type) -> V
    where V.Scalar == Float, V.MaskStorage.Scalar == Int32 {
        unsafeBitCast(b, to: V.self)
    }

    /// Lanes whose sign bit is set (negative numbers, -0, negative NaNs).
    ///
    /// Built from an arithmetic shift, which vectorises; the generic `.<` of `SIMD` does not
    /// (it becomes a per-lane branch loop when the vector type is a generic parameter).
    @inlinable @inline(__always)
    static func signSet<V: SIMD>(_ v: V) -> SIMDMask<V.MaskStorage>
    where V.Scalar == Float, V.MaskStorage.Scalar == Int32 {
        unsafeBitCast(bits(v) &>> 31, to: SIMDMask<V.MaskStorage>.self)
    }

    /// `a < b` lane-wise for non-NaN lanes (from the sign of `a - b`, which is exact: it is
    /// negative exactly when a < b, except -0 - +0).
    @inlinable @inline(__always)
    static func less<V: SIMD>(_ a: V, _ b: V) -> SIMDMask<V.MaskStorage>
    where V.Scalar == Float, V.MaskStorage.Scalar == Int32 {
        signSet(a - b)
    }

    /// NaN lanes: magnitude bits above those of +inf.
    @inlinable @inline(__always)
    static func nanLanes<V: SIMD>(_ x: V) -> SIMDMask<V.MaskStorage>
    where V.Scalar == Float, V.MaskStorage.Scalar == Int32 {
        typealias I = V.MaskStorage
        let magnitude = bits(x) & I(repeating: 0x7FFF_FFFF)
        return unsafeBitCast((I(repeating: 0x7F80_0000) &- magnitude) &>> 31, to: SIMDMask<I>.self)
    }

    /// ±0 lanes.
    @inlinable @inline(__always)
    static func zeroLanes<V: SIMD>(_ x: V) -> SIMDMask<V.MaskStorage>
    where V.Scalar == Float, V.MaskStorage.Scalar == Int32 {
        typealias I = V.MaskStorage
        let magnitude = bits(x) & I(repeating: 0x7FFF_FFFF)
        return unsafeBitCast((magnitude &- 1) &>> 31, to: SIMDMask<I>.self)
    }

    /// `e^x` for each lane.
    ///
    /// Method: n = round(x·log₂e) by the 1.5·2²³ shifter; r = x − n·ln2 in two parts
    /// (Cody–Waite, exact n·ln2_hi); e^r = 1 + r + r²·P(r) with P of degree 4 fitted on
    /// |r| ≤ 0.3486 (relative error 3.2e-9); the result is scaled by 2^⌊n/2⌋·2^(n−⌊n/2⌋) so
    /// that subnormal results are rounded once. Input is clamped to [-104, 89] first.
    /// Max error ≤ 4 ulp (asserted by the tests; measured 1 ulp on [-87.3, 88.7]); overflow → +inf (x > 88.7228),
    /// underflow through the subnormals to 0 (x < -103.97), NaN → NaN.
    @inlinable @inline(__always)
    public static func exp<V: SIMD>(_ x: V) -> V
    where V.Scalar == Float, V.MaskStorage.Scalar == Int32 {
        typealias I = V.MaskStorage
        let c89 = V(repeating: 89), cm104 = V(repeating: -104)
        var xc = x.replacing(with: c89, where: less(c89, x))
        xc = xc.replacing(with: cm104, where: less(xc, cm104))
        let shifter = V(repeating: 12_582_912)  // 1.5 · 2^23
        let t = mad(xc, V(repeating: 1.44269504088896341), shifter)
        let n = t - shifter
        var r = mad(n, V(repeating: -0.693145751953125), xc)  // ln2_hi: 15 significant bits
        r = mad(n, V(repeating: -1.428606765330187e-06), r)  // ln2_lo
        var p = mad(r, 0.0013813753612339497, 0.008369123563170433)
        p = mad(p, r, V(repeating: 0.041668426245450974))
        p = mad(p, r, V(repeating: 0.16666516661643982))
        p = mad(p, r, V(repeating: 0.4999999403953552))
        p = mad(p, r * r, r) + 1
        let ni = bits(t) &- I(repeating: 0x4B40_0000)
        let n1 = ni &>> 1
        let n2 = ni &- n1
        let s1: V = float((n1 &+ 127) &<< 23, as: V.self)
        let s2: V = float((n2 &+ 127) &<< 23, as: V.self)
        let y = (p * s1) * s2
        return y.replacing(with: x, where: nanLanes(x))
    }

    /// Natural logarithm of each lane.
    ///
    /// Method: x = 2^e·m with m in [√½, √2) (subnormals prescaled by 2²³), f = m − 1,
    /// log(1+f) = f − f²/2 + f³·Q(f) with Q of degree 7 fitted on f in [√½−1, √2−1] (relative
    /// error 5.8e-9), plus e·ln2 in two parts. Max error ≤ 4 ulp (asserted by the tests; measured 1 ulp) over all
    /// positive floats; `log(±0) = -inf`, `log(x < 0) = NaN`, `log(+inf) = +inf`, NaN → NaN.
    @inlinable
    public static func log<V: SIMD>(_ x: V) -> V
    where V.Scalar == Float, V.MaskStorage.Scalar == Int32 {
        typealias I = V.MaskStorage
        let tiny = less(x, V(repeating: Float.leastNormalMagnitude))
        let xs = x.replacing(with: x * 8_388_608, where: tiny)  // · 2^23
        let b = bits(xs)
        var e = (b &>> 23) &- I(repeating: 126)
        e = e &- (I(repeating: 23) & unsafeBitCast(tiny, to: I.self))
        var m: V = float((b & I(repeating: 0x007F_FFFF)) | I(repeating: 0x3F00_0000), as: V.self)
        let low = less(m, V(repeating: 0.707106781186547524))
        e = e &+ unsafeBitCast(low, to: I.self)  // a true lane is -1
        m = m.replacing(with: m + m, where: low)
        let f = m - 1
        let shifter = V(repeating: 12_582_912)
        let ef = float(e &+ I(repeating: 0x4B40_0000), as: V.self) - shifter
        let z = f * f
        var q = mad(f, -0.07635588198900223, 0.1276330053806305)
        q = mad(q, f, V(repeating: -0.13160595297813416))
        q = mad(q, f, V(repeating: 0.14201557636260986))
        q = mad(q, f, V(repeating: -0.16623297333717346))
        q = mad(q, f, V(repeating: 0.20001232624053955))
        q = mad(q, f, V(repeating: -0.250008225440979))
        q = mad(q, f, V(repeating: 0.3333333134651184))
        var y = (f * z) * q
        y = mad(ef, V(repeating: 1.428606765330187e-06), y)  // ln2_lo
        y = mad(z, V(repeating: -0.5), y)
        var r = f + y
        r = mad(ef, V(repeating: 0.693145751953125), r)  // ln2_hi
        r = r.replacing(with: .infinity, where: less(V(repeating: .greatestFiniteMagnitude), x))
        r = r.replacing(with: .nan, where: signSet(x))
        r = r.replacing(with: -.infinity, where: zeroLanes(x))
        return r.replacing(with: x, where: nanLanes(x))
    }

    /// Hyperbolic tangent of each lane.
    ///
    /// Method: |x| < 0.625: x + x³·T(x²) with T of degree 4 fitted on [0, 0.625] (relative
    /// error 4.4e-9); otherwise ±(1 − 2/(e^(2|x|) + 1)) with ``exp(_:)-(V)``.
    /// Max error ≤ 4 ulp (asserted by the tests; measured 1 ulp) for all finite x, subnormals included;
    /// `tanh(±large) = ±1`, NaN → NaN.
    @inlinable
    public static func tanh<V: SIMD>(_ x: V) -> V
    where V.Scalar == Float, V.MaskStorage.Scalar == Int32 {
        typealias I = V.MaskStorage
        let signMask = I(repeating: Int32(bitPattern: 0x8000_0000))
        let ax: V = float(bits(x) & ~signMask, as: V.self)
        let s = x * x
        var p = mad(s, -0.005704978480935097, 0.020639078691601753)
        p = mad(p, s, V(repeating: -0.05373971164226532))
        p = mad(p, s, V(repeating: 0.13331441581249237))
        p = mad(p, s, V(repeating: -0.3333328068256378))
        let small = mad(x * s, p, x)
        let e = exp(ax + ax)
        let big = 1 - 2 / (e + 1)
        let y = big.replacing(with: small, where: less(ax, V(repeating: 0.625)))
        return float(bits(y) | (bits(x) & signMask), as: V.self)  // also keeps tanh(-0) = -0
    }

    /// Logistic sigmoid `1 / (1 + e^-x)` of each lane.
    ///
    /// Method: e = ``exp(_:)-(V)`` of −|x|; `1 / (1 + e)` for x ≥ 0, `e / (1 + e)` for x < 0, so
    /// the negative tail keeps its relative accuracy down to the subnormals.
    /// Max error ≤ 4 ulp (asserted by the tests; measured 2 ulp) for all finite x; saturates to exactly 0 and 1
    /// without NaN; NaN → NaN.
    @inlinable
    public static func sigmoid<V: SIMD>(_ x: V) -> V
    where V.Scalar == Float, V.MaskStorage.Scalar == Int32 {
        sigmoidInlined(x)
    }

    /// ``sigmoid(_:)-(V)`` (the same bits), always inlined into its caller: for fused loops on a
    /// concrete vector type, where a call per vector would pass the vector through memory. The
    /// lane-generic recurrent gate code keeps ``sigmoid(_:)-(V)`` (inlined there it ran slower,
    /// Docs/Recurrent.md).
    @inlinable @inline(__always)
    public static func sigmoidInlined<V: SIMD>(_ x: V) -> V
    where V.Scalar == Float, V.MaskStorage.Scalar == Int32 {
        typealias I = V.MaskStorage
        let signMask = I(repeating: Int32(bitPattern: 0x8000_0000))
        let negAbs: V = float(bits(x) | signMask, as: V.self)
        let e = exp(negAbs)
        let num = V(repeating: 1).replacing(with: e, where: signSet(x))
        return num / (e + 1)
    }

    /// Error function of each lane.
    ///
    /// Method: |x| ≤ 0.927734375: x + x·E(x²) with E of degree 6 (relative error 4.4e-10);
    /// otherwise ±(1 − e^(−t² + L(t − 2.4))) with t = min(|x|, 3.93) and L of degree 6 fitted to
    /// log(erfc t) + t² on [0.9277, 3.93] (relative error in erf 1.5e-9), using ``exp(_:)-(V)``.
    /// Max error ≤ 4 ulp (asserted by the tests; measured 1 ulp) for all finite x; `erf(±large) = ±1`, NaN → NaN.
    @inlinable @inline(__always)
    public static func erf<V: SIMD>(_ x: V) -> V
    where V.Scalar == Float, V.MaskStorage.Scalar == Int32 {
        typealias I = V.MaskStorage
        let signMask = I(repeating: Int32(bitPattern: 0x8000_0000))
        let ax: V = float(bits(x) & ~signMask, as: V.self)
        let s = x * x
        var p = mad(s, 8.33165249787271e-05, -0.0008133575902320445)
        p = mad(p, s, V(repeating: 0.005200224928557873))
        p = mad(p, s, V(repeating: -0.026859071105718613))
        p = mad(p, s, V(repeating: 0.11283689737319946))
        p = mad(p, s, V(repeating: -0.37612631916999817))
        p = mad(p, s, V(repeating: 0.12837916612625122))
        let small = mad(x, p, x)
        let c393 = V(repeating: 3.93)
        let t = ax.replacing(with: c393, where: less(c393, ax))
        let u = t - 2.4
        var l = mad(u, 0.00019504234660416842, -0.00022581576195079833)
        l = mad(l, u, V(repeating: 0.0026303669437766075))
        l = mad(l, u, V(repeating: -0.011674818582832813))
        l = mad(l, u, V(repeating: 0.0594879612326622))
        l = mad(l, u, V(repeating: -0.36425116658210754))
        l = mad(l, u, V(repeating: -1.5209771394729614))
        let big = 1 - exp(l - t * t)
        let y = small.replacing(with: big, where: less(V(repeating: 0.927734375), ax))
        return float(bits(y) | (bits(x) & signMask), as: V.self)  // also keeps erf(-0) = -0
    }
}
