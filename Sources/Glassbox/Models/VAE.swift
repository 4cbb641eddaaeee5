/// The Kullback–Leibler divergence of a diagonal Gaussian `q = N(μ, diag σ²)` from the standard
/// normal `p = N(0, I)`, given `μ` and `log σ²`, elementwise:
///
/// `KL(q ‖ p)ᵢ = −½ (1 + log σᵢ² − μᵢ² − σᵢ²)`
///
/// summed (default, as in the VAE loss of Kingma & Welling, appendix B), averaged, or returned
/// per element (`.none`). Backward: `∂/∂μᵢ = μᵢ`, `∂/∂log σᵢ² = ½ (σᵢ² − 1)`; it is built from
/// differentiable ops, so it has second derivatives too.
///
/// - Precondition: `mean` and `logVariance` have the same shape.
public func gaussianKLDivergence<Scalar>(
    mean: Tensor<Scalar>, logVariance: Tensor<Scalar>, reduction: LossReduction = .sum
) -> Tensor<Scalar> {
    precondition(
        mean.shape == logVariance.shape,
        "gaussianKLDivergence: mean shape \(mean.shape) differs from logVariance shape \(logVariance.shape)")
    return ((1 + logVariance - mean.squared() - logVariance.exp()) * Scalar(-0.5)).reduced(reduction)
}

/// The reparameterisation trick: `z = μ + exp(½ log σ²) ⊙ ε` for noise `ε ~ N(0, I)` of the
/// same shape, differentiable in `μ` and `log σ²` (`∂z/∂μ = 1`, `∂z/∂log σ² = ½ σ ε`).
///
/// - Precondition: the three tensors have the same shape.
public func reparameterize<Scalar>(
    mean: Tensor<Scalar>, logVariance: Tensor<Scalar>, noise: Tensor<Scalar>
) -> Tensor<Scalar> {
    precondition(
        mean.shape == logVariance.shape && mean.shape == noise.shape,
        "reparameterize: mean \(mean.shape), logVariance \(logVariance.shape) and noise \(noise.shape) must have one shape")
    return mean + (logVariance * Scalar(0.5)).exp() * noise
}

/// The parts of a VAE's loss for one batch, each summed over the batch (divide by the batch size
/// for nats per image).
public struct VAELoss<Scalar: TensorScalar> {
    /// The reconstruction term: the summed binary cross-entropy `−log p(x | z)`.
    public let reconstruction: Tensor<Scalar>
    /// The summed ``gaussianKLDivergence(mean:logVariance:reduction:)`` of the posteriors.
    public let kl: Tensor<Scalar>
    /// `reconstruction + kl`, the negative evidence lower bound (what training minimises).
    public var total: Tensor<Scalar> { reconstruction + kl }
}

/// The variational autoencoder of Kingma & Welling (2014) in the layout of the PyTorch example
/// (`examples/vae`), with its attribute names:
///
/// ```
/// input  [N, 784]      pixels in [0, 1] (any [N, …] with 784 values per sample is flattened)
/// fc1    [N, 400]      Linear(784, 400), ReLU
/// fc21   [N, 20]       Linear(400, 20)  → μ
/// fc22   [N, 20]       Linear(400, 20)  → log σ²
/// z      [N, 20]       μ + exp(½ log σ²) ⊙ ε,  ε ~ N(0, I)
/// fc3    [N, 400]      Linear(20, 400), ReLU
/// fc4    [N, 784]      Linear(400, 784) → logits; sigmoid → Bernoulli means
/// ```
///
/// The loss per batch is the summed binary cross-entropy of the reconstruction plus the summed
/// KL term (``loss(_:generator:)``). The reconstruction term is computed from the logits with
/// ``binaryCrossEntropyWithLogits(_:_:weight:posWeight:reduction:)``, which equals PyTorch's
/// `binary_cross_entropy(sigmoid(logits), x, reduction='sum')` without its clamping of the logs.
public final class VAE<Scalar: TensorScalar>: Layer {
    /// The encoder's hidden layer, `inputSize → hiddenSize`.
    public let fc1: Linear<Scalar>
    /// The posterior means, `hiddenSize → latentSize`.
    public let fc21: Linear<Scalar>
    /// The posterior log-variances, `hiddenSize → latentSize`.
    public let fc22: Linear<Scalar>
    /// The decoder's hidden layer, `latentSize → hiddenSize`.
    public let fc3: Linear<Scalar>
    /// The decoder's output layer, `hiddenSize → inputSize` (logits).
    public let fc4: Linear<Scalar>
    /// Whether the module is in training mode (no effect: sampling is explicit).
    public var isTraining = true

