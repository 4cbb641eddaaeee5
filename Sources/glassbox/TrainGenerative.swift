import Glassbox
import GlassboxIO

/// A trained generative image model, seen through what training and sampling need.
struct GenerativeInstance {
    /// The model, for its parameters and saving.
    let module: any Module<Float>
    /// The loss of a batch of images `[B, 1, 28, 28]` (pixels in [0, 1]), summed over the batch;
    /// draws its noise (if any) from the generator.
    let loss: (_ images: Tensor<Float>, _ generator: inout RandomGenerator) -> Tensor<Float>
}

/// A generative image model `glassbox train` trains and `glassbox sample` rebuilds from the
/// description saved next to its weights.
struct GenerativeRecipe: Sendable {
    /// The name given after `train` and `sample`.
    let name: String
    /// One line of help.
    let summary: String
    /// Optimizer settings when not given.
    let defaults: TrainSettings
    /// The model-specific `train` options it accepts.
    let options: Set<TrainOption>
    /// The architecture the settings ask for, as saved in `model.json` (checked: a usage error
    /// names the bad option).
    let architecture: @Sendable (_ settings: TrainSettings, _ command: String) throws -> [String: String]
    /// Builds the model for an architecture.
    let make: @Sendable (_ architecture: [String: String], _ generator: inout RandomGenerator) -> GenerativeInstance
    /// What the loss measures, for the summary (`nats/image`).
    let lossUnit: @Sendable (_ architecture: [String: String]) -> String
}

/// The generative image models, in help order.
let generativeRecipes: [GenerativeRecipe] = [autoencoderRecipe, vaeRecipe]

/// The generative models as ``TrainableModel``s.
var generativeTrainableModels: [TrainableModel] {
    generativeRecipes.map { recipe in
        TrainableModel(
            name: recipe.name, summary: recipe.summary + " on MNIST (embedded 10k/2k subset, or --data DIR)",
            defaults: recipe.defaults, options: recipe.options.union([.out, .dataset]),
            train: { try trainGenerative(recipe, settings: $0) })
    }
}

/// `glassbox train autoencoder`: MLP or convolutional, any latent size, BCE or MSE.
private let autoencoderRecipe = GenerativeRecipe(
    name: "autoencoder",
    summary: "an autoencoder: MLP 784-512-128-latent (or --arch conv), BCE (or --loss mse), Adam",
    defaults: TrainSettings(epochs: 10, batchSize: 128, learningRate: 0.001, seed: 0),
    options: [.arch, .latent, .loss],
    architecture: { settings, command in
        let arch = settings.architecture ?? "mlp"
        guard arch == "mlp" || arch == "conv" else {
            throw CLIError.usage("\(command): --arch expects mlp or conv, got '\(arch)'")
        }
        let loss = settings.lossName ?? "bce"
        guard loss == "bce" || loss == "mse" else {
            throw CLIError.usage("\(command): --loss expects bce or mse, got '\(loss)'")
        }
        return ["arch": arch, "latent": String(settings.latentSize ?? 32), "loss": loss]
    },
    make: { architecture, generator in
        let latent = Int(architecture["latent"]!)!
        let model: any Autoencoder<Float> =
            architecture["arch"] == "conv"
            ? ConvAutoencoder(latentSize: latent, generator: &generator)
            : MLPAutoencoder(latentSize: latent, generator: &generator)
        let bce = architecture["loss"] != "mse"
        return GenerativeInstance(
            module: model,
            loss: { images, _ in
                let logits = model.decodeLogits(model.encode(images))
                return bce
                    ? binaryCrossEntropyWithLogits(logits, images, reduction: .sum)
                    : mseLoss(logits.sigmoid(), images, reduction: .sum)
            })
    },
    lossUnit: { $0["loss"] == "mse" ? "squared error/image" : "nats/image" })

