/// The feed-forward activation of a transformer layer (PyTorch's `activation="relu"|"gelu"`).
public enum TransformerActivation: String, Sendable {
    /// `max(x, 0)`
    case relu
    /// The exact (erf) GELU.
    case gelu

    func callAsFunction<Scalar>(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
        switch self {
        case .relu: x.relu()
        case .gelu: x.gelu()
        }
    }
}

/// The sizes and options shared by encoder and decoder layers.
private struct LayerOptions {
    var dModel: Int, nhead: Int, dimFeedforward: Int, dropout: Double
    var activation: TransformerActivation, layerNormEps: Double, batchFirst: Bool, normFirst: Bool, bias: Bool
}

/// One encoder layer, like `torch.nn.TransformerEncoderLayer`: self-attention then a two-layer
/// feed-forward network, each wrapped in a residual connection with layer normalisation —
/// after the residual (`normFirst: false`, the original Transformer) or before the sub-layer
/// (`normFirst: true`):
///
///     post-norm: x = norm1(x + SA(x));       x = norm2(x + FF(x))
///     pre-norm:  x = x + SA(norm1(x));       x = x + FF(norm2(x))
///     SA(x) = dropout1(self_attn(x, x, x)),  FF(x) = dropout2(linear2(dropout(act(linear1(x)))))
///
/// Children (PyTorch names): `self_attn`, `linear1`, `dropout`, `linear2`, `norm1`, `norm2`,
/// `dropout1`, `dropout2`.
public final class TransformerEncoderLayer<Scalar: TensorScalar>: Layer {
    /// Whether inputs are `[N, L, E]` rather than `[L, N, E]`.
    public let batchFirst: Bool
    /// Whether layer normalisation comes before each sub-layer.
    public let normFirst: Bool
    /// The feed-forward activation.
    public let activation: TransformerActivation
    /// Self-attention.
    public let selfAttn: MultiheadAttention<Scalar>
    /// `E → dimFeedforward`.
    public let linear1: Linear<Scalar>
    /// `dimFeedforward → E`.
    public let linear2: Linear<Scalar>
    /// Layer norms of the two sub-layers.
    public let norm1: LayerNorm<Scalar>, norm2: LayerNorm<Scalar>
    /// Dropout inside the feed-forward network and after each sub-layer.
    public let dropout: Dropout<Scalar>, dropout1: Dropout<Scalar>, dropout2: Dropout<Scalar>
    /// Training mode (dropout); set for the whole layer with ``Module/train(_:)``.
    public var isTraining = true

    /// Creates the layer with PyTorch's defaults, initialised from `generator`.
    public init(
        dModel: Int, nhead: Int, dimFeedforward: Int = 2048, dropout: Double = 0.1, activation: TransformerActivation = .relu,
        layerNormEps: Double = 1e-5, batchFirst: Bool = false, normFirst: Bool = false, bias: Bool = true,
        generator: inout RandomGenerator
    ) {
        self.batchFirst = batchFirst
        self.normFirst = normFirst
        self.activation = activation
        selfAttn = MultiheadAttention(embedDim: dModel, numHeads: nhead, dropout: dropout, bias: bias, batchFirst: batchFirst, generator: &generator)
        linear1 = Linear(inFeatures: dModel, outFeatures: dimFeedforward, bias: bias, generator: &generator)
        self.dropout = Dropout(p: dropout, generator: RandomGenerator(seed: generator.next()))
        linear2 = Linear(inFeatures: dimFeedforward, outFeatures: dModel, bias: bias, generator: &generator)
        norm1 = LayerNorm(dModel, eps: layerNormEps, bias: bias)
        norm2 = LayerNorm(dModel, eps: layerNormEps, bias: bias)
        dropout1 = Dropout(p: dropout, generator: RandomGenerator(seed: generator.next()))
        dropout2 = Dropout(p: dropout, generator: RandomGenerator(seed: generator.next()))
    }

    /// The children in PyTorch's registration order.
    public var children: [(name: String, module: any Module<Scalar>)] {
        [
            ("self_attn", selfAttn), ("linear1", linear1), ("dropout", dropout), ("linear2", linear2), ("norm1", norm1),
            ("norm2", norm2), ("dropout1", dropout1), ("dropout2", dropout2),
        ]
    }

    /// The layer on `input` without masks.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { self(input, srcMask: nil) }

    /// The layer on `src` (`[L, N, E]`, `[N, L, E]` with `batchFirst`, or `[L, E]`).
    ///
    /// - Parameters:
    ///   - srcMask: `[L, L]` or `[N·nhead, L, L]` additive attention mask.
    ///   - srcKeyPaddingMask: `[N, L]` additive key-padding mask.
    ///   - isCausal: hide later positions.
    public func callAsFunction(
        _ src: Tensor<Scalar>, srcMask: Tensor<Scalar>?, srcKeyPaddingMask: Tensor<Scalar>? = nil, isCausal: Bool = false
    ) -> Tensor<Scalar> {
        func attend(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
            dropout1(selfAttn(query: x, key: x, value: x, keyPaddingMask: srcKeyPaddingMask, needWeights: false, attnMask: srcMask, isCausal: isCausal).output)
        }
        func feedForward(_ x: Tensor<Scalar>) -> Tensor<Scalar> { dropout2(linear2(dropout(activation(linear1(x))))) }
        var x = src
        if normFirst {
            x = x + attend(norm1(x))
            x = x + feedForward(norm2(x))
        } else {
            x = norm1(x + attend(x))
            x = norm2(x + feedForward(x))
        }
        return x
    }
}

