/// Multi-head attention, like `torch.nn.MultiheadAttention`:
/// `MultiHead(Q, K, V) = Concat(head₁, …, head_h)·W_oᵀ + b_o` with
/// `headᵢ = Attention(Q·W_qᵢᵀ + b_qᵢ, K·W_kᵢᵀ + b_kᵢ, V·W_vᵢᵀ + b_vᵢ)`.
///
/// Parameters (PyTorch names and layouts): `in_proj_weight` `[3E, E]` (rows: W_q, W_k, W_v) when
/// `kdim == vdim == E`, else `q_proj_weight` `[E, E]`, `k_proj_weight` `[E, kdim]`,
/// `v_proj_weight` `[E, vdim]`; `in_proj_bias` `[3E]` and the child `out_proj` (a ``Linear``,
/// `out_proj.weight` `[E, E]`, `out_proj.bias` `[E]`). Initialised as PyTorch does: Xavier-uniform
/// input projections, zero biases, `out_proj.weight` as a ``Linear``.
///
/// Inputs are `[L, N, E]` (`[N, L, E]` with `batchFirst`) or unbatched `[L, E]`. Without
/// `needWeights` and attention dropout, the heads run on the tiled attention kernel, whose memory
/// is linear in the sequence length; otherwise the weights are materialised.
public final class MultiheadAttention<Scalar: TensorScalar>: Module {
    /// The model size `E`.
    public let embedDim: Int
    /// The number of heads `h` (`E` is a multiple of it).
    public let numHeads: Int
    /// Dropout on the attention weights in training mode.
    public let dropout: Double
    /// Whether inputs are `[N, L, E]` rather than `[L, N, E]`.
    public let batchFirst: Bool
    /// The key size (`E` unless given).
    public let kdim: Int
    /// The value size (`E` unless given).
    public let vdim: Int
    /// `[3E, E]` when `kdim == vdim == E`, else nil.
    public let inProjWeight: Tensor<Scalar>?
    /// `[E, E]`, `[E, kdim]`, `[E, vdim]` when `kdim` or `vdim` differs from `E`, else nil.
    public let separateProjWeights: (q: Tensor<Scalar>, k: Tensor<Scalar>, v: Tensor<Scalar>)?
    /// `[3E]`, or nil without bias.
    public let inProjBias: Tensor<Scalar>?
    /// The output projection (`out_proj`).
    public let outProj: Linear<Scalar>
    /// Whether the module is in training mode (attention dropout).
    public var isTraining = true
    /// The stream attention dropout draws from, or nil for the default generator.
    public var generator: RandomGenerator?

    /// Creates the layer initialised from `generator`.
    ///
    /// - Precondition: `embedDim` is a positive multiple of `numHeads`.
    public init(
        embedDim: Int, numHeads: Int, dropout: Double = 0, bias: Bool = true, kdim: Int? = nil, vdim: Int? = nil,
        batchFirst: Bool = false, generator: inout RandomGenerator
    ) {
        precondition(
            embedDim > 0 && numHeads > 0 && embedDim % numHeads == 0,
            "MultiheadAttention: embedDim \(embedDim) must be a positive multiple of numHeads \(numHeads)")
        precondition(dropout >= 0 && dropout <= 1, "MultiheadAttention: dropout \(dropout) outside [0, 1]")
        self.embedDim = embedDim
        self.numHeads = numHeads
        self.dropout = dropout
        self.batchFirst = batchFirst
        self.kdim = kdim ?? embedDim
        self.vdim = vdim ?? embedDim
        func xavier(_ rows: Int, _ columns: Int) -> Tensor<Scalar> {
            let bound = Scalar((6 / Double(rows + columns)).squareRoot())
            return Tensor.uniform([rows, columns], low: -bound, high: bound, generator: &generator, requiresGrad: true)
        }
        if self.kdim == embedDim && self.vdim == embedDim {
            inProjWeight = xavier(3 * embedDim, embedDim)
            separateProjWeights = nil
        } else {
            inProjWeight = nil
            separateProjWeights = (xavier(embedDim, embedDim), xavier(embedDim, self.kdim), xavier(embedDim, self.vdim))
        }
        inProjBias = bias ? Tensor.zeros([3 * embedDim], requiresGrad: true) : nil
        let out = Linear<Scalar>(inFeatures: embedDim, outFeatures: embedDim, bias: bias, generator: &generator)
        out.bias?.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        outProj = out
    }

