import GlassboxIO

extension ReferenceRegistry {
    /// `TransformerEncoder`, `TransformerDecoder` (the layer stack described in `args`) and
    /// `Transformer`.
    ///
    /// - `TransformerEncoder`: `{"encoder_layer": {<TransformerEncoderLayer args>}, "num_layers": N,
    ///   "norm": null or {<LayerNorm args>}, "enable_nested_tensor", "mask_check"}` (the last two
    ///   accepted and ignored: PyTorch's fast path, which it takes only without gradients); inputs
    ///   `src`, optional `mask`, `src_key_padding_mask`.
    /// - `TransformerDecoder`: `{"decoder_layer": {...}, "num_layers": N, "norm": ...}`; inputs
    ///   `tgt`, `memory`, optional `tgt_mask`, `memory_mask`, `tgt_key_padding_mask`,
    ///   `memory_key_padding_mask`.
    /// - `Transformer`: PyTorch's keywords (`d_model`, `nhead`, `num_encoder_layers`,
    ///   `num_decoder_layers`, `dim_feedforward`, `dropout`, `activation`, `layer_norm_eps`,
    ///   `batch_first`, `norm_first`, `bias`; `custom_encoder`/`custom_decoder` only null); inputs
    ///   `src`, `tgt`, optional `src_mask`, `tgt_mask`, `memory_mask`, `src_key_padding_mask`,
    ///   `tgt_key_padding_mask`, `memory_key_padding_mask`.
    ///
    /// `state_dict` names are PyTorch's (`layers.0.self_attn.in_proj_weight`, `norm.weight`;
    /// `encoder.layers.1.linear2.bias`, `decoder.norm.weight` for `Transformer`). Masks are BOOL
    /// (true hides) or additive floats. The forward hints `is_causal`, `tgt_is_causal`,
    /// `memory_is_causal` are not taken: give the causal mask itself.
    static func transformerBuilders<Scalar: TensorScalar>(_: Scalar.Type) -> [String: Builder<Scalar>] {
        [
            "TransformerEncoder": { args, train in
                let (numLayers, options, norm) = try stackOptions("TransformerEncoder", "encoder_layer", &args, train)
                _ = try args.bool("enable_nested_tensor", default: true)
                _ = try args.bool("mask_check", default: true)
                var generator = RandomGenerator(seed: 0)  // the weights file replaces every parameter
                let stack = TransformerEncoder<Scalar>(numLayers: numLayers, norm: norm.map { LayerNorm($0) }) {
                    TransformerEncoderLayer(
                        dModel: options.dModel, nhead: options.nhead, dimFeedforward: options.dimFeedforward, dropout: options.dropout,
                        activation: options.activation, layerNormEps: options.eps, batchFirst: options.batchFirst,
                        normFirst: options.normFirst, bias: options.bias, generator: &generator)
                }
                stack.train(train)
                let masks = ["mask", "src_key_padding_mask"]
                return ReferenceModel(
                    parameters: stack.namedParameters(), inputNames: ["src"], optionalInputNames: masks, maskInputs: Set(masks)
                ) { inputs, _ in
                    [("output", stack(
                        try stackInput(inputs, "src"), mask: try stackMask(inputs, "mask"),
                        srcKeyPaddingMask: try stackMask(inputs, "src_key_padding_mask")))]
                }
            },
            "TransformerDecoder": { args, train in
                let (numLayers, options, norm) = try stackOptions("TransformerDecoder", "decoder_layer", &args, train)
                var generator = RandomGenerator(seed: 0)
                let stack = TransformerDecoder<Scalar>(numLayers: numLayers, norm: norm.map { LayerNorm($0) }) {
                    TransformerDecoderLayer(
                        dModel: options.dModel, nhead: options.nhead, dimFeedforward: options.dimFeedforward, dropout: options.dropout,
                        activation: options.activation, layerNormEps: options.eps, batchFirst: options.batchFirst,
                        normFirst: options.normFirst, bias: options.bias, generator: &generator)
                }
                stack.train(train)
                let masks = ["tgt_mask", "memory_mask", "tgt_key_padding_mask", "memory_key_padding_mask"]
                return ReferenceModel(
                    parameters: stack.namedParameters(), inputNames: ["tgt", "memory"], optionalInputNames: masks,
                    maskInputs: Set(masks)
                ) { inputs, _ in
                    [("output", stack(
                        try stackInput(inputs, "tgt"), memory: try stackInput(inputs, "memory"), tgtMask: try stackMask(inputs, "tgt_mask"),
                        memoryMask: try stackMask(inputs, "memory_mask"), tgtKeyPaddingMask: try stackMask(inputs, "tgt_key_padding_mask"),
                        memoryKeyPaddingMask: try stackMask(inputs, "memory_key_padding_mask")))]
                }
            },
            "Transformer": { args, train in
                let encoderLayers = try args.int("num_encoder_layers", default: 6)
                let decoderLayers = try args.int("num_decoder_layers", default: 6)
                for name in ["custom_encoder", "custom_decoder"] where args.raw(name).map({ $0 != .null }) ?? false {
                    throw ReferenceError.unsupported("Transformer: \(name) is not supported (use null; TransformerEncoder and TransformerDecoder run on their own)")
                }
                for (name, count) in [("num_encoder_layers", encoderLayers), ("num_decoder_layers", decoderLayers)] where count <= 0 {
                    throw ReferenceError.invalidArgument(module: "Transformer", name: name, expected: "> 0")
                }
                let options = try layerOptions("Transformer", &args, train)
                let perLayer = 4 * options.dModel * (options.dModel + 1) + 2 * options.dModel * options.dimFeedforward
                _ = try args.parameterShape("the layers", [encoderLayers + 2 * decoderLayers, perLayer])
                var generator = RandomGenerator(seed: 0)
                let model = Transformer<Scalar>(
                    dModel: options.dModel, nhead: options.nhead, numEncoderLayers: encoderLayers, numDecoderLayers: decoderLayers,
                    dimFeedforward: options.dimFeedforward, dropout: options.dropout, activation: options.activation,
                    layerNormEps: options.eps, batchFirst: options.batchFirst, normFirst: options.normFirst, bias: options.bias,
                    generator: &generator)
                model.train(train)
                let masks = ["src_mask", "tgt_mask", "memory_mask", "src_key_padding_mask", "tgt_key_padding_mask", "memory_key_padding_mask"]
                return ReferenceModel(
                    parameters: model.namedParameters(), inputNames: ["src", "tgt"], optionalInputNames: masks, maskInputs: Set(masks)
                ) { inputs, _ in
                    [("output", model(
                        try stackInput(inputs, "src"), tgt: try stackInput(inputs, "tgt"), srcMask: try stackMask(inputs, "src_mask"),
                        tgtMask: try stackMask(inputs, "tgt_mask"), memoryMask: try stackMask(inputs, "memory_mask"),
                        srcKeyPaddingMask: try stackMask(inputs, "src_key_padding_mask"),
                        tgtKeyPaddingMask: try stackMask(inputs, "tgt_key_padding_mask"),
                        memoryKeyPaddingMask: try stackMask(inputs, "memory_key_padding_mask")))]
                }
            },
        ]
    }