    /// Values per sample (784 for MNIST).
    public var inputSize: Int { fc1.inFeatures }
    /// The latent dimension.
    public var latentSize: Int { fc21.outFeatures }

    /// Creates the model with PyTorch's `Linear` initialisation drawn from `generator`.
    public init(inputSize: Int = 784, hiddenSize: Int = 400, latentSize: Int = 20, generator: inout RandomGenerator) {
        precondition(
            inputSize > 0 && hiddenSize > 0 && latentSize > 0,
            "VAE: sizes must be positive, got input \(inputSize), hidden \(hiddenSize), latent \(latentSize)")
        fc1 = Linear(inFeatures: inputSize, outFeatures: hiddenSize, generator: &generator)
        fc21 = Linear(inFeatures: hiddenSize, outFeatures: latentSize, generator: &generator)
        fc22 = Linear(inFeatures: hiddenSize, outFeatures: latentSize, generator: &generator)
        fc3 = Linear(inFeatures: latentSize, outFeatures: hiddenSize, generator: &generator)
        fc4 = Linear(inFeatures: hiddenSize, outFeatures: inputSize, generator: &generator)
    }

    /// `fc1`, `fc21`, `fc22`, `fc3`, `fc4`.
    public var children: [(name: String, module: any Module<Scalar>)] {
        [("fc1", fc1), ("fc21", fc21), ("fc22", fc22), ("fc3", fc3), ("fc4", fc4)]
    }

    /// The posterior `q(z | x)`: means and log-variances `[N, latentSize]`.
    public func encode(_ input: Tensor<Scalar>) -> (mean: Tensor<Scalar>, logVariance: Tensor<Scalar>) {
        precondition(
            input.rank >= 1 && input.count == input.shape[0] * inputSize,
            "VAE.encode: input \(input.shape) does not hold \(inputSize) values per sample")
        let h = fc1(input.reshaped([input.shape[0], inputSize])).relu()
        return (fc21(h), fc22(h))
    }

    /// The decoder's logits `[N, inputSize]` for latents `[N, latentSize]`.
    public func decodeLogits(_ z: Tensor<Scalar>) -> Tensor<Scalar> {
        precondition(z.rank == 2 && z.shape[1] == latentSize, "VAE.decodeLogits: z \(z.shape), expected [N, \(latentSize)]")
        return fc4(fc3(z).relu())
    }

    /// The decoder's Bernoulli means (pixels in (0, 1)) `[N, inputSize]` for latents.
    public func decode(_ z: Tensor<Scalar>) -> Tensor<Scalar> { decodeLogits(z).sigmoid() }

    /// The deterministic reconstruction: ``decode(_:)`` of the posterior means.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { decode(encode(input).mean) }

    /// The loss of a batch `input` (pixels in [0, 1]) with one latent sample per image drawn with
    /// `generator` (see ``VAELoss``).
    public func loss(_ input: Tensor<Scalar>, generator: inout RandomGenerator) -> VAELoss<Scalar> {
        let (mean, logVariance) = encode(input)
        let noise = Tensor<Scalar>.randn(mean.shape, generator: &generator)
        let logits = decodeLogits(reparameterize(mean: mean, logVariance: logVariance, noise: noise))
        let target = input.reshaped([input.shape[0], inputSize])
        return VAELoss(
            reconstruction: binaryCrossEntropyWithLogits(logits, target, reduction: .sum),
            kl: gaussianKLDivergence(mean: mean, logVariance: logVariance))
    }

    /// `count` samples from the model: latents from the prior `N(0, I)` drawn with `generator`
    /// (scaled by `temperature`: `z ~ N(0, temperature² I)`, the prior itself at 1), decoded to
    /// Bernoulli means `[count, inputSize]`.
    public func sample(count: Int, temperature: Scalar = 1, generator: inout RandomGenerator) -> Tensor<Scalar> {
        decode(Tensor<Scalar>.randn([count, latentSize], generator: &generator) * temperature)
    }
}
