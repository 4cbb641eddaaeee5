#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// Scaled dot-product attention, tiled with an online softmax (FlashAttention's loop structure):
//
//   out[n, i, :] = Σ_j P[n, i, j] · V[n, j, :],   P = softmax_j(S),
//   S[n, i, j] = scale · ⟨Q[n, i, :], K[n, j, :]⟩ + mask[n, i, j] + padding[n / heads, j]
//                (−∞ above the diagonal when causal: key j > query i)
//
// Forward, per task (n, block of `queryBlock` queries): for each block of `keyBlock` keys, one
// GEMM gives the score tile S (queryBlock × keyBlock); each row's running maximum m and sum l
// are updated (the accumulator rescaled by exp(m_old − m_new)), the tile becomes
// P̃ = exp(S − m_new), and one GEMM adds P̃·V into the accumulator. At the end
// out = acc / l and logSumExp = m + log l is kept for the backward pass. Memory: one score tile
// and one accumulator per thread — linear in the sequence length, never L × S.
//
// Backward (D_i = Σ_c dO[i, c]·O[i, c]; P recomputed as exp(S − logSumExp)):
//   dV_j = Σ_i P_ij dO_i        dP_ij = ⟨dO_i, V_j⟩        dS_ij = P_ij (dP_ij − D_i)
//   dQ_i = scale · Σ_j dS_ij K_j        dK_j = scale · Σ_i dS_ij Q_i
// in two passes, so every output row is written by one task in a fixed order (bitwise
// identical for any thread count): tasks (n, key block) accumulate dK and dV over all query
// blocks; tasks (n, query block) accumulate dQ over all key blocks. The score tiles are
// recomputed by the same code as the forward pass.

/// The sizes of one attention call: `batchHeads` independent problems of `queries` × `keys`.
public struct AttentionShape: Sendable, Equatable {
    /// Independent (batch × head) problems.
    public var batchHeads: Int
    /// Heads per batch element: key-padding row `n / heads` applies to problem `n`.
    public var heads: Int
    /// Query positions `L`.
    public var queries: Int
    /// Key (and value) positions `S`.
    public var keys: Int
    /// The query and key size `E`.
    public var headDim: Int
    /// The value size `Ev`.
    public var valueDim: Int
    /// The factor on `Q·Kᵀ` (usually `1/√E`).
    public var scale: Double
    /// Whether key `j` is hidden from query `i` when `j > i`.
    public var causal: Bool

    /// Creates a shape.
    public init(batchHeads: Int, heads: Int, queries: Int, keys: Int, headDim: Int, valueDim: Int, scale: Double, causal: Bool) {
        precondition(batchHeads >= 0 && heads > 0 && batchHeads % heads == 0, "Attention: \(batchHeads) problems are not a multiple of \(heads) heads")
        precondition(queries >= 0 && keys >= 0 && headDim > 0 && valueDim > 0, "Attention: bad sizes L=\(queries) S=\(keys) E=\(headDim) Ev=\(valueDim)")
        self.batchHeads = batchHeads
        self.heads = heads
        self.queries = queries
        self.keys = keys
        self.headDim = headDim
        self.valueDim = valueDim
        self.scale = scale
        self.causal = causal
    }
}

/// Additive masks of an attention call, both optional: `scores` `[L, S]` per problem
/// (`scoresStride` elements apart: 0 shares one mask among all problems, `L·S` gives each its
/// own) and `keyPadding` `[batchHeads / heads, S]`. Masked positions hold −∞.
public struct AttentionMasks<T: KernelScalar>: @unchecked Sendable {
    /// `[L, S]` additive scores mask, or nil.
    public var scores: UnsafePointer<T>?
    /// The distance between consecutive problems' score masks (0 or `L·S`).
    public var scoresStride: Int
    /// `[batch, S]` additive key-padding mask, or nil.
    public var keyPadding: UnsafePointer<T>?