    /// Creates the layer initialised from the default generator (``RandomGenerator/manualSeed(_:)``).
    public convenience init(
        embedDim: Int, numHeads: Int, dropout: Double = 0, bias: Bool = true, kdim: Int? = nil, vdim: Int? = nil,
        batchFirst: Bool = false
    ) {
        var generator = RandomGenerator.withGlobal { RandomGenerator(seed: $0.next()) }
        self.init(
            embedDim: embedDim, numHeads: numHeads, dropout: dropout, bias: bias, kdim: kdim, vdim: vdim,
            batchFirst: batchFirst, generator: &generator)
    }

    /// `in_proj_weight` (or the three separate weights), `in_proj_bias`.
    public var ownParameters: [(name: String, tensor: Tensor<Scalar>)] {
        var result: [(name: String, tensor: Tensor<Scalar>)] = []
        if let inProjWeight { result.append(("in_proj_weight", inProjWeight)) }
        if let (q, k, v) = separateProjWeights {
            result += [("q_proj_weight", q), ("k_proj_weight", k), ("v_proj_weight", v)]
        }
        if let inProjBias { result.append(("in_proj_bias", inProjBias)) }
        return result
    }

    /// `out_proj`.
    public var children: [(name: String, module: any Module<Scalar>)] { [("out_proj", outProj)] }

