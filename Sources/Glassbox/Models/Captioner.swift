/// An image captioner: a convolutional encoder whose feature vector is both the initial state
/// of a GRU decoder over the caption's words and part of its input at every step (the "show
/// and tell" layout, with the image fed at each step), for the ``DigitStrips`` task (a 28 × 84
/// strip of three digits → "seven two nine").
///
/// ```
/// image   [N, 1, 28, 84]
/// encoder: 0 Conv2d(1, 16, 3)  1 ReLU  2 MaxPool2d(2)    → [N, 16, 13, 41]
///          3 Conv2d(16, 32, 3) 4 ReLU  5 MaxPool2d(2)    → [N, 32, 5, 19]
///          6 Flatten  7 Linear(3040, H)  8 Tanh           → f [N, H]
/// decoder: embedding  Embedding(V, E)                    words → [N, T, E]
///          decoder    GRU(E + H → H), h₀ = f, input [embed(w), f] → [N, T, H]
///          fc         Linear(H, V)                       → logits [N, T, V]
/// ```
///
/// With `x` the image and `w₀ = <bos>, w₁, …` the caption: `f = tanh(W·cnn(x) + b)`, `h₀ = f`,
/// `hₜ = GRU([embed(wₜ₋₁), f], hₜ₋₁)`, `p(wₜ | w<ₜ, x) = softmax(fc(hₜ))`. Training uses teacher
/// forcing (the true previous word is fed, ``loss(_:captions:)``); inference feeds back the
/// most likely word until `<eos>` (``greedyDecode(_:maxLength:)``).
///
/// Parameter names are those of a PyTorch module with attributes `encoder` (an
/// `nn.Sequential`), `embedding`, `decoder` (`nn.GRU(batch_first=True)`) and `fc`.
public final class Captioner<Scalar: TensorScalar>: Module {
    /// The convolutional encoder: image `[N, 1, H, W]` → features `[N, hiddenSize]` (the
    /// decoder's initial state and per-step input).
    public let encoder: Sequential<Scalar>
    /// The word embedding, `[vocabularySize, embeddingDim]` (`<pad>` row not trained).
    public let embedding: Embedding<Scalar>
    /// The recurrent decoder (batch first, one layer; input: word vector and image features).
    public let decoder: GRU<Scalar>
    /// The output layer, hidden state → word logits.
    public let fc: Linear<Scalar>
    /// Whether the module is in training mode (no effect: the captioner has no dropout or
    /// batch norm).
    public var isTraining = true

    /// Creates a captioner with weights drawn from `generator` (PyTorch's default
    /// initialisation of each layer).
    ///
    /// - Parameters:
    ///   - vocabularySize: the number of word ids (13 for ``DigitStrips/vocabulary``).
    ///   - imageHeight: image rows (28).
    ///   - imageWidth: image columns (84).
    ///   - embeddingDim: the size of a word vector.
    ///   - hiddenSize: the decoder's hidden size `H` (and the encoder's output size).
    public init(
        vocabularySize: Int = DigitStrips.vocabulary.count, imageHeight: Int = 28, imageWidth: Int = 84,
        embeddingDim: Int = 32, hiddenSize: Int = 128, generator: inout RandomGenerator
    ) {
        let height = ((imageHeight - 2) / 2 - 2) / 2, width = ((imageWidth - 2) / 2 - 2) / 2
        precondition(height > 0 && width > 0, "Captioner: image \(imageHeight)x\(imageWidth) is too small (need at least 10x10)")
        encoder = Sequential(
            Conv2d(inChannels: 1, outChannels: 16, kernelSize: 3, generator: &generator),
            ReLU(),
            MaxPool2d(kernelSize: 2),
            Conv2d(inChannels: 16, outChannels: 32, kernelSize: 3, generator: &generator),
            ReLU(),
            MaxPool2d(kernelSize: 2),
            Flatten(),
            Linear(inFeatures: 32 * height * width, outFeatures: hiddenSize, generator: &generator),
            Tanh())
        embedding = Embedding(
            numEmbeddings: vocabularySize, embeddingDim: embeddingDim, paddingIdx: Vocabulary.padding, generator: &generator)
        decoder = GRU(inputSize: embeddingDim + hiddenSize, hiddenSize: hiddenSize, batchFirst: true, generator: &generator)
        fc = Linear(inFeatures: hiddenSize, outFeatures: vocabularySize, generator: &generator)
    }

