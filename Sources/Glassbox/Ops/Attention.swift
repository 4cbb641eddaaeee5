import GlassboxKernels

// Scaled dot-product attention, like `torch.nn.functional.scaled_dot_product_attention`, on the
// tiled online-softmax kernel of GlassboxKernels/Attention.swift. The math, forward and
// backward, is in Docs/Attention.md.
//
// The primitive `scaledDotProductAttention` runs the kernel forward (memory linear in the
// sequence length: no L × S matrix) and keeps the per-row log-sum-exp for the fused backward.
// When the backward is itself recorded (`backward(createGraph: true)`), it is the same closed
// form written with differentiable operations on the materialised weights, so second
// derivatives work; ``attentionWeights(query:key:attnMask:keyPaddingMask:isCausal:scale:)``
// materialises the weights for `need_weights` and attention dropout.

/// Checks the shapes of an attention call and returns `(problems, heads, L, S, E, Ev)`.
private func attentionShape<Scalar>(
    _ query: Tensor<Scalar>, _ key: Tensor<Scalar>, _ value: Tensor<Scalar>?, _ attnMask: Tensor<Scalar>?,
    _ keyPaddingMask: Tensor<Scalar>?, op: String
) -> (problems: Int, heads: Int, queries: Int, keys: Int, headDim: Int, valueDim: Int) {
    precondition(
        query.rank >= 2 && key.rank == query.rank && Array(query.shape.dropLast(2)) == Array(key.shape.dropLast(2))
            && query.shape.last == key.shape.last,
        "\(op): query \(query.shape) and key \(key.shape) must be [*, L, E] and [*, S, E] with the same leading dimensions")
    let leading = Array(query.shape.dropLast(2))
    let problems = leading.reduce(1, *)
    let queries = query.shape[query.rank - 2], keys = key.shape[key.rank - 2], headDim = query.shape[query.rank - 1]
    var valueDim = 1
    if let value {
        precondition(
            value.rank == key.rank && Array(value.shape.dropLast()) == Array(key.shape.dropLast()),
            "\(op): value \(value.shape) must be [*, S, Ev] like key \(key.shape)")
        valueDim = value.shape[value.rank - 1]
    }
    if let attnMask {
        precondition(
            attnMask.shape == [queries, keys] || attnMask.shape == leading + [queries, keys],
            "\(op): attnMask \(attnMask.shape) must be [L, S] = [\(queries), \(keys)] or \(leading + [queries, keys])")
    }
    var heads = 1
    if let keyPaddingMask {
        let batch = keyPaddingMask.rank == 2 ? keyPaddingMask.shape[0] : 0
        precondition(
            keyPaddingMask.rank == 2 && keyPaddingMask.shape[1] == keys && batch > 0 && problems % batch == 0
                && (leading.first == batch || problems == batch),
            "\(op): keyPaddingMask \(keyPaddingMask.shape) must be [batch, S] with S = \(keys) and batch the first of \(leading)")
        heads = problems / batch
    }
    return (problems, heads, queries, keys, headDim, valueDim)
}