    /// Creates the masks.
    public init(scores: UnsafePointer<T>? = nil, scoresStride: Int = 0, keyPadding: UnsafePointer<T>? = nil) {
        self.scores = scores
        self.scoresStride = scoresStride
        self.keyPadding = keyPadding
    }
}

/// The tiled attention kernels (see the comment at the top of this file).
public enum Attention {
    /// Queries per tile.
    static let queryBlock = 64
    /// Keys per tile.
    static let keyBlock = 64

    /// `out = softmax(scale·Q·Kᵀ + masks)·V` and the per-row `logSumExp` of the scores.
    ///
    /// - Parameters:
    ///   - q: `[batchHeads, L, E]`; `k`: `[batchHeads, S, E]`; `v`: `[batchHeads, S, Ev]`.
    ///   - out: `[batchHeads, L, Ev]`, written; `logSumExp`: `[batchHeads, L]`, written
    ///     (−∞ for a row whose keys are all masked, whose output is NaN as in PyTorch).
    public static func forward<T: KernelScalar>(
        _ q: UnsafePointer<T>, _ k: UnsafePointer<T>, _ v: UnsafePointer<T>, out: UnsafeMutablePointer<T>,
        logSumExp: UnsafeMutablePointer<T>, shape: AttentionShape, masks: AttentionMasks<T>
    ) {
        if T.self == Float.self {
            forwardImpl(
                rebind(q, Float.self), rebind(k, Float.self), rebind(v, Float.self), rebind(out, Float.self),
                rebind(logSumExp, Float.self), shape, unsafeBitCast(masks, to: AttentionMasks<Float>.self))
        } else if T.self == Double.self {
            forwardImpl(
                rebind(q, Double.self), rebind(k, Double.self), rebind(v, Double.self), rebind(out, Double.self),
                rebind(logSumExp, Double.self), shape, unsafeBitCast(masks, to: AttentionMasks<Double>.self))
        } else {
            forwardImpl(q, k, v, out, logSumExp, shape, masks)
        }
    }

    /// The gradients of ``forward(_:_:_:out:logSumExp:shape:masks:)`` for an output gradient
    /// `gradOut` (`[batchHeads, L, Ev]`), given its `out` and `logSumExp`: `gradQ`, `gradK`,
    /// `gradV` shaped like `q`, `k`, `v`, overwritten.
    public static func backward<T: KernelScalar>(
        _ q: UnsafePointer<T>, _ k: UnsafePointer<T>, _ v: UnsafePointer<T>, out: UnsafePointer<T>,
        logSumExp: UnsafePointer<T>, gradOut: UnsafePointer<T>, gradQ: UnsafeMutablePointer<T>,
        gradK: UnsafeMutablePointer<T>, gradV: UnsafeMutablePointer<T>, shape: AttentionShape, masks: AttentionMasks<T>
    ) {
        if T.self == Float.self {
            backwardImpl(
                rebind(q, Float.self), rebind(k, Float.self), rebind(v, Float.self), rebind(out, Float.self),
                rebind(logSumExp, Float.self), rebind(gradOut, Float.self), rebind(gradQ, Float.self),
                rebind(gradK, Float.self), rebind(gradV, Float.self), shape, unsafeBitCast(masks, to: AttentionMasks<Float>.self))
        } else if T.self == Double.self {
            backwardImpl(
                rebind(q, Double.self), rebind(k, Double.self), rebind(v, Double.self), rebind(out, Double.self),
                rebind(logSumExp, Double.self), rebind(gradOut, Double.self), rebind(gradQ, Double.self),
                rebind(gradK, Double.self), rebind(gradV, Double.self), shape, unsafeBitCast(masks, to: AttentionMasks<Double>.self))
        } else {
            backwardImpl(q, k, v, out, logSumExp, gradOut, gradQ, gradK, gradV, shape, masks)
        }
    }

