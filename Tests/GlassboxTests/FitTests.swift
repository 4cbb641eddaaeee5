import Foundation
import Glassbox
import Testing

@Suite("Keras-style fit, evaluate, predict")
struct FitTests {
    /// 200 points of a 3-class problem in 4 dimensions.
    static func dataset() -> LabeledDataset<Float> {
        var g = RandomGenerator(seed: 1)
        let x = Tensor<Float>.randn([200, 4], generator: &g)
        let labels = (0..<200).map { i -> Int in
            let row = x.scalars[(i * 4)..<(i * 4 + 4)].map { $0 }
            return row[0] + row[1] > 0.5 ? 0 : (row[2] > 0 ? 1 : 2)
        }
        return LabeledDataset(features: x, labels: IndexTensor(labels), classCount: 3)
    }

    /// A small classifier, with dropout when `dropout` (which draws from the process-wide
    /// generator, so tests that must be bitwise reproducible leave it out: other suites draw
    /// from that generator concurrently).
    static func model(seed: UInt64, dropout: Bool = true) -> Sequential<Float> {
        var g = RandomGenerator(seed: seed)
        return Sequential(
            [Linear<Float>(inFeatures: 4, outFeatures: 16, generator: &g), ReLU()]
                + (dropout ? [Dropout(p: 0.2)] : [])
                + [Linear<Float>(inFeatures: 16, outFeatures: 3, generator: &g)])
    }

    @Test("fit learns, reports per-epoch metrics and validates on the last fraction")
    func learns() throws {
        let data = Self.dataset()
        let model = Self.model(seed: 2)
        let history = try model.fit(
            data, epochs: 8, batchSize: 16, optimizer: Adam(model.parameters, lr: 0.01),
            validationSplit: 0.25, verbose: false)
        #expect(history.map(\.epoch) == Array(1...8))
        #expect(history.last!.loss < history.first!.loss / 2)
        #expect(history.allSatisfy { $0.validationLoss != nil && $0.learningRate == 0.01 })
        // The validation metrics are those of the last 50 samples, in evaluation mode.
        let last = LabeledDataset(
            features: data.features.sliced(dim: 0, 150..<200),
            labels: IndexTensor(Array(data.labels.indices[150...])), classCount: 3)
        let evaluated = model.evaluate(last)
        #expect(history.last!.validationLoss == evaluated.loss)
        #expect(history.last!.validationAccuracy == evaluated.accuracy)
        #expect(evaluated.accuracy > 0.8, "validation accuracy \(evaluated.accuracy)")
        #expect(model.isTraining)
    }

    @Test("stopping after 2 epochs and resuming from a checkpoint equals 4 uninterrupted epochs, bitwise")
    func resumeIsExact() throws {
        let data = Self.dataset()
        let straight = Self.model(seed: 3, dropout: false)
        try straight.fit(data, epochs: 4, batchSize: 32, optimizer: Adam(straight.parameters, lr: 0.01), seed: 9, verbose: false)

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("glassbox-fit-\(UUID())").path
        let first = Self.model(seed: 3, dropout: false)
        let firstOptimizer = Adam(first.parameters, lr: 0.01)
        try first.fit(data, epochs: 2, batchSize: 32, optimizer: firstOptimizer, seed: 9, verbose: false) { metrics in
            try Checkpoint(epoch: metrics.epoch).save(model: first, optimizer: firstOptimizer, to: directory)
        }
        let resumed = Self.model(seed: 4, dropout: false)
        let resumedOptimizer = Adam(resumed.parameters, lr: 0.01)
        let checkpoint = try Checkpoint.load(into: resumed, optimizer: resumedOptimizer, from: directory)
        checkpoint.restoreRandomState()
        #expect(checkpoint.epoch == 2)
        let history = try resumed.fit(
            data, epochs: 4, batchSize: 32, optimizer: resumedOptimizer, seed: 9, initialEpoch: checkpoint.epoch, verbose: false)
        #expect(history.map(\.epoch) == [3, 4])
        for (a, b) in zip(straight.parameters, resumed.parameters) { #expect(a.scalars == b.scalars) }
    }

    @Test("an error thrown by onEpochEnd stops training")
    func callbackErrorStops() {
        struct Stop: Error {}
        let model = Self.model(seed: 2)
        var epochs = 0
        #expect(throws: Stop.self) {
            try model.fit(Self.dataset(), epochs: 5, optimizer: SGD(model.parameters, lr: 0.1), verbose: false) { _ in
                epochs += 1
                if epochs == 2 { throw Stop() }
            }
        }
        #expect(epochs == 2)
    }

