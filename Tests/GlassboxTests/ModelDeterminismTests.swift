import Glassbox
import Testing

// SeedCNN, SmallVGG, the ViT and the LSTM take half a minute or more per step in a debug build
// (convolutions run about 100× slower there): those tests run in release builds only
// (`.slow`), as do the GPTs, the autoencoders, the VAE and the GANs (5–12 s each in the debug
// run, 46 s of its 282 s run serially). LeNet-5, the MLP and the character LSTM run in both.

/// Same seed + same build ⇒ the same weights after training steps of every reference model,
/// bitwise, for 1, 2 and 4 threads (extends ``DeterminismTests`` to the models in `Models/`).
@Suite("Reference models: training steps are bitwise identical for 1, 2 and 4 threads", .serialized)
struct ModelDeterminismTests {
    /// The bit patterns of every `stateDict()` entry (weights and BatchNorm buffers) by name.
    typealias State = [String: [UInt32]]

    static func bits(_ model: any Module<Float>) -> State {
        Dictionary(uniqueKeysWithValues: model.stateDict().map { ($0.name, $0.tensor.scalars.map(\.bitPattern)) })
    }

    /// Gives every dropout layer of `model` its own generator, seeded by its position, so the
    /// masks do not depend on the process-wide generator (which other suites draw from);
    /// returns the number of dropout layers.
    @discardableResult
    static func seedDropout(_ model: any Module<Float>, seed: inout UInt64) -> Int {
        var count = 0
        if let layer = model as? Dropout<Float> { layer.generator = RandomGenerator(seed: seed); count += 1 }
        if let layer = model as? Dropout2d<Float> { layer.generator = RandomGenerator(seed: seed); count += 1 }
        seed += 1
        for (_, child) in model.children { count += seedDropout(child, seed: &seed) }
        return count
    }

    /// The loss of a training step: `model` on the fixed batch `x` against the fixed labels.
    typealias Loss = (_ model: any Module<Float>, _ x: Tensor<Float>, _ labels: IndexTensor) -> Tensor<Float>

    /// Cross-entropy of the model's logits.
    static var classification: Loss { { model, x, labels in crossEntropy((model as! any Layer<Float>)(x), labels) } }

    /// Cross-entropy of a language model's logits `[B, T, vocabulary]` at every position.
    static var languageModel: Loss {
        { model, x, labels in
            let ids = IndexTensor(x.scalars.map { Int($0) }, shape: x.shape)
            let logits = (model as? GPT<Float>).map { $0(ids) } ?? (model as! CharLSTM<Float>)(ids)
            return crossEntropy(logits.reshaped([labels.shape[0], -1]), labels)
        }
    }

    /// The initial and trained state of a model made by `make` after `steps` Adam steps
    /// (`loss`, one fixed batch of `inputShape`, labels `(3i) mod 10`) on `threads` threads,
    /// and the losses. With `vocabulary`, the input holds token ids below it and there is a
    /// label `(3i) mod vocabulary` for every position (language models).
    static func train(
        threads: Int, inputShape: [Int], vocabulary: Int? = nil, steps: Int = 2, loss lossOf: Loss,
        make: (inout RandomGenerator) -> any Module<Float>
    ) -> (initial: State, trained: State, losses: [UInt32], dropoutLayers: Int) {
        let saved = Threading.threadCount
        Threading.threadCount = threads
        defer { Threading.threadCount = saved }
        var g = RandomGenerator(seed: 31)
        let model = make(&g)
        var dropoutSeed: UInt64 = 100
        let dropoutLayers = seedDropout(model, seed: &dropoutSeed)
        let positions = vocabulary == nil ? inputShape[0] : inputShape.reduce(1, *)
        let x = vocabulary.map { v in Tensor<Float>((0..<positions).map { _ in Float(g.nextInt(below: v)) }, shape: inputShape) }
            ?? Tensor<Float>.randn(inputShape, generator: &g)
        let labels = IndexTensor((0..<positions).map { ($0 * 3) % (vocabulary ?? 10) })
        let initial = bits(model)
        let optimizer = Adam(model.parameters, lr: 1e-3)
        var losses: [UInt32] = []
        for _ in 0..<steps {
            optimizer.zeroGrad()
            let loss = lossOf(model, x, labels)
            loss.backward()
            optimizer.step()
            losses.append(loss.item.bitPattern)
        }
        return (initial, bits(model), losses, dropoutLayers)
    }