    /// `c = alpha·op(a)·op(b) + beta·c` on the calling thread (tiles are already spread over
    /// threads).
    @inline(__always)
    static func gemm1<T: KernelScalar>(
        _ ta: Bool, _ tb: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: T, _ a: UnsafePointer<T>, _ lda: Int,
        _ b: UnsafePointer<T>, _ ldb: Int, _ beta: T, _ c: UnsafeMutablePointer<T>, _ ldc: Int
    ) {
        GEMMProblem(m: m, n: n, k: k, ldc: ldc).dispatch(
            alpha: alpha, a: GEMMMatrix(a, ld: lda, transposed: ta), b: GEMMMatrix(b, ld: ldb, transposed: tb),
            beta: beta, c: c, threads: 1)
    }

    /// The score tile `S = scale·Q[q0..<q0+rows]·K[k0..<k0+cols]ᵀ + masks` of problem `n`, row
    /// stride `keyBlock`, masked entries −∞. Forward and backward share it, so they see the
    /// same bits.
    @inline(__always)
    static func scores<T: KernelScalar>(
        _ q: UnsafePointer<T>, _ k: UnsafePointer<T>, _ n: Int, _ q0: Int, _ rows: Int, _ k0: Int, _ cols: Int,
        _ shape: AttentionShape, _ masks: AttentionMasks<T>, into s: UnsafeMutablePointer<T>
    ) {
        let e = shape.headDim, ld = keyBlock
        gemm1(
            false, true, rows, cols, e, T(shape.scale), q + (n * shape.queries + q0) * e, e,
            k + (n * shape.keys + k0) * e, e, 0, s, ld)
        if let mask = masks.scores {
            let base = mask + n * masks.scoresStride
            for r in 0..<rows {
                let row = base + (q0 + r) * shape.keys + k0, out = s + r * ld
                for j in 0..<cols { out[j] += row[j] }
            }
        }
        if let padding = masks.keyPadding {
            let row = padding + (n / shape.heads) * shape.keys + k0
            for r in 0..<rows {
                let out = s + r * ld
                for j in 0..<cols { out[j] += row[j] }
            }
        }
        if shape.causal {
            for r in 0..<rows {
                let first = Swift.max(0, q0 + r + 1 - k0)
                if first < cols { (s + r * ld + first).update(repeating: -.infinity, count: cols - first) }
            }
        }
    }

    /// The key blocks query block `q0..<q0+rows` attends to (all, or up to the diagonal).
    @inline(__always)
    static func keyLimit(_ q0: Int, _ rows: Int, _ shape: AttentionShape) -> Int {
        shape.causal ? Swift.min(shape.keys, q0 + rows) : shape.keys
    }