/// `glassbox train vae`: the classic recipe.
private let vaeRecipe = GenerativeRecipe(
    name: "vae",
    summary: "the classic VAE: 784-400-20 (ReLU), summed BCE + KL, Adam",
    defaults: TrainSettings(epochs: 10, batchSize: 128, learningRate: 0.001, seed: 0),
    options: [],
    architecture: { _, _ in ["hidden": "400", "latent": "20"] },
    make: { architecture, generator in
        let model = VAE<Float>(
            hiddenSize: Int(architecture["hidden"]!)!, latentSize: Int(architecture["latent"]!)!, generator: &generator)
        return GenerativeInstance(module: model, loss: { images, generator in model.loss(images, generator: &generator).total })
    },
    lossUnit: { _ in "nats/image" })

/// Images `indices` of `data` as pixels in [0, 1], `[B, 1, 28, 28]` (no normalisation).
func unitPixels(_ data: ImageDataset<Float>, _ indices: some Collection<Int>) -> Tensor<Float> {
    let size = data.channels * data.height * data.width
    var values = [Float]()
    values.reserveCapacity(indices.count * size)
    for i in indices {
        for byte in data.images[(i * size)..<((i + 1) * size)] { values.append(Float(byte) / 255) }
    }
    return Tensor(values, shape: [indices.count, data.channels, data.height, data.width])
}

/// The file next to the weights that describes a generative model.
func generativeDescriptionPath(in directory: String) -> String { directory + "/model.json" }

/// Seed of the noise drawn while evaluating the test loss (fixed, so every epoch's figure uses
/// the same draws).
private let evaluationSeed: UInt64 = 0x7E57

/// The mean loss per image over `data`, in batches of 500, with noise from a fixed seed.
private func meanTestLoss(_ model: GenerativeInstance, _ data: ImageDataset<Float>) -> Double {
    var generator = RandomGenerator(seed: evaluationSeed)
    var total = 0.0
    withoutGrad {
        for start in stride(from: 0, to: data.count, by: 500) {
            total += Double(model.loss(unitPixels(data, start..<Swift.min(data.count, start + 500)), &generator).item)
        }
    }
    return total / Double(data.count)
}