    /// Trains on 1, 2 and 4 threads and expects identical bits (and that training changed
    /// every entry but those in `fixed`, so the comparison is not of untouched initial weights,
    /// and that the model has `dropoutLayers` dropout layers, all seeded).
    static func expectThreadCountInvariant(
        _ name: String, inputShape: [Int], vocabulary: Int? = nil, dropoutLayers: Int = 0, loss: Loss = classification,
        fixed: Set<String> = [], make: (inout RandomGenerator) -> any Module<Float>
    ) {
        expectThreadCountInvariant(name, dropoutLayers: dropoutLayers, fixed: fixed) {
            train(threads: $0, inputShape: inputShape, vocabulary: vocabulary, loss: loss, make: make)
        }
    }

    /// As ``train(threads:inputShape:vocabulary:steps:loss:make:)`` for a sequence-to-sequence
    /// model: its teacher-forced loss on one fixed batch of number-to-words pairs.
    static func trainSequenceModel<Model: SequenceToSequenceModel>(
        threads: Int, numbers: Int, steps: Int = 2, make: (inout RandomGenerator) -> Model
    ) -> (initial: State, trained: State, losses: [UInt32], dropoutLayers: Int) where Model.Scalar == Float {
        let saved = Threading.threadCount
        Threading.threadCount = threads
        defer { Threading.threadCount = saved }
        var g = RandomGenerator(seed: 31)
        let model = make(&g)
        var dropoutSeed: UInt64 = 100
        let dropoutLayers = seedDropout(model, seed: &dropoutSeed)
        let batch = NumberWords.batch(NumberWords.trainingNumbers(numbers, &g))
        let initial = bits(model)
        let optimizer = Adam(model.parameters, lr: 1e-3)
        var losses: [UInt32] = []
        for _ in 0..<steps {
            optimizer.zeroGrad()
            let loss = model.loss(source: batch.source, target: batch.target)
            loss.backward()
            optimizer.step()
            losses.append(loss.item.bitPattern)
        }
        return (initial, bits(model), losses, dropoutLayers)
    }

    /// Runs `train` on 1, 2 and 4 threads and expects identical bits, as above.
    static func expectThreadCountInvariant(
        _ name: String, dropoutLayers: Int = 0, fixed: Set<String> = [],
        train: (_ threads: Int) -> (initial: State, trained: State, losses: [UInt32], dropoutLayers: Int)
    ) {
        let reference = train(1)
        #expect(reference.dropoutLayers == dropoutLayers, "\(name): dropout layers")
        for (entry, value) in reference.trained where !fixed.contains(entry) {
            let changed = value != reference.initial[entry]  // a Bool: a failure prints no arrays
            #expect(changed, "\(name): \(entry) did not change")
        }
        for threads in [2, 4] {
            let run = train(threads)
            #expect(run.losses == reference.losses, "\(name): losses differ at \(threads) threads")
            for (entry, value) in reference.trained.sorted(by: { $0.key < $1.key }) {
                let same = run.trained[entry] == value
                #expect(same, "\(name): \(entry) differs at \(threads) threads")
            }
        }
    }

    // Debug builds run kernels ~100× slower: smaller batches there (still split over threads).
    #if DEBUG
    static let mlpBatch = 64, cnnBatch = 4, sequenceBatch = 8, generativeBatch = 4
    #else
    static let mlpBatch = 256, cnnBatch = 16, sequenceBatch = 64, generativeBatch = 64
    #endif

    @Test("MLP (64-128-64-10)")
    func mlp() {
        Self.expectThreadCountInvariant("MLP", inputShape: [Self.mlpBatch, 64]) { MLP<Float>(generator: &$0) }
    }

    @Test("SeedCNN", .slow)
    func seedCNN() {
        Self.expectThreadCountInvariant("SeedCNN", inputShape: [Self.cnnBatch, 1, 28, 28]) {
            makeSeedCNN(generator: &$0) as Sequential<Float>
        }
    }

