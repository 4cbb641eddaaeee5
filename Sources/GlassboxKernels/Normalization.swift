// Normalization: per-channel normalisation with batch statistics of a contiguous buffer viewed
// as [outer, channels, inner] — BatchNorm's training forward and backward ([N, C, H·W]), and
// GroupNorm's ([1, N·G, C/G·H·W]) — with an optional per-channel affine transform.
//
// Loop structure: channels are split into contiguous blocks over threads (at least
// `minimumElementsPerChunk` elements per block); each channel's `outer` runs of `inner`
// contiguous elements are processed by one thread. Forward: three passes over the channel
// (sum → mean; sum of squared deviations → biased variance; y = x·scale + shift), backward: two
// (Σg and Σg·(x − mean); then ∂x = k₁·g + k₂·x + k₃). A channel's runs are usually small enough
// to stay in L2 between passes. Each run is summed in eight SIMD lanes (combined in a fixed
// order) and runs are accumulated in `Double` in order, so results are bitwise identical for
// every thread count and Float sums of many elements keep Double accuracy across runs.

/// Normalisation kernels over `[outer, channels, inner]` buffers (see the file comment).
public enum Normalization {
    /// Blocks of channels handed to one thread hold at least this many elements.
    static let minimumElementsPerChunk = 1 << 14

    /// Training-mode normalisation: per channel `c`, `mean[c]` and the biased `variance[c]` of
    /// the `outer · inner` elements of that channel, then
    /// `y = (x − mean) / √(variance + ε) · weight[c] + bias[c]` (weight 1 and bias 0 when
    /// absent).
    ///
    /// - Parameters:
    ///   - x, y: `outer · channels · inner` elements (`y` may be `x`).
    ///   - mean, variance: `channels` elements each, written.
    ///   - weight, bias: `channels` elements each, or `nil`.
    public static func forward<T: KernelScalar>(
        _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, mean: UnsafeMutablePointer<T>, variance: UnsafeMutablePointer<T>,
        weight: UnsafePointer<T>?, bias: UnsafePointer<T>?, outer: Int, channels: Int, inner: Int, epsilon: T
    ) {
        if T.self == Float.self {
            forwardImpl(
                rebind(x, Float.self), rebind(y, Float.self), rebind(mean, Float.self), rebind(variance, Float.self),
                weight.map { rebind($0, Float.self) }, bias.map { rebind($0, Float.self) }, outer, channels, inner, Float(epsilon))
        } else if T.self == Double.self {
            forwardImpl(
                rebind(x, Double.self), rebind(y, Double.self), rebind(mean, Double.self), rebind(variance, Double.self),
                weight.map { rebind($0, Double.self) }, bias.map { rebind($0, Double.self) }, outer, channels, inner, Double(epsilon))
        } else {
            forwardImpl(x, y, mean, variance, weight, bias, outer, channels, inner, epsilon)
        }
    }

    /// The gradients of ``forward(_:_:mean:variance:weight:bias:outer:channels:inner:epsilon:)``
    /// for an output gradient `g`, with `x̂ = (x − mean)·σ⁻¹`, `σ⁻¹ = 1/√(variance + ε)`,
    /// `M = outer · inner`:
    /// `gradBias[c] = Σ g`, `gradWeight[c] = Σ g·x̂`,
    /// `gradInput = weight·σ⁻¹·(g − Σg/M − x̂·Σ(g·x̂)/M)`.
    ///
    /// - Parameters:
    ///   - g, x, gradInput: `outer · channels · inner` elements (`gradInput` may be `g`).
    ///   - mean, variance: the statistics the forward produced.
    ///   - gradWeight, gradBias: `channels` elements each, written.
    public static func backward<T: KernelScalar>(
        _ g: UnsafePointer<T>, _ x: UnsafePointer<T>, mean: UnsafePointer<T>, variance: UnsafePointer<T>,
        weight: UnsafePointer<T>?, gradInput: UnsafeMutablePointer<T>, gradWeight: UnsafeMutablePointer<T>,
        gradBias: UnsafeMutablePointer<T>, outer: Int, channels: Int, inner: Int, epsilon: T
    ) {
        if T.self == Float.self {
            backwardImpl(
                rebind(g, Float.self), rebind(x, Float.self), rebind(mean, Float.self), rebind(variance, Float.self),
                weight.map { rebind($0, Float.self) }, rebind(gradInput, Float.self), rebind(gradWeight, Float.self),
                rebind(gradBias, Float.self), outer, channels, inner, Float(epsilon))
        } else if T.self == Double.self {
            backwardImpl(
                rebind(g, Double.self), rebind(x, Double.self), rebind(mean, Double.self), rebind(variance, Double.self),
                weight.map { rebind($0, Double.self) }, rebind(gradInput, Double.self), rebind(gradWeight, Double.self),
                rebind(gradBias, Double.self), outer, channels, inner, Double(epsilon))
        } else {
            backwardImpl(g, x, mean, variance, weight, gradInput, gradWeight, gradBias, outer, channels, inner, epsilon)
        }
    }

    /// `1/√(variance + ε)`, the same expression in forward and backward.
    @inline(__always)
    static func inverseStandardDeviation<T: KernelScalar>(_ variance: T, _ epsilon: T) -> T {
        1 / (variance + epsilon).squareRoot()
    }

    static func forEachChannelBlock(channels: Int, perChannel: Int, _ body: (Range<Int>) -> Void) {
        Threading.parallelChunks(channels, minimumChunk: Swift.max(1, minimumElementsPerChunk / Swift.max(1, perChannel)), body)
    }

