#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The element loop of one Adam/AdamW update of one parameter tensor, vectorised.
///
/// Per element, with `g` the gradient (negated when `maximize`), exactly as `torch.optim.Adam`'s
/// single-tensor path computes it:
/// ```
/// p ← p·decoupledFactor   (AdamW)        or   g ← g + decay·p   (Adam with weight decay)
/// m ← lerp(m, g, 1 − β₁)                 (torch.lerp's two-sided formula)
/// v ← β₂·v + (1 − β₂)·g·g
/// v̂ ← max(v̂, v) (amsgrad) or v
/// p ← p + negativeStepSize · m / (√v̂ / biasCorrection2Sqrt + ε)
/// ```
/// with `m` and `v` flushed to 0 below the normal range when `flushSubnormals` (Float runs; see
/// Glassbox's `Adam`). Every lane performs the same IEEE operations in the same order as the
/// scalar formula (no fused multiply-add), so the result is bitwise that of the scalar loop and
/// independent of the vector width.
public enum AdamUpdate {
    /// The constants of one step of one parameter.
    public struct Step<T: KernelScalar>: Sendable {
        /// `−lr / (1 − β₁ᵗ)`.
        public var negativeStepSize: T
        /// `√(1 − β₂ᵗ)`.
        public var biasCorrection2Sqrt: T
        /// ε.
        public var eps: T
        /// `1 − β₁`, the weight of the gradient in the first moment.
        public var oneMinusBeta1: T
        /// β₂.
        public var beta2: T
        /// `1 − β₂`.
        public var oneMinusBeta2: T
        /// Weight decay λ; 0 for none.
        public var decay: T
        /// Whether the decay is decoupled (AdamW: `p ← p·decoupledFactor`).
        public var decoupled: Bool
        /// `1 − lr·λ`.
        public var decoupledFactor: T
        /// Whether the objective is maximised (the gradient negated).
        public var maximize: Bool
        /// Whether the moments are flushed to 0 below the normal range.
        public var flushSubnormals: Bool

        /// Creates the constants of a step.
        public init(
            negativeStepSize: T, biasCorrection2Sqrt: T, eps: T, oneMinusBeta1: T, beta2: T, oneMinusBeta2: T, decay: T,
            decoupled: Bool, decoupledFactor: T, maximize: Bool, flushSubnormals: Bool
        ) {
            self.negativeStepSize = negativeStepSize
            self.biasCorrection2Sqrt = biasCorrection2Sqrt
            self.eps = eps
            self.oneMinusBeta1 = oneMinusBeta1
            self.beta2 = beta2
            self.oneMinusBeta2 = oneMinusBeta2
            self.decay = decay
            self.decoupled = decoupled
            self.decoupledFactor = decoupledFactor
            self.maximize = maximize
            self.flushSubnormals = flushSubnormals
        }
    }

    /// Updates `count` elements of `parameter`, `firstMoment` and `secondMoment` (and
    /// `maxSecondMoment` for amsgrad) in place from `gradient`, for either scalar type (the
    /// call reaches the specialised loop of `Float` or `Double`).
    public static func apply<T: KernelScalar>(
        _ step: Step<T>, parameter: UnsafeMutablePointer<T>, gradient: UnsafePointer<T>,
        firstMoment: UnsafeMutablePointer<T>, secondMoment: UnsafeMutablePointer<T>,
        maxSecondMoment: UnsafeMutablePointer<T>?, count: Int
    ) {
        func cast<U>(_ pointer: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<U> {
            UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: U.self)
        }
        if T.self == Float.self {
            apply(
                unsafeBitCast(step, to: Step<Float>.self), parameter: cast(parameter), gradient: UnsafeRawPointer(gradient).assumingMemoryBound(to: Float.self),
                firstMoment: cast(firstMoment), secondMoment: cast(secondMoment), maxSecondMoment: maxSecondMoment.map { cast($0) }, count: count)
        } else if T.self == Double.self {
            apply(
                unsafeBitCast(step, to: Step<Double>.self), parameter: cast(parameter), gradient: UnsafeRawPointer(gradient).assumingMemoryBound(to: Double.self),
                firstMoment: cast(firstMoment), secondMoment: cast(secondMoment), maxSecondMoment: maxSecondMoment.map { cast($0) }, count: count)
        } else {
            preconditionFailure("AdamUpdate.apply: scalar type \(T.self) is neither Float nor Double")
        }
    }

    /// Updates `count` elements of `parameter`, `firstMoment` and `secondMoment` (and
    /// `maxSecondMoment` for amsgrad) in place from `gradient`.
    public static func apply(
        _ step: Step<Float>, parameter: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>,
        firstMoment: UnsafeMutablePointer<Float>, secondMoment: UnsafeMutablePointer<Float>,
        maxSecondMoment: UnsafeMutablePointer<Float>?, count: Int
    ) {
        run(SIMD16<Float>.self, step, parameter, gradient, firstMoment, secondMoment, maxSecondMoment, count)
    }

