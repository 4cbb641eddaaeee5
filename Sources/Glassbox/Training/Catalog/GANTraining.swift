import GlassboxIO

/// A GAN `glassbox train` trains and `glassbox sample` rebuilds: DCGAN networks, an
/// objective and its optimizer recipe.
public struct GANRecipe: Sendable {
    /// The name given after `train` and `sample`.
    public let name: String
    /// One line of help.
    public let summary: String
    /// Optimizer settings when not given.
    public let defaults: TrainSettings
    /// The adversarial objective.
    public let objective: GANObjective
    /// Discriminator (critic) steps per generator step, each on a fresh real batch.
    public let criticSteps: Int
    /// Whether the discriminator has BatchNorm (not for a gradient penalty, which is per sample).
    public let discriminatorBatchNorm: Bool
    /// The `--arch` values it accepts, the default first: `minibatch` adds a minibatch
    /// discrimination layer to the discriminator, `plain` does not.
    public let architectures: [String]
    /// The optimizer of either network for a learning rate.
    public let optimizer: @Sendable (_ parameters: [Tensor<Float>], _ learningRate: Double) -> any Optimizer<Float>
    /// The decay of an exponential moving average of the generator's weights and BatchNorm
    /// statistics, updated after every generator step, which is what is saved and sampled; `nil`
    /// for none (the trained weights are saved).
    public var generatorAverageDecay: Double? = nil
}

/// The width of both DCGAN networks (`w`: 64 and 128 channels).
private let ganWidth = 64
/// The latent size.
private let ganLatentSize = 100
/// Minibatch discrimination's kernels (each of dimension 8).
private let ganMinibatchKernels = 32

/// The GANs, in help order.
public let ganRecipes: [GANRecipe] = [
    GANRecipe(
        name: "gan",
        summary: "DCGAN (transposed convolutions, BatchNorm, LeakyReLU), non-saturating loss, minibatch discrimination (--arch plain: none), Adam(β 0.5, 0.999), generator EMA 0.999",
        defaults: TrainSettings(epochs: 30, batchSize: 64, learningRate: 2e-4, seed: 0),
        objective: .nonSaturating, criticSteps: 1, discriminatorBatchNorm: true, architectures: ["minibatch", "plain"],
        optimizer: { Adam($0, lr: $1, betas: (0.5, 0.999)) }, generatorAverageDecay: 0.999),
    GANRecipe(
        name: "wgan",
        summary: "Wasserstein GAN: DCGAN networks, critic weights clipped to ±0.01, 5 critic steps per generator step, RMSprop",
        defaults: TrainSettings(epochs: 10, batchSize: 64, learningRate: 5e-5, seed: 0),
        objective: .wassersteinClipped(clip: 0.01), criticSteps: 5, discriminatorBatchNorm: true, architectures: ["plain"],
        optimizer: { RMSprop($0, lr: $1) }),
    GANRecipe(
        name: "wgan-gp",
        summary: "WGAN-GP: DCGAN networks without BatchNorm in the critic, gradient penalty λ 10, 5 critic steps, Adam(β 0.5, 0.9)",
        defaults: TrainSettings(epochs: 20, batchSize: 64, learningRate: 1e-4, seed: 0),
        objective: .wassersteinGradientPenalty(lambda: 10), criticSteps: 5, discriminatorBatchNorm: false, architectures: ["plain"],
        optimizer: { Adam($0, lr: $1, betas: (0.5, 0.9)) }),
]

/// The GANs as ``TrainableModel``s.
var ganTrainableModels: [TrainableModel] {
    ganRecipes.map { recipe in
        TrainableModel(
            name: recipe.name, summary: recipe.summary + " on MNIST (embedded 10k/2k subset, or --data DIR)",
            defaults: recipe.defaults, options: recipe.architectures.count > 1 ? [.out, .dataset, .arch, .resume, .stopAfter] : [.out, .dataset, .resume, .stopAfter],
            train: { try trainGAN(recipe, settings: $0) })
    }
}

extension GANRecipe {
    /// The architecture `--arch` names (the default when not given).
    public func architecture(_ arch: String?, command: String) throws -> String {
        guard let arch else { return architectures[0] }
        guard architectures.contains(arch) else {
            throw TrainingSetupError.usage("\(command): --arch expects \(architectures.joined(separator: " or ")), got '\(arch)'")
        }
        return arch
    }