    /// `encoder`, `embedding`, `decoder`, `fc`.
    public var children: [(name: String, module: any Module<Scalar>)] {
        [("encoder", encoder), ("embedding", embedding), ("decoder", decoder), ("fc", fc)]
    }

    /// Teacher-forced word logits: `[N, T, vocabularySize]` for `images` `[N, 1, H, W]` and
    /// the decoder's input words `words` `[N, T]` (a caption without its last token), where
    /// step `t` predicts word `t + 1`.
    ///
    /// - Precondition: `words` has `N` rows.
    public func callAsFunction(_ images: Tensor<Scalar>, words: IndexTensor) -> Tensor<Scalar> {
        precondition(
            words.shape.count == 2 && words.shape[0] == images.shape[0],
            "Captioner: words \(words.shape) must be [N, T] for images \(images.shape)")
        let features = encoder(images)
        return fc(decode(words, features: features, state: features.unsqueezed(0)).output)
    }

    /// The decoder run over `words` `[N, T]` from `state` `[1, N, H]`, each step reading the
    /// word's vector and `features` `[N, H]`.
    private func decode(_ words: IndexTensor, features: Tensor<Scalar>, state: Tensor<Scalar>) -> (output: Tensor<Scalar>, hN: Tensor<Scalar>) {
        let steps = words.shape[1]
        let repeated = features.unsqueezed(1).expanded(to: [features.shape[0], steps, features.shape[1]])
        return decoder(Tensor.concat([embedding(words), repeated], dim: 2), h0: state)
    }

    /// The mean cross-entropy of predicting each word of `captions` (`<bos> … <eos>`, as
    /// ``DigitStrips/captions(_:)`` makes them) from the previous ones and the image; `<pad>`
    /// targets are ignored.
    ///
    /// - Precondition: `captions` has one row per image and at least two tokens.
    public func loss(_ images: Tensor<Scalar>, captions: PaddedSequences) -> Tensor<Scalar> {
        let count = captions.ids.shape[0], length = captions.ids.shape[1]
        precondition(count == images.shape[0] && length >= 2, "Captioner.loss: captions \(captions.ids.shape) for images \(images.shape)")
        let ids = captions.ids.indices
        let rows = (0..<count).map { ids[($0 * length)..<(($0 + 1) * length)] }
        let inputs = IndexTensor(rows.flatMap { $0.dropLast() }, shape: [count, length - 1])
        let targets = IndexTensor(rows.flatMap { $0.dropFirst() }, shape: [count * (length - 1)])
        let logits = self(images, words: inputs)
        return crossEntropy(logits.reshaped([count * (length - 1), fc.outFeatures]), targets, ignoreIndex: Vocabulary.padding)
    }

    /// Greedy decoding: for each image, the word ids obtained by feeding back the most likely
    /// word from `<bos>` until `<eos>` (not included) or `maxLength` words. Runs without
    /// recording gradients.
    public func greedyDecode(_ images: Tensor<Scalar>, maxLength: Int = DigitStrips.length + 1) -> [[Int]] {
        withoutGrad {
            let count = images.shape[0]
            let features = encoder(images)
            var state = features.unsqueezed(0)
            var words = [Int](repeating: Vocabulary.beginning, count: count)
            var result = [[Int]](repeating: [], count: count)
            var finished = [Bool](repeating: false, count: count)
            for _ in 0..<maxLength where finished.contains(false) {
                let step = decode(IndexTensor(words, shape: [count, 1]), features: features, state: state)
                state = step.hN
                words = fc(step.output.reshaped([count, decoder.hiddenSize])).argmax(dim: 1).indices
                for row in 0..<count where !finished[row] {
                    if words[row] == Vocabulary.end { finished[row] = true } else { result[row].append(words[row]) }
                }
            }
            return result
        }
    }
}

extension Captioner {
    /// The number of `strips` whose greedy caption (``greedyDecode(_:maxLength:)``) is exactly
    /// their three words, evaluated in batches of `batchSize` (in evaluation mode; the mode is
    /// restored after).
    public func exactMatches(on strips: ImageDataset<Scalar>, batchSize: Int = 250) -> Int {
        let wasTraining = isTraining
        eval()
        defer { train(wasTraining) }
        var correct = 0
        for start in stride(from: 0, to: strips.count, by: batchSize) {
            let batch = strips.batch(Array(start..<Swift.min(start + batchSize, strips.count)))
            let decoded = greedyDecode(batch.features)
            for (words, label) in zip(decoded, batch.labels.indices) where words == DigitStrips.vocabulary.encode(DigitStrips.words(label)) {
                correct += 1
            }
        }
        return correct
    }
}
