/// The settings of one `glassbox sample` run, after defaults are applied.
public struct SampleSettings: Sendable {
    /// The directory `glassbox train MODEL --out DIR` wrote.
    public var checkpoint: String
    /// The text to continue (language models).
    public var prompt: String?
    /// How many tokens to generate.
    public var length: Int
    /// The sampling temperature.
    public var temperature: Double
    /// Keep only the K most likely tokens, if given.
    public var topK: Int?
    /// The seed of the draws.
    public var seed: UInt64
    /// Whether to decode with the model's key/value cache.
    public var useCache: Bool
    /// The output file (image models: a PNG grid, or samples as safetensors).
    public var out: String? = nil
    /// How many samples to draw (image models).
    public var count: Int? = nil
    /// Where to write the scatter plot of a 2-D latent (autoencoder).
    public var scatter: String? = nil
    /// Whether to draw latent interpolations instead of samples (vae).
    public var interpolate = false
    /// Sample with DDIM in this many steps instead of ancestrally over all of them (ddpm).
    public var ddimSteps: Int? = nil
    /// DDIM's noise η (0: deterministic; 1: posterior draws) (ddpm).
    public var eta: Double? = nil

    /// Settings with every field given (the optional ones default to absent).
    public init(
        checkpoint: String, prompt: String? = nil, length: Int = 500, temperature: Double = 1, topK: Int? = nil, seed: UInt64 = 0,
        useCache: Bool = true, out: String? = nil, count: Int? = nil, scatter: String? = nil, interpolate: Bool = false,
        ddimSteps: Int? = nil, eta: Double? = nil
    ) {
        self.checkpoint = checkpoint
        self.prompt = prompt
        self.length = length
        self.temperature = temperature
        self.topK = topK
        self.seed = seed
        self.useCache = useCache
        self.out = out
        self.count = count
        self.scatter = scatter
        self.interpolate = interpolate
        self.ddimSteps = ddimSteps
        self.eta = eta
    }
}

/// A model `glassbox sample NAME` can draw from. A new generative model adds one entry to
/// ``sampleableModels``.
public struct SampleableModel: Sendable {
    /// The name given after `sample` (the name it was trained under).
    public let name: String
    /// One line of help.
    public let summary: String
    /// The model-specific options it accepts (without `--`); the others are usage errors.
    public let options: Set<String>
    /// Loads the checkpoint, samples, and prints the result.
    public let sample: @Sendable (_ settings: SampleSettings) throws -> Void

    /// A model of `name` that accepts `options` and draws with `sample`.
    public init(name: String, summary: String, options: Set<String>, sample: @escaping @Sendable (_ settings: SampleSettings) throws -> Void) {
        self.name = name
        self.summary = summary
        self.options = options
        self.sample = sample
    }
}
