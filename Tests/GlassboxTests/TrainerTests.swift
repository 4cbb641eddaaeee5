import Foundation
import Glassbox
import GlassboxIO
import Testing

/// A fresh temporary directory path (not created).
private func temporaryPath(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("glassbox-trainer-\(name)-\(UUID())").path
}

/// Every tensor of `state`'s modules, by name, as plain scalars.
private func weights(_ module: any Module<Float>) -> [String: [Float]] {
    Dictionary(uniqueKeysWithValues: module.stateDict().map { ($0.name, $0.tensor.scalars) })
}

/// 48 training and 16 test images of the embedded MNIST subset.
private func tinyImages() throws -> (train: ImageDataset<Float>, test: ImageDataset<Float>) {
    (try MNIST.embedded(split: .train).subset(Array(0..<48)), try MNIST.embedded(split: .test).subset(Array(0..<16)))
}

/// Runs a task built by `make` for 2 epochs straight, and for 1 epoch then resumed to 2 from a
/// checkpoint into a freshly built task; returns both final models' weights.
private func straightAndResumed<Task: TrainingTask>(
    _ make: () -> (Task, any Module<Float>)
) throws -> (straight: [String: [Float]], resumed: [String: [Float]]) where Task.Scalar == Float {
    let directory = temporaryPath("resume")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let (straightTask, straightModel) = make()
    try Trainer(straightTask, epochs: 2).run()

    let (firstTask, _) = make()
    let first = Trainer(firstTask, epochs: 2)
    first.checkpointDirectory = directory
    first.stopAfter = 1
    #expect(try first.run().count == 1)
    #expect(Checkpoint.exists(in: directory))

    let (secondTask, secondModel) = make()
    let second = Trainer(secondTask, epochs: 2)
    second.checkpointDirectory = directory
    let loaded = try second.resume(from: directory)
    #expect(loaded.epoch == 1 && second.completedEpochs == 1 && second.history.count == 1)
    #expect(try second.run().map(\.epoch) == [2])
    return (weights(straightModel), weights(secondModel))
}

@Suite("Trainer: events, stopping, checkpoints and exact resume", .serialized)
struct TrainerTests {
    @Test("a classifier stopped after epoch 1 and resumed equals a straight run; events in order")
    func classifierResume() throws {
        let data = FitTests.dataset()
        func make() -> (ClassifierTask<Sequential<Float>, LabeledDataset<Float>>, any Module<Float>) {
            let model = FitTests.model(seed: 3, dropout: false)
            let optimizer = Adam(model.parameters, lr: 0.01)
            let task = ClassifierTask(
                model: model, data: data, batchSize: 16, optimizer: optimizer, scheduler: CosineAnnealingLR(optimizer, tMax: 2),
                validationSplit: 0.25, seed: 5)
            return (task, model)
        }
        let result = try straightAndResumed(make)
        #expect(result.straight == result.resumed)

        let (task, _) = make()
        var events: [TrainingEvent] = []
        try Trainer(task, epochs: 1).run { events.append($0) }
        #expect(events.first == .started(epochs: 1, stepsPerEpoch: 10, firstEpoch: 1, timeLimit: nil))
        #expect(events.filter { if case .step = $0 { true } else { false } }.count == 10)
        guard case .epochEnded(let record) = events.last else {
            Issue.record("the last event is \(String(describing: events.last))")
            return
        }
        #expect(record.epoch == 1 && record.steps == 10 && record.samples == 150 && record.accuracy != nil)
        #expect(record.metrics["validation_loss"] != nil && record.metrics["learning_rate"] == 0.01)
    }

