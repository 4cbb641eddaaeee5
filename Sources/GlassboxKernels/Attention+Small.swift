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
// `[S, E′v]`; then, as whole-problem products in register tiles (`smallProduct`,
// Attention+SmallProduct.swift: 8 rows × 2 vectors or 4 × 4 accumulators, every sum in
// ascending order of its index):
//   S = scale · Q·Kᵀ  [L, S′];  S += masks; S[i, j] = −∞ for j > i (causal) and j ≥ S
//   per row: m = max s; p = exp(s − m); l = Σ p; lse = m + log l
//   O = P·V, out[i] = O[i] / l_i
// Backward, per problem (dQ, dK, dV of a problem are all computed by its one task):
//   P = exp(S − lse) (S recomputed by the same code, so the same bits), dP = dO·Vᵀ,
//   dS = P ⊙ (dP − D), D_i = ⟨dO_i, O_i⟩;
//   dV = Pᵀ·dO, dK = scale · dSᵀ·Q, dQ = scale · dS·K
// (the transposed products read P and dS down their columns). Causal problems skip, per block
// of rows, the terms no row of the block can see (their P is 0). Double and larger problems
// take the tiled kernel.

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

    /// The keys query `i` can see: all, or `0...i` when causal.
    @inline(__always)
    static func smallVisible(_ i: Int, _ shape: AttentionShape) -> Int {
        shape.causal ? Swift.min(shape.keys, i + 1) : shape.keys
    }

    /// Copies problem `n`'s rows of `x` (`rows` × `width`, laid out by `layout`) into `out`:
    /// transposed `[width, padded(rows)]` (column by column: contiguous stores, a strided
    /// load each — a row-by-row loop compiles to scatters) or as rows `[rows, padded(width)]`,
    /// zero-padded.
    @inline(__always)
    static func copyRows(
        _ x: UnsafePointer<Float>, _ layout: AttentionLayout, _ n: Int, _ heads: Int, _ rows: Int, _ width: Int,
        transposed: Bool, into out: UnsafeMutablePointer<Float>
    ) {
        let first = x + layout.offset(n, 0, heads: heads), rs = layout.rowStride
        if transposed {
            let ld = padded(rows)
            for c in 0..<width {
                let dst = out + c * ld, src = first + c
                for j in 0..<rows { dst[j] = src[j &* rs] }
                for j in rows..<ld { dst[j] = 0 }
            }
        } else {
            let ld = padded(width)
            for j in 0..<rows {
                let dst = out + j * ld, src = first + j * rs
                var c = 0
                while c + Lanes.scalarCount <= width {
                    store(load(src + c), dst + c)
                    c += Lanes.scalarCount
                }
                while c < width { dst[c] = src[c]; c += 1 }
                while c < ld { dst[c] = 0; c += 1 }
            }
        }
    }

    /// Problem `n`'s rows of `x` as a product operand with rows `ld` apart and a multiple of W
    /// columns: in place when `width` is a multiple of W, else copied zero-padded into `scratch`.
    @inline(__always)
    static func rowsOperand(
        _ x: UnsafePointer<Float>, _ layout: AttentionLayout, _ n: Int, _ heads: Int, _ rows: Int, _ width: Int,
        scratch: UnsafeMutablePointer<Float>
    ) -> (UnsafePointer<Float>, ld: Int) {
        if width % Lanes.scalarCount == 0 { return (x + layout.offset(n, 0, heads: heads), layout.rowStride) }
        copyRows(x, layout, n, heads, rows, width, transposed: false, into: scratch)
        return (UnsafePointer(scratch), padded(width))
    }

    /// Where a product writes problem `n`'s output rows (`width` wide): into `x` itself when
    /// `width` is a multiple of W, else into `scratch` (rows `padded(width)` apart), which
    /// ``storeRows(_:_:_:_:_:_:from:)`` then copies.
    @inline(__always)
    static func rowsTarget(
        _ x: UnsafeMutablePointer<Float>, _ layout: AttentionLayout, _ n: Int, _ heads: Int, _ width: Int,
        scratch: UnsafeMutablePointer<Float>
    ) -> (UnsafeMutablePointer<Float>, ld: Int) {
        width % Lanes.scalarCount == 0 ? (x + layout.offset(n, 0, heads: heads), layout.rowStride) : (scratch, padded(width))
    }

    /// Copies rows written to `scratch` by way of ``rowsTarget(_:_:_:_:_:scratch:)`` into `x`.
    @inline(__always)
    static func storeRows(
        _ x: UnsafeMutablePointer<Float>, _ layout: AttentionLayout, _ n: Int, _ heads: Int, _ rows: Int, _ width: Int,
        from scratch: UnsafePointer<Float>
    ) {
        guard width % Lanes.scalarCount != 0 else { return }
        let ld = padded(width)
        for j in 0..<rows { (x + layout.offset(n, j, heads: heads)).update(from: scratch + j * ld, count: width) }
    }

    /// `Σ a[c]·b[c]` for `c < count`: W-lane partial sums (in a fixed order) and a scalar tail.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
        var acc = Lanes()
        var c = 0
        while c + Lanes.scalarCount <= count {
            acc = VectorMath.mad(load(a + c), load(b + c), acc)
            c += Lanes.scalarCount
        }
        var total = acc.sum()
        while c < count { total += a[c] * b[c]; c += 1 }
        return total
    }

    /// The score matrix of problem `n` into `s` (`[L, S′]`, rows `S′` apart): scale · Q·Kᵀ, plus
    /// the masks, −∞ where hidden and in the padding; `kt` is the problem's `Kᵀ` `[E, S′]`.
    /// Forward and backward share it, so the backward's scores are the forward's bits.
    @inline(__always)
    static func smallScores(
        _ q: UnsafePointer<Float>, _ kt: UnsafePointer<Float>, _ n: Int, _ shape: AttentionShape, _ masks: AttentionMasks<Float>,
        _ layouts: AttentionLayouts, into s: UnsafeMutablePointer<Float>
    ) {
        let keys = shape.keys, sp = padded(keys), e = shape.headDim
        smallProduct(
            q + layouts.query.offset(n, 0, heads: shape.heads), rowStride: layouts.query.rowStride, columnStride: 1,
            rows: shape.queries, kt, ldb: sp, width: sp, scale: Float(shape.scale), into: s, ldo: sp, span: { _, _ in 0..<e })
        for i in 0..<shape.queries {
            let row = s + i * sp
            if let mask = masks.scores {
                let m = mask + n * masks.scoresStride + i * keys
                for j in 0..<keys { row[j] += m[j] }
            }
            if let padding = masks.keyPadding {
                let m = padding + (n / shape.heads) * keys
                for j in 0..<keys { row[j] += m[j] }
            }
            let visible = smallVisible(i, shape)
            if visible < sp { (row + visible).update(repeating: -.infinity, count: sp - visible) }
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
            let scratch = alignedScratch(e * sp + keys * evp + queries * sp + queries * evp + padded(queries))
            defer { scratch.deallocate() }
            let kt = scratch, vp = kt + e * sp, p = vp + keys * evp, acc = p + queries * sp, sums = acc + queries * evp
            for n in problems {
                copyRows(ks.base, layouts.key, n, h, keys, e, transposed: true, into: kt)
                let (vr, ldv) = rowsOperand(vs.base, layouts.value, n, h, keys, ev, scratch: vp)
                smallScores(qs.base, kt, n, shape, masks, layouts, into: p)
                for i in 0..<queries {
                    let s = p + i * sp
                    let m = rowMaximum(s, sp)
                    if m == -.infinity {
                        // Every key hidden: NaN, as in PyTorch (and the tiled kernel).
                        lses.base[n * queries + i] = -.infinity
                        continue
                    }
                    let mvec = Lanes(repeating: m)
                    var lv = Lanes()
                    var j = 0
                    while j < sp {
                        let x = VectorMath.exp(load(s + j) - mvec)
                        store(x, s + j)
                        lv += x
                        j += w
                    }
                    let l = lv.sum()
                    sums[i] = l
                    lses.base[n * queries + i] = m + Float(LibM.log(Double(l)))
                }
                smallProduct(
                    p, rowStride: sp, columnStride: 1, rows: queries, vr, ldb: ldv, width: evp, scale: 1, into: acc, ldo: evp,
                    span: { _, last in 0..<smallVisible(last - 1, shape) })
                for i in 0..<queries {
                    let o = outs.base + layouts.output.offset(n, i, heads: h)
                    if lses.base[n * queries + i] == -.infinity {
                        o.update(repeating: .nan, count: ev)
                        continue
                    }
                    let inverse = 1 / sums[i], row = acc + i * evp
                    for c in 0..<ev { o[c] = row[c] * inverse }
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
        // The keys j of rows r0..<r1 of dV and dK get terms from queries i ≥ j only when causal.
        let queriesFor: (Int, Int) -> Range<Int> = { first, _ in shape.causal ? Swift.min(first, queries)..<queries : 0..<queries }
        Threading.parallelChunks(shape.batchHeads) { problems in
            let size = e * sp + ev * sp + keys * ep + queries * ep + queries * evp + 2 * queries * sp + keys * evp + keys * ep + queries * ep
            let scratch = alignedScratch(size)
            defer { scratch.deallocate() }
            let kt = scratch, vt = kt + e * sp, kp = vt + ev * sp, qp = kp + keys * ep, dop = qp + queries * ep
            let p = dop + queries * evp, ds = p + queries * sp, dv = ds + queries * sp, dk = dv + keys * evp, dq = dk + keys * ep
            for n in problems {
                copyRows(ks.base, layouts.key, n, h, keys, e, transposed: true, into: kt)
                copyRows(vs.base, layouts.value, n, h, keys, ev, transposed: true, into: vt)
                let (kr, ldk) = rowsOperand(ks.base, layouts.key, n, h, keys, e, scratch: kp)
                let (qr, ldq) = rowsOperand(qs.base, layouts.query, n, h, queries, e, scratch: qp)
                let (dor, ldo) = rowsOperand(gos.base, layouts.output, n, h, queries, ev, scratch: dop)
                // P = exp(S − logSumExp), dP = dO·Vᵀ, dS = P ⊙ (dP − D).
                smallScores(qs.base, kt, n, shape, masks, layouts, into: p)
                smallProduct(
                    gos.base + layouts.output.offset(n, 0, heads: h), rowStride: layouts.output.rowStride, columnStride: 1,
                    rows: queries, vt, ldb: sp, width: sp, scale: 1, into: ds, ldo: sp, span: { _, _ in 0..<ev })
                for i in 0..<queries {
                    let lse = Lanes(repeating: lses.base[n * queries + i])
                    let offset = layouts.output.offset(n, i, heads: h)
                    let go = gos.base + offset, o = os.base + offset
                    let delta = dot(go, o, ev)
                    let dvec = Lanes(repeating: delta), pr = p + i * sp, dr = ds + i * sp
                    var j = 0
                    while j < sp {
                        let x = VectorMath.exp(load(pr + j) - lse)
                        store(x, pr + j)
                        store(x * (load(dr + j) - dvec), dr + j)
                        j += w
                    }
                }
                // dV = Pᵀ·dO, dK = scale·dSᵀ·Q, dQ = scale·dS·K.
                let (dvOut, lddv) = rowsTarget(gv.base, layouts.value, n, h, ev, scratch: dv)
                let (dkOut, lddk) = rowsTarget(gk.base, layouts.key, n, h, e, scratch: dk)
                let (dqOut, lddq) = rowsTarget(gq.base, layouts.query, n, h, e, scratch: dq)
                smallProduct(
                    p, rowStride: 1, columnStride: sp, rows: keys, dor, ldb: ldo, width: evp, scale: 1, into: dvOut, ldo: lddv,
                    span: queriesFor)
                smallProduct(
                    ds, rowStride: 1, columnStride: sp, rows: keys, qr, ldb: ldq, width: ep, scale: scale, into: dkOut, ldo: lddk,
                    span: queriesFor)
                smallProduct(
                    ds, rowStride: sp, columnStride: 1, rows: queries, kr, ldb: ldk, width: ep, scale: scale, into: dqOut, ldo: lddq,
                    span: { _, last in 0..<smallVisible(last - 1, shape) })
                storeRows(gv.base, layouts.value, n, h, keys, ev, from: dv)
                storeRows(gk.base, layouts.key, n, h, keys, e, from: dk)
                storeRows(gq.base, layouts.query, n, h, queries, e, from: dq)
            }
        }
    }
}
