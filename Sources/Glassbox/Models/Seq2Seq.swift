/// The recurrent layer of a ``Seq2Seq`` model.
public enum Seq2SeqCell: String, Sendable, CaseIterable {
    /// ``GRU`` encoder and decoder.
    case gru
    /// ``LSTM`` encoder and decoder.
    case lstm
}

/// The decoding state of a ``Seq2Seq`` model, one row per sequence being decoded.
public struct RecurrentDecoderState<Scalar: TensorScalar> {
    /// The decoder's hidden state `[1, rows, D·H]`.
    public var h: Tensor<Scalar>
    /// The decoder's cell state `[1, rows, D·H]` (LSTM only).
    public var c: Tensor<Scalar>?
    /// The encoder outputs attended over, `[rows, S, D·H]`.
    public var memory: Tensor<Scalar>
    /// The additive key-padding mask of `memory`, `[rows, S]`.
    public var memoryMask: Tensor<Scalar>

    /// The rows `rows` of every tensor.
    func selecting(_ rows: [Int]) -> Self {
        RecurrentDecoderState(
            h: h.indexSelected(dim: 1, rows), c: c?.indexSelected(dim: 1, rows), memory: memory.indexSelected(dim: 0, rows),
            memoryMask: memoryMask.indexSelected(dim: 0, rows))
    }
}

/// A recurrent encoder–decoder with attention (Luong et al. 2015, "general" score, no input
/// feeding):
///
/// ```
/// encoder      e = Embedding(source),  (h̄_1 … h̄_S) = GRU/LSTM(e)     (bidirectional: D = 2)
/// bridge       s_0 = tanh(W_b [h̄→_S ; h̄←_1] + b_b)                     (decoder c_0 = 0 for LSTM)
/// decoder      s_t = GRU/LSTM(Embedding(y_{t−1}), s_{t−1})
/// attention    a_t = softmax_j(s_tᵀ W_a h̄_j + mask_j),  c_t = Σ_j a_tj h̄_j
/// output       h̃_t = tanh(W_c [c_t ; s_t]),  logits_t = W_o h̃_t + b_o
/// ```
///
/// The decoder's hidden size is the encoder output size `D·H`. Without input feeding the
/// attention at step `t` depends only on `s_t`, so with full teacher forcing the decoder runs as
/// one fused recurrent layer over the whole target and the attention as one batched
/// ``scaledDotProductAttention(query:key:value:attnMask:keyPaddingMask:isCausal:scale:)`` (scale 1);
/// with ``teacherForcingRatio`` below 1 it runs step by step, feeding back its own argmax
/// predictions. Source padding is masked out of the encoder (per-row `lengths`) and of the
/// attention (key-padding mask); target padding is ignored by the loss.
///
/// Children (names): `src_embed`, `encoder`, `bridge`, `tgt_embed`, `decoder`, `attn`
/// (`W_a`, no bias), `combine` (`W_c`, no bias), `out`.
public final class Seq2Seq<Scalar: TensorScalar>: SequenceToSequenceModel {
    /// The recurrent layer kind.
    public let cell: Seq2SeqCell
    /// Whether the encoder reads the source in both directions.
    public let bidirectional: Bool
    /// Source token embeddings (padding row 0).
    public let sourceEmbedding: Embedding<Scalar>
    /// The encoder, a ``GRU`` or ``LSTM`` (batch first).
    public let encoder: any Module<Scalar>
    /// The encoder's final states → the decoder's initial hidden state.
    public let bridge: Linear<Scalar>
    /// Target token embeddings (padding row 0).
    public let targetEmbedding: Embedding<Scalar>
    /// The decoder, a one-layer ``GRU`` or ``LSTM`` (batch first).
    public let decoder: any Module<Scalar>
    /// `W_a` of the general attention score.
    public let attention: Linear<Scalar>
    /// `W_c`, combining context and decoder state.
    public let combine: Linear<Scalar>
    /// The output projection to target-vocabulary logits.
    public let output: Linear<Scalar>
    /// The probability of feeding the true previous token (rather than the model's own
    /// prediction) during training; 1 is full teacher forcing.
    public var teacherForcingRatio: Double = 1
    /// The random stream of the teacher-forcing choices.
    public var generator: RandomGenerator
    /// Training mode.
    public var isTraining = true

    /// Creates the model, initialised from `generator` (each layer with PyTorch's default
    /// initialisation).
    ///
    /// - Parameters:
    ///   - hiddenSize: the encoder's hidden size `H` per direction; the decoder's is `D·H`.
    public init(
        sourceVocabularySize: Int, targetVocabularySize: Int, embeddingDim: Int = 64, hiddenSize: Int = 64,
        cell: Seq2SeqCell = .gru, bidirectional: Bool = true, generator: inout RandomGenerator
    ) {
        precondition(
            sourceVocabularySize > 0 && targetVocabularySize > 0 && embeddingDim > 0 && hiddenSize > 0,
            "Seq2Seq: sizes must be positive, got vocabularies (\(sourceVocabularySize), \(targetVocabularySize)), embeddingDim \(embeddingDim), hiddenSize \(hiddenSize)")
        self.cell = cell
        self.bidirectional = bidirectional
        let memorySize = (bidirectional ? 2 : 1) * hiddenSize
        func recurrent(_ input: Int, _ hidden: Int, _ both: Bool) -> any Module<Scalar> {
            switch cell {
            case .gru: GRU<Scalar>(inputSize: input, hiddenSize: hidden, batchFirst: true, bidirectional: both, generator: &generator)
            case .lstm: LSTM<Scalar>(inputSize: input, hiddenSize: hidden, batchFirst: true, bidirectional: both, generator: &generator)
            }
        }
        sourceEmbedding = Embedding(numEmbeddings: sourceVocabularySize, embeddingDim: embeddingDim, paddingIdx: Vocabulary.padding, generator: &generator)
        encoder = recurrent(embeddingDim, hiddenSize, bidirectional)
        bridge = Linear(inFeatures: memorySize, outFeatures: memorySize, generator: &generator)
        targetEmbedding = Embedding(numEmbeddings: targetVocabularySize, embeddingDim: embeddingDim, paddingIdx: Vocabulary.padding, generator: &generator)
        decoder = recurrent(embeddingDim, memorySize, false)
        attention = Linear(inFeatures: memorySize, outFeatures: memorySize, bias: false, generator: &generator)
        combine = Linear(inFeatures: 2 * memorySize, outFeatures: memorySize, bias: false, generator: &generator)
        output = Linear(inFeatures: memorySize, outFeatures: targetVocabularySize, generator: &generator)
        self.generator = RandomGenerator(seed: generator.next())
    }

