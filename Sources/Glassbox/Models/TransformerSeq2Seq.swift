/// The decoding state of a ``TransformerSeq2Seq`` model, one row per sequence being decoded:
/// the encoder memory (the decoder rereads the whole prefix at each step).
public struct TransformerDecoderState<Scalar: TensorScalar> {
    /// The encoder output `[rows, S, dModel]`.
    public var memory: Tensor<Scalar>
    /// The additive key-padding mask of `memory`, `[rows, S]`.
    public var memoryMask: Tensor<Scalar>
}

/// An encoder–decoder transformer (Vaswani et al. 2017) for token sequences:
///
/// ```
/// encoder   m = TransformerEncoder(Embedding(source) + PE,  key padding mask of the source)
/// decoder   d = TransformerDecoder(Embedding(y_{<t}) + PE, m, causal mask, source key padding mask)
/// output    logits_t = W_o d_t + b_o
/// ```
///
/// `PE` is ``sinusoidalPositionalEncoding(length:dModel:as:)``; the embeddings (N(0, 1)) are not
/// rescaled. Layers are pre-norm (`normFirst`) with a final LayerNorm on each stack, GELU
/// feed-forward, batch first. The causal mask hides later target positions (and so the target
/// padding, which only follows a sequence); the source key-padding mask hides source padding
/// from encoder self-attention and from the decoder's cross-attention.
///
/// Children (names): `src_embed`, `tgt_embed`, `encoder`, `decoder`, `out`.
public final class TransformerSeq2Seq<Scalar: TensorScalar>: SequenceToSequenceModel {
    /// The model width.
    public let dModel: Int
    /// The longest sequence the positional encoding covers.
    public let maxLength: Int
    /// Source token embeddings (padding row 0).
    public let sourceEmbedding: Embedding<Scalar>
    /// Target token embeddings (padding row 0).
    public let targetEmbedding: Embedding<Scalar>
    /// The encoder stack.
    public let encoder: TransformerEncoder<Scalar>
    /// The decoder stack.
    public let decoder: TransformerDecoder<Scalar>
    /// The output projection to target-vocabulary logits.
    public let output: Linear<Scalar>
    /// The constant sinusoidal encodings `[maxLength, dModel]`.
    let positionalEncoding: Tensor<Scalar>
    /// Training mode (dropout).
    public var isTraining = true

    /// Creates the model, initialised from `generator`.
    public init(
        sourceVocabularySize: Int, targetVocabularySize: Int, dModel: Int = 64, nhead: Int = 4, numEncoderLayers: Int = 2,
        numDecoderLayers: Int = 2, dimFeedforward: Int = 256, dropout: Double = 0, maxLength: Int = 64,
        generator: inout RandomGenerator
    ) {
        precondition(
            sourceVocabularySize > 0 && targetVocabularySize > 0 && dModel > 0 && maxLength > 0,
            "TransformerSeq2Seq: sizes must be positive, got vocabularies (\(sourceVocabularySize), \(targetVocabularySize)), dModel \(dModel), maxLength \(maxLength)")
        self.dModel = dModel
        self.maxLength = maxLength
        sourceEmbedding = Embedding(numEmbeddings: sourceVocabularySize, embeddingDim: dModel, paddingIdx: Vocabulary.padding, generator: &generator)
        targetEmbedding = Embedding(numEmbeddings: targetVocabularySize, embeddingDim: dModel, paddingIdx: Vocabulary.padding, generator: &generator)
        encoder = TransformerEncoder(numLayers: numEncoderLayers, norm: LayerNorm(dModel)) {
            TransformerEncoderLayer(
                dModel: dModel, nhead: nhead, dimFeedforward: dimFeedforward, dropout: dropout, activation: .gelu, batchFirst: true,
                normFirst: true, generator: &generator)
        }
        decoder = TransformerDecoder(numLayers: numDecoderLayers, norm: LayerNorm(dModel)) {
            TransformerDecoderLayer(
                dModel: dModel, nhead: nhead, dimFeedforward: dimFeedforward, dropout: dropout, activation: .gelu, batchFirst: true,
                normFirst: true, generator: &generator)
        }
        output = Linear(inFeatures: dModel, outFeatures: targetVocabularySize, generator: &generator)
        positionalEncoding = sinusoidalPositionalEncoding(length: maxLength, dModel: dModel)
    }

    /// The children in registration order.
    public var children: [(name: String, module: any Module<Scalar>)] {
        [("src_embed", sourceEmbedding), ("tgt_embed", targetEmbedding), ("encoder", encoder), ("decoder", decoder), ("out", output)]
    }

    /// Token embeddings plus positional encodings: `[B, T]` → `[B, T, dModel]`.
    private func embed(_ ids: IndexTensor, _ table: Embedding<Scalar>) -> Tensor<Scalar> {
        let t = ids.shape[1]
        precondition(t <= maxLength, "TransformerSeq2Seq: sequence length \(t) exceeds maxLength \(maxLength)")
        return table(ids) + positionalEncoding.sliced(dim: 0, 0..<t)
    }

    /// The encoder memory of `source` and its key-padding mask.
    public func encode(_ source: PaddedSequences) -> TransformerDecoderState<Scalar> {
        precondition(source.lengths.allSatisfy { $0 > 0 }, "TransformerSeq2Seq: every source sequence needs a token, got lengths \(source.lengths)")
        let mask = source.keyPaddingMask(as: Scalar.self)
        let memory = encoder(embed(source.ids, sourceEmbedding), mask: nil, srcKeyPaddingMask: mask)
        return TransformerDecoderState(memory: memory, memoryMask: mask)
    }

    /// The logits `[B, T, V]` of the token after each prefix of `tokens` `[B, T]`.
    public func decode(_ tokens: IndexTensor, _ state: TransformerDecoderState<Scalar>) -> Tensor<Scalar> {
        output(decoder(embed(tokens, targetEmbedding), memory: state.memory, memoryKeyPaddingMask: state.memoryMask, tgtIsCausal: true))
    }

    /// Teacher-forced logits (see ``SequenceToSequenceModel``), all positions at once under the
    /// causal mask.
    public func teacherForcedLogits(source: PaddedSequences, target: PaddedSequences) -> Tensor<Scalar> {
        decode(target.teacherForcingPair.input, encode(source))
    }

    /// The decoding step: the decoder rereads each whole prefix; the logits of its last position
    /// are the next token's.
    public func decodingStart(_ source: PaddedSequences) -> (step: DecodingStep<TransformerDecoderState<Scalar>>, state: TransformerDecoderState<Scalar>) {
        let step = DecodingStep<TransformerDecoderState<Scalar>>(
            next: { prefixes, state in
                let t = prefixes[0].count
                let logits = self.decode(IndexTensor(prefixes.flatMap { $0 }, shape: [prefixes.count, t]), state)
                return (logProbabilityRows(logits.sliced(dim: 1, (t - 1)..<t).squeezed(1)), state)
            },
            select: { state, rows in
                TransformerDecoderState(memory: state.memory.indexSelected(dim: 0, rows), memoryMask: state.memoryMask.indexSelected(dim: 0, rows))
            })
        return (step, encode(source))
    }
}
