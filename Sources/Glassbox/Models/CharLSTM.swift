/// A recurrent character language model (Karpathy's char-rnn, PyTorch's
/// `word_language_model` with an LSTM):
///
/// ```
/// x = embedding[ids]                    [B, T] → [B, T, embeddingDim]
/// h, (h_n, c_n) = lstm(x, (h_0, c_0))   LSTM(embeddingDim → hiddenSize, numLayers), batch first
/// logits = fc(h)                        [B, T, vocabSize]
/// ```
///
/// Parameters: `embedding.weight`, `lstm.weight_ih_l0` …, `fc.weight`, `fc.bias`. Sampling is
/// stateful: ``callAsFunction(_:state:)`` returns the LSTM state after the last position, which
/// the next call continues from, so each new character costs one LSTM step.
public final class CharLSTM<Scalar: TensorScalar>: Module {
    /// The token embeddings.
    public let embedding: Embedding<Scalar>
    /// The recurrent layers (batch first).
    public let lstm: LSTM<Scalar>
    /// The output projection to logits.
    public let fc: Linear<Scalar>
    /// Whether the LSTM's inter-layer dropout is applied.
    public var isTraining = true

    /// The LSTM state `(h, c)`, each `[numLayers, B, hiddenSize]`.
    public typealias State = (h: Tensor<Scalar>, c: Tensor<Scalar>)

    /// Creates the model, initialised from `generator` (PyTorch's layer initialisations).
    public init(
        vocabSize: Int, embeddingDim: Int = 64, hiddenSize: Int = 512, numLayers: Int = 1, dropout: Double = 0,
        generator: inout RandomGenerator
    ) {
        embedding = Embedding(numEmbeddings: vocabSize, embeddingDim: embeddingDim, generator: &generator)
        lstm = LSTM(
            inputSize: embeddingDim, hiddenSize: hiddenSize, numLayers: numLayers, batchFirst: true, dropout: dropout,
            generator: &generator)
        fc = Linear(inFeatures: hiddenSize, outFeatures: vocabSize, generator: &generator)
    }

    /// `embedding`, `lstm`, `fc`.
    public var children: [(name: String, module: any Module<Scalar>)] {
        [("embedding", embedding), ("lstm", lstm), ("fc", fc)]
    }

    /// The number of token ids.
    public var vocabSize: Int { fc.outFeatures }

    /// The logits `[B, T, vocabSize]` of `ids` `[B, T]` from zero initial states.
    public func callAsFunction(_ ids: IndexTensor) -> Tensor<Scalar> {
        self(ids, state: nil).logits
    }

    /// The logits `[B, T, vocabSize]` of `ids` `[B, T]` read after `state` (zeros when `nil`),
    /// and the state after the last position.
    public func callAsFunction(_ ids: IndexTensor, state: State?) -> (logits: Tensor<Scalar>, state: State) {
        precondition(ids.shape.count == 2, "CharLSTM: ids \(ids.shape), expected [B, T]")
        let r = lstm(embedding(ids), state: state.map { (h0: $0.h, c0: $0.c) })
        return (fc(r.output), (r.hN, r.cN))
    }

    /// Continues `prompt` (ids, not empty) by `count` tokens drawn by `sampler`: the prompt is
    /// read once, then each drawn token is fed alone, carrying the LSTM state.
    public func generate(_ prompt: [Int], count: Int, sampler: TokenSampler, generator: inout RandomGenerator) -> [Int] {
        precondition(!prompt.isEmpty, "CharLSTM.generate: the prompt is empty")
        return withoutGrad {
            var (logits, state) = self(IndexTensor(prompt, shape: [1, prompt.count]), state: nil)
            var produced: [Int] = []
            while produced.count < count {
                let next = sampler.sample(lastRow(of: logits), generator: &generator)
                produced.append(next)
                if produced.count < count { (logits, state) = self(IndexTensor([next], shape: [1, 1]), state: state) }
            }
            return produced
        }
    }
}
