#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// Direct attention for small problems (Float): at most `smallKeys` keys, head sizes of at most
// `smallWidth`, at most `smallQueries` queries — a transformer's heads at the lengths of this
// project's recipes (GPT T = 64, E = 32; ViT 17 tokens, E = 16), where the tiled kernel's
// per-tile GEMM calls (buffers allocated, panels packed, edge tiles through a scratch tile) cost
// several times the arithmetic.
//
// Loop structure: problems are split over threads in contiguous chunks (each problem is computed
// by one thread, in a fixed order, so results do not depend on the thread count); each chunk
// allocates its scratch once. Per problem, the keys are copied transposed and zero-padded to
// `Kᵀ` `[E, S′]` (S′ = S rounded up to the vector width W) and the values to padded rows
// `[S, E′v]`. Per query row i:
//   s = scale · Σ_c q[i, c] · Kᵀ[c, :]          (S′/W vector accumulators, one FMA per c)
//   s += masks; s[j] = −∞ for j > i (causal) and j ≥ S
//   m = max s; p = exp(s − m); l = Σ p; out[i] = (Σ_{j<cols} p_j · V[j]) / l; lse = m + log l
// (every sum over keys or over c runs in up to four vector accumulators held in registers).
// Backward, per problem (every dK, dV row of a problem is accumulated by its one task):
//   p = exp(s − lse_i) (s recomputed by the same code, so the same bits), dp = dO_i · Vᵀ,
//   ds = p ⊙ (dp − D_i), D_i = ⟨dO_i, O_i⟩; dV_j += p_j dO_i, dK_j += ds_j Q_i (j in order),
//   dQ_i = scale · Σ_j ds_j K_j; dK = scale · dK at the end.
// Keys a causal row cannot see (p_j = 0) are skipped. Double and larger problems take the tiled
// kernel.

extension Attention {
    /// The most keys the direct kernel takes.
    static let smallKeys = 64
    /// The most queries the direct kernel takes.
    static let smallQueries = 256
    /// The largest query/key and value sizes the direct kernel takes.
    static let smallWidth = 128

    /// Whether `shape` runs on the direct kernel (a function of the shape only, never of the
    /// thread count, so every thread count takes the same path).
    static func isSmall(_ shape: AttentionShape) -> Bool {
        shape.keys > 0 && shape.keys <= smallKeys && shape.queries <= smallQueries && shape.headDim <= smallWidth
            && shape.valueDim <= smallWidth
    }

    typealias Lanes = VectorMath.FloatVector

    @inline(__always)
    static func padded(_ n: Int) -> Int { (n + Lanes.scalarCount - 1) / Lanes.scalarCount * Lanes.scalarCount }

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> Lanes { UnsafeRawPointer(p).loadUnaligned(as: Lanes.self) }

