// The per-channel affine map that follows a normalisation whose statistics are not per channel
// (GroupNorm), forward and backward in one pass each, for x viewed as [outer, C, inner]:
//
//   forward   y[o, c, i] = x[o, c, i]·w[c] + b[c]
//   backward  dx[o, c, i] = g[o, c, i]·w[c]
//             dw[c] = Σ_{o,i} g[o, c, i]·x[o, c, i],   db[c] = Σ_{o,i} g[o, c, i]
//
// The composed form (a broadcast multiply, then a broadcast add) makes two passes forward and,
// backward, the product g·x as a tensor before its reduction to [C]. Rounding: y is rounded
// after the product and after the sum, as the composed form rounds. The sums over (o, i) run in
// a fixed order for each channel (16 lanes of partial sums, added in lane order at the end), and
// the channels are split over threads whole, so results do not depend on the thread count.

/// Fused kernels of a per-channel scale and shift.
public enum ChannelAffine {
    /// `y[o, c, i] = x[o, c, i]·w[c] + b[c]` (`w` 1 and `b` 0 where absent); `y` may be `x`.
    public static func forward<T: KernelScalar>(
        _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, weight: UnsafePointer<T>?, bias: UnsafePointer<T>?,
        outer: Int, channels: Int, inner: Int
    ) {
        if T.self == Float.self {
            forwardLoop(
                UnsafeRawPointer(x).assumingMemoryBound(to: Float.self), UnsafeMutableRawPointer(y).assumingMemoryBound(to: Float.self),
                weight.map { UnsafeRawPointer($0).assumingMemoryBound(to: Float.self) },
                bias.map { UnsafeRawPointer($0).assumingMemoryBound(to: Float.self) }, outer, channels, inner)
        } else {
            forwardLoop(
                UnsafeRawPointer(x).assumingMemoryBound(to: Double.self), UnsafeMutableRawPointer(y).assumingMemoryBound(to: Double.self),
                weight.map { UnsafeRawPointer($0).assumingMemoryBound(to: Double.self) },
                bias.map { UnsafeRawPointer($0).assumingMemoryBound(to: Double.self) }, outer, channels, inner)
        }
    }

    /// The loop of ``forward(_:_:weight:bias:outer:channels:inner:)`` for a concrete scalar:
    /// rows of `inner` elements split over threads.
    @inline(__always)
    static func forwardLoop<S: BinaryFloatingPoint>(
        _ x: UnsafePointer<S>, _ y: UnsafeMutablePointer<S>, _ weight: UnsafePointer<S>?, _ bias: UnsafePointer<S>?,
        _ outer: Int, _ channels: Int, _ inner: Int
    ) {
        let xs = SendableConstPointer(x), ys = SendablePointer(y)
        let ws = weight.map { SendableConstPointer($0) }, bs = bias.map { SendableConstPointer($0) }
        Threading.parallelChunks(outer * channels, minimumChunk: max(1, (1 << 15) / max(inner, 1))) { rows in
            for row in rows {
                let c = row % channels
                let source = xs.base + row * inner, target = ys.base + row * inner
                if let ws, let bs {
                    let w = ws.base[c], b = bs.base[c]
                    for i in 0..<inner { target[i] = source[i] * w + b }
                } else if let ws {
                    let w = ws.base[c]
                    for i in 0..<inner { target[i] = source[i] * w }
                } else if let bs {
                    let b = bs.base[c]
                    for i in 0..<inner { target[i] = source[i] + b }
                } else {
                    for i in 0..<inner { target[i] = source[i] }
                }
            }
        }
    }

    /// The gradients of ``forward(_:_:weight:bias:outer:channels:inner:)`` from the output
    /// gradient `g`: `dx` (when given; it may be `g`) is `g·w[c]`, `dWeight[c]` (when given)
    /// `Σ g·x`, `dBias[c]` (when given) `Σ g`.
    public static func backward<T: KernelScalar>(
        _ x: UnsafePointer<T>, _ g: UnsafePointer<T>, weight: UnsafePointer<T>?, dx: UnsafeMutablePointer<T>?,
        dWeight: UnsafeMutablePointer<T>?, dBias: UnsafeMutablePointer<T>?, outer: Int, channels: Int, inner: Int
    ) {
        if let dWeight, T.self == Float.self {
            let xf = UnsafeRawPointer(x).assumingMemoryBound(to: Float.self), gf = UnsafeRawPointer(g).assumingMemoryBound(to: Float.self)
            let target = SendablePointer(UnsafeMutableRawPointer(dWeight).assumingMemoryBound(to: Float.self))
            let xs = SendableConstPointer(xf), gs = SendableConstPointer(gf)
            Threading.parallelChunks(channels) { range in
                for c in range { target.base[c] = sumOfProducts(xs.base, gs.base, c, outer: outer, channels: channels, inner: inner) }
            }
        } else if let dWeight {
            for c in 0..<channels {
                var s: T = 0
                for o in 0..<outer {
                    let base = (o * channels + c) * inner
                    for i in 0..<inner { s += g[base + i] * x[base + i] }
                }
                dWeight[c] = s
            }
        }
        if let dBias, T.self == Float.self {
            let gf = UnsafeRawPointer(g).assumingMemoryBound(to: Float.self)
            let target = SendablePointer(UnsafeMutableRawPointer(dBias).assumingMemoryBound(to: Float.self))
            let gs = SendableConstPointer(gf)
            Threading.parallelChunks(channels) { range in
                for c in range { target.base[c] = sumOfProducts(nil, gs.base, c, outer: outer, channels: channels, inner: inner) }
            }
        } else if let dBias {
            for c in 0..<channels {
                var s: T = 0
                for o in 0..<outer {
                    let base = (o * channels + c) * inner
                    for i in 0..<inner { s += g[base + i] }
                }
                dBias[c] = s
            }
        }
        // dx last: it may overwrite g.
        if let dx {
            if let weight {
                forward(g, dx, weight: weight, bias: nil, outer: outer, channels: channels, inner: inner)
            } else if UnsafePointer(dx) != g {
                dx.update(from: g, count: outer * channels * inner)
            }
        }
    }

    /// `Σ_{o,i} g[o, c, i]·x[o, c, i]` (or `Σ g` when `x` is nil) for one channel: 16 lanes of
    /// partial sums over every row's full vectors, the rows' tails into one scalar, then the
    /// lanes in order and the scalar last.
    static func sumOfProducts(
        _ x: UnsafePointer<Float>?, _ g: UnsafePointer<Float>, _ c: Int, outer: Int, channels: Int, inner: Int
    ) -> Float {
        typealias V = SIMD16<Float>
        var lanes = V(), tail: Float = 0
        for o in 0..<outer {
            let base = (o * channels + c) * inner
            var i = 0
            while i + V.scalarCount <= inner {
                let gv = UnsafeRawPointer(g + base + i).loadUnaligned(as: V.self)
                if let x {
                    lanes += gv * UnsafeRawPointer(x + base + i).loadUnaligned(as: V.self)
                } else {
                    lanes += gv
                }
                i += V.scalarCount
            }
            while i < inner {
                tail += x.map { g[base + i] * $0[base + i] } ?? g[base + i]
                i += 1
            }
        }
        var s: Float = 0
        for l in 0..<V.scalarCount { s += lanes[l] }
        return s + tail
    }
}
