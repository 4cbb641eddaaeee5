import GlassboxKernels

// Scaled dot-product attention, like `torch.nn.functional.scaled_dot_product_attention`, on the
// tiled online-softmax kernel of GlassboxKernels/Attention.swift. The math, forward and
// backward, is in Docs/Attention.md.
//
// The primitive `scaledDotProductAttention` runs the kernel forward (memory linear in the
// sequence length: no L × S matrix) and keeps the per-row log-sum-exp for the fused backward.
// When the backward is itself recorded (`backward(createGraph: true)`), the autograd engine
// differentiates the same function written with differentiable operations on the materialised
// weights (``attentionComposite(query:key:value:attnMask:keyPaddingMask:isCausal:scale:)``, through
// `Tensor.recordedFused`), so second and higher derivatives work;
// ``attentionWeights(query:key:attnMask:keyPaddingMask:isCausal:scale:)`` materialises the
// weights for `need_weights` and attention dropout.

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
    return fusedAttention(
        [query, key, value], op: .scaledDotProductAttention, outShape: Array(query.shape.dropLast()) + [dims.valueDim],
        shape: shape, layouts: .contiguous(shape), attnMask: attnMask,
        scoresStride: attnMask.map { $0.rank == 2 ? 0 : dims.queries * dims.keys } ?? 0, keyPaddingMask: keyPaddingMask
    ) { qkv in
        attentionComposite(
            query: qkv[0], key: qkv[1], value: qkv[2], attnMask: attnMask, keyPaddingMask: keyPaddingMask, isCausal: isCausal,
            scale: scaleValue)
    }
}

/// Multi-head attention with each operand's heads side by side in its last dimension — the
/// layout of the projections before PyTorch splits the heads, so no permutation is needed:
/// head `h` of `query` is `query[..., h·E..<(h+1)·E]`, and so on. The same as splitting the
/// heads, calling ``scaledDotProductAttention(query:key:value:attnMask:keyPaddingMask:isCausal:scale:)``
/// on `[N, heads, L, E]` and merging them back.
///
/// - Parameters:
///   - query: `[N, L, heads·E]`; `key`: `[N, S, heads·E]`; `value`: `[N, S, heads·Ev]`.
///   - heads: the number of heads.
///   - attnMask: additive, `[L, S]` or `[N·heads, L, S]`.
///   - keyPaddingMask: additive, `[N, S]`.
///   - isCausal, scale: as in scaled dot-product attention (`scale` defaults to `1/√E`).
/// - Returns: `[N, L, heads·Ev]`.
public func multiheadAttention<Scalar>(
    query: Tensor<Scalar>, key: Tensor<Scalar>, value: Tensor<Scalar>, heads: Int, attnMask: Tensor<Scalar>? = nil,
    keyPaddingMask: Tensor<Scalar>? = nil, isCausal: Bool = false, scale: Double? = nil
) -> Tensor<Scalar> {
    precondition(
        heads > 0 && query.rank == 3 && key.rank == 3 && value.rank == 3 && key.shape[0] == query.shape[0]
            && value.shape[0] == query.shape[0] && value.shape[1] == key.shape[1] && query.shape[2] == key.shape[2]
            && query.shape[2] % heads == 0 && value.shape[2] % heads == 0,
        "multiheadAttention: query \(query.shape), key \(key.shape), value \(value.shape) must be [N, L, heads·E], [N, S, heads·E], [N, S, heads·Ev] for \(heads) heads")
    let n = query.shape[0], l = query.shape[1], s = key.shape[1]
    let shape = AttentionShape(
        batchHeads: n * heads, heads: heads, queries: l, keys: s, headDim: query.shape[2] / heads,
        valueDim: value.shape[2] / heads, scale: scale ?? 1 / Double(query.shape[2] / heads).squareRoot(), causal: isCausal)
    let mask = headMask(attnMask, shape, op: "multiheadAttention")
    checkPadding(keyPaddingMask, shape, op: "multiheadAttention")
    return fusedAttention(
        [query, key, value], op: .multiheadAttention, outShape: [n, l, heads * shape.valueDim], shape: shape,
        layouts: .headsInterleaved(shape), attnMask: mask.tensor, scoresStride: mask.stride, keyPaddingMask: keyPaddingMask
    ) { qkv in
        mergeHeads(attentionComposite(
            query: splitHeads(qkv[0], heads), key: splitHeads(qkv[1], heads), value: splitHeads(qkv[2], heads),
            attnMask: mask.graph, keyPaddingMask: keyPaddingMask, isCausal: isCausal, scale: shape.scale))
    }
}

