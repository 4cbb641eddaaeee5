/// The noise schedule of a denoising diffusion model (Ho et al. 2020) and the samplers that
/// reverse it, for any noise predictor.
///
/// Steps are numbered `t = 0 … T−1` (the paper's `1 … T`). With `αₜ = 1 − βₜ` and
/// `ᾱₜ = α₀·α₁·…·αₜ`, the forward process has the closed form
/// `q(x_t | x₀) = N(√ᾱₜ·x₀, (1 − ᾱₜ)·I)`, so `x_t = √ᾱₜ·x₀ + √(1 − ᾱₜ)·ε`.
public struct DiffusionSchedule: Sendable, Equatable {
    /// `βₜ` for `t = 0 … T−1`.
    public let betas: [Double]
    /// `ᾱₜ = ∏_{s ≤ t} (1 − β_s)`.
    public let alphaBars: [Double]

    /// The number of steps `T`.
    public var stepCount: Int { betas.count }

    /// A schedule with the given `betas` (each in (0, 1)).
    public init(betas: [Double]) {
        precondition(
            !betas.isEmpty && betas.allSatisfy { $0 > 0 && $0 < 1 },
            "DiffusionSchedule: betas must be non-empty and in (0, 1)")
        self.betas = betas
        var product = 1.0
        alphaBars = betas.map { beta in
            product *= 1 - beta
            return product
        }
    }

    /// Ho et al.'s linear schedule: `βₜ` evenly spaced from `start` to `end` over `steps` steps
    /// (1e-4 … 0.02 over 1000 by default).
    public static func linear(steps: Int = 1000, start: Double = 1e-4, end: Double = 0.02) -> DiffusionSchedule {
        precondition(steps >= 2, "DiffusionSchedule.linear: steps \(steps) must be at least 2")
        return DiffusionSchedule(betas: (0..<steps).map { start + (end - start) * Double($0) / Double(steps - 1) })
    }

    /// `x_t = √ᾱₜ·x₀ + √(1 − ᾱₜ)·ε` for each image of `x0` `[N, …]` at its own step.
    public func noised<Scalar: TensorScalar>(_ x0: Tensor<Scalar>, steps: [Int], noise: Tensor<Scalar>) -> Tensor<Scalar> {
        precondition(
            x0.shape == noise.shape && x0.rank >= 1 && steps.count == x0.shape[0],
            "DiffusionSchedule.noised: images \(x0.shape), noise \(noise.shape) and \(steps.count) steps do not match")
        let signal = perImage(steps.map { alphaBars[$0].squareRoot() }, like: x0)
        let spread = perImage(steps.map { (1 - alphaBars[$0]).squareRoot() }, like: x0)
        return signal * x0 + spread * noise
    }

    /// The clean image implied by `x_t` and a noise prediction, `x̂₀ = (x_t − √(1 − ᾱₜ)·ε̂) / √ᾱₜ`,
    /// clipped to [−1, 1] (the data range).
    private func cleanImage<Scalar: TensorScalar>(_ x: Tensor<Scalar>, noise: Tensor<Scalar>, step t: Int) -> Tensor<Scalar> {
        ((x - noise * Scalar((1 - alphaBars[t]).squareRoot())) * Scalar(1 / alphaBars[t].squareRoot()))
            .clamped(min: -1, max: 1)
    }

    /// Ancestral sampling (Ho et al.'s Algorithm 2, through the clipped `x̂₀` as in their code):
    /// from `x_{T−1} ~ N(0, I)`, for `t = T−1 … 0`,
    /// `x_{t−1} = μ̃ₜ(x_t, x̂₀) + σₜ·z` with the posterior mean
    /// `μ̃ₜ = (√ᾱ_{t−1}·βₜ / (1 − ᾱₜ))·x̂₀ + (√αₜ·(1 − ᾱ_{t−1}) / (1 − ᾱₜ))·x_t`, `σₜ² = βₜ` and
    /// `z ~ N(0, I)` (none at the last step).
    ///
    /// - Parameters:
    ///   - shape: the shape of the batch to draw, `[N, …]`.
    ///   - predictNoise: `ε̂(x_t, t)` for a batch at one step (called `T` times).
    public func sampleAncestral<Scalar: TensorScalar>(
        shape: [Int], generator: inout RandomGenerator, predictNoise: (Tensor<Scalar>, Int) -> Tensor<Scalar>
    ) -> Tensor<Scalar> {
        var x = Tensor<Scalar>.randn(shape, generator: &generator)
        for t in stride(from: stepCount - 1, through: 0, by: -1) {
            let x0 = cleanImage(x, noise: predictNoise(x, t), step: t)
            let previous = t > 0 ? alphaBars[t - 1] : 1
            let c0 = previous.squareRoot() * betas[t] / (1 - alphaBars[t])
            let ct = (1 - betas[t]).squareRoot() * (1 - previous) / (1 - alphaBars[t])
            x = x0 * Scalar(c0) + x * Scalar(ct)
            if t > 0 { x = x + Tensor<Scalar>.randn(shape, generator: &generator) * Scalar(betas[t].squareRoot()) }
        }
        return x
    }

    /// The `count` steps DDIM visits, from `T−1` down to 0, evenly spaced (`count` ≤ T).
    public func ddimSteps(_ count: Int) -> [Int] {
        precondition(count >= 1 && count <= stepCount, "DiffusionSchedule.ddimSteps: \(count) steps outside 1…\(stepCount)")
        let visited = (0..<count).map { ($0 * stepCount) / count }
        return visited.reversed()
    }

