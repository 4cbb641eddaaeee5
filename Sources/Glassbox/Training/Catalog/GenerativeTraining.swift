import GlassboxIO

/// A trained generative image model, seen through what training and sampling need.
public struct GenerativeInstance {
    /// The model, for its parameters and saving.
    public let module: any Module<Float>
    /// The loss of a batch of images `[B, 1, 28, 28]` (pixels in [0, 1]), summed over the batch;
    /// draws its noise (if any) from the generator.
    public let loss: (_ images: Tensor<Float>, _ generator: inout RandomGenerator) -> Tensor<Float>
}

/// A generative image model `glassbox train` trains and `glassbox sample` rebuilds from the
/// description saved next to its weights.
public struct GenerativeRecipe: Sendable {
    /// The name given after `train` and `sample`.
    public let name: String
    /// One line of help.
    public let summary: String
    /// Optimizer settings when not given.
    public let defaults: TrainSettings
    /// The model-specific `train` options it accepts.
    public let options: Set<TrainOption>
    /// The architecture the settings ask for, as saved in `model.json` (checked: a usage error
    /// names the bad option).
    public let architecture: @Sendable (_ settings: TrainSettings, _ command: String) throws -> [String: String]
    /// Builds the model for an architecture.
    public let make: @Sendable (_ architecture: [String: String], _ generator: inout RandomGenerator) -> GenerativeInstance
    /// What the loss measures, for the summary (`nats/image`).
    public let lossUnit: @Sendable (_ architecture: [String: String]) -> String
}

/// The generative image models, in help order.
public let generativeRecipes: [GenerativeRecipe] = [autoencoderRecipe, vaeRecipe]

/// The generative models as ``TrainableModel``s.
var generativeTrainableModels: [TrainableModel] {
    generativeRecipes.map { recipe in
        TrainableModel(
            name: recipe.name, summary: recipe.summary + " on MNIST (embedded 10k/2k subset, or --data DIR)",
            defaults: recipe.defaults, options: recipe.options.union([.out, .dataset, .resume, .stopAfter]),
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
            throw TrainingSetupError.usage("\(command): --arch expects mlp or conv, got '\(arch)'")
        }
        let loss = settings.lossName ?? "bce"
        guard loss == "bce" || loss == "mse" else {
            throw TrainingSetupError.usage("\(command): --loss expects bce or mse, got '\(loss)'")
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

/// The file next to the weights that describes a generative model.
public func generativeDescriptionPath(in directory: String) -> String { directory + "/model.json" }

/// Trains a generative model with ``AutoencoderTask`` (Adam on the summed loss of each batch,
/// shuffled every epoch with the seed's generator, the test loss per image after every
/// epoch). With `--out DIR` it checkpoints after every epoch (`--resume`, `--stop-after N`)
/// and writes `model.safetensors`, `model.json` (the architecture) and `loss.svg` (training
/// and test loss per epoch).
func trainGenerative(_ recipe: GenerativeRecipe, settings: TrainSettings) throws -> TrainReport {
    let command = "train \(recipe.name)"
    var settings = settings
    if let metadata = try takeResumedSettings(&settings, model: recipe.name, command: command) {
        settings.architecture = metadata["arch"] ?? settings.architecture
        settings.latentSize = metadata["latent"].flatMap { Int($0) } ?? settings.latentSize
        settings.lossName = metadata["loss"] ?? settings.lossName
    }
    let architecture = try recipe.architecture(settings, command)
    try checkOutDirectory(settings, files: ["model.safetensors", "model.json", "loss.svg"], command: command)
    let data = try loadImageData(settings, command: command)
    var generator = RandomGenerator(seed: settings.seed)
    let model = recipe.make(architecture, &generator)
    let task = AutoencoderTask(
        model: model.module, data: data.train, test: data.test, batchSize: settings.batchSize,
        optimizer: Adam(model.module.parameters, lr: settings.learningRate), generator: generator, loss: model.loss)
    let trainer = Trainer(task, epochs: settings.epochs)
    trainer.identity = runIdentity(settings, model: recipe.name).merging(architecture) { _, new in new }
    trainer.metadata = ["epochs": String(settings.epochs)]
    let unit = recipe.lossUnit(architecture)
    try runTrainer(trainer, settings: settings, command: command) { record in
        Console.err(
            "\(command): epoch \(record.epoch), train loss \(TextFormat.fixed(record.loss, decimals: 2)), "
                + "test loss \(TextFormat.fixed(record.metrics["test_loss"] ?? .nan, decimals: 2)) \(unit), "
                + "\(TextFormat.fixed(trainer.history.map(\.seconds).reduce(0, +), decimals: 1)) s")
    }
    let trainLosses = trainer.history.map(\.loss), testLosses = trainer.history.map { $0.metrics["test_loss"] ?? .nan }
    let seconds = trainer.history.map(\.seconds).reduce(0, +)
    if let directory = settings.outDirectory {
        try setupFailing("\(command): cannot save the model") {
            try model.module.save(to: directory + "/model.safetensors", metadata: ["model": recipe.name])
            let description = JSONObject(
                [("model", .string(recipe.name))] + architecture.keys.sorted().map { ($0, .string(architecture[$0]!)) })
            try FileIO.writeAtomically(
                Array((JSONValue.object(description).serialized() + "\n").utf8), toPath: generativeDescriptionPath(in: directory))
            try writeLossCurve(
                [("train", trainLosses), ("test", testLosses)], title: "\(recipe.name): loss per image", yLabel: unit,
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
public func loadGenerative(_ recipe: GenerativeRecipe, from directory: String, command: String) throws -> (
    instance: GenerativeInstance, architecture: [String: String]
) {
    let path = generativeDescriptionPath(in: directory)
    let json = try setupFailing(command) { try JSONValue(parsing: FileIO.readBytes(atPath: path)) }
    guard json["model"]?.stringValue == recipe.name else {
        throw TrainingSetupError.failure("\(command): '\(path)' describes model '\(json["model"]?.stringValue ?? "?")', not '\(recipe.name)'")
    }
    var settings = recipe.defaults
    settings.architecture = json["arch"]?.stringValue
    settings.latentSize = json["latent"]?.stringValue.flatMap { Int($0) }
    settings.lossName = json["loss"]?.stringValue
    let architecture = try recipe.architecture(settings, command)
    var generator = RandomGenerator(seed: 0)
    let instance = recipe.make(architecture, &generator)
    try setupFailing(command) { try instance.module.load(from: directory + "/model.safetensors") }
    return (instance, architecture)
}
