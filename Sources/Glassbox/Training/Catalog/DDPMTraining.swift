import GlassboxIO

/// The U-Net's base channel count `C` (C, 2C, 2C channels at 28, 14 and 7 pixels).
private let ddpmBaseChannels = 16
/// DDIM steps of the progress grid written after every epoch.
private let ddpmProgressSteps = 50

/// `glassbox train ddpm`.
let ddpmTrainableModel = TrainableModel(
    name: "ddpm",
    summary: "DDPM: a U-Net (C 16, residual blocks, GroupNorm, SiLU, sinusoidal time, attention at 7x7; --arch plain: none) "
        + "predicting the noise of a linear 1e-4..0.02 schedule over 1000 steps, Adam, EMA weights, on MNIST (embedded 10k/2k subset, or --data DIR)",
    defaults: TrainSettings(epochs: 10, batchSize: 128, learningRate: 1e-3, seed: 0),
    options: [.out, .dataset, .arch, .minutes, .resume, .stopAfter],
    train: trainDDPM)

/// Whether `--arch` asks for attention at 7 × 7 (`attention`, the default) or not (`plain`).
private func ddpmAttention(_ arch: String?, command: String) throws -> Bool {
    switch arch ?? "attention" {
    case "attention": return true
    case "plain": return false
    case let other: throw TrainingSetupError.usage("\(command): --arch expects attention or plain, got '\(other)'")
    }
}

/// A new DDPM, initialised from `generator`.
private func makeDDPM(attention: Bool, generator: inout RandomGenerator) -> DDPM<Float> {
    DDPM(unet: UNet(baseChannels: ddpmBaseChannels, attention: attention, generator: &generator))
}

/// Rebuilds the DDPM saved in `directory` by `glassbox train ddpm --out DIR` and loads its
/// (averaged) weights.
public func loadDDPM(from directory: String, command: String) throws -> DDPM<Float> {
    let path = generativeDescriptionPath(in: directory)
    let json = try setupFailing(command) { try JSONValue(parsing: FileIO.readBytes(atPath: path)) }
    guard json["model"]?.stringValue == "ddpm" else {
        throw TrainingSetupError.failure("\(command): '\(path)' describes model '\(json["model"]?.stringValue ?? "?")', not 'ddpm'")
    }
    var generator = RandomGenerator(seed: 0)
    let model = makeDDPM(attention: try ddpmAttention(json["arch"]?.stringValue, command: command), generator: &generator)
    try setupFailing(command) { try model.unet.load(from: directory + "/model.safetensors") }
    return model
}

/// Trains a DDPM on the training images scaled to [−1, 1]: each batch draws its steps and noise,
/// Adam takes a step on the ε-prediction MSE (gradient norm clipped to 1), and an exponential
/// moving average of the weights follows. After every epoch it reports the averaged weights'
/// test ε-loss and, with `--out DIR`, writes them as `model.safetensors` (with `model.json`),
/// a progress grid `samples.png` (DDIM, 50 steps, fixed seed) and `checkpoint.safetensors`
/// (trained weights, Adam, the average, the random state and the history); at the end
/// `loss.svg`.
///
/// `--minutes M` stops after the step that reaches M minutes of training in this invocation
/// (the epoch it ends counts as one). `--stop-after N` stops after epoch N; `--resume`
/// continues from the checkpoint with the run's batch size, learning rate, seed, dataset and
/// architecture, up to `--epochs` (default: the run's total), so `--epochs 4 --stop-after 2`
/// then `--resume` gives the weights of `--epochs 4`.
private func trainDDPM(_ settings: TrainSettings) throws -> TrainReport {
    let command = "train ddpm"
    var settings = settings
    if let metadata = try takeResumedSettings(&settings, model: "ddpm", command: command) {
        settings.architecture = metadata["arch"] ?? settings.architecture
    }
    let attention = try ddpmAttention(settings.architecture, command: command)
    let arch = attention ? "attention" : "plain"
    try checkOutDirectory(settings, files: ["model.safetensors", "model.json", "samples.png", "loss.svg"], command: command)
    let data = try loadImageData(settings, command: command)
    var generator = RandomGenerator(seed: settings.seed)
    let model = makeDDPM(attention: attention, generator: &generator)
    let task = DDPMTask(
        model: model, data: data.train, test: data.test, batchSize: settings.batchSize, learningRate: settings.learningRate,
        generator: generator)
    let trainer = Trainer(task, epochs: settings.epochs)
    trainer.identity = runIdentity(settings, model: "ddpm").merging(["arch": arch]) { _, new in new }
    trainer.metadata = ["epochs": String(settings.epochs)]
    try runTrainer(trainer, settings: settings, command: command) { record in
        let seconds = trainer.history.map(\.seconds).reduce(0, +)
        Console.err(
            "\(command): epoch \(record.epoch), train loss \(TextFormat.fixed(record.loss, decimals: 4)), "
                + "test loss (EMA) \(TextFormat.fixed(record.metrics["test_loss"] ?? .nan, decimals: 4)), \(TextFormat.fixed(seconds, decimals: 1)) s")
        guard let directory = settings.outDirectory else { return }
        try setupFailing("\(command): cannot save the model") {
            try task.average.withAverages {
                try model.unet.save(to: directory + "/model.safetensors", metadata: ["model": "ddpm"])
                var grid = RandomGenerator(seed: settings.seed &+ 1)
                let images = GAN<Float>.toUnitPixels(model.sample(count: 64, ddimSteps: ddpmProgressSteps, generator: &grid))
                try PNG.writeGrid(digitImages(images), to: directory + "/samples.png", nrow: 8)
            }
            let description = JSONObject([("model", .string("ddpm")), ("arch", .string(arch))])
            try FileIO.writeAtomically(
                Array((JSONValue.object(description).serialized() + "\n").utf8), toPath: generativeDescriptionPath(in: directory))
        }
    }
    let trainLosses = trainer.history.map(\.loss), testLosses = trainer.history.map { $0.metrics["test_loss"] ?? .nan }
    let seconds = trainer.history.map(\.seconds).reduce(0, +)
    if let directory = settings.outDirectory {
        try setupFailing("\(command): cannot save the loss curve") {
            try writeLossCurve(
                [("train", trainLosses), ("test (EMA)", testLosses)], title: "ddpm: ε-prediction loss per epoch",
                yLabel: "mean squared error", to: directory + "/loss.svg")
        }
    }
    let test = testLosses.last!
    return TrainReport(
        dataset: data.name, trainSamples: data.train.count, testSamples: data.test.count,
        parameterCount: model.unet.parameterCount, seconds: seconds,
        samplesPerSecond: Double(trainer.history.map(\.samples).reduce(0, +)) / Swift.max(seconds, 1e-9),
        results: [TrainResult(key: "test_loss", value: test, text: "test ε-loss (EMA) \(TextFormat.fixed(test, decimals: 4))")],
        epochLosses: trainLosses, epochsCompleted: trainLosses.count,
        extraMetrics: [
            ("architecture", .string(arch)),
            ("test_losses", .array(testLosses.map { .number($0) })),
            ("optimizer_steps", .integer(task.average.updateCount)),
        ])
}
