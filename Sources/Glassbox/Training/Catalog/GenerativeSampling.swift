import GlassboxIO

/// The generative image models as ``SampleableModel``s.
public var generativeSampleableModels: [SampleableModel] {
    [
        SampleableModel(
            name: "autoencoder", summary: "test digits beside their reconstructions (--out FILE.png), a 2-D latent's scatter (--scatter FILE.svg)",
            options: ["out", "scatter"], sample: sampleAutoencoder),
        SampleableModel(
            name: "vae", summary: "samples from the prior (--out FILE.png, or --count N --out FILE.safetensors; --temperature T scales it), --interpolate",
            options: ["out", "count", "interpolate"], sample: sampleVAE),
    ]
        + ganRecipes.map { recipe in
            SampleableModel(
                name: recipe.name, summary: "generated digits (--out FILE.png, or --count N --out FILE.safetensors)",
                options: ["out", "count"], sample: { try sampleGAN(recipe, settings: $0) })
        }
        + [
            SampleableModel(
                name: "ddpm",
                summary: "generated digits, ancestral over 1000 steps or DDIM in --steps N with noise --eta E (--out FILE.png, or --count N --out FILE.safetensors)",
                options: ["out", "count", "steps", "eta"], sample: sampleDDPM)
        ]
}

/// Writes `images` as a PNG grid of `nrow` per row, failing with the command's name.
private func writeGrid(_ images: [Image], nrow: Int, to path: String, command: String) throws {
    try setupFailing(command) { try PNG.writeGrid(images, to: path, nrow: nrow) }
    Console.err("\(command): wrote \(images.count) images to '\(path)'")
}

/// The model of `name` in `settings.checkpoint`.
private func loadGenerative(_ name: String, _ settings: SampleSettings) throws -> GenerativeInstance {
    let recipe = generativeRecipes.first { $0.name == name }!
    return try loadGenerative(recipe, from: settings.checkpoint, command: "sample \(name)").instance
}

/// `glassbox sample autoencoder`: 32 test digits (embedded MNIST test set), each row of eight
/// followed by a row of their reconstructions; with `--scatter FILE.svg` the 2-D codes of the
/// embedded test set (2 000 digits) coloured by label.
private func sampleAutoencoder(_ settings: SampleSettings) throws {
    let command = "sample autoencoder"
    guard settings.out != nil || settings.scatter != nil else {
        throw TrainingSetupError.usage("\(command): give --out FILE.png and/or --scatter FILE.svg")
    }
    guard let model = try loadGenerative("autoencoder", settings).module as? any Autoencoder<Float> else {
        throw TrainingSetupError.failure("\(command): the checkpoint does not hold an autoencoder")
    }
    let test = try setupFailing(command) { try MNIST.embedded(split: .test) }
    model.eval()
    if let path = settings.out {
        let originals = test.unitPixels(0..<32)
        let reconstructions = withoutGrad { model(originals) }
        let a = digitImages(originals), b = digitImages(reconstructions)
        let rows = stride(from: 0, to: 32, by: 8).flatMap { Array(a[$0..<($0 + 8)]) + Array(b[$0..<($0 + 8)]) }
        try writeGrid(rows, nrow: 8, to: path, command: command)
    }
    if let path = settings.scatter {
        guard model.latentSize == 2 else {
            throw TrainingSetupError.usage("\(command): --scatter needs a 2-D latent (train with --latent 2); this one has \(model.latentSize)")
        }
        let codes = withoutGrad { model.encode(test.unitPixels(0..<test.count)) }.scalars
        let points = (0..<test.count).map { (x: Double(codes[2 * $0]), y: Double(codes[2 * $0 + 1])) }
        try setupFailing(command) {
            try SVG.write(
                SVG.scatterPlot(
                    points: points, labels: test.labels, classNames: test.classNames,
                    title: "autoencoder: 2-D codes of \(test.count) test digits", xLabel: "z₁", yLabel: "z₂"),
                to: path)
        }
        Console.err("\(command): wrote the codes of \(test.count) test digits to '\(path)'")
    }
}