    /// ``dataset()`` with a NaN in sample 70, which falls in batch 3 of every epoch when
    /// batches of 32 are taken in order.
    static func datasetWithNaN() -> LabeledDataset<Float> {
        let data = dataset()
        var features = data.features.scalars
        features[70 * 4 + 1] = .nan
        return LabeledDataset(features: Tensor(features, shape: [200, 4]), labels: data.labels, classCount: 3)
    }

    @Test("a NaN loss stops fit with an error naming epoch and batch, before that batch's update")
    func nonFiniteLossStops() throws {
        let model = Self.model(seed: 6, dropout: false)
        var epochsEnded = 0
        let error = #expect(throws: NonFiniteLossError.self) {
            try model.fit(
                Self.datasetWithNaN(), epochs: 3, batchSize: 32, optimizer: Adam(model.parameters, lr: 0.01),
                shuffle: false, verbose: false
            ) { _ in epochsEnded += 1 }
        }
        #expect(error?.epoch == 1 && error?.batch == 3 && error?.batchCount == 7)
        #expect(error?.loss.isNaN == true)
        #expect(error?.description == "fit: the loss is NaN at epoch 1, batch 3 of 7; training stopped before that batch's update")
        #expect(epochsEnded == 0)
        // The weights are those after batches 1 and 2: training on the first 64 samples alone.
        let reference = Self.model(seed: 6, dropout: false)
        try reference.fit(
            Self.dataset().subset(Array(0..<64)), epochs: 1, batchSize: 32,
            optimizer: Adam(reference.parameters, lr: 0.01), shuffle: false, verbose: false)
        for (a, b) in zip(model.parameters, reference.parameters) { #expect(a.scalars == b.scalars) }
    }

    @Test("onNonFiniteLoss: .skipBatch skips the batch, counts it, and equals training without it, bitwise")
    func nonFiniteLossSkips() throws {
        let model = Self.model(seed: 7, dropout: false)
        let history = try model.fit(
            Self.datasetWithNaN(), epochs: 3, batchSize: 32, optimizer: Adam(model.parameters, lr: 0.01),
            shuffle: false, verbose: false, onNonFiniteLoss: .skipBatch)
        #expect(history.map(\.skippedBatches) == [1, 1, 1])
        #expect(history.allSatisfy { $0.loss.isFinite })

        let reference = Self.model(seed: 7, dropout: false)
        let withoutBatch = Self.dataset().subset(Array(0..<64) + Array(96..<200))
        let referenceHistory = try reference.fit(
            withoutBatch, epochs: 3, batchSize: 32, optimizer: Adam(reference.parameters, lr: 0.01),
            shuffle: false, verbose: false)
        #expect(referenceHistory.map(\.skippedBatches) == [0, 0, 0])
        #expect(history.map(\.loss) == referenceHistory.map(\.loss))
        #expect(history.map(\.accuracy) == referenceHistory.map(\.accuracy))
        for (a, b) in zip(model.parameters, reference.parameters) { #expect(a.scalars == b.scalars) }
    }

    @Test(
        "glassbox train stops on a non-finite loss with one line on stderr and exit status 1",
        .enabled(if: glassboxExecutable != nil, "the glassbox executable is not built next to the tests"))
    func trainCommandStopsOnNonFiniteLoss() throws {
        // Adam moves every weight by about lr per step: with lr 1e30 the logits overflow at once.
        let r = try glassbox(["train", "mlp", "--epochs", "2", "--lr", "1e30"])
        #expect(r.status == 1)
        let errors = lines(r.err).filter { $0.hasPrefix("glassbox:") }
        #expect(errors.count == 1)
        #expect(errors.first?.hasPrefix("glassbox: fit: the loss is ") == true, "\(r.err)")
        #expect(errors.first?.contains(" at epoch 1, batch ") == true)
        #expect(lines(r.err).last == errors.first)
        #expect(r.out.isEmpty)
    }

    @Test("predict batches in evaluation mode and equals one forward pass")
    func predictMatchesForward() {
        let data = Self.dataset()
        let model = Self.model(seed: 5)
        let predicted = model.predict(data.features, batchSize: 7)
        model.eval()
        let direct = withoutGrad { model(data.features) }
        #expect(predicted.shape == [200, 3])
        #expect(predicted.scalars == direct.scalars)
        #expect(!predicted.requiresGrad)
    }
}