/// Trains a generative model with Adam on the summed loss of each batch (shuffled every epoch
/// with the seed's generator), evaluating the test loss per image after every epoch. With
/// `--out DIR` it writes `model.safetensors`, `model.json` (the architecture) and `loss.svg`
/// (training and test loss per epoch).
func trainGenerative(_ recipe: GenerativeRecipe, settings: TrainSettings) throws -> TrainReport {
    let command = "train \(recipe.name)"
    let architecture = try recipe.architecture(settings, command)
    if let directory = settings.outDirectory {
        try failing(command) {
            try FileIO.createDirectory(atPath: directory)
            try FileIO.checkWritable(path: directory + "/model.safetensors")
            try FileIO.checkWritable(path: generativeDescriptionPath(in: directory))
        }
    }
    let data = try loadImageData(settings, command: command)
    var generator = RandomGenerator(seed: settings.seed)
    let model = recipe.make(architecture, &generator)
    let optimizer = Adam(model.module.parameters, lr: settings.learningRate)
    let unit = recipe.lossUnit(architecture)
    let steps = (data.train.count + settings.batchSize - 1) / settings.batchSize
    let progress = ProgressBar(epochs: settings.epochs, stepsPerEpoch: steps)
    var trainLosses: [Double] = [], testLosses: [Double] = []
    var seconds = 0.0
    var processed = 0
    var order = Array(0..<data.train.count)
    for epoch in 1...Swift.max(settings.epochs, 1) {
        let clock = Stopwatch()
        generator.shuffle(&order)
        var sum = 0.0
        for step in 0..<steps {
            let indices = order[(step * settings.batchSize)..<Swift.min(order.count, (step + 1) * settings.batchSize)]
            let loss = model.loss(unitPixels(data.train, indices), &generator)
            optimizer.zeroGrad()
            loss.backward()
            optimizer.step()
            let value = Double(loss.item)
            guard value.isFinite else { throw CLIError.failure("\(command): the loss became \(value) in epoch \(epoch)") }
            sum += value
            processed += indices.count
            progress.update(
                epoch: epoch, step: step + 1, loss: sum / Double(step * settings.batchSize + indices.count), samples: processed)
        }
        seconds += clock.seconds
        trainLosses.append(sum / Double(data.train.count))
        testLosses.append(meanTestLoss(model, data.test))
        progress.message(
            "\(command): epoch \(epoch), train loss \(TextFormat.fixed(trainLosses.last!, decimals: 2)), "
                + "test loss \(TextFormat.fixed(testLosses.last!, decimals: 2)) \(unit), \(TextFormat.fixed(seconds, decimals: 1)) s")
    }
    if let directory = settings.outDirectory {
        try failing("\(command): cannot save the model") {
            try model.module.save(to: directory + "/model.safetensors", metadata: ["model": recipe.name])
            let description = JSONObject(
                [("model", .string(recipe.name))] + architecture.keys.sorted().map { ($0, .string(architecture[$0]!)) })
            try FileIO.writeAtomically(
                Array((JSONValue.object(description).serialized() + "\n").utf8), toPath: generativeDescriptionPath(in: directory))
            let epochs = trainLosses.indices.map { Double($0 + 1) }
            try SVG.write(
                SVG.lineChart(
                    series: [
                        SVG.Series(name: "train", points: Array(zip(epochs, trainLosses)).map { (x: $0.0, y: $0.1) }),
                        SVG.Series(name: "test", points: Array(zip(epochs, testLosses)).map { (x: $0.0, y: $0.1) }),
                    ],
                    title: "\(recipe.name): loss per image", xLabel: "epoch", yLabel: unit),
                to: directory + "/loss.svg")
        }
    }
    let test = testLosses.last!
    return TrainReport(
        dataset: data.name, trainSamples: data.train.count, testSamples: data.test.count,
        parameterCount: model.module.parameterCount, seconds: seconds,
        samplesPerSecond: Double(data.train.count * trainLosses.count) / Swift.max(seconds, 1e-9),
        results: [TrainResult(key: "test_loss", value: test, text: "test loss \(TextFormat.fixed(test, decimals: 2)) \(unit)")],
        epochLosses: trainLosses, epochsCompleted: trainLosses.count,
        extraMetrics: [
            ("test_losses", .array(testLosses.map { .number($0) })),
            ("architecture", .object(JSONObject(architecture.keys.sorted().map { ($0, .string(architecture[$0]!)) }))),
        ])
}

/// Rebuilds the generative model saved in `directory` by `glassbox train NAME --out DIR` and
/// loads its weights; returns it with its architecture.
func loadGenerative(_ recipe: GenerativeRecipe, from directory: String, command: String) throws -> (
    instance: GenerativeInstance, architecture: [String: String]
) {
    let path = generativeDescriptionPath(in: directory)
    let json = try failing(command) { try JSONValue(parsing: FileIO.readBytes(atPath: path)) }
    guard json["model"]?.stringValue == recipe.name else {
        throw CLIError.failure("\(command): '\(path)' describes model '\(json["model"]?.stringValue ?? "?")', not '\(recipe.name)'")
    }
    var settings = recipe.defaults
    settings.architecture = json["arch"]?.stringValue
    settings.latentSize = json["latent"]?.stringValue.flatMap { Int($0) }
    settings.lossName = json["loss"]?.stringValue
    let architecture = try recipe.architecture(settings, command)
    var generator = RandomGenerator(seed: 0)
    let instance = recipe.make(architecture, &generator)
    try failing(command) { try instance.module.load(from: directory + "/model.safetensors") }
    return (instance, architecture)
}