    static func forwardImpl<T: KernelScalar>(
        _ q: UnsafePointer<T>, _ k: UnsafePointer<T>, _ v: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>,
        _ logSumExp: UnsafeMutablePointer<T>, _ shape: AttentionShape, _ masks: AttentionMasks<T>
    ) {
        let blocks = (shape.queries + queryBlock - 1) / queryBlock
        if shape.batchHeads == 0 || blocks == 0 { return }
        let qs = SendableConstPointer(q), ks = SendableConstPointer(k), vs = SendableConstPointer(v)
        let outs = SendablePointer(out), lses = SendablePointer(logSumExp)
        let ev = shape.valueDim
        Threading.parallelFor(shape.batchHeads * blocks) { task in
            let n = task / blocks, q0 = task % blocks * queryBlock
            let rows = Swift.min(queryBlock, shape.queries - q0)
            let s = UnsafeMutablePointer<T>.allocate(capacity: queryBlock * keyBlock)
            let acc = UnsafeMutablePointer<T>.allocate(capacity: queryBlock * ev)
            var m = [T](repeating: -.infinity, count: rows), l = [T](repeating: 0, count: rows)
            defer { s.deallocate(); acc.deallocate() }
            acc.initialize(repeating: 0, count: rows * ev)
            let limit = keyLimit(q0, rows, shape)
            var k0 = 0
            while k0 < limit {
                let cols = Swift.min(keyBlock, limit - k0)
                scores(qs.base, ks.base, n, q0, rows, k0, cols, shape, masks, into: s)
                for r in 0..<rows {
                    let row = s + r * keyBlock
                    var rowMax = -T.infinity
                    for j in 0..<cols { rowMax = Swift.max(rowMax, row[j]) }
                    let mNew = Swift.max(m[r], rowMax)
                    if mNew == -.infinity {
                        // Every key so far is masked: nothing to add yet.
                        row.update(repeating: 0, count: cols)
                        continue
                    }
                    for j in 0..<cols { row[j] -= mNew }
                    VectorMath.exp(row, row, count: cols)
                    let correction = m[r] == mNew ? 1 : T(Glibc.exp(Double(m[r] - mNew)))
                    var sum: T = 0
                    for j in 0..<cols { sum += row[j] }
                    l[r] = l[r] * correction + sum
                    m[r] = mNew
                    if correction != 1 {
                        let a = acc + r * ev
                        for c in 0..<ev { a[c] *= correction }
                    }
                }
                gemm1(false, false, rows, ev, cols, 1, UnsafePointer(s), keyBlock, vs.base + (n * shape.keys + k0) * ev, ev, 1, acc, ev)
                k0 += cols
            }
            for r in 0..<rows {
                let dst = outs.base + (n * shape.queries + q0 + r) * ev, a = acc + r * ev
                let inverse = 1 / l[r]  // 1/0 = inf, and 0·inf = NaN for a fully masked row, as in PyTorch
                for c in 0..<ev { dst[c] = a[c] * inverse }
                lses.base[n * shape.queries + q0 + r] = m[r] + T(Glibc.log(Double(l[r])))
            }
        }
    }

    /// `P = exp(S − logSumExp)` in place on the score tile, then `dS = P ⊙ (dO·Vᵀ − D)`
    /// into `ds`, for one (query block, key block) pair.
    @inline(__always)
    static func scoreGradients<T: KernelScalar>(
        _ s: UnsafeMutablePointer<T>, _ ds: UnsafeMutablePointer<T>, _ v: UnsafePointer<T>, _ gradOut: UnsafePointer<T>,
        _ lse: UnsafePointer<T>, _ delta: UnsafePointer<T>, _ n: Int, _ q0: Int, _ rows: Int, _ k0: Int, _ cols: Int,
        _ shape: AttentionShape
    ) {
        let ev = shape.valueDim
        for r in 0..<rows {
            let row = s + r * keyBlock, shift = lse[n * shape.queries + q0 + r]
            for j in 0..<cols { row[j] -= shift }
            VectorMath.exp(row, row, count: cols)
        }
        gemm1(
            false, true, rows, cols, ev, 1, gradOut + (n * shape.queries + q0) * ev, ev, v + (n * shape.keys + k0) * ev, ev,
            0, ds, keyBlock)
        for r in 0..<rows {
            let p = s + r * keyBlock, d = ds + r * keyBlock, dr = delta[n * shape.queries + q0 + r]
            for j in 0..<cols { d[j] = p[j] * (d[j] - dr) }
        }
    }

