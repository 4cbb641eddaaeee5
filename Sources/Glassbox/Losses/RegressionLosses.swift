import GlassboxKernels

/// Mean squared error `ℓᵢ = (xᵢ − yᵢ)²`, like `torch.nn.functional.mse_loss`.
///
/// Backward: `∂ℓᵢ/∂xᵢ = 2(xᵢ − yᵢ)` (divided by the element count for `.mean`); the target
/// gets the negative. Shapes broadcast.
public func mseLoss<Scalar>(
    _ input: Tensor<Scalar>, _ target: Tensor<Scalar>, reduction: LossReduction = .mean
) -> Tensor<Scalar> {
    (input - target).squared().reduced(reduction)
}

/// Mean absolute error `ℓᵢ = |xᵢ − yᵢ|`, like `torch.nn.functional.l1_loss`.
///
/// Backward: `sign(xᵢ − yᵢ)` (0 where equal, as PyTorch).
public func l1Loss<Scalar>(
    _ input: Tensor<Scalar>, _ target: Tensor<Scalar>, reduction: LossReduction = .mean
) -> Tensor<Scalar> {
    (input - target).abs().reduced(reduction)
}

/// Huber loss with threshold `delta`, like `torch.nn.functional.huber_loss`:
/// `ℓᵢ = ½d²` where `|d| < δ`, else `δ(|d| − ½δ)`, with `d = xᵢ − yᵢ`.
public func huberLoss<Scalar>(
    _ input: Tensor<Scalar>, _ target: Tensor<Scalar>, reduction: LossReduction = .mean, delta: Scalar = 1
) -> Tensor<Scalar> {
    let d = input - target
    let a = d.abs()
    let quadratic = d.squared() * Scalar(0.5)
    let linear = (a - delta * Scalar(0.5)) * delta
    return Tensor.where(a.isLess(than: delta), quadratic, linear).reduced(reduction)
}

/// Smooth L1 loss with threshold `beta`, like `torch.nn.functional.smooth_l1_loss`:
/// `ℓᵢ = ½d²/β` where `|d| < β`, else `|d| − ½β` (plain L1 when `beta == 0`).
public func smoothL1Loss<Scalar>(
    _ input: Tensor<Scalar>, _ target: Tensor<Scalar>, reduction: LossReduction = .mean, beta: Scalar = 1
) -> Tensor<Scalar> {
    let d = input - target
    let a = d.abs()
    if beta == 0 { return a.reduced(reduction) }
    let quadratic = d.squared() * (Scalar(0.5) / beta)
    return Tensor.where(a.isLess(than: beta), quadratic, a - beta * Scalar(0.5)).reduced(reduction)
}
