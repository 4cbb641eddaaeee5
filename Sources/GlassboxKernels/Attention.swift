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
//
// Float problems of at most 64 keys, 256 queries and head sizes of at most 128 take the direct
// kernel of Attention+Small.swift instead (no GEMM calls, no tiles).

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

/// Where the rows of each problem lie in one operand: problem `n = b·heads + h` (batch element
/// `b`, head `h`) starts at `b·batchStride + h·headStride` and its rows are `rowStride`
/// elements apart. ``contiguous(rows:width:)`` is the `[batchHeads, rows, width]` layout;
/// heads side by side in the last dimension (`[batch, rows, heads·width]`, PyTorch's layout
/// before the head split, or a slice of a packed `[batch, rows, 3·heads·width]` projection) need
/// no permutation.
public struct AttentionLayout: Sendable, Equatable {
    /// Elements between consecutive batch elements.
    public var batchStride: Int
    /// Elements between consecutive heads of one batch element.
    public var headStride: Int
    /// Elements between consecutive rows (positions) of one problem.
    public var rowStride: Int

    /// Creates a layout.
    public init(batchStride: Int, headStride: Int, rowStride: Int) {
        self.batchStride = batchStride
        self.headStride = headStride
        self.rowStride = rowStride
    }

    /// `[batchHeads, rows, width]`, each problem's rows contiguous; `heads` as in the shape.
    public static func contiguous(rows: Int, width: Int, heads: Int) -> AttentionLayout {
        AttentionLayout(batchStride: heads * rows * width, headStride: rows * width, rowStride: width)
    }

    /// The offset of row `row` of problem `problem` for `heads` heads per batch element.
    @inline(__always)
    func offset(_ problem: Int, _ row: Int, heads: Int) -> Int {
        problem / heads * batchStride + problem % heads * headStride + row * rowStride
    }
}

/// The layouts of the operands of one attention call: the gradients share their operand's.
public struct AttentionLayouts: Sendable, Equatable {
    /// Of the queries (and their gradient).
    public var query: AttentionLayout
    /// Of the keys (and their gradient).
    public var key: AttentionLayout
    /// Of the values (and their gradient).
    public var value: AttentionLayout
    /// Of the output (and its gradient).
    public var output: AttentionLayout

    /// Creates the layouts.
    public init(query: AttentionLayout, key: AttentionLayout, value: AttentionLayout, output: AttentionLayout) {
        self.query = query
        self.key = key
        self.value = value
        self.output = output
    }

    /// Every operand `[batchHeads, rows, width]` with its rows contiguous.
    public static func contiguous(_ shape: AttentionShape) -> AttentionLayouts {
        let h = shape.heads
        return AttentionLayouts(
            query: .contiguous(rows: shape.queries, width: shape.headDim, heads: h),
            key: .contiguous(rows: shape.keys, width: shape.headDim, heads: h),
            value: .contiguous(rows: shape.keys, width: shape.valueDim, heads: h),
            output: .contiguous(rows: shape.queries, width: shape.valueDim, heads: h))
    }

    /// Heads side by side in the last dimension: `query` `[batch, L, heads·E]`, `key`
    /// `[batch, S, heads·E]`, `value` `[batch, S, heads·Ev]`, output `[batch, L, heads·Ev]`.
    public static func headsInterleaved(_ shape: AttentionShape) -> AttentionLayouts {
        let h = shape.heads, e = shape.headDim, ev = shape.valueDim
        return AttentionLayouts(
            query: AttentionLayout(batchStride: shape.queries * h * e, headStride: e, rowStride: h * e),
            key: AttentionLayout(batchStride: shape.keys * h * e, headStride: e, rowStride: h * e),
            value: AttentionLayout(batchStride: shape.keys * h * ev, headStride: ev, rowStride: h * ev),
            output: AttentionLayout(batchStride: shape.queries * h * ev, headStride: ev, rowStride: h * ev))
    }