    /// Updates `count` elements of `parameter`, `firstMoment` and `secondMoment` (and
    /// `maxSecondMoment` for amsgrad) in place from `gradient`.
    public static func apply(
        _ step: Step<Double>, parameter: UnsafeMutablePointer<Double>, gradient: UnsafePointer<Double>,
        firstMoment: UnsafeMutablePointer<Double>, secondMoment: UnsafeMutablePointer<Double>,
        maxSecondMoment: UnsafeMutablePointer<Double>?, count: Int
    ) {
        run(SIMD8<Double>.self, step, parameter, gradient, firstMoment, secondMoment, maxSecondMoment, count)
    }

    /// Splits the elements into contiguous chunks over the threads (from 2¹⁶ elements; each
    /// element's update is independent, so the bits do not depend on the split).
    @inline(__always)
    static func run<V: AdamVector>(
        _: V.Type, _ s: Step<V.Scalar>, _ p: UnsafeMutablePointer<V.Scalar>, _ g: UnsafePointer<V.Scalar>,
        _ m: UnsafeMutablePointer<V.Scalar>, _ v: UnsafeMutablePointer<V.Scalar>, _ vMax: UnsafeMutablePointer<V.Scalar>?,
        _ count: Int
    ) where V.Scalar: KernelScalar, SIMD2<V.Scalar>: AdamVector {
        Threading.parallelChunks(count, granularity: 64, minimumChunk: 1 << 16) { r in
            let o = r.lowerBound
            loop(V.self, s, p + o, g + o, m + o, v + o, vMax.map { $0 + o }, r.count)
        }
    }

    /// The loop: full vectors of `V`, then the tail one element at a time through the same
    /// lane function (a one-lane pass of the identical operations).
    @inline(__always)
    static func loop<V: AdamVector>(
        _: V.Type, _ s: Step<V.Scalar>, _ p: UnsafeMutablePointer<V.Scalar>, _ g: UnsafePointer<V.Scalar>,
        _ m: UnsafeMutablePointer<V.Scalar>, _ v: UnsafeMutablePointer<V.Scalar>, _ vMax: UnsafeMutablePointer<V.Scalar>?,
        _ count: Int
    ) where V.Scalar: KernelScalar, SIMD2<V.Scalar>: AdamVector {
        let lanes = V.scalarCount
        let full = count - count % lanes
        // The branches that depend only on the settings are taken once, outside the loops.
        let lowWeight = s.oneMinusBeta1 < 0.5
        var i = 0
        while i < full {
            lane(V.self, s, lowWeight, p + i, g + i, m + i, v + i, vMax.map { $0 + i })
            i += lanes
        }
        while i < count {
            lane(SIMD2<V.Scalar>.self, s, lowWeight, p + i, g + i, m + i, v + i, vMax.map { $0 + i }, single: true)
            i += 1
        }
    }

    /// One vector of `W` lanes (or, with `single`, only its first lane) of the update.
    @inline(__always)
    static func lane<W: AdamVector>(
        _: W.Type, _ s: Step<W.Scalar>, _ lowWeight: Bool, _ p: UnsafeMutablePointer<W.Scalar>, _ g: UnsafePointer<W.Scalar>,
        _ m: UnsafeMutablePointer<W.Scalar>, _ v: UnsafeMutablePointer<W.Scalar>, _ vMax: UnsafeMutablePointer<W.Scalar>?,
        single: Bool = false
    ) where W.Scalar: KernelScalar {
        func load(_ x: UnsafePointer<W.Scalar>) -> W {
            single ? W(repeating: x.pointee) : UnsafeRawPointer(x).loadUnaligned(as: W.self)
        }
        func store(_ value: W, _ x: UnsafeMutablePointer<W.Scalar>) {
            if single { x.pointee = value[0] } else { UnsafeMutableRawPointer(x).storeBytes(of: value, as: W.self) }
        }
        func flushed(_ x: W) -> W { s.flushSubnormals ? x.flushingSubnormals() : x }
        var parameter = load(p)
        var d = load(g)
        if s.maximize { d = -d }
        if s.decay != 0 {
            if s.decoupled { parameter = parameter * s.decoupledFactor } else { d = d + s.decay * parameter }
        }
        let mOld = load(m)
        let mNew = flushed(lowWeight ? mOld + s.oneMinusBeta1 * (d - mOld) : d - (d - mOld) * (1 - s.oneMinusBeta1))
        let vNew = flushed(load(v) * s.beta2 + s.oneMinusBeta2 * d * d)
        store(mNew, m)
        store(vNew, v)
        var second = vNew
        if let vMax {
            second = pointwiseMax(load(vMax), vNew)
            store(second, vMax)
        }
        let denominator = second.magnitudeSquareRoots() / s.biasCorrection2Sqrt + s.eps
        store(parameter + s.negativeStepSize * (mNew / denominator), p)
    }

