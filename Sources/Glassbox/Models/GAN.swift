/// How a ``GAN``'s two players are scored against each other.
public enum GANObjective: Sendable, Equatable {
    /// The non-saturating GAN loss (Goodfellow et al. 2014, DCGAN): the discriminator minimises
    /// `BCE(D(x), 1) + BCE(D(G(z)), 0)` on logits, the generator `BCE(D(G(z)), 1)`.
    case nonSaturating
    /// The Wasserstein loss with weight clipping (Arjovsky et al. 2017): the critic minimises
    /// `mean D(G(z)) − mean D(x)`, the generator `−mean D(G(z))`; after each critic step every
    /// critic parameter is clamped to `[−clip, clip]`.
    case wassersteinClipped(clip: Double)
    /// The Wasserstein loss with a gradient penalty (Gulrajani et al. 2017): the critic's loss
    /// adds `λ·GP` (``gradientPenalty(critic:real:fake:generator:)``).
    case wassersteinGradientPenalty(lambda: Double)
}

/// The losses of one discriminator (critic) step, each a scalar.
public struct GANDiscriminatorLoss<Scalar: TensorScalar> {
    /// What the step minimises: the adversarial term plus, for WGAN-GP, `λ·GP`.
    public let total: Tensor<Scalar>
    /// The gradient penalty before its weight λ (`nil` unless the objective has one).
    public let penalty: Tensor<Scalar>?
    /// For the Wasserstein objectives, `mean D(x) − mean D(G(z))`: the critic's estimate of the
    /// distance between the data and the generator (`nil` otherwise).
    public let wassersteinEstimate: Tensor<Scalar>?
}

/// A generative adversarial network: a generator from latent vectors to images and a
/// discriminator (a critic, for the Wasserstein objectives) from images to one score each.
///
/// Images are in `[−1, 1]` (the generator ends in `tanh`); ``toUnitPixels(_:)`` maps them to
/// `[0, 1]`. Latents are `N(0, I)` of ``latentSize``. The state dict holds `generator.*` and
/// `discriminator.*`.
///
/// A training step of the discriminator calls ``discriminatorLoss(real:objective:generator:)``,
/// backpropagates and steps its optimizer over ``discriminator``'s parameters (then, for
/// ``GANObjective/wassersteinClipped(clip:)``, ``clipDiscriminator(_:)``); a step of the
/// generator does the same with ``generatorLoss(batchSize:objective:generator:)``.
public final class GAN<Scalar: TensorScalar>: Layer {
    /// Latent vectors `[N, latentSize]` → images `[N, 1, 28, 28]` in `[−1, 1]`.
    public let generator: Sequential<Scalar>
    /// Images `[N, 1, 28, 28]` → scores `[N, 1]` (logits for the non-saturating objective).
    public let discriminator: Sequential<Scalar>
    /// The length of a latent vector.
    public let latentSize: Int
    /// Training mode (no effect of its own; the BatchNorm layers have their own).
    public var isTraining = true

    /// Wraps a generator and a discriminator.
    public init(generator: Sequential<Scalar>, discriminator: Sequential<Scalar>, latentSize: Int) {
        precondition(latentSize > 0, "GAN: latent size \(latentSize) must be positive")
        self.generator = generator
        self.discriminator = discriminator
        self.latentSize = latentSize
    }

    /// `generator`, `discriminator`.
    public var children: [(name: String, module: any Module<Scalar>)] {
        [("generator", generator), ("discriminator", discriminator)]
    }

    /// The generator's images for latent vectors `[N, latentSize]`.
    public func callAsFunction(_ latents: Tensor<Scalar>) -> Tensor<Scalar> {
        precondition(
            latents.rank == 2 && latents.shape[1] == latentSize,
            "GAN: latents \(latents.shape), expected [N, \(latentSize)]")
        return generator(latents)
    }

    /// `count` latent vectors drawn from `N(0, I)`.
    public func latents(count: Int, generator rng: inout RandomGenerator) -> Tensor<Scalar> {
        Tensor.randn([count, latentSize], generator: &rng)
    }

    /// `count` generated images `[count, 1, 28, 28]` in `[−1, 1]`, without recording gradients.
    public func sample(count: Int, generator rng: inout RandomGenerator) -> Tensor<Scalar> {
        let z = latents(count: count, generator: &rng)
        return withoutGrad { self(z) }
    }

    /// The discriminator's loss on a batch of real images `[N, 1, 28, 28]` in `[−1, 1]` and as
    /// many fresh generated ones (detached: this step trains only the discriminator). `rng`
    /// draws the latents and, for WGAN-GP, the interpolation weights.
    public func discriminatorLoss(
        real: Tensor<Scalar>, objective: GANObjective, generator rng: inout RandomGenerator
    ) -> GANDiscriminatorLoss<Scalar> {
        let fake = sample(count: real.shape[0], generator: &rng)
        switch objective {
        case .nonSaturating:
            let realLogits = discriminator(real), fakeLogits = discriminator(fake)
            let total =
                binaryCrossEntropyWithLogits(realLogits, Tensor.ones(realLogits.shape))
                + binaryCrossEntropyWithLogits(fakeLogits, Tensor.zeros(fakeLogits.shape))
            return GANDiscriminatorLoss(total: total, penalty: nil, wassersteinEstimate: nil)
        case .wassersteinClipped:
            let estimate = discriminator(real).mean() - discriminator(fake).mean()
            return GANDiscriminatorLoss(total: -estimate, penalty: nil, wassersteinEstimate: estimate)
        case .wassersteinGradientPenalty(let lambda):
            let estimate = discriminator(real).mean() - discriminator(fake).mean()
            let penalty = gradientPenalty(critic: { self.discriminator($0) }, real: real, fake: fake, generator: &rng)
            return GANDiscriminatorLoss(total: penalty * Scalar(lambda) - estimate, penalty: penalty, wassersteinEstimate: estimate)
        }
    }

    /// The generator's loss on `batchSize` fresh generated images: `BCE(D(G(z)), 1)`
    /// (non-saturating) or `−mean D(G(z))` (Wasserstein). Its gradient reaches the
    /// discriminator's parameters too; step only the generator's optimizer.
    public func generatorLoss(batchSize: Int, objective: GANObjective, generator rng: inout RandomGenerator) -> Tensor<Scalar> {
        let scores = discriminator(self(latents(count: batchSize, generator: &rng)))
        switch objective {
        case .nonSaturating: return binaryCrossEntropyWithLogits(scores, Tensor.ones(scores.shape))
        case .wassersteinClipped, .wassersteinGradientPenalty: return -scores.mean()
        }
    }

    /// Clamps every discriminator parameter to `[−clip, clip]` in place (WGAN's weight
    /// clipping, applied after each critic step).
    public func clipDiscriminator(_ clip: Double) {
        precondition(clip > 0, "GAN.clipDiscriminator: clip \(clip) must be positive")
        withoutGrad {
            for p in discriminator.parameters { p.assign(p.clamped(min: Scalar(-clip), max: Scalar(clip))) }
        }
    }

    /// Maps images in `[−1, 1]` to pixels in `[0, 1]`: `(x + 1) / 2`.
    public static func toUnitPixels(_ images: Tensor<Scalar>) -> Tensor<Scalar> { (images + 1) * Scalar(0.5) }

    /// Maps pixels in `[0, 1]` to the GAN's `[−1, 1]`: `2x − 1`.
    public static func fromUnitPixels(_ pixels: Tensor<Scalar>) -> Tensor<Scalar> { pixels * 2 - 1 }
}