    static func backwardImpl<T: KernelScalar>(
        _ q: UnsafePointer<T>, _ k: UnsafePointer<T>, _ v: UnsafePointer<T>, _ out: UnsafePointer<T>,
        _ logSumExp: UnsafePointer<T>, _ gradOut: UnsafePointer<T>, _ gradQ: UnsafeMutablePointer<T>,
        _ gradK: UnsafeMutablePointer<T>, _ gradV: UnsafeMutablePointer<T>, _ shape: AttentionShape, _ masks: AttentionMasks<T>
    ) {
        let bh = shape.batchHeads, e = shape.headDim, ev = shape.valueDim
        gradQ.initialize(repeating: 0, count: bh * shape.queries * e)
        gradK.initialize(repeating: 0, count: bh * shape.keys * e)
        gradV.initialize(repeating: 0, count: bh * shape.keys * ev)
        let queryBlocks = (shape.queries + queryBlock - 1) / queryBlock
        let keyBlocks = (shape.keys + keyBlock - 1) / keyBlock
        if bh == 0 || queryBlocks == 0 || keyBlocks == 0 { return }
        // D_i = ⟨dO_i, O_i⟩.
        let delta = UnsafeMutablePointer<T>.allocate(capacity: bh * shape.queries)
        defer { delta.deallocate() }
        for i in 0..<(bh * shape.queries) {
            var sum: T = 0
            for c in 0..<ev { sum += gradOut[i * ev + c] * out[i * ev + c] }
            delta[i] = sum
        }
        let qs = SendableConstPointer(q), ks = SendableConstPointer(k), vs = SendableConstPointer(v)
        let gos = SendableConstPointer(gradOut), lses = SendableConstPointer(logSumExp), deltas = SendableConstPointer(delta)
        let gq = SendablePointer(gradQ), gk = SendablePointer(gradK), gv = SendablePointer(gradV)
        let scale = T(shape.scale)
        // Pass 1: dK and dV, one task per (problem, key block).
        Threading.parallelFor(bh * keyBlocks) { task in
            let n = task / keyBlocks, k0 = task % keyBlocks * keyBlock
            let cols = Swift.min(keyBlock, shape.keys - k0)
            let s = UnsafeMutablePointer<T>.allocate(capacity: queryBlock * keyBlock)
            let ds = UnsafeMutablePointer<T>.allocate(capacity: queryBlock * keyBlock)
            defer { s.deallocate(); ds.deallocate() }
            // Causal: query blocks whose last row reaches key k0.
            var q0 = shape.causal ? k0 / queryBlock * queryBlock : 0
            while q0 < shape.queries {
                let rows = Swift.min(queryBlock, shape.queries - q0)
                scores(qs.base, ks.base, n, q0, rows, k0, cols, shape, masks, into: s)
                scoreGradients(s, ds, vs.base, gos.base, lses.base, deltas.base, n, q0, rows, k0, cols, shape)
                gemm1(
                    true, false, cols, ev, rows, 1, UnsafePointer(s), keyBlock, gos.base + (n * shape.queries + q0) * ev, ev, 1,
                    gv.base + (n * shape.keys + k0) * ev, ev)
                gemm1(
                    true, false, cols, e, rows, scale, UnsafePointer(ds), keyBlock, qs.base + (n * shape.queries + q0) * e, e, 1,
                    gk.base + (n * shape.keys + k0) * e, e)
                q0 += rows
            }
        }
        // Pass 2: dQ, one task per (problem, query block).
        Threading.parallelFor(bh * queryBlocks) { task in
            let n = task / queryBlocks, q0 = task % queryBlocks * queryBlock
            let rows = Swift.min(queryBlock, shape.queries - q0)
            let s = UnsafeMutablePointer<T>.allocate(capacity: queryBlock * keyBlock)
            let ds = UnsafeMutablePointer<T>.allocate(capacity: queryBlock * keyBlock)
            defer { s.deallocate(); ds.deallocate() }
            let limit = keyLimit(q0, rows, shape)
            var k0 = 0
            while k0 < limit {
                let cols = Swift.min(keyBlock, limit - k0)
                scores(qs.base, ks.base, n, q0, rows, k0, cols, shape, masks, into: s)
                scoreGradients(s, ds, vs.base, gos.base, lses.base, deltas.base, n, q0, rows, k0, cols, shape)
                gemm1(
                    false, false, rows, e, cols, scale, UnsafePointer(ds), keyBlock, ks.base + (n * shape.keys + k0) * e, e, 1,
                    gq.base + (n * shape.queries + q0) * e, e)
                k0 += cols
            }
        }
    }
}
