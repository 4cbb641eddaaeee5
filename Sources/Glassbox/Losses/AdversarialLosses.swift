/// The gradient penalty of WGAN-GP (Gulrajani et al. 2017): for interpolates
/// `x̂ = ε·real + (1 − ε)·fake` with one `ε ~ U(0, 1)` per sample,
///
///     GP = mean_i (‖∇_x̂ D(x̂_i)‖₂ − 1)²
///
/// The gradient `∇_x̂ D` is taken with `createGraph: true`, so the penalty is itself
/// differentiable with respect to the critic's parameters (its backward is a double backward
/// through the critic). Multiply by λ (10 in the paper) and add it to the critic's loss.
///
/// - Parameters:
///   - critic: the critic `D`, `[N, …] → [N, 1]` or `[N]`.
///   - real, fake: batches of the same shape `[N, …]` (`fake` is usually detached).
///   - generator: draws `ε`.
/// - Returns: a scalar.
public func gradientPenalty<Scalar>(
    critic: (Tensor<Scalar>) -> Tensor<Scalar>, real: Tensor<Scalar>, fake: Tensor<Scalar>, generator: inout RandomGenerator
) -> Tensor<Scalar> {
    precondition(real.shape == fake.shape && real.rank >= 1, "gradientPenalty: real \(real.shape) and fake \(fake.shape) differ")
    let n = real.shape[0]
    let epsilon = Tensor<Scalar>.uniform([n] + Array(repeating: 1, count: real.rank - 1), low: 0, high: 1, generator: &generator)
    return gradientPenalty(critic: critic, interpolates: epsilon * real.detached() + (1 - epsilon) * fake.detached())
}

/// The gradient penalty `mean_i (‖∇_x D(x_i)‖₂ − 1)²` at the given points `[N, …]` (the
/// interpolates of ``gradientPenalty(critic:real:fake:generator:)``), differentiable with
/// respect to the critic's parameters (and to the points, when they require grad).
public func gradientPenalty<Scalar>(critic: (Tensor<Scalar>) -> Tensor<Scalar>, interpolates: Tensor<Scalar>) -> Tensor<Scalar> {
    // Points that are data get a leaf of their own to differentiate with respect to.
    let x = interpolates.requiresGrad ? interpolates : interpolates.detached()
    x.requiresGrad = true
    let n = x.shape[0]
    let gradient = withGrad {
        Tensor.gradients(of: critic(x).sum(), withRespectTo: [x], createGraph: true)[0]
    }
    // A small constant inside the root keeps its derivative finite where a gradient vanishes.
    let norms = ((gradient * gradient).reshaped([n, -1]).sum(dim: 1) + Scalar(1e-12)).sqrt()
    return ((norms - 1) * (norms - 1)).mean()
}
