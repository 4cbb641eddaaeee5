import GlassboxKernels

/// The batch layout of a class-index loss: input `[N, C, d…]` (or `[C]`), target `[N, d…]`
/// (or `[]`).
private struct ClassIndexLayout<Scalar: TensorScalar> {
    /// Whether the caller passed an unbatched `[C]` input.
    let unbatched: Bool
    /// The number of classes.
    let classes: Int
    /// The target shape `[N, d…]`.
    let targetShape: [Int]
    /// Whether each target position counts (is not `ignoreIndex`), 1 or 0.
    let keep: [Scalar]
    /// `weight[target]` per position (1 without weights; 0 where ignored).
    let targetWeight: [Scalar]
    /// Targets with ignored positions replaced by class 0, shaped `[N, 1, d…]` for gathering.
    let gatherIndex: IndexTensor

    init(_ op: String, input rawInput: Tensor<Scalar>, target: IndexTensor, weight: Tensor<Scalar>?, ignoreIndex: Int) {
        precondition(rawInput.rank >= 1, "\(op): input must have a class dimension, got shape \(rawInput.shape)")
        unbatched = rawInput.rank == 1
        let shape = unbatched ? [1] + rawInput.shape : rawInput.shape
        classes = shape[1]
        targetShape = unbatched ? [1] : target.shape
        let expected = [shape[0]] + Array(shape.dropFirst(2))
        precondition(
            (unbatched && target.shape.isEmpty) || target.shape == expected,
            "\(op): target shape \(target.shape) does not match input shape \(rawInput.shape) (expected \(unbatched ? [] : expected))")
        if let weight {
            precondition(weight.shape == [classes], "\(op): weight shape \(weight.shape), expected [\(classes)]")
        }
        let w = weight?.scalars
        var keep = [Scalar](), targetWeight = [Scalar](), safe = [Int]()
        keep.reserveCapacity(target.indices.count)
        for t in target.indices {
            if t == ignoreIndex {
                keep.append(0)
                targetWeight.append(0)
                safe.append(0)
            } else {
                precondition(t >= 0 && t < classes, "\(op): target \(t) out of range for \(classes) classes")
                keep.append(1)
                targetWeight.append(w?[t] ?? 1)
                safe.append(t)
            }
        }
        self.keep = keep
        self.targetWeight = targetWeight
        var indexShape = targetShape
        indexShape.insert(1, at: 1)
        gatherIndex = IndexTensor(safe, shape: indexShape)
    }

    /// `input` with a batch dimension (`[C]` becomes `[1, C]`).
    func batched(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        unbatched ? input.unsqueezed(0) : input
    }

    /// Per-position values shaped like the target, restored to `[]` for an unbatched call.
    func unreduced(_ t: Tensor<Scalar>) -> Tensor<Scalar> {
        unbatched ? t.reshaped([]) : t
    }
}

/// Negative log-likelihood of class indices, like `torch.nn.functional.nll_loss`.
///
/// `input` holds log-probabilities `[N, C]`, `[N, C, d…]` or `[C]`; `target` holds class
/// indices `[N]`, `[N, d…]` or `[]`. Per position `ℓᵢ = −w[yᵢ]·input[i, yᵢ]`, and 0 where
/// `yᵢ == ignoreIndex`. `.mean` divides the sum by `Σᵢ w[yᵢ]` over non-ignored positions (so
/// an all-ignored batch gives NaN, as in PyTorch).
///
/// Backward: `∂ℓ/∂input[i, c] = −w[yᵢ]·[c = yᵢ]` (divided by `Σ w[yᵢ]` for `.mean`).
public func nllLoss<Scalar>(
    _ input: Tensor<Scalar>, _ target: IndexTensor, weight: Tensor<Scalar>? = nil,
    ignoreIndex: Int = -100, reduction: LossReduction = .mean
) -> Tensor<Scalar> {
    let layout = ClassIndexLayout("nllLoss", input: input, target: target, weight: weight, ignoreIndex: ignoreIndex)
    return nllLoss(layout.batched(input), layout, reduction: reduction)
}