    /// `Swift.max` lane by lane (NaN-propagating as `Swift.max(a, b)` is for the scalar loop).
    @inline(__always)
    static func pointwiseMax<W: SIMD>(_ a: W, _ b: W) -> W where W.Scalar: KernelScalar {
        var result = a
        for k in a.indices { result[k] = Swift.max(a[k], b[k]) }
        return result
    }
}

/// The lane-wise operations of the optimizer updates (Adam here, RMSprop in
/// RMSpropUpdate.swift) that a generic `SIMD` value compiles badly, written once per concrete
/// vector type. A comparison on a generic `SIMD` value becomes a lane-by-lane loop of scalar
/// compares and branches even when specialised (measured: it made the Adam update of the VAE
/// recipe 10× slower than the rest of the update). `squareRoot()` goes through the C shim
/// `_stdlib_squareRootf`, which tests for a negative operand (errno) and which the inliner leaves
/// out of line in a function as large as these loops: one call per lane, each after a
/// `vzeroupper`. libm's `sqrtf`/`sqrt` of `x.magnitude`, called directly, is a library call LLVM
/// knows: with an operand that cannot be negative it becomes the `llvm.sqrt` intrinsic, one
/// `vsqrtps`/`vsqrtpd` per vector.
protocol AdamVector: SIMD where Scalar: KernelScalar {
    /// The vector with every lane of magnitude below `Scalar.leastNormalMagnitude` set to +0.
    func flushingSubnormals() -> Self
    /// The square root of every lane's magnitude, correctly rounded: bitwise `squareRoot()` for
    /// lanes that are not negative (the second moment never is), except that −0 gives +0.
    func magnitudeSquareRoots() -> Self
    /// Whether any lane has its sign bit set (negative, −0, or a NaN with the sign bit).
    func hasSignedLane() -> Bool
}

extension AdamVector {
    /// Every lane's `squareRoot()`, bitwise (negative lanes give NaN, −0 gives −0): the vector
    /// root of ``magnitudeSquareRoots()`` when no lane has its sign bit set (then `√|x|` is `√x`),
    /// else the scalar root lane by lane.
    @inline(__always)
    func squareRoots() -> Self {
        if !hasSignedLane() { return magnitudeSquareRoots() }
        var result = self
        for k in indices { result[k] = self[k].squareRoot() }
        return result
    }
}

extension SIMD16: AdamVector where Scalar == Float {
    @inline(__always)
    func flushingSubnormals() -> Self {
        let least = Self(repeating: .leastNormalMagnitude)
        return replacing(with: 0, where: (self .< least) .& (self .> -least))
    }

    @inline(__always)
    func magnitudeSquareRoots() -> Self {
        var result = self
        for k in indices { result[k] = sqrtf(self[k].magnitude) }
        return result
    }

    @inline(__always)
    func hasSignedLane() -> Bool {
        // The or of all bit patterns, halved down (`any(mask)` and `min()` are calls per vector).
        let b = unsafeBitCast(self, to: SIMD16<Int32>.self)
        let o8 = b.lowHalf | b.highHalf, o4 = o8.lowHalf | o8.highHalf, o2 = o4.lowHalf | o4.highHalf
        return (o2[0] | o2[1]) < 0
    }
}

extension SIMD8: AdamVector where Scalar == Double {
    @inline(__always)
    func flushingSubnormals() -> Self {
        let least = Self(repeating: .leastNormalMagnitude)
        return replacing(with: 0, where: (self .< least) .& (self .> -least))
    }

    @inline(__always)
    func magnitudeSquareRoots() -> Self {
        var result = self
        for k in indices { result[k] = sqrt(self[k].magnitude) }
        return result
    }

    @inline(__always)
    func hasSignedLane() -> Bool {
        let b = unsafeBitCast(self, to: SIMD8<Int64>.self)
        let o4 = b.lowHalf | b.highHalf, o2 = o4.lowHalf | o4.highHalf
        return (o2[0] | o2[1]) < 0
    }
}

extension SIMD2: AdamVector where Scalar: KernelScalar {
    /// The tail's one-lane pass: the scalar test, lane by lane.
    @inline(__always)
    func flushingSubnormals() -> Self {
        var result = self
        for k in indices where result[k].magnitude < Scalar.leastNormalMagnitude { result[k] = 0 }
        return result
    }

    @inline(__always)
    func magnitudeSquareRoots() -> Self {
        var result = self
        for k in indices { result[k] = self[k].magnitude.squareRoot() }
        return result
    }

    /// The tail's pass takes the scalar root (``squareRoots()``'s fallback) unconditionally.
    @inline(__always)
    func hasSignedLane() -> Bool { true }
}