    /// A new GAN of `architecture`, initialised from `generator`.
    public func make(_ architecture: String, generator: inout RandomGenerator) -> GAN<Float> {
        GAN(
            generator: makeDCGANGenerator(latentSize: ganLatentSize, width: ganWidth, generator: &generator),
            discriminator: makeDCGANDiscriminator(
                width: ganWidth, batchNorm: discriminatorBatchNorm,
                minibatchKernels: architecture == "minibatch" ? ganMinibatchKernels : nil, generator: &generator),
            latentSize: ganLatentSize)
    }

    /// Rebuilds the GAN saved in `directory` by `glassbox train NAME --out DIR` and loads its
    /// weights.
    public func load(from directory: String, command: String) throws -> GAN<Float> {
        let path = generativeDescriptionPath(in: directory)
        let json = try setupFailing(command) { try JSONValue(parsing: FileIO.readBytes(atPath: path)) }
        guard json["model"]?.stringValue == name else {
            throw TrainingSetupError.failure("\(command): '\(path)' describes model '\(json["model"]?.stringValue ?? "?")', not '\(name)'")
        }
        var generator = RandomGenerator(seed: 0)
        let gan = make(try architecture(json["arch"]?.stringValue, command: command), generator: &generator)
        try setupFailing(command) { try gan.load(from: directory + "/model.safetensors") }
        return gan
    }
}

/// The generator's images for fixed latents, as a grid of 8 × 8 PNG images: what the epoch's
/// generator draws (in evaluation mode).
private func writeProgressGrid(_ gan: GAN<Float>, latents: Tensor<Float>, to path: String) throws {
    gan.eval()
    defer { gan.train() }
    let images = GAN.toUnitPixels(withoutGrad { gan(latents) })
    try PNG.writeGrid(digitImages(images), to: path, nrow: 8)
}