private func nllLoss<Scalar>(
    _ input: Tensor<Scalar>, _ layout: ClassIndexLayout<Scalar>, reduction: LossReduction
) -> Tensor<Scalar> {
    let picked = input.gathered(dim: 1, index: layout.gatherIndex).squeezed(1)
    let losses = -(picked * Tensor(layout.targetWeight, shape: layout.targetShape))
    switch reduction {
    case .none: return layout.unreduced(losses)
    case .sum: return losses.sum()
    case .mean: return losses.sum() / layout.targetWeight.reduce(0, +)
    }
}

/// Cross-entropy between logits and class indices, like `torch.nn.functional.cross_entropy`.
///
/// With `p = logSoftmax(input, dim: 1)` and `ε = labelSmoothing`, per non-ignored position
/// `ℓᵢ = (1 − ε)·(−w[yᵢ]·p[i, yᵢ]) + (ε/C)·(−Σ_c w[c]·p[i, c])`.
/// `.mean` divides each part's sum by `Σᵢ w[yᵢ]` over non-ignored positions (the count of
/// non-ignored positions without weights), exactly as PyTorch.
///
/// Backward (no weights, no smoothing): `∂ℓᵢ/∂input[i, c] = softmax(input)[i, c] − [c = yᵢ]`.
///
/// - Parameters:
///   - input: logits `[N, C]`, `[N, C, d…]` or `[C]`.
///   - target: class indices `[N]`, `[N, d…]` or `[]`.
///   - weight: per-class weights `[C]` (not differentiated).
///   - ignoreIndex: a target value that contributes neither loss nor gradient.
///   - labelSmoothing: `ε` in `[0, 1]`.
public func crossEntropy<Scalar>(
    _ input: Tensor<Scalar>, _ target: IndexTensor, weight: Tensor<Scalar>? = nil,
    ignoreIndex: Int = -100, reduction: LossReduction = .mean, labelSmoothing: Scalar = 0
) -> Tensor<Scalar> {
    precondition(labelSmoothing >= 0 && labelSmoothing <= 1, "crossEntropy: labelSmoothing \(labelSmoothing) outside [0, 1]")
    let layout = ClassIndexLayout("crossEntropy", input: input, target: target, weight: weight, ignoreIndex: ignoreIndex)
    let logProbabilities = layout.batched(input).logSoftmax(dim: 1)
    let nll = nllLoss(logProbabilities, layout, reduction: reduction)
    guard labelSmoothing > 0 else { return nll }

    // The smoothing term: −Σ_c w[c]·p[i, c], zero at ignored positions.
    var weighted = logProbabilities
    if let weight {
        var shape = [Int](repeating: 1, count: logProbabilities.rank)
        shape[1] = layout.classes
        weighted = weighted * weight.reshaped(shape)
    }
    let smooth = -weighted.sum(dim: 1) * Tensor(layout.keep, shape: layout.targetShape)
    let smoothReduced: Tensor<Scalar>
    switch reduction {
    case .none: smoothReduced = layout.unreduced(smooth)
    case .sum: smoothReduced = smooth.sum()
    case .mean:
        let denominator = weight == nil ? layout.keep.reduce(0, +) : layout.targetWeight.reduce(0, +)
        smoothReduced = smooth.sum() / denominator
    }
    return nll * (1 - labelSmoothing) + smoothReduced * (labelSmoothing / Scalar(layout.classes))
}

