import GlassboxKernels

/// The encoder–decoder transformer, like `torch.nn.Transformer(d_model=512, nhead=8,
/// num_encoder_layers=6, num_decoder_layers=6, dim_feedforward=2048, dropout=0.1,
/// activation='relu', layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True)`:
///
///     memory = encoder(src)            (a TransformerEncoder with a final LayerNorm `encoder.norm`)
///     output = decoder(tgt, memory)    (a TransformerDecoder with a final LayerNorm `decoder.norm`)
///
/// Children (PyTorch names): `encoder` (`encoder.layers.0.self_attn.in_proj_weight`, …,
/// `encoder.norm.weight`), `decoder` (`decoder.layers.0.multihead_attn.…`, `decoder.norm.bias`).
/// The backward is that of the layers (``TransformerEncoderLayer``, ``TransformerDecoderLayer``).
public final class Transformer<Scalar: TensorScalar>: Module {
    /// The encoder stack, ending in its `norm`.
    public let encoder: TransformerEncoder<Scalar>
    /// The decoder stack, ending in its `norm`.
    public let decoder: TransformerDecoder<Scalar>
    /// Training mode (dropout); set for the whole model with ``Module/train(_:)``.
    public var isTraining = true

    /// Creates the model with PyTorch's defaults, initialised from `generator` (each layer
    /// independently; PyTorch deep-copies one layer and then re-initialises every matrix with
    /// Xavier-uniform, so the initial values differ but not their role).
    public init(
        dModel: Int = 512, nhead: Int = 8, numEncoderLayers: Int = 6, numDecoderLayers: Int = 6, dimFeedforward: Int = 2048,
        dropout: Double = 0.1, activation: TransformerActivation = .relu, layerNormEps: Double = 1e-5,
        batchFirst: Bool = false, normFirst: Bool = false, bias: Bool = true, generator: inout RandomGenerator
    ) {
        var g = generator
        encoder = TransformerEncoder(numLayers: numEncoderLayers, norm: LayerNorm(dModel, eps: layerNormEps, bias: bias)) {
            TransformerEncoderLayer(
                dModel: dModel, nhead: nhead, dimFeedforward: dimFeedforward, dropout: dropout, activation: activation,
                layerNormEps: layerNormEps, batchFirst: batchFirst, normFirst: normFirst, bias: bias, generator: &g)
        }
        decoder = TransformerDecoder(numLayers: numDecoderLayers, norm: LayerNorm(dModel, eps: layerNormEps, bias: bias)) {
            TransformerDecoderLayer(
                dModel: dModel, nhead: nhead, dimFeedforward: dimFeedforward, dropout: dropout, activation: activation,
                layerNormEps: layerNormEps, batchFirst: batchFirst, normFirst: normFirst, bias: bias, generator: &g)
        }
        generator = g
    }

    /// Creates the model from its two stacks (PyTorch's `custom_encoder`, `custom_decoder`).
    public init(encoder: TransformerEncoder<Scalar>, decoder: TransformerDecoder<Scalar>) {
        self.encoder = encoder
        self.decoder = decoder
    }

    /// `encoder`, then `decoder`.
    public var children: [(name: String, module: any Module<Scalar>)] { [("encoder", encoder), ("decoder", decoder)] }

    /// `src` through the encoder, then `tgt` through the decoder over the encoder's output.
    /// Masks are additive (`−∞` hides), as for ``TransformerEncoderLayer`` and
    /// ``TransformerDecoderLayer``.
    public func callAsFunction(
        _ src: Tensor<Scalar>, tgt: Tensor<Scalar>, srcMask: Tensor<Scalar>? = nil, tgtMask: Tensor<Scalar>? = nil,
        memoryMask: Tensor<Scalar>? = nil, srcKeyPaddingMask: Tensor<Scalar>? = nil, tgtKeyPaddingMask: Tensor<Scalar>? = nil,
        memoryKeyPaddingMask: Tensor<Scalar>? = nil
    ) -> Tensor<Scalar> {
        let memory = encoder(src, mask: srcMask, srcKeyPaddingMask: srcKeyPaddingMask)
        return decoder(
            tgt, memory: memory, tgtMask: tgtMask, memoryMask: memoryMask, tgtKeyPaddingMask: tgtKeyPaddingMask,
            memoryKeyPaddingMask: memoryKeyPaddingMask)
    }
}