    /// Self-attention on one packed projection `[batch, L, 3·heads·E]` (queries, keys, values
    /// side by side, each with its heads side by side — what `x·in_proj_weightᵀ` gives): the
    /// key and value pointers are the query pointer plus `heads·E` and `2·heads·E`. The output
    /// is `[batch, L, heads·E]`.
    public static func packed(_ shape: AttentionShape) -> AttentionLayouts {
        precondition(shape.queries == shape.keys && shape.headDim == shape.valueDim, "Attention: a packed projection needs L = S and E = Ev")
        let h = shape.heads, e = shape.headDim
        let input = AttentionLayout(batchStride: shape.queries * 3 * h * e, headStride: e, rowStride: 3 * h * e)
        return AttentionLayouts(
            query: input, key: input, value: input,
            output: AttentionLayout(batchStride: shape.queries * h * e, headStride: e, rowStride: h * e))
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
    ///   - q: `[batchHeads, L, E]`; `k`: `[batchHeads, S, E]`; `v`: `[batchHeads, S, Ev]`, or
    ///     as `layouts` says.
    ///   - out: `[batchHeads, L, Ev]` (or as `layouts` says), written; `logSumExp`:
    ///     `[batchHeads, L]`, written (−∞ for a row whose keys are all masked, whose output is
    ///     NaN as in PyTorch).
    ///   - layouts: where each problem's rows lie; `nil` for contiguous operands.
    public static func forward<T: KernelScalar>(
        _ q: UnsafePointer<T>, _ k: UnsafePointer<T>, _ v: UnsafePointer<T>, out: UnsafeMutablePointer<T>,
        logSumExp: UnsafeMutablePointer<T>, shape: AttentionShape, masks: AttentionMasks<T>, layouts: AttentionLayouts? = nil
    ) {
        let layouts = layouts ?? .contiguous(shape)
        if T.self == Float.self && isSmall(shape) {
            smallForward(
                rebind(q, Float.self), rebind(k, Float.self), rebind(v, Float.self), rebind(out, Float.self),
                rebind(logSumExp, Float.self), shape, unsafeBitCast(masks, to: AttentionMasks<Float>.self), layouts)
        } else if T.self == Float.self {
            forwardImpl(
                rebind(q, Float.self), rebind(k, Float.self), rebind(v, Float.self), rebind(out, Float.self),
                rebind(logSumExp, Float.self), shape, unsafeBitCast(masks, to: AttentionMasks<Float>.self), layouts)
        } else if T.self == Double.self {
            forwardImpl(
                rebind(q, Double.self), rebind(k, Double.self), rebind(v, Double.self), rebind(out, Double.self),
                rebind(logSumExp, Double.self), shape, unsafeBitCast(masks, to: AttentionMasks<Double>.self), layouts)
        } else {
            forwardImpl(q, k, v, out, logSumExp, shape, masks, layouts)
        }
    }

    /// The gradients of ``forward(_:_:_:out:logSumExp:shape:masks:layouts:)`` for an output
    /// gradient `gradOut` (laid out like `out`), given its `out` and `logSumExp`: `gradQ`,
    /// `gradK`, `gradV` laid out like `q`, `k`, `v`; their rows are overwritten (other
    /// elements, such as the other parts of a packed buffer, are not touched).
    public static func backward<T: KernelScalar>(
        _ q: UnsafePointer<T>, _ k: UnsafePointer<T>, _ v: UnsafePointer<T>, out: UnsafePointer<T>,
        logSumExp: UnsafePointer<T>, gradOut: UnsafePointer<T>, gradQ: UnsafeMutablePointer<T>,
        gradK: UnsafeMutablePointer<T>, gradV: UnsafeMutablePointer<T>, shape: AttentionShape, masks: AttentionMasks<T>,
        layouts: AttentionLayouts? = nil
    ) {
        let layouts = layouts ?? .contiguous(shape)
        if T.self == Float.self && isSmall(shape) {
            smallBackward(
                rebind(q, Float.self), rebind(k, Float.self), rebind(v, Float.self), rebind(out, Float.self),
                rebind(logSumExp, Float.self), rebind(gradOut, Float.self), rebind(gradQ, Float.self),
                rebind(gradK, Float.self), rebind(gradV, Float.self), shape, unsafeBitCast(masks, to: AttentionMasks<Float>.self),
                layouts)
        } else if T.self == Float.self {
            backwardImpl(
                rebind(q, Float.self), rebind(k, Float.self), rebind(v, Float.self), rebind(out, Float.self),
                rebind(logSumExp, Float.self), rebind(gradOut, Float.self), rebind(gradQ, Float.self),
                rebind(gradK, Float.self), rebind(gradV, Float.self), shape, unsafeBitCast(masks, to: AttentionMasks<Float>.self),
                layouts)
        } else if T.self == Double.self {
            backwardImpl(
                rebind(q, Double.self), rebind(k, Double.self), rebind(v, Double.self), rebind(out, Double.self),
                rebind(logSumExp, Double.self), rebind(gradOut, Double.self), rebind(gradQ, Double.self),
                rebind(gradK, Double.self), rebind(gradV, Double.self), shape, unsafeBitCast(masks, to: AttentionMasks<Double>.self),
                layouts)
        } else {
            backwardImpl(q, k, v, out, logSumExp, gradOut, gradQ, gradK, gradV, shape, masks, layouts)
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

    /// Zeroes `rows` rows of `width` from row `r0` of problem `n`.
    @inline(__always)
    static func zeroRows<T: KernelScalar>(
        _ p: UnsafeMutablePointer<T>, _ layout: AttentionLayout, _ n: Int, _ r0: Int, _ rows: Int, _ width: Int, _ heads: Int
    ) {
        for r in r0..<(r0 + rows) { (p + layout.offset(n, r, heads: heads)).update(repeating: 0, count: width) }
    }

    /// The score tile `S = scale·Q[q0..<q0+rows]·K[k0..<k0+cols]ᵀ + masks` of problem `n`, row
    /// stride `keyBlock`, masked entries −∞. Forward and backward share it, so they see the
    /// same bits.
    @inline(__always)
    static func scores<T: KernelScalar>(
        _ q: UnsafePointer<T>, _ k: UnsafePointer<T>, _ n: Int, _ q0: Int, _ rows: Int, _ k0: Int, _ cols: Int,
        _ shape: AttentionShape, _ masks: AttentionMasks<T>, _ layouts: AttentionLayouts, into s: UnsafeMutablePointer<T>
    ) {
        let e = shape.headDim, ld = keyBlock, h = shape.heads
        gemm1(
            false, true, rows, cols, e, T(shape.scale), q + layouts.query.offset(n, q0, heads: h), layouts.query.rowStride,
            k + layouts.key.offset(n, k0, heads: h), layouts.key.rowStride, 0, s, ld)
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
        _ logSumExp: UnsafeMutablePointer<T>, _ shape: AttentionShape, _ masks: AttentionMasks<T>, _ layouts: AttentionLayouts
    ) {
        let blocks = (shape.queries + queryBlock - 1) / queryBlock
        if shape.batchHeads == 0 || blocks == 0 { return }
        let qs = SendableConstPointer(q), ks = SendableConstPointer(k), vs = SendableConstPointer(v)
        let outs = SendablePointer(out), lses = SendablePointer(logSumExp)
        let ev = shape.valueDim, h = shape.heads
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
                scores(qs.base, ks.base, n, q0, rows, k0, cols, shape, masks, layouts, into: s)
                for r in 0..<rows {
                    let row = s + r * keyBlock
                    let mNew = Swift.max(m[r], rowMaximum(row, cols))
                    if mNew == -.infinity {
                        // Every key so far is masked: nothing to add yet.
                        row.update(repeating: 0, count: cols)
                        continue
                    }
                    let sum = exponentiateRow(row, cols, shift: mNew)
                    let correction = m[r] == mNew ? 1 : T(LibM.exp(Double(m[r] - mNew)))
                    l[r] = l[r] * correction + sum
                    m[r] = mNew
                    if correction != 1 {
                        let a = acc + r * ev
                        for c in 0..<ev { a[c] *= correction }
                    }
                }
                gemm1(
                    false, false, rows, ev, cols, 1, UnsafePointer(s), keyBlock, vs.base + layouts.value.offset(n, k0, heads: h),
                    layouts.value.rowStride, 1, acc, ev)
                k0 += cols
            }
            for r in 0..<rows {
                let dst = outs.base + layouts.output.offset(n, q0 + r, heads: h), a = acc + r * ev
                let inverse = 1 / l[r]  // 1/0 = inf, and 0·inf = NaN for a fully masked row, as in PyTorch
                for c in 0..<ev { dst[c] = a[c] * inverse }
                lses.base[n * shape.queries + q0 + r] = m[r] + T(LibM.log(Double(l[r])))
            }
        }
    }

    /// `P = exp(S − logSumExp)` in place on the score tile, then `dS = P ⊙ (dO·Vᵀ − D)`
    /// into `ds`, for one (query block, key block) pair.
    @inline(__always)
    static func scoreGradients<T: KernelScalar>(
        _ s: UnsafeMutablePointer<T>, _ ds: UnsafeMutablePointer<T>, _ v: UnsafePointer<T>, _ gradOut: UnsafePointer<T>,
        _ lse: UnsafePointer<T>, _ delta: UnsafePointer<T>, _ n: Int, _ q0: Int, _ rows: Int, _ k0: Int, _ cols: Int,
        _ shape: AttentionShape, _ layouts: AttentionLayouts
    ) {
        let ev = shape.valueDim, h = shape.heads
        for r in 0..<rows { exponentiateRow(s + r * keyBlock, cols, shift: lse[n * shape.queries + q0 + r]) }
        gemm1(
            false, true, rows, cols, ev, 1, gradOut + layouts.output.offset(n, q0, heads: h), layouts.output.rowStride,
            v + layouts.value.offset(n, k0, heads: h), layouts.value.rowStride, 0, ds, keyBlock)
        for r in 0..<rows {
            let p = s + r * keyBlock, d = ds + r * keyBlock, dr = delta[n * shape.queries + q0 + r]
            for j in 0..<cols { d[j] = p[j] * (d[j] - dr) }
        }
    }

    static func backwardImpl<T: KernelScalar>(
        _ q: UnsafePointer<T>, _ k: UnsafePointer<T>, _ v: UnsafePointer<T>, _ out: UnsafePointer<T>,
        _ logSumExp: UnsafePointer<T>, _ gradOut: UnsafePointer<T>, _ gradQ: UnsafeMutablePointer<T>,
        _ gradK: UnsafeMutablePointer<T>, _ gradV: UnsafeMutablePointer<T>, _ shape: AttentionShape, _ masks: AttentionMasks<T>,
        _ layouts: AttentionLayouts
    ) {
        let bh = shape.batchHeads, e = shape.headDim, ev = shape.valueDim, h = shape.heads
        let queryBlocks = (shape.queries + queryBlock - 1) / queryBlock
        let keyBlocks = (shape.keys + keyBlock - 1) / keyBlock
        if bh == 0 { return }
        if keyBlocks == 0 {
            for n in 0..<bh { zeroRows(gradQ, layouts.query, n, 0, shape.queries, e, h) }
            return
        }
        // D_i = ⟨dO_i, O_i⟩.
        let delta = UnsafeMutablePointer<T>.allocate(capacity: bh * shape.queries)
        defer { delta.deallocate() }
        for n in 0..<bh {
            for i in 0..<shape.queries {
                let offset = layouts.output.offset(n, i, heads: h)
                let go = gradOut + offset, o = out + offset
                var sum: T = 0
                for c in 0..<ev { sum += go[c] * o[c] }
                delta[n * shape.queries + i] = sum
            }
        }
        let qs = SendableConstPointer(q), ks = SendableConstPointer(k), vs = SendableConstPointer(v)
        let gos = SendableConstPointer(gradOut), lses = SendableConstPointer(logSumExp), deltas = SendableConstPointer(delta)
        let gq = SendablePointer(gradQ), gk = SendablePointer(gradK), gv = SendablePointer(gradV)
        let scale = T(shape.scale)
        // With one key block, the task of pass 1 is the only one touching its problem's dQ:
        // it accumulates dQ too, and pass 2 (which would recompute every tile) is skipped.
        let fused = keyBlocks == 1
        // Pass 1: dK and dV, one task per (problem, key block).
        Threading.parallelFor(bh * keyBlocks) { task in
            let n = task / keyBlocks, k0 = task % keyBlocks * keyBlock
            let cols = Swift.min(keyBlock, shape.keys - k0)
            let s = UnsafeMutablePointer<T>.allocate(capacity: queryBlock * keyBlock)
            let ds = UnsafeMutablePointer<T>.allocate(capacity: queryBlock * keyBlock)
            defer { s.deallocate(); ds.deallocate() }
            zeroRows(gk.base, layouts.key, n, k0, cols, e, h)
            zeroRows(gv.base, layouts.value, n, k0, cols, ev, h)
            if fused { zeroRows(gq.base, layouts.query, n, 0, shape.queries, e, h) }
            // Causal: query blocks whose last row reaches key k0.
            var q0 = shape.causal ? k0 / queryBlock * queryBlock : 0
            while q0 < shape.queries {
                let rows = Swift.min(queryBlock, shape.queries - q0)
                scores(qs.base, ks.base, n, q0, rows, k0, cols, shape, masks, layouts, into: s)
                scoreGradients(s, ds, vs.base, gos.base, lses.base, deltas.base, n, q0, rows, k0, cols, shape, layouts)
                gemm1(
                    true, false, cols, ev, rows, 1, UnsafePointer(s), keyBlock, gos.base + layouts.output.offset(n, q0, heads: h),
                    layouts.output.rowStride, 1, gv.base + layouts.value.offset(n, k0, heads: h), layouts.value.rowStride)
                gemm1(
                    true, false, cols, e, rows, scale, UnsafePointer(ds), keyBlock, qs.base + layouts.query.offset(n, q0, heads: h),
                    layouts.query.rowStride, 1, gk.base + layouts.key.offset(n, k0, heads: h), layouts.key.rowStride)
                if fused {
                    gemm1(
                        false, false, rows, e, cols, scale, UnsafePointer(ds), keyBlock, ks.base + layouts.key.offset(n, k0, heads: h),
                        layouts.key.rowStride, 1, gq.base + layouts.query.offset(n, q0, heads: h), layouts.query.rowStride)
                }
                q0 += rows
            }
        }
        if fused { return }
        // Pass 2: dQ, one task per (problem, query block).
        Threading.parallelFor(bh * queryBlocks) { task in
            let n = task / queryBlocks, q0 = task % queryBlocks * queryBlock
            let rows = Swift.min(queryBlock, shape.queries - q0)
            let s = UnsafeMutablePointer<T>.allocate(capacity: queryBlock * keyBlock)
            let ds = UnsafeMutablePointer<T>.allocate(capacity: queryBlock * keyBlock)
            defer { s.deallocate(); ds.deallocate() }
            zeroRows(gq.base, layouts.query, n, q0, rows, e, h)
            let limit = keyLimit(q0, rows, shape)
            var k0 = 0
            while k0 < limit {
                let cols = Swift.min(keyBlock, limit - k0)
                scores(qs.base, ks.base, n, q0, rows, k0, cols, shape, masks, layouts, into: s)
                scoreGradients(s, ds, vs.base, gos.base, lses.base, deltas.base, n, q0, rows, k0, cols, shape, layouts)
                gemm1(
                    false, false, rows, e, cols, scale, UnsafePointer(ds), keyBlock, ks.base + layouts.key.offset(n, k0, heads: h),
                    layouts.key.rowStride, 1, gq.base + layouts.query.offset(n, q0, heads: h), layouts.query.rowStride)
                k0 += cols
            }
        }
    }
}
