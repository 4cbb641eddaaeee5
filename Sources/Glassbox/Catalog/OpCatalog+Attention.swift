import GlassboxKernels

extension OpCatalog {
    /// Entries for scaled dot-product attention: plain, causal, with a float mask, a boolean
    /// mask and a key-padding mask, a long sequence that crosses the kernel's 64-wide tiles,
    /// and the recorded (second-order) backward; the multi-head forms with heads side by side
    /// and with one packed projection.
    static var attentionEntries: [OpCatalogEntry] {
        typealias T = Tensor<Double>
        let ninf = -Double.infinity
        let maskValues: [Double] = (0..<30).map { (i: Int) -> Double in i % 7 == 3 ? ninf : Double(i % 5) * 0.3 - 0.6 }
        let floatMask = T(maskValues, shape: [5, 6])
        let hidden: [Double] = (0..<30).map { (i: Int) -> Double in i % 4 == 1 ? 1 : 0 }
        let boolMask = additiveMask(T(hidden, shape: [5, 6]))
        let padding = T([0, 0, ninf, 0, ninf, 0, 0, 0, 0, ninf], shape: [2, 5])
        return [
            .init("attention.sdpa", op: .scaledDotProductAttention, inputs: { g in
                [T.sample([2, 5, 4], &g), T.sample([2, 6, 4], &g), T.sample([2, 6, 3], &g)]
            }) { scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2]) },
            .init("attention.sdpa/causal-scale", op: .scaledDotProductAttention, inputs: { g in
                [T.sample([3, 6, 3], &g), T.sample([3, 6, 3], &g), T.sample([3, 6, 2], &g)]
            }) { scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2], isCausal: true, scale: 0.7) },
            .init("attention.sdpa/float-mask", op: .scaledDotProductAttention, inputs: { g in
                [T.sample([2, 5, 3], &g), T.sample([2, 6, 3], &g), T.sample([2, 6, 2], &g)]
            }) { scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2], attnMask: floatMask) },
            .init("attention.sdpa/bool-mask", op: .scaledDotProductAttention, inputs: { g in
                [T.sample([2, 5, 3], &g), T.sample([2, 6, 3], &g), T.sample([2, 6, 2], &g)]
            }) { scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2], attnMask: boolMask) },
            .init("attention.sdpa/key-padding-heads", op: .scaledDotProductAttention, inputs: { g in
                [T.sample([2, 2, 4, 3], &g), T.sample([2, 2, 5, 3], &g), T.sample([2, 2, 5, 2], &g)]
            }) { scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2], keyPaddingMask: padding) },
            .init("attention.sdpa/tiled-causal", op: .scaledDotProductAttention, inputs: { g in
                [T.sample([1, 70, 2], &g), T.sample([1, 70, 2], &g), T.sample([1, 70, 2], &g)]
            }) { scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2], isCausal: true) },
            .init("attention.sdpa/tiled-cross", op: .scaledDotProductAttention, inputs: { g in
                [T.sample([1, 66, 2], &g), T.sample([1, 130, 2], &g), T.sample([1, 130, 1], &g)]
            }) { scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2]) },
            .init("attention.multihead/masks", op: .multiheadAttention, inputs: { g in
                [T.sample([2, 5, 6], &g), T.sample([2, 6, 6], &g), T.sample([2, 6, 4], &g)]
            }) { x in
                let perHead = T((0..<120).map { (i: Int) -> Double in i % 11 == 4 ? ninf : Double(i % 3) * 0.2 }, shape: [4, 5, 6])
                let rows = T([0, 0, ninf, 0, 0, 0, 0, 0, 0, 0, 0, ninf], shape: [2, 6])
                return multiheadAttention(query: x[0], key: x[1], value: x[2], heads: 2, attnMask: perHead, keyPaddingMask: rows)
            },
            .init("attention.multihead/causal-tiled", op: .multiheadAttention, inputs: { g in
                [T.sample([1, 70, 4], &g), T.sample([1, 70, 4], &g), T.sample([1, 70, 2], &g)]
            }) { multiheadAttention(query: $0[0], key: $0[1], value: $0[2], heads: 2, isCausal: true) },
            .init("attention.multihead-self/float-mask", op: .multiheadSelfAttention, inputs: { g in [T.sample([2, 5, 12], &g)] }) {
                multiheadSelfAttention(packed: $0[0], heads: 2, attnMask: floatMask.sliced(dim: 1, 0..<5))
            },
            .init("attention.multihead-self/causal-padding-tiled", op: .multiheadSelfAttention, inputs: { g in [T.sample([2, 66, 6], &g)] }) {
                let rows = T((0..<132).map { (i: Int) -> Double in i % 66 > 60 ? ninf : 0 }, shape: [2, 66])
                return multiheadSelfAttention(packed: $0[0], heads: 1, keyPaddingMask: rows, isCausal: true, scale: 0.6)
            },
            .init("attention.multihead-self/second-order", op: nil, inputs: { g in [T.sample([1, 4, 6], &g), T.sample([1, 4, 2], &g)] }) { x in
                // ∂/∂(packed, w) of ∂⟨attention(packed), w⟩/∂packed: the recorded backward.
                withGrad {
                    let y = multiheadSelfAttention(packed: x[0], heads: 2, isCausal: true)
                    return T.gradients(of: (y * x[1]).sum(), withRespectTo: [x[0]], createGraph: true)[0]
                }
            },
            .init("attention.weights", op: nil, inputs: { g in [T.sample([2, 5, 3], &g), T.sample([2, 6, 3], &g)] }) {
                attentionWeights(query: $0[0], key: $0[1], attnMask: floatMask)
            },
            .init("nn.MultiheadAttention/self", op: nil, inputs: { g in [T.sample([4, 2, 6], &g)] }) { x in
                var g = RandomGenerator(seed: 3)
                let mha = MultiheadAttention<Double>(embedDim: 6, numHeads: 2, generator: &g)
                return mha(query: x[0], key: x[0], value: x[0], needWeights: false).output
            },
            .init("nn.MultiheadAttention/cross-kdim-masks-weights", op: nil, inputs: { g in
                [T.sample([2, 3, 4], &g), T.sample([2, 5, 3], &g), T.sample([2, 5, 2], &g)]
            }) { x in
                var g = RandomGenerator(seed: 4)
                let mha = MultiheadAttention<Double>(embedDim: 4, numHeads: 2, kdim: 3, vdim: 2, batchFirst: true, generator: &g)
                let hidden = T([0, 1, 0, 0, 0, 0, 0, 0, 1, 1], shape: [2, 5])
                let (out, weights) = mha(
                    query: x[0], key: x[1], value: x[2], keyPaddingMask: additiveMask(hidden), attnMask: boolMask.sliced(dim: 0, 0..<3).sliced(dim: 1, 0..<5),
                    booleanMasks: false)
                return T.concat([out.reshaped([-1]), weights!.reshaped([-1])])
            },
            .init("nn.TransformerEncoderLayer/post-norm-relu-masks", op: nil, inputs: { g in [T.sample([5, 2, 4], &g)] }) { x in
                var g = RandomGenerator(seed: 5)
                let layer = TransformerEncoderLayer<Double>(dModel: 4, nhead: 2, dimFeedforward: 6, dropout: 0, generator: &g)
                let padding = additiveMask(T([0, 0, 0, 1, 1, 0, 0, 0, 0, 0], shape: [2, 5]))
                return layer(x[0], srcMask: floatMask.sliced(dim: 1, 0..<5), srcKeyPaddingMask: padding)
            },
            .init("nn.TransformerEncoderLayer/pre-norm-gelu-causal", op: nil, inputs: { g in [T.sample([2, 5, 4], &g)] }) { x in
                var g = RandomGenerator(seed: 6)
                let layer = TransformerEncoderLayer<Double>(
                    dModel: 4, nhead: 2, dimFeedforward: 6, dropout: 0, activation: .gelu, batchFirst: true, normFirst: true, generator: &g)
                return layer(x[0], srcMask: nil, isCausal: true)
            },
            .init("nn.TransformerDecoderLayer/post-norm", op: nil, inputs: { g in [T.sample([4, 2, 4], &g), T.sample([5, 2, 4], &g)] }) { x in
                var g = RandomGenerator(seed: 7)
                let layer = TransformerDecoderLayer<Double>(dModel: 4, nhead: 2, dimFeedforward: 6, dropout: 0, generator: &g)
                let memoryPadding = additiveMask(T([0, 0, 0, 0, 1, 0, 0, 1, 0, 0], shape: [2, 5]))
                return layer(x[0], memory: x[1], memoryKeyPaddingMask: memoryPadding, tgtIsCausal: true)
            },
            .init("nn.TransformerDecoderLayer/pre-norm-gelu", op: nil, inputs: { g in [T.sample([2, 3, 4], &g), T.sample([2, 4, 4], &g)] }) { x in
                var g = RandomGenerator(seed: 8)
                let layer = TransformerDecoderLayer<Double>(
                    dModel: 4, nhead: 1, dimFeedforward: 5, dropout: 0, activation: .gelu, batchFirst: true, normFirst: true, generator: &g)
                return layer(x[0], memory: x[1], tgtMask: floatMask.sliced(dim: 0, 0..<3).sliced(dim: 1, 0..<3), memoryMask: boolMask.sliced(dim: 0, 0..<3).sliced(dim: 1, 0..<4))
            },
            .init("attention.sdpa/second-order", op: nil, inputs: { g in
                [T.sample([2, 4, 3], &g), T.sample([2, 5, 3], &g), T.sample([2, 5, 2], &g), T.sample([2, 4, 2], &g)]
            }) { x in
                // ∂/∂(q, k, v, w) of ∂⟨sdpa(q, k, v), w⟩/∂q: the recorded closed-form backward.
                withGrad {
                    let y = scaledDotProductAttention(query: x[0], key: x[1], value: x[2], isCausal: true)
                    return T.gradients(of: (y * x[3]).sum(), withRespectTo: [x[0]], createGraph: true)[0]
                }
            },
        ]
    }
}
