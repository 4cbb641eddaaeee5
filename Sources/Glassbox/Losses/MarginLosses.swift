import GlassboxKernels

// Margin and embedding losses, each composed of differentiable primitives as PyTorch composes
// them (so the gradients, including those with respect to a floating-point target, agree).
// Labels of ±1 given as floats select branches only: they get a zero gradient.

/// Hinge embedding loss, like `torch.nn.functional.hinge_embedding_loss`: `ℓ = x` where the
/// label `y = 1`, `max(0, margin − x)` where `y = −1`.
/// Backward: 1, or `−1` where `margin − x > 0` (0 elsewhere).
public func hingeEmbeddingLoss<Scalar>(
    _ input: Tensor<Scalar>, _ target: Tensor<Scalar>, margin: Scalar = 1, reduction: LossReduction = .mean
) -> Tensor<Scalar> {
    let (notPositive, notNegative) = withoutGrad { (target.isNotEqual(to: Tensor(1)), target.isNotEqual(to: Tensor(-1))) }
    let zero = Tensor<Scalar>.zeros([])
    let marginPart = Tensor.where(notPositive, (margin - input).clamped(min: 0), zero)
    let selfPart = Tensor.where(notNegative, input, zero)
    return (marginPart + selfPart).reduced(reduction)
}

/// Margin ranking loss, like `torch.nn.functional.margin_ranking_loss`:
/// `ℓ = max(0, −y·(x₁ − x₂) + margin)`. Backward where positive: `∂x₁ = −y`, `∂x₂ = y`,
/// `∂y = −(x₁ − x₂)`. Shapes broadcast.
public func marginRankingLoss<Scalar>(
    _ input1: Tensor<Scalar>, _ input2: Tensor<Scalar>, _ target: Tensor<Scalar>, margin: Scalar = 0,
    reduction: LossReduction = .mean
) -> Tensor<Scalar> {
    ((-target * (input1 - input2)) + margin).clamped(min: 0).reduced(reduction)
}

/// Two-class logistic loss, like `torch.nn.functional.soft_margin_loss`:
/// `ℓ = log(1 + e^(−y·x))`, computed as `softplus(−y·x)`. Backward: `∂x = −y·σ(−y·x)`. The
/// target is not differentiated (PyTorch does not differentiate it either).
public func softMarginLoss<Scalar>(
    _ input: Tensor<Scalar>, _ target: Tensor<Scalar>, reduction: LossReduction = .mean
) -> Tensor<Scalar> {
    (-(input * target.detached())).softplus().reduced(reduction)
}

/// Multi-label one-versus-all logistic loss, like
/// `torch.nn.functional.multilabel_soft_margin_loss`, for `input` and `target` `[N, C]` (or
/// `[C]`): `ℓₙ = −(1/C)·Σ_c w_c·(y·log σ(x) + (1 − y)·log σ(−x))`.
/// Backward: `∂x = w_c·(σ(x) − y)/C`; the target is differentiated too.
public func multiLabelSoftMarginLoss<Scalar>(
    _ input: Tensor<Scalar>, _ target: Tensor<Scalar>, weight: Tensor<Scalar>? = nil, reduction: LossReduction = .mean
) -> Tensor<Scalar> {
    precondition(input.rank >= 1, "multiLabelSoftMarginLoss: input must be [N, C] or [C], got \(input.shape)")
    var loss = -(target * input.logSigmoid() + (1 - target) * (-input).logSigmoid())
    if let weight { loss = loss * weight }
    let classDim = input.rank - 1
    return (loss.sum(dim: classDim) / Scalar(input.shape[classDim])).reduced(reduction)
}

/// Multi-class hinge loss, like `torch.nn.functional.multi_margin_loss`, for `input` `[N, C]`
/// (or `[C]`) and class indices `target` `[N]` (or `[]`):
/// `ℓₙ = (1/C)·Σ_{j ≠ yₙ} w_{yₙ}·max(0, margin − x[yₙ] + x[j])^p` with `p` 1 or 2.
/// Backward: each active term gives `w·p·z^(p−1)/C` to `x[j]` and its negative to `x[yₙ]`.
public func multiMarginLoss<Scalar>(
    _ input: Tensor<Scalar>, _ target: IndexTensor, p: Int = 1, margin: Scalar = 1, weight: Tensor<Scalar>? = nil,
    reduction: LossReduction = .mean
) -> Tensor<Scalar> {
    precondition(p == 1 || p == 2, "multiMarginLoss: p must be 1 or 2, got \(p)")
    precondition(input.rank == 1 || input.rank == 2, "multiMarginLoss: input must be [N, C] or [C], got \(input.shape)")
    let x = input.rank == 1 ? input.unsqueezed(0) : input
    let (n, classes) = (x.shape[0], x.shape[1])
    precondition(
        target.indices.count == n && target.shape.count <= 1,
        "multiMarginLoss: target shape \(target.shape) does not match input shape \(input.shape)")
    precondition(target.indices.allSatisfy { (0..<classes).contains($0) }, "multiMarginLoss: target outside 0..<\(classes)")
    let index = IndexTensor(target.indices, shape: [n, 1])
    var others = [Scalar](repeating: 1, count: n * classes)
    for (row, y) in target.indices.enumerated() { others[row * classes + y] = 0 }
    var z = (x - x.gathered(dim: 1, index: index) + margin).clamped(min: 0)
    if p == 2 { z = z.squared() }
    z = z * Tensor(others, shape: [n, classes])
    if let weight {
        precondition(weight.shape == [classes], "multiMarginLoss: weight shape \(weight.shape), expected [\(classes)]")
        z = z * weight.gathered(dim: 0, index: IndexTensor(target.indices, shape: [n])).unsqueezed(1)
    }
    let loss = z.sum(dim: 1) / Scalar(classes)
    return (target.shape.isEmpty && reduction == .none ? loss.reshaped([]) : loss).reduced(reduction)
}