    /// DDIM sampling (Song et al. 2021) over ``ddimSteps(_:)``: from `x ~ N(0, I)`, at each
    /// visited step `t` with the next one `s` (ᾱ = 1 after the last),
    ///
    ///     x_s = √ᾱ_s·x̂₀ + √(1 − ᾱ_s − σ²)·ε̃ + σ·z,   σ = η·√((1 − ᾱ_s)/(1 − ᾱₜ))·√(1 − ᾱₜ/ᾱ_s),
    ///
    /// where `x̂₀` is clipped to [−1, 1], `ε̃ = (x_t − √ᾱₜ·x̂₀) / √(1 − ᾱₜ)` is the noise that
    /// `x̂₀` implies and `z ~ N(0, I)`. `eta` = 0 is deterministic (with `steps = T` and a perfect
    /// predictor it retraces the forward process); `eta` = 1 draws each step from the posterior
    /// `q(x_s | x_t, x̂₀)`, DDPM's ancestral step taken over the skipped steps at once.
    public func sampleDDIM<Scalar: TensorScalar>(
        shape: [Int], steps count: Int, eta: Double = 0, generator: inout RandomGenerator,
        predictNoise: (Tensor<Scalar>, Int) -> Tensor<Scalar>
    ) -> Tensor<Scalar> {
        precondition(eta >= 0, "DiffusionSchedule.sampleDDIM: eta \(eta) must not be negative")
        let visited = ddimSteps(count)
        var x = Tensor<Scalar>.randn(shape, generator: &generator)
        for (i, t) in visited.enumerated() {
            let x0 = cleanImage(x, noise: predictNoise(x, t), step: t)
            let noise = (x - x0 * Scalar(alphaBars[t].squareRoot())) * Scalar(1 / (1 - alphaBars[t]).squareRoot())
            let next = i + 1 < visited.count ? alphaBars[visited[i + 1]] : 1
            let sigma = eta * ((1 - next) / (1 - alphaBars[t])).squareRoot() * (1 - alphaBars[t] / next).squareRoot()
            x = x0 * Scalar(next.squareRoot()) + noise * Scalar(Swift.max(0, 1 - next - sigma * sigma).squareRoot())
            if sigma > 0 { x = x + Tensor<Scalar>.randn(shape, generator: &generator) * Scalar(sigma) }
        }
        return x
    }

    /// `[N, 1, …, 1]` holding `values`, to scale each image of `like` by its own factor.
    private func perImage<Scalar: TensorScalar>(_ values: [Double], like tensor: Tensor<Scalar>) -> Tensor<Scalar> {
        Tensor(values.map { Scalar($0) }, shape: [values.count] + Array(repeating: 1, count: tensor.rank - 1))
    }
}

/// A denoising diffusion probabilistic model (Ho et al. 2020) of 28 × 28 images in [−1, 1]: a
/// ``UNet`` that predicts the noise, trained with
/// `L = E_{t, x₀, ε} ‖ε − ε_θ(√ᾱₜ·x₀ + √(1 − ᾱₜ)·ε, t)‖²` (the mean over pixels), and sampled by
/// reversing the ``DiffusionSchedule``.
public final class DDPM<Scalar: TensorScalar> {
    /// The noise predictor `ε_θ(x_t, t)`.
    public let unet: UNet<Scalar>
    /// The forward process.
    public let schedule: DiffusionSchedule

    /// A model of `unet` with `schedule` (the linear 1e-4 … 0.02 over 1000 steps by default).
    public init(unet: UNet<Scalar>, schedule: DiffusionSchedule = .linear()) {
        self.unet = unet
        self.schedule = schedule
    }

    /// The ε-prediction loss of a batch `x0` `[N, 1, 28, 28]` in [−1, 1], with steps drawn
    /// uniformly from `0 … T−1` and noise from `N(0, I)` (both from `generator`): the mean
    /// squared error between the noise and the U-Net's prediction of it.
    public func loss(_ x0: Tensor<Scalar>, generator: inout RandomGenerator) -> Tensor<Scalar> {
        let steps = (0..<x0.shape[0]).map { _ in generator.nextInt(below: schedule.stepCount) }
        let noise = Tensor<Scalar>.randn(x0.shape, generator: &generator)
        return mseLoss(unet(schedule.noised(x0, steps: steps, noise: noise), steps: steps), noise)
    }

    /// `count` images `[count, 1, 28, 28]` in [−1, 1], drawn without gradients: by ancestral
    /// sampling over all `T` steps when `ddimSteps` is `nil`, else by DDIM in that many steps
    /// with noise `eta`.
    public func sample(count: Int, ddimSteps: Int? = nil, eta: Double = 0, generator: inout RandomGenerator) -> Tensor<Scalar> {
        withoutGrad {
            let predict: (Tensor<Scalar>, Int) -> Tensor<Scalar> = { x, t in self.unet(x, steps: Array(repeating: t, count: count)) }
            let shape = [count, 1, 28, 28]
            if let ddimSteps {
                return schedule.sampleDDIM(shape: shape, steps: ddimSteps, eta: eta, generator: &generator, predictNoise: predict)
            }
            return schedule.sampleAncestral(shape: shape, generator: &generator, predictNoise: predict)
        }
    }
}
