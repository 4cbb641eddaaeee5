import Glassbox
import GlassboxIO

/// The U-Net's base channel count `C` (C, 2C, 2C channels at 28, 14 and 7 pixels).
private let ddpmBaseChannels = 16
/// The EMA decay of the weights that are saved and sampled.
private let ddpmAverageDecay = 0.999
/// The gradient-norm clip of every step (as Ho et al.).
private let ddpmGradientClip = 1.0
/// DDIM steps of the progress grid written after every epoch.
private let ddpmProgressSteps = 50
/// Test images whose ε-loss is reported after every epoch.
private let ddpmTestImages = 2000

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
    case let other: throw CLIError.usage("\(command): --arch expects attention or plain, got '\(other)'")
    }
}

/// A new DDPM, initialised from `generator`.
private func makeDDPM(attention: Bool, generator: inout RandomGenerator) -> DDPM<Float> {
    DDPM(unet: UNet(baseChannels: ddpmBaseChannels, attention: attention, generator: &generator))
}

/// Rebuilds the DDPM saved in `directory` by `glassbox train ddpm --out DIR` and loads its
/// (averaged) weights.
func loadDDPM(from directory: String, command: String) throws -> DDPM<Float> {
    let path = generativeDescriptionPath(in: directory)
    let json = try failing(command) { try JSONValue(parsing: FileIO.readBytes(atPath: path)) }
    guard json["model"]?.stringValue == "ddpm" else {
        throw CLIError.failure("\(command): '\(path)' describes model '\(json["model"]?.stringValue ?? "?")', not 'ddpm'")
    }
    var generator = RandomGenerator(seed: 0)
    let model = makeDDPM(attention: try ddpmAttention(json["arch"]?.stringValue, command: command), generator: &generator)
    try failing(command) { try model.unet.load(from: directory + "/model.safetensors") }
    return model
}

