import GlassboxIO

extension ReferenceRegistry {
    /// `MultiheadAttention`, `TransformerEncoderLayer`, `TransformerDecoderLayer`.
    ///
    /// Inputs: `query`, `key`, `value` (+ optional `attn_mask`, `key_padding_mask`) for
    /// `MultiheadAttention`, which writes `output` and, with `need_weights` (a forward argument,
    /// given in `args` like `average_attn_weights`), `attn_weights`; `src` (+ `src_mask`,
    /// `src_key_padding_mask`) for the encoder layer; `tgt`, `memory` (+ `tgt_mask`,
    /// `memory_mask`, `tgt_key_padding_mask`, `memory_key_padding_mask`) for the decoder layer.
    /// Masks are BOOL (true hides a key) or additive floats in the computation's dtype. Dropout
    /// must be 0 (or the case in eval mode): Glassbox's random stream is not PyTorch's.
    static func attentionBuilders<Scalar: TensorScalar>(_: Scalar.Type) -> [String: Builder<Scalar>] {
        [
            "MultiheadAttention": { args, train in
                let embedDim = try args.int("embed_dim")
                let heads = try args.int("num_heads")
                let dropout = try args.double("dropout", default: 0, in: 0...1)
                let bias = try args.bool("bias", default: true)
                let kdim = try args.optionalInt("kdim"), vdim = try args.optionalInt("vdim")
                let batchFirst = try args.bool("batch_first", default: false)
                let needWeights = try args.bool("need_weights", default: true)
                let average = try args.bool("average_attn_weights", default: true)
                let isCausal = try args.bool("is_causal", default: false)
                for unsupported in ["add_bias_kv", "add_zero_attn"] where try args.bool(unsupported, default: false) {
                    throw ReferenceError.unsupported("MultiheadAttention: \(unsupported)=true is not supported")
                }
                try checkHeads("MultiheadAttention", embedDim: embedDim, heads: heads)
                for (name, size) in [("kdim", kdim), ("vdim", vdim)] where (size ?? 1) <= 0 {
                    throw ReferenceError.invalidArgument(module: "MultiheadAttention", name: name, expected: "> 0 or null")
                }
                try checkDropout("MultiheadAttention", dropout, train)
                try countAttentionWeights(&args, embedDim: embedDim, kdim: kdim ?? embedDim, vdim: vdim ?? embedDim, bias: bias)
                var generator = RandomGenerator(seed: 0)  // the weights file replaces every parameter
                let layer = MultiheadAttention<Scalar>(
                    embedDim: embedDim, numHeads: heads, dropout: dropout, bias: bias, kdim: kdim, vdim: vdim,
                    batchFirst: batchFirst, generator: &generator)
                layer.train(train)
                return ReferenceModel(
                    parameters: layer.namedParameters(), inputNames: ["query", "key", "value"],
                    optionalInputNames: ["attn_mask", "key_padding_mask"], maskInputs: ["attn_mask", "key_padding_mask"]
                ) { inputs, _ in
                    let (query, key, value) = (try floating(inputs, "query"), try floating(inputs, "key"), try floating(inputs, "value"))
                    let (result, weights) = layer(
                        query: query, key: key, value: value, keyPaddingMask: try mask(inputs, "key_padding_mask"),
                        needWeights: needWeights, attnMask: try mask(inputs, "attn_mask"), averageAttnWeights: average,
                        isCausal: isCausal)
                    return [("output", result)] + (weights.map { [("attn_weights", $0)] } ?? [])
                }
            },
            "TransformerEncoderLayer": { args, train in
                let options = try layerOptions("TransformerEncoderLayer", &args, train)
                var generator = RandomGenerator(seed: 0)
                let layer = TransformerEncoderLayer<Scalar>(
                    dModel: options.dModel, nhead: options.nhead, dimFeedforward: options.dimFeedforward, dropout: options.dropout,
                    activation: options.activation, layerNormEps: options.eps, batchFirst: options.batchFirst,
                    normFirst: options.normFirst, bias: options.bias, generator: &generator)
                layer.train(train)
                return ReferenceModel(
                    parameters: layer.namedParameters(), inputNames: ["src"], optionalInputNames: ["src_mask", "src_key_padding_mask"],
                    maskInputs: ["src_mask", "src_key_padding_mask"]
                ) { inputs, _ in
                    [("output", layer(try floating(inputs, "src"), srcMask: try mask(inputs, "src_mask"),
                                      srcKeyPaddingMask: try mask(inputs, "src_key_padding_mask")))]
                }
            },
            "TransformerDecoderLayer": { args, train in
                let options = try layerOptions("TransformerDecoderLayer", &args, train)
                var generator = RandomGenerator(seed: 0)
                let layer = TransformerDecoderLayer<Scalar>(
                    dModel: options.dModel, nhead: options.nhead, dimFeedforward: options.dimFeedforward, dropout: options.dropout,
                    activation: options.activation, layerNormEps: options.eps, batchFirst: options.batchFirst,
                    normFirst: options.normFirst, bias: options.bias, generator: &generator)
                layer.train(train)
                let masks = ["tgt_mask", "memory_mask", "tgt_key_padding_mask", "memory_key_padding_mask"]
                return ReferenceModel(
                    parameters: layer.namedParameters(), inputNames: ["tgt", "memory"], optionalInputNames: masks,
                    maskInputs: Set(masks)
                ) { inputs, _ in
                    [("output", layer(
                        try floating(inputs, "tgt"), memory: try floating(inputs, "memory"), tgtMask: try mask(inputs, "tgt_mask"),
                        memoryMask: try mask(inputs, "memory_mask"), tgtKeyPaddingMask: try mask(inputs, "tgt_key_padding_mask"),
                        memoryKeyPaddingMask: try mask(inputs, "memory_key_padding_mask")))]
                }
            },
        ]
    }

