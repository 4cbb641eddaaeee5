import GlassboxKernels

/// How ``klDivLoss(_:_:reduction:logTarget:)`` combines its pointwise values: PyTorch's
/// `reduction=` of `KLDivLoss`, which adds `batchmean` to the usual three.
public enum KLDivReduction: String, Sendable, CaseIterable {
    /// Pointwise values, unreduced.
    case none
    /// The mean over every element (PyTorch's default, though not the true KL divergence).
    case mean
    /// The sum.
    case sum
    /// The sum divided by the batch size (the size of dimension 0): the KL divergence per sample.
    case batchmean
}

/// Kullback–Leibler divergence loss, like `torch.nn.functional.kl_div`, with `input` holding
/// log-probabilities.
///
/// Pointwise, `ℓ = y·(log y − x)` (0 where `y = 0`), or with `logTarget` (the target given as
/// log-probabilities) `ℓ = e^y·(y − x)`. Backward: `∂ℓ/∂x = −y` (or `−e^y`);
/// `∂ℓ/∂y = log y + 1 − x` (or `e^y·(y − x + 1)`). Shapes broadcast.
public func klDivLoss<Scalar>(
    _ input: Tensor<Scalar>, _ target: Tensor<Scalar>, reduction: KLDivReduction = .mean, logTarget: Bool = false
) -> Tensor<Scalar> {
    let loss: Tensor<Scalar>
    if logTarget {
        loss = target.exp() * (target - input)
    } else {
        // xlogy(y, y): y·log y where y > 0, else 0 (log evaluated at 1 there, so no NaN gradient).
        let positive = withoutGrad { target.isGreater(than: 0) }
        let safe = Tensor.where(positive, target, Tensor.ones([]))
        loss = Tensor.where(positive, target * safe.log(), Tensor.zeros([])) - target * input
    }
    switch reduction {
    case .none: return loss
    case .mean: return loss.mean()
    case .sum: return loss.sum()
    case .batchmean: return input.rank == 0 ? loss.sum() : loss.sum() / Scalar(Swift.max(input.shape[0], 1))
    }
}

/// Poisson negative log-likelihood, like `torch.nn.functional.poisson_nll_loss`.
///
/// With `logInput` (the default) `ℓ = eˣ − y·x`; otherwise `ℓ = x − y·log(x + eps)`. With
/// `full`, Stirling's approximation of `log y!`, `y·log y − y + ½·log(2πy)`, is added where
/// `y > 1`. Backward: `∂ℓ/∂x = eˣ − y` (or `1 − y/(x + eps)`); the target is differentiated
/// too, as in PyTorch.
public func poissonNLLLoss<Scalar>(
    _ input: Tensor<Scalar>, _ target: Tensor<Scalar>, logInput: Bool = true, full: Bool = false,
    eps: Scalar = 1e-8, reduction: LossReduction = .mean
) -> Tensor<Scalar> {
    var loss = logInput ? input.exp() - target * input : input - target * (input + eps).log()
    if full {
        let large = withoutGrad { target.isGreater(than: 1) }
        let safe = Tensor.where(large, target, Tensor(2))  // log evaluated where it is finite
        let stirling = safe * safe.log() - safe + (safe * (2 * Scalar.pi)).log() * 0.5
        loss = loss + Tensor.where(large, stirling, Tensor.zeros([]))
    }
    return loss.reduced(reduction)
}

/// Gaussian negative log-likelihood, like `torch.nn.functional.gaussian_nll_loss`:
/// `ℓ = ½(log v + (x − y)²/v)` (plus `½·log 2π` with `full`), with `v = max(var, eps)`.
///
/// `var` has the input's shape, the input's shape without its last dimension (one variance
/// per sample), or the input's shape with one dimension of size 1 (broadcast). The clamp to
/// `eps` is not differentiated (PyTorch clamps under `no_grad`): the gradient with respect to
/// `var` is `½(1/v − (x − y)²/v²)` at the clamped value.
public func gaussianNLLLoss<Scalar>(
    _ input: Tensor<Scalar>, _ target: Tensor<Scalar>, variance: Tensor<Scalar>, full: Bool = false,
    eps: Scalar = 1e-6, reduction: LossReduction = .mean
) -> Tensor<Scalar> {
    var v = variance
    if variance.shape != input.shape && Array(input.shape.dropLast()) == variance.shape {
        v = variance.unsqueezed(-1)
    }
    precondition(
        v.shape == input.shape || (v.rank == input.rank && zip(v.shape, input.shape).filter { $0 != $1 }.map(\.0) == [1]),
        "gaussianNLLLoss: var shape \(variance.shape) does not fit input shape \(input.shape)")
    let lifted = withoutGrad { v.clamped(min: eps) - v }
    v = v + lifted
    var loss = (v.log() + (input - target).squared() / v) * 0.5
    if full { loss = loss + Scalar(0.918_938_533_204_672_7) }  // ½·log 2π
    return loss.reduced(reduction)
}