/// Multi-head self-attention on one packed projection, `[N, L, 3·heads·E]`: the queries,
/// keys and values side by side, each with its heads side by side (what
/// `linear(x, weight: in_proj_weight, bias: in_proj_bias)` gives). Equivalent to splitting it
/// in three and calling ``multiheadAttention(query:key:value:heads:attnMask:keyPaddingMask:isCausal:scale:)``,
/// without the copies; the gradient is one packed tensor too.
///
/// - Returns: `[N, L, heads·E]`.
public func multiheadSelfAttention<Scalar>(
    packed: Tensor<Scalar>, heads: Int, attnMask: Tensor<Scalar>? = nil, keyPaddingMask: Tensor<Scalar>? = nil,
    isCausal: Bool = false, scale: Double? = nil
) -> Tensor<Scalar> {
    precondition(
        heads > 0 && packed.rank == 3 && packed.shape[2] % (3 * heads) == 0,
        "multiheadSelfAttention: packed \(packed.shape) must be [N, L, 3·heads·E] for \(heads) heads")
    let n = packed.shape[0], l = packed.shape[1], width = packed.shape[2] / 3, e = width / heads
    let shape = AttentionShape(
        batchHeads: n * heads, heads: heads, queries: l, keys: l, headDim: e, valueDim: e,
        scale: scale ?? 1 / Double(e).squareRoot(), causal: isCausal)
    let mask = headMask(attnMask, shape, op: "multiheadSelfAttention")
    checkPadding(keyPaddingMask, shape, op: "multiheadSelfAttention")
    return fusedAttention(
        [packed], op: .multiheadSelfAttention, outShape: [n, l, width], shape: shape, layouts: .packed(shape),
        attnMask: mask.tensor, scoresStride: mask.stride, keyPaddingMask: keyPaddingMask
    ) { inputs in
        let parts = inputs[0].split(sizes: [width, width, width], dim: 2).map { splitHeads($0, heads) }
        return mergeHeads(attentionComposite(
            query: parts[0], key: parts[1], value: parts[2], attnMask: mask.graph, keyPaddingMask: keyPaddingMask,
            isCausal: isCausal, scale: shape.scale))
    }
}

/// `[N, L, heads·E]` → `[N, heads, L, E]` (differentiable; copies).
private func splitHeads<Scalar>(_ t: Tensor<Scalar>, _ heads: Int) -> Tensor<Scalar> {
    t.reshaped([t.shape[0], t.shape[1], heads, t.shape[2] / heads]).permuted([0, 2, 1, 3])
}

/// `[N, heads, L, E]` → `[N, L, heads·E]` (differentiable; copies).
private func mergeHeads<Scalar>(_ t: Tensor<Scalar>) -> Tensor<Scalar> {
    t.permuted([0, 2, 1, 3]).reshaped([t.shape[0], t.shape[2], t.shape[1] * t.shape[3]])
}

/// A multi-head call's `attnMask` (`[L, S]`, or `[N·heads, L, S]` / `[N, heads, L, S]`): the
/// tensor, its stride between problems, and its shape for the recorded backward on
/// `[N, heads, L, E]` operands.
private func headMask<Scalar>(_ mask: Tensor<Scalar>?, _ shape: AttentionShape, op: String) -> (
    tensor: Tensor<Scalar>?, stride: Int, graph: Tensor<Scalar>?
) {
    guard let mask else { return (nil, 0, nil) }
    let l = shape.queries, s = shape.keys, bh = shape.batchHeads
    if mask.shape == [l, s] { return (mask, 0, mask) }
    precondition(
        mask.count == bh * l * s && mask.rank >= 3 && Array(mask.shape.suffix(2)) == [l, s],
        "\(op): attnMask \(mask.shape) must be [\(l), \(s)] or [\(bh), \(l), \(s)]")
    return (mask, l * s, mask.reshaped([bh / shape.heads, shape.heads, l, s]))
}

