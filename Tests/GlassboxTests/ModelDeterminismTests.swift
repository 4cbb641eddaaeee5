import Glassbox
import Testing

// SeedCNN, SmallVGG, the ViT and the LSTM take half a minute or more per step in a debug build
// (convolutions run about 100× slower there): those tests run in release builds only
// (`isReleaseBuild`, VisionCLITests.swift); LeNet-5, a tenth of the work, runs in both.

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

    /// A training loss of a model's output for a batch `x`: classifiers use cross-entropy with
    /// fixed labels; generative models pass their own (the model and the input are given).
    typealias Loss = @Sendable (_ model: any Module<Float>, _ x: Tensor<Float>) -> Tensor<Float>

    /// Cross-entropy of the logits against labels `(3i) mod 10`.
    static let classification: Loss = { model, x in
        crossEntropy(model(x), IndexTensor((0..<x.shape[0]).map { ($0 * 3) % 10 }))
    }

    /// The initial and trained state of a model made by `make` after `steps` Adam steps
    /// (`loss`, one fixed batch of `inputShape`) on `threads` threads, and the losses.
    static func train(
        threads: Int, inputShape: [Int], steps: Int = 2, loss lossFunction: Loss,
        make: (inout RandomGenerator) -> any Module<Float>
    ) -> (initial: State, trained: State, losses: [UInt32], dropoutLayers: Int) {
        let saved = Threading.threadCount
        Threading.threadCount = threads
        defer { Threading.threadCount = saved }
        var g = RandomGenerator(seed: 31)
        let model = make(&g)
        var dropoutSeed: UInt64 = 100
        let dropoutLayers = seedDropout(model, seed: &dropoutSeed)
        let x = Tensor<Float>.randn(inputShape, generator: &g)
        let initial = bits(model)
        let optimizer = Adam(model.parameters, lr: 1e-3)
        var losses: [UInt32] = []
        for _ in 0..<steps {
            optimizer.zeroGrad()
            let loss = lossFunction(model, x)
            loss.backward()
            optimizer.step()
            losses.append(loss.item.bitPattern)
        }
        return (initial, bits(model), losses, dropoutLayers)
    }

    /// Trains on 1, 2 and 4 threads and expects identical bits (and that training changed
    /// every entry, so the comparison is not of untouched initial weights, and that the model
    /// has `dropoutLayers` dropout layers, all seeded).
    static func expectThreadCountInvariant(
        _ name: String, inputShape: [Int], dropoutLayers: Int = 0, loss: Loss = classification,
        make: (inout RandomGenerator) -> any Module<Float>
    ) {
        let reference = train(threads: 1, inputShape: inputShape, loss: loss, make: make)
        #expect(reference.dropoutLayers == dropoutLayers, "\(name): dropout layers")
        for (entry, value) in reference.trained {
            let changed = value != reference.initial[entry]  // a Bool: a failure prints no arrays
            #expect(changed, "\(name): \(entry) did not change")
        }
        for threads in [2, 4] {
            let run = train(threads: threads, inputShape: inputShape, loss: loss, make: make)
            #expect(run.losses == reference.losses, "\(name): losses differ at \(threads) threads")
            for (entry, value) in reference.trained.sorted(by: { $0.key < $1.key }) {
                let same = run.trained[entry] == value
                #expect(same, "\(name): \(entry) differs at \(threads) threads")
            }
        }
    }

    // Debug builds run kernels ~100× slower: smaller batches there (still split over threads).
    #if DEBUG
    static let mlpBatch = 64, cnnBatch = 4, generativeBatch = 4
    #else
    static let mlpBatch = 256, cnnBatch = 16, generativeBatch = 64
    #endif

    @Test("MLP (64-128-64-10)")
    func mlp() {
        Self.expectThreadCountInvariant("MLP", inputShape: [Self.mlpBatch, 64]) { MLP<Float>(generator: &$0) }
    }

    @Test("SeedCNN", .enabled(if: isReleaseBuild, "release builds only"))
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

    @Test("SmallVGG (BatchNorm buffers and seeded dropout included)", .enabled(if: isReleaseBuild, "release builds only"))
    func smallVGG() {
        Self.expectThreadCountInvariant("SmallVGG", inputShape: [Self.cnnBatch, 1, 28, 28], dropoutLayers: 3) {
            makeSmallVGG(generator: &$0) as Sequential<Float>
        }
    }

    @Test("Vision transformer (attention kernel, layer norm, GELU)", .enabled(if: isReleaseBuild, "release builds only"))
    func visionTransformer() {
        Self.expectThreadCountInvariant("ViT", inputShape: [Self.cnnBatch, 1, 28, 28], dropoutLayers: 12) {
            makeVisionTransformer(generator: &$0) as Sequential<Float>
        }
    }

    @Test("Sequential MNIST LSTM (2 layers of 256)", .enabled(if: isReleaseBuild, "release builds only"))
    func sequentialMNIST() {
        Self.expectThreadCountInvariant("seqmnist", inputShape: [Self.cnnBatch, 1, 28, 28]) {
            makeSequentialMNIST(generator: &$0) as Sequential<Float>
        }
    }

    /// The summed BCE of an autoencoder's reconstruction of `sigmoid(x)` (pixels in (0, 1)).
    static let reconstruction: Loss = { model, x in
        let autoencoder = model as! any Autoencoder<Float>
        let pixels = x.sigmoid()
        return binaryCrossEntropyWithLogits(autoencoder.decodeLogits(autoencoder.encode(pixels)), pixels, reduction: .sum)
    }

    @Test("MLP autoencoder (2-D latent)")
    func mlpAutoencoder() {
        Self.expectThreadCountInvariant("MLPAutoencoder", inputShape: [Self.generativeBatch, 1, 28, 28], loss: Self.reconstruction) {
            MLPAutoencoder<Float>(latentSize: 2, generator: &$0)
        }
    }

    @Test("Convolutional autoencoder (transposed convolutions)", .enabled(if: isReleaseBuild, "release builds only"))
    func convAutoencoder() {
        Self.expectThreadCountInvariant("ConvAutoencoder", inputShape: [Self.cnnBatch, 1, 28, 28], loss: Self.reconstruction) {
            ConvAutoencoder<Float>(generator: &$0)
        }
    }

    @Test("VAE (784-400-20, fixed noise)")
    func vae() {
        Self.expectThreadCountInvariant(
            "VAE", inputShape: [Self.generativeBatch, 1, 28, 28],
            loss: { model, x in
                var noise = RandomGenerator(seed: 5)
                return (model as! VAE<Float>).loss(x.sigmoid(), generator: &noise).total
            }
        ) { VAE<Float>(generator: &$0) }
    }
}