    /// Attention of `query` over `key`/`value`, like PyTorch's `forward`.
    ///
    /// - Parameters:
    ///   - query: `[L, N, E]` (`[N, L, E]` with `batchFirst`) or `[L, E]`; `key` `[S, N, kdim]`,
    ///     `value` `[S, N, vdim]` likewise.
    ///   - keyPaddingMask: `[N, S]` (or `[S]` unbatched): additive, or boolean as 0/1 values
    ///     with `booleanMasks` (1 hides the key).
    ///   - needWeights: also return the attention weights (materialised).
    ///   - attnMask: `[L, S]` or `[N·numHeads, L, S]`, additive or boolean like `keyPaddingMask`.
    ///   - averageAttnWeights: average the returned weights over heads (`[N, L, S]`), else
    ///     `[N, numHeads, L, S]`.
    ///   - isCausal: hide key `j > i` from query `i`.
    ///   - booleanMasks: the masks hold 0/1 truth values, as PyTorch's `bool` masks.
    /// - Returns: the output shaped like `query` (last dimension `E`) and the weights when asked.
    public func callAsFunction(
        query: Tensor<Scalar>, key: Tensor<Scalar>, value: Tensor<Scalar>, keyPaddingMask: Tensor<Scalar>? = nil,
        needWeights: Bool = true, attnMask: Tensor<Scalar>? = nil, averageAttnWeights: Bool = true, isCausal: Bool = false,
        booleanMasks: Bool = false
    ) -> (output: Tensor<Scalar>, weights: Tensor<Scalar>?) {
        let batched = query.rank == 3
        precondition(
            (query.rank == 3 || query.rank == 2) && key.rank == query.rank && value.rank == query.rank,
            "MultiheadAttention: query \(query.shape), key \(key.shape), value \(value.shape) must all be 3-D (or all 2-D)")
        // Work in [N, L, E].
        func batchMajor(_ t: Tensor<Scalar>) -> Tensor<Scalar> {
            !batched ? t.unsqueezed(0) : batchFirst ? t : t.transposed(0, 1)
        }
        let q = batchMajor(query), k = batchMajor(key), v = batchMajor(value)
        let n = q.shape[0], l = q.shape[1], s = k.shape[1], e = embedDim, h = numHeads, dh = e / h
        precondition(
            q.shape[2] == e && k.shape[2] == kdim && v.shape[2] == vdim && k.shape[0] == n && v.shape[0] == n && v.shape[1] == s,
            "MultiheadAttention: query \(query.shape), key \(key.shape), value \(value.shape) do not fit E=\(e), kdim=\(kdim), vdim=\(vdim)")

        // Masks as additive tensors: attnMask [L, S] or [N·h, L, S]; key padding [N, S].
        let scoresMask = attnMask.map { m -> Tensor<Scalar> in
            let additive = booleanMasks ? additiveMask(m) : m
            precondition(
                additive.shape == [l, s] || additive.shape == [n * h, l, s],
                "MultiheadAttention: attnMask \(m.shape) must be [\(l), \(s)] or [\(n * h), \(l), \(s)]")
            return additive
        }
        let paddingMask = keyPaddingMask.map { m -> Tensor<Scalar> in
            let additive = booleanMasks ? additiveMask(m) : m
            precondition(additive.count == n * s, "MultiheadAttention: keyPaddingMask \(m.shape) must be [\(n), \(s)]")
            return additive.reshaped([n, s])
        }

        let useDropout = isTraining && dropout > 0
        let selfAttention = query === key && key === value && inProjWeight != nil
        var output: Tensor<Scalar>
        var weights: Tensor<Scalar>?
        if !needWeights && !useDropout {
            // The fused kernel reads the heads where the projections put them: no permutation.
            if selfAttention {
                let packed = linear(q, weight: inProjWeight!, bias: inProjBias)
                output = multiheadSelfAttention(
                    packed: packed, heads: h, attnMask: scoresMask, keyPaddingMask: paddingMask, isCausal: isCausal)
            } else {
                let (qp, kp, vp) = project(q, k, v, sameInput: false)
                output = multiheadAttention(
                    query: qp, key: kp, value: vp, heads: h, attnMask: scoresMask, keyPaddingMask: paddingMask,
                    isCausal: isCausal)
            }
        } else {
            // Materialised weights: heads split into [N, h, length, dh].
            let (qp, kp, vp) = project(q, k, v, sameInput: selfAttention)
            func heads(_ t: Tensor<Scalar>, _ length: Int) -> Tensor<Scalar> {
                t.reshaped([n, length, h, dh]).permuted([0, 2, 1, 3])
            }
            var p = attentionWeights(
                query: heads(qp, l), key: heads(kp, s), attnMask: scoresMask.map { $0.rank == 2 ? $0 : $0.reshaped([n, h, l, s]) },
                keyPaddingMask: paddingMask, isCausal: isCausal)
            if needWeights { weights = averageAttnWeights ? p.mean(dim: 1) : p }
            if useDropout {
                let rate = dropout
                p = generator == nil
                    ? Glassbox.dropout(p, p: rate)
                    : {
                        var g = generator!
                        defer { generator = g }
                        return Glassbox.dropout(p, p: rate, generator: &g)
                    }()
            }
            output = Tensor.batchedMatmul(p.reshaped([n * h, l, s]), heads(vp, s).reshaped([n * h, s, dh]), false, false)
                .reshaped([n, h, l, dh]).permuted([0, 2, 1, 3]).reshaped([n, l, e])
        }
        output = outProj(output)
        output = !batched ? output.squeezed(0) : batchFirst ? output : output.transposed(0, 1)
        if !batched, let w = weights { weights = w.squeezed(0) }
        return (output, weights)
    }

    /// The query, key and value projections `[N, *, E]`.
    private func project(_ q: Tensor<Scalar>, _ k: Tensor<Scalar>, _ v: Tensor<Scalar>, sameInput: Bool)
        -> (Tensor<Scalar>, Tensor<Scalar>, Tensor<Scalar>)
    {
        let e = embedDim
        let biases = inProjBias.map { $0.split(sizes: [e, e, e]) }
        if let w = inProjWeight {
            if sameInput {
                let packed = linear(q, weight: w, bias: inProjBias).split(sizes: [e, e, e], dim: 2)
                return (packed[0], packed[1], packed[2])
            }
            let ws = w.split(sizes: [e, e, e])
            return (
                linear(q, weight: ws[0], bias: biases?[0]), linear(k, weight: ws[1], bias: biases?[1]),
                linear(v, weight: ws[2], bias: biases?[2])
            )
        }
        let (wq, wk, wv) = separateProjWeights!
        return (
            linear(q, weight: wq, bias: biases?[0]), linear(k, weight: wk, bias: biases?[1]), linear(v, weight: wv, bias: biases?[2])
        )
    }
}