    static func forwardImpl<T: KernelScalar>(
        _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ mean: UnsafeMutablePointer<T>, _ variance: UnsafeMutablePointer<T>,
        _ weight: UnsafePointer<T>?, _ bias: UnsafePointer<T>?, _ outer: Int, _ channels: Int, _ inner: Int, _ epsilon: T
    ) {
        let count = outer * inner
        precondition(count > 0, "Normalization.forward: no elements per channel ([\(outer), \(channels), \(inner)])")
        let xs = SendableConstPointer(x), ys = SendablePointer(y)
        let means = SendablePointer(mean), variances = SendablePointer(variance)
        let weights = weight.map(SendableConstPointer.init), biases = bias.map(SendableConstPointer.init)
        forEachChannelBlock(channels: channels, perChannel: count) { block in
            for c in block {
                let first = xs.base + c * inner, step = channels * inner
                var total = 0.0
                for o in 0..<outer { total += Double(Reduction.laneSum(first + o * step, inner)) }
                let m = T(total / Double(count))
                var squares = 0.0
                for o in 0..<outer { squares += Double(laneSquaredDeviationSum(first + o * step, inner, m)) }
                let v = T(squares / Double(count))
                means.base[c] = m
                variances.base[c] = v
                let scale = inverseStandardDeviation(v, epsilon) * (weights?.base[c] ?? 1)
                let shift = (biases?.base[c] ?? 0) - m * scale
                for o in 0..<outer {
                    let src = first + o * step, dst = ys.base + c * inner + o * step
                    for i in 0..<inner { dst[i] = src[i] * scale + shift }
                }
            }
        }
    }

    static func backwardImpl<T: KernelScalar>(
        _ g: UnsafePointer<T>, _ x: UnsafePointer<T>, _ mean: UnsafePointer<T>, _ variance: UnsafePointer<T>,
        _ weight: UnsafePointer<T>?, _ gradInput: UnsafeMutablePointer<T>, _ gradWeight: UnsafeMutablePointer<T>,
        _ gradBias: UnsafeMutablePointer<T>, _ outer: Int, _ channels: Int, _ inner: Int, _ epsilon: T
    ) {
        let count = outer * inner
        precondition(count > 0, "Normalization.backward: no elements per channel ([\(outer), \(channels), \(inner)])")
        let gs = SendableConstPointer(g), xs = SendableConstPointer(x), dx = SendablePointer(gradInput)
        let means = SendableConstPointer(mean), variances = SendableConstPointer(variance)
        let weights = weight.map(SendableConstPointer.init)
        let dw = SendablePointer(gradWeight), db = SendablePointer(gradBias)
        forEachChannelBlock(channels: channels, perChannel: count) { block in
            for c in block {
                let offset = c * inner, step = channels * inner
                let m = means.base[c]
                let invStd = inverseStandardDeviation(variances.base[c], epsilon)
                var sumG = 0.0, sumGX = 0.0
                for o in 0..<outer {
                    let (s, sx) = laneSums(gs.base + offset + o * step, xs.base + offset + o * step, inner, m)
                    sumG += Double(s)
                    sumGX += Double(sx)
                }
                db.base[c] = T(sumG)
                dw.base[c] = T(sumGX) * invStd
                // ∂x = k1·g + k2·x + k3 (the closed form of weight·σ⁻¹·(g − Σg/M − x̂·Σ(g·x̂)/M)).
                let k1 = (weights?.base[c] ?? 1) * invStd
                let k2 = -k1 * invStd * invStd * T(sumGX / Double(count))
                let k3 = -k1 * T(sumG / Double(count)) - k2 * m
                for o in 0..<outer {
                    let at = offset + o * step
                    let gp = gs.base + at, xp = xs.base + at, out = dx.base + at
                    for i in 0..<inner { out[i] = k1 * gp[i] + k2 * xp[i] + k3 }
                }
            }
        }
    }


    /// `Σ (p[i] − m)²` in eight SIMD lanes.
    @inline(__always)
    static func laneSquaredDeviationSum<T: KernelScalar>(_ p: UnsafePointer<T>, _ n: Int, _ m: T) -> T {
        var acc = SIMD8<T>(repeating: 0)
        let mv = SIMD8<T>(repeating: m)
        var i = 0
        while i + 8 <= n {
            let d = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<T>.self) - mv
            acc += d * d
            i += 8
        }
        var s = acc.sum()
        while i < n { let d = p[i] - m; s += d * d; i += 1 }
        return s
    }

    /// `(Σ g[i], Σ g[i]·(x[i] − m))` in eight SIMD lanes each.
    @inline(__always)
    static func laneSums<T: KernelScalar>(_ g: UnsafePointer<T>, _ x: UnsafePointer<T>, _ n: Int, _ m: T) -> (T, T) {
        var accG = SIMD8<T>(repeating: 0), accGX = SIMD8<T>(repeating: 0)
        let mv = SIMD8<T>(repeating: m)
        var i = 0
        while i + 8 <= n {
            let gv = UnsafeRawPointer(g + i).loadUnaligned(as: SIMD8<T>.self)
            let xv = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<T>.self)
            accG += gv
            accGX += gv * (xv - mv)
            i += 8
        }
        var s = accG.sum(), sx = accGX.sum()
        while i < n {
            s += g[i]
            sx += g[i] * (x[i] - m)
            i += 1
        }
        return (s, sx)
    }
}