    /// A required floating-point input.
    private static func floating<Scalar>(_ inputs: [String: ReferenceValue<Scalar>], _ name: String) throws -> Tensor<Scalar> {
        guard case .floating(let tensor)? = inputs[name] else {
            throw ReferenceError.invalidInput(name: name, problem: "must be a floating-point tensor")
        }
        return tensor
    }

    /// An optional mask input as an additive mask (BOOL: true → −∞).
    private static func mask<Scalar>(_ inputs: [String: ReferenceValue<Scalar>], _ name: String) throws -> Tensor<Scalar>? {
        guard let value = inputs[name] else { return nil }
        guard case .mask(let tensor, let boolean) = value else {
            throw ReferenceError.invalidInput(name: name, problem: "must be BOOL or the computation's float dtype")
        }
        return boolean ? additiveMask(tensor) : tensor
    }

    /// Counts one attention block's weights against the case's parameter cap.
    private static func countAttentionWeights(_ args: inout ReferenceArguments, embedDim: Int, kdim: Int, vdim: Int, bias: Bool) throws {
        _ = try args.parameterShape("in_proj_weight", [embedDim, embedDim + kdim + vdim])
        _ = try args.parameterShape("out_proj.weight", [embedDim, embedDim])
        if bias { _ = try args.parameterShape("in_proj_bias and out_proj.bias", [4, embedDim]) }
    }

    private static func checkHeads(_ module: String, embedDim: Int, heads: Int) throws {
        guard embedDim > 0 else { throw ReferenceError.invalidArgument(module: module, name: "embed_dim", expected: "> 0") }
        guard heads > 0 && embedDim % heads == 0 else {
            throw ReferenceError.invalidArgument(module: module, name: "num_heads", expected: "a positive divisor of \(embedDim)")
        }
    }

    private static func checkDropout(_ module: String, _ dropout: Double, _ train: Bool) throws {
        if train && dropout > 0 {
            throw ReferenceError.unsupported(
                "\(module): train=true with dropout=\(dropout) is not reproducible (Glassbox's random stream differs from PyTorch's); use dropout 0 or train=false")
        }
    }

    /// The constructor arguments shared by the encoder and decoder layers.
    static func layerOptions(_ module: String, _ args: inout ReferenceArguments, _ train: Bool) throws -> (
        dModel: Int, nhead: Int, dimFeedforward: Int, dropout: Double, activation: TransformerActivation, eps: Double,
        batchFirst: Bool, normFirst: Bool, bias: Bool
    ) {
        let dModel = try args.int("d_model"), nhead = try args.int("nhead")
        let feedforward = try args.int("dim_feedforward", default: 2048)
        let dropout = try args.double("dropout", default: 0.1, in: 0...1)
        let activation = TransformerActivation(rawValue: try args.choice("activation", ["relu", "gelu"], default: "relu"))!
        let eps = try args.double("layer_norm_eps", default: 1e-5)
        let batchFirst = try args.bool("batch_first", default: false)
        let normFirst = try args.bool("norm_first", default: false)
        let bias = try args.bool("bias", default: true)
        try checkHeads(module, embedDim: dModel, heads: nhead)
        guard feedforward > 0 else { throw ReferenceError.invalidArgument(module: module, name: "dim_feedforward", expected: "> 0") }
        guard eps >= 0 else { throw ReferenceError.invalidArgument(module: module, name: "layer_norm_eps", expected: "≥ 0") }
        try checkDropout(module, dropout, train)
        for _ in 0..<(module == "TransformerDecoderLayer" ? 2 : 1) {
            try countAttentionWeights(&args, embedDim: dModel, kdim: dModel, vdim: dModel, bias: bias)
        }
        _ = try args.parameterShape("linear1.weight", [feedforward, dModel])
        _ = try args.parameterShape("linear2.weight", [dModel, feedforward])
        _ = try args.parameterShape("norms and biases", [6, feedforward + dModel])
        return (dModel, nhead, feedforward, dropout, activation, eps, batchFirst, normFirst, bias)
    }
}