/// Checks a multi-head call's key-padding mask, `[N, S]`.
private func checkPadding<Scalar>(_ mask: Tensor<Scalar>?, _ shape: AttentionShape, op: String) {
    guard let mask else { return }
    precondition(
        mask.shape == [shape.batchHeads / shape.heads, shape.keys],
        "\(op): keyPaddingMask \(mask.shape) must be [\(shape.batchHeads / shape.heads), \(shape.keys)]")
}

/// Runs the attention kernel on `inputs` (`[query, key, value]`, or one packed tensor whose
/// key and value parts start `heads·E` and `2·heads·E` elements in) and records `op`, whose
/// backward is the kernel's, or the derivative of `composite` (the same function with
/// differentiable operations) when the backward is itself recorded.
private func fusedAttention<Scalar>(
    _ inputs: [Tensor<Scalar>], op: DifferentiableOp, outShape: [Int], shape: AttentionShape, layouts: AttentionLayouts,
    attnMask: Tensor<Scalar>?, scoresStride: Int, keyPaddingMask: Tensor<Scalar>?,
    composite: @escaping ([Tensor<Scalar>]) -> Tensor<Scalar>
) -> Tensor<Scalar> {
    let out = Tensor<Scalar>.empty(outShape)
    let lse = Tensor<Scalar>.empty([shape.batchHeads, shape.queries])
    let packedWidth = shape.heads * shape.headDim
    /// The query, key and value pointers into `buffers` (one packed buffer, or three).
    func operands(_ buffers: [UnsafeMutablePointer<Scalar>]) -> [UnsafeMutablePointer<Scalar>] {
        buffers.count == 3 ? buffers : [buffers[0], buffers[0] + packedWidth, buffers[0] + 2 * packedWidth]
    }
    func withMasks<R>(_ body: (AttentionMasks<Scalar>) -> R) -> R {
        body(AttentionMasks(
            scores: attnMask.map { UnsafePointer($0.storage.pointer) }, scoresStride: scoresStride,
            keyPadding: keyPaddingMask.map { UnsafePointer($0.storage.pointer) }))
    }
    let qkv = operands(inputs.map(\.storage.pointer))
    withMasks { masks in
        Attention.forward(
            qkv[0], qkv[1], qkv[2], out: out.storage.pointer, logSumExp: lse.storage.pointer, shape: shape, masks: masks,
            layouts: layouts)
    }
    let masks = [attnMask, keyPaddingMask]  // kept alive for the backward pass
    return Tensor.recordedFused(op, inputs, outputs: [out]) { gradOutputs, outputs in
        _ = masks
        let g = gradOutputs[0], output = outputs[0]!
        let grads = inputs.map { Tensor<Scalar>.empty($0.shape) }
        let gqkv = operands(grads.map(\.storage.pointer))
        withMasks { m in
            Attention.backward(
                qkv[0], qkv[1], qkv[2], out: output.storage.pointer, logSumExp: lse.storage.pointer,
                gradOut: g.storage.pointer, gradQ: gqkv[0], gradK: gqkv[1], gradV: gqkv[2], shape: shape, masks: m,
                layouts: layouts)
        }
        return grads
    } composite: { [composite($0)] }[0]
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

/// Attention written with differentiable operations on the materialised weights `P`
/// (``attentionWeights(query:key:attnMask:keyPaddingMask:isCausal:scale:)``): `P·V`, `[*, L, Ev]`.
/// The function the fused kernels compute, differentiated by autograd when a gradient of
/// attention is itself recorded.
func attentionComposite<Scalar>(
    query: Tensor<Scalar>, key: Tensor<Scalar>, value: Tensor<Scalar>, attnMask: Tensor<Scalar>?,
    keyPaddingMask: Tensor<Scalar>?, isCausal: Bool, scale: Double
) -> Tensor<Scalar> {
    let dims = attentionShape(query, key, value, attnMask, keyPaddingMask, op: "attentionComposite")
    let n = dims.problems
    let p = attentionWeights(
        query: query, key: key, attnMask: attnMask, keyPaddingMask: keyPaddingMask, isCausal: isCausal, scale: scale
    ).reshaped([n, dims.queries, dims.keys])
    let v = value.reshaped([n, dims.keys, dims.valueDim])
    return Tensor.batchedMatmul(p, v, false, false).reshaped(Array(query.shape.dropLast()) + [dims.valueDim])
}