    @inline(__always)
    static func store(_ v: Lanes, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: Lanes.self) }

    /// `out[0..<width′] = Σ_c x[c] · rows[c, 0..<width′]` for `count` values of `x` and rows
    /// `width′` (a multiple of W) apart, times `scale`.
    @inline(__always)
    static func rowTimesMatrix(
        _ x: UnsafePointer<Float>, _ count: Int, _ rows: UnsafePointer<Float>, _ width: Int, scale: Float,
        into out: UnsafeMutablePointer<Float>
    ) {
        let w = Lanes.scalarCount
        var j = 0
        while j < width {
            let vectors = Swift.min(4, (width - j) / w)
            var a0 = Lanes(), a1 = Lanes(), a2 = Lanes(), a3 = Lanes()
            for c in 0..<count {
                let xc = Lanes(repeating: x[c]), base = rows + c * width + j
                a0 = VectorMath.mad(xc, load(base), a0)
                if vectors > 1 { a1 = VectorMath.mad(xc, load(base + w), a1) }
                if vectors > 2 { a2 = VectorMath.mad(xc, load(base + 2 * w), a2) }
                if vectors > 3 { a3 = VectorMath.mad(xc, load(base + 3 * w), a3) }
            }
            store(a0 * scale, out + j)
            if vectors > 1 { store(a1 * scale, out + j + w) }
            if vectors > 2 { store(a2 * scale, out + j + 2 * w) }
            if vectors > 3 { store(a3 * scale, out + j + 3 * w) }
            j += vectors * w
        }
    }

    /// The largest of `count` values (a multiple of W; −∞ for none). A compare and blend on
    /// the concrete vector type: the standard library's `pointwiseMax` and `max()` run lane by
    /// lane with branches (they order NaNs).
    @inline(__always)
    static func rowMaximum(_ s: UnsafePointer<Float>, _ count: Int) -> Float {
        var mv = Lanes(repeating: -.infinity)
        var j = 0
        while j < count {
            let x = load(s + j)
            mv.replace(with: x, where: mv .< x)
            j += Lanes.scalarCount
        }
        var m = -Float.infinity
        for l in 0..<Lanes.scalarCount where m < mv[l] { m = mv[l] }
        return m
    }

    /// An uninitialised buffer of `count` Floats on a 64-byte boundary (every part the kernels
    /// cut from it is a multiple of W long, so every part is vector-aligned: a misaligned
    /// vector store that a load reads back at once misses store-to-load forwarding).
    @inline(__always)
    static func alignedScratch(_ count: Int) -> UnsafeMutablePointer<Float> {
        UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.stride, alignment: 64)
            .bindMemory(to: Float.self, capacity: count)
    }

    /// `acc[0..<width′] += a · row[0..<width′]` (width′ a multiple of W).
    @inline(__always)
    static func addScaled(_ a: Float, _ row: UnsafePointer<Float>, _ width: Int, into acc: UnsafeMutablePointer<Float>) {
        let av = Lanes(repeating: a)
        var c = 0
        while c < width {
            store(VectorMath.mad(av, load(row + c), load(acc + c)), acc + c)
            c += Lanes.scalarCount
        }
    }

    /// The score row of query `i` of problem `n` into `s` (`S′` values; −∞ where hidden and in
    /// the padding); `kt` is the problem's `Kᵀ` `[E, S′]`. Forward and backward share it.
    @inline(__always)
    static func smallScores(
        _ q: UnsafePointer<Float>, _ kt: UnsafePointer<Float>, _ n: Int, _ i: Int, _ shape: AttentionShape,
        _ masks: AttentionMasks<Float>, _ layouts: AttentionLayouts, into s: UnsafeMutablePointer<Float>
    ) {
        let keys = shape.keys, sp = padded(keys)
        rowTimesMatrix(q + layouts.query.offset(n, i, heads: shape.heads), shape.headDim, kt, sp, scale: Float(shape.scale), into: s)
        if let mask = masks.scores {
            let row = mask + n * masks.scoresStride + i * keys
            for j in 0..<keys { s[j] += row[j] }
        }
        if let padding = masks.keyPadding {
            let row = padding + (n / shape.heads) * keys
            for j in 0..<keys { s[j] += row[j] }
        }
        let visible = smallVisible(i, shape)
        if visible < sp { (s + visible).update(repeating: -.infinity, count: sp - visible) }
    }

    /// The keys query `i` can see: all, or `0...i` when causal.
    @inline(__always)
    static func smallVisible(_ i: Int, _ shape: AttentionShape) -> Int {
        shape.causal ? Swift.min(shape.keys, i + 1) : shape.keys
    }

    /// Copies problem `n`'s rows of `x` (`rows` × `width`, laid out by `layout`) into `out`:
    /// transposed `[width, padded(rows)]` or as rows `[rows, padded(width)]`, zero-padded.
    @inline(__always)
    static func copyRows(
        _ x: UnsafePointer<Float>, _ layout: AttentionLayout, _ n: Int, _ heads: Int, _ rows: Int, _ width: Int,
        transposed: Bool, into out: UnsafeMutablePointer<Float>
    ) {
        if transposed {
            let ld = padded(rows)
            out.update(repeating: 0, count: width * ld)
            for j in 0..<rows {
                let src = x + layout.offset(n, j, heads: heads)
                for c in 0..<width { out[c &* ld &+ j] = src[c] }
            }
        } else {
            let ld = padded(width)
            out.update(repeating: 0, count: rows * ld)
            for j in 0..<rows { (out + j * ld).update(from: x + layout.offset(n, j, heads: heads), count: width) }
        }
    }

    static func smallForward(
        _ q: UnsafePointer<Float>, _ k: UnsafePointer<Float>, _ v: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
        _ logSumExp: UnsafeMutablePointer<Float>, _ shape: AttentionShape, _ masks: AttentionMasks<Float>,
        _ layouts: AttentionLayouts
    ) {
        let keys = shape.keys, e = shape.headDim, ev = shape.valueDim, h = shape.heads, queries = shape.queries
        let sp = padded(keys), evp = padded(ev), w = Lanes.scalarCount
        let qs = SendableConstPointer(q), ks = SendableConstPointer(k), vs = SendableConstPointer(v)
        let outs = SendablePointer(out), lses = SendablePointer(logSumExp)
        Threading.parallelChunks(shape.batchHeads) { problems in
            let scratch = alignedScratch(e * sp + keys * evp + sp + evp)
            defer { scratch.deallocate() }
            let kt = scratch, vp = kt + e * sp, s = vp + keys * evp, acc = s + sp
            for n in problems {
                copyRows(ks.base, layouts.key, n, h, keys, e, transposed: true, into: kt)
                copyRows(vs.base, layouts.value, n, h, keys, ev, transposed: false, into: vp)
                for i in 0..<queries {
                    smallScores(qs.base, kt, n, i, shape, masks, layouts, into: s)
                    let m = rowMaximum(s, sp)
                    var j = 0
                    let o = outs.base + layouts.output.offset(n, i, heads: h)
                    if m == -.infinity {
                        // Every key hidden: NaN, as in PyTorch (and the tiled kernel).
                        o.update(repeating: .nan, count: ev)
                        lses.base[n * queries + i] = -.infinity
                        continue
                    }
                    let mvec = Lanes(repeating: m)
                    var lv = Lanes()
                    j = 0
                    while j < sp {
                        let p = VectorMath.exp(load(s + j) - mvec)
                        store(p, s + j)
                        lv += p
                        j += w
                    }
                    let l = lv.sum()
                    rowTimesMatrix(s, smallVisible(i, shape), vp, evp, scale: 1, into: acc)
                    let inverse = 1 / l
                    for c in 0..<ev { o[c] = acc[c] * inverse }
                    lses.base[n * queries + i] = m + Float(LibM.log(Double(l)))
                }
            }
        }
    }

    static func smallBackward(
        _ q: UnsafePointer<Float>, _ k: UnsafePointer<Float>, _ v: UnsafePointer<Float>, _ out: UnsafePointer<Float>,
        _ logSumExp: UnsafePointer<Float>, _ gradOut: UnsafePointer<Float>, _ gradQ: UnsafeMutablePointer<Float>,
        _ gradK: UnsafeMutablePointer<Float>, _ gradV: UnsafeMutablePointer<Float>, _ shape: AttentionShape,
        _ masks: AttentionMasks<Float>, _ layouts: AttentionLayouts
    ) {
        let keys = shape.keys, e = shape.headDim, ev = shape.valueDim, h = shape.heads, queries = shape.queries
        let sp = padded(keys), ep = padded(e), evp = padded(ev), w = Lanes.scalarCount
        let scale = Float(shape.scale)
        let qs = SendableConstPointer(q), ks = SendableConstPointer(k), vs = SendableConstPointer(v)
        let os = SendableConstPointer(out), gos = SendableConstPointer(gradOut), lses = SendableConstPointer(logSumExp)
        let gq = SendablePointer(gradQ), gk = SendablePointer(gradK), gv = SendablePointer(gradV)
        Threading.parallelChunks(shape.batchHeads) { problems in
            let size = e * sp + ev * sp + 2 * keys * ep + keys * evp + 2 * sp + evp + 2 * ep
            let scratch = alignedScratch(size)
            defer { scratch.deallocate() }
            let kt = scratch, vt = kt + e * sp, kp = vt + ev * sp, dk = kp + keys * ep, dv = dk + keys * ep
            let p = dv + keys * evp, ds = p + sp, dor = ds + sp, qr = dor + evp, dq = qr + ep
            for n in problems {
                copyRows(ks.base, layouts.key, n, h, keys, e, transposed: true, into: kt)
                copyRows(vs.base, layouts.value, n, h, keys, ev, transposed: true, into: vt)
                copyRows(ks.base, layouts.key, n, h, keys, e, transposed: false, into: kp)
                dk.update(repeating: 0, count: keys * ep)
                dv.update(repeating: 0, count: keys * evp)
                dor.update(repeating: 0, count: evp)
                qr.update(repeating: 0, count: ep)
                for i in 0..<queries {
                    smallScores(qs.base, kt, n, i, shape, masks, layouts, into: p)
                    let lse = Lanes(repeating: lses.base[n * queries + i])
                    var j = 0
                    while j < sp {
                        store(VectorMath.exp(load(p + j) - lse), p + j)
                        j += w
                    }
                    let offset = layouts.output.offset(n, i, heads: h)
                    let go = gos.base + offset, o = os.base + offset
                    var delta: Float = 0
                    for c in 0..<ev { delta += go[c] * o[c] }
                    dor.update(from: go, count: ev)
                    rowTimesMatrix(go, ev, vt, sp, scale: 1, into: ds)
                    let dvec = Lanes(repeating: delta)
                    j = 0
                    while j < sp {
                        store(load(p + j) * (load(ds + j) - dvec), ds + j)
                        j += w
                    }
                    qr.update(from: qs.base + layouts.query.offset(n, i, heads: h), count: e)
                    let visible = smallVisible(i, shape)
                    for j in 0..<visible {
                        addScaled(p[j], dor, evp, into: dv + j * evp)
                        addScaled(ds[j], qr, ep, into: dk + j * ep)
                    }
                    rowTimesMatrix(ds, visible, kp, ep, scale: scale, into: dq)
                    (gq.base + layouts.query.offset(n, i, heads: h)).update(from: dq, count: e)
                }
                for j in 0..<keys {
                    let dkRow = gk.base + layouts.key.offset(n, j, heads: h), dvRow = gv.base + layouts.value.offset(n, j, heads: h)
                    for c in 0..<e { dkRow[c] = scale * dk[j * ep + c] }
                    for c in 0..<ev { dvRow[c] = dv[j * evp + c] }
                }
            }
        }
    }
}
