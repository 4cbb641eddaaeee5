/// The element loop of one RMSprop update of one parameter tensor, vectorised.
///
/// Per element, with `g` the gradient (negated when `maximize`), exactly as `torch.optim.RMSprop`'s
/// single-tensor path computes it:
/// ```
/// g ← g + decay·p                                  (weight decay)
/// s ← α·s + (1 − α)·g·g                             (square_avg)
/// a ← lerp(a, g, 1 − α)                             (grad_avg, centered only; torch.lerp's formula)
/// r ← √(s − a·a) if centered, else √s;  r ← r + ε
/// b ← μ·b + g/r;  p ← p + negativeLearningRate·b    (momentum, momentum_buffer)
/// p ← p + negativeLearningRate·(g/r)                (otherwise)
/// ```
/// with `s`, `a` and `b` flushed to 0 below the normal range when `flushSubnormals` (Float runs;
/// see Glassbox's `RMSprop`). Every lane performs the same IEEE operations in the same order as
/// the scalar formula (no fused multiply-add), and the square root is the correctly rounded one
/// (a lane whose operand has its sign bit set takes the scalar `squareRoot()`, NaN included), so
/// the result is bitwise that of the scalar loop and independent of the vector width.
public enum RMSpropUpdate {
    /// The constants of one step.
    public struct Step<T: KernelScalar>: Sendable {
        /// `−lr`.
        public var negativeLearningRate: T
        /// α, the weight of the old square average.
        public var alpha: T
        /// `1 − α`.
        public var oneMinusAlpha: T
        /// ε.
        public var eps: T
        /// Weight decay λ (an L2 penalty added to the gradient); 0 for none.
        public var decay: T
        /// Momentum μ (used when a momentum buffer is given).
        public var momentum: T
        /// Whether the objective is maximised (the gradient negated).
        public var maximize: Bool
        /// Whether the running averages are flushed to 0 below the normal range.
        public var flushSubnormals: Bool

        /// Creates the constants of a step.
        public init(
            negativeLearningRate: T, alpha: T, oneMinusAlpha: T, eps: T, decay: T, momentum: T, maximize: Bool,
            flushSubnormals: Bool
        ) {
            self.negativeLearningRate = negativeLearningRate
            self.alpha = alpha
            self.oneMinusAlpha = oneMinusAlpha
            self.eps = eps
            self.decay = decay
            self.momentum = momentum
            self.maximize = maximize
            self.flushSubnormals = flushSubnormals
        }
    }

    /// Updates `count` elements of `parameter` and `squareAverage` (and `gradientAverage` when
    /// centered, `momentumBuffer` with momentum) in place from `gradient`, for either scalar
    /// type (the call reaches the specialised loop of `Float` or `Double`).
    public static func apply<T: KernelScalar>(
        _ step: Step<T>, parameter: UnsafeMutablePointer<T>, gradient: UnsafePointer<T>,
        squareAverage: UnsafeMutablePointer<T>, gradientAverage: UnsafeMutablePointer<T>?,
        momentumBuffer: UnsafeMutablePointer<T>?, count: Int
    ) {
        func cast<U>(_ pointer: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<U> {
            UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: U.self)
        }
        if T.self == Float.self {
            run(
                SIMD16<Float>.self, unsafeBitCast(step, to: Step<Float>.self), cast(parameter),
                UnsafeRawPointer(gradient).assumingMemoryBound(to: Float.self), cast(squareAverage), gradientAverage.map { cast($0) },
                momentumBuffer.map { cast($0) }, count)
        } else if T.self == Double.self {
            run(
                SIMD8<Double>.self, unsafeBitCast(step, to: Step<Double>.self), cast(parameter),
                UnsafeRawPointer(gradient).assumingMemoryBound(to: Double.self), cast(squareAverage), gradientAverage.map { cast($0) },
                momentumBuffer.map { cast($0) }, count)
        } else {
            preconditionFailure("RMSpropUpdate.apply: scalar type \(T.self) is neither Float nor Double")
        }
    }

