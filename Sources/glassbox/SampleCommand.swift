import Glassbox
import GlassboxKernels

/// The options of `glassbox sample` that only some models accept.
private let modelSpecificSampleOptions = ["prompt", "no-cache", "out", "count", "scatter", "interpolate", "steps", "eta"]

/// The generative models, in help order.
let sampleableModels: [SampleableModel] = languageModels.map { recipe in
    SampleableModel(
        name: recipe.name, summary: "continue a text with a trained \(recipe.name)",
        options: recipe.hasCache ? ["prompt", "no-cache"] : ["prompt"],
        sample: { try sampleLanguageModel(recipe, settings: $0) })
} + generativeSampleableModels

/// `glassbox sample MODEL --checkpoint DIR [options]`.
let sampleCommand = Command(
    name: "sample",
    summary: "Generate from a trained model (charlm, gpt, autoencoder, vae, gan, wgan, wgan-gp, ddpm)",
    usage: [
        "sample MODEL --checkpoint DIR [--length N] [--temperature T] [--top-k K] [--seed S] [--threads N]",
        "sample charlm|gpt --checkpoint DIR [--prompt TEXT] [--no-cache] [...]",
        "sample autoencoder --checkpoint DIR [--out FILE.png] [--scatter FILE.svg]",
        "sample vae --checkpoint DIR --out FILE.png [--interpolate] | --out FILE.safetensors [--count N] [--seed S]",
        "sample gan|wgan|wgan-gp --checkpoint DIR --out FILE.png | --out FILE.safetensors [--count N] [--seed S]",
        "sample ddpm --checkpoint DIR --out FILE.png | --out FILE.safetensors [--count N] [--steps N [--eta E]] [--seed S]",
    ],
    details: "Loads the model that 'glassbox train MODEL --out DIR' saved and generates from it; text goes to stdout,\n"
        + "the generation speed to stderr.\n\nModels:\n"
        + sampleableModels.map { "  \($0.name)  \($0.summary)" }.joined(separator: "\n"),
    options: [
        .value("checkpoint", "DIR", "The directory written by 'glassbox train MODEL --out DIR'."),
        .value("prompt", "TEXT", "The text to continue (default: a newline)."),
        .value("length", "N", "Tokens to generate (default 500)."),
        .value("temperature", "T", "Divide the logits by T before sampling (default 1); vae: draw z ~ N(0, T² I)."),
        .value("top-k", "K", "Sample only among the K most likely tokens (1: greedy)."),
        .value("seed", "S", "Seed of the draws (default 0)."),
        .value("threads", "N", "Threads the kernels may use (default: GLASSBOX_THREADS or all cores)."),
        .value("out", "FILE", "Image models: the PNG grid to write, or (vae, GANs) a .safetensors file of samples [N, 1, 28, 28] in [0, 1] (vae, GANs, ddpm)."),
        .value("count", "N", "Samples to draw (vae, GANs, ddpm; default 64 for a grid, 10000 for a .safetensors file)."),
        .value("scatter", "FILE", "Write the 2-D codes of the test digits, coloured by label, as an SVG (autoencoder with --latent 2)."),
        .value("steps", "N", "Sample with DDIM in N steps instead of ancestrally over all 1000 (ddpm)."),
        .value("eta", "E", "DDIM's noise: 0 (default) deterministic, 1 a posterior draw at every step (ddpm, with --steps)."),
        .flag("interpolate", "Draw interpolations between the latent codes of test digits instead of samples (vae)."),
        .flag("no-cache", "Recompute the whole context for every token instead of using the key/value cache (gpt)."),
    ],
    maxPositionals: 1,
    run: runSample)

private func runSample(_ arguments: ParsedArguments) throws -> Int32 {
    let names = sampleableModels.map(\.name).joined(separator: ", ")
    guard let name = arguments.positionals.first else {
        throw CLIError.usage("sample: which model? (one of: \(names))")
    }
    guard let model = sampleableModels.first(where: { $0.name == name }) else {
        throw CLIError.usage("sample: unknown model '\(name)' (one of: \(names))")
    }
    if let option = modelSpecificSampleOptions.first(where: { !model.options.contains($0) && (arguments.has($0) || arguments.flag($0)) }) {
        let accepting = sampleableModels.filter { $0.options.contains(option) }.map(\.name)
        throw CLIError.usage("sample: option '--\(option)' applies to \(accepting.joined(separator: ", ")), not '\(name)'")
    }
    guard let checkpoint = try arguments.string("checkpoint") else {
        throw CLIError.usage("sample: --checkpoint DIR is required")
    }
    let settings = SampleSettings(
        checkpoint: checkpoint, prompt: try arguments.string("prompt"), length: try arguments.int("length") ?? 500,
        temperature: try arguments.positiveDouble("temperature") ?? 1, topK: try arguments.int("top-k"),
        seed: try arguments.uint64("seed") ?? 0, useCache: !arguments.flag("no-cache"),
        out: try arguments.string("out"), count: try arguments.int("count"), scatter: try arguments.string("scatter"),
        interpolate: arguments.flag("interpolate"), ddimSteps: try arguments.int("steps", in: 1...1000),
        eta: try arguments.nonNegativeDouble("eta"))
    if let threads = try arguments.int("threads") { Threading.threadCount = threads }
    try model.sample(settings)
    return 0
}

/// Continues the prompt with the language model saved in the checkpoint directory.
private func sampleLanguageModel(_ recipe: LanguageModelRecipe, settings: SampleSettings) throws {
    let command = "sample \(recipe.name)"
    let (model, alphabet) = try recipe.load(from: settings.checkpoint, command: command)
    let prompt = settings.prompt ?? "\n"
    guard !prompt.isEmpty else { throw CLIError.usage("\(command): --prompt is empty") }
    let clock = Stopwatch()
    guard let text = model.continueText(
        prompt, alphabet: CharacterAlphabet(alphabet), count: settings.length,
        sampler: TokenSampler(temperature: settings.temperature, topK: settings.topK), useCache: settings.useCache, seed: settings.seed)
    else { throw CLIError.usage("\(command): the prompt holds a character the model never saw") }
    let seconds = clock.seconds, tokens = text.utf8
    Console.out(prompt + text)
    Console.err(
        "\(command): \(tokens.count) tokens in \(TextFormat.fixed(seconds, decimals: 2)) s, "
            + "\(TextFormat.rate(Double(tokens.count) / Swift.max(seconds, 1e-9))) tokens/s"
            + (recipe.hasCache ? (settings.useCache ? " (key/value cache)" : " (no cache: whole context per token)") : ""))
}