    @Test("fit over the Trainer: a non-finite loss stops with the epoch and batch, or skips the batch")
    func nonFinite() throws {
        let data = FitTests.dataset()
        let model = FitTests.model(seed: 4, dropout: false)
        let nanLoss: (Tensor<Float>, IndexTensor) -> Tensor<Float> = { outputs, labels in crossEntropy(outputs, labels) * Float.nan }
        let error = #expect(throws: NonFiniteLossError.self) {
            try model.fit(data, epochs: 1, batchSize: 16, optimizer: Adam(model.parameters), loss: nanLoss, verbose: false)
        }
        #expect(error?.epoch == 1 && error?.batch == 1 && error?.batchCount == 13 && error?.loss.isNaN == true)
        let history = try model.fit(
            data, epochs: 1, batchSize: 16, optimizer: Adam(model.parameters), loss: nanLoss, verbose: false, onNonFiniteLoss: .skipBatch)
        #expect(history.first?.skippedBatches == 13)
    }

    @Test("a time budget ends the epoch after the step that reaches it")
    func timeLimit() throws {
        let data = FitTests.dataset()
        let model = FitTests.model(seed: 4, dropout: false)
        let trainer = Trainer(ClassifierTask(model: model, data: data, batchSize: 16, optimizer: Adam(model.parameters)), epochs: 5)
        trainer.timeLimit = 0
        let records = try trainer.run()
        #expect(records.count == 1 && records[0].steps == 1 && trainer.completedEpochs == 1)
    }

    @Test("an autoencoder and a VAE resume exactly (data order and noise stream in the checkpoint)")
    func autoencoderResume() throws {
        let images = try tinyImages()
        for variational in [false, true] {
            let result = try straightAndResumed { () -> (AutoencoderTask<Float>, any Module<Float>) in
                var generator = RandomGenerator(seed: 6)
                if variational {
                    let vae = VAE<Float>(hiddenSize: 16, latentSize: 2, generator: &generator)
                    let task = AutoencoderTask(
                        model: vae, data: images.train, test: images.test, batchSize: 20, optimizer: Adam(vae.parameters, lr: 1e-3),
                        generator: generator) { x, noise in vae.loss(x, generator: &noise).total }
                    return (task, vae)
                }
                let model = Sequential<Float>(
                    Flatten<Float>(), Linear<Float>(inFeatures: 784, outFeatures: 4, generator: &generator), ReLU<Float>(),
                    Linear<Float>(inFeatures: 4, outFeatures: 784, generator: &generator))
                let task = AutoencoderTask(
                    model: model, data: images.train, batchSize: 20, optimizer: Adam(model.parameters, lr: 1e-3),
                    generator: generator) { x, _ in binaryCrossEntropyWithLogits(model(x), x.reshaped([x.shape[0], 784]), reduction: .sum) }
                return (task, model)
            }
            #expect(result.straight == result.resumed, "variational: \(variational)")
        }
    }

    @Test("a WGAN-GP with critic steps across epochs resumes exactly", .slow)
    func ganResume() throws {
        let images = try tinyImages()
        let result = try straightAndResumed { () -> (GANTask<Float>, any Module<Float>) in
            var generator = RandomGenerator(seed: 7)
            let gan = GAN<Float>(
                generator: makeDCGANGenerator(latentSize: 4, width: 4, generator: &generator),
                discriminator: makeDCGANDiscriminator(width: 4, batchNorm: false, generator: &generator), latentSize: 4)
            let task = GANTask(
                gan: gan, data: images.train, batchSize: 16, objective: .wassersteinGradientPenalty(lambda: 10), criticSteps: 2,
                discriminatorOptimizer: Adam(gan.discriminator.parameters, lr: 1e-4, betas: (0.5, 0.9)),
                generatorOptimizer: Adam(gan.generator.parameters, lr: 1e-4, betas: (0.5, 0.9)),
                generatorAverage: ExponentialMovingAverage(gan.generator.parameters), generator: generator)
            return (task, gan)
        }
        #expect(result.straight == result.resumed)
    }

    @Test("a DDPM resumes exactly (optimizer, average and noise stream in the checkpoint)", .slow)
    func ddpmResume() throws {
        let images = try tinyImages()
        let result = try straightAndResumed { () -> (DDPMTask<Float>, any Module<Float>) in
            var generator = RandomGenerator(seed: 8)
            let model = DDPM(unet: UNet<Float>(baseChannels: 8, attention: false, generator: &generator))
            let task = DDPMTask(model: model, data: images.train, batchSize: 24, learningRate: 1e-3, generator: generator)
            return (task, model.unet)
        }
        #expect(result.straight == result.resumed)
    }

    @Test("resume refuses a missing, truncated or foreign checkpoint with one line naming the file, and leaves it untouched")
    func badCheckpoints() throws {
        let directory = temporaryPath("bad")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let data = FitTests.dataset()
        func trainer(seed: String) -> Trainer<ClassifierTask<Sequential<Float>, LabeledDataset<Float>>> {
            let model = FitTests.model(seed: 3, dropout: false)
            let trainer = Trainer(ClassifierTask(model: model, data: data, batchSize: 16, optimizer: Adam(model.parameters)), epochs: 2)
            trainer.checkpointDirectory = directory
            trainer.identity = ["model": "mlp", "seed": seed]
            return trainer
        }
        let path = Checkpoint.path(in: directory)
        #expect(throws: FileError.self) { try trainer(seed: "1").resume(from: directory) }

        let first = trainer(seed: "1")
        first.stopAfter = 1
        try first.run()
        let saved = try FileIO.readBytes(atPath: path)
        let foreign = #expect(throws: CheckpointError.self) { try trainer(seed: "2").resume(from: directory) }
        #expect(foreign?.description == "\(path): a checkpoint of another run: its seed is '1', this run's is '2'")
        #expect(try FileIO.readBytes(atPath: path) == saved)

        try FileIO.writeAtomically(Array(saved.prefix(saved.count / 2)), toPath: path)
        let truncated = #expect(throws: (any Error).self) { try trainer(seed: "1").resume(from: directory) }
        let line = truncated.map { "\($0)" } ?? ""
        #expect(line.contains(path) && !line.contains("\n"), "\(line)")
        #expect(try FileIO.readBytes(atPath: path) == Array(saved.prefix(saved.count / 2)))
    }
}