/// One decoder layer, like `torch.nn.TransformerDecoderLayer`: masked self-attention,
/// attention over the encoder's output (`memory`), and the feed-forward network, each with a
/// residual connection and layer normalisation (post- or pre-norm as in
/// ``TransformerEncoderLayer``):
///
///     post-norm: x = norm1(x + SA(x)); x = norm2(x + MHA(x, memory)); x = norm3(x + FF(x))
///
/// Children (PyTorch names): `self_attn`, `multihead_attn`, `linear1`, `dropout`, `linear2`,
/// `norm1`, `norm2`, `norm3`, `dropout1`, `dropout2`, `dropout3`.
public final class TransformerDecoderLayer<Scalar: TensorScalar>: Module {
    /// Whether inputs are `[N, L, E]` rather than `[L, N, E]`.
    public let batchFirst: Bool
    /// Whether layer normalisation comes before each sub-layer.
    public let normFirst: Bool
    /// The feed-forward activation.
    public let activation: TransformerActivation
    /// Self-attention over the target.
    public let selfAttn: MultiheadAttention<Scalar>
    /// Attention of the target over the memory.
    public let multiheadAttn: MultiheadAttention<Scalar>
    /// `E → dimFeedforward`.
    public let linear1: Linear<Scalar>
    /// `dimFeedforward → E`.
    public let linear2: Linear<Scalar>
    /// Layer norms of the three sub-layers.
    public let norm1: LayerNorm<Scalar>, norm2: LayerNorm<Scalar>, norm3: LayerNorm<Scalar>
    /// Dropout inside the feed-forward network and after each sub-layer.
    public let dropout: Dropout<Scalar>, dropout1: Dropout<Scalar>, dropout2: Dropout<Scalar>, dropout3: Dropout<Scalar>
    /// Training mode (dropout).
    public var isTraining = true

    /// Creates the layer with PyTorch's defaults, initialised from `generator`.
    public init(
        dModel: Int, nhead: Int, dimFeedforward: Int = 2048, dropout: Double = 0.1, activation: TransformerActivation = .relu,
        layerNormEps: Double = 1e-5, batchFirst: Bool = false, normFirst: Bool = false, bias: Bool = true,
        generator: inout RandomGenerator
    ) {
        self.batchFirst = batchFirst
        self.normFirst = normFirst
        self.activation = activation
        selfAttn = MultiheadAttention(embedDim: dModel, numHeads: nhead, dropout: dropout, bias: bias, batchFirst: batchFirst, generator: &generator)
        multiheadAttn = MultiheadAttention(
            embedDim: dModel, numHeads: nhead, dropout: dropout, bias: bias, batchFirst: batchFirst, generator: &generator)
        linear1 = Linear(inFeatures: dModel, outFeatures: dimFeedforward, bias: bias, generator: &generator)
        self.dropout = Dropout(p: dropout, generator: RandomGenerator(seed: generator.next()))
        linear2 = Linear(inFeatures: dimFeedforward, outFeatures: dModel, bias: bias, generator: &generator)
        norm1 = LayerNorm(dModel, eps: layerNormEps, bias: bias)
        norm2 = LayerNorm(dModel, eps: layerNormEps, bias: bias)
        norm3 = LayerNorm(dModel, eps: layerNormEps, bias: bias)
        dropout1 = Dropout(p: dropout, generator: RandomGenerator(seed: generator.next()))
        dropout2 = Dropout(p: dropout, generator: RandomGenerator(seed: generator.next()))
        dropout3 = Dropout(p: dropout, generator: RandomGenerator(seed: generator.next()))
    }

    /// The children in PyTorch's registration order.
    public var children: [(name: String, module: any Module<Scalar>)] {
        [
            ("self_attn", selfAttn), ("multihead_attn", multiheadAttn), ("linear1", linear1), ("dropout", dropout),
            ("linear2", linear2), ("norm1", norm1), ("norm2", norm2), ("norm3", norm3), ("dropout1", dropout1),
            ("dropout2", dropout2), ("dropout3", dropout3),
        ]
    }