/// `glassbox sample vae`: an 8×8 grid of prior samples (`--out FILE.png`; `--temperature T`
/// draws `z ~ N(0, T² I)`); `--count N --out FILE.safetensors` writes N samples `[N, 1, 28, 28]` in [0, 1] under the name `samples` for
/// `glassbox score`; `--interpolate` draws instead eight rows of ten decoded points on the line
/// between the posterior means of two test digits.
private func sampleVAE(_ settings: SampleSettings) throws {
    let command = "sample vae"
    guard let path = settings.out else { throw TrainingSetupError.usage("\(command): --out FILE.png or FILE.safetensors is required") }
    guard let model = try loadGenerative("vae", settings).module as? VAE<Float> else {
        throw TrainingSetupError.failure("\(command): the checkpoint does not hold a VAE")
    }
    if path.hasSuffix(".safetensors") && settings.interpolate {
        throw TrainingSetupError.usage("\(command): --interpolate draws a PNG grid, not a .safetensors file")
    }
    guard settings.interpolate else {
        try writeSamples(settings, model: "vae", command: command) { count, generator in
            model.sample(count: count, temperature: Float(settings.temperature), generator: &generator)
        }
        return
    }
    let test = try setupFailing(command) { try MNIST.embedded(split: .test) }
    let means = withoutGrad { model.encode(test.unitPixels(0..<16)).mean }.scalars
    let points = interpolateCodes(means, latentSize: model.latentSize, pairs: 8, steps: 10)
    let decoded = withoutGrad { model.decode(points) }
    try writeGrid(digitImages(decoded), nrow: 10, to: path, command: command)
}

/// Images drawn per batch by `glassbox sample`. Batches of 100 keep every activation of the
/// DDPM's U-Net (at most 100 × 32 × 28 × 28 floats, 10 MB) in memory that `malloc` reuses;
/// batches of 1 000 (100 MB each) went to fresh pages every step and spent a quarter of the
/// time in the kernel (measured: 10 000 U-Net evaluations in 13.5 s at 100, 20.5 s at 1 000).
/// The GAN and VAE latents come from the generator in the same order either way.
private let sampleBatchSize = 100

/// Draws samples `[N, 1, 28, 28]` in [0, 1] with `draw` (without gradients, in batches of at
/// most ``sampleBatchSize``) and writes them to `--out`: with a `.safetensors` name, `--count` of them (10 000
/// by default) as the tensor `samples` for `glassbox score`; otherwise `--count` of them (64 by
/// default) as a PNG grid of eight per row. The draws come from `--seed`.
private func writeSamples(
    _ settings: SampleSettings, model: String, command: String,
    draw: (_ count: Int, _ generator: inout RandomGenerator) -> Tensor<Float>
) throws {
    guard let path = settings.out else { throw TrainingSetupError.usage("\(command): --out FILE.png or FILE.safetensors is required") }
    let toFile = path.hasSuffix(".safetensors")
    let count = settings.count ?? (toFile ? 10_000 : 64)
    let samples = drawDigitSamples(count: count, batchSize: sampleBatchSize, seed: settings.seed, draw: draw)
    if toFile {
        try setupFailing(command) { try Tensor.saveSafeTensors([("samples", samples)], to: path, metadata: ["model": model]) }
        Console.err("\(command): wrote \(count) samples [\(count), 1, 28, 28] to '\(path)'")
    } else {
        try writeGrid(digitImages(samples), nrow: 8, to: path, command: command)
    }
}

/// `glassbox sample gan|wgan|wgan-gp`: the generator's images (in evaluation mode) for latents
/// drawn from `--seed`, as a PNG grid or a `.safetensors` file of samples in [0, 1].
private func sampleGAN(_ recipe: GANRecipe, settings: SampleSettings) throws {
    let command = "sample \(recipe.name)"
    guard settings.out != nil else { throw TrainingSetupError.usage("\(command): --out FILE.png or FILE.safetensors is required") }
    let gan = try recipe.load(from: settings.checkpoint, command: command)
    gan.eval()
    try writeSamples(settings, model: recipe.name, command: command) { count, generator in
        GAN.toUnitPixels(gan.sample(count: count, generator: &generator))
    }
}

/// `glassbox sample ddpm`: images drawn with the averaged weights, ancestrally over all steps
/// or with DDIM in `--steps N`, as a PNG grid or a `.safetensors` file of samples in [0, 1].
private func sampleDDPM(_ settings: SampleSettings) throws {
    let command = "sample ddpm"
    guard settings.out != nil else { throw TrainingSetupError.usage("\(command): --out FILE.png or FILE.safetensors is required") }
    if settings.eta != nil && settings.ddimSteps == nil {
        throw TrainingSetupError.usage("\(command): --eta applies to DDIM sampling: give --steps N too")
    }
    let model = try loadDDPM(from: settings.checkpoint, command: command)
    let clock = Stopwatch()
    try writeSamples(settings, model: "ddpm", command: command) { count, generator in
        GAN.toUnitPixels(model.sample(count: count, ddimSteps: settings.ddimSteps, eta: settings.eta ?? 0, generator: &generator))
    }
    Console.err(
        "\(command): \(settings.ddimSteps.map { "DDIM, \($0) steps, η \(settings.eta ?? 0)" } ?? "ancestral, \(model.schedule.stepCount) steps") "
            + "in \(TextFormat.fixed(clock.seconds, decimals: 1)) s")
}