    @Test("LeNet-5")
    func leNet5() {
        Self.expectThreadCountInvariant("LeNet5", inputShape: [Self.cnnBatch, 1, 28, 28]) {
            makeLeNet5(generator: &$0) as Sequential<Float>
        }
    }

    @Test("SmallVGG (BatchNorm buffers and seeded dropout included)", .slow)
    func smallVGG() {
        Self.expectThreadCountInvariant("SmallVGG", inputShape: [Self.cnnBatch, 1, 28, 28], dropoutLayers: 3) {
            makeSmallVGG(generator: &$0) as Sequential<Float>
        }
    }

    @Test("Vision transformer (attention kernel, layer norm, GELU)", .slow)
    func visionTransformer() {
        Self.expectThreadCountInvariant("ViT", inputShape: [Self.cnnBatch, 1, 28, 28], dropoutLayers: 12) {
            makeVisionTransformer(generator: &$0) as Sequential<Float>
        }
    }

    @Test("Sequential MNIST LSTM (2 layers of 256)", .slow)
    func sequentialMNIST() {
        Self.expectThreadCountInvariant("seqmnist", inputShape: [Self.cnnBatch, 1, 28, 28]) {
            makeSequentialMNIST(generator: &$0) as Sequential<Float>
        }
    }

    @Test("Captioner (CNN encoder, GRU decoder, embedding)", .slow)
    func captioner() {
        Self.expectThreadCountInvariant(
            "caption", inputShape: [Self.cnnBatch, 1, 28, 84],
            loss: { model, x, labels in
                (model as! Captioner<Float>).loss(x, captions: DigitStrips.captions(labels.indices.map { $0 * 97 % 1000 }))
            },
            make: { Captioner<Float>(generator: &$0) })
    }

    @Test("Forecaster (LSTM and GRU)", .slow, arguments: ForecasterCell.allCases)
    func forecaster(cell: ForecasterCell) {
        Self.expectThreadCountInvariant(
            "forecast \(cell)", inputShape: [Self.mlpBatch, 12, 1],
            loss: { model, x, labels in mseLoss((model as! Forecaster<Float>)(x), Tensor(labels.indices.map { Float($0) / 10 }, shape: [labels.shape[0], 1])) },
            fixed: ["difference_mean", "difference_std"],  // set from the data by fit, not trained
            make: { Forecaster<Float>(cell: cell, generator: &$0) })
    }

    @Test("Character GPT (2 blocks of d 32; attention kernel, layer norm, GELU; 5 dropout layers of p 0)", .slow)
    func gpt() {
        Self.expectThreadCountInvariant("GPT", inputShape: [Self.cnnBatch, 16], vocabulary: 20, dropoutLayers: 5, loss: Self.languageModel) {
            GPT<Float>(GPTConfig(vocabSize: 20, blockSize: 16, nLayer: 2, nHead: 2, nEmbd: 32), generator: &$0)
        }
    }

    @Test("Character GPT with dropout 0.1 (5 seeded dropout layers)", .slow)
    func gptDropout() {
        Self.expectThreadCountInvariant("GPT", inputShape: [Self.cnnBatch, 16], vocabulary: 20, dropoutLayers: 5, loss: Self.languageModel) {
            GPT<Float>(GPTConfig(vocabSize: 20, blockSize: 16, nLayer: 2, nHead: 2, nEmbd: 32, dropout: 0.1), generator: &$0)
        }
    }

    @Test("Character LSTM (2 layers of 32)")
    func charLSTM() {
        Self.expectThreadCountInvariant("CharLSTM", inputShape: [Self.cnnBatch, 16], vocabulary: 20, loss: Self.languageModel) {
            CharLSTM<Float>(vocabSize: 20, embeddingDim: 8, hiddenSize: 32, numLayers: 2, generator: &$0)
        }
    }

    @Test("Seq2Seq (bidirectional GRU, attention) on number words", .slow)
    func seq2seq() {
        Self.expectThreadCountInvariant("seq2seq") { threads in
            Self.trainSequenceModel(threads: threads, numbers: Self.sequenceBatch) {
                Seq2Seq<Float>(
                    sourceVocabularySize: NumberWords.sourceVocabulary.count, targetVocabularySize: NumberWords.targetVocabulary.count,
                    generator: &$0)
            }
        }
    }

