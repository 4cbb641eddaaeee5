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

// The affine map followed by SiLU, z = x·w[c] + b[c], y = z·σ(z), as one pass each way (what
// GroupNorm followed by SiLU needs, as in a U-Net's residual blocks):
//
//   forward   y[o, c, i] = z·σ(z),                    z = x[o, c, i]·w[c] + b[c]
//   backward  dz = g·σ(z)·(1 + z·(1 − σ(z)))           (z recomputed from x, bit for bit)
//             dx = dz·w[c],   dw[c] = Σ_{o,i} dz·x,   db[c] = Σ_{o,i} dz
//
// Every value is rounded as the two ops in a row round (the affine map above, then
// SiLUKernels), and the sums run in the order of the affine map's own backward (16 lanes over
// each row's full vectors, the tails in one scalar), so the results are the bits of
// `silu(channelAffine(x))` and do not depend on the thread count.
extension ChannelAffine {
    /// `y = silu(x·w[c] + b[c])`; `y` must not overlap `x`.
    public static func forwardSiLU<T: KernelScalar>(
        _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, weight: UnsafePointer<T>, bias: UnsafePointer<T>,
        outer: Int, channels: Int, inner: Int
    ) {
        if T.self == Float.self {
            forwardSiLUFloat(
                UnsafeRawPointer(x).assumingMemoryBound(to: Float.self), UnsafeMutableRawPointer(y).assumingMemoryBound(to: Float.self),
                UnsafeRawPointer(weight).assumingMemoryBound(to: Float.self), UnsafeRawPointer(bias).assumingMemoryBound(to: Float.self),
                outer: outer, channels: channels, inner: inner)
        } else {
            for row in 0..<outer * channels {
                let c = row % channels
                for i in row * inner..<(row + 1) * inner {
                    let z = x[i] * weight[c] + bias[c]
                    y[i] = z * SiLUKernels.sigmoid(z)
                }
            }
        }
    }

    /// The Float loop of ``forwardSiLU(_:_:weight:bias:outer:channels:inner:)``: rows split over
    /// threads.
    static func forwardSiLUFloat(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ weight: UnsafePointer<Float>, _ bias: UnsafePointer<Float>,
        outer: Int, channels: Int, inner: Int
    ) {
        let xs = SendableConstPointer(x), ys = SendablePointer(y), ws = SendableConstPointer(weight), bs = SendableConstPointer(bias)
        Threading.parallelChunks(outer * channels, minimumChunk: max(1, (1 << 15) / max(inner, 1))) { range in
            siluRowsForward(xs.base, ys.base, ws.base, bs.base, rows: range, channels: channels, inner: inner)
        }
    }

    /// Rows `rows` of ``forwardSiLU(_:_:weight:bias:outer:channels:inner:)`` in Float, each in
    /// full vectors; a row that is not a whole number of vectors ends with one vector ending at
    /// its last element, overlapping the one before. Rows shorter than a vector go to
    /// ``siluShortRowsForward(_:_:_:_:rows:channels:inner:)``. (A function of its own with one
    /// call site of the sigmoid and no lane inserts: that keeps the sigmoid inlined and in whole
    /// registers; inside the threaded closure it was called once per vector, and beside a
    /// zero-padded tail it was split into pieces of 8, 4 and 1 lanes. `@inline(never)`: inlined
    /// into the one-thread path of its caller, the sigmoid was called again.)
    @inline(never)
    static func siluRowsForward(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ weight: UnsafePointer<Float>, _ bias: UnsafePointer<Float>,
        rows: Range<Int>, channels: Int, inner: Int
    ) {
        typealias V = VectorMath.FloatVector
        let width = V.scalarCount
        if inner < width {
            siluShortRowsForward(x, y, weight, bias, rows: rows, channels: channels, inner: inner)
            return
        }
        for row in rows {
            let w = weight[row % channels], b = bias[row % channels]
            let x = x + row * inner, y = y + row * inner
            var i = 0
            while i < inner {
                let start = Swift.min(i, inner - width)
                let z = UnsafeRawPointer(x + start).loadUnaligned(as: V.self) * w + b
                UnsafeMutableRawPointer(y + start).storeBytes(of: z * VectorMath.sigmoidInlined(z), as: V.self)
                i += width
            }
        }
    }

    /// ``siluRowsForward(_:_:_:_:rows:channels:inner:)`` for rows shorter than a vector: each row
    /// in one zero-padded vector.
    @inline(never)
    static func siluShortRowsForward(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ weight: UnsafePointer<Float>, _ bias: UnsafePointer<Float>,
        rows: Range<Int>, channels: Int, inner: Int
    ) {
        typealias V = VectorMath.FloatVector
        for row in rows {
            let z = paddedVector(x + row * inner, count: inner, as: V.self) * weight[row % channels] + bias[row % channels]
            let r = z * VectorMath.sigmoid(z)
            for l in 0..<inner { y[row * inner + l] = r[l] }
        }
    }