/// Multi-label hinge loss, like `torch.nn.functional.multilabel_margin_loss`, for `input`
/// `[N, C]` (or `[C]`) and `target` of the same shape holding each sample's classes, ended by
/// the first `−1`: `ℓₙ = (1/C)·Σ_{j ∈ Yₙ} Σ_{k ∉ Yₙ} max(0, 1 − (x[j] − x[k]))`.
/// Backward: each active pair gives `−1/C` to `x[j]` and `1/C` to `x[k]`.
public func multiLabelMarginLoss<Scalar>(
    _ input: Tensor<Scalar>, _ target: IndexTensor, reduction: LossReduction = .mean
) -> Tensor<Scalar> {
    precondition(input.rank == 1 || input.rank == 2, "multiLabelMarginLoss: input must be [N, C] or [C], got \(input.shape)")
    precondition(target.shape == input.shape, "multiLabelMarginLoss: target shape \(target.shape), expected \(input.shape)")
    let x = input.rank == 1 ? input.unsqueezed(0) : input
    let (n, classes) = (x.shape[0], x.shape[1])
    // pairs[n, j, k]: how often j is listed as a target of sample n, where k is not a target.
    var pairs = [Scalar](repeating: 0, count: n * classes * classes)
    for row in 0..<n {
        var listed = [Int](repeating: 0, count: classes)
        for c in target.indices[(row * classes)..<((row + 1) * classes)] {
            if c < 0 { break }
            precondition(c < classes, "multiLabelMarginLoss: target \(c) outside 0..<\(classes)")
            listed[c] += 1
        }
        for j in 0..<classes where listed[j] > 0 {
            for k in 0..<classes where listed[k] == 0 { pairs[(row * classes + j) * classes + k] = Scalar(listed[j]) }
        }
    }
    let hinge = (x.unsqueezed(1) - x.unsqueezed(2) + 1).clamped(min: 0)  // [n, j, k]: 1 − x[j] + x[k]
    let loss = (hinge * Tensor(pairs, shape: [n, classes, classes])).sum(dim: 2).sum(dim: 1) / Scalar(classes)
    return (input.rank == 1 && reduction == .none ? loss.reshaped([]) : loss).reduced(reduction)
}

/// Triplet margin loss, like `torch.nn.functional.triplet_margin_loss`:
/// `ℓ = max(0, margin + d(a, p) − d(a, n))` with `d` = ``pairwiseDistance(_:_:p:eps:keepDim:)``;
/// with `swap`, `d(a, n)` is replaced by `min(d(a, n), d(p, n))`.
public func tripletMarginLoss<Scalar>(
    anchor: Tensor<Scalar>, positive: Tensor<Scalar>, negative: Tensor<Scalar>, margin: Scalar = 1, p: Scalar = 2,
    eps: Scalar = 1e-6, swap: Bool = false, reduction: LossReduction = .mean
) -> Tensor<Scalar> {
    let positiveDistance = pairwiseDistance(anchor, positive, p: p, eps: eps)
    var negativeDistance = pairwiseDistance(anchor, negative, p: p, eps: eps)
    if swap { negativeDistance = negativeDistance.minimum(pairwiseDistance(positive, negative, p: p, eps: eps)) }
    return (positiveDistance - negativeDistance + margin).clamped(min: 0).reduced(reduction)
}

/// Cosine embedding loss, like `torch.nn.functional.cosine_embedding_loss`, for `input1` and
/// `input2` `[N, D]` (or `[D]`) and labels `y` `[N]` (or `[]`) of ±1: with
/// `cos = Σ x₁x₂ / √((Σ x₁² + 10⁻¹²)(Σ x₂² + 10⁻¹²))`, `ℓ = 1 − cos` where `y = 1` and
/// `max(0, cos − margin)` where `y = −1`.
public func cosineEmbeddingLoss<Scalar>(
    _ input1: Tensor<Scalar>, _ input2: Tensor<Scalar>, _ target: Tensor<Scalar>, margin: Scalar = 0,
    reduction: LossReduction = .mean
) -> Tensor<Scalar> {
    precondition(input1.rank >= 1, "cosineEmbeddingLoss: inputs must be [N, D] or [D], got \(input1.shape)")
    let dim = input1.rank - 1
    let epsilon = Scalar(1e-12)
    let product = (input1 * input2).sum(dim: dim)
    let magnitude1 = (input1 * input1).sum(dim: dim) + epsilon
    let magnitude2 = (input2 * input2).sum(dim: dim) + epsilon
    let cos = product / (magnitude1 * magnitude2).sqrt()
    let (isPositive, isNegative) = withoutGrad { (target.isEqual(to: Tensor(1)), target.isEqual(to: Tensor(-1))) }
    let zero = Tensor<Scalar>.zeros([])
    let loss = Tensor.where(isPositive, 1 - cos, zero) + Tensor.where(isNegative, (cos - margin).clamped(min: 0), zero)
    return loss.reduced(reduction)
}