    /// Splits the elements into contiguous chunks over the threads, as ``AdamUpdate`` does (each
    /// element's update is independent, so the bits do not depend on the split).
    @inline(__always)
    static func run<V: AdamVector>(
        _: V.Type, _ s: Step<V.Scalar>, _ p: UnsafeMutablePointer<V.Scalar>, _ g: UnsafePointer<V.Scalar>,
        _ sq: UnsafeMutablePointer<V.Scalar>, _ a: UnsafeMutablePointer<V.Scalar>?, _ b: UnsafeMutablePointer<V.Scalar>?,
        _ count: Int
    ) where V.Scalar: KernelScalar, SIMD2<V.Scalar>: AdamVector {
        Threading.parallelChunks(count, granularity: 64, minimumChunk: 1 << 16) { r in
            let o = r.lowerBound
            loop(V.self, s, p + o, g + o, sq + o, a.map { $0 + o }, b.map { $0 + o }, r.count)
        }
    }

    /// Full vectors of `V`, then the tail one element at a time through the same lane function.
    @inline(__always)
    static func loop<V: AdamVector>(
        _: V.Type, _ s: Step<V.Scalar>, _ p: UnsafeMutablePointer<V.Scalar>, _ g: UnsafePointer<V.Scalar>,
        _ sq: UnsafeMutablePointer<V.Scalar>, _ a: UnsafeMutablePointer<V.Scalar>?, _ b: UnsafeMutablePointer<V.Scalar>?,
        _ count: Int
    ) where V.Scalar: KernelScalar, SIMD2<V.Scalar>: AdamVector {
        let lanes = V.scalarCount
        let full = count - count % lanes
        let lowWeight = s.oneMinusAlpha < 0.5
        var i = 0
        while i < full {
            lane(V.self, s, lowWeight, p + i, g + i, sq + i, a.map { $0 + i }, b.map { $0 + i })
            i += lanes
        }
        while i < count {
            lane(SIMD2<V.Scalar>.self, s, lowWeight, p + i, g + i, sq + i, a.map { $0 + i }, b.map { $0 + i }, single: true)
            i += 1
        }
    }

    /// One vector of `W` lanes (or, with `single`, only its first lane) of the update.
    @inline(__always)
    static func lane<W: AdamVector>(
        _: W.Type, _ s: Step<W.Scalar>, _ lowWeight: Bool, _ p: UnsafeMutablePointer<W.Scalar>, _ g: UnsafePointer<W.Scalar>,
        _ sq: UnsafeMutablePointer<W.Scalar>, _ a: UnsafeMutablePointer<W.Scalar>?, _ b: UnsafeMutablePointer<W.Scalar>?,
        single: Bool = false
    ) where W.Scalar: KernelScalar {
        func load(_ x: UnsafePointer<W.Scalar>) -> W {
            single ? W(repeating: x.pointee) : UnsafeRawPointer(x).loadUnaligned(as: W.self)
        }
        func store(_ value: W, _ x: UnsafeMutablePointer<W.Scalar>) {
            if single { x.pointee = value[0] } else { UnsafeMutableRawPointer(x).storeBytes(of: value, as: W.self) }
        }
        func flushed(_ x: W) -> W { s.flushSubnormals ? x.flushingSubnormals() : x }
        let parameter = load(p)
        var d = load(g)
        if s.maximize { d = -d }
        if s.decay != 0 { d = d + s.decay * parameter }
        let square = flushed(load(sq) * s.alpha + s.oneMinusAlpha * d * d)
        store(square, sq)
        var r: W
        if let a {
            let old = load(a)
            let average = flushed(lowWeight ? old + s.oneMinusAlpha * (d - old) : d - (d - old) * (1 - s.oneMinusAlpha))
            store(average, a)
            r = (square - average * average).squareRoots()
        } else {
            r = square.squareRoots()
        }
        r = r + s.eps
        if let b {
            let buffer = flushed(load(b) * s.momentum + d / r)
            store(buffer, b)
            store(parameter + s.negativeLearningRate * buffer, p)
        } else {
            store(parameter + s.negativeLearningRate * (d / r), p)
        }
    }
}