    @Test("TransformerSeq2Seq on number words", .slow)
    func transformerSeq2Seq() {
        Self.expectThreadCountInvariant("transformer-seq2seq", dropoutLayers: 2 * 3 + 2 * 4) { threads in
            Self.trainSequenceModel(threads: threads, numbers: Self.sequenceBatch) {
                TransformerSeq2Seq<Float>(
                    sourceVocabularySize: NumberWords.sourceVocabulary.count, targetVocabularySize: NumberWords.targetVocabulary.count,
                    generator: &$0)
            }
        }
    }

    /// The summed BCE of an autoencoder's reconstruction of `sigmoid(x)` (pixels in (0, 1)).
    static var reconstruction: Loss {
        { model, x, _ in
            let autoencoder = model as! any Autoencoder<Float>
            let pixels = x.sigmoid()
            return binaryCrossEntropyWithLogits(autoencoder.decodeLogits(autoencoder.encode(pixels)), pixels, reduction: .sum)
        }
    }

    @Test("MLP autoencoder (2-D latent)", .slow)
    func mlpAutoencoder() {
        Self.expectThreadCountInvariant("MLPAutoencoder", inputShape: [Self.generativeBatch, 1, 28, 28], loss: Self.reconstruction) {
            MLPAutoencoder<Float>(latentSize: 2, generator: &$0)
        }
    }

    @Test("Convolutional autoencoder (transposed convolutions)", .slow)
    func convAutoencoder() {
        Self.expectThreadCountInvariant("ConvAutoencoder", inputShape: [Self.cnnBatch, 1, 28, 28], loss: Self.reconstruction) {
            ConvAutoencoder<Float>(generator: &$0)
        }
    }

    @Test("VAE (784-400-20, fixed noise)", .slow)
    func vae() {
        Self.expectThreadCountInvariant(
            "VAE", inputShape: [Self.generativeBatch, 1, 28, 28],
            loss: { model, x, _ in
                var noise = RandomGenerator(seed: 5)
                return (model as! VAE<Float>).loss(x.sigmoid(), generator: &noise).total
            }
        ) { VAE<Float>(generator: &$0) }
    }

    /// A GAN of width 8 (latent 16) whose "step" trains both players on one summed loss: the
    /// discriminator's loss on `x` squashed to [−1, 1] and the generator's, with fixed noise.
    static func ganSteps(_ objective: GANObjective, minibatch: Bool) -> (name: String, loss: Loss, make: (inout RandomGenerator) -> any Module<Float>) {
        let loss: Loss = { model, x, _ in
            let gan = model as! GAN<Float>
            var noise = RandomGenerator(seed: 5)
            return gan.discriminatorLoss(real: x.tanh(), objective: objective, generator: &noise).total
                + gan.generatorLoss(batchSize: x.shape[0], objective: objective, generator: &noise)
        }
        return ("GAN \(objective)", loss, { g in
            GAN<Float>(
                generator: makeDCGANGenerator(latentSize: 16, width: 8, generator: &g),
                discriminator: makeDCGANDiscriminator(
                    width: 8, batchNorm: objective == .nonSaturating, minibatchKernels: minibatch ? 4 : nil, generator: &g),
                latentSize: 16)
        })
    }

    @Test("DCGAN with minibatch discrimination (non-saturating losses of both players)", .slow)
    func dcgan() {
        let (name, loss, make) = Self.ganSteps(.nonSaturating, minibatch: true)
        Self.expectThreadCountInvariant(name, inputShape: [Self.cnnBatch, 1, 28, 28], loss: loss, make: make)
    }

    @Test("WGAN-GP (the gradient penalty's double backward through the critic)", .slow)
    func wganGP() {
        let (name, loss, make) = Self.ganSteps(.wassersteinGradientPenalty(lambda: 10), minibatch: false)
        Self.expectThreadCountInvariant(name, inputShape: [Self.cnnBatch, 1, 28, 28], loss: loss, make: make)
    }
}