/// Cross-entropy between logits and class probabilities ("soft targets"), like
/// `torch.nn.functional.cross_entropy` with a floating-point target of the input's shape.
///
/// With `p = logSoftmax(input, dim: 1)` and `q = (1 − ε)·target + ε/C`:
/// `ℓᵢ = −Σ_c w[c]·q[i, c]·p[i, c]`. `.mean` divides by the number of positions (`N·d…`),
/// not by weights. Backward (no weights, `Σ_c q = 1`): `softmax(input) − q`.
public func crossEntropy<Scalar>(
    _ input: Tensor<Scalar>, probabilities target: Tensor<Scalar>, weight: Tensor<Scalar>? = nil,
    reduction: LossReduction = .mean, labelSmoothing: Scalar = 0
) -> Tensor<Scalar> {
    precondition(
        input.shape == target.shape,
        "crossEntropy(probabilities:): target shape \(target.shape) differs from input shape \(input.shape)")
    let classDim = input.rank == 1 ? 0 : 1
    let classes = input.shape[classDim]
    let logProbabilities = input.logSoftmax(dim: classDim)
    var q = target
    if labelSmoothing > 0 { q = target * (1 - labelSmoothing) + labelSmoothing / Scalar(classes) }
    var product = logProbabilities * q
    if let weight {
        precondition(weight.shape == [classes], "crossEntropy: weight shape \(weight.shape), expected [\(classes)]")
        var shape = [Int](repeating: 1, count: input.rank)
        shape[classDim] = classes
        product = product * weight.reshaped(shape)
    }
    switch reduction {
    case .none: return -product.sum(dim: classDim)
    case .sum: return -product.sum()
    case .mean: return -product.sum() / Scalar(Swift.max(input.count / Swift.max(classes, 1), 1))
    }
}

/// Binary cross-entropy between probabilities and targets, like
/// `torch.nn.functional.binary_cross_entropy`:
/// `ℓᵢ = −wᵢ·(yᵢ·max(log xᵢ, −100) + (1 − yᵢ)·max(log(1 − xᵢ), −100))`.
///
/// The logs are clamped at −100 as in PyTorch, so `x = 0` or `1` gives a finite loss.
/// Backward: `wᵢ·(xᵢ − yᵢ)/(xᵢ(1 − xᵢ))` where the logs are not clamped.
public func binaryCrossEntropy<Scalar>(
    _ input: Tensor<Scalar>, _ target: Tensor<Scalar>, weight: Tensor<Scalar>? = nil,
    reduction: LossReduction = .mean
) -> Tensor<Scalar> {
    precondition(
        input.shape == target.shape,
        "binaryCrossEntropy: target shape \(target.shape) differs from input shape \(input.shape)")
    let logX = input.log().clamped(min: -100)
    let logOneMinusX = (1 - input).log().clamped(min: -100)
    var loss = -(target * logX + (1 - target) * logOneMinusX)
    if let weight { loss = loss * weight }
    return loss.reduced(reduction)
}

/// Binary cross-entropy on logits, computed stably, like
/// `torch.nn.functional.binary_cross_entropy_with_logits`:
/// `ℓᵢ = wᵢ·((1 − yᵢ)·xᵢ + lᵢ·softplus(−xᵢ))` with `lᵢ = 1 + (posWeight − 1)·yᵢ`
/// (`lᵢ = 1` without `posWeight`). `softplus(−x) = −log σ(x)` never overflows.
///
/// Backward: `∂ℓᵢ/∂xᵢ = wᵢ·((1 − yᵢ) − lᵢ·σ(−xᵢ))`, which is `wᵢ·(σ(xᵢ) − yᵢ)` without
/// `posWeight`. `posWeight` broadcasts against the class (last) dimension.
public func binaryCrossEntropyWithLogits<Scalar>(
    _ input: Tensor<Scalar>, _ target: Tensor<Scalar>, weight: Tensor<Scalar>? = nil,
    posWeight: Tensor<Scalar>? = nil, reduction: LossReduction = .mean
) -> Tensor<Scalar> {
    precondition(
        input.shape == target.shape,
        "binaryCrossEntropyWithLogits: target shape \(target.shape) differs from input shape \(input.shape)")
    let negativeLogSigmoid = (-input).softplus()
    var loss: Tensor<Scalar>
    if let posWeight {
        let logWeight = (posWeight - 1) * target + 1
        loss = (1 - target) * input + logWeight * negativeLogSigmoid
    } else {
        loss = (1 - target) * input + negativeLogSigmoid
    }
    if let weight { loss = loss * weight }
    return loss.reduced(reduction)
}