    /// The layer on `tgt` over `memory` (layouts as ``TransformerEncoderLayer``).
    ///
    /// - Parameters:
    ///   - tgtMask, memoryMask: additive attention masks (`[T, T]`, `[T, S]` or per head).
    ///   - tgtKeyPaddingMask, memoryKeyPaddingMask: additive `[N, T]`, `[N, S]` masks.
    ///   - tgtIsCausal: hide later target positions.
    public func callAsFunction(
        _ tgt: Tensor<Scalar>, memory: Tensor<Scalar>, tgtMask: Tensor<Scalar>? = nil, memoryMask: Tensor<Scalar>? = nil,
        tgtKeyPaddingMask: Tensor<Scalar>? = nil, memoryKeyPaddingMask: Tensor<Scalar>? = nil, tgtIsCausal: Bool = false
    ) -> Tensor<Scalar> {
        func selfAttend(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
            dropout1(selfAttn(query: x, key: x, value: x, keyPaddingMask: tgtKeyPaddingMask, needWeights: false, attnMask: tgtMask, isCausal: tgtIsCausal).output)
        }
        func crossAttend(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
            dropout2(multiheadAttn(query: x, key: memory, value: memory, keyPaddingMask: memoryKeyPaddingMask, needWeights: false, attnMask: memoryMask).output)
        }
        func feedForward(_ x: Tensor<Scalar>) -> Tensor<Scalar> { dropout3(linear2(dropout(activation(linear1(x))))) }
        var x = tgt
        if normFirst {
            x = x + selfAttend(norm1(x))
            x = x + crossAttend(norm2(x))
            x = x + feedForward(norm3(x))
        } else {
            x = norm1(x + selfAttend(x))
            x = norm2(x + crossAttend(x))
            x = norm3(x + feedForward(x))
        }
        return x
    }
}

/// A stack of encoder layers, like `torch.nn.TransformerEncoder(encoder_layer, num_layers, norm)`:
/// children `layers.0`, `layers.1`, … and an optional final `norm`.
public final class TransformerEncoder<Scalar: TensorScalar>: Layer {
    /// The layers, applied in order.
    public let layers: [TransformerEncoderLayer<Scalar>]
    /// The final normalisation, if any.
    public let norm: LayerNorm<Scalar>?
    /// Training mode.
    public var isTraining = true

    /// Creates a stack of `numLayers` layers, each made by `makeLayer` (PyTorch deep-copies one
    /// layer; here each is created, so each may be initialised independently).
    public init(numLayers: Int, norm: LayerNorm<Scalar>? = nil, makeLayer: () -> TransformerEncoderLayer<Scalar>) {
        precondition(numLayers > 0, "TransformerEncoder: numLayers \(numLayers) must be positive")
        layers = (0..<numLayers).map { _ in makeLayer() }
        self.norm = norm
    }

    /// `layers` (as `layers.i`), then `norm`.
    public var children: [(name: String, module: any Module<Scalar>)] {
        [("layers", ModuleList(layers))] + (norm.map { [("norm", $0 as any Module<Scalar>)] } ?? [])
    }

    /// The stack on `src` without masks.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { self(input, mask: nil) }

    /// The stack on `src` with the masks of ``TransformerEncoderLayer``.
    public func callAsFunction(
        _ src: Tensor<Scalar>, mask: Tensor<Scalar>?, srcKeyPaddingMask: Tensor<Scalar>? = nil, isCausal: Bool = false
    ) -> Tensor<Scalar> {
        var x = src
        for layer in layers { x = layer(x, srcMask: mask, srcKeyPaddingMask: srcKeyPaddingMask, isCausal: isCausal) }
        return norm.map { $0(x) } ?? x
    }
}

/// A stack of decoder layers, like `torch.nn.TransformerDecoder(decoder_layer, num_layers, norm)`.
public final class TransformerDecoder<Scalar: TensorScalar>: Module {
    /// The layers, applied in order.
    public let layers: [TransformerDecoderLayer<Scalar>]
    /// The final normalisation, if any.
    public let norm: LayerNorm<Scalar>?
    /// Training mode.
    public var isTraining = true

    /// Creates a stack of `numLayers` layers made by `makeLayer`.
    public init(numLayers: Int, norm: LayerNorm<Scalar>? = nil, makeLayer: () -> TransformerDecoderLayer<Scalar>) {
        precondition(numLayers > 0, "TransformerDecoder: numLayers \(numLayers) must be positive")
        layers = (0..<numLayers).map { _ in makeLayer() }
        self.norm = norm
    }

    /// `layers` (as `layers.i`), then `norm`.
    public var children: [(name: String, module: any Module<Scalar>)] {
        [("layers", ModuleList(layers))] + (norm.map { [("norm", $0 as any Module<Scalar>)] } ?? [])
    }

    /// The stack on `tgt` over `memory` with the masks of ``TransformerDecoderLayer``.
    public func callAsFunction(
        _ tgt: Tensor<Scalar>, memory: Tensor<Scalar>, tgtMask: Tensor<Scalar>? = nil, memoryMask: Tensor<Scalar>? = nil,
        tgtKeyPaddingMask: Tensor<Scalar>? = nil, memoryKeyPaddingMask: Tensor<Scalar>? = nil, tgtIsCausal: Bool = false
    ) -> Tensor<Scalar> {
        var x = tgt
        for layer in layers {
            x = layer(
                x, memory: memory, tgtMask: tgtMask, memoryMask: memoryMask, tgtKeyPaddingMask: tgtKeyPaddingMask,
                memoryKeyPaddingMask: memoryKeyPaddingMask, tgtIsCausal: tgtIsCausal)
        }
        return norm.map { $0(x) } ?? x
    }
}