/// The mean ε-loss of the first ``ddpmTestImages`` test images, with steps and noise from a
/// fixed seed (the same draws every epoch).
private func ddpmTestLoss(_ model: DDPM<Float>, _ test: ImageDataset<Float>) -> Double {
    var generator = RandomGenerator(seed: 0x7E57)
    let count = Swift.min(ddpmTestImages, test.count)
    var total = 0.0
    withoutGrad {
        for start in stride(from: 0, to: count, by: 500) {
            let end = Swift.min(count, start + 500)
            let x0 = GAN<Float>.fromUnitPixels(unitPixels(test, start..<end))
            total += Double(model.loss(x0, generator: &generator).item) * Double(end - start)
        }
    }
    return total / Double(count)
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
    let resumed = settings.resume
    if let metadata = try takeResumedSettings(&settings, model: "ddpm", command: command) {
        settings.architecture = metadata["arch"] ?? settings.architecture
    }
    let attention = try ddpmAttention(settings.architecture, command: command)
    if let directory = settings.outDirectory {
        try failing(command) {
            try FileIO.createDirectory(atPath: directory)
            for file in ["model.safetensors", "model.json", "samples.png", "loss.svg", Checkpoint.fileName] {
                try FileIO.checkWritable(path: directory + "/" + file)
            }
        }
    }
    let data = try loadImageData(settings, command: command)
    var generator = RandomGenerator(seed: settings.seed)
    let model = makeDDPM(attention: attention, generator: &generator)
    let parameters = model.unet.parameters
    let optimizer = Adam(parameters, lr: settings.learningRate)
    let average = ExponentialMovingAverage(parameters, decay: ddpmAverageDecay)
    var trainLosses: [Double] = [], testLosses: [Double] = []
    var seconds = 0.0
    var processed = 0
    if resumed, let directory = settings.outDirectory {
        let loaded = try failing(command) { try Checkpoint.load(into: model.unet, optimizer: optimizer, average: average, from: directory) }
        guard let train = ddpmHistory(loaded.metadata["train_losses"]), let test = ddpmHistory(loaded.metadata["test_losses"]),
            train.count == loaded.epoch, test.count == loaded.epoch,
            let previous = loaded.metadata["seconds"].flatMap(Double.init), let images = loaded.metadata["images"].flatMap(Int.init)
        else { throw CLIError.failure("\(command): '\(Checkpoint.path(in: directory))' lacks the run's history") }
        guard loaded.epoch < settings.epochs else {
            throw CLIError.failure(
                "\(command): the checkpoint already has \(loaded.epoch) epochs; ask for more with --epochs N (N > \(loaded.epoch))")
        }
        (trainLosses, testLosses, seconds, processed) = (train, test, previous, images)
        generator = loaded.randomState
        Console.err("\(command): resuming after epoch \(loaded.epoch) from '\(directory)'")
    }
    let budget = settings.minutes.map { $0 * 60 }
    var spent = 0.0, processedNow = 0
    let lastEpoch = Swift.min(settings.epochs, settings.stopAfter ?? settings.epochs)
    if resumed && lastEpoch <= trainLosses.count {
        throw CLIError.usage("\(command): --stop-after \(lastEpoch) is not after the checkpoint's epoch \(trainLosses.count)")
    }
    let steps = (data.train.count + settings.batchSize - 1) / settings.batchSize
    let progress = ProgressBar(
        epochs: settings.epochs, stepsPerEpoch: steps, firstEpoch: trainLosses.count + 1, timeLimit: budget)
    epochs: for epoch in (trainLosses.count + 1)...Swift.max(lastEpoch, trainLosses.count + 1) {
        let clock = Stopwatch()
        var order = Array(0..<data.train.count)
        generator.shuffle(&order)
        var sum = 0.0, seen = 0
        for step in 0..<steps {
            let indices = order[(step * settings.batchSize)..<Swift.min(order.count, (step + 1) * settings.batchSize)]
            let loss = model.loss(GAN<Float>.fromUnitPixels(unitPixels(data.train, indices)), generator: &generator)
            optimizer.zeroGrad()
            loss.backward()
            clipGradNorm(parameters, maxNorm: ddpmGradientClip)
            optimizer.step()
            average.update()
            let value = Double(loss.item)
            guard value.isFinite else { throw CLIError.failure("\(command): the loss became \(value) in epoch \(epoch)") }
            sum += value * Double(indices.count)
            seen += indices.count
            processed += indices.count
            processedNow += indices.count
            progress.update(epoch: epoch, step: step + 1, loss: sum / Double(seen), samples: processedNow)
            if let budget, spent + clock.seconds >= budget { break }
        }
        spent += clock.seconds
        seconds += clock.seconds
        trainLosses.append(sum / Double(seen))
        testLosses.append(average.withAverages { ddpmTestLoss(model, data.test) })
        progress.message(
            "\(command): epoch \(epoch), train loss \(TextFormat.fixed(trainLosses.last!, decimals: 4)), "
                + "test loss (EMA) \(TextFormat.fixed(testLosses.last!, decimals: 4)), \(TextFormat.fixed(seconds, decimals: 1)) s")
        if let directory = settings.outDirectory {
            try failing("\(command): cannot save the model") {
                try average.withAverages {
                    try model.unet.save(to: directory + "/model.safetensors", metadata: ["model": "ddpm"])
                    var grid = RandomGenerator(seed: settings.seed &+ 1)
                    let images = GAN<Float>.toUnitPixels(model.sample(count: 64, ddimSteps: ddpmProgressSteps, generator: &grid))
                    try PNG.writeGrid(digitImages(images), to: directory + "/samples.png", nrow: 8)
                }
                let description = JSONObject([("model", .string("ddpm")), ("arch", .string(attention ? "attention" : "plain"))])
                try FileIO.writeAtomically(
                    Array((JSONValue.object(description).serialized() + "\n").utf8), toPath: generativeDescriptionPath(in: directory))
                let metadata = [
                    "model": "ddpm", "arch": attention ? "attention" : "plain", "dataset": settings.datasetName ?? MNIST.Variant.mnist.rawValue,
                    "batch_size": String(settings.batchSize), "learning_rate": String(settings.learningRate),
                    "seed": String(settings.seed), "epochs": String(settings.epochs), "seconds": String(seconds),
                    "images": String(processed), "train_losses": trainLosses.map { String($0) }.joined(separator: ","),
                    "test_losses": testLosses.map { String($0) }.joined(separator: ","),
                ]
                try Checkpoint(epoch: epoch, randomState: generator, metadata: metadata)
                    .save(model: model.unet, optimizer: optimizer, average: average, to: directory)
            }
        }
        if let budget, spent >= budget { break epochs }
    }
    if let directory = settings.outDirectory {
        let epochs = trainLosses.indices.map { Double($0 + 1) }
        try failing("\(command): cannot save the loss curve") {
            try SVG.write(
                SVG.lineChart(
                    series: [
                        SVG.Series(name: "train", points: zip(epochs, trainLosses).map { (x: $0.0, y: $0.1) }),
                        SVG.Series(name: "test (EMA)", points: zip(epochs, testLosses).map { (x: $0.0, y: $0.1) }),
                    ],
                    title: "ddpm: ε-prediction loss per epoch", xLabel: "epoch", yLabel: "mean squared error"),
                to: directory + "/loss.svg")
        }
    }
    let test = testLosses.last!
    return TrainReport(
        dataset: data.name, trainSamples: data.train.count, testSamples: data.test.count,
        parameterCount: model.unet.parameterCount, seconds: seconds,
        samplesPerSecond: Double(processed) / Swift.max(seconds, 1e-9),
        results: [TrainResult(key: "test_loss", value: test, text: "test ε-loss (EMA) \(TextFormat.fixed(test, decimals: 4))")],
        epochLosses: trainLosses, epochsCompleted: trainLosses.count,
        extraMetrics: [
            ("architecture", .string(attention ? "attention" : "plain")),
            ("test_losses", .array(testLosses.map { .number($0) })),
            ("optimizer_steps", .integer(average.updateCount)),
        ])
}

/// The per-epoch losses of a checkpoint's metadata (comma-separated), or `nil` if malformed.
private func ddpmHistory(_ text: String?) -> [Double]? {
    guard let text else { return nil }
    if text.isEmpty { return [] }
    let values = text.split(separator: ",", omittingEmptySubsequences: false).map { Double($0) }
    return values.contains(nil) ? nil : values.map { $0! }
}