    /// The children in registration order.
    public var children: [(name: String, module: any Module<Scalar>)] {
        [
            ("src_embed", sourceEmbedding), ("encoder", encoder), ("bridge", bridge), ("tgt_embed", targetEmbedding),
            ("decoder", decoder), ("attn", attention), ("combine", combine), ("out", output),
        ]
    }

    /// Runs a recurrent layer: `[B, T, I]` from `state` (zeros when nil).
    private func run(_ layer: any Module<Scalar>, _ input: Tensor<Scalar>, h: Tensor<Scalar>?, c: Tensor<Scalar>?, lengths: [Int]?)
        -> (output: Tensor<Scalar>, h: Tensor<Scalar>, c: Tensor<Scalar>?)
    {
        if let gru = layer as? GRU<Scalar> {
            let r = gru(input, h0: h, lengths: lengths)
            return (r.output, r.hN, nil)
        }
        let lstm = layer as! LSTM<Scalar>
        let r = lstm(input, state: h.map { ($0, c!) }, lengths: lengths)
        return (r.output, r.hN, r.cN)
    }

    /// The encoder outputs and the decoder's initial state for `source`.
    public func encode(_ source: PaddedSequences) -> RecurrentDecoderState<Scalar> {
        precondition(source.lengths.allSatisfy { $0 > 0 }, "Seq2Seq: every source sequence needs a token, got lengths \(source.lengths)")
        let encoded = run(encoder, sourceEmbedding(source.ids), h: nil, c: nil, lengths: source.lengths)
        // hN is [D, B, H]: the final forward state (and the backward one, at position 1).
        let b = source.lengths.count
        let final = encoded.h.permuted([1, 0, 2]).reshaped([b, encoded.h.shape[0] * encoded.h.shape[2]])
        let h0 = bridge(final).tanh().unsqueezed(0)
        return RecurrentDecoderState(
            h: h0, c: cell == .lstm ? Tensor.zeros(h0.shape) : nil, memory: encoded.output,
            memoryMask: source.keyPaddingMask(as: Scalar.self))
    }

    /// The logits `[B, T, V]` of the next tokens after `tokens` `[B, T]`, from `state`, and the
    /// state after them.
    public func decode(_ tokens: IndexTensor, _ state: RecurrentDecoderState<Scalar>) -> (
        logits: Tensor<Scalar>, state: RecurrentDecoderState<Scalar>
    ) {
        let decoded = run(decoder, targetEmbedding(tokens), h: state.h, c: state.c, lengths: nil)
        let s = decoded.output  // [B, T, D·H]
        let context = scaledDotProductAttention(
            query: attention(s), key: state.memory, value: state.memory, keyPaddingMask: state.memoryMask, scale: 1)
        let attended = combine(Tensor.concat([context, s], dim: 2)).tanh()
        var next = state
        next.h = decoded.h
        next.c = decoded.c
        return (output(attended), next)
    }

    /// Teacher-forced logits (see ``SequenceToSequenceModel``); in training mode with
    /// ``teacherForcingRatio`` below 1, each row's input at each step is its true previous
    /// token with that probability, else the model's own previous argmax.
    public func teacherForcedLogits(source: PaddedSequences, target: PaddedSequences) -> Tensor<Scalar> {
        let state = encode(source)
        let input = target.teacherForcingPair.input
        guard isTraining && teacherForcingRatio < 1 else { return decode(input, state).logits }
        let (b, t) = (input.shape[0], input.shape[1])
        var current = state
        var steps: [Tensor<Scalar>] = []
        var previous = [Int](repeating: Vocabulary.beginning, count: b)
        for step in 0..<t {
            let tokens = (0..<b).map { r in
                step == 0 || generator.nextUniform() < teacherForcingRatio ? input.indices[r * t + step] : previous[r]
            }
            let out = decode(IndexTensor(tokens, shape: [b, 1]), current)
            current = out.state
            steps.append(out.logits)
            previous = out.logits.detached().argmax(dim: 2).indices
        }
        return Tensor.concat(steps, dim: 1)
    }

    /// The decoding step: each prefix's last token advances its row's decoder state.
    public func decodingStart(_ source: PaddedSequences) -> (step: DecodingStep<RecurrentDecoderState<Scalar>>, state: RecurrentDecoderState<Scalar>) {
        let step = DecodingStep<RecurrentDecoderState<Scalar>>(
            next: { prefixes, state in
                let out = self.decode(IndexTensor(prefixes.map { $0.last! }, shape: [prefixes.count, 1]), state)
                return (logProbabilityRows(out.logits.squeezed(1)), out.state)
            },
            select: { state, rows in state.selecting(rows) })
        return (step, encode(source))
    }
}