/// Attention of `query` over `key`/`value`: `softmax(scale·Q·Kᵀ + masks)·V` per leading index,
/// like `torch.nn.functional.scaled_dot_product_attention`.
///
/// - Parameters:
///   - query: `[*, L, E]`; `key`: `[*, S, E]`; `value`: `[*, S, Ev]` (same leading dims).
///   - attnMask: an additive mask (−∞ hides a key), `[L, S]` or `[*, L, S]`; convert a boolean
///     mask with ``additiveMask(_:hiddenWhere:)``.
///   - keyPaddingMask: an additive `[B, S]` mask for the keys of each batch element, `B` the
///     first leading dimension (`[B, heads, L, E]` inputs) — what `MultiheadAttention` passes
///     without building a `[B·heads, L, S]` mask.
///   - isCausal: hide key `j` from query `i` when `j > i` (PyTorch's top-left alignment).
///   - scale: defaults to `1/√E`.
/// - Returns: `[*, L, Ev]`. A query whose keys are all hidden gives NaN, as in PyTorch.
///
/// Memory is linear in `L` and `S` (tiles of 64 × 64 scores); the backward pass recomputes the
/// tiles (see Docs/Attention.md).
public func scaledDotProductAttention<Scalar>(
    query: Tensor<Scalar>, key: Tensor<Scalar>, value: Tensor<Scalar>, attnMask: Tensor<Scalar>? = nil,
    keyPaddingMask: Tensor<Scalar>? = nil, isCausal: Bool = false, scale: Double? = nil
) -> Tensor<Scalar> {
    let dims = attentionShape(query, key, value, attnMask, keyPaddingMask, op: "scaledDotProductAttention")
    let scaleValue = scale ?? 1 / Double(dims.headDim).squareRoot()
    let shape = AttentionShape(
        batchHeads: dims.problems, heads: dims.heads, queries: dims.queries, keys: dims.keys, headDim: dims.headDim,
        valueDim: dims.valueDim, scale: scaleValue, causal: isCausal)
    let out = Tensor<Scalar>.empty(Array(query.shape.dropLast()) + [dims.valueDim])
    let lse = Tensor<Scalar>.empty([dims.problems, dims.queries])
    let scoresStride = attnMask.map { $0.rank == 2 ? 0 : dims.queries * dims.keys } ?? 0
    func withMasks<R>(_ body: (AttentionMasks<Scalar>) -> R) -> R {
        body(AttentionMasks(
            scores: attnMask.map { UnsafePointer($0.storage.pointer) }, scoresStride: scoresStride,
            keyPadding: keyPaddingMask.map { UnsafePointer($0.storage.pointer) }))
    }
    withMasks { masks in
        Attention.forward(
            query.storage.pointer, key.storage.pointer, value.storage.pointer, out: out.storage.pointer,
            logSumExp: lse.storage.pointer, shape: shape, masks: masks)
    }
    let masks = [attnMask, keyPaddingMask]  // kept alive for the backward pass
    return out.recorded(.scaledDotProductAttention, [query, key, value]) { g, output in
        if isGradEnabled {
            let grads = attentionBackwardGraph(
                g, query: query, key: key, value: value, attnMask: masks[0], keyPaddingMask: masks[1], isCausal: isCausal,
                scale: scaleValue)
            return [grads.query, grads.key, grads.value]
        }
        let gq = Tensor<Scalar>.empty(query.shape), gk = Tensor<Scalar>.empty(key.shape), gv = Tensor<Scalar>.empty(value.shape)
        withMasks { m in
            Attention.backward(
                query.storage.pointer, key.storage.pointer, value.storage.pointer, out: output.storage.pointer,
                logSumExp: lse.storage.pointer, gradOut: g.storage.pointer, gradQ: gq.storage.pointer,
                gradK: gk.storage.pointer, gradV: gv.storage.pointer, shape: shape, masks: m)
        }
        return [gq, gk, gv]
    }
}

/// The attention weights `softmax(scale·Q·Kᵀ + masks)`, `[*, L, S]`, materialised with
/// differentiable operations (for `need_weights`, attention dropout, and the recorded backward
/// of ``scaledDotProductAttention(query:key:value:attnMask:keyPaddingMask:isCausal:scale:)``).
/// Arguments as there.
public func attentionWeights<Scalar>(
    query: Tensor<Scalar>, key: Tensor<Scalar>, attnMask: Tensor<Scalar>? = nil, keyPaddingMask: Tensor<Scalar>? = nil,
    isCausal: Bool = false, scale: Double? = nil
) -> Tensor<Scalar> {
    let dims = attentionShape(query, key, nil, attnMask, keyPaddingMask, op: "attentionWeights")
    let leading = Array(query.shape.dropLast(2))
    let q = query.reshaped([dims.problems, dims.queries, dims.headDim])
    let k = key.reshaped([dims.problems, dims.keys, dims.headDim])
    let scaleValue = scale ?? 1 / Double(dims.headDim).squareRoot()
    var scores = Tensor.batchedMatmul(q, k, false, true) * Scalar(scaleValue)
    if let attnMask {
        scores = scores + (attnMask.rank == 2 ? attnMask : attnMask.reshaped([dims.problems, dims.queries, dims.keys]))
    }
    if let keyPaddingMask {
        let batch = keyPaddingMask.shape[0]
        scores = (scores.reshaped([batch, dims.heads, dims.queries, dims.keys]) + keyPaddingMask.reshaped([batch, 1, 1, dims.keys]))
            .reshaped([dims.problems, dims.queries, dims.keys])
    }
    if isCausal { scores = scores + causalMask(queries: dims.queries, keys: dims.keys) }
    return scores.softmax(dim: -1).reshaped(leading + [dims.queries, dims.keys])
}

