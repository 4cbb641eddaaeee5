/// An encoder–decoder model that translates token sequences: trained with teacher forcing
/// (``teacherForcedLogits(source:target:)`` and ``loss(source:target:)``), decoded greedily or
/// by beam search (``translate(_:beamWidth:maxLength:lengthPenalty:)``) through its
/// ``DecodingStep``. ``Seq2Seq`` (recurrent, with attention) and ``TransformerSeq2Seq`` conform.
///
/// Sources are unframed id sequences; targets are framed `<bos> … <eos>` (``Vocabulary``), both
/// padded with ``Vocabulary/padding``, which never contributes to a result.
public protocol SequenceToSequenceModel: Module {
    /// The per-row decoding state (hidden states, encoder memory).
    associatedtype DecoderState

    /// The logits `[B, T − 1, targetVocabularySize]` of target tokens `1..<T` given tokens
    /// `0..<T − 1` of `target` (`[B, T]`, teacher forcing) and `source`.
    func teacherForcedLogits(source: PaddedSequences, target: PaddedSequences) -> Tensor<Scalar>

    /// Encodes `source` and returns the decoding step and its initial state (one row per
    /// source sequence).
    func decodingStart(_ source: PaddedSequences) -> (step: DecodingStep<DecoderState>, state: DecoderState)
}

extension PaddedSequences {
    /// The decoder inputs (columns `0..<T − 1`) and the targets (columns `1..<T`) of framed
    /// sequences, each `[B, T − 1]`.
    ///
    /// - Precondition: the sequences are at least 2 tokens long.
    public var teacherForcingPair: (input: IndexTensor, output: IndexTensor) {
        let rows = ids.shape[0], length = ids.shape[1]
        precondition(length >= 2, "PaddedSequences.teacherForcingPair: sequences of length \(length) hold no next token")
        var input: [Int] = [], output: [Int] = []
        for r in 0..<rows {
            input += ids.indices[(r * length)..<(r * length + length - 1)]
            output += ids.indices[(r * length + 1)..<(r * length + length)]
        }
        return (IndexTensor(input, shape: [rows, length - 1]), IndexTensor(output, shape: [rows, length - 1]))
    }

    /// The additive key-padding mask `[B, S]` of the sequences: 0 at valid positions, −∞ at padding.
    public func keyPaddingMask<Scalar: TensorScalar>(as _: Scalar.Type = Scalar.self) -> Tensor<Scalar> {
        let rows = ids.shape[0], length = ids.shape[1]
        var mask = [Scalar](repeating: 0, count: rows * length)
        for r in 0..<rows {
            for t in lengths[r]..<length { mask[r * length + t] = -.infinity }
        }
        return Tensor(mask, shape: [rows, length])
    }
}

extension SequenceToSequenceModel {
    /// The mean cross-entropy of the teacher-forced next-token predictions over the non-padding
    /// target positions (padding is `ignoreIndex`).
    public func loss(source: PaddedSequences, target: PaddedSequences) -> Tensor<Scalar> {
        let logits = teacherForcedLogits(source: source, target: target)
        let (b, t, v) = (logits.shape[0], logits.shape[1], logits.shape[2])
        let expected = target.teacherForcingPair.output
        return crossEntropy(logits.reshaped([b * t, v]), IndexTensor(expected.indices), ignoreIndex: Vocabulary.padding)
    }

    /// Decodes every sequence of `source`: greedily for `beamWidth == 1`, else by beam search,
    /// without recording gradients.
    ///
    /// - Parameters:
    ///   - maxLength: the most tokens generated per sequence (the end token included).
    ///   - lengthPenalty: the exponent of the length normalisation (see ``Hypothesis/score``).
    public func translate(_ source: PaddedSequences, beamWidth: Int = 1, maxLength: Int, lengthPenalty: Double = 1) -> [Hypothesis] {
        withoutGrad {
            let start = decodingStart(source)
            let count = source.lengths.count
            return beamWidth == 1
                ? greedySearch(start.step, initialState: start.state, batchSize: count, maxLength: maxLength, lengthPenalty: lengthPenalty)
                : beamSearch(
                    start.step, initialState: start.state, batchSize: count, beamWidth: beamWidth, maxLength: maxLength,
                    lengthPenalty: lengthPenalty)
        }
    }
}

/// The log-softmax of each row of `logits` `[rows, V]`, as `Double` rows (for the searches).
func logProbabilityRows<Scalar>(_ logits: Tensor<Scalar>) -> [[Double]] {
    let v = logits.shape[1]
    let values = logits.logSoftmax(dim: 1).scalars
    return (0..<logits.shape[0]).map { r in values[(r * v)..<(r * v + v)].map { Double($0) } }
}