/// Trains a GAN on the training images scaled to [−1, 1], in full batches (the last partial
/// batch of each shuffled epoch is skipped, so every batch has the same size). Each real batch
/// trains the discriminator once; after every `criticSteps` of them the generator takes one
/// step on as many fresh latents (and, for `gan`, the generator's moving average follows).
/// With `--out DIR` it writes, after every epoch, `model.safetensors` (with the averaged
/// generator when there is one), `model.json` and `samples.png` (64 fixed latents), and at the
/// end `loss.svg` (both players' mean losses per epoch).
func trainGAN(_ recipe: GANRecipe, settings: TrainSettings) throws -> TrainReport {
    let command = "train \(recipe.name)"
    var settings = settings
    if let metadata = try takeResumedSettings(&settings, model: recipe.name, command: command) {
        settings.architecture = metadata["arch"] ?? settings.architecture
    }
    let architecture = try recipe.architecture(settings.architecture, command: command)
    guard settings.batchSize >= 2 else { throw TrainingSetupError.usage("\(command): --batch-size must be at least 2") }
    try checkOutDirectory(settings, files: ["model.safetensors", "model.json", "samples.png", "loss.svg"], command: command)
    let data = try loadImageData(settings, command: command)
    let steps = data.train.count / settings.batchSize
    guard steps >= recipe.criticSteps else {
        throw TrainingSetupError.failure(
            "\(command): \(data.train.count) training images make \(steps) batches of \(settings.batchSize) an epoch, "
                + "fewer than the \(recipe.criticSteps) discriminator steps of one generator step")
    }
    var generator = RandomGenerator(seed: settings.seed)
    let gan = recipe.make(architecture, generator: &generator)
    var fixedGenerator = RandomGenerator(seed: settings.seed &+ 1)
    let fixedLatents = gan.latents(count: 64, generator: &fixedGenerator)
    let average = recipe.generatorAverageDecay.map { decay in
        ExponentialMovingAverage(
            gan.generator.parameters + gan.generator.namedBuffers().filter { !$0.name.hasSuffix("num_batches_tracked") }.map(\.tensor),
            decay: decay)
    }
    let task = GANTask(
        gan: gan, data: data.train, batchSize: settings.batchSize, objective: recipe.objective, criticSteps: recipe.criticSteps,
        discriminatorOptimizer: recipe.optimizer(gan.discriminator.parameters, settings.learningRate),
        generatorOptimizer: recipe.optimizer(gan.generator.parameters, settings.learningRate), generatorAverage: average,
        generator: generator)
    /// Runs `body` with the averaged generator in place, when there is one.
    func withAveragedGenerator<R>(_ body: () throws -> R) rethrows -> R {
        guard let average else { return try body() }
        return try average.withAverages(body)
    }
    let wasserstein = recipe.objective != .nonSaturating
    let trainer = Trainer(task, epochs: settings.epochs)
    trainer.identity = runIdentity(settings, model: recipe.name).merging(["arch": architecture]) { _, new in new }
    trainer.metadata = ["epochs": String(settings.epochs)]
    try runTrainer(trainer, settings: settings, command: command) { record in
        Console.err(
            "\(command): epoch \(record.epoch), discriminator loss \(TextFormat.fixed(record.loss, decimals: 4)), "
                + "generator loss \(TextFormat.fixed(record.metrics["generator_loss"] ?? .nan, decimals: 4))"
                + (wasserstein ? ", Wasserstein estimate \(TextFormat.fixed(record.metrics["wasserstein_estimate"] ?? .nan, decimals: 4))" : "")
                + ", \(TextFormat.fixed(trainer.history.map(\.seconds).reduce(0, +), decimals: 1)) s")
        guard let directory = settings.outDirectory else { return }
        try setupFailing("\(command): cannot save the model") {
            try withAveragedGenerator {
                try gan.save(to: directory + "/model.safetensors", metadata: ["model": recipe.name])
                try writeProgressGrid(gan, latents: fixedLatents, to: directory + "/samples.png")
            }
            let description = JSONObject(
                [("model", .string(recipe.name)), ("arch", .string(architecture))]
                    + (recipe.generatorAverageDecay.map { [("generator_average_decay", .number($0))] } ?? []))
            try FileIO.writeAtomically(
                Array((JSONValue.object(description).serialized() + "\n").utf8), toPath: generativeDescriptionPath(in: directory))
        }
    }
    let discriminatorLosses = trainer.history.map(\.loss)
    let generatorLosses = trainer.history.map { $0.metrics["generator_loss"] ?? .nan }
    let estimates = trainer.history.map { $0.metrics["wasserstein_estimate"] ?? .nan }
    let seconds = trainer.history.map(\.seconds).reduce(0, +)
    if let directory = settings.outDirectory {
        try setupFailing("\(command): cannot save the loss curve") {
            try writeLossCurve(
                [("discriminator", discriminatorLosses), ("generator", generatorLosses)]
                    + (wasserstein ? [("Wasserstein estimate", estimates)] : []),
                title: "\(recipe.name): mean losses per epoch", yLabel: "loss", to: directory + "/loss.svg")
        }
    }
    var results = [
        TrainResult(
            key: "discriminator_loss", value: discriminatorLosses.last!,
            text: "discriminator loss \(TextFormat.fixed(discriminatorLosses.last!, decimals: 4))"),
        TrainResult(
            key: "generator_loss", value: generatorLosses.last!,
            text: "generator loss \(TextFormat.fixed(generatorLosses.last!, decimals: 4))"),
    ]
    if wasserstein {
        results.append(
            TrainResult(
                key: "wasserstein_estimate", value: estimates.last!,
                text: "Wasserstein estimate \(TextFormat.fixed(estimates.last!, decimals: 4))"))
    }
    return TrainReport(
        dataset: data.name, trainSamples: data.train.count, testSamples: data.test.count,
        parameterCount: gan.parameterCount, seconds: seconds,
        samplesPerSecond: Double(trainer.history.map(\.samples).reduce(0, +)) / Swift.max(seconds, 1e-9),
        results: results, epochLosses: discriminatorLosses, epochsCompleted: discriminatorLosses.count,
        extraMetrics: [
            ("architecture", .string(architecture)),
            ("generator_parameters", .integer(gan.generator.parameterCount)),
            ("discriminator_parameters", .integer(gan.discriminator.parameterCount)),
            ("generator_losses", .array(generatorLosses.map { .number($0) })),
            ("wasserstein_estimates", .array(wasserstein ? estimates.map { .number($0) } : [])),
        ])
}