/// `[L, S]` zeros with −∞ where key `j` lies after query `i`'s position `offset + i` (above the
/// diagonal for `offset` 0; queries that follow `offset` cached keys otherwise).
func causalMask<Scalar>(queries: Int, keys: Int, offset: Int = 0) -> Tensor<Scalar> {
    var values = [Scalar](repeating: 0, count: queries * keys)
    for i in 0..<queries {
        for j in (offset + i + 1)..<Swift.max(offset + i + 1, keys) { values[i * keys + j] = -.infinity }
    }
    return Tensor(values, shape: [queries, keys])
}

/// An additive mask from a boolean one given as 0/1 values: −∞ where `hiddenWhere` matches the
/// value's truth (`true`: PyTorch's boolean `attn_mask` and `key_padding_mask`, where true hides
/// a key), 0 elsewhere.
public func additiveMask<Scalar>(_ mask: Tensor<Scalar>, hiddenWhere hidden: Bool = true) -> Tensor<Scalar> {
    Tensor(mask.scalars.map { ($0 != 0) == hidden ? -.infinity : 0 }, shape: mask.shape)
}

/// The backward of attention written with differentiable operations, `P` the materialised
/// weights: `∂V = Pᵀ·G`, `∂P = G·Vᵀ`, `∂S = P ⊙ (∂P − rowsum(∂P ⊙ P))`, `∂Q = scale·∂S·K`,
/// `∂K = scale·∂Sᵀ·Q`.
func attentionBackwardGraph<Scalar>(
    _ g: Tensor<Scalar>, query: Tensor<Scalar>, key: Tensor<Scalar>, value: Tensor<Scalar>, attnMask: Tensor<Scalar>?,
    keyPaddingMask: Tensor<Scalar>?, isCausal: Bool, scale: Double
) -> (query: Tensor<Scalar>, key: Tensor<Scalar>, value: Tensor<Scalar>) {
    let dims = attentionShape(query, key, value, attnMask, keyPaddingMask, op: "scaledDotProductAttention backward")
    let n = dims.problems
    let p = attentionWeights(
        query: query, key: key, attnMask: attnMask, keyPaddingMask: keyPaddingMask, isCausal: isCausal, scale: scale
    ).reshaped([n, dims.queries, dims.keys])
    let q = query.reshaped([n, dims.queries, dims.headDim]), k = key.reshaped([n, dims.keys, dims.headDim])
    let v = value.reshaped([n, dims.keys, dims.valueDim]), g3 = g.reshaped([n, dims.queries, dims.valueDim])
    let dv = Tensor.batchedMatmul(p, g3, true, false)
    let dp = Tensor.batchedMatmul(g3, v, false, true)
    let ds = p * (dp - (dp * p).sum(dim: -1, keepDim: true))
    let dq = Tensor.batchedMatmul(ds, k, false, false) * Scalar(scale)
    let dk = Tensor.batchedMatmul(ds, q, true, false) * Scalar(scale)
    return (dq.reshaped(query.shape), dk.reshaped(key.shape), dv.reshaped(value.shape))
}