    /// The arguments of a stack: `num_layers`, the layer's arguments (an object under
    /// `layerKey`, read as the layer module reads them, with the parameter cap shared among the
    /// layers) and the optional final `norm` (LayerNorm arguments; its size must be `d_model`).
    private static func stackOptions(
        _ module: String, _ layerKey: String, _ args: inout ReferenceArguments, _ train: Bool
    ) throws -> (Int, (dModel: Int, nhead: Int, dimFeedforward: Int, dropout: Double, activation: TransformerActivation, eps: Double,
                       batchFirst: Bool, normFirst: Bool, bias: Bool), (size: Int, eps: Double, affine: Bool, bias: Bool)?) {
        let numLayers = try args.int("num_layers")
        guard numLayers > 0 else { throw ReferenceError.invalidArgument(module: module, name: "num_layers", expected: "> 0") }
        guard let layerArgs = args.raw(layerKey)?.objectValue else {
            throw ReferenceError.invalidArgument(
                module: module, name: layerKey, expected: "an object of \(layerKey == "encoder_layer" ? "TransformerEncoderLayer" : "TransformerDecoderLayer") args")
        }
        let layerModule = layerKey == "encoder_layer" ? "TransformerEncoderLayer" : "TransformerDecoderLayer"
        var nested = ReferenceArguments(
            module: layerModule, values: layerArgs, maxParameterElements: args.maxParameterElements / numLayers)
        let options = try layerOptions(layerModule, &nested, train)
        try nested.finish()
        var norm: (size: Int, eps: Double, affine: Bool, bias: Bool)?
        if let value = args.raw("norm"), value != .null {
            guard let normArgs = value.objectValue else {
                throw ReferenceError.invalidArgument(module: module, name: "norm", expected: "null or an object of LayerNorm args")
            }
            var n = ReferenceArguments(module: "LayerNorm", values: normArgs)
            let shape = n.raw("normalized_shape")
            let size = shape?.integerValue ?? shape?.arrayValue.flatMap { $0.count == 1 ? $0[0].integerValue : nil }
            guard size == options.dModel else {
                throw ReferenceError.invalidArgument(module: module, name: "norm", expected: "LayerNorm args with normalized_shape \(options.dModel) (d_model)")
            }
            norm = (options.dModel, try n.double("eps", default: 1e-5), try n.bool("elementwise_affine", default: true), try n.bool("bias", default: true))
            try n.finish()
        }
        return (numLayers, options, norm)
    }

    /// A required floating-point input of a transformer.
    private static func stackInput<Scalar>(_ inputs: [String: ReferenceValue<Scalar>], _ name: String) throws -> Tensor<Scalar> {
        guard case .floating(let tensor)? = inputs[name] else {
            throw ReferenceError.invalidInput(name: name, problem: "must be a floating-point tensor")
        }
        return tensor
    }

    /// An optional mask input of a transformer as an additive mask (BOOL: true → −∞).
    private static func stackMask<Scalar>(_ inputs: [String: ReferenceValue<Scalar>], _ name: String) throws -> Tensor<Scalar>? {
        guard let value = inputs[name] else { return nil }
        guard case .mask(let tensor, let boolean) = value else {
            throw ReferenceError.invalidInput(name: name, problem: "must be BOOL or the computation's float dtype")
        }
        return boolean ? additiveMask(tensor) : tensor
    }
}

extension LayerNorm {
    /// The final norm of a reference transformer stack.
    fileprivate convenience init(_ options: (size: Int, eps: Double, affine: Bool, bias: Bool)) {
        self.init(options.size, eps: options.eps, elementwiseAffine: options.affine, bias: options.bias)
    }
}