    /// The first `count` (< the vector's width) elements at `p`, zero-padded.
    @inline(__always)
    static func paddedVector<V: SIMD>(_ p: UnsafePointer<Float>, count: Int, as: V.Type) -> V where V.Scalar == Float {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: V.scalarCount) { buffer in
            buffer.initialize(repeating: 0)
            buffer.baseAddress!.update(from: p, count: count)
            return UnsafeRawPointer(buffer.baseAddress!).loadUnaligned(as: V.self)
        }
    }

    /// The gradients of ``forwardSiLU(_:_:weight:bias:outer:channels:inner:)`` from the output
    /// gradient `g`, in one pass: `dx` (when given; it must not overlap `x` or `g`), `dWeight`
    /// and `dBias` (when given). Channels are split over threads whole.
    public static func backwardSiLU<T: KernelScalar>(
        _ x: UnsafePointer<T>, _ g: UnsafePointer<T>, weight: UnsafePointer<T>, bias: UnsafePointer<T>,
        dx: UnsafeMutablePointer<T>?, dWeight: UnsafeMutablePointer<T>?, dBias: UnsafeMutablePointer<T>?,
        outer: Int, channels: Int, inner: Int
    ) {
        if T.self == Float.self {
            func float(_ p: UnsafePointer<T>) -> SendableConstPointer<Float> {
                SendableConstPointer(UnsafeRawPointer(p).assumingMemoryBound(to: Float.self))
            }
            func float(_ p: UnsafeMutablePointer<T>?) -> SendablePointer<Float>? {
                p.map { SendablePointer(UnsafeMutableRawPointer($0).assumingMemoryBound(to: Float.self)) }
            }
            let xs = float(x), gs = float(g), ws = float(weight), bs = float(bias)
            let dxs = float(dx), dws = float(dWeight), dbs = float(dBias)
            Threading.parallelChunks(channels) { range in
                for c in range {
                    let (sw, sb) = siluChannelBackward(
                        xs.base, gs.base, ws.base[c], bs.base[c], dxs?.base, c, outer: outer, channels: channels, inner: inner)
                    dws?.base[c] = sw
                    dbs?.base[c] = sb
                }
            }
        } else {
            for c in 0..<channels {
                var sw: T = 0, sb: T = 0
                for o in 0..<outer {
                    for i in (o * channels + c) * inner..<(o * channels + c + 1) * inner {
                        let z = x[i] * weight[c] + bias[c]
                        let s = SiLUKernels.sigmoid(z)
                        let dz = g[i] * s * (z * (1 - s) + 1)
                        sw += dz * x[i]
                        sb += dz
                        dx?[i] = dz * weight[c]
                    }
                }
                dWeight?[c] = sw
                dBias?[c] = sb
            }
        }
    }

    /// One channel of ``backwardSiLU(_:_:weight:bias:dx:dWeight:dBias:outer:channels:inner:)``
    /// in Float: writes `dx` (when given) and returns `(Σ dz·x, Σ dz)`, summed as
    /// ``sumOfProducts(_:_:_:outer:channels:inner:)`` sums (16 lanes over each row's full
    /// vectors, the elements after them in one scalar, in order). A row's elements after its full
    /// vectors come from one vector ending at the row's last element, overlapping the one before;
    /// a row shorter than a vector runs in one zero-padded vector. (One call site of the sigmoid
    /// and no lane inserts in the loop, as in ``siluRowsForward(_:_:_:_:rows:channels:inner:)``.)
    static func siluChannelBackward(
        _ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ w: Float, _ b: Float, _ dx: UnsafeMutablePointer<Float>?,
        _ c: Int, outer: Int, channels: Int, inner: Int
    ) -> (Float, Float) {
        typealias V = SIMD16<Float>
        let width = V.scalarCount
        var lanesW = V(), lanesB = V(), tailW: Float = 0, tailB: Float = 0
        for o in 0..<outer {
            let base = (o * channels + c) * inner
            var i = 0
            while i < inner {
                let start = inner >= width ? Swift.min(i, inner - width) : 0
                let v = inner >= width ? UnsafeRawPointer(x + base + start).loadUnaligned(as: V.self) : paddedVector(x + base, count: inner, as: V.self)
                let gv = inner >= width ? UnsafeRawPointer(g + base + start).loadUnaligned(as: V.self) : paddedVector(g + base, count: inner, as: V.self)
                let z = v * w + b
                let s = VectorMath.sigmoidInlined(z)
                let d = gv * s * (z * (1 - s) + 1)
                if i + width <= inner {
                    lanesW += d * v
                    lanesB += d
                } else {
                    for l in (i - start)..<Swift.min(width, inner) {
                        tailW += d[l] * v[l]
                        tailB += d[l]
                    }
                }
                if let dx {
                    if inner >= width {
                        UnsafeMutableRawPointer(dx + base + start).storeBytes(of: d * w, as: V.self)
                    } else {
                        for l in 0..<inner { dx[base + l] = d[l] * w }
                    }
                }
                i += width
            }
        }
        var sw: Float = 0, sb: Float = 0
        for l in 0..<width {
            sw += lanesW[l]
            sb += lanesB[l]
        }
        return (sw + tailW, sb + tailB)
    }
}
